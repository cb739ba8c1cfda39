"""API keys for the HTTP service: creation, listing, revocation, and checking a presented key."""

from childsafe.auth.errors import (
    AmbiguousKey,
    AuthError,
    InvalidKey,
    InvalidKeyName,
    InvalidScope,
    KeyExists,
    KeyNotFound,
    KeyRevoked,
    MissingScope,
)
from childsafe.auth.keys import SCOPES, KeyInfo, KeyService, hash_secret, validate_scopes

__all__ = [
    "SCOPES",
    "AmbiguousKey",
    "AuthError",
    "InvalidKey",
    "InvalidKeyName",
    "InvalidScope",
    "KeyExists",
    "KeyInfo",
    "KeyNotFound",
    "KeyRevoked",
    "KeyService",
    "MissingScope",
    "hash_secret",
    "validate_scopes",
]

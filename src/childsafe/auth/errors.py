"""Domain errors of the key service, each with a message fit to show an operator as is.

The HTTP service maps these to status codes by class: ``InvalidKey`` and ``KeyRevoked`` to 401,
``MissingScope`` to 403. Their messages never contain the secret that was presented, because
error messages end up in logs.
"""

from __future__ import annotations

from collections.abc import Iterable


class AuthError(Exception):
    """Base of every error the key service raises on purpose."""


class InvalidKey(AuthError):  # noqa: N818
    """No key matches the secret (unknown, malformed, or mistyped)."""

    def __init__(self) -> None:
        super().__init__("invalid API key")


class KeyRevoked(AuthError):  # noqa: N818
    def __init__(self, name: str, prefix: str) -> None:
        super().__init__(f"API key {name!r} ({prefix}) has been revoked")
        self.name = name
        self.prefix = prefix


class MissingScope(AuthError):  # noqa: N818
    def __init__(self, name: str, scope: str, scopes: Iterable[str]) -> None:
        has = ", ".join(scopes) or "none"
        super().__init__(f"API key {name!r} lacks the {scope!r} scope (it has: {has})")
        self.name = name
        self.scope = scope


class InvalidScope(AuthError, ValueError):  # noqa: N818
    def __init__(self, scope: object, valid: Iterable[str]) -> None:
        super().__init__(f"invalid scope {scope!r}: use one or more of {', '.join(valid)}")
        self.scope = scope


class InvalidKeyName(AuthError, ValueError):  # noqa: N818
    def __init__(self, name: object) -> None:
        super().__init__(
            f"invalid key name {name!r}: use 1 to 64 characters from A-Z a-z 0-9 _ . -"
        )
        self.name = name


class KeyExists(AuthError):  # noqa: N818
    def __init__(self, name: str) -> None:
        super().__init__(f"an API key named {name!r} already exists; revoke it first")
        self.name = name


class KeyNotFound(AuthError, LookupError):  # noqa: N818
    def __init__(self, name_or_prefix: str) -> None:
        super().__init__(f"no live API key named or prefixed {name_or_prefix!r}")
        self.name_or_prefix = name_or_prefix


class AmbiguousKey(AuthError, LookupError):  # noqa: N818
    def __init__(self, prefix: str, names: Iterable[str]) -> None:
        super().__init__(
            f"prefix {prefix!r} matches several keys ({', '.join(names)}); revoke by name"
        )
        self.prefix = prefix

"""API keys: created once, shown once, stored as a hash, checked on every HTTP request.

A secret reads ``cs_<prefix>_<token>``. The prefix is 8 hex characters, public, stored in the
clear: it lets an operator tell keys apart in listings and logs, and lets ``authenticate`` find
the one candidate row by index before comparing hashes in constant time. The token is 32 bytes
from :mod:`secrets`, which is why a single SHA-256 is enough (see
:class:`childsafe.store.models.ApiKey`). The ``cs_`` marker makes leaked keys easy to grep for
and to register with secret scanners.

Creating and revoking a key are written to the audit log (``key.create``, ``key.revoke``) in
the same transaction, naming the key by name, prefix and scopes: never the secret nor its hash.
Authenticating is not audited (it changes nothing but ``last_used_at``).
"""

from __future__ import annotations

import builtins
import copy
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from childsafe.auth.errors import (
    AmbiguousKey,
    InvalidKey,
    InvalidKeyName,
    InvalidScope,
    KeyExists,
    KeyNotFound,
    KeyRevoked,
    MissingScope,
)
from childsafe.store import audit
from childsafe.store.changes import lock_change_log
from childsafe.store.engine import SessionFactory, Store, unit_of_work
from childsafe.store.models import API_KEY_SCOPES, ApiKey
from childsafe.store.types import utcnow

SCOPES = API_KEY_SCOPES
ADMIN = "admin"
KEY_MARKER = "cs"
PREFIX_HEX_CHARS = 8
TOKEN_BYTES = 32
#: How stale ``last_used_at`` may get: precise enough to spot unused keys, while a busy client
#: costs one write a minute instead of one per request (a write lock on SQLite).
LAST_USED_RESOLUTION = timedelta(minutes=1)

KEY_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_SECRET_RE = re.compile(rf"{KEY_MARKER}_([0-9a-f]{{{PREFIX_HEX_CHARS}}})_[A-Za-z0-9_-]{{20,128}}")


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown about a key: never the secret nor its hash, because listings end up
    in tickets, logs and terminals' scrollback, and must hold nothing that helps forge a key."""

    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def live(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or ADMIN in self.scopes


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def validate_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    """Known scopes, deduplicated, in canonical order; at least one, so no key is useless."""
    if isinstance(scopes, str):  # a bare "scan" would otherwise become s, c, a, n
        scopes = [scopes]
    given = list(scopes)
    for s in given:
        if s not in SCOPES:
            raise InvalidScope(s, SCOPES)
    if not given:
        raise InvalidScope("", SCOPES)
    return tuple(s for s in SCOPES if s in given)


def _validate_name(name: str) -> str:
    if not isinstance(name, str) or not KEY_NAME_RE.fullmatch(name):
        raise InvalidKeyName(name)
    return name


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=tuple(row.scopes),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class KeyService:
    def __init__(
        self,
        sessions: Store | SessionFactory,
        *,
        clock: Callable[[], datetime] = utcnow,
        actor: str = "system",
    ) -> None:
        """Over an open :class:`Store` or any session factory (tests pass one bound to a
        rolled-back transaction). ``clock`` lets tests move time for ``last_used_at``.
        ``actor``: who the audit log says created or revoked keys ("cli:<user>", "key:<prefix>").
        """
        self._sessions = sessions.sessions if isinstance(sessions, Store) else sessions
        self._clock = clock
        self._actor = audit.check_actor(actor)

    @property
    def actor(self) -> str:
        return self._actor

    def as_actor(self, actor: str) -> KeyService:
        """This service recording its changes as ``actor``."""
        other = copy.copy(self)
        other._actor = audit.check_actor(actor)
        return other

    def create(self, name: str, scopes: Iterable[str]) -> tuple[KeyInfo, str]:
        """A new key and its secret. The secret exists nowhere else afterwards: show it once."""
        name = _validate_name(name)
        valid = validate_scopes(scopes)
        with unit_of_work(self._sessions, write=True) as s:
            # The audit log's lock first, before this transaction locks anything else (see
            # childsafe.store.changes): two key writers then cannot deadlock on each other.
            lock_change_log(s)
            if s.scalar(select(ApiKey.id).where(ApiKey.name == name, ApiKey.revoked_at.is_(None))):
                raise KeyExists(name)
            while True:  # a prefix clash is a 1-in-4-billion chance; retry rather than fail
                prefix = secrets.token_hex(PREFIX_HEX_CHARS // 2)
                if s.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is None:
                    break
            secret = f"{KEY_MARKER}_{prefix}_{secrets.token_urlsafe(TOKEN_BYTES)}"
            row = ApiKey(
                name=name,
                prefix=prefix,
                key_hash=hash_secret(secret),
                scopes=list(valid),
                created_at=self._clock(),
            )
            s.add(row)
            try:
                s.flush()
            except IntegrityError as e:  # another writer took the name in between
                raise KeyExists(name) from e
            self._audit(s, "create", row)
            return _info(row), secret

    def list(self, *, include_revoked: bool = False) -> builtins.list[KeyInfo]:
        with unit_of_work(self._sessions, write=False) as s:
            q = select(ApiKey).order_by(ApiKey.name, ApiKey.id)
            if not include_revoked:
                q = q.where(ApiKey.revoked_at.is_(None))
            return [_info(r) for r in s.scalars(q)]

    def revoke(self, name_or_prefix: str) -> KeyInfo:
        """Revoke the live key with this name, or else with this prefix (``cs_`` optional)."""
        prefix = name_or_prefix.removeprefix(f"{KEY_MARKER}_")
        with unit_of_work(self._sessions, write=True) as s:
            lock_change_log(s)
            live = ApiKey.revoked_at.is_(None)
            rows = s.scalars(select(ApiKey).where(live, ApiKey.name == name_or_prefix)).all()
            if not rows:
                rows = s.scalars(select(ApiKey).where(live, ApiKey.prefix == prefix)).all()
            if not rows:
                raise KeyNotFound(name_or_prefix)
            if len(rows) > 1:
                raise AmbiguousKey(name_or_prefix, sorted(r.name for r in rows))
            rows[0].revoked_at = self._clock()
            s.flush()
            self._audit(s, "revoke", rows[0])
            return _info(rows[0])

    def _audit(self, s: Session, verb: str, row: ApiKey) -> None:
        # What identifies the key, and nothing that would help forge it (no secret, no hash).
        audit.append(
            s,
            actor=self._actor,
            action=f"key.{verb}",
            subject_type="key",
            subject_id=row.id,
            details={"name": row.name, "prefix": row.prefix, "scopes": list(row.scopes)},
        )

    def authenticate(self, secret: str, required_scope: str) -> KeyInfo:
        """The key behind ``secret`` if it is live and has ``required_scope`` (or ``admin``).

        The row is found by its public prefix and the hashes compared with
        :func:`hmac.compare_digest`, so response time says nothing about how much of a guessed
        secret was right.
        """
        if required_scope not in SCOPES:
            raise InvalidScope(required_scope, SCOPES)
        m = _SECRET_RE.fullmatch(secret) if isinstance(secret, str) else None
        if m is None:
            raise InvalidKey()
        digest = hash_secret(secret)
        with unit_of_work(self._sessions, write=False) as s:
            rows = s.scalars(select(ApiKey).where(ApiKey.prefix == m.group(1))).all()
            found = None
            for row in rows:
                if hmac.compare_digest(row.key_hash, digest):
                    found = _info(row)
        if found is None:
            raise InvalidKey()
        if found.revoked_at is not None:
            raise KeyRevoked(found.name, found.prefix)
        if not found.allows(required_scope):
            raise MissingScope(found.name, required_scope, found.scopes)
        return self._touch(found)

    def _touch(self, key: KeyInfo) -> KeyInfo:
        """Record the use, unless it was recorded less than a minute ago.

        The guard is repeated in the UPDATE so that concurrent requests write once between
        them, and the common case (recently used) needs no write transaction at all.
        """
        now = self._clock()
        if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
            return key
        with unit_of_work(self._sessions, write=True) as s:
            s.execute(
                update(ApiKey)
                .where(
                    ApiKey.id == key.id,
                    or_(
                        ApiKey.last_used_at.is_(None),
                        ApiKey.last_used_at <= now - LAST_USED_RESOLUTION,
                    ),
                )
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            )
        return replace(key, last_used_at=now)

"""API keys of the HTTP service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store.models.base import Base
from childsafe.store.types import Json, UtcDateTime, utcnow

#: What an API key may do; ``admin`` implies every other scope.
API_KEY_SCOPES = ("scan", "chat", "curate", "review", "admin")


class ApiKey(Base):
    """A key for the HTTP service. Only a SHA-256 of the secret is stored, never the secret.

    A fast, unsalted hash is right here, unlike for passwords: the secrets are 32 random bytes
    from :mod:`secrets`, so there is nothing to guess and no dictionary to precompute, and a slow
    hash (bcrypt, argon2) would only add latency to every request. Revoking sets a timestamp
    rather than deleting, so an audit can still tell which key made a request; the name of a
    revoked key is free to be used again.
    """

    __tablename__ = "api_keys"
    __table_args__ = (
        UniqueConstraint("key_hash"),
        Index(None, "prefix"),
        Index(
            "uq_api_keys_name_live",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Label chosen by the operator, e.g. the service or person holding the key.
    name: Mapped[str] = mapped_column(String(64))
    #: The key's public id, part of the secret, shown in listings and logs to tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    #: Hex SHA-256 of the whole secret.
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: Updated at most once a minute, so authenticating rarely needs a write.
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

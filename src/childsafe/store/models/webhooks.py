"""Webhook endpoints and the durable outbox of deliveries to them.

A delivery row is written in the transaction that records the event, so an event is never
announced without having happened nor lost if the process dies before sending; a dispatcher
claims due rows with a lease, so several processes can send without sending twice at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store.models.base import Base
from childsafe.store.types import BigId, Json, UtcDateTime, utcnow


class Webhook(Base):
    __tablename__ = "webhooks"
    __table_args__ = (
        Index(
            "uq_webhooks_name_live",
            "name",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    #: HMAC-SHA256 key the receiver verifies signatures with. It must be usable to sign, so it
    #: is kept as given; it is never returned by the API after creation nor logged.
    secret: Mapped[str] = mapped_column(String(128))
    #: Event names delivered, e.g. "scan.block", "scan.review", "case.opened"; empty means all.
    events: Mapped[list[str]] = mapped_column(Json, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OutboxMessage(Base):
    """One event to deliver to one webhook, with its retry state."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The dispatcher's query: undelivered, not given up, due.
        Index(
            "ix_outbox_due",
            "next_attempt_at",
            sqlite_where=text("delivered_at IS NULL AND failed_at IS NULL"),
            postgresql_where=text("delivered_at IS NULL AND failed_at IS NULL"),
        ),
        Index(None, "webhook_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: A dispatcher owns the row until then; a crashed one's rows become due again.
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: Set when retries are exhausted; the row stays for inspection and manual redelivery.
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: Status code or error class of the last failure (never the response body).
    last_error: Mapped[str | None] = mapped_column(String(256))

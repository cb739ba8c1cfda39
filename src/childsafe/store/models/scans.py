"""What the scanning service decided, and the cases a ``review`` decision opens.

A scan record keeps what a platform needs to answer "why was this upload blocked?" months
later: the platform's ids, the signals, the matches and the decision. The content itself is
never stored by a scan, only its hashes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store.models.base import Base, one_of
from childsafe.store.types import BigId, Json, UtcDateTime, utcnow

DECISIONS = ("block", "review", "allow")
SCAN_SOURCES = ("upload", "url", "signals")
CASE_STATUSES = ("open", "closed")


class ScanRecord(Base):
    __tablename__ = "scan_records"
    __table_args__ = (
        CheckConstraint(one_of("decision", DECISIONS), name="decision"),
        CheckConstraint(one_of("source", SCAN_SOURCES), name="source"),
        Index(None, "received_at"),
        Index(None, "content_id"),
        Index(None, "user_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: The platform's ids for the item and the uploader, echoed back and searchable.
    content_id: Mapped[str | None] = mapped_column(String(256))
    user_id: Mapped[str | None] = mapped_column(String(256))
    #: Free-form object the platform attached to the request (never the content).
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", Json, default=dict)
    source: Mapped[str] = mapped_column(String(16))
    #: ``{signal_type: value}`` of the item as received.
    signals: Mapped[dict[str, str]] = mapped_column(Json, default=dict)
    #: The matches as returned to the caller (bank, entry, type, distance, labels).
    matches: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    decision: Mapped[str] = mapped_column(String(16))
    latency_ms: Mapped[float] = mapped_column(Float)
    #: The API key that asked (None for the CLI and for tests).
    api_key_id: Mapped[int | None] = mapped_column(Integer)


class Case(Base):
    """Something a person must look at: opened by a ``review`` decision, worked by reviewers."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(one_of("status", CASE_STATUSES), name="status"),
        Index(None, "status", "priority", "opened_at"),
        Index(None, "scan_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: What opened it: "scan" now; chat risk and live streams later.
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")
    #: Higher is more urgent.
    priority: Mapped[int] = mapped_column(Integer, default=0)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scan_records.id"))
    content_id: Mapped[str | None] = mapped_column(String(256))
    user_id: Mapped[str | None] = mapped_column(String(256))
    #: Why it was opened (e.g. the matches), shown to the reviewer.
    reason: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    assignee: Mapped[str | None] = mapped_column(String(128))
    resolution: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

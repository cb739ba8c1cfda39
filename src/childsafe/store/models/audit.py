"""The append-only, hash-chained audit log of curation and decision changes.

Each row carries the hash of the row before it, so removing, reordering or editing a row
breaks every hash after it; ``childsafe audit verify`` walks the chain. A row is written in the
same transaction as the change it describes, so there is no change without its record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store.models.base import Base
from childsafe.store.types import BigId, Json, UtcDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("hash"), {"sqlite_autoincrement": True})

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: Who: "key:<prefix>" for an API key, "cli:<user>" for the command line, "system:<part>".
    actor: Mapped[str] = mapped_column(String(128))
    #: What, as "<subject>.<verb>": "bank.create", "entry.disable", "key.revoke", "case.close".
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(128))
    #: The change itself (fields before and after), never content.
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    #: Hex SHA-256 of the previous row ("" for the first) and of this row.
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

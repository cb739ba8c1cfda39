"""Banks of hashes, the items banked in them, their signals, and the change log.

Entries and banks are never removed by ordinary operations: disabling or deleting sets a
timestamp (a tombstone), so exchanges can publish removals and audits can see what was there.
``entry_signals.id`` is the number every matching index stores; a hit resolves through it to the
entry and bank that decide the action.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from childsafe.store.models.base import Base, one_of
from childsafe.store.types import BigId, Json, UtcDateTime, utcnow

BANK_ACTIONS = ("block", "review", "allow")
CHANGE_OPS = ("create", "update", "enable", "disable", "delete")
CHANGE_ENTITIES = ("bank", "entry")


class Bank(Base):
    """A named list of hashes with one action; ``allow`` banks suppress matches in others."""

    __tablename__ = "banks"
    __table_args__ = (
        CheckConstraint(one_of("action", BANK_ACTIONS), name="action"),
        CheckConstraint("threshold IS NULL OR threshold >= 0", name="threshold"),
        # A deleted bank keeps its row, but its name is free to be used again.
        Index(
            "uq_banks_name_live",
            "name",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(16), default="block")
    #: Largest distance that still matches (hamming types); None means the type's default.
    threshold: Mapped[int | None] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: "manual" or "exchange:<name>": who owns the contents, hence who may change them.
    source: Mapped[str] = mapped_column(String(128), default="manual")
    labels: Mapped[list[str]] = mapped_column(Json, default=list)
    match_dihedral: Mapped[bool] = mapped_column(Boolean, default=False)
    trim_borders: Mapped[bool] = mapped_column(Boolean, default=False)
    variants: Mapped[list[str]] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    entries: Mapped[list[BankEntry]] = relationship(back_populates="bank", lazy="raise")


class BankEntry(Base):
    """One banked item (an image, a video, a file) with the signals computed from it."""

    __tablename__ = "bank_entries"
    __table_args__ = (
        Index(None, "bank_id", "external_id"),
        # Covers the per-bank live/disabled counts, so listing banks reads an index (a few
        # bytes a row, compressed on PostgreSQL) instead of every entry row.
        Index(None, "bank_id", "deleted_at", "disabled_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
    #: The platform's own id or note for the item, echoed back on a match.
    external_id: Mapped[str | None] = mapped_column(String(256))
    labels: Mapped[list[str]] = mapped_column(Json, default=list)
    #: Where it came from: "manual", "import:<file>", "exchange:<name>".
    source: Mapped[str] = mapped_column(String(128), default="manual")
    added_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    bank: Mapped[Bank] = relationship(back_populates="entries", lazy="raise")
    signals: Mapped[list[EntrySignal]] = relationship(
        back_populates="entry", lazy="raise", order_by="EntrySignal.id"
    )


class EntrySignal(Base):
    """One hash of an entry, of one signal type, for the original or one variant of it."""

    __tablename__ = "entry_signals"
    __table_args__ = (
        UniqueConstraint("entry_id", "signal_type", "variant"),
        Index(None, "signal_type", "value"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entries.id", ondelete="CASCADE"))
    signal_type: Mapped[str] = mapped_column(String(64))
    #: Canonical form, as returned by the signal type's ``normalize``.
    value: Mapped[str] = mapped_column(Text)
    #: "" for the item itself, else e.g. "dihedral:rotate90" or "crop90".
    variant: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    entry: Mapped[BankEntry] = relationship(back_populates="signals", lazy="raise")


class Change(Base):
    """Append-only log of bank and entry mutations, written in the mutating transaction.

    Indexes and exchange publishers remember the last ``seq`` they applied and read what came
    after it. ``sqlite_autoincrement`` keeps SQLite from reusing the numbers of deleted rows;
    see :func:`childsafe.store.changes.record_changes` for why readers never miss a number.
    """

    __tablename__ = "changes"
    __table_args__ = (
        CheckConstraint(one_of("entity", CHANGE_ENTITIES), name="entity"),
        CheckConstraint(one_of("op", CHANGE_OPS), name="op"),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(BigId)
    #: The bank affected, so a reader can skip banks it does not serve without a join.
    bank_id: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

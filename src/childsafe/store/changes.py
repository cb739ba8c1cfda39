"""Writing and reading the change log that lets indexes refresh incrementally.

A reader that remembers "I applied everything up to seq N" must never later see a smaller
number commit. On SQLite that holds by construction (one writer at a time). On PostgreSQL a
sequence hands out numbers at insert time, not commit time, so two concurrent writers could
commit 7 before 6 and a reader polling at that moment would skip 6 for ever. Every transaction
that appends changes therefore takes one transaction-scoped advisory lock first: writers of the
change log commit in seq order. Bank mutations are rare and batched, so the serialisation costs
nothing measurable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from childsafe.store.models import Change
from childsafe.store.types import utcnow

#: Arbitrary constant naming the advisory lock that orders change-log writers ("cs" "chg").
CHANGE_LOG_LOCK = 0x6373_6367

_LOCKED_KEY = "childsafe.change_log_locked"


@dataclass(frozen=True)
class ChangeRow:
    seq: int
    entity: str
    entity_id: int
    bank_id: int
    op: str
    at: datetime


def lock_change_log(session: Session) -> None:
    """Take the change-log lock now, before the transaction locks any rows.

    Writers call this first so that every one of them acquires locks in the same order (change
    log, then rows); taking it only at the end would let two writers deadlock on each other.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    # Keyed on the root transaction: the lock lives exactly as long as it does.
    root = session.get_transaction()
    if root is not None and session.info.get(_LOCKED_KEY) is root:
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHANGE_LOG_LOCK})
    session.info[_LOCKED_KEY] = root


def record_changes(
    session: Session, entity: str, op: str, items: Iterable[tuple[int, int]]
) -> None:
    """Append one change per ``(entity_id, bank_id)`` in the caller's transaction."""
    at = utcnow()
    rows = [
        {"entity": entity, "entity_id": eid, "bank_id": bid, "op": op, "at": at}
        for eid, bid in items
    ]
    if not rows:
        return
    lock_change_log(session)
    session.connection().execute(insert(cast(Table, Change.__table__)), rows)


def record_change(session: Session, entity: str, op: str, entity_id: int, bank_id: int) -> None:
    record_changes(session, entity, op, [(entity_id, bank_id)])


def last_seq(session: Session) -> int:
    """The newest committed change (0 for none): a cursor to read changes after."""
    return int(session.execute(select(func.coalesce(func.max(Change.seq), 0))).scalar_one())


def last_change(session: Session) -> tuple[int, str]:
    """The newest committed change's seq and time (``(0, "")`` for none)."""
    row = session.execute(select(Change.seq, Change.at).order_by(Change.seq.desc()).limit(1))
    found = row.first()
    return (0, "") if found is None else (int(found[0]), found[1].isoformat())


def changes_since(session: Session, seq: int, limit: int = 10_000) -> Sequence[ChangeRow]:
    rows = session.execute(
        select(Change.seq, Change.entity, Change.entity_id, Change.bank_id, Change.op, Change.at)
        .where(Change.seq > seq)
        .order_by(Change.seq)
        .limit(limit)
    )
    return [ChangeRow(*r) for r in rows]

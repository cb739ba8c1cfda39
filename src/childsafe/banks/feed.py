"""What matchers read: every live signal of a type, and the changes since they last looked.

An index builder reads ``last_change_seq()`` first, then streams ``iter_signals``, then keeps
applying ``changes_since(seq)``. Changes are idempotent ("entry 42 changed, re-read it"), so a
change that lands during the stream and is applied again afterwards does no harm, and none is
missed.

The stream uses Core rows, never ORM objects, fetched ``chunk_size`` at a time through a
server-side cursor on PostgreSQL: building an index over ten million hashes must not hold ten
million objects in memory or pay for their construction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import cast

from sqlalchemy import Select, bindparam, select, text
from sqlalchemy.orm import Session

from childsafe.banks.types import ExportRow, SignalRow
from childsafe.store.models import Bank, BankEntry, EntrySignal


def live_signals_query(
    signal_types: Sequence[str], bank_ids: Sequence[int] | None = None
) -> Select[int, int, int, str, str, str]:
    q = (
        select(
            EntrySignal.id,
            EntrySignal.entry_id,
            BankEntry.bank_id,
            EntrySignal.signal_type,
            EntrySignal.value,
            EntrySignal.variant,
        )
        .join(BankEntry, BankEntry.id == EntrySignal.entry_id)
        .join(Bank, Bank.id == BankEntry.bank_id)
        .where(
            EntrySignal.signal_type.in_(list(signal_types)),
            BankEntry.disabled_at.is_(None),
            BankEntry.deleted_at.is_(None),
            Bank.enabled.is_(True),
            Bank.deleted_at.is_(None),
        )
        .order_by(EntrySignal.id)
    )
    if bank_ids is not None:
        q = q.where(BankEntry.bank_id.in_(list(bank_ids)))
    return q


def stream_batches(
    session: Session,
    signal_types: Sequence[str],
    chunk_size: int,
    bank_ids: Sequence[int] | None = None,
) -> Iterator[list[SignalRow]]:
    # Through the Core connection: the ORM result machinery costs more than the fetch itself.
    result = session.connection().execute(
        live_signals_query(signal_types, bank_ids).execution_options(yield_per=chunk_size)
    )
    try:
        for part in result.partitions(chunk_size):
            yield [SignalRow(*r) for r in part]
    finally:
        result.close()


#: One row of :func:`signal_tuples`: (signal id, entry id, bank id, value, variant).
SignalTuple = tuple[int, int, int, str, str]


def signal_tuples(
    session: Session, signal_type: str, bank_ids: Sequence[int], chunk_size: int
) -> Iterator[list[SignalTuple]]:
    """One type's live signals as the driver's own tuples, in no particular order.

    The bulk loader turns a chunk into numpy columns at once, so per-row ``Row`` and
    ``SignalRow`` objects would be pure overhead (they were most of the load time). Going
    below SQLAlchemy to the DBAPI cursor removes them. The few parameters (a validated type
    name, integer ids) are rendered as literals by SQLAlchemy, which keeps one code path for
    both drivers' parameter styles. The filters are :func:`live_signals_query`'s, written
    out for the SQLite hint. No ORDER BY: the index builder sorts by id anyway.
    """
    conn = session.connection()
    # SQLite otherwise walks the (signal_type, value) index: one random read per row, five
    # times slower than reading the table through once and skipping the other types.
    hint = " NOT INDEXED" if conn.dialect.name == "sqlite" else ""
    q = text(
        "SELECT s.id, s.entry_id, e.bank_id, s.value, s.variant"
        f" FROM entry_signals AS s{hint}"
        " JOIN bank_entries AS e ON e.id = s.entry_id"
        " JOIN banks AS b ON b.id = e.bank_id"
        " WHERE s.signal_type = :signal_type AND e.bank_id IN :bank_ids"
        " AND e.disabled_at IS NULL AND e.deleted_at IS NULL"
        " AND b.enabled AND b.deleted_at IS NULL"
    ).bindparams(
        bindparam("signal_type", signal_type),
        bindparam("bank_ids", [int(i) for i in bank_ids], expanding=True),
    )
    sql = str(q.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    # A named (server-side) cursor on PostgreSQL, so the result is not all held client-side.
    cursor = dbapi.cursor(name="childsafe_feed") if conn.dialect.name == "postgresql" else None
    if cursor is None:
        cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
        while part := cursor.fetchmany(chunk_size):
            yield cast(list[SignalTuple], part)
    finally:
        cursor.close()


def export_rows(session: Session, bank_id: int, include_disabled: bool) -> Iterator[ExportRow]:
    """A bank's signals in entry order, for :meth:`BankService.export_bank`."""
    q = (
        select(
            EntrySignal.signal_type,
            EntrySignal.value,
            EntrySignal.variant,
            BankEntry.labels,
            BankEntry.external_id,
            BankEntry.id,
        )
        .join(BankEntry, BankEntry.id == EntrySignal.entry_id)
        .where(BankEntry.bank_id == bank_id, BankEntry.deleted_at.is_(None))
        .order_by(BankEntry.id, EntrySignal.id)
        .execution_options(yield_per=5000)
    )
    if not include_disabled:
        q = q.where(BankEntry.disabled_at.is_(None))
    for t, v, variant, labels, ext, eid in session.execute(q):
        yield ExportRow(t, v, variant, tuple(labels or ()), ext, eid)

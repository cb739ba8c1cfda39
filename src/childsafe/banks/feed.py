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
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, bindparam, func, select, text
from sqlalchemy.orm import Session

from childsafe.banks.types import ExportRow, SignalRow
from childsafe.store.models import Bank, BankEntry, EntrySignal


def _signal_columns() -> tuple[Any, Any, Any, Any, Any, Any]:
    """The columns of a :class:`SignalRow`, in its order."""
    return (
        EntrySignal.id,
        EntrySignal.entry_id,
        BankEntry.bank_id,
        EntrySignal.signal_type,
        EntrySignal.value,
        EntrySignal.variant,
    )


def live_signals_query(
    signal_types: Sequence[str], bank_ids: Sequence[int] | None = None
) -> Select[int, int, int, str, str, str]:
    q = (
        select(*_signal_columns())
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
    both drivers' parameter styles. The filters are :func:`live_signals_query`'s. No ORDER BY:
    the index builder sorts by id anyway. (SQLite has a faster path still,
    :func:`sqlite_signal_columns`; on SQLite this query would need ``NOT INDEXED``.)
    """
    conn = session.connection()
    q = text(
        "SELECT s.id, s.entry_id, e.bank_id, s.value, s.variant"
        " FROM entry_signals AS s"
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


class SignalColumns(NamedTuple):
    """A chunk of one type's live signals, column-wise; ``values`` concatenated hex."""

    ids: npt.NDArray[np.int64]
    entry_ids: npt.NDArray[np.int64]
    bank_ids: npt.NDArray[np.int64]
    values: str
    #: One per row, or None when every row is the original ("") variant.
    variants: list[str] | None


def _ints(text: str, n: int) -> npt.NDArray[np.int64]:
    out = np.fromstring(text, dtype=np.int64, sep=",")
    if out.shape[0] != n:
        raise ValueError(f"expected {n} integers, parsed {out.shape[0]}")
    return out


def sqlite_signal_columns(
    session: Session, signal_types: Sequence[str], bank_ids: Sequence[int], id_span: int = 65_536
) -> Iterator[tuple[str, SignalColumns]]:
    """SQLite only: :func:`signal_tuples` aggregated in the database, one id range at a time.

    ``group_concat`` hands back one string per column per range instead of a tuple and five
    objects per row, and numpy parses those strings in C: three times faster than fetching
    rows, which were most of a matcher build. Every aggregate of one query sees the rows in
    the same order, so the columns line up. One query per type and range, types in turn while
    the range's pages are cached: a GROUP BY on type would sort every range, doubling the
    cost. ``CROSS JOIN`` fixes the join order (walk the signals by rowid range) and ``+``
    keeps SQLite off the (signal_type, value) index.
    """
    conn = session.connection()
    lo, hi = conn.execute(select(func.min(EntrySignal.id), func.max(EntrySignal.id))).one()
    if lo is None:
        return
    q = text(
        "SELECT count(*), group_concat(s.id), group_concat(s.entry_id),"
        " group_concat(e.bank_id), group_concat(s.value, ''),"
        " group_concat(s.variant, char(31)), sum(s.variant != '')"
        " FROM entry_signals AS s"
        " CROSS JOIN bank_entries AS e ON e.id = s.entry_id"
        " CROSS JOIN banks AS b ON b.id = e.bank_id"
        " WHERE s.id >= :lo AND s.id < :hi AND +s.signal_type = :signal_type"
        " AND e.bank_id IN :bank_ids AND e.disabled_at IS NULL AND e.deleted_at IS NULL"
        " AND b.enabled AND b.deleted_at IS NULL"
    ).bindparams(bindparam("bank_ids", [int(i) for i in bank_ids], expanding=True))
    for start in range(int(lo), int(hi) + 1, id_span):
        for t in signal_types:
            params = {"lo": start, "hi": start + id_span, "signal_type": t}
            n, ids, entries, banks, values, variants, n_variants = conn.execute(q, params).one()
            if n:
                yield (
                    t,
                    SignalColumns(
                        _ints(ids, n),
                        _ints(entries, n),
                        _ints(banks, n),
                        values,
                        variants.split("\x1f") if n_variants else None,
                    ),
                )


class EntrySignals(NamedTuple):
    """What :func:`entry_signals` read: every signal of some entries, and the live ones."""

    #: Every signal id of the entries, whatever their state (what an index may still hold).
    all_ids: list[int]
    #: The signals that match now: entry neither disabled nor deleted, bank enabled and live.
    live: list[SignalRow]


def entry_signals(session: Session, entry_ids: Sequence[int], chunk_size: int) -> EntrySignals:
    """The signals of ``entry_ids``, ``chunk_size`` ids per query (bounded, not one per id).

    An index applying the change log re-reads the entries a batch of changes names: it drops
    every signal id listed here and adds back the live rows, so applying a change twice, or
    after a later one, leaves it matching what the tables say.
    """
    ids = sorted({int(i) for i in entry_ids})
    all_ids: list[int] = []
    live: list[SignalRow] = []
    conn = session.connection()
    for start in range(0, len(ids), chunk_size):
        part = ids[start : start + chunk_size]
        q = (
            select(
                *_signal_columns(),
                BankEntry.disabled_at.is_(None)
                & BankEntry.deleted_at.is_(None)
                & Bank.enabled.is_(True)
                & Bank.deleted_at.is_(None),
            )
            .join(BankEntry, BankEntry.id == EntrySignal.entry_id)
            .join(Bank, Bank.id == BankEntry.bank_id)
            .where(EntrySignal.entry_id.in_(part))
            .order_by(EntrySignal.id)
        )
        for sid, eid, bid, t, v, variant, is_live in conn.execute(q):
            all_ids.append(int(sid))
            if is_live:
                live.append(SignalRow(int(sid), int(eid), int(bid), t, v, variant))
    return EntrySignals(all_ids, live)


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

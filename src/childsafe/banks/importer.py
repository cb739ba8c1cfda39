"""Loading a hash list into a bank with a handful of set-based statements.

Industry hash lists run to millions of lines. Looking each batch up and inserting it row by
row from Python costs tens of microseconds a line, dominated by round trips and by the
database planning the same small statements again and again. Instead the import runs in two
phases inside the caller's transaction:

1. Parse and validate every line in Python (line numbers must be reported, so this part is
   per line) and stream the valid rows into a temporary staging table: ``COPY`` on
   PostgreSQL, ``executemany`` on the raw SQLite connection. Nothing of the file is held in
   memory, so a ten-million-line list needs no more RAM than a ten-line one.
2. One ``INSERT ... SELECT`` picks the rows to add: the first occurrence of each signal in the
   file whose signal is not already in a non-deleted entry of the bank (an anti-join the
   database plans once for the whole file), numbering the new entries in line order. Three
   more statements copy them into ``bank_entries``, ``entry_signals`` and the change log.

The change log keeps its contract: one ``entry``/``create`` row per new entry, in entry order,
so an index following ``changes_since`` learns of every new signal exactly as it would have
had the entries been added one at a time. The audit log, read by people, gets one
``bank.import`` event with the counts instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from childsafe.banks import _audit, formats, validation
from childsafe.banks._rows import live_bank
from childsafe.banks.formats import ImportFormat, Parsed
from childsafe.banks.types import ImportReport, InvalidLine
from childsafe.signals.base import SignalType
from childsafe.store.types import UtcDateTime, utcnow

#: Invalid lines kept in an :class:`ImportReport` (all are counted).
MAX_REPORTED_INVALID = 1000

#: Page cache of a SQLite connection while it imports, in KiB.
SQLITE_IMPORT_CACHE_KIB = 256 * 1024

_STAGE = "cs_import_stage"
_FRESH = "cs_import_fresh"
_COLUMNS = "pos, signal_type, value, variant, labels, external_id"
_SEQUENCE_RE = re.compile(r"[A-Za-z0-9_.\"]+")

_Row = tuple[int, str, str, str, str | None, str | None]


class _StrictRollback(Exception):  # noqa: N818 - control flow, never escapes
    pass


def import_lines(
    write: Callable[[], AbstractContextManager[Session]],
    types: Mapping[str, SignalType],
    bank: str,
    lines: Iterable[str],
    *,
    format: ImportFormat,
    signal_type: str | None,
    labels: Iterable[str],
    source: str,
    added_by: str | None,
    strict: bool,
    batch_size: int,
    actor: str,
) -> ImportReport:
    """:meth:`BankService.import_signals`, in the transaction ``write()`` opens."""
    common = validation.entry_labels(labels)
    source = validation.optional_text(source, validation.ENTRY_SOURCE_MAX, "source") or ""
    counted = LineCounter(lines)
    report = ImportReport()
    try:
        with write() as s:
            b = live_bank(s, bank)
            parsed = formats.parse(counted, types, format=format, signal_type=signal_type)
            load(
                s,
                b.id,
                parsed,
                report,
                common_labels=common,
                source=source,
                added_by=added_by,
                strict=strict,
                batch_size=batch_size,
            )
            report.lines_read = counted.n
            if report.rolled_back:
                raise _StrictRollback
            _audit.bank_imported(
                s,
                actor,
                b,
                report,
                format=format,
                signal_type=signal_type,
                source=source,
                strict=strict,
            )
    except _StrictRollback:
        pass
    return report


class LineCounter:
    """Counts lines as the parser pulls them, for the report."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._it = iter(lines)
        self.n = 0

    def __iter__(self) -> Iterator[str]:
        for line in self._it:
            self.n += 1
            yield line


def load(
    session: Session,
    bank_id: int,
    parsed: Iterable[Parsed],
    report: ImportReport,
    *,
    common_labels: Sequence[str],
    source: str,
    added_by: str | None,
    strict: bool,
    batch_size: int,
) -> None:
    """Add ``parsed`` rows to the bank as one-signal entries, filling ``report``.

    In strict mode the first invalid line stops staging, but reading goes on so that the report
    lists every bad line at once; ``report.rolled_back`` then tells the caller to roll the
    transaction back (nothing has been written to the bank's tables by then).
    """
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    if not pg:
        # SQLite's default 2 MB page cache makes every insert into the (signal_type, value)
        # index of a large bank a cache miss; a bigger cache for this connection is the single
        # largest saving on SQLite. It is given back afterwards (memory is per connection).
        old_cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    try:
        _load(
            conn, pg, bank_id, parsed, report, common_labels, source, added_by, strict, batch_size
        )
    finally:
        if not pg:
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(old_cache or -2000)}")


def _load(
    conn: Connection,
    pg: bool,
    bank_id: int,
    parsed: Iterable[Parsed],
    report: ImportReport,
    common_labels: Sequence[str],
    source: str,
    added_by: str | None,
    strict: bool,
    batch_size: int,
) -> None:
    _create_temp_tables(conn, pg)
    # On any error the caller's transaction rolls back, and takes the temporary tables with it.
    staged = _stage(conn, pg, parsed, report, common_labels, strict, max(batch_size, 1))
    if strict and report.invalid_count:
        report.rolled_back = True
        report.added = report.duplicates = 0
        return
    added = _insert_fresh(conn, pg, bank_id, common_labels, source, added_by) if staged else 0
    report.added += added
    report.duplicates += staged - added
    conn.exec_driver_sql(f"DROP TABLE {_FRESH}")
    conn.exec_driver_sql(f"DROP TABLE {_STAGE}")


def _create_temp_tables(conn: Connection, pg: bool) -> None:
    # Temporary tables are private to the connection and never written to the WAL (PostgreSQL)
    # or the main database file (SQLite). IF EXISTS: an earlier import on this connection that
    # failed inside an enclosing transaction may have left them behind.
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_FRESH}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_STAGE}")
    big = "bigint" if pg else "INTEGER"
    cols = (
        "signal_type TEXT NOT NULL, value TEXT NOT NULL, variant TEXT NOT NULL, "
        "labels TEXT, external_id TEXT"
    )
    # ``pos`` is the line number: unique, and the order entries are numbered in.
    pos = "pos bigint NOT NULL" if pg else "pos INTEGER PRIMARY KEY"
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {_STAGE} ({pos}, {cols})")
    # What to add: just ids, the rest is read back from the stage by ``pos``.
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {_FRESH} (entry_id {big} PRIMARY KEY, pos {big} NOT NULL)"
    )


def _stage(
    conn: Connection,
    pg: bool,
    parsed: Iterable[Parsed],
    report: ImportReport,
    common: Sequence[str],
    strict: bool,
    batch_size: int,
) -> int:
    """Validate and copy the valid rows into the staging table; returns how many."""
    staged = 0
    with _stage_writer(conn, pg) as write:
        batch: list[_Row] = []
        for item in parsed:
            if isinstance(item, InvalidLine):
                report.invalid_count += 1
                if len(report.invalid) < MAX_REPORTED_INVALID:
                    report.invalid.append(item)
                continue
            if strict and report.invalid_count:
                continue
            labels = None
            if item.labels:
                labels = json.dumps(list(dict.fromkeys([*common, *item.labels])))
            batch.append(
                (item.line, item.signal_type, item.value, item.variant, labels, item.external_id)
            )
            if len(batch) >= batch_size:
                write(batch)
                staged += len(batch)
                batch = []
        if batch:
            write(batch)
            staged += len(batch)
    return staged


@contextmanager
def _stage_writer(conn: Connection, pg: bool) -> Iterator[Callable[[list[_Row]], None]]:
    # The raw driver connection is the one SQLAlchemy began the transaction on; going around
    # SQLAlchemy saves its per-row parameter processing, which costs more than the insert.
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if pg:
            with cur.copy(f"COPY {_STAGE} ({_COLUMNS}) FROM STDIN") as copy:

                def send(rows: list[_Row]) -> None:
                    for row in rows:
                        copy.write_row(row)

                yield send
        else:
            sql = f"INSERT INTO {_STAGE} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"  # noqa: S608 - fixed names
            yield lambda rows: cur.executemany(sql, rows)
    finally:
        cur.close()


def _insert_fresh(
    conn: Connection,
    pg: bool,
    bank_id: int,
    common: Sequence[str],
    source: str,
    added_by: str | None,
) -> int:
    """Move the staged rows the bank lacks into its tables; returns how many entries were added."""
    if pg:
        _refresh_statistics(conn)
        seq = conn.exec_driver_sql("SELECT pg_get_serial_sequence('bank_entries', 'id')").scalar()
        if not isinstance(seq, str) or not _SEQUENCE_RE.fullmatch(seq):
            raise RuntimeError(f"unexpected sequence name for bank_entries.id: {seq!r}")
        new_id = f"nextval('{seq}')"  # evaluated after the ORDER BY: ids follow the lines
    else:
        # This transaction holds SQLite's only write lock, so numbering from the current
        # maximum cannot collide; it is also the id SQLite itself would pick next.
        base = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM bank_entries").scalar()
        new_id = f"{int(base or 0)} + row_number() OVER (ORDER BY s.pos)"
    picked = conn.execute(
        text(
            f"INSERT INTO {_FRESH} (entry_id, pos) SELECT {new_id}, s.pos FROM {_STAGE} s "  # noqa: S608 - fixed names
            f"WHERE s.pos IN (SELECT min(pos) FROM {_STAGE} "
            "                GROUP BY signal_type, value, variant) "
            # Nested rather than a join, so that SQLite (which has no statistics) cannot
            # start from the bank's entries and walk all of them for every staged line.
            "AND NOT EXISTS ("
            "  SELECT 1 FROM entry_signals es"
            "  WHERE es.signal_type = s.signal_type AND es.value = s.value"
            "    AND es.variant = s.variant AND EXISTS ("
            "      SELECT 1 FROM bank_entries be WHERE be.id = es.entry_id"
            "        AND be.bank_id = :bank AND be.deleted_at IS NULL)"
            ") ORDER BY s.pos"
        ),
        {"bank": bank_id},
    ).rowcount
    if not picked:
        return 0
    now = bindparam("now", utcnow(), type_=UtcDateTime())
    labels = (
        "coalesce(CAST(s.labels AS jsonb), CAST(:common AS jsonb))"  # the constant is cast once
        if pg
        else "coalesce(s.labels, :common)"
    )
    conn.execute(
        text(
            "INSERT INTO bank_entries "  # noqa: S608 - fixed names
            "(id, bank_id, external_id, labels, source, added_by, created_at) "
            f"SELECT f.entry_id, :bank, s.external_id, {labels}, :source, :added_by, :now "
            f"FROM {_FRESH} f JOIN {_STAGE} s ON s.pos = f.pos ORDER BY f.entry_id"
        ).bindparams(now),
        {
            "bank": bank_id,
            "common": json.dumps(list(common)),
            "source": source,
            "added_by": added_by,
        },
    )
    conn.execute(
        text(
            "INSERT INTO entry_signals (entry_id, signal_type, value, variant, created_at) "  # noqa: S608 - fixed names
            f"SELECT f.entry_id, s.signal_type, s.value, s.variant, :now "
            f"FROM {_FRESH} f JOIN {_STAGE} s ON s.pos = f.pos ORDER BY f.entry_id"
        ).bindparams(now)
    )
    conn.execute(
        text(
            "INSERT INTO changes (entity, entity_id, bank_id, op, at) "  # noqa: S608 - fixed names
            f"SELECT 'entry', entry_id, :bank, 'create', :now FROM {_FRESH} ORDER BY entry_id"
        ).bindparams(now),
        {"bank": bank_id},
    )
    return int(picked)


def _refresh_statistics(conn: Connection) -> None:
    """Give PostgreSQL's planner true sizes before the one statement that matters.

    Temporary tables are never analyzed automatically, and the bank's tables may have grown by
    millions of rows since autovacuum last looked (a previous import, possibly in this very
    transaction). With an empty-table estimate the planner probes the whole file through a
    nested loop over a sequential scan; analyzing first costs a fixed sample of rows per table.
    """
    conn.exec_driver_sql(f"ANALYZE {_STAGE}")
    stale = conn.exec_driver_sql(
        "SELECT count(*) FROM pg_stat_user_tables t JOIN pg_class c ON c.oid = t.relid "
        "WHERE t.relname IN ('entry_signals', 'bank_entries') "
        "AND t.n_mod_since_analyze > 0.1 * greatest(c.reltuples, 0) + 1000"
    ).scalar()
    if stale:
        conn.exec_driver_sql("ANALYZE bank_entries, entry_signals")

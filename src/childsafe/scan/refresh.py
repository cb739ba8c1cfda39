"""Keeping a long-lived :class:`Scanner` in step with the store, without full rebuilds.

Several API processes share one database; each polls the change log and applies what it finds
to its own matcher. A change says only "this entry/bank changed, re-read it", so applying is
re-reading current state, which makes it idempotent: applying a change twice, or after a later
one already landed, leaves the matcher matching exactly what the tables say.

One :meth:`MatcherRefresher.refresh`:

1. reads the newest seq; nothing new → done (one query);
2. if the backlog is large (more than ``rebuild_min`` changes and more than
   ``rebuild_fraction`` of the index) or the log went backwards (a restored database),
   builds a new matcher and swaps it in;
3. otherwise reads the changes in pages and applies the whole batch at once:

   - any bank change → re-read the banks (few rows). Banks that stopped matching (disabled,
     deleted, or no longer followed) have their signals removed; banks that started (created,
     enabled again) have their signals loaded through the bulk feed; the rest get their new
     settings (threshold, action, labels, options) in the bank snapshot, and the scanner's
     query options are recomputed. Signals are removed rather than filtered at match time,
     so the matcher only ever holds signals of the banks in ``matcher.banks``;
   - entry changes (create, disable, enable, delete — an import writes one per entry) → the
     distinct entry ids of the batch are re-read in a few queries
     (:meth:`BankService.signals_of_entries`): every signal id they have is removed, the
     live ones added back.

   Bank changes are applied before entry changes, so an entry of a bank loaded in the same
   batch is removed and re-added rather than held twice.

Which banks are followed: a scanner loaded for all enabled banks follows every bank,
including ones created later; one loaded for named banks follows those bank ids only (a
rename does not matter; one disabled or deleted stops matching, and matches again when
enabled).

Thread-safety: store reads happen outside the scanner's lock; the matcher is changed under
``scanner.lock``, which :meth:`Scanner.scan` also holds, so a request sees the matcher before
or after a batch, never half of one. A rebuild is built outside the lock and swapped in under
it. Only one refresh runs at a time (its own lock). The price is that requests wait while a
batch is applied (milliseconds for a few entries; removing from a 10M index re-sorts the
owner table, a fraction of a second).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from childsafe.banks import BankInfo, BankService
from childsafe.banks.feed import SignalColumns, SignalTuple
from childsafe.plugins import Registry
from childsafe.scan.service import LOAD_CHUNK, Scanner, build_matcher
from childsafe.store.changes import ChangeRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefreshReport:
    changes: int = 0
    #: Distinct entries re-read.
    entries: int = 0
    signals_removed: int = 0
    signals_added: int = 0
    banks_added: tuple[int, ...] = ()
    banks_removed: tuple[int, ...] = ()
    rebuilt: bool = False
    #: The change-log position the scanner reflects afterwards.
    seq: int = 0


class MatcherRefresher:
    """Applies the change log to ``scanner`` (built at ``scanner.seq``) on each :meth:`refresh`."""

    def __init__(
        self,
        scanner: Scanner,
        service: BankService,
        registry: Registry,
        *,
        page_size: int = 10_000,
        rebuild_min: int = 50_000,
        rebuild_fraction: float = 0.25,
    ) -> None:
        """A backlog of more than ``rebuild_min`` changes that is also more than
        ``rebuild_fraction`` of the index's signals is cheaper to rebuild than to apply.
        """
        self.scanner = scanner
        self.service = service
        self.registry = registry
        self.page_size = page_size
        self.rebuild_min = rebuild_min
        self.rebuild_fraction = rebuild_fraction
        self._lock = threading.Lock()

    @property
    def seq(self) -> int:
        return self.scanner.seq

    def _rebuild_limit(self) -> int:
        return max(self.rebuild_min, int(self.rebuild_fraction * len(self.scanner.matcher)))

    def refresh(self) -> RefreshReport:
        with self._lock:
            start = self.scanner.seq
            last = self.service.last_change_seq()
            if last == start:
                return RefreshReport(seq=start)
            # Seqs can have gaps (rolled-back inserts on PostgreSQL), so last - start is an
            # upper bound on the backlog; a log behind us means a restored or other database.
            if last < start or last - start > self._rebuild_limit():
                return self.rebuild()
            changes = self._read_changes(start)
            if changes is None:
                return self.rebuild()
            if not changes:
                return RefreshReport(seq=start)
            return self._apply(changes)

    def _read_changes(self, seq: int) -> list[ChangeRow] | None:
        """Changes after ``seq`` in pages; None when more than a rebuild's worth arrived."""
        out: list[ChangeRow] = []
        limit = self._rebuild_limit()
        while True:
            page = self.service.changes_since(seq, limit=self.page_size)
            out += page
            if len(out) > limit:
                return None
            if len(page) < self.page_size:
                return out
            seq = page[-1].seq

    def rebuild(self) -> RefreshReport:
        """Build a new matcher from the store and swap it in."""
        marker = self.service.change_marker()  # before reading anything it describes
        banks = self._followed(self.service.list_banks())
        matcher = build_matcher(self.service, self.registry, banks, marker)
        with self.scanner.lock:
            self.scanner.matcher = matcher
            self.scanner.set_banks(banks)
            self.scanner.seq = marker[0]
        log.info("matcher rebuilt at change %d: %d signals", marker[0], len(matcher))
        return RefreshReport(rebuilt=True, signals_added=len(matcher), seq=marker[0])

    def _followed(self, banks: Sequence[BankInfo]) -> list[BankInfo]:
        """The banks that should match now, in name order."""
        follow = self.scanner.follow
        return sorted(
            (
                b
                for b in banks
                if b.enabled and b.deleted_at is None and (follow is None or b.id in follow)
            ),
            key=lambda b: (b.name, b.id),
        )

    def _apply(self, changes: list[ChangeRow]) -> RefreshReport:
        scanner = self.scanner
        old = dict(scanner.matcher.banks)
        if any(c.entity == "bank" for c in changes):
            active = self._followed(self.service.list_banks())
        else:
            active = list(scanner.banks)
        by_id = {b.id: b for b in active}
        gone = sorted(old.keys() - by_id.keys())
        new = sorted(by_id.keys() - old.keys())
        # Reads first, outside the lock: requests keep matching meanwhile.
        chunks: list[tuple[str, list[SignalTuple] | SignalColumns]] = []
        if new:
            types = sorted(self.registry.signal_types)
            chunks = list(self.service.iter_signal_chunks(types, new, chunk_size=LOAD_CHUNK))
        entry_ids = {c.entity_id for c in changes if c.entity == "entry"}
        read = self.service.signals_of_entries(entry_ids) if entry_ids else None
        removed = added = 0
        with scanner.lock:
            m = scanner.matcher
            if gone:
                removed += m.remove_banks(gone)
            m.banks = by_id  # before adding: adds are filtered by the matcher's banks
            n0 = len(m)
            for type_name, chunk in chunks:
                if isinstance(chunk, SignalColumns):
                    m.add_columns(type_name, *chunk)
                else:
                    m.add_tuples(type_name, chunk)
            added = len(m) - n0
            if read is not None:
                n1 = len(m)
                m.remove(read.all_ids)
                n2 = len(m)
                m.load(read.live)
                removed += n1 - n2
                added += len(m) - n2
            m.seal()
            scanner.set_banks(active)
            scanner.seq = changes[-1].seq
        return RefreshReport(
            changes=len(changes),
            entries=len(entry_ids),
            signals_removed=removed,
            signals_added=added,
            banks_added=tuple(new),
            banks_removed=tuple(gone),
            seq=scanner.seq,
        )

"""The scan pipeline over a bank store: hash → query views → match → decide.

One :class:`Scanner` is built per process from the store; the CLI hashes in worker processes
and matches here, so the index (hundreds of MB at 10M hashes) exists once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from childsafe.banks import BankError, BankInfo, BankNotFound, BankService
from childsafe.banks.feed import SignalColumns
from childsafe.plugins import Registry
from childsafe.policy import Action
from childsafe.scan import cache
from childsafe.scan.matcher import Match, Matcher
from childsafe.scan.query import Query, QueryOptions

#: Rows per fetch: large enough that per-chunk work vanishes, small enough to stay a few MB.
LOAD_CHUNK = 50_000


class BankDisabled(BankError):  # noqa: N818
    def __init__(self, name: str) -> None:
        super().__init__(f"bank {name!r} is disabled; enable it before scanning against it")


@dataclass
class ScanResult:
    decision: Action
    matches: list[Match] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        """Whether the item matched a block or review bank that no allowlist suppressed."""
        return self.decision is not Action.ALLOW

    def to_json(self) -> dict[str, object]:
        return {
            "decision": "match" if self.matched else "no_match",
            "action": self.decision.value,
            "matches": [m.to_json() for m in self.matches],
        }


class Scanner:
    def __init__(
        self,
        matcher: Matcher,
        banks: Sequence[BankInfo],
        *,
        seq: int = 0,
        follow: Collection[int] | None = None,
    ) -> None:
        """``seq``: the change-log position the matcher reflects. ``follow``: the bank ids it
        was asked for, or None for "every enabled bank" (see :mod:`childsafe.scan.refresh`).
        """
        self.matcher = matcher
        self.banks: list[BankInfo] = []
        self.options = QueryOptions()
        self.set_banks(banks)
        self.seq = seq
        self.follow = None if follow is None else frozenset(follow)
        #: Held by :meth:`scan` and by a refresh while it changes the matcher: matching also
        #: mutates (lazy sorting and sealing), so even reads take it.
        self.lock = threading.RLock()

    def set_banks(self, banks: Iterable[BankInfo]) -> None:
        """The banks matched against, and the query views they need."""
        self.banks = list(banks)
        self.options = QueryOptions(
            dihedral=any(b.match_dihedral for b in self.banks),
            trim_borders=any(b.trim_borders for b in self.banks),
        )

    @classmethod
    def load(
        cls,
        service: BankService,
        registry: Registry,
        bank_names: Sequence[str] | None = None,
        on_progress: Callable[[int], None] | None = None,
        *,
        cache_dir: Path | None = None,
    ) -> Scanner:
        """Build the matcher from enabled banks (all of them, or those named).

        Naming a bank that does not exist, or one that is disabled, is an error: silently
        scanning against nothing would read as "no match". With ``cache_dir`` the matcher is
        saved there and reopened by the next load if the store has not changed since (see
        :mod:`childsafe.scan.cache`); a long-lived process has no use for it.
        """
        marker = service.change_marker()  # before reading anything it describes
        all_banks = service.list_banks()
        if bank_names:
            by_name = {b.name: b for b in all_banks}
            missing = [n for n in bank_names if n not in by_name]
            if missing:
                raise BankNotFound(missing[0])
            chosen = [by_name[n] for n in dict.fromkeys(bank_names)]
            disabled = [b.name for b in chosen if not b.enabled]
            if disabled:
                raise BankDisabled(disabled[0])
        else:
            chosen = [b for b in all_banks if b.enabled]
        matcher = build_matcher(service, registry, chosen, marker, cache_dir, on_progress)
        follow = [b.id for b in chosen] if bank_names else None
        return cls(matcher, chosen, seq=marker[0], follow=follow)

    def scan(self, query: Query) -> ScanResult:
        with self.lock:
            matches = self.matcher.match(query)
        return ScanResult(Matcher.decision(matches), matches)


def build_matcher(
    service: BankService,
    registry: Registry,
    banks: Sequence[BankInfo],
    marker: tuple[int, str, str],
    cache_dir: Path | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Matcher:
    """A matcher over ``banks``: reopened from ``cache_dir`` when still valid, else built."""
    by_id = {b.id: b for b in banks}
    if not banks:
        return Matcher(registry, by_id)
    want = cache.state(marker, banks, registry)
    path = cache.slot(cache_dir, marker[2], list(by_id)) if cache_dir is not None else None
    if path is not None:
        cached = cache.load(path, want, registry, by_id)
        if cached is not None:
            if on_progress:
                on_progress(len(cached))
            return cached
    matcher = Matcher(registry, by_id)
    loaded = 0
    types = sorted(registry.signal_types)
    for type_name, chunk in service.iter_signal_chunks(types, list(by_id), chunk_size=LOAD_CHUNK):
        if isinstance(chunk, SignalColumns):
            matcher.add_columns(type_name, *chunk)
            loaded += len(chunk.ids)
        else:
            matcher.add_tuples(type_name, chunk)
            loaded += len(chunk)
        if on_progress:
            on_progress(loaded)
    matcher.seal()
    if path is not None:
        cache.save(path, matcher, want)
    return matcher

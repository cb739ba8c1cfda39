"""The in-memory matcher: one index per signal type over every enabled bank.

Banks may have different thresholds, so each hamming index is searched once at the largest
threshold any bank uses and hits are then filtered per bank; one search per signal type is
much cheaper than one per bank at 10M hashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from childsafe.banks import BankInfo, SignalRow
from childsafe.index import ExactIndex, HammingIndex, make_hamming_index
from childsafe.plugins import Registry
from childsafe.policy import Action, decide
from childsafe.signals import Signal


@dataclass(frozen=True)
class Match:
    bank: str
    bank_id: int
    entry_id: int
    signal_type: str
    distance: int
    action: str
    labels: tuple[str, ...] = ()
    #: Which query-side variant matched ("" = as uploaded, "dihedral:flip_x", "trim", ...).
    query_variant: str = ""
    #: Which banked variant matched ("" = the banked image itself, "crop90", ...).
    banked_variant: str = ""

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "bank": self.bank,
            "entry_id": self.entry_id,
            "signal_type": self.signal_type,
            "distance": self.distance,
            "action": self.action,
        }
        if self.labels:
            out["labels"] = list(self.labels)
        if self.query_variant:
            out["query_variant"] = self.query_variant
        if self.banked_variant:
            out["banked_variant"] = self.banked_variant
        return out


@dataclass
class _Owners:
    """Signal id → (entry, bank, variant) kept in sorted numpy arrays, not 10M Python objects."""

    ids: list[npt.NDArray[np.int64]] = field(default_factory=list)
    entries: list[npt.NDArray[np.int64]] = field(default_factory=list)
    banks: list[npt.NDArray[np.int64]] = field(default_factory=list)
    variants: dict[int, str] = field(default_factory=dict)  # only non-original variants
    _sorted: tuple[npt.NDArray[np.int64], ...] | None = None

    def extend(self, ids: list[int], entries: list[int], banks: list[int]) -> None:
        self.ids.append(np.asarray(ids, dtype=np.int64))
        self.entries.append(np.asarray(entries, dtype=np.int64))
        self.banks.append(np.asarray(banks, dtype=np.int64))
        self._sorted = None

    def lookup(self, signal_id: int) -> tuple[int, int]:
        if self._sorted is None:
            ids = np.concatenate(self.ids) if self.ids else np.empty(0, np.int64)
            order = np.argsort(ids, kind="stable")
            ent = np.concatenate(self.entries) if self.entries else ids
            bnk = np.concatenate(self.banks) if self.banks else ids
            self._sorted = (ids[order], ent[order], bnk[order])
            self.ids, self.entries, self.banks = [self._sorted[0]], [ent[order]], [bnk[order]]
        ids, ent, bnk = self._sorted
        i = int(np.searchsorted(ids, signal_id))
        return int(ent[i]), int(bnk[i])


class Matcher:
    """Holds the indexes; built from the store, then queried many times."""

    def __init__(self, registry: Registry, banks: Mapping[int, BankInfo]) -> None:
        self.registry = registry
        self.banks = dict(banks)
        self._hamming: dict[str, HammingIndex] = {}
        self._exact: dict[str, ExactIndex] = {}
        self._owners = _Owners()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def load(self, rows: Iterable[SignalRow], chunk: int = 200_000) -> None:
        """Add banked signals, in chunks so 10M rows never exist as objects at once."""
        buf: dict[str, list[SignalRow]] = {}
        for row in rows:
            if row.bank_id not in self.banks or row.signal_type not in self.registry.signal_types:
                continue
            b = buf.setdefault(row.signal_type, [])
            b.append(row)
            if len(b) >= chunk:
                self._add(row.signal_type, b)
                buf[row.signal_type] = []
        for t, b in buf.items():
            if b:
                self._add(t, b)

    def _add(self, type_name: str, rows: list[SignalRow]) -> None:
        st = self.registry.signal_type(type_name)
        ids = np.fromiter((r.id for r in rows), dtype=np.int64, count=len(rows))
        raw = b"".join(st.to_bytes(r.value) for r in rows)
        width = len(raw) // len(rows)
        packed = np.frombuffer(raw, dtype=np.uint8).reshape(len(rows), width)
        if st.kind == "hamming":
            if type_name not in self._hamming:
                self._hamming[type_name] = make_hamming_index(bits=st.bits)
            self._hamming[type_name].add(ids, packed)
        else:
            if type_name not in self._exact:
                self._exact[type_name] = ExactIndex(bits=width * 8)
            self._exact[type_name].add(ids, packed)
        self._owners.extend(
            [r.id for r in rows], [r.entry_id for r in rows], [r.bank_id for r in rows]
        )
        for r in rows:
            if r.variant:
                self._owners.variants[r.id] = r.variant
        self._count += len(rows)

    def remove(self, signal_ids: Iterable[int]) -> None:
        ids = np.fromiter(signal_ids, dtype=np.int64)
        for hidx in self._hamming.values():
            hidx.remove(ids)
        for eidx in self._exact.values():
            eidx.remove(ids)

    def _threshold(self, bank: BankInfo, type_name: str) -> int:
        st = self.registry.signal_type(type_name)
        if st.kind == "exact":
            return 0
        return bank.threshold if bank.threshold is not None else st.default_threshold

    def match(self, query: Mapping[str, Mapping[str, Signal]]) -> list[Match]:
        """Matches for one item. ``query`` maps signal type → query variant → signal.

        Hits of a query-side variant count only for banks that asked for it (a flipped copy
        matches only banks with dihedral matching on). Each (bank, entry) is reported once, at
        its smallest distance.
        """
        best: dict[tuple[int, int], Match] = {}
        for type_name, variants in query.items():
            st = self.registry.signal_type(type_name)
            hidx = self._hamming.get(type_name)
            eidx = self._exact.get(type_name)
            if hidx is None and eidx is None:
                continue
            limit = max((self._threshold(b, type_name) for b in self.banks.values()), default=0)
            for qv, sig in variants.items():
                q = np.frombuffer(st.to_bytes(sig.value), dtype=np.uint8)
                hits = hidx.search(q, limit) if hidx is not None else []
                if eidx is not None:
                    hits = hits + eidx.search(q, 0)
                for hit in hits:
                    entry_id, bank_id = self._owners.lookup(hit.id)
                    bank = self.banks.get(bank_id)
                    if bank is None or hit.distance > self._threshold(bank, type_name):
                        continue
                    if not _variant_allowed(bank, qv):
                        continue
                    m = Match(
                        bank.name,
                        bank.id,
                        entry_id,
                        type_name,
                        hit.distance,
                        bank.action,
                        bank.labels,
                        qv,
                        self._owners.variants.get(hit.id, ""),
                    )
                    key = (bank_id, entry_id)
                    if key not in best or _better(m, best[key]):
                        best[key] = m
        return sorted(best.values(), key=lambda m: (m.distance, m.bank, m.entry_id))

    @staticmethod
    def decision(matches: Iterable[Match]) -> Action:
        return decide(m.action for m in matches)


def _variant_allowed(bank: BankInfo, query_variant: str) -> bool:
    """A hit through a query-side view counts only for banks that enabled every option used.

    Views are named like ``trim``, ``dihedral:rotate90`` or ``trim+dihedral:flip_x``; frames
    of an animation (``frame:3``) are the upload itself and count for every bank.
    """
    if not query_variant or query_variant.startswith("frame:"):
        return True
    for part in query_variant.split("+"):
        if part == "trim":
            if not bank.trim_borders:
                return False
        elif part.startswith("dihedral:"):
            if not bank.match_dihedral:
                return False
        else:
            return False
    return True


def _better(a: Match, b: Match) -> bool:
    """Prefer the closer match; on a tie prefer an exact-type or as-uploaded match."""
    return (a.distance, a.query_variant != "", a.banked_variant != "") < (
        b.distance,
        b.query_variant != "",
        b.banked_variant != "",
    )

"""The in-memory matcher: one index per signal type over every enabled bank.

Banks may have different thresholds, so each hamming index is searched once at the largest
threshold any bank uses and hits are then filtered per bank; one search per signal type is
much cheaper than one per bank at 10M hashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from childsafe.banks import BankInfo, SignalRow
from childsafe.banks.feed import SignalTuple
from childsafe.index import ExactIndex, MIHIndex
from childsafe.plugins import Registry
from childsafe.policy import Action, decide
from childsafe.scan.tables import I64, Owners
from childsafe.signals import Signal
from childsafe.signals.base import SignalType


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
            "labels": list(self.labels),
        }
        if self.query_variant:
            out["query_variant"] = self.query_variant
        if self.banked_variant:
            out["banked_variant"] = self.banked_variant
        return out


class Matcher:
    """Holds the indexes; built from the store (or a saved copy), then queried many times.

    Hamming signals are staged and indexed on first use, so a bulk load builds one MIH
    segment per type instead of one per chunk plus the merges between them.
    """

    def __init__(self, registry: Registry, banks: Mapping[int, BankInfo]) -> None:
        self.registry = registry
        self.banks = dict(banks)
        self._hamming: dict[str, MIHIndex] = {}
        self._exact: dict[str, ExactIndex] = {}
        self._staged: dict[str, list[tuple[I64, npt.NDArray[np.uint8]]]] = {}
        self._owners = Owners()
        #: True when this matcher was opened from a saved copy rather than built.
        self.from_cache = False

    def __len__(self) -> int:
        return len(self._owners)

    def sizes(self) -> dict[str, int]:
        """Signals held per signal type (seals staged signals first; call under the lock)."""
        self.seal()
        sizes = {name: len(index) for name, index in self._hamming.items()}
        for name, exact in self._exact.items():
            sizes[name] = sizes.get(name, 0) + len(exact)
        return sizes

    def load(self, rows: Iterable[SignalRow], chunk: int = 200_000) -> None:
        """Add banked signals from row objects (the bulk path is :meth:`add_tuples`)."""
        buf: dict[str, list[SignalTuple]] = {}
        for r in rows:
            if r.bank_id not in self.banks or r.signal_type not in self.registry.signal_types:
                continue
            b = buf.setdefault(r.signal_type, [])
            b.append((r.id, r.entry_id, r.bank_id, r.value, r.variant))
            if len(b) >= chunk:
                self.add_tuples(r.signal_type, b)
                buf[r.signal_type] = []
        for t, b in buf.items():
            self.add_tuples(t, b)

    def add_tuples(self, type_name: str, rows: Sequence[SignalTuple]) -> None:
        """Add ``(id, entry_id, bank_id, value, variant)`` rows of one type, column-wise."""
        if not rows:
            return
        ids, entries, banks, values, variants = zip(*rows, strict=True)
        n = len(ids)
        self.add_columns(
            type_name,
            np.fromiter(ids, dtype=np.int64, count=n),
            np.fromiter(entries, dtype=np.int64, count=n),
            np.fromiter(banks, dtype=np.int64, count=n),
            list(values),
            list(variants) if any(variants) else None,
        )

    def add_columns(
        self,
        type_name: str,
        ids: I64,
        entries: I64,
        banks: I64,
        values: str | list[str],
        variants: list[str] | None,
    ) -> None:
        """Add one type's signals column-wise; ``values`` may be one concatenated hex string."""
        n = int(ids.shape[0])
        if not n:
            return
        st = self.registry.signal_type(type_name)
        if type(st).to_bytes is SignalType.to_bytes:  # plain hex: convert the chunk at once
            raw = bytes.fromhex(values if isinstance(values, str) else "".join(values))
        elif isinstance(values, str):
            raise ValueError(f"{type_name} values must be given one by one")
        else:
            raw = b"".join(map(st.to_bytes, values))
        if len(raw) % n:
            raise ValueError(f"{type_name} values differ in length")
        packed = np.frombuffer(raw, dtype=np.uint8).reshape(n, len(raw) // n)
        if st.kind == "hamming":
            self._staged.setdefault(type_name, []).append((ids, packed))
        else:
            if type_name not in self._exact:
                self._exact[type_name] = ExactIndex(packed.shape[1] * 8)
            self._exact[type_name].add(ids, packed)
        self._owners.add(ids, entries, banks, variants)

    def seal(self) -> None:
        """Index what was staged: one segment for a bulk load, the delta for a few adds."""
        for type_name, parts in self._staged.items():
            st = self.registry.signal_type(type_name)
            index = self._hamming.get(type_name)
            if index is None:
                index = self._hamming[type_name] = MIHIndex(bits=st.bits)
            ids = np.concatenate([p[0] for p in parts])
            index.add(ids, np.concatenate([p[1] for p in parts]))
        self._staged = {}

    def remove(self, signal_ids: Iterable[int]) -> None:
        self.seal()
        ids = np.unique(np.fromiter(signal_ids, dtype=np.int64))
        for hidx in self._hamming.values():
            hidx.remove(ids)
        for eidx in self._exact.values():
            eidx.remove(ids)
        self._owners.remove(ids)

    def remove_banks(self, bank_ids: Iterable[int]) -> int:
        """Drop every signal of these banks (they stay in :attr:`banks` until the caller
        changes it); returns how many went.
        """
        ids = self._owners.ids_of_banks(np.fromiter(bank_ids, dtype=np.int64))
        if ids.shape[0]:
            self.remove(ids.tolist())
        return int(ids.shape[0])

    def save(self, directory: Path) -> dict[str, object]:
        """Write indexes and tables under ``directory``; returns what :meth:`open` needs."""
        self.seal()
        for name, hidx in self._hamming.items():
            hidx.save(directory / f"hamming.{name}")
        for name, eidx in self._exact.items():
            eidx.save(directory, f"exact.{name}")
        self._owners.save(directory, "owners")
        return {
            "hamming": sorted(self._hamming),
            "exact": {name: e.nbytes for name, e in self._exact.items()},
            "variants": self._owners.variant_names,
            "count": len(self),
        }

    @classmethod
    def open(
        cls,
        registry: Registry,
        banks: Mapping[int, BankInfo],
        directory: Path,
        layout: Mapping[str, Any],
        *,
        mmap: bool = True,
    ) -> Matcher:
        """A matcher over a directory :meth:`save` wrote (raises if it does not add up)."""
        m = cls(registry, banks)
        for name in layout["hamming"]:
            hidx = MIHIndex.load(directory / f"hamming.{name}", mmap=mmap)
            if hidx.bits != registry.signal_type(name).bits:
                raise ValueError(f"{name}: index has {hidx.bits} bits")
            m._hamming[name] = hidx
        for name, nbytes in layout["exact"].items():
            registry.signal_type(name)
            m._exact[name] = ExactIndex.load(directory, f"exact.{name}", int(nbytes) * 8, mmap=mmap)
        m._owners = Owners.load(directory, "owners", list(layout["variants"]), mmap)
        indexed = sum(len(i) for i in m._hamming.values()) + sum(map(len, m._exact.values()))
        if not len(m) == indexed == int(layout["count"]):
            raise ValueError("saved matcher is incomplete")
        m.from_cache = True
        return m

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
        self.seal()
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
                hits = [(h.id, h.distance) for h in hidx.search(q, limit)] if hidx else []
                if eidx is not None:
                    hits += [(h.id, 0) for h in eidx.search(q)]
                for hit_id, distance in hits:
                    owner = self._owners.lookup(hit_id)
                    if owner is None:
                        continue
                    entry_id, bank_id, banked_variant = owner
                    bank = self.banks.get(bank_id)
                    if bank is None or distance > self._threshold(bank, type_name):
                        continue
                    if not _variant_allowed(bank, qv):
                        continue
                    m = Match(
                        bank.name,
                        bank.id,
                        entry_id,
                        type_name,
                        distance,
                        bank.action,
                        bank.labels,
                        qv,
                        banked_variant,
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

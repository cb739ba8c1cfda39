"""The matcher's owner table (signal id → entry, bank, banked variant) as sorted numpy arrays.

Built in bulk (append chunks, sort once on first use) and saved as plain ``.npy`` files, so a
cached matcher opens it memory-mapped instead of rebuilding ten million Python objects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]


def _load(directory: Path, name: str, mmap: bool) -> npt.NDArray[Any]:
    # np.asarray drops the memmap subclass, not the mapping
    return np.asarray(np.load(directory / f"{name}.npy", mmap_mode="r" if mmap else None))


class _Chunked:
    """Columns appended in chunks and sorted by the first one when first read."""

    _names: tuple[str, ...] = ()

    def __init__(self) -> None:
        self._chunks: list[tuple[npt.NDArray[Any], ...]] = []
        self._cols: tuple[npt.NDArray[Any], ...] | None = None

    def _append(self, *cols: npt.NDArray[Any]) -> None:
        if cols[0].shape[0]:
            self._chunks.append(cols)

    def _sorted(self) -> tuple[npt.NDArray[Any], ...]:
        if self._chunks:
            parts = list(zip(*self._chunks, strict=True))
            if self._cols is not None:
                parts = [[old, *new] for old, new in zip(self._cols, parts, strict=True)]
            cols = [np.concatenate(p) for p in parts]
            order = np.argsort(cols[0], kind="stable")
            self._cols = tuple(c[order] for c in cols)
            self._chunks = []
        if self._cols is None:
            self._cols = self._empty()
        return self._cols

    def _empty(self) -> tuple[npt.NDArray[Any], ...]:
        raise NotImplementedError

    def _keep(self, mask: npt.NDArray[np.bool_]) -> None:
        self._cols = tuple(c[mask] for c in self._sorted())

    def save(self, directory: Path, prefix: str) -> None:
        for name, col in zip(self._names, self._sorted(), strict=True):
            np.save(directory / f"{prefix}.{name}.npy", col)

    def _load_cols(self, directory: Path, prefix: str, mmap: bool) -> None:
        cols = tuple(_load(directory, f"{prefix}.{n}", mmap) for n in self._names)
        if len({c.shape[0] for c in cols}) != 1:
            raise ValueError(f"{prefix}: columns differ in length")
        if cols[0].shape[0] > 1 and not bool(np.all(cols[0][1:] >= cols[0][:-1])):
            raise ValueError(f"{prefix}: not sorted")
        self._cols = cols


class Owners(_Chunked):
    """Signal id → (entry, bank, banked variant); variants as small codes into a name list."""

    _names = ("ids", "entries", "banks", "variants")

    def __init__(self) -> None:
        super().__init__()
        self.variant_names: list[str] = [""]
        self._codes: dict[str, int] = {"": 0}

    def __len__(self) -> int:
        return int(self._sorted()[0].shape[0])

    def _empty(self) -> tuple[npt.NDArray[Any], ...]:
        e = np.empty(0, np.int64)
        return e, e, e, np.empty(0, np.uint16)

    def add(self, ids: I64, entries: I64, banks: I64, variants: list[str] | None) -> None:
        if variants is not None:
            codes = np.fromiter(
                (self._code(v) for v in variants), dtype=np.uint16, count=len(variants)
            )
        else:
            codes = np.zeros(ids.shape[0], dtype=np.uint16)
        self._append(ids, entries, banks, codes)

    def _code(self, variant: str) -> int:
        code = self._codes.get(variant)
        if code is None:
            code = self._codes[variant] = len(self.variant_names)
            self.variant_names.append(variant)
        return code

    def remove(self, ids: I64) -> None:
        self._keep(~np.isin(self._sorted()[0], ids))

    def ids_of_banks(self, bank_ids: I64) -> I64:
        """The signal ids owned by any of ``bank_ids``."""
        ids, _, banks, _ = self._sorted()
        out: I64 = ids[np.isin(banks, bank_ids)]
        return out

    def lookup(self, signal_id: int) -> tuple[int, int, str] | None:
        ids, entries, banks, variants = self._sorted()
        i = int(np.searchsorted(ids, signal_id))
        if i >= ids.shape[0] or int(ids[i]) != signal_id:
            return None
        return int(entries[i]), int(banks[i]), self.variant_names[int(variants[i])]

    @classmethod
    def load(cls, directory: Path, prefix: str, variant_names: list[str], mmap: bool) -> Owners:
        owners = cls()
        owners._load_cols(directory, prefix, mmap)
        owners.variant_names = list(variant_names)
        owners._codes = {v: i for i, v in enumerate(variant_names)}
        assert owners._cols is not None
        codes = owners._cols[3]
        if codes.shape[0] and int(codes.max()) >= len(variant_names):
            raise ValueError(f"{prefix}: variant code out of range")
        return owners

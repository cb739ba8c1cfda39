"""Exact-value index for cryptographic signals (MD5, SHA-256), shaped like the Hamming indexes.

A cryptographic hash either matches or it does not, so a distance threshold means nothing
here; it is accepted (and ignored) only so that callers can treat every signal type's index
alike. Values are kept as one bytewise-sorted numpy column with their ids beside it (appended
in chunks, sorted once on first read): ten million of them cost 20-40 bytes each instead of a
Python dict entry's ~200, build in seconds, and save as ``.npy`` files a cached matcher opens
memory-mapped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from childsafe.index.base import Hit, check_batch, check_ids, check_query

I64 = npt.NDArray[np.int64]


class ExactIndex:
    def __init__(self, bits: int = 256) -> None:
        if bits <= 0 or bits % 8:
            raise ValueError(f"bits must be a positive multiple of 8, got {bits}")
        self.bits = bits
        self.nbytes = bits // 8
        self._dtype = np.dtype(f"S{self.nbytes}")
        self._chunks: list[tuple[npt.NDArray[np.bytes_], I64]] = []
        self._values: npt.NDArray[np.bytes_] = np.empty(0, self._dtype)
        self._ids: I64 = np.empty(0, np.int64)

    def __len__(self) -> int:
        return int(self._sorted()[1].shape[0])

    def _sorted(self) -> tuple[npt.NDArray[np.bytes_], I64]:
        if self._chunks:
            values = np.concatenate([self._values, *(v for v, _ in self._chunks)])
            ids = np.concatenate([self._ids, *(i for _, i in self._chunks)])
            order = np.argsort(values, kind="stable")
            self._values, self._ids = values[order], ids[order]
            self._chunks = []
        return self._values, self._ids

    def add(self, ids: I64, hashes: npt.NDArray[np.uint8]) -> None:
        ids, hashes = check_batch(ids, hashes, self.nbytes)
        if ids.shape[0]:
            values = np.ascontiguousarray(hashes).view(self._dtype).reshape(-1)
            self._chunks.append((values, ids.astype(np.int64, copy=False)))

    def remove(self, ids: I64) -> int:
        values, stored = self._sorted()
        gone = np.isin(stored, check_ids(ids))
        self._values, self._ids = values[~gone], stored[~gone]
        return int(gone.sum())

    def search(self, query: npt.NDArray[np.uint8] | bytes, threshold: int = 0) -> list[Hit]:
        """Every id stored under exactly ``query``; ``threshold`` is ignored."""
        q = check_query(query, self.nbytes, max(int(threshold), 0))
        values, ids = self._sorted()
        key = np.array([q.tobytes()], dtype=self._dtype)
        lo = int(np.searchsorted(values, key, "left")[0])
        hi = int(np.searchsorted(values, key, "right")[0])
        return [Hit(i, 0) for i in sorted(ids[lo:hi].tolist())]

    def search_many(self, queries: npt.NDArray[np.uint8], threshold: int = 0) -> list[list[Hit]]:
        return [self.search(q, threshold) for q in queries]

    def save(self, directory: Path, prefix: str) -> None:
        values, ids = self._sorted()
        np.save(directory / f"{prefix}.values.npy", values)
        np.save(directory / f"{prefix}.ids.npy", ids)

    @classmethod
    def load(cls, directory: Path, prefix: str, bits: int, *, mmap: bool = True) -> ExactIndex:
        """Open a saved index; raises ValueError if the files do not describe a valid one."""
        index = cls(bits)
        mode: Literal["r"] | None = "r" if mmap else None
        # np.asarray drops the memmap subclass, not the mapping
        values = np.asarray(np.load(directory / f"{prefix}.values.npy", mmap_mode=mode))
        ids = np.asarray(np.load(directory / f"{prefix}.ids.npy", mmap_mode=mode))
        if values.dtype != index._dtype or ids.dtype != np.int64:
            raise ValueError(f"{prefix}: wrong value width or id type")
        if values.shape != ids.shape or values.ndim != 1:
            raise ValueError(f"{prefix}: columns differ in length")
        if values.shape[0] > 1 and not bool(np.all(values[1:] >= values[:-1])):
            raise ValueError(f"{prefix}: not sorted")
        index._values, index._ids = values, ids
        return index

"""Brute-force exact index: the simplest correct index, and the oracle others are tested against.

It is also the right choice for small sets (a few thousand hashes), where building anything
cleverer costs more than scanning.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from childsafe.index.base import HammingIndex, Hit, check_batch, check_ids, check_query

_POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint16)


class FlatIndex(HammingIndex):
    def __init__(self, bits: int = 256) -> None:
        if bits % 8:
            raise ValueError(f"bits must be a multiple of 8, got {bits}")
        self.bits = bits
        self._ids = np.empty(0, dtype=np.int64)
        self._hashes = np.empty((0, bits // 8), dtype=np.uint8)

    def __len__(self) -> int:
        return int(self._ids.size)

    def add(self, ids: npt.NDArray[np.int64], hashes: npt.NDArray[np.uint8]) -> None:
        ids, hashes = check_batch(ids, hashes, self.bits // 8)
        self._ids = np.concatenate([self._ids, ids])
        self._hashes = np.concatenate([self._hashes, hashes])

    def remove(self, ids: npt.NDArray[np.int64]) -> int:
        keep = ~np.isin(self._ids, check_ids(ids))
        removed = int(self._ids.size - keep.sum())
        self._ids, self._hashes = self._ids[keep], self._hashes[keep]
        return removed

    def distances(self, query: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint16]:
        x = np.bitwise_xor(self._hashes, np.asarray(query, dtype=np.uint8)[None, :])
        d: npt.NDArray[np.uint16] = _POPCOUNT8[x].sum(axis=1, dtype=np.uint16)
        return d

    def search(self, query: npt.NDArray[np.uint8], threshold: int) -> list[Hit]:
        query = check_query(query, self.bits // 8, threshold)
        if not len(self):
            return []
        d = self.distances(query)
        (rows,) = np.nonzero(d <= threshold)
        return [Hit(int(self._ids[r]), int(d[r])) for r in rows]

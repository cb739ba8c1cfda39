"""Exact-value index for cryptographic signals (MD5, SHA-256), shaped like the Hamming indexes.

A cryptographic hash either matches or it does not, so a distance threshold means nothing
here; it is accepted (and ignored) only so that callers can treat every signal type's index
alike.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from childsafe.index.base import Hit, check_batch, check_ids, check_query


class ExactIndex:
    def __init__(self, bits: int = 256) -> None:
        if bits <= 0 or bits % 8:
            raise ValueError(f"bits must be a positive multiple of 8, got {bits}")
        self.bits = bits
        self._nbytes = bits // 8
        self._by_value: dict[bytes, list[int]] = {}
        self._by_id: dict[int, list[bytes]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, ids: npt.NDArray[np.int64], hashes: npt.NDArray[np.uint8]) -> None:
        ids, hashes = check_batch(ids, hashes, self._nbytes)
        for i, row in zip(ids.tolist(), hashes, strict=True):
            value = row.tobytes()
            self._by_value.setdefault(value, []).append(i)
            self._by_id.setdefault(i, []).append(value)
        self._count += int(ids.shape[0])

    def remove(self, ids: npt.NDArray[np.int64]) -> int:
        removed = 0
        for i in set(check_ids(ids).tolist()):
            for value in self._by_id.pop(i, []):
                holders = self._by_value[value]
                holders.remove(i)
                if not holders:
                    del self._by_value[value]
                removed += 1
        self._count -= removed
        return removed

    def search(self, query: npt.NDArray[np.uint8] | bytes, threshold: int = 0) -> list[Hit]:
        """Every id stored under exactly ``query``; ``threshold`` is ignored."""
        q = check_query(query, self._nbytes, max(int(threshold), 0))
        return [Hit(i, 0) for i in sorted(self._by_value.get(q.tobytes(), []))]

    def search_many(self, queries: npt.NDArray[np.uint8], threshold: int = 0) -> list[list[Hit]]:
        return [self.search(q, threshold) for q in queries]

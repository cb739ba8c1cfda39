"""The contract of a matching index: add, remove, and find everything within a distance.

Ids are int64 chosen by the caller (bank-entry signal ids); the index never owns metadata.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Hit:
    id: int
    distance: int


class HammingIndex(ABC):
    """Exact range search over fixed-width binary hashes (``bits`` wide, packed big-endian)."""

    bits: int

    @abstractmethod
    def add(self, ids: npt.NDArray[np.int64], hashes: npt.NDArray[np.uint8]) -> None:
        """Add ``hashes`` (shape ``(n, bits // 8)``) under ``ids``. Never rebuilds everything."""

    @abstractmethod
    def remove(self, ids: npt.NDArray[np.int64]) -> int:
        """Remove ids; returns how many were present. Unknown ids are ignored."""

    @abstractmethod
    def search(self, query: npt.NDArray[np.uint8], threshold: int) -> list[Hit]:
        """Every stored hash within ``threshold`` bits of ``query`` (shape ``(bits // 8,)``)."""

    @abstractmethod
    def __len__(self) -> int: ...

    def search_many(self, queries: npt.NDArray[np.uint8], threshold: int) -> list[list[Hit]]:
        return [self.search(q, threshold) for q in queries]


def check_batch(
    ids: npt.ArrayLike, hashes: npt.ArrayLike, nbytes: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """Validate an ``add`` batch; shapes are checked, never silently reshaped."""
    ids_a = np.asarray(ids)
    hashes_a = np.asarray(hashes)
    if ids_a.ndim != 1 or (ids_a.size and not np.issubdtype(ids_a.dtype, np.integer)):
        raise ValueError(f"ids must be a 1-d integer array, got shape {ids_a.shape} {ids_a.dtype}")
    if hashes_a.ndim != 2 or hashes_a.shape[1] != nbytes:
        raise ValueError(f"hashes must have shape (n, {nbytes}), got {hashes_a.shape}")
    if hashes_a.dtype != np.uint8:
        raise ValueError(f"hashes must be uint8, got {hashes_a.dtype}")
    if ids_a.shape[0] != hashes_a.shape[0]:
        raise ValueError(f"{ids_a.shape[0]} ids for {hashes_a.shape[0]} hashes")
    return ids_a.astype(np.int64, copy=False), hashes_a


def check_ids(ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
    ids_a = np.asarray(ids)
    if ids_a.ndim != 1 or (ids_a.size and not np.issubdtype(ids_a.dtype, np.integer)):
        raise ValueError(f"ids must be a 1-d integer array, got shape {ids_a.shape} {ids_a.dtype}")
    return ids_a.astype(np.int64, copy=False)


def check_query(query: npt.ArrayLike | bytes, nbytes: int, threshold: int) -> npt.NDArray[np.uint8]:
    """Validate a query; ``bytes`` (e.g. ``bytes.fromhex(pdq_hex)``) are accepted as-is."""
    if isinstance(query, bytes | bytearray | memoryview):
        q = np.frombuffer(bytes(query), dtype=np.uint8)
    else:
        q = np.asarray(query)
    if q.shape != (nbytes,) or q.dtype != np.uint8:
        raise ValueError(f"query must be uint8 of shape ({nbytes},), got {q.shape} {q.dtype}")
    if int(threshold) != threshold or threshold < 0:
        raise ValueError(f"threshold must be a non-negative integer, got {threshold!r}")
    return q

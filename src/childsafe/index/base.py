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

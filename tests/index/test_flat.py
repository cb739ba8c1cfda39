from __future__ import annotations

from childsafe.index import FlatIndex, HammingIndex
from tests.index.conformance import HammingIndexConformance


class TestFlatIndex(HammingIndexConformance):
    def make_index(self) -> HammingIndex:
        return FlatIndex(256)

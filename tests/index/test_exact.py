from __future__ import annotations

import numpy as np
import pytest

from childsafe.index import ExactIndex


def test_exact_index_add_search_remove() -> None:
    rng = np.random.default_rng(0)
    values = rng.integers(0, 256, (100, 16), dtype=np.uint8)
    index = ExactIndex(128)
    index.add(np.arange(100, dtype=np.int64), values)
    index.add(np.array([500], np.int64), values[7:8])  # same value, another id
    assert len(index) == 101
    assert [(h.id, h.distance) for h in index.search(values[7], 31)] == [(7, 0), (500, 0)]
    assert index.search(values[7].tobytes()) == index.search(values[7])
    near = values[8].copy()
    near[0] ^= 1
    assert index.search(near, 31) == []  # no distance for cryptographic hashes
    assert index.remove(np.array([7, 7, 999], np.int64)) == 1
    assert [h.id for h in index.search(values[7])] == [500]
    assert index.remove(np.array([500], np.int64)) == 1
    assert index.search(values[7]) == []
    assert len(index) == 99
    index.add(np.array([7], np.int64), values[7:8])
    assert [h.id for h in index.search(values[7])] == [7]


def test_exact_index_validates_shapes() -> None:
    index = ExactIndex(256)
    with pytest.raises(ValueError, match="hashes"):
        index.add(np.arange(2, dtype=np.int64), np.zeros((2, 16), np.uint8))
    with pytest.raises(ValueError, match="query"):
        index.search(np.zeros(16, np.uint8))
    assert index.search_many(np.zeros((2, 32), np.uint8)) == [[], []]

"""Behaviour every ``HammingIndex`` must share, checked against a brute-force oracle.

Hashes are random values made here (see SAFETY.md); distances are planted by flipping bits.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from childsafe.index import FlatIndex, HammingIndex, Hit

BITS = 256
NBYTES = BITS // 8
THRESHOLDS = [0, 1, 31, 32, 48, 70]


def random_hashes(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, (n, NBYTES), dtype=np.uint8)


def flip(rng: np.random.Generator, h: np.ndarray, d: int) -> np.ndarray:
    """``h`` with exactly ``d`` distinct bits flipped."""
    bits = np.unpackbits(h)
    bits[rng.choice(bits.size, d, replace=False)] ^= 1
    return np.packbits(bits)


def as_set(hits: list[Hit]) -> set[tuple[int, int]]:
    return {(h.id, h.distance) for h in hits}


class HammingIndexConformance:
    """Subclass and implement ``make_index``; every test then runs against that index."""

    def make_index(self) -> HammingIndex:
        raise NotImplementedError

    def filled(self, ids: np.ndarray, hashes: np.ndarray) -> HammingIndex:
        index = self.make_index()
        index.add(ids, hashes)
        return index

    def assert_same(self, index: HammingIndex, oracle: FlatIndex, q: np.ndarray, r: int) -> None:
        assert as_set(index.search(q, r)) == as_set(oracle.search(q, r)), f"threshold {r}"

    def test_empty(self) -> None:
        index = self.make_index()
        assert len(index) == 0
        assert index.search(np.zeros(NBYTES, np.uint8), 31) == []
        assert index.remove(np.array([1, 2], np.int64)) == 0

    @pytest.mark.parametrize("r", THRESHOLDS)
    def test_random_set_matches_oracle(self, r: int) -> None:
        rng = np.random.default_rng(r)
        hashes = random_hashes(rng, 3000)
        ids = rng.permutation(10_000)[:3000].astype(np.int64)
        index, oracle = self.filled(ids, hashes), FlatIndex(BITS)
        oracle.add(ids, hashes)
        for _ in range(25):
            q = flip(rng, hashes[rng.integers(3000)], int(rng.integers(0, r + 2)))
            self.assert_same(index, oracle, q, r)

    @pytest.mark.parametrize("r", THRESHOLDS)
    def test_planted_at_exactly_r_and_r_plus_1(self, r: int) -> None:
        rng = np.random.default_rng(100 + r)
        q = random_hashes(rng, 1)[0]
        near = np.stack([flip(rng, q, r) for _ in range(20)])
        far = np.stack([flip(rng, q, r + 1) for _ in range(20)])
        noise = random_hashes(rng, 2000)
        hashes = np.concatenate([noise, near, far])
        ids = np.arange(hashes.shape[0], dtype=np.int64)
        found = as_set(self.filled(ids, hashes).search(q, r))
        planted = {(int(i), r) for i in ids[2000:2020]}
        assert planted <= found
        assert not {i for i, _ in found} & set(ids[2020:].tolist())

    def test_duplicate_hashes_under_different_ids(self) -> None:
        rng = np.random.default_rng(7)
        h = random_hashes(rng, 1)
        hashes = np.concatenate([random_hashes(rng, 500), np.repeat(h, 5, axis=0)])
        index = self.filled(np.arange(505, dtype=np.int64), hashes)
        assert as_set(index.search(h[0], 0)) == {(i, 0) for i in range(500, 505)}
        assert index.remove(np.array([501, 503], np.int64)) == 2
        assert as_set(index.search(h[0], 0)) == {(500, 0), (502, 0), (504, 0)}

    def test_add_after_search(self) -> None:
        rng = np.random.default_rng(8)
        hashes = random_hashes(rng, 1000)
        index = self.filled(np.arange(1000, dtype=np.int64), hashes)
        q = flip(rng, hashes[10], 5)
        assert as_set(index.search(q, 31)) == {(10, 5)}
        index.add(np.array([5000], np.int64), flip(rng, q, 3)[None, :])
        assert as_set(index.search(q, 31)) == {(10, 5), (5000, 3)}
        assert len(index) == 1001

    def test_remove_then_search_and_readd(self) -> None:
        rng = np.random.default_rng(9)
        hashes = random_hashes(rng, 1000)
        index = self.filled(np.arange(1000, dtype=np.int64), hashes)
        assert index.remove(np.array([10, 11, 99999], np.int64)) == 2
        assert index.search(hashes[10], 0) == []
        assert len(index) == 998
        assert index.remove(np.array([10], np.int64)) == 0
        index.add(np.array([10], np.int64), hashes[10:11])
        assert as_set(index.search(hashes[10], 0)) == {(10, 0)}
        assert index.remove(np.array([10], np.int64)) == 1
        assert index.search(hashes[10], 31) == []

    def test_remove_unknown_and_empty_ids(self) -> None:
        rng = np.random.default_rng(10)
        index = self.filled(np.arange(100, dtype=np.int64), random_hashes(rng, 100))
        assert index.remove(np.array([1000, -5], np.int64)) == 0
        assert index.remove(np.array([], np.int64)) == 0
        assert len(index) == 100

    def test_bytes_query_and_threshold_above_bits(self) -> None:
        rng = np.random.default_rng(11)
        hashes = random_hashes(rng, 50)
        index = self.filled(np.arange(50, dtype=np.int64), hashes)
        assert as_set(index.search(hashes[3].tobytes(), 0)) == {(3, 0)}  # type: ignore[arg-type]
        assert len(index.search(hashes[3], 256)) == 50

    @pytest.mark.parametrize(
        ("ids", "hashes"),
        [
            (np.arange(3), np.zeros((3, NBYTES - 1), np.uint8)),
            (np.arange(3), np.zeros((3, NBYTES, 1), np.uint8)),
            (np.arange(3), np.zeros(3 * NBYTES, np.uint8)),
            (np.arange(2), np.zeros((3, NBYTES), np.uint8)),
            (np.arange(3).reshape(3, 1), np.zeros((3, NBYTES), np.uint8)),
            (np.arange(3), np.zeros((3, NBYTES), np.int64)),
        ],
    )
    def test_wrong_add_shapes_raise(self, ids: np.ndarray, hashes: np.ndarray) -> None:
        with pytest.raises(ValueError, match=r"ids|hashes"):
            self.make_index().add(ids, hashes)

    @pytest.mark.parametrize(
        ("query", "r"),
        [
            (np.zeros(NBYTES - 1, np.uint8), 31),
            (np.zeros((1, NBYTES), np.uint8), 31),
            (np.zeros(NBYTES, np.uint8), -1),
        ],
    )
    def test_wrong_query_raises(self, query: np.ndarray, r: int) -> None:
        with pytest.raises(ValueError, match=r"query|threshold"):
            self.make_index().search(query, r)

    def test_large_batch(self) -> None:
        rng = np.random.default_rng(12)
        hashes = random_hashes(rng, 60_000)
        index = self.filled(np.arange(60_000, dtype=np.int64), hashes)
        assert len(index) == 60_000
        for i in (0, 29_999, 59_999):
            q = flip(rng, hashes[i], 31)
            assert (i, 31) in as_set(index.search(q, 31))

    # The subclasses share this test (differing executors) but each builds its index afresh.
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
    )
    @given(
        seed=st.integers(0, 2**32 - 1),
        ops=st.lists(
            st.tuples(st.sampled_from(["add", "remove", "search"]), st.integers(0, 200)),
            min_size=1,
            max_size=12,
        ),
        r=st.integers(0, 70),
    )
    def test_operations_match_oracle(self, seed: int, ops: list[tuple[str, int]], r: int) -> None:
        rng = np.random.default_rng(seed)
        index, oracle = self.make_index(), FlatIndex(BITS)
        pool = random_hashes(rng, 64)  # shared ancestors, so searches have near neighbours
        next_id = 0
        for op, size in ops:
            if op == "add":
                parents = pool[rng.integers(0, 64, size)]
                flipped = [flip(rng, p, int(rng.integers(0, 80))) for p in parents]
                hashes = np.array(flipped, dtype=np.uint8).reshape(size, NBYTES)
                ids = np.arange(next_id, next_id + size, dtype=np.int64)
                next_id += size
                index.add(ids, hashes)
                oracle.add(ids, hashes)
            elif op == "remove":
                ids = rng.integers(0, max(next_id, 1) + 5, size).astype(np.int64)
                assert index.remove(ids) == oracle.remove(ids)
            else:
                q = flip(rng, pool[size % 64], int(rng.integers(0, 40)))
                self.assert_same(index, oracle, q, r)
            assert len(index) == len(oracle)

"""MIHIndex: the shared conformance suite under several configurations, plus its internals.

The default configuration mostly scans at test sizes (that is cheaper there), so the suite also
runs with forced multi-index tables and a tiny delta, which exercises probing, segment merges,
tombstones and compaction on small data.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from childsafe.index import HammingIndex, MIHIndex, make_hamming_index
from childsafe.index.segment import layout, plan
from tests.index.conformance import (
    BITS,
    HammingIndexConformance,
    as_set,
    flip,
    random_hashes,
)


class TestMIHDefault(HammingIndexConformance):
    def make_index(self) -> HammingIndex:
        return make_hamming_index(BITS)


class TestMIHForcedTables(HammingIndexConformance):
    """16 chunks of 16 bits, 3 key bits in entries, segments every 100 adds."""

    def make_index(self) -> HammingIndex:
        return MIHIndex(BITS, delta_limit=100, fixed_layout=(16, 3, 16))


class TestMIHUnevenChunks(HammingIndexConformance):
    """Chunks straddling word boundaries and bits left out of every chunk."""

    def make_index(self) -> HammingIndex:
        return MIHIndex(BITS, delta_limit=37, fixed_layout=(13, 2, 19))


def test_other_widths_match_brute_force() -> None:
    rng = np.random.default_rng(1)
    for bits in (64, 72, 128):
        hashes = rng.integers(0, 256, (2000, bits // 8), dtype=np.uint8)
        index = MIHIndex(bits, fixed_layout=(10, 1, bits // 10))
        index.add(np.arange(2000, dtype=np.int64), hashes)
        for r in (0, 5, 12, 20):
            q = hashes[r]
            want = {
                (i, int(np.unpackbits(hashes[i] ^ q).sum()))
                for i in range(2000)
                if np.unpackbits(hashes[i] ^ q).sum() <= r
            }
            assert as_set(index.search(q, r)) == want


def test_segments_merge_geometrically_and_compact() -> None:
    rng = np.random.default_rng(2)
    index = MIHIndex(BITS, delta_limit=50, fixed_layout=(16, 3, 16))
    hashes = random_hashes(rng, 2000)
    for start in range(0, 2000, 10):
        index.add(np.arange(start, start + 10, dtype=np.int64), hashes[start : start + 10])
    sizes = index.segment_sizes
    assert sum(sizes) + len(index._delta_ids) == 2000
    assert len(sizes) <= 8  # logarithmic, not one per flush
    assert all(a > b for a, b in itertools.pairwise(sizes))
    assert index.remove(np.arange(0, 1500, dtype=np.int64)) == 1500
    assert len(index) == 500
    assert all(len(s) * 2 >= s.ids.shape[0] for s in index._segments)  # compacted
    q = flip(rng, hashes[1700], 9)
    assert as_set(index.search(q, 31)) == {(1700, 9)}


def test_save_load_roundtrip(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    hashes = random_hashes(rng, 3000)
    index = MIHIndex(BITS, delta_limit=1000, fixed_layout=(16, 3, 16))
    index.add(np.arange(2500, dtype=np.int64), hashes[:2500])
    index.add(np.arange(2500, 3000, dtype=np.int64), hashes[2500:])  # stays in the delta
    index.remove(np.array([5, 2600], np.int64))
    index.save(tmp_path / "idx")
    for mmap in (True, False):
        loaded = MIHIndex.load(tmp_path / "idx", mmap=mmap)
        assert len(loaded) == len(index) == 2998
        for i in (0, 5, 1234, 2600, 2999):
            q = flip(rng, hashes[i], 12)
            assert as_set(loaded.search(q, 31)) == as_set(index.search(q, 31))
        assert loaded.remove(np.array([0, 2999], np.int64)) == 2  # mapped segments stay usable
        assert loaded.search(hashes[0], 0) == []


def test_load_rejects_unknown_format(tmp_path: Path) -> None:
    MIHIndex().save(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": 99}')
    with pytest.raises(ValueError, match="format"):
        MIHIndex.load(tmp_path)


def test_invalid_configuration() -> None:
    with pytest.raises(ValueError, match="bits"):
        MIHIndex(12)
    with pytest.raises(ValueError, match="delta_limit"):
        MIHIndex(delta_limit=0)
    with pytest.raises(ValueError, match="layout"):
        MIHIndex(64, fixed_layout=(16, 0, 5))  # 80 bits of chunks in a 64-bit hash


def test_plan_covers_threshold_by_pigeonhole() -> None:
    """sum(t_i + 1) must exceed r, or the plan must fall back to scanning."""
    for n in (5_000, 100_000, 1_000_000, 10_000_000):
        b, s, m = layout(n, BITS)
        for r in range(0, 80):
            _, radii = plan(n, b, s, m, r)
            assert radii is None or sum(t + 1 for t in radii) > r


def test_layout_fits_the_memory_budget() -> None:
    """At 10M rows: hashes, ids and tables within 1 GB."""
    n = 10_000_000
    b, s, m = layout(n, BITS)
    table_bytes = 4 * m * n + 4 * m * (2 ** (b - s) + 1)
    assert 32 * n + 8 * n + n // 8 + table_bytes < 1_000_000_000


def test_kernels_compile_without_a_writable_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read-only installs: numba refuses ``cache=True`` at decoration; we must still work."""
    import numba

    from childsafe.index import _kernels

    real = numba.njit

    def no_cache(*args: object, **kwargs: object) -> object:
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function 'f': no locator available for file 'x'")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", no_cache)

    def f(x: int) -> int:
        return x + 1

    assert _kernels._jit(f)(1) == 2


def test_crowded_buckets_and_many_hits_are_exact() -> None:
    """Duplicates fill one bucket past the kernel's candidate buffer and its hit buffer, which
    makes the probe pipeline retry with larger buffers; results must still be exact."""
    rng = np.random.default_rng(11)
    base = random_hashes(rng, 1)[0]
    near = np.stack([flip(rng, base, int(d)) for d in rng.integers(0, 6, 3000)])
    hashes = np.concatenate([near, random_hashes(rng, 2000)])
    index = MIHIndex(BITS, delta_limit=1000, fixed_layout=(16, 3, 16))
    index.add(np.arange(hashes.shape[0], dtype=np.int64), hashes)
    assert index.segment_sizes == [5000]
    for r in (0, 8, 31):
        q = flip(rng, base, 2)
        got = {(h.id, h.distance) for h in index.search(q, r)}
        qb = np.unpackbits(q)
        want = set()
        for i, h in enumerate(hashes):
            d = int(np.count_nonzero(np.unpackbits(h) != qb))
            if d <= r:
                want.add((i, d))
        assert got == want
        assert r == 0 or len(got) > 64


def test_segment_arrays_are_cache_line_aligned(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    index = MIHIndex(BITS, delta_limit=1000, fixed_layout=(16, 3, 16))
    index.add(np.arange(5000, dtype=np.int64), random_hashes(rng, 5000))
    index.save(tmp_path / "idx")
    for idx in (index, MIHIndex.load(tmp_path / "idx", mmap=False)):
        seg = idx._segments[0]
        for a in (seg.words, seg.offsets, seg.rows):
            assert a.ctypes.data % 64 == 0

"""Immutable multi-index-hashing (MIH) segments: the bulk of a large index.

A segment splits the first ``m * b`` bits of each hash into ``m`` chunks of ``b`` bits and keeps,
per chunk, a CSR table (bucket offsets over ``2^b`` keys, row numbers sorted by key). Chunk
radii are chosen per query (generalised pigeonhole: ``sum(t_i + 1) > r``), so one layout
answers every threshold exactly; when probing would cost more than scanning, the segment scans.

Rows are ordered by id so that removals are a binary search, and removal only sets a bit in a
tombstone bitmap: segments are never modified in place, which is what makes them cheap to
merge, to share between threads and to memory-map from disk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from childsafe.index import _kernels as k

# Relative costs of the work a query does, in units of one candidate (a random load of a hash
# plus 4 popcounts), measured on a 2-core EPYC: a probe is a random load of bucket bounds and
# then of the bucket, an entry a sequential read inside a bucket, a scanned row a sequential
# read of a whole hash. Only their ratios matter.
COST_PROBE = 2.0
COST_ENTRY = 0.1
COST_CANDIDATE = 1.0
COST_SCAN = 0.04
# Tables may use at most this many bytes per row (entries: 4 per chunk; offsets: 4 per bucket).
# With 32-byte hashes and 8-byte ids this keeps a 10M-row 256-bit segment under 1 GB.
TABLE_BYTES_PER_ROW = 54
# ...or this much in all: small segments (recent adds) can afford more chunks, which keeps
# them cheap to probe instead of leaving them to be scanned.
SMALL_TABLE_BYTES = 16 << 20
# Below this, building tables costs more than scanning ever saves.
MIN_TABLE_ROWS = 4096
# The layout is tuned for the default PDQ threshold.
LAYOUT_RADIUS = 31


def _probes(b: int, t: int) -> int:
    return sum(math.comb(b, i) for i in range(t + 1)) if t >= 0 else 0


def _radii(m: int, b: int, r: int) -> list[int] | None:
    """Balanced chunk radii with ``sum(t_i + 1) == r + 1``; None when chunks cannot cover r."""
    base, extra = divmod(r + 1, m)
    if base + (1 if extra else 0) > b:
        return None
    return [base - 1 + (1 if i < extra else 0) for i in range(m)]


@lru_cache(maxsize=4096)
def plan(
    n: int, b: int, s: int, m: int, r: int, force: bool = False
) -> tuple[float, tuple[int, ...] | None]:
    """Estimated cost and per-chunk radii of the cheaper of probing and scanning (None).

    ``force`` probes whenever the chunks can cover ``r`` (tests use it on small data).
    """
    scan_cost = n * COST_SCAN
    radii = _radii(m, b, r) if m else None
    if radii is None:
        return scan_cost, None
    per_probe = COST_PROBE + COST_ENTRY * n / 2 ** (b - s) + COST_CANDIDATE * n / 2**b
    cost = sum(_probes(b, t) * per_probe for t in radii)
    return (cost, tuple(radii)) if cost < scan_cost or force else (scan_cost, None)


@lru_cache(maxsize=256)
def layout(n: int, bits: int) -> tuple[int, int, int]:
    """Chunk width ``b``, low bits kept in entries ``s`` and chunk count ``m`` for ``n`` rows.

    Picks the cheapest default-threshold query within the table memory budget. Wider chunks
    mean fewer false candidates, but ``2^(b-s)`` offsets and, under the budget and ``m*b <=
    bits``, fewer chunks, so larger radii and exponentially more probes; the optimum is near
    ``b ~ log2(n)`` as in Norouzi et al. Entries pack the row number and ``s`` key bits in 32
    bits, so ``n << s`` must fit.
    """
    if n < MIN_TABLE_ROWS:
        return 0, 0, 0
    best: tuple[float, int, int, int] = (math.inf, 0, 0, 0)
    for b in range(8, 25):
        for s in range(0, min(b, 8) + 1):
            if n << s > 2**32:
                break
            budget = max(TABLE_BYTES_PER_ROW * n, SMALL_TABLE_BYTES)
            m = min(bits // b, budget // (4 * (n + 2 ** (b - s))))
            if m < 2:
                continue
            cost, radii = plan(n, b, s, m, LAYOUT_RADIUS)
            if radii is not None and cost < best[0]:
                best = (cost, b, s, m)
    return best[1], best[2], best[3]


@lru_cache(maxsize=64)
def _masks(b: int, t: int) -> npt.NDArray[np.uint32]:
    masks: npt.NDArray[np.uint32] = k.masks_upto(b, t)
    return masks


_NO_DEAD = np.zeros(0, dtype=np.uint8)
# Cache-line size: a 32-byte hash at a 64-byte-aligned row never straddles two lines, so one
# prefetch brings all of it (numpy aligns only to 16 bytes, which splits every other hash).
_ALIGN = 64


def _aligned_empty(shape: tuple[int, ...], dtype: type[np.generic]) -> npt.NDArray[Any]:
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    buf = np.empty(nbytes + _ALIGN, dtype=np.uint8)
    start = -buf.ctypes.data % _ALIGN
    return buf[start : start + nbytes].view(dtype).reshape(shape)


def _aligned(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if a.ctypes.data % _ALIGN == 0 and a.flags.c_contiguous:
        return a
    out = _aligned_empty(a.shape, a.dtype.type)
    out[...] = a
    return out


@dataclass(eq=False)
class Segment:
    ids: npt.NDArray[np.int64]  # sorted
    words: npt.NDArray[np.uint64]  # (n, words per hash), big-endian words
    b: int  # chunk width
    s: int  # key bits stored in entries rather than offsets
    offsets: npt.NDArray[np.uint32]  # (m, 2^(b-s) + 1)
    rows: npt.NDArray[np.uint32]  # (m, n): row << s | low key bits
    dead: npt.NDArray[np.uint8]  # tombstone bitmap, one bit per row
    n_dead: int = 0
    forced: bool = False  # layout given by the caller: always probe when possible

    @classmethod
    def build(
        cls,
        ids: npt.NDArray[np.int64],
        words: npt.NDArray[np.uint64],
        fixed_layout: tuple[int, int, int] | None = None,
    ) -> Segment:
        """Sort rows by id and build every chunk table.

        ``fixed_layout`` (``b, s, m``) overrides the size-based choice; tests use it to
        exercise the probing path on data small enough that scanning would win.
        """
        order = np.argsort(ids, kind="stable")
        ids = np.ascontiguousarray(ids[order])
        words = np.take(words, order, axis=0, out=_aligned_empty(words.shape, np.uint64))
        n = ids.shape[0]
        if fixed_layout is not None and n:
            b, s, m = fixed_layout
            if m * b > words.shape[1] * 64 or s > b or n << s > 2**32:
                raise ValueError(f"invalid layout (b, s, m) = {fixed_layout}")
        else:
            b, s, m = layout(n, words.shape[1] * 64)
        offsets = _aligned_empty((m, (1 << (b - s)) + 1 if m else 0), np.uint32)
        rows = _aligned_empty((m, n), np.uint32)
        for i in range(m):
            k.build_table(words, i * b, b, s, offsets[i], rows[i])
        dead = np.zeros((n + 7) // 8, dtype=np.uint8)
        return cls(ids, words, b, s, offsets, rows, dead, forced=fixed_layout is not None)

    @property
    def m(self) -> int:
        return int(self.rows.shape[0])

    def __len__(self) -> int:
        return int(self.ids.shape[0]) - self.n_dead

    @property
    def nbytes(self) -> int:
        arrays = (self.ids, self.words, self.offsets, self.rows, self.dead)
        return sum(int(a.nbytes) for a in arrays)

    def search(
        self, query: npt.NDArray[np.uint64], r: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Ids and distances of live rows within ``r``."""
        dead = self.dead if self.n_dead else _NO_DEAD
        _, radii = plan(self.ids.shape[0], self.b, self.s, self.m, r, self.forced)
        if radii is None:
            rows, dist = k.scan(query, self.words, r, dead)
        else:
            masks, nprobe = _probe_plan(self.b, radii)
            rows, dist = k.mih_search(
                query, self.words, self.offsets, self.rows, self.b, self.s, nprobe, masks, r, dead
            )
        return self.ids[rows], dist

    def remove(self, ids: npt.NDArray[np.int64]) -> int:
        """Tombstone every live row whose id is in ``ids`` (sorted, unique)."""
        lo = np.searchsorted(self.ids, ids, side="left")
        hi = np.searchsorted(self.ids, ids, side="right")
        counts = hi - lo
        total = int(counts.sum())
        if not total:
            return 0
        # every row of every matched range, without a Python loop over ids
        starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        rows = np.arange(total) + starts
        live = (self.dead[rows >> 3] >> (rows & 7).astype(np.uint8)) & 1 == 0
        rows = rows[live]
        if not self.dead.flags.writeable:  # memory-mapped from disk
            self.dead = self.dead.copy()
        np.bitwise_or.at(self.dead, rows >> 3, (1 << (rows & 7)).astype(np.uint8))
        self.n_dead += int(rows.shape[0])
        return int(rows.shape[0])

    def live(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
        if not self.n_dead:
            return self.ids, self.words
        n = self.ids.shape[0]
        keep = np.unpackbits(self.dead, bitorder="little")[:n] == 0
        return self.ids[keep], self.words[keep]

    _FIELDS = ("ids", "words", "offsets", "rows", "dead")

    def save(self, directory: Path, prefix: str) -> None:
        for name in self._FIELDS:
            np.save(directory / f"{prefix}.{name}.npy", getattr(self, name))

    @classmethod
    def load(
        cls, directory: Path, prefix: str, b: int, s: int, *, forced: bool, mmap: bool
    ) -> Segment:
        mode: Literal["r"] | None = "r" if mmap else None
        # np.asarray drops the memmap subclass (numba only takes plain arrays), not the mapping
        arrays = {
            n: np.asarray(np.load(directory / f"{prefix}.{n}.npy", mmap_mode=mode))
            for n in cls._FIELDS
        }
        dead = np.array(arrays.pop("dead"))  # small and mutable
        if not mmap:  # .npy data is 64-byte aligned in the file, but not once read into memory
            arrays = {n: _aligned(a) for n, a in arrays.items()}
        n_dead = int(np.unpackbits(dead).sum())
        return cls(b=b, s=s, dead=dead, n_dead=n_dead, forced=forced, **arrays)


@lru_cache(maxsize=256)
def _probe_plan(
    b: int, radii: tuple[int, ...]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """Flip masks and per-chunk probe counts for these radii (cached: reused every query)."""
    nprobe = np.array([_probes(b, t) for t in radii], dtype=np.int64)
    return _masks(b, max(radii)), nprobe

"""Compiled inner loops of the Hamming indexes.

Everything here works on hashes as rows of big-endian ``uint64`` words (bit 0 of a hash is the
most significant bit of word 0), so chunk keys read the same bits a hex string shows first.

Numba is used rather than numpy because a query touches a few thousand scattered rows: numpy
would pay its per-call overhead on every probe, while a compiled loop keeps many independent
memory loads in flight. All arithmetic is kept in explicit ``uint64`` because numba promotes
mixed signed/unsigned integers to float.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

F = TypeVar("F", bound=Callable[..., Any])


def _jit(fn: F) -> F:
    """Compile with an on-disk cache, falling back to in-memory compilation.

    The cache makes test runs and CLI start-up cheap, but read-only installs (containers,
    system site-packages without ``NUMBA_CACHE_DIR``) have nowhere to write it; numba then
    refuses at decoration time, which must not make the package unimportable.
    """
    try:
        return cast(F, numba.njit(cache=True, nogil=True)(fn))
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return cast(F, numba.njit(cache=False, nogil=True)(fn))


@intrinsic
def _popcount_intrinsic(typingctx: Any, x: Any) -> Any:
    """LLVM ``ctpop`` of a ``uint64``, typed ``int64`` so sums of it stay integers.

    Numba has no popcount of its own; this lowers to one ``popcnt`` instruction.
    """
    if x != types.uint64:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return types.int64(x), codegen


# The same object, typed as what jitted code sees when it calls it.
_popcount = cast(Callable[[Any], int], _popcount_intrinsic)


@_jit
def chunk_key(words: Any, start: int, b: int) -> np.uint32:
    """Bits ``[start, start + b)`` of one hash (``b <= 32``) as an integer key."""
    k = start >> 6
    o = start & 63
    one = np.uint64(1)
    if o + b <= 64:
        v = (words[k] >> np.uint64(64 - o - b)) & ((one << np.uint64(b)) - one)
    else:
        lo = b - (64 - o)
        hi = words[k] & ((one << np.uint64(64 - o)) - one)
        v = (hi << np.uint64(lo)) | (words[k + 1] >> np.uint64(64 - lo))
    return np.uint32(v)


@_jit
def row_distance(words: Any, row: int, query: Any) -> int:
    """Hamming distance of one stored row to the query; 256-bit hashes get an unrolled path."""
    if words.shape[1] == 4:
        return (
            _popcount(words[row, 0] ^ query[0])
            + _popcount(words[row, 1] ^ query[1])
            + _popcount(words[row, 2] ^ query[2])
            + _popcount(words[row, 3] ^ query[3])
        )
    d = 0
    for w in range(words.shape[1]):
        d += _popcount(words[row, w] ^ query[w])
    return d


@_jit
def build_table(words: Any, start: int, b: int, s: int, offsets: Any, rows: Any) -> None:
    """Counting sort of rows by one chunk's key into a CSR table.

    Buckets are the top ``b - s`` key bits (``offsets`` has ``2^(b-s) + 1`` entries); each
    entry stores ``row << s | low s key bits``. Keeping the low bits in the entry instead of
    in the offsets array divides the offsets' memory by ``2^s`` while a probe still reads one
    contiguous run and rejects other keys without touching their hashes. A counting sort is
    linear, so a 10M-row table takes a few hundred milliseconds.
    """
    n = words.shape[0]
    keys = np.empty(n, dtype=np.uint32)
    offsets[:] = 0
    for j in range(n):
        key = chunk_key(words[j], start, b)
        keys[j] = key
        offsets[np.int64(key >> s) + 1] += 1
    for i in range(1, offsets.shape[0]):
        offsets[i] += offsets[i - 1]
    fill = offsets[:-1].copy()
    low = np.uint32((1 << s) - 1)
    for j in range(n):
        key = keys[j]
        bucket = key >> s
        rows[fill[bucket]] = (np.uint32(j) << np.uint32(s)) | (key & low)
        fill[bucket] += 1


@_jit
def masks_upto(b: int, t: int) -> Any:
    """Every ``b``-bit flip mask with at most ``t`` bits set, ordered by popcount.

    The order lets one array serve every radius up to ``t``: radius ``s`` uses its prefix.
    """
    count = 0
    for x in range(1 << b):
        if _popcount(np.uint64(x)) <= t:
            count += 1
    out = np.empty(count, dtype=np.uint32)
    i = 0
    for k in range(t + 1):
        for x in range(1 << b):
            if _popcount(np.uint64(x)) == k:
                out[i] = x
                i += 1
    return out


@_jit
def _is_dead(dead: Any, row: int) -> bool:
    return bool(dead.shape[0] > 0 and (dead[row >> 3] >> (row & 7)) & 1 == 1)


@_jit
def _grow(a: Any, n: int) -> Any:
    out = np.empty(max(2 * a.shape[0], n), dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


@_jit
def _scan_distances(query: Any, words: Any, start: int, stop: int, dist: Any) -> None:
    """Distances of rows ``[start, stop)``; the 4-word loop is spelled out so it vectorises."""
    if words.shape[1] == 4:
        q0, q1, q2, q3 = query[0], query[1], query[2], query[3]
        for j in range(start, stop):
            dist[j - start] = (
                _popcount(words[j, 0] ^ q0)
                + _popcount(words[j, 1] ^ q1)
                + _popcount(words[j, 2] ^ q2)
                + _popcount(words[j, 3] ^ q3)
            )
    else:
        for j in range(start, stop):
            dist[j - start] = row_distance(words, j, query)


@_jit
def scan(query: Any, words: Any, r: int, dead: Any) -> tuple[Any, Any]:
    """Brute-force range search: rows and distances of live rows within ``r``."""
    out_rows = np.empty(16, dtype=np.int64)
    out_dist = np.empty(16, dtype=np.int64)
    c = 0
    n = words.shape[0]
    step = 4096  # distances in L1-sized blocks: vectorised, without an n-sized buffer
    dist = np.empty(step, dtype=np.int64)
    for start in range(0, n, step):
        stop = min(start + step, n)
        _scan_distances(query, words, start, stop, dist)
        hits = 0
        for x in range(stop - start):  # branch-free count; the append loop below is rare
            hits += dist[x] <= r
        if hits == 0:
            continue
        for x in range(stop - start):
            if dist[x] <= r and not _is_dead(dead, start + x):
                if c == out_rows.shape[0]:
                    out_rows = _grow(out_rows, c + 1)
                    out_dist = _grow(out_dist, c + 1)
                out_rows[c] = start + x
                out_dist[c] = dist[x]
                c += 1
    return out_rows[:c], out_dist[:c]


# Probes handled per block: small enough that a block's buckets and candidates stay in L2.
_BLOCK = 128


@_jit
def mih_search(
    query: Any,
    words: Any,
    offsets: Any,
    rows: Any,
    b: int,
    s: int,
    nprobe: Any,
    masks: Any,
    r: int,
    dead: Any,
) -> tuple[Any, Any]:
    """Multi-index range search of one segment.

    Chunk ``i`` (bits ``[i*b, (i+1)*b)``) probes every key within ``t_i`` of the query's key,
    i.e. the first ``nprobe[i]`` masks. The caller picks ``t_i`` with ``sum(t_i + 1) > r``, so
    by the pigeonhole principle every row within ``r`` shares a probed key in some chunk.
    A hit is kept only from the first chunk that can produce it, which dedupes without a
    visited set; candidates are verified on all words, so the result is exact.

    A query is a few thousand random cache misses, so the loop is shaped for memory-level
    parallelism: probes go in blocks, and each block first loads every bucket bound, then
    touches every bucket line, then every candidate's hash, each as a loop of independent
    loads, before the branchy filtering runs on cached data. A plain nested loop measured
    about twice as slow: its data-dependent branches serialised the misses.
    """
    m = nprobe.shape[0]
    qkeys = np.empty(m, dtype=np.uint32)
    radius = np.empty(m, dtype=np.int64)
    total = 0
    for i in range(m):
        qkeys[i] = chunk_key(query, i * b, b)
        # radius of chunk i, recovered from the popcount-ordered mask prefix
        radius[i] = -1 if nprobe[i] == 0 else _popcount(np.uint64(masks[nprobe[i] - 1]))
        total += nprobe[i]
    probe_chunk = np.empty(total, dtype=np.int64)
    probe_key = np.empty(total, dtype=np.uint32)
    p = 0
    for i in range(m):
        for j in range(nprobe[i]):
            probe_chunk[p] = i
            probe_key[p] = qkeys[i] ^ masks[j]
            p += 1
    su = np.uint32(s)
    low = np.uint32((1 << s) - 1)
    lo = np.empty(_BLOCK, dtype=np.int64)
    hi = np.empty(_BLOCK, dtype=np.int64)
    cand = np.empty(4 * _BLOCK, dtype=np.int64)
    cand_chunk = np.empty(4 * _BLOCK, dtype=np.int64)
    out_rows = np.empty(16, dtype=np.int64)
    out_dist = np.empty(16, dtype=np.int64)
    o = 0
    sink = np.uint64(0)
    for p0 in range(0, total, _BLOCK):
        nb = min(_BLOCK, total - p0)
        for q in range(nb):  # bucket bounds
            bucket = np.int64(probe_key[p0 + q] >> su)
            lo[q] = offsets[probe_chunk[p0 + q], bucket]
            hi[q] = offsets[probe_chunk[p0 + q], bucket + 1]
        # Buffers grow only here, never inside the loops: numba reference-counts an array
        # variable that a loop may reassign on every iteration, which measured 2-4x slower.
        entries = 0
        for q in range(nb):
            entries += hi[q] - lo[q]
        if entries > cand.shape[0]:
            cand = np.empty(2 * entries, dtype=np.int64)
            cand_chunk = np.empty(2 * entries, dtype=np.int64)
        touch = np.uint32(0)
        for q in range(nb):  # every cache line of every bucket
            i = probe_chunk[p0 + q]
            for e in range(lo[q], hi[q], 16):
                touch ^= rows[i, e]
            if hi[q] > lo[q]:
                touch ^= rows[i, hi[q] - 1]
        c = 0
        for q in range(nb):  # entries whose low key bits match
            i = probe_chunk[p0 + q]
            want = probe_key[p0 + q] & low
            for e in range(lo[q], hi[q]):
                v = rows[i, e]
                if v & low == want:
                    cand[c] = np.int64(v >> su)
                    cand_chunk[c] = i
                    c += 1
        for x in range(c):  # every candidate's hash
            sink ^= words[cand[x], 0]
        sink ^= np.uint64(touch)
        if o + c > out_rows.shape[0]:
            out_rows = _grow(out_rows, o + c)
            out_dist = _grow(out_dist, o + c)
        for x in range(c):  # verification
            row = cand[x]
            d = row_distance(words, row, query)
            if d > r:
                continue
            first = True
            for j in range(cand_chunk[x]):
                if radius[j] >= 0:
                    dj = _popcount(np.uint64(chunk_key(words[row], j * b, b) ^ qkeys[j]))
                    if dj <= radius[j]:
                        first = False
                        break
            if not first or _is_dead(dead, row):
                continue
            out_rows[o] = row
            out_dist[o] = d
            o += 1
    if sink == np.uint64(0x9E3779B97F4A7C15):  # keeps the touching loads alive; never matters
        o = o + 0
    return out_rows[:o], out_dist[:o]

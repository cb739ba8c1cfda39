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
from llvmlite import ir
from numba import types
from numba.core import cgutils as _cgutils
from numba.extending import intrinsic

F = TypeVar("F", bound=Callable[..., Any])
cgutils: Any = _cgutils  # untyped numba internals


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


@intrinsic
def _prefetch_intrinsic(typingctx: Any, arr: Any, i: Any, j: Any) -> Any:
    """LLVM ``prefetch`` (read, keep in all cache levels) of element ``[i, j]`` of a 2-D array.

    A prefetch does not hold up retirement the way a load does, so a loop of them keeps many
    more cache misses in flight than a loop of touching loads; no bounds check is made.
    """
    if not isinstance(arr, types.Array) or arr.ndim != 2:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        inds = [
            context.cast(builder, args[1], signature.args[1], types.intp),
            context.cast(builder, args[2], signature.args[2], types.intp),
        ]
        ptr = cgutils.get_item_pointer2(
            context,
            builder,
            data=ary.data,
            shape=cgutils.unpack_tuple(builder, ary.shape),
            strides=cgutils.unpack_tuple(builder, ary.strides),
            layout=aryty.layout,
            inds=inds,
            wraparound=False,
            boundscheck=False,
        )
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(arr, i, j), codegen


_prefetch = cast(Callable[[Any, Any, Any], None], _prefetch_intrinsic)


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


# Probes per pipeline block: a block's prefetches stay well inside the miss queues.
_BLOCK = 32


@_jit
def _hit(
    words: Any, row: int, query: Any, r: int, chunk: int, b: int, qkeys: Any, radius: Any, dead: Any
) -> int:
    """Distance of a candidate found in ``chunk``, or -1 if it is too far, dead, or is also
    found by an earlier chunk (which reports it instead: dedupe without a visited set)."""
    d = row_distance(words, row, query)
    if d > r:
        return -1
    for j in range(chunk):
        if radius[j] >= 0:
            dj = _popcount(np.uint64(chunk_key(words[row], j * b, b) ^ qkeys[j]))
            if dj <= radius[j]:
                return -1
    if _is_dead(dead, row):
        return -1
    return d


@_jit
def _mih_pipeline(
    query: Any,
    words: Any,
    offsets: Any,
    rows: Any,
    b: int,
    s: int,
    probe_chunk: Any,
    probe_key: Any,
    qkeys: Any,
    radius: Any,
    r: int,
    dead: Any,
    lo: Any,
    hi: Any,
    cand: Any,
    cand_chunk: Any,
    ncand: Any,
    out_rows: Any,
    out_dist: Any,
) -> int:
    """Probe in blocks through a 4-stage software pipeline.

    Iteration ``k`` prefetches the bucket bounds of block ``k``, reads the bounds of block
    ``k-1`` and prefetches their bucket lines, filters the entries of block ``k-2`` and
    prefetches the candidates' hashes, and verifies the candidates of block ``k-3``: each
    load was requested one block (a few microseconds) before it is used.

    Returns the hit count (hits beyond ``out_rows``' capacity are counted, not stored), or
    minus the candidate capacity a block needs when ``cand`` is too small; the caller then
    retries with larger buffers, so no array is reallocated inside the loop (numba
    reference-counts an array reassigned in a loop, which measured 2-4x slower).
    """
    total = probe_chunk.shape[0]
    su = np.uint32(s)
    low = np.uint32((1 << s) - 1)
    cap = cand.shape[1]
    ocap = out_rows.shape[0]
    nblocks = (total + _BLOCK - 1) // _BLOCK
    o = 0
    for kb in range(nblocks + 3):
        if kb < nblocks:  # 1: prefetch bucket bounds
            for p in range(kb * _BLOCK, min(total, kb * _BLOCK + _BLOCK)):
                bucket = np.int64(probe_key[p] >> su)
                _prefetch(offsets, probe_chunk[p], bucket)
                _prefetch(offsets, probe_chunk[p], bucket + 1)
        k2 = kb - 1
        if 0 <= k2 < nblocks:  # 2: read bounds, prefetch first and last bucket lines
            need = 0
            for p in range(k2 * _BLOCK, min(total, k2 * _BLOCK + _BLOCK)):
                i = probe_chunk[p]
                bucket = np.int64(probe_key[p] >> su)
                a = int(offsets[i, bucket])
                z = int(offsets[i, bucket + 1])
                lo[p] = a
                hi[p] = z
                need += z - a
                if z > a:
                    _prefetch(rows, i, a)
                    _prefetch(rows, i, z - 1)
            if need > cap:
                return -need
        k3 = kb - 2
        if 0 <= k3 < nblocks:  # 3: entries whose low key bits match; prefetch their hashes
            slot = k3 & 1
            c = 0
            for p in range(k3 * _BLOCK, min(total, k3 * _BLOCK + _BLOCK)):
                i = probe_chunk[p]
                want = probe_key[p] & low
                for e in range(lo[p], hi[p]):
                    v = rows[i, e]
                    if v & low == want:
                        row = np.int64(v >> su)
                        _prefetch(words, row, 0)
                        cand[slot, c] = row
                        cand_chunk[slot, c] = i
                        c += 1
            ncand[slot] = c
        k4 = kb - 3
        if 0 <= k4 < nblocks:  # 4: verification
            slot = k4 & 1
            for x in range(ncand[slot]):
                row = cand[slot, x]
                d = _hit(words, row, query, r, cand_chunk[slot, x], b, qkeys, radius, dead)
                if d >= 0:
                    if o < ocap:
                        out_rows[o] = row
                        out_dist[o] = d
                    o += 1
    return o


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

    A query is a few thousand random cache misses in three dependent levels (bucket bounds,
    bucket, candidate hash), so the probes run through a software pipeline of prefetches
    (``_mih_pipeline``). Hashes must be 64-byte aligned (``Segment`` allocates them so) for
    one prefetch to bring a whole 32-byte hash.
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
    lo = np.empty(total, dtype=np.int64)
    hi = np.empty(total, dtype=np.int64)
    ncand = np.zeros(2, dtype=np.int64)
    cap = 16 * _BLOCK
    ocap = 64
    while True:
        cand = np.empty((2, cap), dtype=np.int64)
        cand_chunk = np.empty((2, cap), dtype=np.int64)
        out_rows = np.empty(ocap, dtype=np.int64)
        out_dist = np.empty(ocap, dtype=np.int64)
        o = _mih_pipeline(
            query, words, offsets, rows, b, s, probe_chunk, probe_key, qkeys, radius, r, dead,
            lo, hi, cand, cand_chunk, ncand, out_rows, out_dist,
        )  # fmt: skip
        if o < 0:
            cap = max(2 * cap, -o)
        elif o > ocap:
            ocap = o
        else:
            return out_rows[:o], out_dist[:o]

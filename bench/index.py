"""Exact PDQ range search: childsafe's MIHIndex against threatexchange and faiss, side by side.

Hashes are random 256-bit values made here (SAFETY.md). Each query gets planted neighbours at
random distances 0..31, which must all be found at threshold 31, and one at distance 32, which
must not be. Every returned hit is re-checked against its true distance.

    python bench/index.py --sizes 1000000,10000000 --queries 1000 --out bench/results/index.md

Queries run one at a time on one thread (faiss via ``omp_set_num_threads(1)``; the numba kernels
are single-threaded). Latency is wall-clock; CPU time of the querying thread is reported too,
because a shared machine's other load inflates wall time. Peers that scan are slow at large
sizes and get ``--peer-queries`` queries there.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from childsafe.index import MIHIndex

THRESHOLD = 31
PLANTED_NEAR = 4  # per query, at random distances 0..31
NBYTES = 32


@dataclass
class Data:
    hashes: np.ndarray  # (n, 32) uint8
    queries: np.ndarray  # (q, 32) uint8
    near: list[set[int]]  # per query: planted ids within THRESHOLD
    far: list[int]  # per query: planted id at THRESHOLD + 1


def flip(rng: np.random.Generator, h: np.ndarray, d: int) -> np.ndarray:
    bits = np.unpackbits(h)
    bits[rng.choice(256, d, replace=False)] ^= 1
    return np.packbits(bits)


def make_data(n: int, nq: int, seed: int) -> Data:
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 256, (n, NBYTES), dtype=np.uint8)
    queries = rng.integers(0, 256, (nq, NBYTES), dtype=np.uint8)
    slots = rng.choice(n, nq * (PLANTED_NEAR + 1), replace=False).reshape(nq, -1)
    near, far = [], []
    for i in range(nq):
        for j, slot in enumerate(slots[i]):
            d = THRESHOLD + 1 if j == PLANTED_NEAR else int(rng.integers(0, THRESHOLD + 1))
            hashes[slot] = flip(rng, queries[i], d)
        near.append({int(s) for s in slots[i, :PLANTED_NEAR]})
        far.append(int(slots[i, PLANTED_NEAR]))
    return Data(hashes, queries, near, far)


def rss() -> int:
    with Path("/proc/self/statm").open() as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class Result:
    name: str
    build_s: float
    struct_bytes: int | None
    rss_bytes: int
    queries: int = 0
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    recall: float = 0.0
    wrong: int = 0
    add_s: float | None = None
    remove_s: float | None = None
    note: str = ""


def run_queries(
    res: Result, data: Data, nq: int, search: Callable[[int], list[tuple[int, int]]]
) -> None:
    found = planted = wrong = 0
    search(0)  # warm-up (compilation, first-touch)
    for i in range(nq):
        t0, c0 = time.perf_counter(), time.thread_time()
        hits = search(i)
        res.cpu_ms.append((time.thread_time() - c0) * 1e3)
        res.wall_ms.append((time.perf_counter() - t0) * 1e3)
        ids = {h for h, _ in hits}
        found += len(ids & data.near[i])
        planted += len(data.near[i])
        q = np.unpackbits(data.queries[i])
        for hid, dist in hits:
            true = int(np.count_nonzero(np.unpackbits(data.hashes[hid]) != q))
            wrong += true != dist or true > THRESHOLD
        wrong += data.far[i] in ids
    res.queries, res.recall, res.wrong = nq, found / max(planted, 1), wrong


def bench_childsafe(data: Data, nq: int, extra: list[int]) -> Result:
    n = data.hashes.shape[0]
    before = rss()
    t0 = time.perf_counter()
    index = MIHIndex(256)
    index.add(np.arange(n, dtype=np.int64), data.hashes)
    res = Result("childsafe MIHIndex", time.perf_counter() - t0, index.nbytes, rss() - before)
    seg = index._segments[0]
    res.note = f"b={seg.b}, s={seg.s}, m={seg.m}"

    def search(i: int) -> list[tuple[int, int]]:
        return [(h.id, h.distance) for h in index.search(data.queries[i], THRESHOLD)]

    run_queries(res, data, nq, search)
    for r in extra:  # other per-bank thresholds: timing, and planted recall where r >= 31
        ts = []
        for i in range(min(nq, 100)):
            t0 = time.perf_counter()
            hits = {h.id for h in index.search(data.queries[i], r)}
            ts.append((time.perf_counter() - t0) * 1e3)
            assert r < THRESHOLD or data.near[i] <= hits, f"recall lost at threshold {r}"
        res.note += f"; r={r}: p50 {np.median(ts):.2f} ms"
    rng = np.random.default_rng(1)
    big = index._segments[0]
    t0 = time.perf_counter()
    index.add(
        np.arange(n, n + 10_000, dtype=np.int64), rng.integers(0, 256, (10_000, 32), np.uint8)
    )
    res.add_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    assert index.remove(rng.choice(n, 10_000, replace=False).astype(np.int64)) == 10_000
    res.remove_s = time.perf_counter() - t0
    rebuilt = index._segments[0] is not big  # small sizes: a geometric merge is expected
    res.note += "; add 10k: new segment, big one " + ("merged" if rebuilt else "untouched")
    return res


def bench_faiss_flat(data: Data, nq: int) -> Result:
    import faiss

    faiss.omp_set_num_threads(1)
    before = rss()
    t0 = time.perf_counter()
    index = faiss.IndexBinaryFlat(256)
    index.add(data.hashes)
    res = Result(
        "faiss IndexBinaryFlat", time.perf_counter() - t0, index.ntotal * 32, rss() - before
    )

    def search(i: int) -> list[tuple[int, int]]:
        _, dist, ids = index.range_search(data.queries[i : i + 1], THRESHOLD + 1)  # strict <
        return list(zip(ids.tolist(), dist.tolist(), strict=True))

    run_queries(res, data, nq, search)
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    index.add(rng.integers(0, 256, (10_000, 32), np.uint8))
    res.add_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index.remove_ids(rng.choice(index.ntotal, 10_000, replace=False).astype(np.int64))
    res.remove_s = time.perf_counter() - t0
    res.note = "brute force; remove_ids compacts the array"
    return res


def bench_threatexchange(data: Data, nq: int) -> Result:
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    n = data.hashes.shape[0]
    hexes = [h.tobytes().hex() for h in data.hashes]
    before = rss()
    t0 = time.perf_counter()
    index = PDQIndex(zip(hexes, range(n), strict=True))
    build = time.perf_counter() - t0
    res = Result("threatexchange PDQIndex", build, None, rss() - before)
    del hexes
    qhex = [q.tobytes().hex() for q in data.queries]

    def search(i: int) -> list[tuple[int, int]]:
        return [(m.metadata, m.similarity_info.distance) for m in index.query(qhex[i])]

    run_queries(res, data, nq, search)
    rng = np.random.default_rng(1)
    new = [h.tobytes().hex() for h in rng.integers(0, 256, (10_000, 32), np.uint8)]
    t0 = time.perf_counter()
    index.add_all(zip(new, range(n, n + 10_000), strict=True))
    res.add_s = time.perf_counter() - t0
    mih = index.index.mih_index
    res.note = (
        f"{type(mih).__name__} nhash={mih.nhash}, threshold {index.get_match_threshold()}; "
        "no removal API (rebuild)"
    )
    return res


def fmt_ms(xs: list[float], p: float) -> str:
    return f"{np.percentile(xs, p):.3f}" if xs else "-"


def table(n: int, results: list[Result]) -> str:
    lines = [
        f"### {n:,} hashes\n",
        "| index | build s | add 10k s | remove 10k s | structure MB | RSS delta MB | queries "
        "| p50 ms | p90 ms | p99 ms | CPU p50 / p90 / p99 ms | recall | wrong | notes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        struct = f"{r.struct_bytes / 1e6:.0f}" if r.struct_bytes is not None else "-"
        add = f"{r.add_s:.3f}" if r.add_s is not None else "-"
        rem = f"{r.remove_s:.3f}" if r.remove_s is not None else "n/a"
        lines.append(
            f"| {r.name} | {r.build_s:.1f} | {add} | {rem} | {struct} | {r.rss_bytes / 1e6:.0f} "
            f"| {r.queries} | {fmt_ms(r.wall_ms, 50)} | {fmt_ms(r.wall_ms, 90)} "
            f"| {fmt_ms(r.wall_ms, 99)} | {fmt_ms(r.cpu_ms, 50)} / {fmt_ms(r.cpu_ms, 90)} / "
            f"{fmt_ms(r.cpu_ms, 99)} | {r.recall:.2%} | {r.wrong} "
            f"| {r.note} |"
        )
    return "\n".join(lines) + "\n"


def machine() -> str:
    import faiss
    import numba

    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    try:
        from importlib.metadata import version

        te = version("threatexchange")
    except Exception:
        te = "?"
    return (
        f"- CPU: {cpu}, {os.cpu_count()} logical cores; load average at start "
        f"{os.getloadavg()[0]:.1f} (shared machine)\n"
        f"- Python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
        f"faiss-cpu {faiss.__version__}, threatexchange {te}\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000000")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--peer-queries", type=int, default=50, help="for peers above 2M hashes")
    ap.add_argument("--peers", default="childsafe,faiss,threatexchange")
    ap.add_argument("--extra-thresholds", default="0,48,70")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    peers = args.peers.split(",")
    extra = [int(x) for x in args.extra_thresholds.split(",") if x]
    header = machine()
    print(header, flush=True)
    sections = []
    for n in (int(s) for s in args.sizes.split(",")):
        t0 = time.perf_counter()
        data = make_data(n, args.queries, args.seed)
        print(f"n={n:,}: data in {time.perf_counter() - t0:.1f}s", flush=True)
        peer_nq = args.queries if n <= 2_000_000 else min(args.queries, args.peer_queries)
        results = []
        runs: list[tuple[str, Callable[[], Result]]] = [
            ("childsafe", partial(bench_childsafe, data, args.queries, extra)),
            ("faiss", partial(bench_faiss_flat, data, peer_nq)),
            ("threatexchange", partial(bench_threatexchange, data, peer_nq)),
        ]
        for name, run in runs:
            if name in peers:
                results.append(run())
                gc.collect()
                print(table(n, results[-1:]), flush=True)
        sections.append(table(n, results))
    report = (
        "# Index benchmark\n\n"
        + header
        + f"- Command: `python bench/index.py {' '.join(sys.argv[1:])}`\n\n"
        + "\n".join(sections)
    )
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)


if __name__ == "__main__":
    main()

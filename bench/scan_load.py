"""How long ``childsafe scan`` waits before it scans anything: ``Scanner.load`` at size.

A CLI scan builds its matcher from every live signal in the store; at millions of banked
hashes that is what a user waits for. This fills a bank with N random PDQ values and a second
one with M random MD5 values (SAFETY.md: nothing here is the hash of a real picture), then, in
a fresh process each time so peak RSS means something, times ``Scanner.load`` three ways:
without a cache, with an empty cache (build + save) and with a warm cache.

    python bench/scan_load.py --pdq 1000000 --md5 250000 --backend both \
        --out bench/results/scan_load.md

``--keep DIR`` keeps (and on the next run reuses) the SQLite database there, so that timing
changes to the loader does not pay for the import again. PostgreSQL runs against ``--pg-url``
(default: the test server) in a throwaway database.
"""

from __future__ import annotations

import argparse
import inspect
import multiprocessing as mp
import random
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _machine import describe
from bank_import import drop_pg_database, pg_database
from childsafe.banks import BankService
from childsafe.plugins import load_registry
from childsafe.scan.service import Scanner
from childsafe.settings import Settings
from childsafe.store import open_store


@dataclass
class Timing:
    mode: str
    seconds: float
    signals: int
    peak_rss_mb: float
    from_cache: bool


def _values(n: int, bits: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return [f"{rnd.getrandbits(bits):0{bits // 4}x}" for _ in range(n)]


def fill(url: str, home: Path, n_pdq: int, n_md5: int) -> None:
    with open_store(Settings(home=home, database_url=url)) as store:
        svc = BankService(store, load_registry())
        if any(b.name == "bench-pdq" for b in svc.list_banks()):
            return
        t0 = time.perf_counter()
        svc.create_bank("bench-pdq")
        svc.import_signals("bench-pdq", _values(n_pdq, 256, 1), signal_type="pdq")
        svc.create_bank("bench-md5", action="review")
        svc.import_signals("bench-md5", _values(n_md5, 128, 2), signal_type="md5")
        print(f"  filled in {time.perf_counter() - t0:.0f} s", flush=True)


def _peak_rss_mb() -> float:
    # VmHWM, not ru_maxrss: the latter survives exec, so it would report the parent's peak
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _load(url: str, home: Path, cache: str | None, out: mp.Queue) -> None:  # type: ignore[type-arg]
    with open_store(Settings(home=home, database_url=url), migrate=False) as store:
        svc = BankService(store, load_registry())
        kwargs = {}
        if cache is not None and "cache_dir" in inspect.signature(Scanner.load).parameters:
            kwargs["cache_dir"] = Path(cache)
        t0 = time.perf_counter()
        scanner = Scanner.load(svc, load_registry(), **kwargs)  # type: ignore[arg-type]
        dt = time.perf_counter() - t0
        peak = _peak_rss_mb()
        cached = bool(getattr(scanner.matcher, "from_cache", False))
        out.put((dt, len(scanner.matcher), peak, cached))


def timed(url: str, home: Path, mode: str, cache: Path | None) -> Timing:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_load, args=(url, home, None if cache is None else str(cache), q))
    p.start()
    dt, n, peak, cached = q.get()
    p.join()
    return Timing(mode, dt, n, peak, cached)


def run(backend: str, home: Path, n_pdq: int, n_md5: int, pg_url: str | None) -> list[Timing]:
    url = pg_url or f"sqlite:///{home / 'bench.db'}"
    fill(url, home, n_pdq, n_md5)
    cache = home / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    out = [timed(url, home, "no cache", None)]
    out.append(timed(url, home, "cold cache (build + save)", cache))
    out.append(timed(url, home, "warm cache", cache))
    for t in out:
        print(
            f"  {backend} {t.mode}: {t.seconds:.2f} s, {t.signals / t.seconds:,.0f}/s", flush=True
        )
    return out


def table(rows: list[tuple[str, Timing]]) -> str:
    lines = [
        "| backend | load | signals | seconds | signals/s | peak RSS MB | from cache |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for backend, t in rows:
        lines.append(
            f"| {backend} | {t.mode} | {t.signals:,} | {t.seconds:.2f} "
            f"| {t.signals / t.seconds:,.0f} | {t.peak_rss_mb:,.0f} | {t.from_cache} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pdq", type=int, default=1_000_000)
    ap.add_argument("--md5", type=int, default=250_000)
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    ap.add_argument("--keep", type=Path, help="keep and reuse the SQLite database here")
    ap.add_argument("--out", type=Path, help="append the results table to this markdown file")
    args = ap.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    rows: list[tuple[str, Timing]] = []
    with tempfile.TemporaryDirectory(prefix="childsafe-bench-") as tmp:
        for b in backends:
            if b == "sqlite":
                home = args.keep or Path(tmp) / b
                home.mkdir(parents=True, exist_ok=True)
                rows += [(b, t) for t in run(b, home, args.pdq, args.md5, None)]
                continue
            url = pg_database()
            try:
                home = Path(tmp) / b
                home.mkdir()
                rows += [(b, t) for t in run(b, home, args.pdq, args.md5, url)]
            finally:
                drop_pg_database(url)
    machine = describe(("numpy", "numba", "sqlalchemy", "psycopg"))
    report = f"`python bench/scan_load.py {shlex.join(sys.argv[1:])}`\n\n{machine}\n\n{table(rows)}"
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("a") as f:
            f.write(report + "\n")


if __name__ == "__main__":
    main()

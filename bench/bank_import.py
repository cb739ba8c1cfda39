"""Bank import throughput: a fresh import, a re-import (all duplicates) and the index feed.

Hash lists from NCMEC and the industry run to millions of lines; an import that takes hours
blocks an operator and holds a write transaction open all that time. This loads a list of
random PDQ values (SAFETY.md: nothing here is the hash of a real picture) into a fresh
database, loads the same file again (every line a duplicate, what a daily re-sync of an
unchanged list costs), then streams every signal with ``iter_signal_batches`` as an index
builder does, and times ``list_banks`` (entry counts) at that size.

    python bench/bank_import.py --lines 1000000 --backend both --out bench/results/bank_import.md

PostgreSQL runs against ``--pg-url`` (default: the test server), in a throwaway database.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy
from sqlalchemy import text
from sqlalchemy.engine import make_url

from _machine import describe
from childsafe.banks import BankService
from childsafe.plugins import load_registry
from childsafe.settings import Settings
from childsafe.store import open_store
from childsafe.store.engine import create_engine_for

PG_URL = os.environ.get(
    "CHILDSAFE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Result:
    backend: str
    lines: int
    import_s: float
    added: int
    reimport_s: float
    duplicates: int
    stream_s: float
    streamed: int
    list_banks_ms: float

    def rate(self, seconds: float) -> str:
        return f"{self.lines / seconds:,.0f}" if seconds else "-"


def write_list(path: Path, n: int, seed: int) -> None:
    """``n`` distinct random PDQ hex values, one a line (random bits collide with p ~ 0)."""
    rnd = __import__("random").Random(seed)
    with path.open("w") as f:
        chunk: list[str] = []
        for _ in range(n):
            chunk.append(f"{rnd.getrandbits(256):064x}\n")
            if len(chunk) == 100_000:
                f.writelines(chunk)
                chunk.clear()
        f.writelines(chunk)


def _admin() -> sqlalchemy.Engine:
    return create_engine_for(PG_URL, isolation_level="AUTOCOMMIT")


def pg_database() -> str:
    name = f"childsafe_bench_{secrets.token_hex(4)}"
    admin = _admin()
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    admin = _admin()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def run(backend: str, listing: Path, n: int, workdir: Path, batch_size: int) -> Result:
    url = pg_database() if backend == "postgresql" else f"sqlite:///{workdir / 'bench.db'}"
    try:
        with open_store(Settings(home=workdir, database_url=url)) as store:
            svc = BankService(store, load_registry())
            svc.create_bank("bench")

            def load() -> tuple[float, int, int]:
                with listing.open() as f:
                    t0 = time.perf_counter()
                    r = svc.import_signals("bench", f, signal_type="pdq", batch_size=batch_size)
                    dt = time.perf_counter() - t0
                assert r.invalid_count == 0 and r.lines_read == n, r
                return dt, r.added, r.duplicates

            import_s, added, _ = load()
            print(f"  {backend}: import {import_s:.1f} s ({n / import_s:,.0f} lines/s)", flush=True)
            reimport_s, _, dupes = load()
            print(f"  {backend}: re-import {reimport_s:.1f} s", flush=True)
            t0 = time.perf_counter()
            streamed = sum(len(b) for b in svc.iter_signal_batches("pdq"))
            stream_s = time.perf_counter() - t0
            print(f"  {backend}: stream {stream_s:.1f} s", flush=True)
            t0 = time.perf_counter()
            [info] = svc.list_banks()
            list_ms = (time.perf_counter() - t0) * 1e3
            assert info.entry_count == added == streamed == n and dupes == n
            return Result(
                backend, n, import_s, added, reimport_s, dupes, stream_s, streamed, list_ms
            )
    finally:
        if backend == "postgresql":
            drop_pg_database(url)


def machine() -> str:
    return describe(("sqlalchemy", "psycopg", "alembic"))


def table(results: list[Result]) -> str:
    out = [
        "| backend | lines | import s | import lines/s | re-import s | re-import lines/s "
        "| stream s | stream rows/s | list_banks ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        out.append(
            f"| {r.backend} | {r.lines:,} | {r.import_s:.1f} | {r.rate(r.import_s)} "
            f"| {r.reimport_s:.1f} | {r.rate(r.reimport_s)} | {r.stream_s:.1f} "
            f"| {r.streamed / r.stream_s:,.0f} | {r.list_banks_ms:.0f} |"
        )
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--batch-size", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, help="append the results table to this markdown file")
    args = ap.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = []
    with tempfile.TemporaryDirectory(prefix="childsafe-bench-") as tmp:
        listing = Path(tmp) / "list.txt"
        write_list(listing, args.lines, args.seed)
        for b in backends:
            work = Path(tmp) / b
            work.mkdir()
            results.append(run(b, listing, args.lines, work, args.batch_size))
    report = (
        f"`python bench/bank_import.py {shlex.join(sys.argv[1:])}`\n\n{machine()}\n{table(results)}"
    )
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("a") as f:
            f.write(report + "\n")


if __name__ == "__main__":
    main()

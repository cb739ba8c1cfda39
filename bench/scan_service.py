"""``POST /v1/scan`` under load: 1-2 MP JPEGs against a bank of 1M PDQ hashes, open loop.

The target: p99 <= 30 ms at 100 requests/s on a 2-core machine, and the highest sustained rate
at p99 <= 100 ms, measured by a load generator in another process (``bench/loadgen.py``, open
loop: see its docstring for why). This script

1. makes the benchmark images deterministically: every photograph bundled with scikit-image and
   matplotlib (``tests.factories.images.real_photo_paths``), resized to about 1.2, 1.6 and
   2.0 megapixels and saved as JPEG quality 90 (SAFETY.md: ordinary sample pictures);
2. builds a childsafe home with one bank of ``--bank`` random PDQ values (nothing here is the
   hash of a real picture) plus the PDQ of the images of every third photograph, so about a
   third of the requests match;
3. creates a scan-scoped API key (``childsafe keys create``), starts ``childsafe serve`` as a
   subprocess and waits for its health endpoint;
4. runs the load generator at ``--rate`` for ``--duration`` seconds, then its ``--find-max``
   search twice: for the highest rate at p99 <= ``--max-p99-ms`` (the target) and for the
   throughput ceiling at p99 <= ``--ceiling-p99-ms``; and does the same against a peer
   already running at ``--hma-url`` (HMA 2.0, fed the same images and the same bank: export
   them with ``--export DIR``);
5. writes the figures side by side to ``--out``.

    python bench/scan_service.py --export /some/dir          # images + bank list for a peer
    python bench/scan_service.py --duration 60 --hma-url http://127.0.0.1:5100 \
        --hma-note "HMA 2.0 at ThreatExchange commit ..., gunicorn 2 sync workers" \
        --out bench/results/scan_service.md

``--skip-childsafe`` measures only the peer; ``--home DIR`` keeps the childsafe home (and its
1M-entry bank) for the next run; ``--json-out FILE`` saves the raw figures, and ``--render
FILE --out ...`` writes the report again from them without measuring. Everything runs on
this machine: server, database and load generator share its cores, which the results file
states beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # for tests.factories

from PIL import Image  # noqa: E402
from tests.factories.images import real_photo_paths  # noqa: E402

from _machine import describe  # noqa: E402
from loadgen import HEALTH, drained  # noqa: E402

MEGAPIXELS = (1.2, 1.6, 2.0)
BANK_NAME = "bench-scan"
BANKED_EVERY = 3  # the images of every third photograph are in the bank
HEALTH_PATHS = ("/healthz", "/status", "/v1/status")


# ---------------------------------------------------------------- inputs


def make_images(out: Path) -> list[Path]:
    """Every bundled photo at about 1.2, 1.6 and 2.0 MP, JPEG q90; deterministic bytes."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, src in enumerate(real_photo_paths()):
        with Image.open(src) as im:
            rgb = im.convert("RGB")
        aspect = rgb.width / rgb.height
        for mp in MEGAPIXELS:
            h = round((mp * 1e6 / aspect) ** 0.5)
            w = round(h * aspect)
            big = rgb.resize((w, h), Image.Resampling.LANCZOS)
            p = out / f"{i:02d}-{src.stem}-{mp:.1f}mp.jpg"
            big.save(p, "JPEG", quality=90)
            paths.append(p)
    return paths


def banked(path: Path) -> bool:
    return int(path.name.split("-", 1)[0]) % BANKED_EVERY == 0


def image_pdq(paths: list[Path]) -> dict[str, str]:
    """childsafe's PDQ of each image, as the scan endpoint computes it."""
    from childsafe.plugins import load_registry
    from childsafe.scan.hashing import hash_bytes

    registry = load_registry()
    out = {}
    for p in paths:
        res = hash_bytes(p.read_bytes(), registry, signal_types=["pdq"])
        if not res.ok:
            raise SystemExit(f"{p.name}: {res.error} {res.reason}")
        out[p.name] = res.signals["pdq"].value
    return out


def random_pdq(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return [f"{rnd.getrandbits(256):064x}" for _ in range(n)]


def bank_values(n: int, seed: int, images: list[Path]) -> list[str]:
    hashes = image_pdq(images)
    return random_pdq(n, seed) + [hashes[p.name] for p in images if banked(p)]


def export(out: Path, n: int, seed: int) -> None:
    """Images and the bank as a plain list (one PDQ hex a line) for loading into a peer."""
    images = make_images(out / "images")
    values = bank_values(n, seed, images)
    (out / "bank-pdq.txt").write_text("\n".join(values) + "\n")
    n_banked = sum(banked(p) for p in images)
    print(f"  {len(images)} images ({n_banked} banked) and {len(values):,} hashes in {out}")


# ---------------------------------------------------------------- childsafe server


def childsafe_env(home: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ, CHILDSAFE_HOME=str(home))
    if database_url:
        env["CHILDSAFE_DATABASE_URL"] = database_url
    return env


def childsafe_cmd() -> list[str]:
    exe = shutil.which("childsafe", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "childsafe"]


def build_home(home: Path, database_url: str, values: list[str]) -> None:
    from childsafe.banks import BankService
    from childsafe.plugins import load_registry
    from childsafe.settings import Settings
    from childsafe.store import open_store

    with open_store(Settings(home=home, database_url=database_url)) as store:
        svc = BankService(store, load_registry())
        if any(b.name == BANK_NAME for b in svc.list_banks()):
            print(f"  reusing bank {BANK_NAME} in {home}", flush=True)
            return
        t0 = time.perf_counter()
        svc.create_bank(BANK_NAME, action="block")
        report = svc.import_signals(BANK_NAME, values, signal_type="pdq")
        print(f"  imported {len(values):,} hashes in {time.perf_counter() - t0:.0f} s", flush=True)
        del report


def create_key(env: dict[str, str]) -> str:
    out = subprocess.run(
        [*childsafe_cmd(), "keys", "create", f"bench-{int(time.time())}", "--scope", "scan"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1].strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_healthy(base: str, proc: subprocess.Popen[bytes] | None, limit_s: float) -> str:
    """The first health path that answers 200 ten times in a row (every worker has loaded)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before it was healthy")
        for path in HEALTH_PATHS:
            if _healthy(base + path) and all(_healthy(base + path) for _ in range(9)):
                return path
        time.sleep(0.5)
    raise SystemExit(f"{base} not healthy after {limit_s:.0f} s")


def start_server(
    env: dict[str, str], port: int, workers: int, log: Path
) -> subprocess.Popen[bytes]:
    cmd = [
        *childsafe_cmd(),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    print(f"  starting: {shlex.join(cmd)}", flush=True)
    with log.open("wb") as f:
        return subprocess.Popen(cmd, env=env, stdout=f, stderr=subprocess.STDOUT)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------- load


def loadgen(target: str, url: str, images: Path, key: str, extra: list[str]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [
            sys.executable,
            str(HERE / "loadgen.py"),
            "--target",
            target,
            "--url",
            url,
            "--images",
            str(images),
            "--json-out",
            out.name,
            *extra,
        ]
        if key:
            cmd += ["--api-key", key]
        subprocess.run(cmd, check=True)
        result = json.loads(Path(out.name).read_text())
    drained(url.rstrip("/") + HEALTH[target])
    return result


def measure(
    target: str, url: str, images: Path, key: str, args: argparse.Namespace
) -> dict[str, Any]:
    common = ["--warmup", str(args.warmup), "--timeout", str(args.timeout)]
    print(f"  {target}: {args.rate:g}/s for {args.duration:g} s", flush=True)
    fixed = loadgen(
        target,
        url,
        images,
        key,
        [*common, "--rate", str(args.rate), "--duration", str(args.duration)],
    )
    time.sleep(args.pause)
    result: dict[str, Any] = {"fixed": fixed}
    if args.no_find_max:
        return result
    start = args.hma_start_rate if target == "hma" else args.start_rate
    for key_name, p99 in (("max", args.max_p99_ms), ("ceiling", args.ceiling_p99_ms)):
        if p99 <= 0:
            continue
        if key_name == "ceiling" and result["max"]["max_sustained_rate"]:
            start = max(start, result["max"]["max_sustained_rate"])
        print(f"  {target}: find-max (p99 <= {p99:g} ms) from {start:g}/s", flush=True)
        result[key_name] = loadgen(
            target,
            url,
            images,
            key,
            [
                *common,
                "--find-max",
                "--duration",
                str(args.step_duration),
                "--start-rate",
                str(start),
                "--max-p99-ms",
                str(p99),
                "--pause",
                str(args.pause),
            ],
        )
        time.sleep(args.pause)
    return result


# ---------------------------------------------------------------- report


def _ms(step: dict[str, Any], key: str) -> str:
    v = step[key]
    if v != v:  # NaN
        return "-"
    return f"{'>=' if step.get('censored') else ''}{v:,.1f}"


def _outcomes(step: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(step["outcomes"].items()))


def step_row(name: str, step: dict[str, Any]) -> str:
    return (
        f"| {name} | {step['offered_rate']:g} | {step['duration_s']:.0f} "
        f"| {step['achieved_rate']:.1f} "
        f"| {_ms(step, 'p50_ms')} | {_ms(step, 'p90_ms')} | {_ms(step, 'p99_ms')} "
        f"| {_ms(step, 'max_ms')} | {step['errors']} | {_outcomes(step)} "
        f"| {step['generator_cpu_pct']:.0f}% / {step['send_lag_p99_ms']:.1f} ms "
        f"| {step.get('load_avg', float('nan')):.1f} |"
    )


STEP_HEAD = (
    "| server | offered /s | s | achieved /s | p50 ms | p90 ms | p99 ms | max ms | errors "
    "| answers | loadgen CPU / send lag p99 | load |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|"
)


WORK_PER_REQUEST = (
    "Work per request. childsafe: key check, decode (JPEG DCT-scaled), PDQ, index lookup, "
    "policy decision, and a scan record written to the store (the default "
    "`scan_records=all`). HMA: the upload is written to a temporary file, hashed by "
    "threatexchange's `PdqSignal.hash_from_file` (full-resolution decode and `pdqhash`), "
    "queried in its faiss index, and the matched bank rows read from PostgreSQL; no "
    "authentication and no record.",
    "",
    "An offered rate above a server's capacity makes its queue grow for as long as the run "
    "lasts: latency then measures the run's length, not the server. With HMA's gunicorn sync "
    "workers, which take connections in arrival order, once the queue is longer than the "
    "client's timeout nearly every request times out while the workers go on hashing "
    "uploads whose clients have already given up, so the rate of answers collapses below "
    "what the server can do when not overloaded.",
)

#: Options whose values are not worth repeating in the results: a local path, or prose that
#: the report prints in full anyway.
ELIDED = {
    "--home": "DIR",
    "--database-url": "URL",
    "--hma-note": "...",
    "--json-out": "FILE",
}


def command_line(argv: list[str]) -> str:
    out, it = [], iter(argv)
    for a in it:
        name, eq, _ = a.partition("=")
        if name in ELIDED:
            out.append(f"{name}={ELIDED[name]}" if eq else name)
            if not eq:
                next(it, None)
                out.append(ELIDED[name])
            continue
        out.append(a)
    return shlex.join(out)


def report(
    results: dict[str, dict[str, Any]],
    args: argparse.Namespace,
    machine: str,
    n_images: int,
    n_banked: int,
    argv: list[str],
) -> str:
    lines = [
        "# Scan service under load",
        "",
        "`bench/scan_service.py` drives `POST /v1/scan` with `bench/loadgen.py`, an open-loop",
        "generator in its own process (requests due at a fixed rate whatever the server does;",
        "latency counted from when each request was due). Images: "
        f"{n_images} JPEGs (q90, about 1.2, 1.6 and 2.0 MP) made from the photographs bundled "
        f"with scikit-image and matplotlib; {n_banked} of them are in the bank, beside "
        f"{args.bank:,} random PDQ values. Targets: p99 <= 30 ms at 100/s; highest rate with "
        f"p99 <= {args.max_p99_ms:g} ms, no errors and achieved >= 95% of offered.",
        "",
        f"`python bench/scan_service.py {command_line(argv)}`",
        "",
        machine,
        "- server, database and load generator all on this one machine, sharing its 2 cores",
        "",
    ]
    if "childsafe" in results:
        lines.append(
            f"childsafe: `childsafe serve --workers {args.workers}`, "
            f"database {'PostgreSQL' if args.database_url.startswith('postgres') else 'SQLite'}."
        )
    if "hma" in results:
        lines.append(f"HMA: {args.hma_note or 'an already-running instance (see notes)'}.")
    lines += ["", *WORK_PER_REQUEST]
    lines += ["", f"## At {args.rate:g} requests/s, {args.duration:g} s measured", "", STEP_HEAD]
    for name, r in results.items():
        lines.append(step_row(name, r["fixed"]))
    searches = [("max", args.max_p99_ms), ("ceiling", args.ceiling_p99_ms)]
    searches = [(k, p) for k, p in searches if any(k in r for r in results.values())]
    if searches:
        lines += [
            "",
            "## Highest sustained rate",
            "",
            "A step passes with p99 within the bound, no errors and achieved >= 95% of offered."
            f" Steps last {args.step_duration:g} s or 300 requests, whichever is longer; a step"
            " that fails on p99 alone is repeated once and passes if the repeat does (the"
            " machine is shared; both runs are listed). `bench/loadgen.py` `find_max` has the"
            " search rules.",
            "",
            "| server | "
            + " | ".join(f"max /s at p99 <= {p:g} ms | first failing /s" for _, p in searches)
            + " |",
            "|---|" + "---:|---:|" * len(searches),
        ]
        for name, r in results.items():
            cells = []
            for k, _ in searches:
                m = r.get(k)
                best = None if m is None else m["max_sustained_rate"]
                fail = None if m is None else m["first_failing_rate"]
                strict = (r.get("max") or {}).get("max_sustained_rate")
                if k == "ceiling" and strict is not None and (best is None or best < strict):
                    # a pass at the strict bound is a pass at the looser one
                    shown = f"{strict:g} (from the p99 <= {args.max_p99_ms:g} search)"
                elif best is None and m is not None and m["steps"]:
                    shown = f"none from {m['steps'][0]['offered_rate']:g}"
                else:
                    shown = "-" if best is None else f"{best:g}"
                cells.append(f"{shown} | {'-' if fail is None else f'{fail:g}'}")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines += ["", "Every step of the searches:", "", STEP_HEAD]
        for name, r in results.items():
            for k, p in searches:
                for st in r.get(k, {}).get("steps", []):
                    lines.append(step_row(f"{name} (p99 <= {p:g})", st))
    lines += [
        "",
        "`>=`: some requests hit the client timeout, so the figure is a lower bound. "
        "Loadgen CPU is the generator's own share of one core; send lag is how late it "
        "started requests; load is the 1-minute load average when the run started.",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--bank", type=int, default=1_000_000, help="random PDQ values in the bank")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--export", type=Path, help="write images/ and bank-pdq.txt here and stop")
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--duration", type=float, default=60.0, help="measured seconds at --rate")
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--timeout", type=float, default=10.0, help="client timeout per request")
    ap.add_argument("--no-find-max", action="store_true")
    ap.add_argument("--step-duration", type=float, default=20.0, help="seconds per find-max step")
    ap.add_argument("--start-rate", type=float, default=50.0, help="childsafe find-max start")
    ap.add_argument("--hma-start-rate", type=float, default=10.0, help="HMA find-max start")
    ap.add_argument("--max-p99-ms", type=float, default=100.0)
    ap.add_argument(
        "--ceiling-p99-ms",
        type=float,
        default=1000.0,
        help="second search, for the throughput ceiling (0: skip)",
    )
    ap.add_argument("--pause", type=float, default=5.0, help="seconds between runs")
    ap.add_argument("--workers", type=int, default=2, help="childsafe serve --workers")
    ap.add_argument("--port", type=int, default=0, help="childsafe port (0: a free one)")
    ap.add_argument("--database-url", default="", help="childsafe store (default: SQLite)")
    ap.add_argument("--home", type=Path, help="keep and reuse the childsafe home here")
    ap.add_argument("--skip-childsafe", action="store_true")
    ap.add_argument("--hma-url", help="base URL of a running HMA 2.0 loaded with --export")
    ap.add_argument("--hma-note", default="", help="how HMA was run, for the results file")
    ap.add_argument("--out", type=Path, help="write the markdown report here")
    ap.add_argument("--json-out", type=Path, help="also save the raw figures here")
    ap.add_argument("--render", type=Path, help="re-write the report from a --json-out file")
    args = ap.parse_args()

    if args.render:
        saved = json.loads(args.render.read_text())
        run_args = ap.parse_args(saved["argv"])
        text = report(
            saved["results"],
            run_args,
            saved["machine"],
            saved["images"],
            saved["banked"],
            saved["argv"],
        )
        write_report(text, args.out)
        return
    if args.export:
        export(args.export, args.bank, args.seed)
        return

    results: dict[str, dict[str, Any]] = {}
    machine = describe(("numpy", "numba", "pillow", "fastapi", "uvicorn"))
    with tempfile.TemporaryDirectory(prefix="childsafe-scan-bench-") as tmp:
        images_dir = Path(tmp) / "images"
        images = make_images(images_dir)
        n_banked = sum(banked(p) for p in images)
        print(f"  {len(images)} images, {n_banked} banked", flush=True)

        if not args.skip_childsafe:
            home = args.home or Path(tmp) / "home"
            home.mkdir(parents=True, exist_ok=True)
            env = childsafe_env(home, args.database_url)
            build_home(home, args.database_url, bank_values(args.bank, args.seed, images))
            key = create_key(env)
            port = args.port or free_port()
            base = f"http://127.0.0.1:{port}"
            proc = start_server(env, port, args.workers, Path(tmp) / "server.log")
            try:
                path = wait_healthy(base, proc, 600)
                print(f"  childsafe healthy at {base}{path}", flush=True)
                results["childsafe"] = measure("childsafe", base, images_dir, key, args)
            finally:
                stop_server(proc)
                log = (Path(tmp) / "server.log").read_text(errors="replace")
                print("  server log tail:\n" + "\n".join(log.splitlines()[-10:]), flush=True)

        if args.hma_url:
            base = args.hma_url.rstrip("/")
            wait_healthy(base, None, 60)
            results["hma"] = measure("hma", base, images_dir, "", args)

    argv = sys.argv[1:]
    if args.json_out:
        saved = {
            "argv": argv,
            "machine": machine,
            "images": len(images),
            "banked": n_banked,
            "results": results,
        }
        args.json_out.write_text(json.dumps(saved, indent=1) + "\n")
    write_report(report(results, args, machine, len(images), n_banked, argv), args.out)


def write_report(text: str, out: Path | None) -> None:
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)


if __name__ == "__main__":
    main()

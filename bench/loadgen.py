"""Open-loop load generator for a scan endpoint: fixed arrival rate, latency from the schedule.

Requests are *scheduled* at a fixed rate (``--rate`` per second, evenly spaced, or Poisson with
``--arrival poisson``) whether or not earlier ones have been answered, and each latency is
measured from the moment the request was due, not from when it was actually sent. That is what
a service sees from real users: uploads keep arriving while it is busy, so when it falls behind
the queue grows and every later request waits in it.

A closed-loop generator (N clients, each sending its next request only after the previous
answer, as ``wrk`` or ``ab`` do) hides exactly that. When the server stalls, the clients stall
with it and stop sending, so the stalled period contributes one slow sample per client instead
of the hundreds of requests that would have arrived meanwhile ("coordinated omission"); and
its request rate is an *outcome* of the server's speed, so "p99 at 100 requests/s" cannot even
be asked of it. Here the offered rate is an input, the achieved rate is reported beside it,
and a server that cannot keep up shows it as a growing p99 and an achieved rate below offered.

The request bodies are built once, before the run: every JPEG in ``--images`` is read into
memory and wrapped in a ready multipart body (request line and headers included), so the
generator spends its CPU on sockets, not on encoding. The default client is a minimal
HTTP/1.1 client on asyncio streams with a keep-alive pool (:class:`RawClient`); ``--client
httpx`` uses ``httpx.AsyncClient`` instead. Against a trivial local server sending ~230 kB
uploads at 300/s, httpx used 41% of a core and fell behind its schedule when the machine was
busy, the raw client 7% (24% at 1,600/s on an idle machine, still on schedule). Either way
the generator reports its own CPU use and how late it started requests (``send_lag``): on a
2-core machine it shares the cores with the server, and a late generator would understate
the load.

``--find-max`` steps the rate up geometrically until steps fail (p99 above ``--max-p99-ms``,
any error, or achieved rate below 95% of offered), then bisects between the last passing and
the first failing rate (details in :func:`find_max`).

    python bench/loadgen.py --target childsafe --url http://127.0.0.1:8000 --api-key KEY \
        --images DIR --rate 100 --duration 30 --warmup 5
    python bench/loadgen.py --target hma --url http://127.0.0.1:5100 --images DIR --find-max

Request shapes: ``childsafe`` posts the file as multipart field ``file`` to ``/v1/scan`` with
``Authorization: Bearer KEY`` and reads ``decision`` and ``matches``; ``hma`` posts it as
multipart field ``photo`` (the field name is HMA's content type) to ``/m/lookup``, which
hashes and matches in one request, and counts a match when any bank list is non-empty.
The JSON result goes to stdout (or ``--json-out``); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import resource
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

BOUNDARY = "childsafe-loadgen-7f3a9c"
FIELD = {"childsafe": "file", "hma": "photo"}
PATH = {"childsafe": "/v1/scan", "hma": "/m/lookup"}
HEALTH = {"childsafe": "/healthz", "hma": "/status/live"}


@dataclass
class Body:
    name: str
    data: bytes


@dataclass
class StepResult:
    offered_rate: float
    duration_s: float
    sent: int
    completed: int
    achieved_rate: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    statuses: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    error_kinds: dict[str, int] = field(default_factory=dict)
    #: latencies at or above the client timeout are censored: the percentiles are lower bounds
    censored: int = 0
    send_lag_p99_ms: float = 0.0
    send_lag_max_ms: float = 0.0
    generator_cpu_pct: float = 0.0
    #: 1-minute load average when the step started (the machine may be shared)
    load_avg: float = 0.0
    passed: bool = False


def multipart(field_name: str, filename: str, data: bytes) -> bytes:
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="{field_name}"; filename="{filename}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def load_bodies(images: Path, target: str) -> list[Body]:
    files = sorted(p for p in images.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    if not files:
        raise SystemExit(f"no .jpg files in {images}")
    return [Body(p.name, multipart(FIELD[target], p.name, p.read_bytes())) for p in files]


def outcome(target: str, payload: Any) -> str:
    """One label per answer: childsafe's decision, or HMA's match / no-match."""
    if target == "childsafe":
        decision = str(payload.get("decision", "?"))
        return f"{decision}+match" if payload.get("matches") else decision
    hit = any(
        bool(items)
        for by_bank in payload.values()
        if isinstance(by_bank, dict)
        for items in by_bank.values()
    )
    return "match" if hit else "no-match"


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return math.nan
    k = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[k]


def schedule(rate: float, total_s: float, arrival: str, seed: int) -> list[float]:
    """Offsets (seconds from start) at which requests are due."""
    if arrival == "uniform":
        return [i / rate for i in range(int(total_s * rate))]
    rnd = random.Random(seed)
    out, t = [], rnd.expovariate(rate)
    while t < total_s:
        out.append(t)
        t += rnd.expovariate(rate)
    return out


class RequestError(Exception):
    """A request that got no HTTP answer: ``kind`` is "timeout" or the error's name."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class HttpxClient:
    """httpx.AsyncClient, HTTP/1.1 with a keep-alive pool."""

    def __init__(self, url: str, headers: dict[str, str], args: argparse.Namespace) -> None:
        self.url = url
        limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=64)
        timeout = httpx.Timeout(args.timeout, pool=args.timeout)
        self.client = httpx.AsyncClient(limits=limits, timeout=timeout, headers=headers)

    async def post(self, body: bytes) -> tuple[int, bytes]:
        try:
            r = await self.client.post(self.url, content=body)
        except httpx.TimeoutException as e:
            raise RequestError("timeout") from e
        except httpx.HTTPError as e:
            raise RequestError(type(e).__name__) from e
        return r.status_code, r.content

    async def aclose(self) -> None:
        await self.client.aclose()


class RawClient:
    """A minimal HTTP/1.1 client on asyncio streams, for a generator that stays out of the way.

    Each request is one pre-built byte string (request line, headers and multipart body) and
    one ``write``; the answer is read by Content-Length (or chunked). Connections are kept
    alive and reused unless the server says ``Connection: close``; at most ``--connections``
    are open, and a request waiting for one is still timed from when it was due.
    """

    def __init__(self, url: str, headers: dict[str, str], args: argparse.Namespace) -> None:
        u = httpx.URL(url)
        if u.scheme != "http":
            raise SystemExit("--client raw speaks plain http only")
        self.host, self.port = u.host, u.port or 80
        head = f"POST {u.raw_path.decode()} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.head = head
        self.timeout = args.timeout
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(args.connections)
        self.prepared: dict[int, bytes] = {}

    def prepare(self, body: bytes) -> bytes:
        key = id(body)
        req = self.prepared.get(key)
        if req is None:
            req = f"{self.head}Content-Length: {len(body)}\r\n\r\n".encode() + body
            self.prepared[key] = req
        return req

    async def _exchange(
        self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], req: bytes
    ) -> tuple[int, bytes, bool]:
        reader, writer = conn
        writer.write(req)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        hdrs = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                hdrs[k.strip().lower()] = v.strip().lower()
        if "content-length" in hdrs:
            data = await reader.readexactly(int(hdrs["content-length"]))
        elif hdrs.get("transfer-encoding") == "chunked":
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            data = b"".join(parts)
        else:
            data = await reader.read()
            hdrs["connection"] = "close"
        return status, data, hdrs.get("connection") != "close"

    async def post(self, body: bytes) -> tuple[int, bytes]:
        req = self.prepare(body)
        try:
            async with asyncio.timeout(self.timeout), self.slots:
                for attempt in (0, 1):
                    reused = attempt == 0 and bool(self.idle)
                    conn = self.idle.pop() if reused else await self._connect()
                    try:
                        status, data, keep = await self._exchange(conn, req)
                    except (asyncio.IncompleteReadError, ConnectionError):
                        conn[1].close()
                        if reused and attempt == 0:
                            continue  # the server closed an idle connection: retry fresh
                        raise
                    except BaseException:  # timed out (cancelled) mid-answer: drop it
                        conn[1].close()
                        raise
                    if keep:
                        self.idle.append(conn)
                    else:
                        conn[1].close()
                    return status, data
        except TimeoutError as e:
            raise RequestError("timeout") from e
        except (OSError, asyncio.IncompleteReadError, ValueError) as e:
            raise RequestError(type(e).__name__) from e
        raise RequestError("unreachable")

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port, limit=1 << 20)

    async def aclose(self) -> None:
        for _, w in self.idle:
            w.close()
        self.idle.clear()


async def run_step(
    args: argparse.Namespace,
    bodies: list[Body],
    rate: float,
    duration: float | None = None,
    log: bool = True,
) -> StepResult:
    duration = args.duration if duration is None else duration
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    if args.api_key:
        headers["Authorization"] = f"Bearer {args.api_key}"
    url = args.url.rstrip("/") + PATH[args.target]
    offsets = schedule(rate, args.warmup + duration, args.arrival, args.seed)
    order = list(range(len(bodies)))
    random.Random(args.seed).shuffle(order)

    lat: list[float] = []
    lags: list[float] = []
    statuses: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    censored = 0
    last_done = 0.0

    client = (RawClient if args.client == "raw" else HttpxClient)(url, headers, args)
    try:

        async def one(i: int, due: float, measured: bool) -> None:
            nonlocal censored, last_done
            lag = time.perf_counter() - due
            body = bodies[order[i % len(order)]]
            kind = None
            try:
                code, content = await client.post(body.data)
                done = time.perf_counter()
                status = str(code)
                if code == 200:
                    try:
                        label = outcome(args.target, json.loads(content))
                    except ValueError:
                        label, kind = "bad-json", "bad-json"
                else:
                    label, kind = "http-error", f"http {code}"
            except RequestError as e:
                done = time.perf_counter()
                kind = e.kind
                status = label = "timeout" if e.kind == "timeout" else "conn-error"
            if not measured:
                return
            latency = done - due
            if status == "timeout":
                censored += 1
                latency = max(latency, args.timeout)
            lat.append(latency)
            lags.append(lag)
            statuses[status] += 1
            outcomes[label] += 1
            if kind:
                errors[kind] += 1
            last_done = max(last_done, done)

        load_avg = os.getloadavg()[0]
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        wall0 = time.perf_counter()
        start = wall0 + 0.05
        tasks = []
        first_measured = start + args.warmup
        next_report = start + 5
        for i, off in enumerate(offsets):
            due = start + off
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, due, off >= args.warmup)))
            now = time.perf_counter()
            if log and now >= next_report:
                pending = sum(1 for t in tasks if not t.done())
                print(
                    f"    {now - start:5.0f} s  sent {i + 1}  in flight {pending}",
                    file=sys.stderr,
                    flush=True,
                )
                next_report = now + 5
        sent = len(tasks)
        await asyncio.gather(*tasks)
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        wall1 = time.perf_counter()
    finally:
        await client.aclose()

    lat.sort()
    lags.sort()
    completed = len(lat)
    span = (last_done - first_measured) if completed else math.nan
    ok = completed - sum(errors.values())
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    res = StepResult(
        offered_rate=rate,
        duration_s=duration,
        sent=sent,
        completed=completed,
        achieved_rate=ok / max(span, duration) if completed else 0.0,
        p50_ms=percentile(lat, 0.50) * 1000,
        p90_ms=percentile(lat, 0.90) * 1000,
        p99_ms=percentile(lat, 0.99) * 1000,
        max_ms=(lat[-1] * 1000) if lat else math.nan,
        errors=sum(errors.values()),
        statuses=dict(statuses),
        outcomes=dict(outcomes),
        error_kinds=dict(errors),
        censored=censored,
        send_lag_p99_ms=percentile(lags, 0.99) * 1000,
        send_lag_max_ms=(lags[-1] * 1000) if lags else math.nan,
        generator_cpu_pct=100 * cpu / (wall1 - wall0),
        load_avg=load_avg,
    )
    res.passed = (
        res.errors == 0
        and res.p99_ms <= args.max_p99_ms
        and res.achieved_rate >= 0.95 * rate
        and completed > 0
    )
    return res


def describe_step(r: StepResult) -> str:
    lb = ">=" if r.censored else ""
    return (
        f"  offered {r.offered_rate:g}/s achieved {r.achieved_rate:.1f}/s  "
        f"p50 {lb}{r.p50_ms:.1f} p90 {lb}{r.p90_ms:.1f} p99 {lb}{r.p99_ms:.1f} "
        f"max {lb}{r.max_ms:.1f} ms  errors {r.errors}  gen CPU {r.generator_cpu_pct:.0f}%  "
        f"send lag p99 {r.send_lag_p99_ms:.1f} ms  load {r.load_avg:.1f}  "
        f"-> {'pass' if r.passed else 'FAIL'}"
    )


def drained(url: str, limit_s: float = 300.0) -> float:
    """Wait until the health URL answers within 0.5 s: the server has worked off its backlog.

    Seconds waited. The probe queues behind whatever the server still holds (a request whose
    client gave up is often still processed), so a quick answer means the queue is empty.
    """
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit_s:
        s = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=limit_s) as r:
                r.read()
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
            continue
        if time.perf_counter() - s < 0.5:
            break
    return time.perf_counter() - t0


async def settle(args: argparse.Namespace) -> None:
    """Between steps: let the server drain any backlog, then pause, so steps do not bleed."""
    waited = await asyncio.to_thread(drained, args.url.rstrip("/") + HEALTH[args.target])
    if waited > 1:
        print(f"    server drained its backlog in {waited:.0f} s", file=sys.stderr, flush=True)
    await asyncio.sleep(args.pause)


def saturated(r: StepResult) -> bool:
    """The server could not keep up at all: errors, or answers well below the offered rate."""
    return r.errors > 0 or r.achieved_rate < 0.95 * r.offered_rate


async def find_max(args: argparse.Namespace, bodies: list[Body]) -> dict[str, Any]:
    """Highest rate that passes: a geometric ladder up to overload, then bisection above it.

    Each step lasts ``--duration`` or long enough for ``--min-requests`` measured requests,
    whichever is longer, so a low rate's p99 is not just its slowest request. A step that
    fails without saturating the server (p99 over the bound only) is repeated once and
    passes if the repeat passes: on a shared machine a burst of someone else's work should
    not decide the answer, and both runs are reported. The ladder does not stop at such a
    failure, because p99 need not fall with the rate (at low rates idle cores wake slowly);
    it stops once the server is overloaded: errors, answers below 95% of the offered rate,
    or p99 above ten times the bound. Bisection then runs between the highest passing rate
    and the lowest failing rate above it. Nothing below ``--start-rate`` is tried.
    """
    steps: list[StepResult] = []

    def overloaded(r: StepResult) -> bool:
        return saturated(r) or r.p99_ms > 10 * args.max_p99_ms

    async def step(rate: float) -> bool:
        rate = round(rate, 1)
        duration = max(args.duration, args.min_requests / rate)
        for attempt in (1, 2):
            print(
                f"  step at {rate:g}/s for {duration:.0f} s"
                + (" (repeat)" if attempt == 2 else ""),
                file=sys.stderr,
                flush=True,
            )
            r = await run_step(args, bodies, rate, duration, log=False)
            print(describe_step(r), file=sys.stderr, flush=True)
            steps.append(r)
            await settle(args)
            if r.passed or saturated(r) or not args.confirm:
                return r.passed
        return False

    best: float | None = None
    first_fail: float | None = None  # lowest failing rate above ``best``
    rate = args.start_rate
    while rate <= args.max_rate:
        if await step(rate):
            best, first_fail = rate, None
        else:
            first_fail = rate if first_fail is None else first_fail
            if overloaded(steps[-1]):
                break
        rate *= args.step_factor
    hi = first_fail
    if best is not None and hi is not None:
        lo = best
        while (hi - lo) > max(args.resolution, 0.05 * hi):
            mid = (lo + hi) / 2
            if await step(mid):
                lo = best = mid
            else:
                hi = mid
    return {
        "mode": "find-max",
        "criteria": {
            "p99_ms_max": args.max_p99_ms,
            "errors": 0,
            "achieved_over_offered_min": 0.95,
            "min_requests": args.min_requests,
            "confirm": args.confirm,
        },
        "max_sustained_rate": None if best is None else round(best, 1),
        "first_failing_rate": None if hi is None else round(hi, 1),
        "steps": [asdict(s) for s in steps],
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--target", choices=sorted(PATH), required=True)
    ap.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8000")
    ap.add_argument("--images", type=Path, required=True, help="directory of .jpg files")
    ap.add_argument("--api-key", default="", help="sent as 'Authorization: Bearer KEY'")
    ap.add_argument("--rate", type=float, default=100.0, help="requests per second (offered)")
    ap.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds at the rate, not counted")
    ap.add_argument("--arrival", choices=("uniform", "poisson"), default="uniform")
    ap.add_argument("--timeout", type=float, default=10.0, help="per-request timeout, seconds")
    ap.add_argument("--connections", type=int, default=256, help="connection pool size")
    ap.add_argument(
        "--client", choices=("raw", "httpx"), default="raw", help="HTTP client (see docstring)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--find-max", action="store_true", help="search the highest passing rate")
    ap.add_argument("--max-p99-ms", type=float, default=100.0, help="pass criterion")
    ap.add_argument("--start-rate", type=float, default=25.0)
    ap.add_argument("--max-rate", type=float, default=1000.0)
    ap.add_argument(
        "--min-requests", type=int, default=300, help="find-max: measured requests per step"
    )
    ap.add_argument(
        "--no-confirm",
        dest="confirm",
        action="store_false",
        help="find-max: do not repeat a step that failed on p99 alone",
    )
    ap.add_argument("--step-factor", type=float, default=1.5)
    ap.add_argument(
        "--resolution", type=float, default=1.0, help="bisect until within this or 5%%, req/s"
    )
    ap.add_argument("--pause", type=float, default=3.0, help="seconds between find-max steps")
    ap.add_argument("--json-out", type=Path, help="write the JSON result here, not stdout")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    bodies = load_bodies(args.images, args.target)
    mb = sum(len(b.data) for b in bodies) / 1e6
    print(
        f"  {args.target} {args.url}: {len(bodies)} images ({mb:.1f} MB) pre-built",
        file=sys.stderr,
        flush=True,
    )
    if args.find_max:
        result = asyncio.run(find_max(args, bodies))
    else:
        r = asyncio.run(run_step(args, bodies, args.rate))
        print(describe_step(r), file=sys.stderr, flush=True)
        result = {"mode": "fixed-rate", **asdict(r)}
    result.update(
        target=args.target,
        url=args.url,
        images=len(bodies),
        arrival=args.arrival,
        warmup_s=args.warmup,
        timeout_s=args.timeout,
    )
    text = json.dumps(result, indent=2, allow_nan=True)
    if args.json_out:
        args.json_out.write_text(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()

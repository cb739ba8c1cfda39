"""``childsafe serve`` as an operator runs it: real processes, several workers, one database."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from childsafe.banks import BankService
from childsafe.plugins import Registry
from childsafe.scan.hashing import banked_signals, hash_bytes
from childsafe.settings import Settings
from childsafe.store import open_store
from tests.api.conftest import jpeg

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(
    make_database: Callable[..., str], tmp_path: Path
) -> Iterator[tuple[str, str, str, Path]]:
    """A two-worker server with the demo seeded: (base url, demo key, database url, home)."""
    db = make_database()
    port = _free_port()
    home = tmp_path / "home"
    env = {
        **os.environ,
        "CHILDSAFE_DATABASE_URL": db,
        "CHILDSAFE_REFRESH_INTERVAL_S": "0.5",
        "CHILDSAFE_DISPATCH_WEBHOOKS": "false",
    }
    out = tmp_path / "stdout.txt"
    with out.open("w") as stdout:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "childsafe",
                "--home",
                str(home),
                "serve",
                "--demo",
                "--workers",
                "2",
                "--port",
                str(port),
            ],
            env=env,
            stdout=stdout,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, out.read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.2)
        m = re.search(r"Bearer (cs_[^\s\"]+)", out.read_text())
        assert m, out.read_text()
        yield base, m.group(1), db, home
    finally:
        proc.terminate()
        proc.wait(30)


def test_demo_server_prints_a_working_request_and_blocks_altered_copies(server) -> None:  # type: ignore[no-untyped-def]
    base, key, _, home = server
    h = {"Authorization": f"Bearer {key}"}
    uploads = sorted((home / "demo-uploads").glob("*.jpg"))
    decisions = {}
    for p in uploads:
        r = httpx.post(f"{base}/v1/scan", files={"file": p.read_bytes()}, headers=h, timeout=30)
        assert r.status_code == 200, r.text
        decisions[p.name] = r.json()["decision"]
    assert all(d == "block" for n, d in decisions.items() if n.startswith("known-")), decisions
    assert all(d == "allow" for n, d in decisions.items() if n.startswith("unrelated-"))


def test_every_worker_sees_a_bank_change_within_five_seconds(server, registry: Registry) -> None:  # type: ignore[no-untyped-def]
    base, key, db, home = server
    h = {"Authorization": f"Bearer {key}"}
    with open_store(Settings(home=home, database_url=db)) as store:
        banks = BankService(store, registry)
        banks.create_bank("added-later")
        signals, _ = banked_signals(hash_bytes(jpeg(42), registry), (), 0)
        banks.add_entry("added-later", signals)
        target = banks.last_change_seq()
    t0 = time.monotonic()
    caught_up: dict[int, float] = {}
    seen: set[int] = set()
    while time.monotonic() - t0 < 15 and (len(seen) < 2 or len(caught_up) < len(seen)):
        # A new connection each time, so the kernel spreads requests over both workers.
        st = httpx.get(f"{base}/v1/status", headers=h, timeout=5).json()
        pid = st["pid"]
        seen.add(pid)
        if st["matcher"]["change_seq"] >= target and pid not in caught_up:
            caught_up[pid] = time.monotonic() - t0
        time.sleep(0.02)
    assert len(seen) == 2, "requests never reached the second worker"
    assert set(caught_up) == seen
    assert max(caught_up.values()) < 5.0, caught_up
    r = httpx.post(f"{base}/v1/scan", files={"file": jpeg(42)}, headers=h, timeout=30)
    assert r.json()["decision"] == "block"


def test_demo_chat_batch_works_and_workers_share_chat_state(server) -> None:  # type: ignore[no-untyped-def]
    """The printed chat request answers with bands; batches for one pair spread over both
    workers at once all count, because the pair's state lives in the store."""
    from concurrent.futures import ThreadPoolExecutor

    base, key, _, home = server
    h = {"Authorization": f"Bearer {key}", "content-type": "application/json"}
    demo = (home / "demo-chat.json").read_bytes()
    r = httpx.post(f"{base}/v1/chat/messages", content=demo, headers=h, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["pairs"][0]["band"] in ("restrict_adult", "urgent_review")

    accounts = {"w_adult": {"declared_age": 30}, "w_child": {"declared_age": 12}}

    def send(i: int) -> int:
        body = {
            "accounts": accounts,
            "messages": [
                {"id": f"w{i}", "sender": "w_adult", "recipients": ["w_child"],
                 "time": 1_000_000 + i, "text": "did you finish the level"}
            ],
        }  # fmt: skip
        reply = httpx.post(f"{base}/v1/chat/messages", json=body, headers=h, timeout=30)
        assert reply.status_code == 200, reply.text
        return int(httpx.get(f"{base}/v1/status", headers=h, timeout=5).json()["pid"])

    with ThreadPoolExecutor(6) as pool:
        pids = set(pool.map(send, range(40)))
    assert len(pids) == 2, "requests never reached the second worker"
    pair = httpx.get(
        f"{base}/v1/chat/pair", params={"adult": "w_adult", "minor": "w_child"}, headers=h
    )
    assert pair.json()["messages_adult_to_minor"] == 40

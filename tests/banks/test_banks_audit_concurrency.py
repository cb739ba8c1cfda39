"""Curators in separate processes' worth of engines at once: still one unbroken audit chain."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from childsafe.auth import KeyService
from childsafe.banks import BankExists, BankService
from childsafe.plugins import Registry
from childsafe.settings import Settings
from childsafe.store import Store, audit, open_store, unit_of_work
from tests.factories.hashes import random_pdq

WORKERS = 4


@pytest.fixture
def stores(make_database: Callable[..., str], tmp_path: Path) -> Iterator[list[Store]]:
    """One store (own engine, own pool) per worker; a file database on SQLite."""
    settings = Settings(home=tmp_path, database_url=make_database())
    opened = [open_store(settings) for _ in range(WORKERS)]
    yield opened
    for s in opened:
        s.close()


def test_mixed_curation_at_once_makes_one_chain(
    stores: list[Store], registry: Registry, rng: random.Random
) -> None:
    values = [[random_pdq(rng) for _ in range(25)] for _ in range(WORKERS)]
    barrier = threading.Barrier(WORKERS)

    def work(i: int) -> int:
        """Returns how many events this worker's successful changes should have appended."""
        banks = BankService(stores[i], registry, actor=f"cli:worker-{i}")
        keys = KeyService(stores[i], actor=f"cli:worker-{i}")
        barrier.wait()
        n = 0
        try:
            banks.create_bank("shared")  # all race for it; one wins
            n += 1
        except BankExists:
            pass
        banks.create_bank(f"own-{i}")
        keys.create(f"key-{i}", ["scan"])
        n += 2
        for v in values[i][:3]:
            banks.add_entry(f"own-{i}", {"pdq": v})
            n += 1
        report = banks.import_signals(f"own-{i}", values[i], signal_type="pdq", batch_size=7)
        assert (report.added, report.duplicates) == (22, 3)
        banks.update_bank(f"own-{i}", action="review")
        keys.revoke(f"key-{i}")
        return n + 3

    with ThreadPoolExecutor(WORKERS) as pool:
        expected = sum(pool.map(work, range(WORKERS)))

    assert expected == WORKERS * 8 + 1
    with unit_of_work(stores[0].sessions, write=False) as s:
        assert audit.verify(s) == (expected, None)
        events = list(audit.iter_events(s))
    assert [e.seq for e in events] == list(range(1, expected + 1))
    assert sum(e.action == "bank.create" and e.details["bank"] == "shared" for e in events) == 1
    for i in range(WORKERS):
        mine = [e.action for e in events if e.actor == f"cli:worker-{i}"]
        assert mine.count("entry.create") == 3 and mine.count("bank.import") == 1
        assert mine[-2:] == ["bank.update", "key.revoke"]

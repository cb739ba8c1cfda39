"""Writers in separate connections at once, with real commits (no rolled-back test transaction)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from childsafe.banks import BankExists, BankService, DuplicateSignal
from childsafe.plugins import Registry
from childsafe.settings import Settings
from childsafe.store import Store, open_store
from tests.factories.hashes import random_pdq

T = TypeVar("T")
WORKERS = 6


@pytest.fixture
def stores(
    make_database: Callable[..., str],
    tmp_path: Path,
    registry: Registry,
) -> Iterator[list[Store]]:
    """One store (own engine, own pool) per worker, as separate processes would have."""
    url = make_database(migrate=False)  # open_store migrates, concurrently on purpose
    settings = Settings(home=tmp_path, database_url=url)
    with ThreadPoolExecutor(WORKERS) as pool:
        opened = list(pool.map(lambda _: open_store(settings), range(WORKERS)))
    yield opened
    for s in opened:
        s.close()


def _race(
    stores: list[Store], registry: Registry, fn: Callable[[BankService, int], T]
) -> list[T | Exception]:
    barrier = threading.Barrier(len(stores))

    def run(i: int) -> T | Exception:
        svc = BankService(stores[i], registry)
        barrier.wait()
        try:
            return fn(svc, i)
        except Exception as e:
            return e

    with ThreadPoolExecutor(len(stores)) as pool:
        return list(pool.map(run, range(len(stores))))


def test_same_bank_name_at_once(stores: list[Store], registry: Registry) -> None:
    results = _race(stores, registry, lambda svc, i: svc.create_bank("harbor"))
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == WORKERS - 1
    assert all(isinstance(e, BankExists) for e in errors), errors
    assert [b.name for b in BankService(stores[0], registry).list_banks()] == ["harbor"]


def test_same_signal_at_once(stores: list[Store], registry: Registry, rng: random.Random) -> None:
    svc = BankService(stores[0], registry)
    svc.create_bank("harbor")
    pdq = random_pdq(rng)
    results = _race(stores, registry, lambda s, i: s.add_entry("harbor", {"pdq": pdq}))
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == WORKERS - 1
    assert all(isinstance(e, DuplicateSignal) for e in errors), errors
    assert svc.get_bank("harbor").entry_count == 1


def test_overlapping_imports(stores: list[Store], registry: Registry, rng: random.Random) -> None:
    svc = BankService(stores[0], registry)
    svc.create_bank("harbor")
    values = [random_pdq(rng) for _ in range(300)]
    seq = svc.last_change_seq()

    def imp(s: BankService, i: int) -> int:
        part = values[i * 30 : i * 30 + 150]  # each overlaps its neighbours
        return s.import_signals("harbor", part, signal_type="pdq", batch_size=40).added

    results = _race(stores, registry, imp)
    assert not [r for r in results if isinstance(r, Exception)], results
    expected = len(set(values[: (WORKERS - 1) * 30 + 150]))
    assert sum(r for r in results if isinstance(r, int)) == expected
    assert svc.get_bank("harbor").entry_count == expected
    seqs = [c.seq for c in svc.changes_since(seq, limit=10_000)]
    # Committed in seq order: nothing a poller saw as "newest" is followed by a smaller seq.
    assert len(seqs) == expected and seqs == sorted(seqs)

"""Several dispatchers on one database, each with its own engine as separate processes would be.

These need real commits (a file database on SQLite), not the rolled-back test transaction.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select, text

from childsafe.actions import SCAN_BLOCK, Dispatcher, WebhookService, enqueue
from childsafe.store import OutboxMessage, Store, create_engine_for, make_session_factory
from childsafe.store.engine import unit_of_work
from tests.actions.conftest import Clock
from tests.actions.receiver import Receiver


@pytest.fixture
def second_store(own_store: Store) -> Iterator[Store]:
    """The same database through another engine and pool."""
    engine = create_engine_for(own_store.url)
    yield Store(engine=engine, sessions=make_session_factory(engine))
    engine.dispose()


def _enqueue(store: Store, n: int, clock: Clock | None = None) -> None:
    with unit_of_work(store.sessions) as s:
        for i in range(n):
            enqueue(s, SCAN_BLOCK, {"scan_id": i}, now=clock() if clock else None)


def _rows(store: Store) -> list[OutboxMessage]:
    with unit_of_work(store.sessions, write=False) as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_leased_row_is_not_claimed_by_another_dispatcher(
    own_store: Store, second_store: Store, receiver: Receiver
) -> None:
    WebhookService(own_store).create("mod", receiver.url)
    _enqueue(own_store, 1)
    receiver.hold_first = True
    a, b = Dispatcher(own_store), Dispatcher(second_store)
    try:
        result = []
        worker = threading.Thread(target=lambda: result.append(a.run_once()))
        worker.start()
        assert receiver.entered.wait(10)  # a holds the lease, mid-request
        assert b.run_once().claimed == 0
        receiver.release.set()
        worker.join(10)
    finally:
        a.close()
        b.close()
    assert result[0].delivered == 1
    assert len(receiver.hits) == 1


class Crash(BaseException):
    """The process dying mid-pass: not an ``Exception``, so nothing on the way catches it."""


def test_a_crashed_dispatchers_lease_expires_and_is_reclaimed(
    own_store: Store, second_store: Store, receiver: Receiver
) -> None:
    WebhookService(own_store).create("mod", receiver.url)
    clock = Clock()
    _enqueue(own_store, 2, clock)

    def die(request: httpx.Request) -> httpx.Response:
        raise Crash

    client = httpx.Client(transport=httpx.MockTransport(die))
    crashing = Dispatcher(own_store, client=client, concurrency=1, clock=clock)
    with pytest.raises(Crash):
        crashing.run_once()
    client.close()
    leased = _rows(own_store)
    assert all(r.locked_until == clock.now + crashing.lease for r in leased)

    b = Dispatcher(second_store, clock=clock)
    try:
        clock.advance(59)
        assert b.run_once().claimed == 0  # the lease still stands
        clock.advance(2)
        assert b.run_once().delivered == 2
    finally:
        b.close()
    assert [r.attempts for r in _rows(own_store)] == [1, 1]
    assert sorted(receiver.deliveries()) == sorted(str(r.id) for r in leased)


def test_a_stalled_dispatcher_does_not_overwrite_the_one_that_took_over(
    own_store: Store, second_store: Store, receiver: Receiver
) -> None:
    WebhookService(own_store).create("mod", receiver.url)
    _enqueue(own_store, 1)
    receiver.hold_first = True
    receiver.respond(500)  # what the stalled one will hear, too late to matter
    late = Clock()
    a = Dispatcher(own_store)
    b = Dispatcher(second_store, clock=lambda: late.now)
    try:
        result = []
        worker = threading.Thread(target=lambda: result.append(a.run_once()))
        worker.start()
        assert receiver.entered.wait(10)
        late.advance(120)  # b lives past a's lease
        assert b.run_once().delivered == 1
        receiver.release.set()
        worker.join(10)
    finally:
        a.close()
        b.close()
    assert (result[0].lost_lease, result[0].retried, result[0].delivered) == (1, 0, 0)
    (row,) = _rows(own_store)
    assert (row.delivered_at, row.attempts, row.last_error) == (late.now, 1, None)
    # At least once: the receiver saw the delivery id twice and dedupes on it.
    assert list(receiver.deliveries().values()) == [2]


def test_racing_dispatchers_deliver_each_row_once(
    own_store: Store, second_store: Store, receiver: Receiver
) -> None:
    WebhookService(own_store).create("mod", receiver.url)
    _enqueue(own_store, 100)
    stores = [own_store, second_store]
    dispatchers = [
        Dispatcher(stores[i % 2], batch=7, concurrency=3, rng=random.Random(i)) for i in range(4)
    ]
    barrier = threading.Barrier(len(dispatchers))
    claimed = [0] * len(dispatchers)

    def drain(i: int) -> None:
        barrier.wait()
        while (r := dispatchers[i].run_once()).claimed:
            claimed[i] += r.claimed

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(len(dispatchers))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for d in dispatchers:
            d.close()
    counts = receiver.deliveries()
    assert len(counts) == 100 and set(counts.values()) == {1}
    assert sum(claimed) == 100
    rows = _rows(own_store)
    assert all(r.delivered_at is not None and r.attempts == 1 for r in rows)
    assert sorted(counts) == sorted(str(r.id) for r in rows)


# SKIP LOCKED is PostgreSQL's; SQLite admits one writer at a time, so there is nothing to skip.
@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_rows_locked_by_another_transaction_are_skipped_not_waited_for(
    own_store: Store, second_store: Store, receiver: Receiver
) -> None:
    WebhookService(own_store).create("mod", receiver.url)
    _enqueue(own_store, 2)
    first, second = (r.id for r in _rows(own_store))
    d = Dispatcher(own_store)
    try:
        with second_store.engine.connect() as c, c.begin():
            c.execute(text("SELECT id FROM outbox WHERE id = :id FOR UPDATE"), {"id": first}).all()
            report = d.run_once()  # would hang here without SKIP LOCKED
            assert (report.claimed, report.delivered) == (1, 1)
        assert d.run_once().delivered == 1
    finally:
        d.close()
    assert [h.delivery for h in receiver.hits] == [str(second), str(first)]

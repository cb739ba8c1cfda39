"""The dispatcher against a real local HTTP receiver: signatures, retries, backoff, give-up.

Time is a :class:`Clock` the test moves, so a 20-minute retry schedule runs in milliseconds.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from childsafe import __version__
from childsafe.actions import SCAN_BLOCK, Dispatcher, WebhookService, enqueue
from childsafe.actions.dispatcher import body_bytes
from childsafe.store import OutboxMessage, Store, unit_of_work
from tests.actions.conftest import Clock
from tests.actions.receiver import Receiver

MakeDispatcher = Callable[..., Dispatcher]


@pytest.fixture
def make_dispatcher(
    session_factory: sessionmaker[Session], clock: Clock
) -> Iterator[MakeDispatcher]:
    made: list[Dispatcher] = []

    def make(**kw: Any) -> Dispatcher:
        kw.setdefault("clock", clock)
        kw.setdefault("rng", random.Random(7))
        d = Dispatcher(kw.pop("sessions", session_factory), **kw)
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


def _enqueue(
    sessions: sessionmaker[Session], n: int = 1, now: datetime | None = None, **data: Any
) -> None:
    with unit_of_work(sessions) as s:
        for i in range(n):
            data_i = {"scan_id": i, "content_id": f"upload-{i:04d}", **data}
            enqueue(s, SCAN_BLOCK, data_i, now=now)


def _row(sessions: sessionmaker[Session], message_id: int | None = None) -> OutboxMessage:
    with unit_of_work(sessions, write=False) as s:
        q = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)
        if message_id is not None:
            q = select(OutboxMessage).where(OutboxMessage.id == message_id)
        row = s.scalars(q).one()
        s.expunge(row)
        return row


def test_delivers_signed_requests_the_receiver_verifies(
    session_factory: sessionmaker[Session],
    webhooks: WebhookService,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: Clock,
) -> None:
    _, receiver.secret = webhooks.create("mod", receiver.url)
    _enqueue(session_factory, now=clock.now)
    report = make_dispatcher().run_once()
    assert (report.claimed, report.delivered, report.retried, report.failed) == (1, 1, 0, 0)

    (hit,) = receiver.hits
    row = _row(session_factory)
    assert hit.verified is True
    assert hit.path == "/hook"
    assert hit.headers["content-type"] == "application/json"
    assert hit.headers["user-agent"] == f"childsafe/{__version__}"
    assert hit.event == SCAN_BLOCK
    assert hit.delivery == str(row.id)
    assert hit.body == body_bytes(row.payload)
    assert hit.json() == row.payload
    assert hit.json()["data"] == {"scan_id": 0, "content_id": "upload-0000"}
    t = int(hit.headers["childsafe-signature"].split(",")[0].removeprefix("t="))
    assert t == int(clock.now.timestamp())

    assert (row.delivered_at, row.attempts, row.locked_until, row.failed_at) == (
        clock.now,
        1,
        None,
        None,
    )
    assert make_dispatcher().run_once().claimed == 0  # nothing is sent twice


def test_500_then_200_is_retried_and_delivered(
    session_factory: sessionmaker[Session],
    webhooks: WebhookService,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: Clock,
) -> None:
    _, receiver.secret = webhooks.create("mod", receiver.url)
    _enqueue(session_factory, now=clock.now)
    receiver.respond(500)
    d = make_dispatcher()
    start = clock.now
    assert d.run_once().retried == 1
    row = _row(session_factory)
    assert (row.attempts, row.last_error, row.delivered_at, row.locked_until) == (
        1,
        "HTTP 500",
        None,
        None,
    )
    assert start <= row.next_attempt_at <= start + _s(5)
    if row.next_attempt_at > clock.now:
        assert d.run_once().claimed == 0  # not due yet
    clock.to(row.next_attempt_at)
    assert d.run_once().delivered == 1
    row = _row(session_factory)
    assert (row.attempts, row.delivered_at) == (2, clock.now)
    assert row.last_error == "HTTP 500"  # the last failure stays for the record
    assert [h.delivery for h in receiver.hits] == [str(row.id)] * 2  # same id: receivers dedupe
    assert all(h.verified for h in receiver.hits)


def _s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def test_backoff_schedule_is_bounded_and_retries_run_out(
    session_factory: sessionmaker[Session],
    webhooks: WebhookService,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: Clock,
) -> None:
    webhooks.create("down", receiver.url)
    receiver.default = (500, {})
    _enqueue(session_factory, now=clock.now)
    d = make_dispatcher(max_attempts=5, base_delay_s=5, max_delay_s=12)
    assert [d.delay_cap(n) for n in range(1, 6)] == [5, 10, 12, 12, 12]
    waits = []
    for attempt in range(1, 5):
        report = d.run_once()
        assert (report.claimed, report.retried, report.failed) == (1, 1, 0)
        row = _row(session_factory)
        wait = (row.next_attempt_at - clock.now).total_seconds()
        assert row.attempts == attempt and 0 <= wait <= d.delay_cap(attempt)
        waits.append(wait)
        clock.to(row.next_attempt_at)
    report = d.run_once()
    assert (report.claimed, report.retried, report.failed) == (1, 0, 1)
    row = _row(session_factory)
    assert (row.attempts, row.failed_at, row.last_error, row.delivered_at) == (
        5,
        clock.now,
        "HTTP 500",
        None,
    )
    clock.advance(10_000)
    assert d.run_once().claimed == 0 and len(receiver.hits) == 5
    assert webhooks.deliveries(status="failed")[0].id == row.id
    assert len(set(waits)) == len(waits)  # jittered, not a fixed ladder


def test_full_jitter_covers_the_range(make_dispatcher: MakeDispatcher) -> None:
    d = make_dispatcher(base_delay_s=5, max_delay_s=3600)
    samples = [d.retry_delay(3) for _ in range(2000)]
    assert min(samples) >= 0 and max(samples) <= 20
    assert min(samples) < 1 and max(samples) > 19
    assert 9 < sum(samples) / len(samples) < 11
    assert d.delay_cap(12) == 3600 and d.delay_cap(500) == 3600


def test_retry_after_is_honoured_and_bounded(
    session_factory: sessionmaker[Session],
    webhooks: WebhookService,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: Clock,
) -> None:
    webhooks.create("busy", receiver.url)
    _enqueue(session_factory, now=clock.now)
    d = make_dispatcher(max_delay_s=3600)

    def attempt(*response: Any) -> float:
        receiver.respond(*response)
        d.run_once()
        row = _row(session_factory)
        wait = (row.next_attempt_at - clock.now).total_seconds()
        clock.to(row.next_attempt_at)
        return wait

    assert attempt((429, {"Retry-After": "120"})) == 120
    date = format_datetime(clock.now + _s(300), usegmt=True)
    assert 299 <= attempt((503, {"Retry-After": date})) <= 300
    assert attempt((429, {"Retry-After": "999999"})) == 3600  # bounded
    assert attempt((429, {"Retry-After": "soon"})) <= d.delay_cap(4)  # unreadable: backoff
    assert attempt((500, {"Retry-After": "120"})) <= d.delay_cap(5)  # only for 429 and 503
    assert _row(session_factory).last_error == "HTTP 500"
    receiver.respond(200)
    assert d.run_once().delivered == 1


def test_errors_are_recorded_by_class_and_redirects_not_followed(
    session_factory: sessionmaker[Session],
    webhooks: WebhookService,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: Clock,
) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    webhooks.create("closed", f"http://127.0.0.1:{closed}/hook")
    webhooks.create("moved", receiver.url)
    receiver.default = (302, {"Location": receiver.url + "/elsewhere"})
    _enqueue(session_factory, now=clock.now)
    assert make_dispatcher().run_once().retried == 2
    errors = {d.webhook_name: d.last_error for d in webhooks.deliveries()}
    assert errors == {"closed": "ConnectError", "moved": "HTTP 302"}
    assert [h.path for h in receiver.hits] == ["/hook"]


def test_disabled_webhooks_wait_and_removed_ones_are_skipped(
    session_factory: sessionmaker[Session],
    webhooks: WebhookService,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: Clock,
) -> None:
    webhooks.create("paused", receiver.url)
    webhooks.create("gone", receiver.url)
    _enqueue(session_factory, 2, now=clock.now)
    webhooks.disable("paused")
    webhooks.delete("gone")
    d = make_dispatcher()
    assert d.run_once().claimed == 0 and receiver.hits == []
    webhooks.enable("paused")
    assert d.run_once().delivered == 2
    assert {d.status for d in webhooks.deliveries("paused")} == {"delivered"}


def test_a_row_is_handed_back_rather_than_sent_on_an_expiring_lease(
    session_factory: sessionmaker[Session],
    webhooks: WebhookService,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: Clock,
) -> None:
    webhooks.create("slow", receiver.url)
    _enqueue(session_factory, now=clock.now)

    def ticking() -> Any:  # every reading of the clock costs a second
        return clock.advance(1)

    d = make_dispatcher(clock=ticking, lease_s=11, timeout_s=10)
    report = d.run_once()
    assert (report.claimed, report.released) == (1, 1)
    row = _row(session_factory)
    assert (row.locked_until, row.attempts, row.delivered_at) == (None, 0, None)
    assert receiver.hits == []
    assert make_dispatcher().run_once().delivered == 1


def test_run_once_can_be_limited_to_given_ids(
    session_factory: sessionmaker[Session],
    webhooks: WebhookService,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: Clock,
) -> None:
    webhooks.create("mod", receiver.url)
    _enqueue(session_factory, 3, now=clock.now)
    test = webhooks.send_test("mod")
    assert make_dispatcher().run_once(ids=[test.id]).delivered == 1
    assert [h.event for h in receiver.hits] == ["webhook.test"]
    assert receiver.hits[0].json()["data"] == {
        "webhook": "mod",
        "message": "test delivery from childsafe",
    }


def test_invalid_settings_are_refused(session_factory: sessionmaker[Session]) -> None:
    with pytest.raises(ValueError, match="lease must outlast"):
        Dispatcher(session_factory, lease_s=5, timeout_s=10)
    with pytest.raises(ValueError, match="base_delay_s"):
        Dispatcher(session_factory, base_delay_s=10, max_delay_s=5)
    with pytest.raises(ValueError, match="at least 1"):
        Dispatcher(session_factory, max_attempts=0)


def test_background_loop_delivers_and_survives_errors(
    own_store: Store, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    WebhookService(own_store).create("mod", receiver.url)
    failures = iter([RuntimeError("database away: INSERT ... secret-looking parameters")] * 2)

    def flaky() -> Session:
        for e in failures:
            raise e
        return own_store.sessions()

    d = Dispatcher(flaky)
    caplog.set_level(logging.WARNING, logger="childsafe.actions.dispatcher")
    d.start(interval_s=0.01)
    try:
        with pytest.raises(RuntimeError, match="already running"):
            d.start()
        _enqueue(own_store.sessions, 3)
        deadline = time.monotonic() + 10
        while len(receiver.hits) < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert d.running
    finally:
        d.close()
    assert not d.running
    assert len(receiver.hits) == 3
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["webhook dispatch pass failed: RuntimeError"] * 2
    assert all("secret" not in m for m in messages)


def test_stored_envelope_is_what_is_signed_on_both_backends(
    session_factory: sessionmaker[Session], webhooks: WebhookService
) -> None:
    webhooks.create("mod", "https://hooks.example.org/mod")
    _enqueue(session_factory, zeta="ü", alpha=[1, 2])
    body = body_bytes(_row(session_factory).payload)
    assert json.loads(body)["data"]["zeta"] == "ü"
    assert body.index(b'"alpha"') < body.index(b'"zeta"')  # sorted keys: JSONB reorders

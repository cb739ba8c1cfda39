"""The webhook service: validation, tombstones, the audit trail, deliveries and redelivery."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from childsafe.actions import (
    SCAN_BLOCK,
    DeliveryNotFound,
    InvalidDeliveryStatus,
    InvalidWebhookName,
    InvalidWebhookSecret,
    InvalidWebhookUrl,
    UnknownEvent,
    WebhookDisabled,
    WebhookExists,
    WebhookNotFound,
    WebhookService,
    enqueue,
)
from childsafe.actions.validation import SECRET_MARKER
from childsafe.store import OutboxMessage, unit_of_work
from childsafe.store.audit import iter_events, verify
from tests.actions.conftest import Clock


def test_create_returns_a_strong_secret_once(webhooks: WebhookService) -> None:
    info, secret = webhooks.create("mod", "https://hooks.example.org/mod", ["scan.review"])
    assert secret.startswith(SECRET_MARKER) and len(secret) >= 40
    assert (info.name, info.url, info.events, info.enabled, info.live) == (
        "mod",
        "https://hooks.example.org/mod",
        ("scan.review",),
        True,
        True,
    )
    assert secret not in repr(info) and secret not in repr(webhooks.list())
    _, other = webhooks.create("mod2", "https://hooks.example.org/mod")
    assert other != secret
    mine, given = webhooks.create("own", "http://10.0.0.5:8080/x", secret="s" * 16)
    assert given == "s" * 16 and mine.url == "http://10.0.0.5:8080/x"


def test_events_are_canonical_and_deduplicated(webhooks: WebhookService) -> None:
    info, _ = webhooks.create(
        "x", "https://hooks.example.org/", ["case.opened", "scan.block", "case.opened"]
    )
    assert info.events == ("scan.block", "case.opened")
    assert info.wants("scan.block") and not info.wants("scan.review")
    assert webhooks.create("y", "https://hooks.example.org/", "scan.block")[0].events == (
        "scan.block",
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "absolute http"),
        ("ftp://hooks.example.org/x", "scheme must be http or https"),
        ("hooks.example.org/x", "scheme must be http or https"),
        ("https:///path-only", "no host"),
        ("https://hooks.example.org:99999/", "out of range"),
        ("https://hooks.example.org/a b", "spaces or control"),
        ("https://admin:hunter2@hooks.example.org/", "credentials in the URL"),
    ],
)
def test_bad_urls_are_named(webhooks: WebhookService, url: str, reason: str) -> None:
    with pytest.raises(InvalidWebhookUrl, match=reason) as e:
        webhooks.create("x", url)
    assert "hunter2" not in str(e.value)


def test_other_bad_input(webhooks: WebhookService) -> None:
    with pytest.raises(InvalidWebhookName, match="1 to 64 characters"):
        webhooks.create("has space", "https://hooks.example.org/")
    with pytest.raises(UnknownEvent, match=r"'scan\.allow'.*known: scan\.block, scan\.review"):
        webhooks.create("x", "https://hooks.example.org/", ["scan.allow"])
    with pytest.raises(InvalidWebhookSecret, match="16 to 128") as e:
        webhooks.create("x", "https://hooks.example.org/", secret="short-secret")
    assert "short-secret" not in str(e.value)
    with pytest.raises(InvalidWebhookSecret, match="printable ASCII"):
        webhooks.create("x", "https://hooks.example.org/", secret="a secret with spaces")
    assert webhooks.list() == []


def test_names_are_unique_among_live_webhooks(webhooks: WebhookService) -> None:
    webhooks.create("mod", "https://hooks.example.org/1")
    with pytest.raises(WebhookExists, match="'mod' already exists"):
        webhooks.create("mod", "https://hooks.example.org/2")
    webhooks.delete("mod")
    again, _ = webhooks.create("mod", "https://hooks.example.org/3")
    assert [h.url for h in webhooks.list()] == ["https://hooks.example.org/3"]
    listed = webhooks.list(include_deleted=True)
    assert [(h.url, h.live) for h in listed] == [
        ("https://hooks.example.org/1", False),
        ("https://hooks.example.org/3", True),
    ]
    assert webhooks.get("mod") == again
    with pytest.raises(WebhookNotFound, match="no webhook named 'nope'"):
        webhooks.get("nope")
    with pytest.raises(WebhookNotFound):
        webhooks.delete("nope")


def test_changes_are_audited_without_the_secret(
    session_factory: sessionmaker[Session], clock: Clock
) -> None:
    svc = WebhookService(session_factory, actor="alice", clock=clock)
    _, secret = svc.create("mod", "https://hooks.example.org/mod", ["scan.block"])
    svc.disable("mod")
    svc.disable("mod")  # no change, no entry
    svc.enable("mod")
    svc.delete("mod")
    with unit_of_work(session_factory, write=False) as s:
        events = [e for e in iter_events(s) if e.subject_type == "webhook"]
        assert verify(s)[1] is None
    assert [(e.actor, e.action) for e in events] == [
        ("alice", "webhook.create"),
        ("alice", "webhook.disable"),
        ("alice", "webhook.enable"),
        ("alice", "webhook.delete"),
    ]
    assert events[0].details == {
        "name": "mod",
        "url": "https://hooks.example.org/mod",
        "events": ["scan.block"],
    }
    assert all(secret not in json.dumps(e.details) for e in events)


def _enqueue(session_factory: sessionmaker[Session], n: int = 1) -> None:
    for i in range(n):
        with unit_of_work(session_factory) as s:
            enqueue(s, SCAN_BLOCK, {"scan_id": i})


def test_deliveries_filter_and_order(
    session_factory: sessionmaker[Session], webhooks: WebhookService, clock: Clock
) -> None:
    webhooks.create("a", "https://hooks.example.org/a")
    webhooks.create("b", "https://hooks.example.org/b", ["case.opened"])
    _enqueue(session_factory, 3)
    rows = webhooks.deliveries()
    assert [d.webhook_name for d in rows] == ["a", "a", "a"]
    assert [d.id for d in rows] == sorted((d.id for d in rows), reverse=True)
    assert {d.status for d in rows} == {"pending"}
    assert len({d.event_id for d in rows}) == 3
    assert webhooks.get("a").pending == 3 and webhooks.get("b").pending == 0
    assert [h.pending for h in webhooks.list()] == [3, 0]

    with unit_of_work(session_factory) as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == rows[0].id)
            .values(delivered_at=clock(), attempts=1)
        )
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == rows[1].id)
            .values(failed_at=clock(), attempts=12, last_error="HTTP 500")
        )
    assert [d.id for d in webhooks.deliveries(status="delivered")] == [rows[0].id]
    (failed,) = webhooks.deliveries("a", status="failed")
    assert (failed.id, failed.status, failed.last_error) == (rows[1].id, "failed", "HTTP 500")
    assert [d.id for d in webhooks.deliveries(status="pending")] == [rows[2].id]
    assert webhooks.deliveries("b") == []
    assert len(webhooks.deliveries(limit=2)) == 2
    with pytest.raises(InvalidDeliveryStatus, match="use one of pending, delivered, failed"):
        webhooks.deliveries(status="done")
    with pytest.raises(WebhookNotFound):
        webhooks.deliveries("zzz")


def test_delete_gives_up_pending_and_disable_holds_them(
    session_factory: sessionmaker[Session], webhooks: WebhookService
) -> None:
    webhooks.create("a", "https://hooks.example.org/a")
    webhooks.create("b", "https://hooks.example.org/b")
    _enqueue(session_factory, 2)
    webhooks.disable("b")
    _enqueue(session_factory)  # not queued for the paused one
    assert webhooks.get("b").pending == 2
    webhooks.delete("a")
    gone = [d for d in webhooks.deliveries() if d.webhook_name == "a"]
    assert len(gone) == 3
    assert all(d.status == "failed" and d.last_error == "webhook removed" for d in gone)


def test_send_test_and_redeliver(
    session_factory: sessionmaker[Session], webhooks: WebhookService, clock: Clock
) -> None:
    webhooks.create("cases-only", "https://hooks.example.org/c", ["case.opened"])
    test = webhooks.send_test("cases-only")  # delivered whatever the subscription says
    assert (test.event, test.status, test.webhook_name) == ("webhook.test", "pending", "cases-only")
    assert webhooks.delivery(test.id) == test

    # Pending: made due now, same row.
    clock.advance(60)
    with unit_of_work(session_factory) as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == test.id)
            .values(attempts=2, next_attempt_at=clock.now.replace(year=clock.now.year + 1))
        )
    again = webhooks.redeliver(test.id)
    assert (again.id, again.attempts, again.next_attempt_at) == (test.id, 2, clock.now)

    # Failed: copied into a new delivery of the same event; the old row is kept as it was.
    with unit_of_work(session_factory) as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == test.id)
            .values(failed_at=clock.now, last_error="HTTP 410")
        )
    copy = webhooks.redeliver(test.id)
    assert copy.id != test.id and copy.event_id == test.event_id
    assert (copy.status, copy.attempts, copy.last_error) == ("pending", 0, None)
    assert webhooks.delivery(test.id).status == "failed"

    with pytest.raises(DeliveryNotFound, match="no webhook delivery with id 999999"):
        webhooks.redeliver(999_999)
    webhooks.disable("cases-only")
    with pytest.raises(WebhookDisabled, match="enable it first"):
        webhooks.redeliver(test.id)
    with pytest.raises(WebhookDisabled):
        webhooks.send_test("cases-only")
    webhooks.delete("cases-only")
    with pytest.raises(WebhookNotFound):
        webhooks.redeliver(test.id)
    with pytest.raises(WebhookNotFound):
        webhooks.send_test("cases-only")

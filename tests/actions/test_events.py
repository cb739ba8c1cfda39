"""``enqueue`` and ``open_case``: outbox rows in the caller's transaction, on both backends."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from childsafe.actions import (
    CASE_OPENED,
    SCAN_BLOCK,
    SCAN_REVIEW,
    InvalidCase,
    InvalidPayload,
    UnknownEvent,
    WebhookService,
    enqueue,
    open_case,
)
from childsafe.store import Case, OutboxMessage, ScanRecord, unit_of_work

BLOCK = {"scan_id": 7, "content_id": "upload-0001", "user_id": "user-42", "decision": "block"}


def _outbox(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with unit_of_work(sessions, write=False) as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _hook_ids(webhooks: WebhookService) -> dict[str, int]:
    return {h.name: h.id for h in webhooks.list(include_deleted=True)}


def test_fans_out_to_subscribed_enabled_live_webhooks(
    session_factory: sessionmaker[Session], webhooks: WebhookService
) -> None:
    webhooks.create("all", "https://hooks.example.org/all")
    webhooks.create("blocks", "https://hooks.example.org/b", events=["scan.block"])
    webhooks.create("reviews", "https://hooks.example.org/r", events=["scan.review"])
    webhooks.create("paused", "https://hooks.example.org/p")
    webhooks.disable("paused")
    webhooks.create("gone", "https://hooks.example.org/g", events=["scan.block"])
    webhooks.delete("gone")
    ids = _hook_ids(webhooks)

    with unit_of_work(session_factory) as s:
        assert enqueue(s, SCAN_BLOCK, BLOCK) == 2
    rows = _outbox(session_factory)
    assert sorted(r.webhook_id for r in rows) == sorted([ids["all"], ids["blocks"]])
    assert {r.event for r in rows} == {SCAN_BLOCK}
    assert all(r.attempts == 0 and r.delivered_at is None and r.failed_at is None for r in rows)
    assert all(r.next_attempt_at == r.created_at for r in rows)

    # One event: the same envelope, and so the same event id, for every webhook.
    a, b = (r.payload for r in rows)
    assert a == b
    assert set(a) == {"id", "event", "created_at", "data"}
    assert a["event"] == SCAN_BLOCK and a["data"] == BLOCK
    uuid.UUID(a["id"])
    assert a["created_at"].endswith("Z")
    assert datetime.fromisoformat(a["created_at"]) == rows[0].created_at

    with unit_of_work(session_factory) as s:
        assert enqueue(s, SCAN_REVIEW, {"scan_id": 8}) == 2
    assert len(_outbox(session_factory)) == 4


def test_no_subscribers_writes_nothing(
    session_factory: sessionmaker[Session], webhooks: WebhookService
) -> None:
    webhooks.create("cases", "https://hooks.example.org/c", events=["case.opened"])
    with unit_of_work(session_factory) as s:
        assert enqueue(s, SCAN_BLOCK, BLOCK) == 0
    assert _outbox(session_factory) == []


def test_rolled_back_with_the_caller(
    session_factory: sessionmaker[Session], webhooks: WebhookService
) -> None:
    webhooks.create("all", "https://hooks.example.org/all")
    with pytest.raises(RuntimeError), unit_of_work(session_factory) as s:
        assert enqueue(s, SCAN_BLOCK, BLOCK) == 1
        raise RuntimeError("the scan failed after all")
    assert _outbox(session_factory) == []


def test_bad_calls_fail_even_with_no_webhooks(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as s:
        with pytest.raises(UnknownEvent, match=r"'scan\.blocked'.*known: scan\.block"):
            enqueue(s, "scan.blocked", BLOCK)
        with pytest.raises(InvalidPayload, match="bytes"):
            enqueue(s, SCAN_BLOCK, {"content": b"\x89PNG"})
        with pytest.raises(InvalidPayload, match="expected an object"):
            enqueue(s, SCAN_BLOCK, ["not", "an", "object"])  # type: ignore[arg-type]
        with pytest.raises(InvalidPayload):
            enqueue(s, SCAN_BLOCK, {"score": float("nan")})


def _scan(s: Session) -> int:
    scan = ScanRecord(
        content_id="upload-0002",
        user_id="user-43",
        source="upload",
        decision="review",
        latency_ms=3.5,
    )
    s.add(scan)
    s.flush()
    return scan.id


def test_open_case_writes_the_case_and_announces_it(
    session_factory: sessionmaker[Session], webhooks: WebhookService
) -> None:
    webhooks.create("cases", "https://hooks.example.org/c", events=["case.opened"])
    webhooks.create("blocks", "https://hooks.example.org/b", events=["scan.block"])
    reason = {"matches": [{"bank": "harbor-1", "distance": 12}]}
    with unit_of_work(session_factory) as s:
        scan_id = _scan(s)
        case_id = open_case(
            s,
            kind="scan",
            scan_id=scan_id,
            content_id="upload-0002",
            user_id="user-43",
            reason=reason,
            priority=3,
        )
    with unit_of_work(session_factory, write=False) as s:
        case = s.get(Case, case_id)
        assert case is not None
        assert (case.kind, case.status, case.priority, case.scan_id) == ("scan", "open", 3, scan_id)
        assert case.reason == reason and case.closed_at is None
    (row,) = _outbox(session_factory)
    assert row.webhook_id == _hook_ids(webhooks)["cases"] and row.event == CASE_OPENED
    assert row.payload["data"] == {
        "case_id": case_id,
        "kind": "scan",
        "scan_id": scan_id,
        "content_id": "upload-0002",
        "user_id": "user-43",
        "priority": 3,
    }


def test_open_case_without_webhooks_still_opens_it(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as s:
        case_id = open_case(s, kind="scan", scan_id=None, content_id=None, user_id=None, reason={})
        assert s.scalar(select(func.count()).select_from(Case).where(Case.id == case_id)) == 1
    assert _outbox(session_factory) == []


def test_open_case_refuses_bad_fields(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as s:
        cases: list[tuple[dict[str, Any], str]] = [
            ({"kind": ""}, "kind"),
            ({"kind": "x" * 33}, "kind"),
            ({"priority": "high"}, "priority"),
            ({"content_id": "c" * 257}, "content_id"),
            ({"reason": {"thumbnail": b"\xff\xd8"}}, "reason"),
        ]
        for bad, match in cases:
            fields: dict[str, Any] = {
                "kind": "scan",
                "scan_id": None,
                "content_id": None,
                "user_id": None,
                "reason": {},
                **bad,
            }
            with pytest.raises(InvalidCase, match=match):
                open_case(s, **fields)

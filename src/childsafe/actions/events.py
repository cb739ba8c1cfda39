"""Announcing events: outbox rows written in the caller's transaction, and review cases.

Both functions take the caller's :class:`~sqlalchemy.orm.Session` and neither commits. The
outbox row is therefore committed together with whatever it announces (the scan record, the
case): if that transaction rolls back, nothing is sent about something that did not happen;
if it commits, the announcement survives any crash until a dispatcher delivers it.

Every delivery is a JSON envelope, identical for every webhook that receives the event::

    {"id": "<uuid4>", "event": "scan.block", "created_at": "2026-01-02T03:04:05.678901Z",
     "data": {...}}

``id`` names the *event*, not the delivery: it is fixed when the event is announced, before
any row id exists, and it lets a receiver that has several webhooks pointed at it recognise
one event arriving through each. The *delivery* id (the outbox row) travels in the
``Childsafe-Delivery`` header and stays the same across retries; receivers dedupe on it.
``data`` is whatever the caller passed, checked to be plain JSON: payloads name content by the
platform's ids and hashes, and may never carry the content itself (bytes are refused).

The subscription lookup is one Core query over the ``webhooks`` table (a handful of rows) in
the caller's transaction: about 30 µs on SQLite, and a whole ``enqueue`` about 60 µs with no
subscriber and 100-160 µs with one to three (see ``docs/webhooks.md``). It is deliberately not
cached: a cache would let a just-disabled webhook keep receiving events, and a just-created
one miss them, for the cache's lifetime, to save those 30 µs beside a scan that takes
milliseconds.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from childsafe.actions.errors import InvalidCase, InvalidPayload, UnknownEvent
from childsafe.store.models import Case, OutboxMessage, Webhook
from childsafe.store.types import utcnow

SCAN_BLOCK = "scan.block"
SCAN_REVIEW = "scan.review"
CASE_OPENED = "case.opened"
CHAT_BAND_CHANGED = "chat.band_changed"
WEBHOOK_TEST = "webhook.test"
#: Every event name a webhook can subscribe to, in the order listings show them.
EVENTS = (SCAN_BLOCK, SCAN_REVIEW, CASE_OPENED, CHAT_BAND_CHANGED, WEBHOOK_TEST)

CASE_KIND_MAX = 32
PLATFORM_ID_MAX = 256

_OUTBOX = cast(Table, OutboxMessage.__table__)


def iso(at: datetime) -> str:
    """Microsecond UTC text with a ``Z``: what every timestamp in a payload looks like."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def plain_json(event: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` as it will be sent: a JSON round trip, so what is stored is what is signed.

    Anything JSON cannot carry as is (bytes above all, but also sets, objects, NaN) is refused
    here, in the caller's code path, rather than found by the dispatcher hours later.
    Number keys become strings and tuples lists, as JSON has it.
    """
    if not isinstance(payload, Mapping):
        raise InvalidPayload(event, f"expected an object, got {type(payload).__name__}")
    try:
        text = json.dumps(dict(payload), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise InvalidPayload(event, str(e)) from None
    clean = json.loads(text)
    return cast(dict[str, Any], clean)


def envelope(event: str, data: Mapping[str, Any], *, at: datetime | None = None) -> dict[str, Any]:
    """The body every webhook receives for one event (see the module docstring)."""
    return {
        "id": str(uuid.uuid4()),
        "event": event,
        "created_at": iso(at or utcnow()),
        "data": plain_json(event, data),
    }


_WEBHOOKS = cast(Table, Webhook.__table__)
#: Core, not ORM: on the scan path the ORM's per-call work was most of the cost (measured:
#: about 100 µs median and milliseconds at p99, against 20 µs and 70 µs through Core).
_LIVE_WEBHOOKS = (
    select(_WEBHOOKS.c.id, _WEBHOOKS.c.events)
    .where(_WEBHOOKS.c.enabled.is_(True), _WEBHOOKS.c.deleted_at.is_(None))
    .order_by(_WEBHOOKS.c.id)
)


def subscribers(session: Session, event: str) -> list[int]:
    """Ids of the enabled, live webhooks that take ``event``, in id order."""
    rows = session.connection().execute(_LIVE_WEBHOOKS)
    return [int(wid) for wid, events in rows if not events or event in events]


def enqueue(
    session: Session,
    event: str,
    payload: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> int:
    """Queue ``event`` for every webhook subscribed to it, in the caller's transaction.

    Returns how many deliveries were queued (0 when no webhook wants the event: then nothing is
    written). ``payload`` becomes the envelope's ``data``. Raises :class:`UnknownEvent` and
    :class:`InvalidPayload` even when no webhook is subscribed, so a bad call is found by the
    first test rather than by the first operator to add a webhook.
    """
    if event not in EVENTS:
        raise UnknownEvent(event, EVENTS)
    at = now or utcnow()
    body = envelope(event, payload, at=at)
    targets = subscribers(session, event)
    if not targets:
        return 0
    insert_rows(session, event, body, targets, at)
    return len(targets)


def _row(event: str, body: dict[str, Any], webhook_id: int, at: datetime) -> dict[str, Any]:
    return {
        "webhook_id": webhook_id,
        "event": event,
        "payload": body,
        "created_at": at,
        "attempts": 0,
        "next_attempt_at": at,
    }


def insert_rows(
    session: Session, event: str, body: dict[str, Any], webhook_ids: list[int], at: datetime
) -> None:
    """One outbox row per webhook, due at once, in one statement."""
    session.connection().execute(
        insert(_OUTBOX), [_row(event, body, wid, at) for wid in webhook_ids]
    )


def insert_row(
    session: Session, event: str, body: dict[str, Any], webhook_id: int, at: datetime
) -> int:
    """One outbox row, due at once; returns its id (the delivery id)."""
    result = session.connection().execute(
        insert(_OUTBOX).values(_row(event, body, webhook_id, at)).returning(_OUTBOX.c.id)
    )
    return int(result.scalar_one())


def _optional_text(value: object, name: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidCase(f"{name} must be text of at most {limit} characters")
    return value


def open_case(
    session: Session,
    *,
    kind: str,
    scan_id: int | None,
    content_id: str | None,
    user_id: str | None,
    reason: Mapping[str, Any],
    priority: int = 0,
    now: datetime | None = None,
) -> int:
    """Open a review case and announce it (``case.opened``), in the caller's transaction.

    ``reason`` is shown to the reviewer (the matches, say) and stays out of the webhook
    payload, which carries only ids: receivers that need more ask the review API, under its
    own access control. Returns the case id.
    """
    if not isinstance(kind, str) or not 1 <= len(kind) <= CASE_KIND_MAX:
        raise InvalidCase(f"kind must be 1 to {CASE_KIND_MAX} characters, e.g. 'scan'")
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise InvalidCase("priority must be an integer (higher is more urgent)")
    if scan_id is not None and (isinstance(scan_id, bool) or not isinstance(scan_id, int)):
        raise InvalidCase("scan_id must be an integer or None")
    content_id = _optional_text(content_id, "content_id", PLATFORM_ID_MAX)
    user_id = _optional_text(user_id, "user_id", PLATFORM_ID_MAX)
    try:
        clean_reason = plain_json(CASE_OPENED, reason)
    except InvalidPayload as e:
        raise InvalidCase(f"reason is not plain JSON: {e}") from None
    at = now or utcnow()
    case = Case(
        kind=kind,
        status="open",
        priority=priority,
        scan_id=scan_id,
        content_id=content_id,
        user_id=user_id,
        reason=clean_reason,
        opened_at=at,
        updated_at=at,
    )
    session.add(case)
    session.flush()
    enqueue(
        session,
        CASE_OPENED,
        {
            "case_id": case.id,
            "kind": kind,
            "scan_id": scan_id,
            "content_id": content_id,
            "user_id": user_id,
            "priority": priority,
        },
        now=at,
    )
    return int(case.id)

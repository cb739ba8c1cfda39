"""The webhook service: the one way webhooks are created, changed, inspected and tested.

Every change an operator makes (create, remove, enable, disable, redeliver) is appended to the
audit log in the same transaction, because a webhook decides where information about flagged
content and users goes; the audit details never hold the secret. Methods take and return plain
values (names, ids, frozen dataclasses); sessions never leak out.

Removing a webhook is a tombstone: the row stays (so old deliveries still name it), its name
becomes free, and its undelivered messages are marked failed with ``last_error`` "webhook
removed". Disabling pauses it instead: no new deliveries are queued for it while disabled, and
those already queued wait, to go out when it is enabled again.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from childsafe.actions import validation
from childsafe.actions.errors import (
    DeliveryNotFound,
    InvalidDeliveryStatus,
    WebhookDisabled,
    WebhookExists,
    WebhookNotFound,
)
from childsafe.actions.events import WEBHOOK_TEST, envelope, insert_row
from childsafe.actions.types import DELIVERY_STATUSES, DeliveryInfo, WebhookInfo
from childsafe.store import audit
from childsafe.store.changes import lock_change_log
from childsafe.store.engine import SessionFactory, Store, unit_of_work
from childsafe.store.models import OutboxMessage, Webhook
from childsafe.store.types import utcnow

#: Most deliveries one listing returns.
MAX_LISTING = 10_000
REMOVED_ERROR = "webhook removed"

_PENDING = (OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None))


def webhook_info(row: Webhook, pending: int | None = None) -> WebhookInfo:
    return WebhookInfo(
        id=row.id,
        name=row.name,
        url=row.url,
        events=tuple(row.events or ()),
        enabled=row.enabled,
        created_at=row.created_at,
        deleted_at=row.deleted_at,
        pending=pending,
    )


def delivery_info(row: OutboxMessage, webhook_name: str) -> DeliveryInfo:
    payload = row.payload if isinstance(row.payload, dict) else {}
    return DeliveryInfo(
        id=row.id,
        webhook_id=row.webhook_id,
        webhook_name=webhook_name,
        event=row.event,
        event_id=str(payload.get("id", "")),
        created_at=row.created_at,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        locked_until=row.locked_until,
        delivered_at=row.delivered_at,
        failed_at=row.failed_at,
        last_error=row.last_error,
    )


class WebhookService:
    def __init__(
        self,
        sessions: Store | SessionFactory,
        *,
        actor: str = "system",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Over an open :class:`Store` or any session factory (tests pass one bound to a
        rolled-back transaction). ``actor`` is who the audit log says made each change: the
        API passes the key's name, the CLI the operating-system user.
        """
        self._sessions = sessions.sessions if isinstance(sessions, Store) else sessions
        self._actor = actor
        self._clock = clock

    # -- transactions ---------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with unit_of_work(self._sessions, write=True) as s:
            lock_change_log(s)  # the audit log's lock, first: one lock order for all writers
            yield s

    def _read(self) -> AbstractContextManager[Session]:
        return unit_of_work(self._sessions, write=False)

    def _audit(self, s: Session, action: str, hook: Webhook, **extra: Any) -> None:
        details = {"name": hook.name, "url": hook.url, "events": list(hook.events or ()), **extra}
        audit.append(
            s,
            actor=self._actor,
            action=f"webhook.{action}",
            subject_type="webhook",
            subject_id=hook.id,
            details=details,
        )

    @staticmethod
    def _live(s: Session, name: str) -> Webhook:
        row = s.scalar(select(Webhook).where(Webhook.name == name, Webhook.deleted_at.is_(None)))
        if row is None:
            raise WebhookNotFound(name)
        return row

    # -- webhooks -------------------------------------------------------------------------

    def create(
        self,
        name: str,
        url: str,
        events: Iterable[str] = (),
        secret: str | None = None,
    ) -> tuple[WebhookInfo, str]:
        """A new, enabled webhook and its signing secret (generated unless given).

        The secret is returned here and nowhere else: show it once and let the operator store
        it with the receiver.
        """
        name = validation.webhook_name(name)
        url = validation.webhook_url(url)
        wanted = validation.event_names(events)
        secret = validation.webhook_secret(secret)
        with self._write() as s:
            if s.scalar(
                select(Webhook.id).where(Webhook.name == name, Webhook.deleted_at.is_(None))
            ):
                raise WebhookExists(name)
            row = Webhook(
                name=name,
                url=url,
                secret=secret,
                events=list(wanted),
                enabled=True,
                created_at=self._clock(),
            )
            s.add(row)
            try:
                s.flush()
            except IntegrityError as e:  # a writer on another engine took the name in between
                raise WebhookExists(name) from e
            self._audit(s, "create", row)
            return webhook_info(row, 0), secret

    def list(self, *, include_deleted: bool = False) -> builtins.list[WebhookInfo]:
        """Webhooks by name, with their pending delivery counts (removed ones when asked)."""
        with self._read() as s:
            q = select(Webhook).order_by(Webhook.name, Webhook.id)
            if not include_deleted:
                q = q.where(Webhook.deleted_at.is_(None))
            rows = s.scalars(q).all()
            counts = dict(
                s.execute(
                    select(OutboxMessage.webhook_id, func.count())
                    .where(*_PENDING)
                    .group_by(OutboxMessage.webhook_id)
                ).all()
            )
            return [webhook_info(r, int(counts.get(r.id, 0))) for r in rows]

    def get(self, name: str) -> WebhookInfo:
        with self._read() as s:
            row = self._live(s, name)
            pending = s.scalar(
                select(func.count()).where(OutboxMessage.webhook_id == row.id, *_PENDING)
            )
            return webhook_info(row, int(pending or 0))

    def delete(self, name: str) -> WebhookInfo:
        """Tombstone the webhook and give up its undelivered messages (see the module doc)."""
        with self._write() as s:
            row = self._live(s, name)
            now = self._clock()
            row.deleted_at = now
            s.flush()
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.webhook_id == row.id, *_PENDING)
                .values(failed_at=now, last_error=REMOVED_ERROR, locked_until=None)
                .execution_options(synchronize_session=False)
            )
            self._audit(s, "delete", row)
            return webhook_info(row, 0)

    def enable(self, name: str) -> WebhookInfo:
        return self._set_enabled(name, True)

    def disable(self, name: str) -> WebhookInfo:
        """Pause deliveries: new events are not queued for it, queued ones wait."""
        return self._set_enabled(name, False)

    def _set_enabled(self, name: str, enabled: bool) -> WebhookInfo:
        with self._write() as s:
            row = self._live(s, name)
            if row.enabled != enabled:  # repeating it changes nothing and audits nothing
                row.enabled = enabled
                s.flush()
                self._audit(s, "enable" if enabled else "disable", row)
            return webhook_info(row)

    # -- deliveries -----------------------------------------------------------------------

    def deliveries(
        self,
        name: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> builtins.list[DeliveryInfo]:
        """The newest deliveries first, optionally of one live webhook and in one status."""
        if status is not None and status not in DELIVERY_STATUSES:
            raise InvalidDeliveryStatus(status, DELIVERY_STATUSES)
        limit = max(1, min(int(limit), MAX_LISTING))
        with self._read() as s:
            q = (
                select(OutboxMessage, Webhook.name)
                .join(Webhook, Webhook.id == OutboxMessage.webhook_id)
                .order_by(OutboxMessage.id.desc())
                .limit(limit)
            )
            if name is not None:
                q = q.where(OutboxMessage.webhook_id == self._live(s, name).id)
            if status == "pending":
                q = q.where(*_PENDING)
            elif status == "delivered":
                q = q.where(OutboxMessage.delivered_at.is_not(None))
            elif status == "failed":
                q = q.where(OutboxMessage.failed_at.is_not(None))
            return [delivery_info(m, n) for m, n in s.execute(q)]

    def delivery(self, message_id: int) -> DeliveryInfo:
        with self._read() as s:
            row = s.execute(
                select(OutboxMessage, Webhook.name)
                .join(Webhook, Webhook.id == OutboxMessage.webhook_id)
                .where(OutboxMessage.id == message_id)
            ).first()
            if row is None:
                raise DeliveryNotFound(message_id)
            return delivery_info(row[0], row[1])

    def redeliver(self, message_id: int) -> DeliveryInfo:
        """Send a delivery again, now.

        A delivered or failed message is copied into a new delivery (new delivery id, same
        envelope, so the same event id) and the old row is kept as it was, for the record. A
        pending one is made due at once, keeping its attempt count; if a dispatcher holds it
        right now it is left alone. The webhook must be live and enabled.
        """
        with self._write() as s:
            row = s.get(OutboxMessage, message_id)
            if row is None:
                raise DeliveryNotFound(message_id)
            hook = s.get(Webhook, row.webhook_id)
            assert hook is not None  # the foreign key sees to it
            if hook.deleted_at is not None:
                raise WebhookNotFound(hook.name)
            if not hook.enabled:
                raise WebhookDisabled(hook.name)
            now = self._clock()
            if row.delivered_at is None and row.failed_at is None:
                if row.locked_until is None or row.locked_until <= now:
                    row.next_attempt_at = now
                    s.flush()
                return delivery_info(row, hook.name)
            new_id = insert_row(s, row.event, dict(row.payload), hook.id, now)
            self._audit(s, "redeliver", hook, delivery_id=row.id, new_delivery_id=new_id)
            new = s.get(OutboxMessage, new_id)
            assert new is not None
            return delivery_info(new, hook.name)

    def send_test(self, name: str) -> DeliveryInfo:
        """Queue a ``webhook.test`` delivery to this webhook only, whatever it subscribes to."""
        with self._write() as s:
            hook = self._live(s, name)
            if not hook.enabled:
                raise WebhookDisabled(name)
            now = self._clock()
            body = envelope(
                WEBHOOK_TEST,
                {"webhook": hook.name, "message": "test delivery from childsafe"},
                at=now,
            )
            new_id = insert_row(s, WEBHOOK_TEST, body, hook.id, now)
            new = s.get(OutboxMessage, new_id)
            assert new is not None
            return delivery_info(new, hook.name)

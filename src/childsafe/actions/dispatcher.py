"""Delivering the outbox: lease due rows, POST them signed, record what happened.

A pass (:meth:`Dispatcher.run_once`) has three steps, and only the first and last touch the
database, each in one short transaction:

1. **Claim.** Due rows (undelivered, not given up, ``next_attempt_at`` passed, no live lease,
   webhook enabled and live) get ``locked_until = now + lease_s``. On PostgreSQL the rows are
   selected ``FOR UPDATE SKIP LOCKED``, so dispatchers in other processes pass over each
   other's rows instead of queueing behind them; on SQLite the claim runs in a ``BEGIN
   IMMEDIATE`` transaction, which already admits one writer at a time. A cheap read first
   checks that anything is due at all, so an idle dispatcher never takes SQLite's write lock.
2. **Send**, outside any transaction (a slow receiver must not hold a database lock), a few
   at a time on a small thread pool, so one receiver timing out does not hold up the rest. A
   row is sent only if its lease outlasts the request timeout; otherwise it is handed back.
3. **Record.** 2xx sets ``delivered_at``. Anything else (another status, a redirect, a
   connection error, a timeout) adds an attempt, keeps the status code or exception class in
   ``last_error`` (never a body), and schedules the next attempt after an exponential backoff
   with full jitter: uniformly random in ``[0, min(max_delay_s, base_delay_s * 2**(n-1))]``
   after the n-th failure, so receivers coming back from an outage are not hit by every
   sender in lock step. A ``Retry-After`` on 429 or 503 is used instead, capped at
   ``max_delay_s``. After ``max_attempts`` attempts the row gets ``failed_at`` and stays for
   inspection and manual redelivery. Each update is conditioned on the lease this dispatcher
   set, so a dispatcher that stalled past its lease cannot overwrite the result of the one
   that took the row over.

Delivery is therefore at least once: a crash between sending and recording, or a stall past
the lease, sends a row again. Receivers dedupe on the ``Childsafe-Delivery`` header.

**No public-address guard.** Fetching by URL (``childsafe.fetch``) refuses private, loopback
and link-local addresses because those URLs come from API callers. Webhook URLs come only from
administrators, and the usual receiver is a moderation service inside the platform's own
network, so the dispatcher connects wherever the URL says. Redirects are not followed (a 3xx
counts as a failure), so a receiver cannot bounce a signed payload somewhere else.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from childsafe import __version__
from childsafe.actions.signing import SIGNATURE_HEADER, sign, verify_signature
from childsafe.actions.types import DispatchReport
from childsafe.store.engine import SessionFactory, Store, unit_of_work
from childsafe.store.models import OutboxMessage, Webhook
from childsafe.store.types import utcnow

__all__ = ["DispatchReport", "Dispatcher", "verify_signature"]

log = logging.getLogger(__name__)

USER_AGENT = f"childsafe/{__version__}"
#: Statuses whose ``Retry-After`` is honoured.
RETRY_AFTER_STATUSES = (429, 503)


@dataclass(frozen=True)
class _Claim:
    id: int
    url: str
    secret: str
    event: str
    payload: dict[str, Any]
    attempts: int
    lease: datetime


@dataclass(frozen=True)
class _Outcome:
    claim: _Claim
    #: False when the row was handed back unsent.
    sent: bool
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed) for a stored envelope: stable across retries and
    backends, since PostgreSQL's JSONB does not keep key order but sorted keys are sorted."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def _due(now: datetime) -> tuple[Any, ...]:
    return (
        OutboxMessage.delivered_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= now),
        Webhook.enabled.is_(True),
        Webhook.deleted_at.is_(None),
    )


class Dispatcher:
    def __init__(
        self,
        sessions: Store | SessionFactory,
        *,
        client: httpx.Client | None = None,
        max_attempts: int = 12,
        base_delay_s: float = 5,
        max_delay_s: float = 3600,
        lease_s: float = 60,
        batch: int = 50,
        timeout_s: float = 10,
        concurrency: int = 4,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        """Over an open :class:`Store` or any session factory.

        ``client``: an :class:`httpx.Client` to send with (tests pass one; the dispatcher then
        leaves closing it to them); by default one is made and closed by :meth:`close`.
        ``clock`` and ``rng`` let tests move time and fix the jitter instead of sleeping.
        """
        if max_attempts < 1 or batch < 1 or concurrency < 1:
            raise ValueError("max_attempts, batch and concurrency must be at least 1")
        if not 0 < base_delay_s <= max_delay_s:
            raise ValueError("need 0 < base_delay_s <= max_delay_s")
        if not 0 < timeout_s < lease_s:
            raise ValueError("the lease must outlast the request timeout: need timeout_s < lease_s")
        self._sessions = sessions.sessions if isinstance(sessions, Store) else sessions
        self._own_client = client is None
        self._client = client or httpx.Client(timeout=timeout_s, follow_redirects=False)
        self.max_attempts = max_attempts
        self.base_delay_s = float(base_delay_s)
        self.max_delay_s = float(max_delay_s)
        self.lease = timedelta(seconds=lease_s)
        self.batch = batch
        self.timeout_s = float(timeout_s)
        self._concurrency = concurrency
        self._clock = clock
        self._rng = rng or random.SystemRandom()
        self._pool: ThreadPoolExecutor | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the schedule ---------------------------------------------------------------------

    def delay_cap(self, failures: int) -> float:
        """The longest wait after the ``failures``-th failed attempt (1-based)."""
        exponent = min(max(failures, 1) - 1, 62)
        return min(self.max_delay_s, self.base_delay_s * 2.0**exponent)

    def retry_delay(self, failures: int) -> float:
        """Full jitter: uniform in ``[0, delay_cap(failures)]``."""
        return self._rng.uniform(0.0, self.delay_cap(failures))

    # -- one pass -------------------------------------------------------------------------

    def run_once(self, *, ids: Collection[int] | None = None) -> DispatchReport:
        """Claim up to ``batch`` due deliveries (only these ``ids`` if given), send, record."""
        claims = self._claim(ids)
        if not claims:
            return DispatchReport()
        if len(claims) == 1 or self._concurrency == 1:
            outcomes = [self._send(c) for c in claims]
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self._concurrency, thread_name_prefix="childsafe-webhook-send"
                )
            outcomes = list(self._pool.map(self._send, claims))
        return self._record(outcomes)

    def _claim(self, ids: Collection[int] | None) -> list[_Claim]:
        now = self._clock()
        lease = now + self.lease
        due = _due(now)
        only = (OutboxMessage.id.in_(list(ids)),) if ids is not None else ()
        pick = (
            select(OutboxMessage.id)
            .join(Webhook, Webhook.id == OutboxMessage.webhook_id)
            .where(*due, *only)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        )
        with unit_of_work(self._sessions, write=False) as s:  # idle: no write lock taken
            if s.scalar(pick.limit(1)) is None:
                return []
        with unit_of_work(self._sessions, write=True) as s:
            q = pick.limit(self.batch)
            if _dialect(s) == "postgresql":
                q = q.with_for_update(skip_locked=True, of=OutboxMessage)
            claimed = list(s.scalars(q))
            if not claimed:
                return []
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(claimed))
                .values(locked_until=lease)
                .execution_options(synchronize_session=False)
            )
            rows = s.execute(
                select(
                    OutboxMessage.id,
                    Webhook.url,
                    Webhook.secret,
                    OutboxMessage.event,
                    OutboxMessage.payload,
                    OutboxMessage.attempts,
                )
                .join(Webhook, Webhook.id == OutboxMessage.webhook_id)
                .where(OutboxMessage.id.in_(claimed))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            )
            return [
                _Claim(
                    id=int(r[0]),
                    url=r[1],
                    secret=r[2],
                    event=r[3],
                    payload=dict(r[4]),
                    attempts=int(r[5]),
                    lease=lease,
                )
                for r in rows
            ]

    def _send(self, c: _Claim) -> _Outcome:
        now = self._clock()
        if now + timedelta(seconds=self.timeout_s) >= c.lease:
            return _Outcome(c, sent=False)
        body = body_bytes(c.payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Childsafe-Event": c.event,
            "Childsafe-Delivery": str(c.id),
            SIGNATURE_HEADER: sign(c.secret, body, int(now.timestamp())),
        }
        try:
            # Streamed and never read: the response body is of no use and may be large.
            with self._client.stream(
                "POST", c.url, content=body, headers=headers, timeout=self.timeout_s
            ) as r:
                status = r.status_code
                retry_after = None
                if status in RETRY_AFTER_STATUSES:
                    retry_after = parse_retry_after(r.headers.get("retry-after"), self._clock())
        except Exception as e:  # any failure to get a status is a failed attempt, by class
            return _Outcome(c, sent=True, error=type(e).__name__)
        return _Outcome(c, sent=True, status=status, retry_after=retry_after)

    def _record(self, outcomes: list[_Outcome]) -> DispatchReport:
        delivered = retried = failed = released = lost = 0
        now = self._clock()
        with unit_of_work(self._sessions, write=True) as s:
            for o in outcomes:
                c = o.claim
                values: dict[str, Any] = {"locked_until": None}
                if not o.sent:
                    released += 1
                elif o.ok:
                    values.update(delivered_at=now, attempts=c.attempts + 1)
                else:
                    attempts = c.attempts + 1
                    error = o.error if o.error is not None else f"HTTP {o.status}"
                    values.update(attempts=attempts, last_error=error[:256])
                    if attempts >= self.max_attempts:
                        values["failed_at"] = now
                    else:
                        wait = self.retry_delay(attempts)
                        if o.retry_after is not None:
                            wait = min(max(o.retry_after, 0.0), self.max_delay_s)
                        values["next_attempt_at"] = now + timedelta(seconds=wait)
                result = cast(
                    CursorResult[Any],
                    s.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id == c.id, OutboxMessage.locked_until == c.lease)
                        .values(**values)
                        .execution_options(synchronize_session=False)
                    ),
                )
                if result.rowcount == 0:  # someone else holds the row now: their result counts
                    lost += o.sent
                    continue
                if not o.sent:
                    continue
                if o.ok:
                    delivered += 1
                elif "failed_at" in values:
                    failed += 1
                    log.warning(
                        "webhook delivery %d gave up after %d attempts (%s)",
                        c.id,
                        values["attempts"],
                        values["last_error"],
                    )
                else:
                    retried += 1
                    log.info(
                        "webhook delivery %d attempt %d failed (%s); will retry",
                        c.id,
                        values["attempts"],
                        values["last_error"],
                    )
        return DispatchReport(
            claimed=len(outcomes),
            delivered=delivered,
            retried=retried,
            failed=failed,
            released=released,
            lost_lease=lost,
        )

    # -- running in the background --------------------------------------------------------

    def run_forever(
        self,
        interval_s: float = 1.0,
        *,
        on_pass: Callable[[DispatchReport], None] | None = None,
    ) -> None:
        """Pass after pass until :meth:`stop`; sleeps ``interval_s`` only when a pass found
        nothing due (or failed), so a backlog drains at full speed. ``on_pass`` sees every
        pass that claimed something (the CLI prints them).

        It never dies of an exception: a pass that fails (the database away, say) is logged
        by exception class only, since messages can quote SQL parameters (payloads), and
        retried after the interval.
        """
        while not self._stop.is_set():
            try:
                report = self.run_once()
                idle = report.claimed == 0
                if on_pass is not None and not idle:
                    on_pass(report)
            except Exception as e:
                log.warning("webhook dispatch pass failed: %s", type(e).__name__)
                idle = True
            if idle:
                self._stop.wait(interval_s)

    def start(self, interval_s: float = 1.0) -> None:
        """Run :meth:`run_forever` on a daemon thread (the HTTP server does this)."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("this dispatcher is already running")
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.run_forever, args=(interval_s,), name="childsafe-webhooks", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float | None = 30) -> None:
        """Ask the loop to end after its current pass, and wait for it (up to ``timeout_s``)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            if not self._thread.is_alive():
                self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        """Stop, and release the worker threads and the HTTP client if this made it."""
        self.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._own_client:
            self._client.close()

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _dialect(s: Session) -> str:
    return s.get_bind().dialect.name

"""Plain values the actions layer returns: no ORM objects escape a transaction.

Frozen dataclasses instead of mapped objects mean callers can keep, compare and serialise
results after the session is gone, and cannot change the database by accident. None of them
carries a webhook's signing secret: listings end up in tickets, logs and scrollback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

DeliveryStatus = Literal["pending", "delivered", "failed"]
DELIVERY_STATUSES: tuple[DeliveryStatus, ...] = ("pending", "delivered", "failed")


@dataclass(frozen=True)
class WebhookInfo:
    id: int
    name: str
    url: str
    #: Event names delivered; empty means every event.
    events: tuple[str, ...]
    enabled: bool
    created_at: datetime
    deleted_at: datetime | None = None
    #: Deliveries neither delivered nor given up (None when not counted).
    pending: int | None = None

    @property
    def live(self) -> bool:
        return self.deleted_at is None

    def wants(self, event: str) -> bool:
        """Whether an event of this name is delivered here (state aside)."""
        return not self.events or event in self.events


@dataclass(frozen=True)
class DeliveryInfo:
    """One outbox row: an event on its way to one webhook, with its retry state."""

    id: int
    webhook_id: int
    webhook_name: str
    event: str
    #: The envelope's ``id``: the same for every webhook's copy of one event.
    event_id: str
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    locked_until: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    #: ``HTTP <status>`` or an exception class name; never a response body.
    last_error: str | None

    @property
    def status(self) -> DeliveryStatus:
        if self.delivered_at is not None:
            return "delivered"
        if self.failed_at is not None:
            return "failed"
        return "pending"


@dataclass(frozen=True)
class DispatchReport:
    """What one :meth:`Dispatcher.run_once` pass did."""

    #: Rows leased this pass.
    claimed: int = 0
    #: Answered 2xx.
    delivered: int = 0
    #: Failed and rescheduled.
    retried: int = 0
    #: Failed for the last allowed time and given up (``failed_at`` set).
    failed: int = 0
    #: Leased but handed back unsent, because the lease would have run out mid-request.
    released: int = 0
    #: Sent, but another dispatcher had taken the row over meanwhile, so the outcome was not
    #: recorded by this one (the receiver may see the delivery twice: dedupe by delivery id).
    lost_lease: int = 0

    def __add__(self, other: DispatchReport) -> DispatchReport:
        return DispatchReport(
            self.claimed + other.claimed,
            self.delivered + other.delivered,
            self.retried + other.retried,
            self.failed + other.failed,
            self.released + other.released,
            self.lost_lease + other.lost_lease,
        )

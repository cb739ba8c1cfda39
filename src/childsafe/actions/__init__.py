"""Actions: what happens after a decision, outside the request that made it.

``events`` writes outbox rows and review cases in the caller's transaction; ``webhooks`` is
the operators' service for webhook endpoints and their deliveries; ``dispatcher`` sends the
outbox, signed (``signing``), with retries. Only the store is imported below this package.
"""

from childsafe.actions.dispatcher import Dispatcher
from childsafe.actions.errors import (
    ActionError,
    DeliveryNotFound,
    InvalidCase,
    InvalidDeliveryStatus,
    InvalidPayload,
    InvalidWebhookName,
    InvalidWebhookSecret,
    InvalidWebhookUrl,
    UnknownEvent,
    WebhookDisabled,
    WebhookExists,
    WebhookNotFound,
)
from childsafe.actions.events import (
    CASE_OPENED,
    CHAT_BAND_CHANGED,
    EVENTS,
    SCAN_BLOCK,
    SCAN_REVIEW,
    WEBHOOK_TEST,
    enqueue,
    open_case,
)
from childsafe.actions.signing import sign, verify_signature
from childsafe.actions.types import (
    DELIVERY_STATUSES,
    DeliveryInfo,
    DeliveryStatus,
    DispatchReport,
    WebhookInfo,
)
from childsafe.actions.webhooks import WebhookService

__all__ = [
    "CASE_OPENED",
    "CHAT_BAND_CHANGED",
    "DELIVERY_STATUSES",
    "EVENTS",
    "SCAN_BLOCK",
    "SCAN_REVIEW",
    "WEBHOOK_TEST",
    "ActionError",
    "DeliveryInfo",
    "DeliveryNotFound",
    "DeliveryStatus",
    "DispatchReport",
    "Dispatcher",
    "InvalidCase",
    "InvalidDeliveryStatus",
    "InvalidPayload",
    "InvalidWebhookName",
    "InvalidWebhookSecret",
    "InvalidWebhookUrl",
    "UnknownEvent",
    "WebhookDisabled",
    "WebhookExists",
    "WebhookInfo",
    "WebhookNotFound",
    "WebhookService",
    "enqueue",
    "open_case",
    "sign",
    "verify_signature",
]

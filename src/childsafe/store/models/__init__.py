"""The tables, one module per area; importing this package registers them all on ``Base``.

Rows are never removed by ordinary operations: disabling, deleting, revoking and closing set a
timestamp (a tombstone), so exchanges can publish removals and audits can see what was there.
"""

from childsafe.store.models.audit import AuditEvent
from childsafe.store.models.banks import (
    BANK_ACTIONS,
    CHANGE_ENTITIES,
    CHANGE_OPS,
    Bank,
    BankEntry,
    Change,
    EntrySignal,
)
from childsafe.store.models.base import NAMING_CONVENTION, Base
from childsafe.store.models.chat import (
    CHAT_BANDS,
    CHAT_EXEMPLAR_LABELS,
    CHAT_EXEMPLAR_SOURCES,
    CHAT_ID_MAX,
    CHAT_PAIR_KINDS,
    CHAT_SUBJECTS,
    ChatBandChange,
    ChatBatchKey,
    ChatExemplar,
    ChatPair,
    ChatSeenMessage,
    ChatSender,
)
from childsafe.store.models.keys import API_KEY_SCOPES, ApiKey
from childsafe.store.models.scans import CASE_STATUSES, DECISIONS, SCAN_SOURCES, Case, ScanRecord
from childsafe.store.models.webhooks import OutboxMessage, Webhook

__all__ = [
    "API_KEY_SCOPES",
    "BANK_ACTIONS",
    "CASE_STATUSES",
    "CHANGE_ENTITIES",
    "CHANGE_OPS",
    "CHAT_BANDS",
    "CHAT_EXEMPLAR_LABELS",
    "CHAT_EXEMPLAR_SOURCES",
    "CHAT_ID_MAX",
    "CHAT_PAIR_KINDS",
    "CHAT_SUBJECTS",
    "DECISIONS",
    "NAMING_CONVENTION",
    "SCAN_SOURCES",
    "ApiKey",
    "AuditEvent",
    "Bank",
    "BankEntry",
    "Base",
    "Case",
    "Change",
    "ChatBandChange",
    "ChatBatchKey",
    "ChatExemplar",
    "ChatPair",
    "ChatSeenMessage",
    "ChatSender",
    "EntrySignal",
    "OutboxMessage",
    "ScanRecord",
    "Webhook",
]

"""Storage: SQLAlchemy models, engines, sessions and the migrations that create the schema."""

from childsafe.store.changes import ChangeRow, changes_since, last_seq, record_change
from childsafe.store.engine import (
    SessionFactory,
    Store,
    StoreError,
    create_engine_for,
    make_session_factory,
    open_store,
    unit_of_work,
)
from childsafe.store.models import (
    ApiKey,
    AuditEvent,
    Bank,
    BankEntry,
    Base,
    Case,
    Change,
    EntrySignal,
    OutboxMessage,
    ScanRecord,
    Webhook,
)

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Bank",
    "BankEntry",
    "Base",
    "Case",
    "Change",
    "ChangeRow",
    "EntrySignal",
    "OutboxMessage",
    "ScanRecord",
    "SessionFactory",
    "Store",
    "StoreError",
    "Webhook",
    "changes_since",
    "create_engine_for",
    "last_seq",
    "make_session_factory",
    "open_store",
    "record_change",
    "unit_of_work",
]

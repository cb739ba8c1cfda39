"""Create scan records, review cases, the hash-chained audit log, webhooks and their outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

What the HTTP scanning service writes. Scan records hold hashes and decisions, never content;
``audit_events`` is append-only and chained by hash (see ``childsafe.store.audit``); the outbox
is written in the transaction that records an event, so a webhook is neither lost nor invented.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNDELIVERED = "delivered_at IS NULL AND failed_at IS NULL"


def _big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scan_records",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("received_at", _ts(), nullable=False),
        sa.Column("content_id", sa.String(length=256), nullable=True),
        sa.Column("user_id", sa.String(length=256), nullable=True),
        sa.Column("metadata", _json(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("signals", _json(), nullable=False),
        sa.Column("matches", _json(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "decision IN ('block', 'review', 'allow')", name=op.f("ck_scan_records_decision")
        ),
        sa.CheckConstraint(
            "source IN ('upload', 'url', 'signals')", name=op.f("ck_scan_records_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_records")),
    )
    for column in ("received_at", "content_id", "user_id"):
        op.create_index(op.f(f"ix_scan_records_{column}"), "scan_records", [column])

    op.create_table(
        "cases",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("scan_id", _big_id(), nullable=True),
        sa.Column("content_id", sa.String(length=256), nullable=True),
        sa.Column("user_id", sa.String(length=256), nullable=True),
        sa.Column("reason", _json(), nullable=False),
        sa.Column("assignee", sa.String(length=128), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("opened_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.Column("closed_at", _ts(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_cases_status")),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scan_records.id"], name=op.f("fk_cases_scan_id_scan_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index(
        op.f("ix_cases_status_priority_opened_at"), "cases", ["status", "priority", "opened_at"]
    )
    op.create_index(op.f("ix_cases_scan_id"), "cases", ["scan_id"])

    op.create_table(
        "audit_events",
        sa.Column("seq", _big_id(), autoincrement=True, nullable=False),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=128), nullable=False),
        sa.Column("details", _json(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_events_hash")),
        sqlite_autoincrement=True,
    )

    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("events", _json(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("deleted_at", _ts(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_index(
        "uq_webhooks_name_live",
        "webhooks",
        ["name"],
        unique=True,
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )

    op.create_table(
        "outbox",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _ts(), nullable=False),
        sa.Column("locked_until", _ts(), nullable=True),
        sa.Column("delivered_at", _ts(), nullable=True),
        sa.Column("failed_at", _ts(), nullable=True),
        sa.Column("last_error", sa.String(length=256), nullable=True),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name=op.f("fk_outbox_webhook_id_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(
        "ix_outbox_due",
        "outbox",
        ["next_attempt_at"],
        sqlite_where=sa.text(_UNDELIVERED),
        postgresql_where=sa.text(_UNDELIVERED),
    )
    op.create_index(op.f("ix_outbox_webhook_id"), "outbox", ["webhook_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_webhook_id"), table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("uq_webhooks_name_live", table_name="webhooks")
    op.drop_table("webhooks")
    op.drop_table("audit_events")
    op.drop_index(op.f("ix_cases_scan_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_status_priority_opened_at"), table_name="cases")
    op.drop_table("cases")
    for column in ("user_id", "content_id", "received_at"):
        op.drop_index(op.f(f"ix_scan_records_{column}"), table_name="scan_records")
    op.drop_table("scan_records")

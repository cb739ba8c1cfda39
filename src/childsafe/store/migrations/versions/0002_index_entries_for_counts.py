"""Index bank entries by (bank_id, deleted_at, disabled_at) for the per-bank entry counts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-02

``list_banks`` counts each bank's live and disabled entries. Without this index that is a scan
of every entry row; with it, an index-only scan on PostgreSQL and a covering-index scan on
SQLite, several times less data at ten million entries.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_bank_entries_bank_id_deleted_at_disabled_at"),
        "bank_entries",
        ["bank_id", "deleted_at", "disabled_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_bank_entries_bank_id_deleted_at_disabled_at"), table_name="bank_entries")

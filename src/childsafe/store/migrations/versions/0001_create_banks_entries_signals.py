"""Create banks, bank entries, entry signals and the change log.

Revision ID: 0001
Revises:
Create Date: 2026-01-01

Migrations use plain SQLAlchemy types, never the application's own, so that changing a model
type later cannot silently rewrite what an old migration creates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "banks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("labels", _json(), nullable=False),
        sa.Column("match_dihedral", sa.Boolean(), nullable=False),
        sa.Column("trim_borders", sa.Boolean(), nullable=False),
        sa.Column("variants", _json(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.Column("deleted_at", _ts(), nullable=True),
        sa.CheckConstraint("action IN ('block', 'review', 'allow')", name=op.f("ck_banks_action")),
        sa.CheckConstraint("threshold IS NULL OR threshold >= 0", name=op.f("ck_banks_threshold")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_banks")),
    )
    op.create_index(
        "uq_banks_name_live",
        "banks",
        ["name"],
        unique=True,
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )

    op.create_table(
        "bank_entries",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=256), nullable=True),
        sa.Column("labels", _json(), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("disabled_at", _ts(), nullable=True),
        sa.Column("deleted_at", _ts(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["banks.id"],
            name=op.f("fk_bank_entries_bank_id_banks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_entries")),
    )
    op.create_index(
        op.f("ix_bank_entries_bank_id_external_id"), "bank_entries", ["bank_id", "external_id"]
    )

    op.create_table(
        "entry_signals",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("entry_id", _big_id(), nullable=False),
        sa.Column("signal_type", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("variant", sa.String(length=64), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["bank_entries.id"],
            name=op.f("fk_entry_signals_entry_id_bank_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_signals")),
        sa.UniqueConstraint(
            "entry_id",
            "signal_type",
            "variant",
            name=op.f("uq_entry_signals_entry_id_signal_type_variant"),
        ),
    )
    op.create_index(
        op.f("ix_entry_signals_signal_type_value"), "entry_signals", ["signal_type", "value"]
    )

    op.create_table(
        "changes",
        sa.Column("seq", _big_id(), autoincrement=True, nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", _big_id(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("at", _ts(), nullable=False),
        sa.CheckConstraint("entity IN ('bank', 'entry')", name=op.f("ck_changes_entity")),
        sa.CheckConstraint(
            "op IN ('create', 'update', 'enable', 'disable', 'delete')", name=op.f("ck_changes_op")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_changes")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("changes")
    op.drop_index(op.f("ix_entry_signals_signal_type_value"), table_name="entry_signals")
    op.drop_table("entry_signals")
    op.drop_index(op.f("ix_bank_entries_bank_id_external_id"), table_name="bank_entries")
    op.drop_table("bank_entries")
    op.drop_index("uq_banks_name_live", table_name="banks")
    op.drop_table("banks")

"""Create chat pairs, chat senders and their band changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

The grooming scorer's memory, shared by every server process: one row per tracked pair and per
sender, holding derived features (never message text), and the history of band changes that
webhooks announce and the ``GET /v1/chat/*`` endpoints show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BANDS = "('none', 'watch', 'nudge_child', 'restrict_adult', 'urgent_review')"


def _big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _id() -> sa.String:
    return sa.String(length=256)


def upgrade() -> None:
    op.create_table(
        "chat_pairs",
        sa.Column("adult", _id(), nullable=False),
        sa.Column("minor", _id(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column("last_time", sa.Float(), nullable=False),
        sa.Column("last_seen", _ts(), nullable=False),
        sa.Column("state", _json(), nullable=False),
        sa.CheckConstraint(f"band IN {_BANDS}", name=op.f("ck_chat_pairs_band")),
        sa.CheckConstraint(
            "kind IN ('adult_minor', 'unknown_age', 'peer_minors')", name=op.f("ck_chat_pairs_kind")
        ),
        sa.PrimaryKeyConstraint("adult", "minor", name=op.f("pk_chat_pairs")),
    )
    op.create_index(op.f("ix_chat_pairs_last_seen"), "chat_pairs", ["last_seen"])
    op.create_index(op.f("ix_chat_pairs_minor"), "chat_pairs", ["minor"])

    op.create_table(
        "chat_senders",
        sa.Column("account", _id(), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column("last_seen", _ts(), nullable=False),
        sa.Column("state", _json(), nullable=False),
        sa.CheckConstraint(f"band IN {_BANDS}", name=op.f("ck_chat_senders_band")),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_chat_senders")),
    )
    op.create_index(op.f("ix_chat_senders_last_seen"), "chat_senders", ["last_seen"])

    op.create_table(
        "chat_band_changes",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("subject", sa.String(length=8), nullable=False),
        sa.Column("adult", _id(), nullable=False),
        sa.Column("minor", _id(), nullable=True),
        sa.Column("old_band", sa.String(length=16), nullable=False),
        sa.Column("new_band", sa.String(length=16), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("time", sa.Float(), nullable=False),
        sa.Column("message_id", _id(), nullable=False),
        sa.Column("conversation_id", _id(), nullable=True),
        sa.Column("case_id", _big_id(), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.CheckConstraint(f"new_band IN {_BANDS}", name=op.f("ck_chat_band_changes_new_band")),
        sa.CheckConstraint(f"old_band IN {_BANDS}", name=op.f("ck_chat_band_changes_old_band")),
        sa.CheckConstraint(
            "subject IN ('pair', 'sender')", name=op.f("ck_chat_band_changes_subject")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_chat_band_changes_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_band_changes")),
    )
    op.create_index(
        op.f("ix_chat_band_changes_adult_minor"), "chat_band_changes", ["adult", "minor"]
    )
    op.create_index(op.f("ix_chat_band_changes_created_at"), "chat_band_changes", ["created_at"])


def downgrade() -> None:
    op.drop_table("chat_band_changes")
    op.drop_table("chat_senders")
    op.drop_table("chat_pairs")

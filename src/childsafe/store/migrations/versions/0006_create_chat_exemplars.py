"""Create chat exemplars: operators' examples and reviewers' verdicts for the embedding stage.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Every server process reads new rows and adds them to its embedding stage, so a verdict given
once reaches every worker.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_exemplars",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("message_id", sa.String(length=256), nullable=True),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "label IN ('positive', 'negative')", name=op.f("ck_chat_exemplars_label")
        ),
        sa.CheckConstraint(
            "source IN ('operator', 'verdict')", name=op.f("ck_chat_exemplars_source")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_chat_exemplars_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_exemplars")),
    )


def downgrade() -> None:
    op.drop_table("chat_exemplars")

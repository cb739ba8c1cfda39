"""Create chat batch keys: answers of batches sent with an Idempotency-Key.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

A resent batch gets its first answer back instead of being scored twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_batch_keys",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column(
            "answer", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_chat_batch_keys")),
    )
    op.create_index(op.f("ix_chat_batch_keys_created_at"), "chat_batch_keys", ["created_at"])


def downgrade() -> None:
    op.drop_table("chat_batch_keys")

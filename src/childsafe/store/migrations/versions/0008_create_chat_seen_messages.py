"""Create chat seen messages: digests of scored messages, for resends without a key.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

A message resent without an Idempotency-Key is recognised by a digest of its conversation,
sender and id, and not scored twice. No text is stored.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_seen_messages",
        sa.Column("digest", sa.LargeBinary(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_chat_seen_messages")),
    )
    op.create_index(op.f("ix_chat_seen_messages_created_at"), "chat_seen_messages", ["created_at"])


def downgrade() -> None:
    op.drop_table("chat_seen_messages")

"""Messages scored before, recognised when a platform resends them without an idempotency key.

Platforms retry: a request times out after the batch was committed, a queue replays after a
crash. With an ``Idempotency-Key`` the whole batch's first answer comes back; without one, each
message would be scored again, its warning signs counted twice, and a pair could climb a band
on evidence it had already been given. So every scored message leaves a 16-byte digest of its
identity (conversation, sender, message id; never its text) for ``chat_dedup_days``, and a
message whose digest is already there is skipped.

One statement does the check and the claim: an insert of all the batch's digests that ignores
conflicts and returns the rows it wrote, in the batch's transaction. A digest it did not write
was there before: a duplicate. If the batch rolls back its claims go with it, so a failed batch
can be resent. Two workers given the same messages at once cannot both claim one: the second
insert waits for the first transaction and then finds the row (PostgreSQL), or the writes are
serialised (SQLite). Digests are inserted in sorted order so that two batches sharing several
messages cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from hashlib import blake2b

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from childsafe.chat.batch import MessageIn
from childsafe.store.models import ChatSeenMessage


def message_digest(m: MessageIn) -> bytes:
    """A message's identity: ids are unique per platform, or at least per conversation."""
    raw = "\x00".join(("chat-message", m.conversation_id or "", m.sender, m.id)).encode()
    return blake2b(raw, digest_size=16).digest()


def claim_new(s: Session, messages: Sequence[MessageIn], now: datetime) -> list[bool]:
    """Record ``messages`` as scored; per message, whether it is new (not scored before)."""
    digests = [message_digest(m) for m in messages]
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [{"digest": d, "created_at": now} for d in sorted(set(digests))]
    stmt = (
        insert(ChatSeenMessage)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["digest"])
        .returning(ChatSeenMessage.digest)
    )
    written = set(s.scalars(stmt))
    return [d in written for d in digests]


def forget_before(s: Session, cutoff: datetime) -> int:
    """Drop digests older than ``cutoff``; returns how many."""
    result = s.execute(delete(ChatSeenMessage).where(ChatSeenMessage.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)

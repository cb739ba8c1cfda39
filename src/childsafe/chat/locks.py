"""Serialising the writers of one pair or sender across server processes.

Two workers may score messages of the same pair at once (the platform sends batches to
whichever worker is free). Each loads the pair's state, updates it and writes it back, so they
must not interleave. PostgreSQL: one transaction-scoped advisory lock per pair and per sender,
taken in ascending key order so that two batches sharing several keys cannot deadlock. SQLite
has one writer at a time already (``BEGIN IMMEDIATE``), so nothing more is needed there.

Keys are 64-bit hashes of the account ids, in a namespace of their own (``chat:``); a
collision only makes two unrelated pairs wait for each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import blake2b

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.orm import Session


def _key(kind: str, *parts: str) -> int:
    raw = "\x00".join(("chat", kind, *parts)).encode()
    return int.from_bytes(blake2b(raw, digest_size=8).digest(), "big", signed=True)


def lock_keys(
    pairs: Iterable[tuple[str, str]], senders: Iterable[str], batch_key: str | None = None
) -> list[int]:
    """The advisory-lock keys for these pairs and senders (and an idempotency key), sorted
    (the lock order)."""
    keys = {_key("pair", a, m) for a, m in pairs} | {_key("sender", s) for s in senders}
    if batch_key is not None:
        keys.add(_key("batch", batch_key))
    return sorted(keys)


_LOCK = text("SELECT pg_advisory_xact_lock(k) FROM unnest(:keys) AS k").bindparams(
    bindparam("keys", type_=ARRAY(BIGINT))
)


def lock_chat_state(
    session: Session,
    pairs: Iterable[tuple[str, str]],
    senders: Iterable[str],
    *,
    batch_key: str | None = None,
) -> None:
    """Take the locks of these pairs and senders (and of a batch's idempotency key, so that
    the same batch sent twice at once is scored once) for the rest of the transaction."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = lock_keys(pairs, senders, batch_key)
    if keys:
        # unnest scans the array in order, so the locks are taken in the sorted order.
        session.execute(_LOCK, {"keys": keys})

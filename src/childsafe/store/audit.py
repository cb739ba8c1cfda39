"""Appending to and verifying the hash-chained audit log (:class:`AuditEvent`).

Each row's hash covers its sequence number, time, actor, action, subject, details and the
previous row's hash, so a deleted, inserted, reordered or edited row breaks the chain from that
point on. Appends are serialised: SQLite has one writer at a time, and on PostgreSQL the
appender takes the same advisory lock as the change log (see :mod:`childsafe.store.changes`),
so both logs are written in one lock order and curation writers cannot deadlock.

The chain proves the log was not altered after the fact by someone without the database's
write access *and* the ability to recompute every later hash; for tamper evidence against the
database owner too, ship :func:`head` (the newest hash) somewhere else periodically.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from childsafe.store.changes import lock_change_log
from childsafe.store.models import AuditEvent
from childsafe.store.types import utcnow

#: Longest actor name the table holds (``audit_events.actor``).
ACTOR_MAX = 128


def check_actor(actor: str) -> str:
    """``actor`` if it fits the log ("key:<prefix>", "cli:<user>", "system:<part>"), else
    ValueError: services check it when they are built, not at their first change."""
    if not isinstance(actor, str) or not 0 < len(actor) <= ACTOR_MAX:
        raise ValueError(f"audit actor must be 1-{ACTOR_MAX} characters, got {actor!r}")
    return actor


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    """Where verification failed, and how."""

    seq: int
    problem: str


def _digest(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    details: Mapping[str, Any],
    prev_hash: str,
) -> str:
    body = json.dumps(
        {
            "seq": seq,
            # Microsecond UTC text: both backends store and return exactly this precision.
            "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": actor,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "details": details,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str | int,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one event in the caller's transaction (which must be a write transaction)."""
    check_actor(actor)
    lock_change_log(session)
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev = (1, "") if last is None else (int(last[0]) + 1, str(last[1]))
    at = utcnow()
    # Round-trip through JSON now so the stored details are exactly what was hashed.
    clean = json.loads(json.dumps(dict(details or {}), default=str))
    sid = str(subject_id)
    digest = _digest(seq, at, actor, action, subject_type, sid, clean, prev)
    session.add(
        AuditEvent(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=sid,
            details=clean,
            prev_hash=prev,
            hash=digest,
        )
    )
    session.flush()
    return AuditEntry(seq, at, actor, action, subject_type, sid, clean, prev, digest)


_COLUMNS = (
    AuditEvent.seq,
    AuditEvent.at,
    AuditEvent.actor,
    AuditEvent.action,
    AuditEvent.subject_type,
    AuditEvent.subject_id,
    AuditEvent.details,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)


def _entry(row: Any) -> AuditEntry:
    seq, at, actor, action, subject_type, subject_id, details, prev_hash, digest = row
    # A tampered row may hold any JSON here; keep it as found so its hash fails, not the read.
    found = dict(details) if isinstance(details, dict) else cast(dict[str, Any], details)
    return AuditEntry(seq, at, actor, action, subject_type, subject_id, found, prev_hash, digest)


def iter_events(
    session: Session, *, after: int = 0, limit: int | None = None, chunk: int = 1000
) -> Iterator[AuditEntry]:
    """Events in order from ``after`` (exclusive), read in chunks.

    Columns, not ORM objects: the session's identity map would otherwise hand back rows as this
    session last saw them, hiding a change made since by another connection (or an attacker).
    """
    seen = 0
    while limit is None or seen < limit:
        want = chunk if limit is None else min(chunk, limit - seen)
        rows = session.execute(
            select(*_COLUMNS).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(want)
        ).all()
        if not rows:
            return
        for row in rows:
            yield _entry(row)
        after = int(rows[-1][0])
        seen += len(rows)


def verify(session: Session) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain: (events checked, first break or None)."""
    prev_hash, expected_seq, checked = "", 1, 0
    for e in iter_events(session):
        if e.seq != expected_seq:
            return checked, ChainBreak(e.seq, f"sequence jumps from {expected_seq - 1} to {e.seq}")
        if e.prev_hash != prev_hash:
            return checked, ChainBreak(e.seq, "previous-hash link does not match the row before")
        want = _digest(
            e.seq, e.at, e.actor, e.action, e.subject_type, e.subject_id, e.details, e.prev_hash
        )
        if want != e.hash:
            return checked, ChainBreak(e.seq, "row content does not match its hash (edited)")
        prev_hash, expected_seq, checked = e.hash, e.seq + 1, checked + 1
    return checked, None


#: Shortest hash prefix :func:`check_anchor` accepts (64 bits: no forging a match by trial).
ANCHOR_MIN_HEX = 16


def check_anchor(session: Session, seq: int, digest: str) -> ChainBreak | None:
    """Whether the event ``seq`` still has the hash recorded outside the database earlier
    (a :func:`head` taken then; a prefix of at least 16 hex digits will do).

    This is what catches a log rewritten from some row on, or cut back: both leave a chain
    that :func:`verify` accepts.
    """
    digest = digest.strip().lower()
    if len(digest) < ANCHOR_MIN_HEX:
        raise ValueError(f"anchor hash needs at least {ANCHOR_MIN_HEX} hex digits")
    found = next(iter_events(session, after=seq - 1, limit=1), None)
    if found is None or found.seq != seq:
        return ChainBreak(seq, "anchored event is missing (the log was cut back)")
    if not found.hash.startswith(digest):
        return ChainBreak(seq, "anchored event has another hash (the log was rewritten)")
    return None


def head(session: Session) -> tuple[int, str]:
    """The newest event's seq and hash (``(0, "")`` for an empty log)."""
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (0, "") if row is None else (int(row[0]), str(row[1]))

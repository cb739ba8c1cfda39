"""The audit chain itself, on both backends: appending, verifying, and each kind of tampering."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from childsafe.store import audit
from childsafe.store.audit import ChainBreak
from childsafe.store.engine import create_engine_for, make_session_factory, unit_of_work

Sessions = sessionmaker[Session]


def _append(sessions: Sessions, n: int, *, actor: str = "system:test", start: int = 0) -> None:
    with unit_of_work(sessions) as s:
        for i in range(start, start + n):
            audit.append(
                s,
                actor=actor,
                action="bank.update",
                subject_type="bank",
                subject_id=i,
                details={"bank": f"harbor-{i}", "before": {"action": "block"}, "n": i},
            )


def _verify(sessions: Sessions) -> tuple[int, ChainBreak | None]:
    with unit_of_work(sessions, write=False) as s:
        return audit.verify(s)


def _head(sessions: Sessions) -> tuple[int, str]:
    with unit_of_work(sessions, write=False) as s:
        return audit.head(s)


def _events(sessions: Sessions, **kw: Any) -> list[audit.AuditEntry]:
    with unit_of_work(sessions, write=False) as s:
        return list(audit.iter_events(s, **kw))


def _set_details(conn: Connection, seq: int, details: dict[str, Any]) -> None:
    value = "CAST(:d AS jsonb)" if conn.dialect.name == "postgresql" else ":d"
    conn.execute(
        text(f"UPDATE audit_events SET details = {value} WHERE seq = :seq"),
        {"d": json.dumps(details), "seq": seq},
    )


# -- appending ----------------------------------------------------------------------------


def test_empty_log_verifies(session_factory: Sessions) -> None:
    assert _verify(session_factory) == (0, None)
    assert _head(session_factory) == (0, "")


def test_append_links_each_row_to_the_one_before(session_factory: Sessions) -> None:
    _append(session_factory, 5)
    events = _events(session_factory)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == ""
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert len({e.hash for e in events}) == 5
    assert _verify(session_factory) == (5, None)
    assert _head(session_factory) == (5, events[-1].hash)


def test_details_come_back_exactly_as_hashed(session_factory: Sessions) -> None:
    details = {"bank": "härbor", "labels": ["a", "b"], "threshold": None, "n": 3, "ok": True}
    with unit_of_work(session_factory) as s:
        made = audit.append(
            s,
            actor="cli:zoë",
            action="bank.create",
            subject_type="bank",
            subject_id=9,
            details=details,
        )
    [got] = _events(session_factory)
    assert got == made
    assert got.details == details and got.subject_id == "9"
    assert got.at.tzinfo is not None
    assert _verify(session_factory) == (1, None)


def test_iter_events_pages(session_factory: Sessions) -> None:
    _append(session_factory, 7)
    assert [e.seq for e in _events(session_factory, after=2, limit=3)] == [3, 4, 5]
    assert [e.seq for e in _events(session_factory, after=5, chunk=1)] == [6, 7]
    assert [e.seq for e in _events(session_factory, chunk=2)] == list(range(1, 8))


def test_a_rolled_back_append_leaves_no_gap(session_factory: Sessions) -> None:
    _append(session_factory, 2)
    with pytest.raises(RuntimeError), unit_of_work(session_factory) as s:
        audit.append(
            s, actor="system:test", action="bank.create", subject_type="bank", subject_id=1
        )
        raise RuntimeError("the change failed")
    _append(session_factory, 1, start=2)
    assert [e.seq for e in _events(session_factory)] == [1, 2, 3]
    assert _verify(session_factory) == (3, None)


@pytest.mark.parametrize("actor", ["", "x" * 129])
def test_actor_must_fit(actor: str, session_factory: Sessions) -> None:
    with pytest.raises(ValueError, match="actor"):
        audit.check_actor(actor)
    with pytest.raises(ValueError, match="actor"), unit_of_work(session_factory) as s:
        audit.append(s, actor=actor, action="bank.create", subject_type="bank", subject_id=1)
    assert _events(session_factory) == []


def test_hash_is_sha256_of_canonical_json() -> None:
    """The format external verifiers reimplement: changing it breaks every stored chain."""
    at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    details = {"bank": "harbor", "settings": {"labels": ["x"], "action": "block"}}
    body = (
        '{"action":"bank.create","actor":"cli:alice",'
        '"at":"2026-01-02T03:04:05.678901Z",'
        '"details":{"bank":"harbor","settings":{"action":"block","labels":["x"]}},'
        '"prev_hash":"","seq":1,"subject_id":"7","subject_type":"bank"}'
    )
    expected = hashlib.sha256(body.encode()).hexdigest()
    assert expected == "5746c5f301fedc5434cdbd836704a152fb97bc2260e34b39ac5425053e402d5d"
    got = audit._digest(1, at, "cli:alice", "bank.create", "bank", "7", details, "")
    assert got == expected


# -- tampering ----------------------------------------------------------------------------


def test_edited_details_are_reported_at_their_row(
    session_factory: Sessions, db_connection: Connection
) -> None:
    _append(session_factory, 5)
    [third] = _events(session_factory, after=2, limit=1)
    _set_details(db_connection, 3, {**third.details, "n": 99})
    checked, broken = _verify(session_factory)
    assert checked == 2
    assert broken is not None and broken.seq == 3 and "edited" in broken.problem


@pytest.mark.parametrize(
    ("column", "value"),
    [("actor", "cli:someone-else"), ("action", "bank.delete"), ("subject_id", "42")],
)
def test_edited_columns_are_reported(
    column: str, value: str, session_factory: Sessions, db_connection: Connection
) -> None:
    _append(session_factory, 4)
    db_connection.execute(
        text(f"UPDATE audit_events SET {column} = :v WHERE seq = 2"),
        {"v": value},
    )
    assert _verify(session_factory) == (1, ChainBreak(2, _edited()))


def test_edited_time_is_reported(session_factory: Sessions, db_connection: Connection) -> None:
    _append(session_factory, 3)
    db_connection.execute(
        text("UPDATE audit_events SET at = :at WHERE seq = 3"),
        {"at": datetime(2020, 1, 1, tzinfo=UTC).replace(tzinfo=None)},
    )
    assert _verify(session_factory) == (2, ChainBreak(3, _edited()))


def _edited() -> str:
    return "row content does not match its hash (edited)"


def test_deleted_middle_row_is_reported(
    session_factory: Sessions, db_connection: Connection
) -> None:
    _append(session_factory, 5)
    db_connection.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    checked, broken = _verify(session_factory)
    assert checked == 2
    assert broken == ChainBreak(4, "sequence jumps from 2 to 4")


def test_deleted_first_row_is_reported(
    session_factory: Sessions, db_connection: Connection
) -> None:
    _append(session_factory, 3)
    db_connection.execute(text("DELETE FROM audit_events WHERE seq = 1"))
    assert _verify(session_factory) == (0, ChainBreak(2, "sequence jumps from 0 to 2"))


def test_swapped_rows_are_reported(session_factory: Sessions, db_connection: Connection) -> None:
    _append(session_factory, 5)
    for old, new in ((3, 1000), (4, 3), (1000, 4)):
        db_connection.execute(
            text("UPDATE audit_events SET seq = :new WHERE seq = :old"), {"old": old, "new": new}
        )
    checked, broken = _verify(session_factory)
    assert checked == 2
    assert broken is not None and broken.seq == 3 and "previous-hash" in broken.problem


def _insert(conn: Connection, e: audit.AuditEntry) -> None:
    details = "CAST(:details AS jsonb)" if conn.dialect.name == "postgresql" else ":details"
    at = e.at if conn.dialect.name == "postgresql" else e.at.replace(tzinfo=None)
    conn.execute(
        text(
            "INSERT INTO audit_events (seq, at, actor, action, subject_type, subject_id, "
            f"details, prev_hash, hash) VALUES (:seq, :at, :actor, :action, :subject_type, "
            f":subject_id, {details}, :prev_hash, :hash)"
        ),
        {**e.__dict__, "at": at, "details": json.dumps(e.details)},
    )


def test_reinserted_forgery_is_reported_at_the_next_row(
    session_factory: Sessions, db_connection: Connection
) -> None:
    """A row replaced by one with a correct hash of its own still breaks the next link."""
    _append(session_factory, 5)
    [third] = _events(session_factory, after=2, limit=1)
    db_connection.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    forged_details = {**third.details, "n": 99}
    forged_hash = audit._digest(
        3,
        third.at,
        third.actor,
        third.action,
        third.subject_type,
        third.subject_id,
        forged_details,
        third.prev_hash,
    )
    forged = audit.AuditEntry(**{**third.__dict__, "details": forged_details, "hash": forged_hash})
    _insert(db_connection, forged)
    checked, broken = _verify(session_factory)
    assert checked == 3  # the forged row is consistent in itself...
    assert broken is not None and broken.seq == 4 and "previous-hash" in broken.problem


def test_reinserting_the_same_row_changes_nothing(
    session_factory: Sessions, db_connection: Connection
) -> None:
    _append(session_factory, 3)
    [second] = _events(session_factory, after=1, limit=1)
    db_connection.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    assert _verify(session_factory)[1] == ChainBreak(3, "sequence jumps from 1 to 3")
    _insert(db_connection, second)
    assert _verify(session_factory) == (3, None)


def test_rewriting_the_tail_needs_the_external_anchor(
    session_factory: Sessions, db_connection: Connection
) -> None:
    """What the chain cannot prove alone: a writer who recomputes every later hash, or drops
    the newest rows, leaves a chain that verifies. Only a head kept elsewhere shows it."""
    _append(session_factory, 4)
    anchored = _head(session_factory)
    events = _events(session_factory)
    db_connection.execute(text("DELETE FROM audit_events WHERE seq >= 2"))
    prev = events[0].hash
    for e in events[1:]:
        details = {**e.details, "n": -1}
        digest = audit._digest(
            e.seq, e.at, e.actor, e.action, e.subject_type, e.subject_id, details, prev
        )
        _insert(
            db_connection,
            audit.AuditEntry(
                **{**e.__dict__, "details": details, "prev_hash": prev, "hash": digest}
            ),
        )
        prev = digest
    assert _verify(session_factory) == (4, None)
    assert _head(session_factory) != anchored

    db_connection.execute(text("DELETE FROM audit_events WHERE seq = 4"))
    assert _verify(session_factory) == (3, None)
    assert _head(session_factory)[0] < anchored[0]


def test_anchor_check(session_factory: Sessions, db_connection: Connection) -> None:
    _append(session_factory, 3)
    seq, digest = _head(session_factory)
    with unit_of_work(session_factory, write=False) as s:
        assert audit.check_anchor(s, seq, digest) is None
        assert audit.check_anchor(s, seq, digest[:16].upper()) is None
        with pytest.raises(ValueError, match="16 hex digits"):
            audit.check_anchor(s, seq, digest[:15])
        wrong = audit.check_anchor(s, 2, digest)
        assert wrong is not None and wrong.seq == 2 and "rewritten" in wrong.problem
    db_connection.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    with unit_of_work(session_factory, write=False) as s:
        assert audit.verify(s) == (2, None)
        cut = audit.check_anchor(s, seq, digest)
        assert cut is not None and cut.seq == 3 and "cut back" in cut.problem


def test_non_object_details_are_reported_not_raised(
    session_factory: Sessions, db_connection: Connection
) -> None:
    _append(session_factory, 2)
    value = "CAST(:d AS jsonb)" if db_connection.dialect.name == "postgresql" else ":d"
    db_connection.execute(
        text(f"UPDATE audit_events SET details = {value} WHERE seq = 2"),
        {"d": "[1, 2]"},
    )
    assert _verify(session_factory) == (1, ChainBreak(2, _edited()))


# -- concurrency --------------------------------------------------------------------------


def test_concurrent_appends_from_two_engines_make_one_chain(
    make_database: Callable[..., str],
) -> None:
    """Two engines (two processes' worth of pools) appending at once: one unbroken chain.

    On SQLite the database is a file both engines open; on PostgreSQL the appenders serialise
    on the change-log advisory lock.
    """
    url = make_database()
    engines = [create_engine_for(url) for _ in range(2)]
    try:
        factories = [make_session_factory(e) for e in engines]
        per_thread, per_tx = 15, 3
        barrier = threading.Barrier(len(factories))
        errors: list[BaseException] = []

        def run(i: int) -> None:
            try:
                barrier.wait()
                for t in range(per_thread):
                    _append(factories[i], per_tx, actor=f"system:thread-{i}", start=t * per_tx)
            except BaseException as e:  # reported below, in the test's thread
                errors.append(e)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(factories))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        total = len(factories) * per_thread * per_tx
        assert _verify(factories[0]) == (total, None)
        events = _events(factories[1])
        assert [e.seq for e in events] == list(range(1, total + 1))
        # Each transaction's events are contiguous: appenders never interleave.
        for k in range(0, total, per_tx):
            assert len({e.actor for e in events[k : k + per_tx]}) == 1
    finally:
        for e in engines:
            e.dispose()

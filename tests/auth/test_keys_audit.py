"""Key creation and revocation are audited; the secret and its hash never reach the log."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from childsafe.auth import KeyExists, KeyNotFound, KeyService, hash_secret
from childsafe.store import audit
from childsafe.store.engine import unit_of_work

Sessions = sessionmaker[Session]


def _events(sessions: Sessions) -> list[audit.AuditEntry]:
    with unit_of_work(sessions, write=False) as s:
        return list(audit.iter_events(s))


def _table_text(conn: Connection) -> str:
    rows = conn.execute(text("SELECT * FROM audit_events")).all()
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


@pytest.fixture
def keys(session_factory: Sessions) -> KeyService:
    return KeyService(session_factory, actor="cli:alice")


def test_create_and_revoke_are_recorded(keys: KeyService, session_factory: Sessions) -> None:
    info, _ = keys.create("ingest", ["curate", "scan"])
    keys.revoke("ingest")
    events = _events(session_factory)
    assert [(e.actor, e.action, e.subject_type, e.subject_id) for e in events] == [
        ("cli:alice", "key.create", "key", str(info.id)),
        ("cli:alice", "key.revoke", "key", str(info.id)),
    ]
    expected = {"name": "ingest", "prefix": info.prefix, "scopes": ["scan", "curate"]}
    assert [e.details for e in events] == [expected, expected]
    with unit_of_work(session_factory, write=False) as s:
        assert audit.verify(s) == (2, None)


def test_secret_and_hash_never_reach_the_log(
    keys: KeyService, session_factory: Sessions, db_connection: Connection
) -> None:
    secrets = [keys.create(f"k{i}", ["admin"])[1] for i in range(3)]
    keys.revoke("k1")
    everything = _table_text(db_connection)
    assert everything.count("key.create") == 3
    for secret in secrets:
        token = secret.split("_", 2)[2]
        for leak in (secret, token, hash_secret(secret)):
            assert leak not in everything


def test_authenticating_is_not_audited(keys: KeyService, session_factory: Sessions) -> None:
    _, secret = keys.create("scanner", ["scan"])
    keys.authenticate(secret, "scan")  # writes last_used_at
    assert [e.action for e in _events(session_factory)] == ["key.create"]


def test_failures_append_nothing(keys: KeyService, session_factory: Sessions) -> None:
    keys.create("ingest", ["scan"])
    with pytest.raises(KeyExists):
        keys.create("ingest", ["scan"])
    with pytest.raises(KeyNotFound):
        keys.revoke("nobody")
    assert [e.action for e in _events(session_factory)] == ["key.create"]


def test_as_actor(session_factory: Sessions) -> None:
    base = KeyService(session_factory)
    assert base.actor == "system"
    per_request = base.as_actor("key:0badc0de")
    assert (base.actor, per_request.actor) == ("system", "key:0badc0de")
    per_request.create("ingest", ["scan"])
    base.revoke("ingest")
    assert [(e.actor, e.action) for e in _events(session_factory)] == [
        ("key:0badc0de", "key.create"),
        ("system", "key.revoke"),
    ]
    with pytest.raises(ValueError, match="actor"):
        base.as_actor("")

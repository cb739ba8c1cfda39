"""Every bank and entry change appends exactly one audit event, in the change's transaction."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from childsafe.banks import BankExists, BankNotFound, BankService, DuplicateSignal, InvalidEntry
from childsafe.plugins import Registry
from childsafe.store import audit
from childsafe.store.engine import unit_of_work
from tests.factories.banks import make_bank, make_entry
from tests.factories.hashes import random_md5, random_pdq

Sessions = sessionmaker[Session]
ACTOR = "key:0badc0de"


@pytest.fixture
def svc(session_factory: Sessions, registry: Registry) -> BankService:
    return BankService(session_factory, registry, actor=ACTOR)


class Log:
    """The audit log as a test sees it: what was appended since the last look."""

    def __init__(self, sessions: Sessions, conn: Connection) -> None:
        self._sessions = sessions
        self._conn = conn
        self._seen = self.head()

    def head(self) -> int:
        with unit_of_work(self._sessions, write=False) as s:
            return audit.head(s)[0]

    def new(self) -> list[audit.AuditEntry]:
        with unit_of_work(self._sessions, write=False) as s:
            got = list(audit.iter_events(s, after=self._seen))
        if got:
            self._seen = got[-1].seq
        return got

    def one(self) -> audit.AuditEntry:
        got = self.new()
        assert len(got) == 1, got
        return got[0]

    def verify(self) -> tuple[int, audit.ChainBreak | None]:
        with unit_of_work(self._sessions, write=False) as s:
            return audit.verify(s)

    def text(self) -> str:
        """Every column of every row, as text: for checking what must never be there."""
        rows = self._conn.execute(text("SELECT * FROM audit_events")).all()
        return "\n".join(" ".join(str(v) for v in row) for row in rows)


@pytest.fixture
def log(session_factory: Sessions, db_connection: Connection) -> Log:
    return Log(session_factory, db_connection)


def _what(e: audit.AuditEntry) -> tuple[str, str, str, str]:
    return e.actor, e.action, e.subject_type, e.subject_id


# -- banks --------------------------------------------------------------------------------


def test_create_bank(svc: BankService, log: Log) -> None:
    b = svc.create_bank("harbor", action="review", threshold=20, labels=["A1"])
    e = log.one()
    assert _what(e) == (ACTOR, "bank.create", "bank", str(b.id))
    assert e.details == {
        "bank": "harbor",
        "settings": {
            "description": "",
            "action": "review",
            "threshold": 20,
            "enabled": True,
            "source": "manual",
            "labels": ["A1"],
            "match_dihedral": False,
            "trim_borders": False,
            "variants": [],
        },
    }


def test_failed_create_appends_nothing(svc: BankService, log: Log) -> None:
    svc.create_bank("harbor")
    log.new()
    with pytest.raises(BankExists):
        svc.create_bank("harbor")
    assert log.new() == []


def test_update_records_only_what_changed(svc: BankService, log: Log) -> None:
    b = svc.create_bank("harbor", description="old", threshold=10)
    log.new()
    svc.update_bank("harbor", description="new", threshold=10, action="review", labels=["B2"])
    e = log.one()
    assert _what(e) == (ACTOR, "bank.update", "bank", str(b.id))
    assert e.details == {
        "bank": "harbor",
        "before": {"description": "old", "action": "block", "labels": []},
        "after": {"description": "new", "action": "review", "labels": ["B2"]},
    }
    svc.update_bank("harbor", description="new", threshold=10)  # nothing changes
    assert log.new() == []


def test_rename_is_recorded_under_the_old_name(svc: BankService, log: Log) -> None:
    svc.create_bank("harbor")
    svc.create_bank("lantern")
    log.new()
    svc.update_bank("harbor", new_name="meadow")
    e = log.one()
    assert e.details == {
        "bank": "harbor",
        "before": {"name": "harbor"},
        "after": {"name": "meadow"},
    }
    with pytest.raises(BankExists):
        svc.update_bank("meadow", new_name="lantern")
    assert log.new() == []


def test_enable_and_disable_bank(svc: BankService, log: Log) -> None:
    svc.create_bank("harbor")
    log.new()
    svc.update_bank("harbor", enabled=False)
    svc.update_bank("harbor", enabled=False)
    svc.update_bank("harbor", enabled=True)
    assert [(e.action, e.details["before"], e.details["after"]) for e in log.new()] == [
        ("bank.disable", {"enabled": True}, {"enabled": False}),
        ("bank.enable", {"enabled": False}, {"enabled": True}),
    ]


def test_delete_bank(svc: BankService, log: Log) -> None:
    b = svc.create_bank("harbor")
    log.new()
    svc.delete_bank("harbor")
    e = log.one()
    assert _what(e) == (ACTOR, "bank.delete", "bank", str(b.id))
    assert e.details == {"bank": "harbor"}
    with pytest.raises(BankNotFound):
        svc.delete_bank("harbor")
    assert log.new() == []


# -- entries ------------------------------------------------------------------------------


def test_add_entry_names_types_never_values(svc: BankService, log: Log, rng: random.Random) -> None:
    make_bank(svc, "harbor")
    log.new()
    pdq, md5 = random_pdq(rng), random_md5(rng)
    entry = svc.add_entry(
        "harbor",
        [("pdq", pdq, ""), ("pdq", random_pdq(rng), "crop90"), ("md5", md5, "")],
        labels=["A1"],
        external_id="upload-17",
        added_by="reviewer-3",
    )
    e = log.one()
    assert _what(e) == (ACTOR, "entry.create", "entry", str(entry.id))
    assert e.details == {
        "bank": "harbor",
        "bank_id": entry.bank_id,
        "signals": [
            {"type": "pdq", "variant": ""},
            {"type": "pdq", "variant": "crop90"},
            {"type": "md5", "variant": ""},
        ],
        "labels": ["A1"],
        "source": "manual",
        "added_by": "reviewer-3",
    }
    everything = log.text()
    assert pdq not in everything and md5 not in everything


def test_failed_add_appends_nothing(svc: BankService, log: Log, rng: random.Random) -> None:
    make_bank(svc, "harbor")
    pdq = make_entry(svc, "harbor", rng).signals[0].value
    log.new()
    with pytest.raises(DuplicateSignal):
        svc.add_entry("harbor", {"pdq": pdq})
    with pytest.raises(BankNotFound):
        svc.add_entry("nowhere", {"pdq": random_pdq(rng)})
    assert log.new() == []


def test_entry_states(svc: BankService, log: Log, rng: random.Random) -> None:
    make_bank(svc, "harbor")
    entry = make_entry(svc, "harbor", rng)
    log.new()
    svc.disable_entry(entry.id)
    svc.disable_entry(entry.id)  # already disabled: no change, no event
    svc.enable_entry(entry.id)
    svc.enable_entry(entry.id)
    svc.delete_entry(entry.id)
    svc.delete_entry(entry.id)
    with pytest.raises(InvalidEntry):
        svc.enable_entry(entry.id)
    events = log.new()
    assert [_what(e) for e in events] == [
        (ACTOR, f"entry.{op}", "entry", str(entry.id)) for op in ("disable", "enable", "delete")
    ]
    assert all(e.details == {"bank": "harbor", "bank_id": entry.bank_id} for e in events)


# -- imports ------------------------------------------------------------------------------


def test_import_is_one_event_with_counts(svc: BankService, log: Log, rng: random.Random) -> None:
    b = make_bank(svc, "harbor")
    values = [random_pdq(rng) for _ in range(40)]
    make_entry(svc, "harbor", rng, pdq=values[0])
    log.new()
    report = svc.import_signals(
        "harbor", ["# list", *values, "not-a-hash", values[1]], signal_type="pdq", source="vendor"
    )
    assert (report.added, report.duplicates, report.invalid_count) == (39, 2, 1)
    e = log.one()
    assert _what(e) == (ACTOR, "bank.import", "bank", str(b.id))
    assert e.details == {
        "bank": "harbor",
        "added": 39,
        "duplicates": 2,
        "invalid": 1,
        "lines": 43,
        "format": "auto",
        "signal_type": "pdq",
        "source": "vendor",
        "strict": False,
    }
    everything = log.text()
    assert not [v for v in values if v in everything]
    assert "not-a-hash" not in everything


def test_refused_imports_append_nothing(svc: BankService, log: Log, rng: random.Random) -> None:
    make_bank(svc, "harbor")
    log.new()
    report = svc.import_signals("harbor", [random_pdq(rng), "zz"], signal_type="pdq", strict=True)
    assert report.rolled_back
    with pytest.raises(BankNotFound):
        svc.import_signals("nowhere", [random_pdq(rng)], signal_type="pdq")
    assert log.new() == []


# -- actors and transactions --------------------------------------------------------------


def test_default_actor_and_as_actor(
    session_factory: Sessions, registry: Registry, log: Log, rng: random.Random
) -> None:
    base = BankService(session_factory, registry)
    assert base.actor == "system"
    other = base.as_actor("cli:alice")
    assert (base.actor, other.actor) == ("system", "cli:alice")
    base.create_bank("harbor")
    other.add_entry("harbor", {"pdq": random_pdq(rng)})
    base.delete_bank("harbor")
    assert [(e.actor, e.action) for e in log.new()] == [
        ("system", "bank.create"),
        ("cli:alice", "entry.create"),
        ("system", "bank.delete"),
    ]
    with pytest.raises(ValueError, match="actor"):
        base.as_actor("")
    with pytest.raises(ValueError, match="actor"):
        BankService(session_factory, registry, actor="x" * 200)


def test_change_and_record_commit_together(
    svc: BankService, log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the audit row cannot be written, the change is not made either."""

    def refuse(*_: Any, **__: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "append", refuse)
    with pytest.raises(RuntimeError, match="audit log unavailable"):
        svc.create_bank("harbor")
    monkeypatch.undo()
    assert [b.name for b in svc.list_banks()] == []
    assert log.new() == []


def test_a_session_of_curation_verifies(svc: BankService, log: Log, rng: random.Random) -> None:
    make_bank(svc, "harbor")
    entry = make_entry(svc, "harbor", rng, with_md5=True)
    svc.import_signals("harbor", [random_pdq(rng) for _ in range(5)], signal_type="pdq")
    svc.disable_entry(entry.id)
    svc.update_bank("harbor", action="review")
    svc.delete_bank("harbor")
    assert [e.action for e in log.new()] == [
        "bank.create",
        "entry.create",
        "bank.import",
        "entry.disable",
        "bank.update",
        "bank.delete",
    ]
    checked, broken = log.verify()
    assert broken is None and checked == log.head()

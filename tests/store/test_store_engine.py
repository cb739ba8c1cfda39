from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from childsafe.store import Bank, BankEntry, StoreError, create_engine_for, unit_of_work
from childsafe.store.changes import changes_since, last_seq, record_change


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    try:
        with engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert (c.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) > 0
            assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        engine.dispose()
    assert (tmp_path / "sub").is_dir()


def test_bare_postgresql_url_uses_psycopg() -> None:
    engine = create_engine_for("postgresql://someone@127.0.0.1:1/none")
    assert engine.url.drivername == "postgresql+psycopg"
    engine.dispose()


def test_unsupported_backend_is_named() -> None:
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        create_engine_for("mysql://u@h/db")


def test_timestamps_round_trip_as_utc(session: Session) -> None:
    t = datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    bank = Bank(name="harbor", created_at=t, updated_at=t)
    session.add(bank)
    session.flush()
    session.expire_all()
    got = session.scalars(select(Bank).where(Bank.id == bank.id)).one()
    assert got.created_at == t and got.created_at.tzinfo == UTC
    assert got.labels == [] and got.variants == [] and got.enabled is True


def test_naive_datetime_refused(session: Session) -> None:
    session.add(Bank(name="harbor", created_at=datetime(2024, 1, 1)))
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_foreign_keys_enforced(session: Session) -> None:
    session.add(BankEntry(bank_id=999_999))
    with pytest.raises(IntegrityError):
        session.flush()


def test_check_constraint_on_action(session: Session) -> None:
    session.add(Bank(name="harbor", action="erase"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_change_sequence_increases(session: Session) -> None:
    start = last_seq(session)
    for i in range(3):
        record_change(session, "bank", "update", i, i)
    rows = changes_since(session, start)
    assert [r.entity_id for r in rows] == [0, 1, 2]
    assert [r.seq for r in rows] == sorted(r.seq for r in rows)
    assert rows[0].seq > start and last_seq(session) == rows[-1].seq


def test_unit_of_work_commits_or_rolls_back(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as s:
        s.add(Bank(name="kept"))
    with pytest.raises(RuntimeError), unit_of_work(session_factory) as s:
        s.add(Bank(name="dropped"))
        s.flush()
        raise RuntimeError
    with unit_of_work(session_factory, write=False) as s:
        names = set(s.scalars(select(Bank.name)))
    assert "kept" in names and "dropped" not in names


def test_sqlite_write_transactions_take_the_lock_up_front(
    db_backend: str, make_database: Callable[..., str]
) -> None:
    if db_backend != "sqlite":
        return  # PostgreSQL has row locks; the up-front lock is a SQLite need
    engine = create_engine_for(make_database())
    try:
        with unit_of_work(sessionmaker(engine)):
            with engine.connect() as other:
                other.connection.dbapi_connection.execute("PRAGMA busy_timeout=50")  # type: ignore[union-attr]
                other.execution_options(childsafe_sqlite_begin="IMMEDIATE")
                with pytest.raises(OperationalError, match="locked"):
                    other.execute(text("SELECT 1"))
            # A reader is not blocked by the writer (WAL).
            with engine.connect() as reader:
                assert reader.execute(text("SELECT count(*) FROM banks")).scalar() == 0
    finally:
        engine.dispose()


def test_a_failed_upgrade_is_tried_again_and_a_lasting_one_still_fails(tmp_path: Path) -> None:
    from childsafe.store.engine import _upgrade_retrying

    engine = create_engine_for(f"sqlite:///{tmp_path / 'x.db'}")
    calls: list[int] = []

    def flaky(_: object) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("CREATE INDEX ...", {}, Exception("database is locked"))

    _upgrade_retrying(engine, flaky)
    assert len(calls) == 2

    def broken(_: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("disk I/O error"))

    with pytest.raises(OperationalError):
        _upgrade_retrying(engine, broken)
    engine.dispose()

"""Engines, sessions and units of work for SQLite (embedded) and PostgreSQL (production).

SQLite needs three things the driver does not do by default. WAL, so a scan can read while a
bank import writes. Real transactions: Python's sqlite3 module opens them lazily and silently
commits around DDL, which breaks savepoints and transactional migrations, so the driver's own
handling is switched off and SQLAlchemy emits ``BEGIN`` itself. And write transactions that
take the write lock up front (``BEGIN IMMEDIATE``): a deferred transaction that read first and
then tries to write fails at once with "database is locked" when another writer got in between,
whatever the busy timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

from childsafe.settings import Settings

#: Milliseconds a SQLite writer waits for another writer before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000

#: Connection execution option read by the SQLite ``begin`` hook.
_SQLITE_BEGIN = "childsafe_sqlite_begin"

SessionFactory = Callable[[], Session]


class StoreError(RuntimeError):
    """The database cannot be opened or is not usable as configured."""


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN, see the module docstring
    cur = dbapi_connection.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")  # first: the rest may wait
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
    finally:
        cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(_SQLITE_BEGIN, "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def _normalise_url(url: str | URL) -> URL:
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "postgresql" and u.get_driver_name() in ("", "psycopg2", "psycopg"):
        # psycopg 3 is the one driver we ship and test; a bare postgresql:// means it too.
        return u.set(drivername="postgresql+psycopg")
    if backend in ("sqlite", "postgresql"):
        return u
    raise StoreError(
        f"unsupported database {backend!r} in {u.render_as_string(hide_password=True)}; "
        "use sqlite:///path/to/childsafe.db or postgresql+psycopg://user@host/db"
    )


def create_engine_for(url: str | URL, **kwargs: Any) -> Engine:
    """An engine configured for childsafe's needs on either supported backend."""
    u = _normalise_url(url)
    if u.get_backend_name() == "sqlite":
        db = u.database or ""
        if db and db != ":memory:" and not db.startswith("file:"):
            Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(u, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(u, **kwargs)


def make_session_factory(bind: Engine | Connection, **kwargs: Any) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (callers get plain values back)."""
    kwargs.setdefault("expire_on_commit", False)
    return sessionmaker(bind=bind, **kwargs)


@contextmanager
def unit_of_work(sessions: SessionFactory, *, write: bool = True) -> Iterator[Session]:
    """One transaction: committed if the block ends normally, rolled back if it raises.

    ``write=True`` takes SQLite's write lock at ``BEGIN``; read-only work passes ``False`` so it
    never waits for, or blocks, a writer.
    """
    with sessions() as session, session.begin():
        if write:
            session.connection(execution_options={_SQLITE_BEGIN: "IMMEDIATE"})
        yield session


@dataclass
class Store:
    """An open database: the engine, and the session factory services are built over."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def url(self) -> URL:
        return self.engine.url

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(settings: Settings, *, migrate: bool = True, **engine_kwargs: Any) -> Store:
    """Open (creating if needed) the configured database, upgraded to the newest schema.

    Upgrading on open is what makes "install and run" work with no separate migrate step; it is
    safe with several processes starting at once (see the migrations' ``env.py``).
    """
    from childsafe.store.migrate import upgrade  # alembic is imported only when needed

    engine = create_engine_for(settings.resolved_database_url(), **engine_kwargs)
    if migrate:
        try:
            _upgrade_retrying(engine, upgrade)
        except Exception:
            engine.dispose()
            raise
    return Store(engine=engine, sessions=make_session_factory(engine))


def _upgrade_retrying(engine: Engine, upgrade: Callable[[Engine], None]) -> None:
    """Upgrade, trying again after a database error. Workers starting together on a new
    database all try to migrate; the locks in the migrations' ``env.py`` serialise them, but a
    suite run under load once saw one of three SQLite processes fail mid-way (not reproduced
    in over a hundred runs since). Whatever it was, the retry finds the schema migrated by the
    process that won, or migrates it; a real problem still fails, on the third try."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(3):
        try:
            upgrade(engine)
            return
        except OperationalError:
            if attempt == 2:
                raise
            engine.dispose()  # fresh connections: nothing cached from the failed attempt
            time.sleep(0.2 * (attempt + 1))

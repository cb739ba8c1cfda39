"""Database fixtures shared by every test that touches the store.

``db_url`` runs a test once on SQLite and once on PostgreSQL: the two backends differ in
locking, types and transaction rules, and the embedded one is what most users run first. Each
backend gets one database per test session, migrated once; each test then runs inside a
transaction that is rolled back, so tests are isolated and fast. Tests that need real commits
(concurrency, migrations) ask ``make_database`` for a database of their own.

PostgreSQL is required, not optional: a skipped backend is a backend nobody tests.
"""

from __future__ import annotations

import os
import random
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from childsafe.banks import BankService
from childsafe.plugins import Registry, load_registry
from childsafe.store.engine import create_engine_for, make_session_factory
from childsafe.store.migrate import upgrade

#: Server for the throwaway PostgreSQL databases; override to use another one.
PG_ADMIN_URL = os.environ.get(
    "CHILDSAFE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")


def _pg_admin() -> Engine:
    return create_engine_for(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )


def _create_pg_database() -> str:
    name = f"childsafe_test_{secrets.token_hex(6)}"
    admin = _pg_admin()
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as e:
        pytest.fail(
            f"PostgreSQL is not reachable at {make_url(PG_ADMIN_URL).render_as_string()}: "
            f"{e.orig}\nThe store tests need it. Start it with "
            "`pg_ctlcluster 15 main start` (or run `.ci/run`, which does), "
            "or set CHILDSAFE_TEST_POSTGRES_URL to a server you can create databases on.",
            pytrace=False,
        )
    finally:
        admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = _pg_admin()
    try:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _new_database(backend: str, folder: Path, *, migrate: bool) -> str:
    if backend == "sqlite":
        url = f"sqlite:///{folder / f'childsafe-{secrets.token_hex(4)}.db'}"
    else:
        url = _create_pg_database()
    if migrate:
        engine = create_engine_for(url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def db_url(db_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head, shared by the session (one per backend)."""
    url = _new_database(db_backend, tmp_path_factory.mktemp("db"), migrate=True)
    yield url
    if db_backend == "postgresql":
        _drop_pg_database(url)


@pytest.fixture(scope="session")
def db_engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine_for(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_connection(db_engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    conn = db_engine.connect()
    trans = conn.begin()
    try:
        yield conn
    finally:
        trans.rollback()
        conn.close()


@pytest.fixture
def session_factory(db_connection: Connection) -> sessionmaker[Session]:
    """Sessions joined to the test's transaction; their commits become savepoint releases."""
    return make_session_factory(db_connection, join_transaction_mode="create_savepoint")


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture
def bank_service(session_factory: sessionmaker[Session], registry: Registry) -> BankService:
    return BankService(session_factory, registry)


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """Random values that are the same on every run of the same test."""
    return random.Random(request.node.nodeid)


@pytest.fixture
def make_database(db_backend: str, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Databases of the current backend that the test owns (real commits), dropped after."""
    made: list[str] = []

    def make(*, migrate: bool = True) -> str:
        url = _new_database(db_backend, tmp_path, migrate=migrate)
        made.append(url)
        return url

    yield make
    if db_backend == "postgresql":
        for url in made:
            _drop_pg_database(url)

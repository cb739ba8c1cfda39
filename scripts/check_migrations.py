#!/usr/bin/env python3
"""Fail when the models and the migrations describe different schemas.

Upgrades a fresh SQLite database, and a fresh PostgreSQL database when a server is reachable,
to head and compares the result with the models (Alembic's ``compare_metadata``). Run by
``scripts/check``; exits non-zero printing the differences. Set
``CHILDSAFE_CHECK_POSTGRES_URL`` (a server where databases may be created) to choose the server,
and ``CHILDSAFE_REQUIRE_POSTGRES=1`` to fail rather than warn when it is unreachable (the default
when ``CI`` is set: there the server is always started, so its absence is a fault).
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path
from pprint import pformat

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from childsafe.store.engine import create_engine_for
from childsafe.store.migrate import upgrade
from childsafe.store.models import Base

PG_URL = os.environ.get(
    "CHILDSAFE_CHECK_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def diff(url: str) -> list[object]:
    engine = create_engine_for(url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))
    finally:
        engine.dispose()


def report(label: str, differences: list[object]) -> bool:
    if differences:
        print(f"{label}: models and migrations disagree:\n{pformat(differences)}")
        print("Write a migration for the model change (see src/childsafe/store/migrations).")
        return False
    print(f"{label}: models and migrations agree")
    return True


def check_postgresql() -> bool:
    admin = create_engine_for(
        PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    name = f"childsafe_check_{secrets.token_hex(6)}"
    try:
        try:
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
        except OperationalError as e:
            where = make_url(PG_URL).render_as_string()
            print(f"postgresql: not reachable at {where} ({e.orig}); not checked")
            required = os.environ.get(
                "CHILDSAFE_REQUIRE_POSTGRES", "1" if os.environ.get("CI") else "0"
            )
            return required != "1"
        try:
            url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
            return report("postgresql", diff(url))
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        ok = report("sqlite", diff(f"sqlite:///{Path(d) / 'check.db'}"))
    ok = check_postgresql() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

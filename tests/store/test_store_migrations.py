from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, inspect

from childsafe.settings import Settings
from childsafe.store import open_store
from childsafe.store.engine import create_engine_for
from childsafe.store.migrate import current_revision, downgrade, head_revision, upgrade
from childsafe.store.models import Base

TABLES = {"banks", "bank_entries", "entry_signals", "changes", "api_keys", "alembic_version"}


def _diff(url: str, metadata: MetaData = Base.metadata) -> list[object]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), metadata))
    finally:
        engine.dispose()


def test_migrations_agree_with_models(db_url: str) -> None:
    assert _diff(db_url) == []


def test_comparison_would_notice_a_model_change(db_url: str) -> None:
    changed = MetaData()
    for t in Base.metadata.tables.values():
        t.to_metadata(changed)
    Table("extra", changed, Column("id", Integer, primary_key=True))
    assert any("extra" in str(d) for d in _diff(db_url, changed))


def test_upgrade_downgrade_upgrade(make_database: Callable[..., str]) -> None:
    url = make_database(migrate=False)
    engine = create_engine_for(url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) >= TABLES
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_open_store_creates_and_upgrades(tmp_path: Path) -> None:
    home = tmp_path / "not" / "yet"
    with open_store(Settings(home=home)) as store:
        assert (home / "childsafe.db").exists()
        assert current_revision(store.engine) == head_revision()
    with open_store(Settings(home=home)) as store:  # idempotent on an existing database
        assert current_revision(store.engine) == head_revision()


def test_open_store_with_database_url(make_database: Callable[..., str], tmp_path: Path) -> None:
    url = make_database(migrate=False)
    with open_store(Settings(home=tmp_path, database_url=url)) as store:
        assert current_revision(store.engine) == head_revision()


@pytest.mark.slow
def test_processes_opening_a_new_database_at_once(
    make_database: Callable[..., str], tmp_path: Path
) -> None:
    """Several workers starting together all try to migrate; exactly one does, none fails."""
    url = make_database(migrate=False)
    code = (
        "import sys\n"
        "from childsafe.settings import Settings\n"
        "from childsafe.store import open_store\n"
        "open_store(Settings(home=sys.argv[1], database_url=sys.argv[2])).close()\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path), url], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 3, errors
    assert _diff(url) == []

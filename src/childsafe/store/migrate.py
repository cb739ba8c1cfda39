"""Running the migrations shipped inside the package, from code rather than an ``alembic.ini``.

An installed childsafe has no project checkout and no ini file; the migration scripts travel in
the wheel and are found as package data.
"""

from __future__ import annotations

import threading

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

SCRIPT_LOCATION = "childsafe.store:migrations"

#: Alembic keeps the running migration's context in module globals, so two threads migrating
#: at once (say, two stores opened by one server) would run on each other's connections.
#: Processes are kept apart by the database's own locks (see ``env.py``); threads by this.
_ALEMBIC_LOCK = threading.Lock()


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(bind: Engine | Connection, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest)."""
    with _ALEMBIC_LOCK:
        if isinstance(bind, Connection):
            command.upgrade(alembic_config(bind), revision)
            return
        with bind.connect() as conn:
            command.upgrade(alembic_config(conn), revision)
            conn.commit()


def downgrade(bind: Engine | Connection, revision: str = "base") -> None:
    with _ALEMBIC_LOCK:
        if isinstance(bind, Connection):
            command.downgrade(alembic_config(bind), revision)
            return
        with bind.connect() as conn:
            command.downgrade(alembic_config(conn), revision)
            conn.commit()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(bind: Engine | Connection) -> str | None:
    if isinstance(bind, Connection):
        return MigrationContext.configure(bind).get_current_revision()
    with bind.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()

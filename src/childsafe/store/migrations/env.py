"""Alembic environment for childsafe's own schema.

Called with a connection in ``config.attributes["connection"]`` (how ``open_store`` and the
tests run it) or with ``sqlalchemy.url`` set (the ``alembic`` command line). Several processes
may start at once against one database and all try to upgrade: PostgreSQL serialises them on an
advisory lock, SQLite on its write lock, and each re-reads the version after getting the lock,
so only the first does the work.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from childsafe.store.engine import create_engine_for
from childsafe.store.models import Base

#: Arbitrary constant naming the advisory lock held while migrating ("cs" "mig").
MIGRATION_LOCK = 0x6373_6D69

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_online(connection: Connection) -> None:
    connection.execution_options(childsafe_sqlite_begin="IMMEDIATE")
    _configure(connection)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        context.run_migrations()


def run_offline() -> None:
    """Emit SQL for a DBA to review and apply instead of touching a database."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    given = config.attributes.get("connection")
    if given is not None:
        run_online(given)
    else:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("set sqlalchemy.url or pass a connection to run migrations")
        engine = create_engine_for(url)
        try:
            with engine.connect() as conn:
                run_online(conn)
                conn.commit()
        finally:
            engine.dispose()

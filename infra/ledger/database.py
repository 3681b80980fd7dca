"""The ledger's database: engines (SQLite tuned for concurrent runs, PostgreSQL), creation and alembic upgrades."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_engine(url: str) -> Engine:
    """An engine for the ledger; SQLite gets WAL, a busy timeout, foreign keys and BEGIN IMMEDIATE."""
    parsed = sa.make_url(url)
    serializer = functools.partial(json.dumps, default=str, ensure_ascii=False)
    create_database_if_missing(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(
            parsed, json_serializer=serializer, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _configure_sqlite)
        # Take the write lock when a transaction starts: two writers then queue on the busy timeout
        # instead of deadlocking on a read-to-write lock upgrade.
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return sa.create_engine(parsed, json_serializer=serializer, pool_pre_ping=True)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (see create_engine)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def create_database_if_missing(database_url: str) -> None:
    """Create the database a URL names: the folder of a SQLite file, or the database on a PostgreSQL server."""
    url = sa.make_url(database_url)
    name = url.database
    if url.get_backend_name() == "sqlite":
        if name and name != ":memory:" and not name.startswith("file:"):
            Path(name).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return
    if url.get_backend_name() != "postgresql" or not name:
        return
    probe = sa.create_engine(url)
    try:
        with probe.connect():
            return
    except OperationalError as error:
        if "does not exist" not in str(error):
            raise
    finally:
        probe.dispose()
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                quoted = admin.dialect.identifier_preparer.quote(name)
                try:
                    connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
                except sa.exc.ProgrammingError as error:  # created meanwhile by another process
                    if "already exists" not in str(error):
                        raise
    finally:
        admin.dispose()


# An arbitrary constant: concurrent upgrades on PostgreSQL queue on this advisory lock.
_MIGRATION_LOCK_ID = 0x4A554E4B414E


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run alembic migrations up to `revision`, in one transaction, without an alembic.ini."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

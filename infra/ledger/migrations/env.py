"""Alembic environment: runs on the connection `infra.ledger.upgrade` hands over, or on a URL for the CLI."""

from __future__ import annotations

from alembic import context

from infra.ledger import Base, create_engine


def _run() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    # `alembic -c infra/ledger/migrations/alembic.ini …` from a shell: the ledger URL comes from the settings.
    from infra.settings import get_settings

    url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url
    engine = create_engine(url)
    try:
        with engine.begin() as own_connection:
            context.configure(connection=own_connection, target_metadata=Base.metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    msg = "offline (--sql) migrations are not supported; run them against a database"
    raise SystemExit(msg)
_run()

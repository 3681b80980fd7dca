"""Fixtures for infra tests: a throw-away database (SQLite by default, PostgreSQL when asked)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from infra.ledger import Ledger
from infra.warehouse import Warehouse

# e.g. postgresql+psycopg://junkan:junkan@127.0.0.1:5432/junkan — each test then gets its own database.
TEST_DATABASE_URL_ENV = "JUNKAN_TEST_DATABASE_URL"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL for one test."""
    base = os.environ.get(TEST_DATABASE_URL_ENV)
    if not base:
        yield f"sqlite:///{tmp_path / 'junkan.db'}"
        return
    url = sa.make_url(base)
    name = f"{url.database or 'junkan'}_test_{uuid.uuid4().hex[:12]}"
    yield url.set(database=name).render_as_string(hide_password=False)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            quoted = admin.dialect.identifier_preparer.quote(name)
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    finally:
        admin.dispose()


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    """A migrated ledger on the test database."""
    opened = Ledger.connect(database_url)
    yield opened
    opened.close()


@pytest.fixture
def warehouse(database_url: str, tmp_path: Path) -> Iterator[Warehouse]:
    """A warehouse with every table created, its catalog in the test database and its data under tmp_path."""
    opened = Warehouse.open(catalog_url=database_url, warehouse_uri=(tmp_path / "warehouse").as_uri())
    opened.ensure_tables()
    yield opened
    opened.close()

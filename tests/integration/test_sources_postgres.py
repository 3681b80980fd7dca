"""Pulling a member's PostgreSQL table, with its URL kept in a real Prefect Secret block.

The source database is a fresh PostgreSQL database (`module_database_url`); the Secret block lives on a
temporary Prefect server (`prefect_test_harness`, started once for the module); the ledger is SQLite.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from flows import runtime
from flows.cli import sources as cli_sources
from flows.stages.batch import validate_submissions
from flows.stages.pull import pull_sources
from infra.access.prefect_secrets import prefect_secret
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from schemas import FLOWS

SCHEMA = "erp"
TABLE = "flows_export"


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[None]:
    """A temporary Prefect server for Secret blocks (~20 s to start, once per module)."""
    from prefect.testing.utilities import prefect_test_harness

    with pytest.MonkeyPatch.context() as patch:
        # The server's telemetry heartbeat races the harness for its SQLite file and logs tracebacks.
        patch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        with prefect_test_harness(server_startup_timeout=180):
            yield


@pytest.fixture
def member_table(module_database_url: str) -> Iterator[sa.Table]:
    """The member's table: its own key, then the flows contract's submitted columns (quantity as NUMERIC)."""
    engine = sa.create_engine(module_database_url)
    table = sa.Table(
        TABLE,
        sa.MetaData(),
        sa.Column("row_id", sa.Integer(), primary_key=True, autoincrement=False),
        *(
            sa.Column(column.name, sa.Numeric(12, 3) if column.name == "quantity" else sa.Text())
            for column in FLOWS.submitted_columns
        ),
        schema=SCHEMA,
    )
    flow = {"member_id": "city-a", "period": "FY2024", "material": "paper", "unit": "t", "region": "JP-40"}
    with engine.begin() as connection:
        connection.execute(sa.schema.CreateSchema(SCHEMA, if_not_exists=True))
        table.create(connection)
        connection.execute(
            table.insert(),
            [
                {**flow, "row_id": 2, "source_stage": "collection", "target_stage": "recycling", "quantity": 30},
                {**flow, "row_id": 1, "source_stage": "use", "target_stage": "collection", "quantity": Decimal("80.5")},
            ],
        )
    yield table
    with engine.begin() as connection:
        table.drop(connection)
    engine.dispose()


@pytest.fixture
def resources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Resources]:
    home = tmp_path / "home"
    monkeypatch.setenv("JUNKAN_HOME", str(home))
    monkeypatch.setattr(runtime, "prepare_environment", lambda settings: None)  # keep this process's logging
    built = build_resources(Settings(home=home))
    built.ledger.add_member(Member("city-a", "city-a", "municipality", "JP-40", date(2023, 4, 1)))
    yield built
    built.close()


def test_a_postgres_source_is_pulled_once_per_change_and_its_password_stays_secret(
    prefect_api: None,
    module_database_url: str,
    member_table: sa.Table,
    resources: Resources,
    caplog: pytest.LogCaptureFixture,
) -> None:
    password = sa.make_url(module_database_url).password
    assert password
    app = typer.Typer()
    app.command("noop")(lambda: None)
    cli_sources.register(app)
    added = CliRunner().invoke(
        app,
        ["sources", "add-sql", "city-a", "--dataset", "flows", "--url-env", "MEMBER_DB", "--table", TABLE]
        + ["--schema", SCHEMA],
        env={"MEMBER_DB": module_database_url},
    )
    assert added.exit_code == 0, added.stderr
    [source] = resources.ledger.list_sources()
    assert source.secret_block is not None
    assert prefect_secret(source.secret_block) == module_database_url  # the real block holds the URL

    with caplog.at_level(logging.DEBUG):
        [first] = pull_sources(resources)
    assert first.error is None
    assert first.is_new
    # Every submitted column exists in the table; the ones after region (origin, destination, quality, note,
    # is_renewable, product) are NULL (empty), as are source and target.
    empty = "," * (len(FLOWS.read_schema) - 10)
    assert resources.storage.get_bytes(first.key or "").decode() == (
        ",".join(FLOWS.read_schema) + "\n"
        f"city-a,FY2024,paper,use,collection,,,80.500,t,JP-40{empty}\n"
        f"city-a,FY2024,paper,collection,recycling,,,30.000,t,JP-40{empty}\n"
    )
    [validated] = validate_submissions(resources, [first.submission_id or ""])
    assert (validated.status, validated.counts.read, validated.counts.accepted) == ("valid", 2, 2)

    [unchanged] = pull_sources(resources)
    assert (unchanged.submission_id, unchanged.is_new) == (first.submission_id, False)
    assert len(resources.ledger.submissions()) == 1

    engine = sa.create_engine(module_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(member_table.update().where(member_table.c.row_id == 2).values(quantity=35))
    finally:
        engine.dispose()
    with caplog.at_level(logging.DEBUG):
        [changed] = pull_sources(resources)
    assert changed.is_new
    assert changed.key == first.key
    assert b"collection,recycling,,,35.000,t" in resources.storage.get_bytes(changed.key or "")
    [revalidated] = validate_submissions(resources, [changed.submission_id or ""])
    assert revalidated.status == "valid"
    old = resources.ledger.get_submission(first.submission_id or "")
    assert old is not None
    assert (old.status, old.superseded_by, old.source) == ("superseded", changed.submission_id, "sql")

    home = resources.settings.resolved_home
    assert all(password.encode() not in path.read_bytes() for path in home.glob("junkan.db*"))
    assert all(password not in record.getMessage() for record in caplog.records)
    assert password not in added.stdout + added.stderr

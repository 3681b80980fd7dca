"""BI access without servers: names, the MinIO policy's reach, SQLite refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows import cli
from infra.access.bi_access import BiAccessError, bi_policy, bi_role_name, create_database_role


def test_names_are_checked_before_they_reach_sql_or_minio() -> None:
    assert bi_role_name("city-dashboard") == "junkan_bi_city_dashboard"
    for bad in ("x", "Superset", "1bi", "bi_reader", "a" * 32, 'bi"; DROP ROLE junkan; --'):
        with pytest.raises(ValueError, match="BI reader name"):
            bi_role_name(bad)


def test_the_policy_reads_mart_and_nothing_else() -> None:
    policy = bi_policy(bucket="junkan")
    actions = {action for statement in policy["Statement"] for action in statement["Action"]}
    assert actions == {"s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject"}
    by_sid = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert by_sid["ReadMart"]["Resource"] == ["arn:aws:s3:::junkan/warehouse/mart/*"]
    assert by_sid["ListMart"]["Condition"] == {"StringLike": {"s3:prefix": ["warehouse/mart/*"]}}
    assert all(statement["Effect"] == "Allow" for statement in policy["Statement"])


def test_sqlite_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(BiAccessError, match="SQLite, which has no users or roles"):
        create_database_role(f"sqlite:///{tmp_path / 'junkan.db'}", "superset", connection_limit=10)
    with pytest.raises(BiAccessError, match="needs the catalog on PostgreSQL, not mysql"):
        create_database_role("mysql://u:secretpw@db/junkan", "superset", connection_limit=10)


def test_the_command_refuses_sqlite_and_prints_no_credentials(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.app, ["bi-access", "create", "superset"], env={"JUNKAN_HOME": str(tmp_path)})
    assert result.exit_code == 2
    assert "SQLite, which has no users or roles" in result.output
    assert "password" not in result.output.replace("PostgreSQL", "")
    assert "secret key" not in result.output


def test_a_connection_limit_below_one_is_refused_before_any_connection() -> None:
    # PostgreSQL would read -1 as unlimited and 0 as never; nothing listens on port 1.
    for limit in (-1, 0):
        with pytest.raises(ValueError, match="connection limit of at least 1"):
            create_database_role("postgresql+psycopg://u:pw@127.0.0.1:1/junkan", "superset", connection_limit=limit)

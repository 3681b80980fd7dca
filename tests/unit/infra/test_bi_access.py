"""BI access without servers: names, the MinIO policy's reach, the SCRAM verifier, SQLite refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows import cli
from infra.bi_access import BiAccessError, bi_policy, bi_role_name, create_database_role, scram_sha_256


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


def test_the_scram_verifier_is_the_one_postgresql_computes() -> None:
    salt = bytes(range(16))
    verifier = scram_sha_256("pencil", salt=salt, iterations=4096)
    method, rest = verifier.split("$", 1)
    assert method == "SCRAM-SHA-256"
    iterations_salt, keys = rest.split("$")
    iterations, salt_b64 = iterations_salt.split(":")
    stored_b64, server_b64 = keys.split(":")
    # RFC 5802 worked by hand: SaltedPassword = PBKDF2(password, salt), then the two HMAC keys.
    salted = hashlib.pbkdf2_hmac("sha256", b"pencil", salt, 4096)
    assert iterations == "4096"
    assert base64.b64decode(salt_b64) == salt
    expected_stored = hashlib.sha256(hmac.new(salted, b"Client Key", "sha256").digest()).digest()
    assert base64.b64decode(stored_b64) == expected_stored
    assert base64.b64decode(server_b64) == hmac.new(salted, b"Server Key", "sha256").digest()
    assert "pencil" not in verifier
    assert scram_sha_256("pencil") != scram_sha_256("pencil")  # a fresh salt each time


def test_sqlite_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(BiAccessError, match="SQLite, which has no users or roles"):
        create_database_role(f"sqlite:///{tmp_path / 'junkan.db'}", "superset")
    with pytest.raises(BiAccessError, match="needs the catalog on PostgreSQL, not mysql"):
        create_database_role("mysql://u:secretpw@db/junkan", "superset")


def test_the_command_refuses_sqlite_and_prints_no_credentials(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.app, ["bi-access", "create", "superset"], env={"JUNKAN_HOME": str(tmp_path)})
    assert result.exit_code == 2
    assert "SQLite, which has no users or roles" in result.output
    assert "password" not in result.output.replace("PostgreSQL", "")
    assert "secret key" not in result.output

"""No command prints a database URL, key or token with its secret part (issue 12, point 4).

The demo and the commands an operator runs around it, against a real PostgreSQL and MinIO and a Prefect server,
with known unique secrets in every setting that can hold one: the PostgreSQL password (a role made for this test),
the S3 secret key, the events token, and a password in the Prefect API URL. None may appear in stdout, stderr, the
log files under JUNKAN_HOME, or the Prefect server's own files (its database holds the flow runs' logs).
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from infra.devservers.prefect import RunningServer
from tests.integration.conftest import MinioServer, _libpq_url, drop_database

pytestmark = pytest.mark.integration

JUNKAN = str(Path(sys.executable).parent / "junkan")


@dataclass(frozen=True)
class Secrets:
    """The secret parts of every setting, and the environment that carries them."""

    postgres_password: str
    s3_secret_key: str
    events_token: str
    prefect_password: str
    environment: dict[str, str]

    @property
    def values(self) -> dict[str, str]:
        return {
            "PostgreSQL password": self.postgres_password,
            "S3 secret key": self.s3_secret_key,
            "events token": self.events_token,
            "Prefect API password": self.prefect_password,
        }


@pytest.fixture
def with_secrets(
    tmp_path: Path, postgres_url: str, minio_server: MinioServer, local_prefect: RunningServer
) -> Iterator[Secrets]:
    """A JUNKAN_HOME on PostgreSQL (a role and database of this test's own), MinIO and the session's Prefect."""
    suffix = secrets.token_hex(6)
    role, database = f"leak_{suffix}", f"leak_{suffix}"
    password = f"pg-secret-{secrets.token_hex(12)}"
    with psycopg.connect(_libpq_url(postgres_url, "postgres"), autocommit=True) as connection:
        connection.execute(
            psycopg.sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                psycopg.sql.Identifier(role), psycopg.sql.Literal(password)
            )
        )
        connection.execute(
            psycopg.sql.SQL("CREATE DATABASE {} OWNER {}").format(
                psycopg.sql.Identifier(database), psycopg.sql.Identifier(role)
            )
        )
    database_url = make_url(postgres_url).set(username=role, password=password, database=database)
    prefect_password = f"prefect-secret-{secrets.token_hex(12)}"
    prefect_url = local_prefect.api_url.replace("http://", f"http://junkan:{prefect_password}@", 1)
    events_token = f"events-secret-{secrets.token_hex(12)}"
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("JUNKAN_", "PREFECT_"))},
        "JUNKAN_HOME": str(tmp_path / "home"),
        "JUNKAN_WORKER": "off",  # the warm worker has its own tests (test_worker.py)
        "JUNKAN_DATABASE_URL": database_url.render_as_string(hide_password=False),
        "JUNKAN_STORAGE_URL": f"s3://leak-{suffix}",
        "JUNKAN_S3_ENDPOINT": minio_server.endpoint,
        "JUNKAN_S3_ACCESS_KEY": minio_server.access_key,
        "JUNKAN_S3_SECRET_KEY": minio_server.secret_key,
        "JUNKAN_EVENTS_TOKEN": events_token,
        "JUNKAN_PREFECT_API_URL": prefect_url,
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    yield Secrets(password, minio_server.secret_key, events_token, prefect_password, environment)
    drop_database(postgres_url, database)
    with psycopg.connect(_libpq_url(postgres_url, "postgres"), autocommit=True) as connection:
        connection.execute(psycopg.sql.SQL("DROP ROLE IF EXISTS {}").format(psycopg.sql.Identifier(role)))


def junkan(found: Secrets, *args: str, expect: int = 0) -> str:
    done = subprocess.run(  # noqa: S603 - our own command
        [JUNKAN, *args],
        capture_output=True,
        text=True,
        env=found.environment,
        timeout=900,
        check=False,
        cwd=Path(found.environment["JUNKAN_HOME"]).parent,
    )
    output = f"$ junkan {' '.join(args)}\n{done.stdout}{done.stderr}"
    assert done.returncode == expect, output
    return output


def files_holding(folder: Path, secret: str) -> dict[str, list[str]]:
    """Each file under `folder` that holds `secret`, with (up to three of) its lines that do, the secret masked."""
    needle = secret.encode()
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and needle in (data := path.read_bytes()):
            lines = [line for line in data.splitlines() if needle in line][:3]
            found[str(path)] = [line.replace(needle, b"<SECRET>").decode(errors="replace")[:400] for line in lines]
    return found


def test_no_command_prints_or_logs_a_secret(
    with_secrets: Secrets, tmp_path_factory: pytest.TempPathFactory, local_prefect: RunningServer
) -> None:
    found = with_secrets
    printed = [
        junkan(found, "demo"),
        junkan(found, "run"),
        junkan(found, "release", "--by", "secretariat"),  # the public tables' one catalog transaction, on PostgreSQL
        junkan(found, "members", "list"),
        junkan(found, "sql", "SELECT period, contributors FROM mart.indicators LIMIT 3"),
        junkan(found, "server", "status", expect=3),  # no background server: the configured one is used
    ]
    # The demo ran through, on the servers whose secrets are looked for, and still says where things are.
    assert "published periods:" in printed[0]
    assert "release 2 (" in printed[2]  # the demo released every period once already
    assert f"storage (inbox, quarantine, reports, warehouse): {found.environment['JUNKAN_STORAGE_URL']}" in printed[0]
    assert re.search(
        r"Iceberg catalog and ledger: postgresql\+psycopg://leak_[0-9a-f]+:\*\*\*@127\.0\.0\.1:", printed[0]
    )
    assert "flow commands use the configured server http://junkan:***@127.0.0.1:" in printed[-1]
    home = Path(found.environment["JUNKAN_HOME"])
    logs = sorted(home.rglob("*.log"))
    assert home / "logs" / "junkan.log" in logs
    assert (home / "logs" / "junkan.log").stat().st_size > 0
    # The session's Prefect server (tests/conftest.py `local_prefect`) keeps the flow runs' logs in its database.
    prefect_homes = sorted(tmp_path_factory.getbasetemp().glob("prefect-home*"))
    assert prefect_homes
    for what, secret in found.values.items():
        for output in printed:
            assert secret not in output, f"the {what} was printed:\n{output}"
        held = files_holding(home, secret)
        assert not held, f"the {what} is in files under JUNKAN_HOME: {held}"
        for prefect_home in prefect_homes:
            held = files_holding(prefect_home, secret)
            assert not held, f"the {what} is in the Prefect server's files: {held}"

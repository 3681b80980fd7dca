"""Real servers for integration tests, started by the project's own scripts on free loopback ports.

Nothing here skips: a server that cannot start fails the tests that need it, with the script's output and
the server's log tail in the failure message.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from infra.devservers.loopback import free_port, log_tail

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "infra" / "devservers" / "scripts"
HERE = Path(__file__).resolve().parent
# The first run builds MinIO from source (several minutes on 2 cores); later runs find it in the cache.
MINIO_START_TIMEOUT_S = 1800
POSTGRES_START_TIMEOUT_S = 300


# The longest modules first (measured, slowest first): `make integration` runs modules on two workers in collection
# order (--dist loadfile --no-loadscope-reorder), and one of these starting last would leave a worker idle at the end.
SLOWEST_MODULES = (
    "test_dask.py",
    "test_secrets_never_printed.py",
    "test_portal_browser.py",
    "test_portal_api.py",
    "test_local_prefect.py",
    "test_event_ingest.py",
    "test_worker.py",
    "test_postgres_backends.py",
    "test_prefect_idle.py",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/integration as `integration`, before `-m` selects; slowest modules first."""
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.integration)

    def rank(item: pytest.Item) -> int:
        inside = HERE in item.path.resolve().parents
        return SLOWEST_MODULES.index(item.path.name) if inside and item.path.name in SLOWEST_MODULES else 99

    items.sort(key=rank)  # stable: every other test keeps its place


@dataclass(frozen=True)
class MinioServer:
    """A running MinIO: endpoint as `host:port`, root credentials (the secret is kept out of repr)."""

    endpoint: str
    access_key: str
    secret_key: str = field(repr=False)
    home: Path


def _text(output: str | bytes | None) -> str:
    """Captured output as text (TimeoutExpired may hold bytes even with text=True)."""
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="replace")
    return output or ""


def run_script(script: str, command: str, *, env: dict[str, str], timeout: float, log: Path) -> str:
    """Run infra/devservers/scripts/<script> <command>; fail the test with its output and the log tail if it fails."""
    try:
        done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
            ["bash", str(SCRIPTS / script), command],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        output = "\n".join(_text(part) for part in (error.stdout, error.stderr))
        pytest.fail(f"{script} {command} took more than {timeout:.0f}s\n{output}\n{log_tail(log)}")
    if done.returncode != 0:
        pytest.fail(
            f"{script} {command} failed (exit {done.returncode})\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}\n"
            f"log tail ({log}):\n{log_tail(log)}"
        )
    return done.stdout.strip()


@pytest.fixture(scope="session")
def services_home() -> Iterator[Path]:
    """A temporary JUNKAN_HOME for the servers, traversable by the `postgres` system user, removed at the end."""
    home = Path(tempfile.mkdtemp(prefix="junkan-services-"))
    home.chmod(0o755)
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def minio_server(services_home: Path) -> Iterator[MinioServer]:
    """MinIO started by infra/devservers/scripts/minio.sh on free ports with fresh credentials; stopped at the end."""
    port = free_port()
    server = MinioServer(
        endpoint=f"127.0.0.1:{port}",
        access_key="junkan-test",
        secret_key=secrets.token_hex(20),
        home=services_home,
    )
    env = {
        **os.environ,
        "JUNKAN_HOME": str(services_home),
        "JUNKAN_MINIO_PORT": str(port),
        "JUNKAN_MINIO_CONSOLE_PORT": str(free_port()),
        "JUNKAN_S3_ACCESS_KEY": server.access_key,
        "JUNKAN_S3_SECRET_KEY": server.secret_key,
    }
    log = services_home / "minio" / "minio.log"
    run_script("minio.sh", "start", env=env, timeout=MINIO_START_TIMEOUT_S, log=log)
    try:
        yield server
    finally:
        run_script("minio.sh", "stop", env=env, timeout=60, log=log)


@pytest.fixture(scope="session")
def postgres_url(services_home: Path) -> Iterator[str]:
    """SQLAlchemy URL of database `junkan` in a PostgreSQL cluster made for this test session; stopped at the end."""
    env = {
        **os.environ,
        "JUNKAN_HOME": str(services_home),
        "JUNKAN_POSTGRES_PORT": str(free_port()),
        "JUNKAN_POSTGRES_PASSWORD": secrets.token_hex(16),
    }
    log = services_home / "postgres" / "postgres.log"
    run_script("postgres.sh", "start", env=env, timeout=POSTGRES_START_TIMEOUT_S, log=log)
    try:
        yield run_script("postgres.sh", "url", env=env, timeout=30, log=log)
    finally:
        run_script("postgres.sh", "stop", env=env, timeout=120, log=log)


def _libpq_url(sqlalchemy_url: str, database: str) -> str:
    """The same server as a plain libpq URL for psycopg, pointed at another database."""
    url = make_url(sqlalchemy_url).set(drivername="postgresql", database=database)
    return url.render_as_string(hide_password=False)


def create_database(admin_url: str, name: str) -> str:
    """Create an empty database next to the one in admin_url; return its SQLAlchemy URL."""
    with psycopg.connect(_libpq_url(admin_url, "postgres"), autocommit=True) as connection:
        connection.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    """Drop a database made by create_database, even with connections still open."""
    with psycopg.connect(_libpq_url(admin_url, "postgres"), autocommit=True) as connection:
        connection.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psycopg.sql.Identifier(name))
        )


@pytest.fixture(scope="module")
def module_database_url(postgres_url: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test module, dropped after it."""
    stem = request.module.__name__.rsplit(".", 1)[-1].lower()
    name = f"t_{stem[:40]}_{secrets.token_hex(4)}"
    url = create_database(postgres_url, name)
    yield url
    drop_database(postgres_url, name)


PREFECT_START_TIMEOUT_S = 300


@pytest.fixture(scope="session")
def prefect_api_url(services_home: Path) -> Iterator[str]:
    """API URL of a Prefect server (SQLite) from infra/devservers/scripts/prefect.sh on a free port, stopped after."""
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")},
        "JUNKAN_HOME": str(services_home),
        "JUNKAN_PREFECT_PORT": str(free_port()),
    }
    log = services_home / "prefect-server" / "prefect.log"
    url = run_script("prefect.sh", "start", env=env, timeout=PREFECT_START_TIMEOUT_S, log=log).splitlines()[-1]
    try:
        yield url
    finally:
        run_script("prefect.sh", "stop", env=env, timeout=60, log=log)

"""The CLI commands that print URLs and settings show no secret: not on stdout, stderr, nor in the log file.

Known secrets go into every setting that can hold one (database and catalog URL passwords, S3 keys, the
events token, a Prefect API URL with credentials, a source URL's query); each command runs in-process
through typer's CliRunner with the real `prepare_environment`, so its log file under JUNKAN_HOME is the
real one. The demo's heavy steps are replaced (the nightly run has its own secrets test): what is under
test is what the command prints about where things are.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from flows import cli, deployments
from infra.ledger import Ledger, Member
from infra.settings import get_settings

DB_PASSWORD = "pgpass-CLI-TEST-81c3"  # noqa: S105 - test secrets, looked for in the output
CATALOG_PASSWORD = "catpass-CLI-TEST-2f70"  # noqa: S105
SECRET_KEY = "s3secret-CLI-TEST-6d1e-never-print"  # noqa: S105
EVENTS_TOKEN = "events-token-CLI-TEST-a9b8c7d6"  # noqa: S105
PREFECT_PASSWORD = "prefectpw-CLI-TEST-0c4f"  # noqa: S105
SOURCE_KEY = "apikey-CLI-TEST-77e1"
EXPORT_PASSWORD = "bipass-CLI-TEST-3a3a"  # noqa: S105
SECRETS = (DB_PASSWORD, CATALOG_PASSWORD, SECRET_KEY, EVENTS_TOKEN, PREFECT_PASSWORD, SOURCE_KEY, EXPORT_PASSWORD)

# What prepare_environment sets in os.environ: recorded so the test process gets its own values back.
_PROCESS_ENVIRONMENT = (
    "PREFECT_HOME",
    "PREFECT_LOGGING_SETTINGS_PATH",
    "PREFECT_API_URL",
    "PREFECT_SERVER_ANALYTICS_ENABLED",
    "DO_NOT_TRACK",
    "GX_ANALYTICS_ENABLED",
    "PREFECT_UI_ENABLED",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
)


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into {where}"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """JUNKAN_HOME, and a secret in every setting that can hold one; the process's logging restored after."""
    home = tmp_path / "home"
    monkeypatch.setenv("JUNKAN_HOME", str(home))
    monkeypatch.setenv("JUNKAN_S3_ACCESS_KEY", "junkanadmin")
    monkeypatch.setenv("JUNKAN_S3_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("JUNKAN_EVENTS_TOKEN", EVENTS_TOKEN)
    monkeypatch.setenv("JUNKAN_PREFECT_API_URL", f"http://admin:{PREFECT_PASSWORD}@127.0.0.1:4200/api")
    for name in _PROCESS_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield home
    finally:
        for handler in root.handlers:
            if handler not in handlers:  # the CLI's log file
                handler.close()
        root.handlers = handlers
        root.setLevel(level)
        logging.captureWarnings(False)


def _postgres_urls(monkeypatch: pytest.MonkeyPatch, *, host: str = "db.example.org:5432") -> None:
    monkeypatch.setenv("JUNKAN_DATABASE_URL", f"postgresql+psycopg://junkan:{DB_PASSWORD}@{host}/junkan")
    monkeypatch.setenv("JUNKAN_CATALOG_URL", f"postgresql+psycopg://iceberg:{CATALOG_PASSWORD}@{host}/catalog")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli.app, list(args))


def assert_nothing_leaked(result: Result, home: Path) -> None:
    assert_no_secret(result.stdout, "stdout")
    assert_no_secret(result.stderr, "stderr")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert_no_secret("".join(traceback.format_exception(result.exception)), "the error's traceback")
    logs = [path for path in home.rglob("*.log") if path.is_file()]
    assert logs, "the command wrote no log file under JUNKAN_HOME"
    for path in logs:
        assert_no_secret(path.read_text(encoding="utf-8", errors="replace"), str(path))


# `junkan demo` itself runs against real PostgreSQL and MinIO in tests/integration/test_secrets_never_printed.py.


def test_serve_names_its_prefect_server_without_the_password(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deployments, "serve_deployments", lambda settings, **_: None)

    result = invoke("serve")

    assert result.exit_code == 0, result.output
    assert "backfill on http://admin:***@127.0.0.1:4200/api" in result.stdout
    assert_nothing_leaked(result, home)


# --- junkan sources: where a member's system is --------------------------------------------------


def test_sources_list_masks_a_key_in_the_query(home: Path) -> None:
    ledger = Ledger.connect(get_settings().resolved_database_url)
    try:
        ledger.add_member(Member("city_a", "city-a", "municipality", "JP-40", date(2023, 4, 1)))
        ledger.add_source(
            member_id="city_a", dataset="flows", kind="http", url=f"https://example.org/flows.csv?key={SOURCE_KEY}"
        )
    finally:
        ledger.close()

    result = invoke("sources", "list")

    assert result.exit_code == 0, result.output
    assert "https://example.org/flows.csv?key=***" in result.stdout
    assert_nothing_leaked(result, home)


# --- errors: a database that cannot be reached, a BI database given on the command line ----------


def test_an_unreachable_database_is_reported_without_its_password(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _postgres_urls(monkeypatch, host="127.0.0.1:1")  # nothing listens on port 1: refused at once

    result = invoke("members", "list")

    assert result.exit_code != 0
    assert_nothing_leaked(result, home)


def test_export_to_a_bi_database_names_it_without_the_password(home: Path) -> None:
    to = f"postgresql+psycopg://bi:{EXPORT_PASSWORD}@127.0.0.1:1/bi?connect_timeout=1"

    result = invoke("export", "--to", to)

    assert result.exit_code != 0
    assert_nothing_leaked(result, home)


# --- junkan server status: which Prefect server flow commands use ---------------------------------


def test_server_status_names_the_configured_server_without_the_password(home: Path) -> None:
    result = invoke("server", "status")

    assert result.exit_code == 3  # no background server here: flow commands use the configured one
    assert "flow commands use the configured server http://admin:***@127.0.0.1:4200/api" in result.stdout
    assert_no_secret(result.stdout + result.stderr, "server status")


# --- the log file: what libraries say about the URLs they call ------------------------------------


def test_a_library_logging_a_url_with_its_password_writes_it_masked(home: Path) -> None:
    import yaml

    from flows.runtime import prepare_environment

    settings = get_settings()
    prepare_environment(settings)
    # As httpx logs every request: Prefect's client calls PREFECT_API_URL, password and all (httpx's own
    # logger may be set quieter by an earlier test, so a logger of our own stands in).
    url = f"http://admin:{PREFECT_PASSWORD}@127.0.0.1:4200/api/flows/"
    logging.getLogger("tests.a_library").info('HTTP Request: POST %s "HTTP/1.1 201 Created"', url)

    written = settings.resolved_log_file.read_text(encoding="utf-8")
    assert 'HTTP Request: POST http://admin:***@127.0.0.1:4200/api/flows/ "HTTP/1.1 201 Created"' in written
    assert_no_secret(written, "the log file")
    # Prefect's own handlers (the log file, and its API, which keeps flow-run logs) get the same filter.
    config = yaml.safe_load((home / "prefect-logging.yml").read_text(encoding="utf-8"))
    assert all("redact" in handler["filters"] for handler in config["handlers"].values())

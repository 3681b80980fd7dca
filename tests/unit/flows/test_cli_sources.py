"""`junkan sources …` on the embedded default; Prefect's Secret store is a dict here (real blocks: integration)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from flows import runtime
from flows.cli import sources as cli_sources
from infra.access import prefect_secrets
from infra.ledger import Ledger, Member, PullSource
from infra.settings import Settings

TOKEN = "tok-cli-secret-123"  # noqa: S105 - a test token
PASSWORD = "Pw-cli-secret-456"  # noqa: S105 - a test password


@pytest.fixture
def saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A JUNKAN_HOME with member city-a, and the Secret blocks the CLI saves."""
    home = tmp_path / "home"
    monkeypatch.setenv("JUNKAN_HOME", str(home))
    # prepare_environment redirects the process's logging to a file: not what a test process wants.
    monkeypatch.setattr(runtime, "prepare_environment", lambda settings: None)
    blocks: dict[str, str] = {}
    monkeypatch.setattr(prefect_secrets, "save_prefect_secret", blocks.__setitem__)
    ledger = Ledger.connect(Settings(home=home).resolved_database_url)
    ledger.add_member(Member("city_a", "city-a", "municipality", "JP-40", date(2023, 4, 1)))
    ledger.close()
    return blocks


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a second command, so `sources` stays a sub-command group
    cli_sources.register(app)
    result = CliRunner().invoke(app, ["sources", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def ledger_sources() -> list[PullSource]:
    ledger = Ledger.connect(Settings().resolved_database_url)
    try:
        return ledger.list_sources()
    finally:
        ledger.close()


def test_add_http_with_a_token_from_the_environment_keeps_only_the_block_name(saved: dict[str, str]) -> None:
    code, out, _ = run(
        "add-http",
        "city_a",
        "--dataset",
        "flows",
        "--url",
        "https://example.org/flows.csv?format=csv",
        "--token-env",
        "CITY_A_TOKEN",
        env={"CITY_A_TOKEN": TOKEN},
    )
    assert code == 0, out
    [source] = ledger_sources()
    [(block, value)] = saved.items()
    assert value == TOKEN
    assert block.startswith("junkan-token-city-a-")  # '_' is not allowed in a Prefect block name
    assert (source.kind, source.url, source.secret_block) == ("http", "https://example.org/flows.csv?format=csv", block)
    where = "https://example.org/flows.csv?format=***"
    assert out == f"added {source.source_id}\tcity_a\tflows\thttp\t{where}\tsecret block {block}\n"
    assert TOKEN not in out

    code, listed, _ = run("list")
    assert (code, listed) == (0, out.removeprefix("added "))


def test_add_sql_saves_the_url_as_a_secret_and_never_shows_it(saved: dict[str, str]) -> None:
    url = f"postgresql+psycopg://member:{PASSWORD}@db.example.org/erp"
    code, out, err = run(
        "add-sql",
        "city_a",
        "--dataset",
        "targets",
        "--url-env",
        "ERP_URL",
        "--table",
        "targets_v",
        env={"ERP_URL": url},
    )
    assert code == 0, err
    [source] = ledger_sources()
    assert saved == {source.secret_block: url}
    assert (source.kind, source.url, source.table_name, source.schema_name) == ("sql", None, "targets_v", None)
    assert PASSWORD not in out + err


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            [
                "add-http",
                "city_a",
                "--dataset",
                "flows",
                "--url",
                "https://e.org",
                "--token-env",
                "T",
                "--token-block",
                "b",
            ],
            {"T": TOKEN},
            "at most one of --token-env and --token-block",
        ),
        (
            ["add-http", "city_a", "--dataset", "flows", "--url", "https://e.org", "--token-env", "T"],
            {},
            "T is not set",
        ),
        (["add-http", "nobody", "--dataset", "flows", "--url", "https://e.org"], {}, "'nobody' is not registered"),
        (["add-http", "city_a", "--dataset", "nope", "--url", "https://e.org"], {}, "unknown dataset 'nope'"),
        (
            ["add-sql", "city_a", "--dataset", "flows", "--url-env", "U", "--table", "t"],
            {"U": f"garbage {PASSWORD}"},
            "U does not hold a SQLAlchemy URL",
        ),
    ],
)
def test_bad_registrations_fail_before_any_secret_is_saved(
    saved: dict[str, str], args: list[str], env: dict[str, str], message: str
) -> None:
    code, out, err = run(*args, env=env)
    assert code == 2
    assert message in err
    assert PASSWORD not in out + err
    assert TOKEN not in out + err
    assert saved == {}
    assert ledger_sources() == []


def test_remove_forgets_a_source_and_refuses_an_unknown_id(saved: dict[str, str]) -> None:
    code, _, _ = run("add-http", "city_a", "--dataset", "flows", "--url", "https://e.org/a.csv", "--token-block", "b1")
    assert code == 0
    [source] = ledger_sources()
    assert run("remove", source.source_id) == (0, f"removed {source.source_id}\n", "")
    assert ledger_sources() == []
    code, _, err = run("remove", source.source_id)
    assert (code, err) == (2, f"error: no source {source.source_id!r}; see junkan sources list\n")

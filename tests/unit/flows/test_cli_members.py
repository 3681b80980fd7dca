"""`junkan members add | disclosure | list` with disclosure classes, on the embedded default."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from flows import runtime
from flows.cli import members as cli_members
from infra.ledger import Ledger
from infra.settings import Settings
from schemas.members import DISCLOSURE_DATASETS
from schemas.vocabulary import DISCLOSURE_CLASS_CODES


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A JUNKAN_HOME of the test's own."""
    folder = tmp_path / "home"
    monkeypatch.setenv("JUNKAN_HOME", str(folder))
    # prepare_environment redirects the process's logging to a file: not what a test process wants.
    monkeypatch.setattr(runtime, "prepare_environment", lambda settings: None)
    return folder


def run(*args: str) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a second command, so `members` stays a sub-command group
    cli_members.register(app)
    result = CliRunner().invoke(app, ["members", *args], env={"COLUMNS": "200"})  # usage errors on one line
    return result.exit_code, result.stdout, result.stderr


def history(member_id: str) -> list[tuple[str, str, date]]:
    ledger = Ledger.connect(Settings().resolved_database_url)
    try:
        return [(one.dataset, one.disclosure_class, one.consented_on) for one in ledger.disclosure_history(member_id)]
    finally:
        ledger.close()


def add(member_id: str, kind: str, *extra: str) -> tuple[int, str, str]:
    return run("add", member_id, "--kind", kind, "--name", member_id, "--joined-on", "2023-04-01", *extra)


def test_add_with_a_consent_records_both_datasets_and_list_shows_the_flows_class() -> None:
    assert add("city-a", "municipality")[0] == 0
    code, out, err = add("corp-b", "company", "--disclosure", "public", "--consented-on", "2024-04-01")
    assert code == 0, err
    assert "disclosure classes: 2 changed" in out
    assert add("corp-c", "company")[0] == 0

    code, listed, _ = run("list")

    assert code == 0
    assert listed.splitlines() == [
        "city-a\tmunicipality\tJP\t2023-04-01\tpublic\tcity-a",
        "corp-b\tcompany\tJP\t2023-04-01\tpublic\tcorp-b",
        "corp-c\tcompany\tJP\t2023-04-01\tconfidential\tcorp-c",
    ]
    assert history("corp-b") == [("flows", "public", date(2024, 4, 1)), ("progress", "public", date(2024, 4, 1))]
    assert history("city-a") == history("corp-c") == []


def test_add_without_a_consent_date_uses_the_day_joined_and_again_records_nothing() -> None:
    assert add("corp-b", "company", "--disclosure", "PUBLIC")[0] == 0
    code, out, _ = add("corp-b", "company", "--disclosure", "public")

    assert code == 0
    assert "changed" not in out
    assert history("corp-b") == [("flows", "public", date(2023, 4, 1)), ("progress", "public", date(2023, 4, 1))]


def test_disclosure_changes_one_dataset_or_both_from_a_day() -> None:
    add("corp-b", "company")

    code, out, err = run("disclosure", "corp-b", "public", "--dataset", "flows", "--consented-on", "2025-04-01")
    assert code == 0, err
    assert out == "corp-b\tflows\tpublic from 2025-04-01\n"

    code, out, _ = run("disclosure", "corp-b", "public", "--consented-on", "2025-04-01")
    assert code == 0
    assert out == (
        "corp-b\tflows\talready public on 2025-04-01; nothing recorded\ncorp-b\tprogress\tpublic from 2025-04-01\n"
    )
    assert history("corp-b") == [("flows", "public", date(2025, 4, 1)), ("progress", "public", date(2025, 4, 1))]


def test_a_municipality_can_withdraw_and_a_future_consent_waits_for_its_day() -> None:
    add("city-a", "municipality")
    add("corp-b", "company")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()

    assert run("disclosure", "city-a", "confidential", "--consented-on", "2024-04-01")[0] == 0
    assert run("disclosure", "corp-b", "public", "--consented-on", tomorrow)[0] == 0

    _, listed, _ = run("list")
    assert [line.split("\t")[4] for line in listed.splitlines()] == ["confidential", "confidential"]


def test_disclosure_errors_say_what_to_type() -> None:
    add("corp-b", "company")

    code, _, err = run("disclosure", "ghost", "public", "--consented-on", "2025-04-01")
    assert code == 2
    assert "member 'ghost' is not registered" in err
    assert "junkan members add ghost --kind KIND --name NAME" in err

    code, _, err = run("disclosure", "corp-b", "public", "--consented-on", "2025/13/01")
    assert code == 2
    assert "--consented-on '2025/13/01' is not a date; write YYYY-MM-DD" in err

    code, _, err = run("disclosure", "corp-b", "secret", "--consented-on", "2025-04-01")
    assert code == 2
    assert "'secret' is not one of 'public', 'confidential'" in err

    code, _, err = run("disclosure", "corp-b", "public", "--dataset", "targets", "--consented-on", "2025-04-01")
    assert code == 2
    assert "'targets' is not one of 'flows', 'progress'" in err

    code, _, err = run("disclosure", "corp-b", "public")
    assert code == 2
    assert "--consented-on" in err

    code, _, err = add("corp-c", "company", "--consented-on", "2025-04-01")
    assert code == 2
    assert "add --disclosure public or confidential" in err
    assert history("corp-b") == []


def test_import_reads_japanese_headers_and_refuses_a_consent_date_that_is_not_a_date(tmp_path: Path) -> None:
    members = tmp_path / "members.csv"
    members.write_text(
        "会員ID,団体名,種別,入会日,公開区分,同意日\n"
        "corp-b,B社,company,2023-04-01,公開,\n"
        "corp-c,C社,company,2023-04-01,public,2024年4月1日\n"
        "corp-d,D社,company,2023-04-01,public,2024-04-31\n",
        encoding="utf-8",
    )

    code, out, err = run("import", str(members))

    assert code == 1
    assert "members.csv, row 2, column disclosure: '公開': disclosure must be public or confidential" in err
    assert "members.csv, row 4, column consented_on: consented_on '2024-04-31' is not a date" in err
    assert "members: 2 registered (2 new), 1 refused; disclosure classes: 2 changed, 1 not recorded" in out
    assert history("corp-c") == [("flows", "public", date(2024, 4, 1)), ("progress", "public", date(2024, 4, 1))]
    assert history("corp-d") == []


def test_the_command_line_choices_are_the_vocabulary() -> None:
    assert {one.value for one in cli_members.DisclosureClass} == set(DISCLOSURE_CLASS_CODES)
    assert {one.value for one in cli_members.DisclosureDataset} == set(DISCLOSURE_DATASETS)

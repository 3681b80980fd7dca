"""`junkan members add` on a registered id with another kind or region (issue 26): refused without --update.

With --update the change is recorded with its day, the command says what changed, and a kind that is public by
default does not make a company's figures public by itself.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from flows import runtime
from flows.cli import members as cli_members
from infra.ledger import Ledger, Member
from infra.settings import Settings

TODAY = date.today().isoformat()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("JUNKAN_HOME", str(folder))
    monkeypatch.setattr(runtime, "prepare_environment", lambda settings: None)
    return folder


def run(*args: str) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a second command, so `members` stays a sub-command group
    cli_members.register(app)
    result = CliRunner().invoke(app, ["members", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def add(kind: str, region: str, *extra: str) -> tuple[int, str, str]:
    return run(
        "add", "corp-x", "--kind", kind, "--name", "X株式会社", "--region", region, "--joined-on", "2024-04-01", *extra
    )


def registered() -> tuple[Member | None, list[tuple[str, str, str, str, date]], dict[str, str]]:
    ledger = Ledger.connect(Settings().resolved_database_url)
    try:
        changes = [(c.kind_from, c.kind_to, c.region_from, c.region_to, c.changed_on) for c in ledger.member_changes()]
        classes = {dataset: ledger.disclosure_class("corp-x", dataset=dataset) for dataset in ("flows", "progress")}
        return ledger.get_member("corp-x"), changes, classes
    finally:
        ledger.close()


def test_a_new_kind_or_region_without_update_is_refused_and_says_what_to_add() -> None:
    assert add("company", "JP-13")[0] == 0

    code, out, err = add("industry_association", "JP-14")

    assert code == 1
    assert (
        "command line, row 2: corp-x is registered as company in JP-13; this row says industry_association in JP-14: "
        "nothing was recorded; to change a registered member's kind or region, add --update"
    ) in err
    assert "--update を付けてください" in err
    assert out.strip().endswith("members: 0 registered (0 new), 1 refused")
    member, changes, _ = registered()
    assert member is not None
    assert (member.kind, member.region) == ("company", "JP-13")
    assert changes == []


def test_update_records_the_change_with_its_day_and_says_what_changed() -> None:
    add("company", "JP-13")

    code, out, err = add("industry_association", "JP-14", "--update")

    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        f"corp-x: kind company → industry_association, region JP-13 → JP-14, from {TODAY} "
        "(its obligations follow from the next run)"
    )
    # associations are public by default; the company never chose to be: it stays confidential
    assert lines[1].startswith("corp-x: disclosure stays confidential on flows, progress")
    assert lines[-1].startswith("members: 1 registered (0 new), 0 refused")
    member, changes, classes = registered()
    assert member is not None
    assert (member.kind, member.region) == ("industry_association", "JP-14")
    assert changes == [("company", "industry_association", "JP-13", "JP-14", date.today())]
    assert classes == {"flows": "confidential", "progress": "confidential"}

    code, out, _ = add("industry_association", "JP-14", "--update")  # the same again: nothing changes
    assert code == 0
    assert out.splitlines() == ["members: 1 registered (0 new), 0 refused"]
    assert len(registered()[1]) == 1


def test_a_change_may_be_dated_back_but_not_before_joining_nor_ahead() -> None:
    add("company", "JP-13")

    code, _, err = add("company", "JP-14", "--update", "--changed-on", "2024-01-01")
    assert code == 1
    assert "changed_on '2024-01-01' is not a day the change can apply from" in err

    code, _, err = add("company", "JP-14", "--changed-on", "2025-04-01")
    assert code == 2
    assert "--changed-on says when a new kind or region applies: add --update" in err

    code, out, err = add("company", "JP-14", "--update", "--changed-on", "2025-04-01")
    assert code == 0, err
    assert (
        out.splitlines()[0]
        == "corp-x: region JP-13 → JP-14, from 2025-04-01 (its obligations follow from the next run)"
    )
    _, changes, _ = registered()
    assert changes == [("company", "company", "JP-13", "JP-14", date(2025, 4, 1))]

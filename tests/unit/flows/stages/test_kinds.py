"""Universities' projects and disclosures, municipalities' plans: judged, recorded and followed up like any file.

On the embedded default (local files, SQLite), without Prefect: the files go through the one judging path
(`validate_submissions`), the obligations are published, and `junkan followup` writes its HTML and XLSX.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from flows.cli import app
from flows.stages.batch import validate_submissions
from flows.stages.obligations import publish_obligations
from flows.stages.receive import register_keys
from flows.stages.summary import RunSummary, SubmissionOutcome
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys

UNIVERSITY, CITY, COMPANY = "univ-a", "city-a", "corp-b"
PROJECTS = "\n".join(
    [
        "会員ID,プロジェクトID,プロジェクト名,役割,開始日,概要,公表間隔（月）",
        "univ-a,P1,地域プラスチック循環,lead,2024/10/1,回収から再生まで,12",
    ]
)
DISCLOSURES = "\n".join(
    [
        "member_id,project_id,disclosed_on,url,summary,indicator,value,unit",
        "univ-a,P1,2025-09-30,https://univ-a.example/p1/2025,回収量 120 t,recovered,120,t",
        "univ-a,P9,2025-09-30,https://univ-a.example/p9,未登録のプロジェクト,,,",
    ]
)
PLANS = "\n".join(
    [
        "member_id,plan_name,revised_on,includes_ce_target,url",
        "city-a,第3次環境基本計画,2021-03-31,いいえ,https://city-a.example/plan3",
    ]
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("JUNKAN_HOME", str(home))
    return home


@pytest.fixture
def resources(home: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=home))
    for member_id, kind in ((UNIVERSITY, "university"), (CITY, "municipality"), (COMPANY, "company")):
        built.ledger.add_member(
            Member(member_id=member_id, name=f"{member_id} 名称", kind=kind, region="JP-40", joined_on=date(2023, 4, 1))
        )
    yield built
    built.close()


def ingest(resources: Resources, tmp_path: Path, files: list[tuple[str, str, str]]) -> list[SubmissionOutcome]:
    """Upload (member, dataset, text) files to the inbox and judge them in one run, as the nightly run does."""
    object_keys = []
    for index, (member_id, dataset, text) in enumerate(files):
        path = tmp_path / f"{dataset}-{index}.csv"
        path.write_text(text, encoding="utf-8")
        key = keys.inbox_key(member_id, dataset, path.name)
        resources.storage.put_file(key, path)
        object_keys.append(key)
    summary = RunSummary()
    return validate_submissions(resources, register_keys(resources, object_keys, summary))


def test_projects_come_before_their_disclosures_in_one_run_and_an_unknown_project_is_refused(
    resources: Resources, tmp_path: Path
) -> None:
    # Uploaded disclosures first: the run still validates projects first, so P1 is known.
    outcomes = ingest(
        resources, tmp_path, [(UNIVERSITY, "disclosures", DISCLOSURES), (UNIVERSITY, "projects", PROJECTS)]
    )
    by_dataset = {outcome.dataset: outcome for outcome in outcomes}
    assert [outcome.dataset for outcome in outcomes] == ["projects", "disclosures"]
    assert (by_dataset["projects"].status, by_dataset["projects"].counts.accepted) == ("valid", 1)
    disclosures = by_dataset["disclosures"]
    assert (disclosures.status, disclosures.counts.accepted, disclosures.counts.quarantined) == (
        "partially_valid",
        1,
        1,
    )
    core = resources.warehouse.read("core.disclosures")
    assert core.select("project_id", "value").rows() == [("P1", 120.0)]
    project = resources.warehouse.read("core.projects").row(0, named=True)
    assert (project["started_on"], project["follow_up_months"], project["role"]) == (date(2024, 10, 1), 12, "lead")


def test_obligations_are_published_and_followup_writes_html_and_xlsx(
    resources: Resources, tmp_path: Path, home: Path
) -> None:
    ingest(
        resources,
        tmp_path,
        [(UNIVERSITY, "projects", PROJECTS), (UNIVERSITY, "disclosures", DISCLOSURES), (CITY, "plans", PLANS)],
    )
    as_of = date(2026, 3, 31)
    counts = publish_obligations(resources, as_of=as_of)
    assert counts["core.member_obligations"] == 3 * 7  # every member × every obligation
    obligations = resources.warehouse.read("core.member_obligations")
    status = {(row["member_id"], row["obligation"]): row["status"] for row in obligations.iter_rows(named=True)}
    assert status[UNIVERSITY, "project_started"] == "met"
    assert status[UNIVERSITY, "results_disclosed"] == "met"  # 2025-09-30 + 12 months is after as_of
    assert status[UNIVERSITY, "target_set"] == "not_applicable"
    assert status[CITY, "target_set"] == "overdue"
    assert status[COMPANY, "follow_up"] == "overdue"
    compliance = resources.warehouse.read("draft.member_compliance")  # public on the next release
    assert set(compliance.get_column("fiscal_year")) == {"FY2023", "FY2024", "FY2025"}
    assert compliance.filter(pl.col("member_kind") == "university").get_column("suppressed").all()  # one member

    output = tmp_path / "pack"
    result = CliRunner().invoke(app, ["followup", "--as-of", "2026-03-31", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "3 members" in result.output
    html = (output / "followup-2026-03-31.html").read_text(encoding="utf-8")
    assert "univ-a 名称" in html  # restricted: the overdue list and disclosures name members
    assert "回収量 120 t" in html
    workbook = load_workbook(output / "followup-2026-03-31.xlsx")
    assert workbook.sheetnames == ["compliance", "overdue", "target_progress", "disclosures"]
    overdue = list(workbook["overdue"].iter_rows(values_only=True))
    assert overdue[0][0] == "会員ID / member id"
    assert {(row[0], row[3]) for row in overdue[1:]} >= {(CITY, "target_set"), (COMPANY, "follow_up")}
    assert not any(row[0] == UNIVERSITY for row in overdue[1:])
    disclosed = list(workbook["disclosures"].iter_rows(values_only=True))
    assert [(row[0], row[2], row[7]) for row in disclosed[1:]] == [(UNIVERSITY, "P1", 120.0)]


def test_followup_refuses_a_date_it_cannot_read(home: Path) -> None:
    result = CliRunner().invoke(app, ["followup", "--as-of", "31/03/2026"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output


def test_junkan_validate_refuses_a_disclosure_of_a_project_it_does_not_know(home: Path, tmp_path: Path) -> None:
    from flows.stages.check import check_file, describe

    path = tmp_path / "disclosures.csv"
    path.write_text(DISCLOSURES, encoding="utf-8")
    text = describe(check_file(path, member_id=UNIVERSITY, dataset="disclosures"))  # no ledger here: none known
    errors = [line for line in text.splitlines() if ": error: " in line]
    assert len(errors) == 2
    assert all("submit it in projects first" in line for line in errors)
    assert all("先に projects でプロジェクトを提出してください" in line for line in errors)


def test_submit_offers_the_new_datasets() -> None:
    result = CliRunner().invoke(app, ["submit", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for dataset in ("projects", "disclosures", "plans"):
        assert dataset in result.output

"""The real CLI on small data, as a new user would run it: members, validate, submit, run, backfill, sql, release."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.devservers.prefect import RunningServer
from infra.resources import build_resources
from infra.settings import Settings
from schemas.tables import TABLES

JUNKAN = str(Path(sys.executable).parent / "junkan")

MEMBERS = """member_id,name,kind,region,joined_on
city-a,Ａ市,municipality,JP-40,2023-04-01
corp-b,株式会社B,company,JP-13,2023-10-01
univ-c,C大学,university,,2024-01-15
"""
HEADER = "member_id,period,material,source_stage,target_stage,source,target,quantity,unit,region,quality,note"
CITY_A = "\n".join(
    [
        HEADER,
        "city-a,FY2024,plastics.pet,use,collection,,,80,t,,measured,",
        "city-a,FY2024,plastics.pet,collection,recycling,,,30,t,,measured,",
        "city-a,FY2024,plastics.pet,collection,landfill,,,50,t,,measured,",
        "city-a,２０２３年度,plastics.pet,use,collection,,,７０,トン,,estimated,全角の数字",
    ]
)
CORP_B = "\n".join(
    [
        HEADER,
        "corp-b,FY2024,plastics.pet,import,production,,,100,t,,,",
        "corp-b,FY2024,plastics.pet,recycling,production,,,25,t,,,",
        "corp-b,FY2024,plastics.pet,production,manufacturing,,,-1,t,,,<script>alert(1)</script>",
    ]
)
NO_UNIT = "member_id,period,material,source_stage,target_stage,quantity\ncorp-b,FY2024,paper,use,collection,1\n"


def junkan(home: Path, *args: str, expect: int = 0) -> str:
    environment = {**os.environ, "JUNKAN_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"}
    environment.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [JUNKAN, *args], capture_output=True, text=True, env=environment, timeout=600, check=False, cwd=home.parent
    )
    assert done.returncode == expect, f"junkan {' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout + done.stderr


def snapshot(home: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every published table's rows in a stable order: equal snapshots mean identical query results."""
    resources = build_resources(Settings(home=home), ensure_tables=False)
    try:
        return {table: resources.warehouse.read(table).rows() for table in TABLES}
    finally:
        resources.close()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e")
    (root / "members.csv").write_text(MEMBERS, encoding="utf-8")
    (root / "city-a.csv").write_bytes(CITY_A.encode("cp932"))
    (root / "corp-b.csv").write_text(CORP_B, encoding="utf-8")
    (root / "no-unit.csv").write_text(NO_UNIT, encoding="utf-8")
    return root


def test_end_to_end_through_the_cli(
    workspace: Path, local_prefect: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Flow commands use the session's background server, as they would reuse the one the first command started.
    monkeypatch.setenv("JUNKAN_PREFECT_API_URL", local_prefect.api_url)
    home = workspace / "home"
    out = junkan(home, "members", "import", str(workspace / "members.csv"))
    assert "3 registered (3 new), 0 refused" in out

    # validate stores nothing and answers with the documented exit codes
    assert "valid" in junkan(
        home, "validate", str(workspace / "city-a.csv"), "--member", "city-a", "--dataset", "flows"
    )
    bad = junkan(home, "validate", str(workspace / "corp-b.csv"), "--member", "corp-b", "--dataset", "flows", expect=1)
    assert "corp-b.csv, row 4, column quantity" in bad
    unusable = junkan(
        home, "validate", str(workspace / "no-unit.csv"), "--member", "corp-b", "--dataset", "flows", expect=2
    )
    assert "no-unit.csv" in unusable
    assert "unit" in unusable
    assert not (home / "inbox").exists()

    # submit runs the ingest flow for one file: validated and published
    out = junkan(home, "submit", str(workspace / "city-a.csv"), "--member", "city-a", "--dataset", "flows")
    assert "valid" in out
    assert "read 4, accepted 4, quarantined 0" in out
    assert "published periods: FY2023, FY2024" in out
    assert "reports/_drafts/FY2024.html" in out  # the secretariat's draft: runs never touch the public report

    # an upload without an event is picked up by the nightly run
    inbox = home / "inbox" / "corp-b" / "flows"
    inbox.mkdir(parents=True)
    (inbox / "corp-b.csv").write_bytes((workspace / "corp-b.csv").read_bytes())
    out = junkan(home, "run")
    assert "partially_valid  inbox/corp-b/flows/corp-b.csv  read 3, accepted 2, quarantined 1" in out
    assert "rows: read 3 = accepted 2 + quarantined 1" in out

    first = snapshot(home)
    counts = junkan(
        home,
        "sql",
        "SELECT member_id, count(*) AS n FROM core.flows GROUP BY member_id ORDER BY member_id",
        "--format",
        "csv",
    )
    assert counts.splitlines() == ["member_id,n", "city-a,4", "corp-b,2"]
    rate = junkan(
        home,
        "sql",
        "SELECT input_cyclical_use_rate FROM core.member_indicators WHERE member_id = 'corp-b' "
        "AND period = 'FY2024' AND material_level = 'all' AND region_level = 'all'",
        "--format",
        "csv",
    )
    assert rate.splitlines()[1] == str(25 / (25 + 100))  # recycling → production 25; import → production 100

    # idempotence: a second nightly run and a backfill leave identical query results
    assert "published periods: none (nothing new)" in junkan(home, "run")
    assert snapshot(home) == first
    assert "published periods: FY2023, FY2024" in junkan(home, "backfill", "--from", "FY2023", "--to", "FY2024")
    assert snapshot(home) == first

    # the runs built drafts; the public tables and the period report change only when the secretariat releases
    assert first["draft.indicators"] != []
    assert first["mart.indicators"] == []
    out = junkan(home, "release", "--by", "e2e")
    assert "FY2023 release 1" in out
    assert "FY2024 release 1" in out
    assert "reports/_periods/FY2024.html" in out
    released = snapshot(home)
    # the first release of unchanged core.flows publishes what the drafts said it would
    assert released["mart.flows"] == first["draft.flows"]
    assert released["mart.indicators"] == first["draft.indicators"]


def council_file(member_id: str, tonnes: int) -> str:
    """One council's year: collected waste plastics, part recycled, the rest landfilled."""
    return "\n".join(
        [
            HEADER,
            f"{member_id},FY2024,plastics.pet,use,collection,,,{tonnes},t,,measured,",
            f"{member_id},FY2024,plastics.pet,collection,recycling,,,{tonnes // 2},t,,measured,",
            f"{member_id},FY2024,plastics.pet,collection,landfill,,,{tonnes - tonnes // 2},t,,measured,",
        ]
    )


def test_many_files_in_one_submit_and_a_folder_landed_for_the_next_run(
    tmp_path: Path, local_prefect: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUNKAN_PREFECT_API_URL", local_prefect.api_url)
    home = tmp_path / "home"
    members = "member_id,name,kind,region,joined_on\ncity-a,Ａ市,municipality,JP-40,2023-04-01\n"
    (tmp_path / "members.csv").write_text(members, encoding="utf-8")
    junkan(home, "members", "import", str(tmp_path / "members.csv"))
    # Plants' files of one year: disjoint rows, named as an office names them.
    first, second = tmp_path / "第1工場.csv", tmp_path / "第2工場.csv"
    first.write_bytes(council_file("city-a", 80).replace("plastics.pet", "plastics.pe").encode("cp932"))
    second.write_text(council_file("city-a", 40), encoding="utf-8")

    out = junkan(home, "submit", str(first), str(second), "--member", "city-a", "--dataset", "flows")
    assert "submissions: 2 (2 valid)" in out  # one command, one batch, both files
    assert "rows: read 6 = accepted 6 + quarantined 0" in out

    folder = tmp_path / "提出"
    folder.mkdir()
    for n in range(3):
        (folder / f"file-{n}.csv").write_text(council_file("city-a", 10 * (n + 1)), encoding="utf-8")
    (folder / "~$file-0.csv").write_text("Office's lock file, not data", encoding="utf-8")
    (folder / ".hidden.csv").write_text("not data", encoding="utf-8")
    out = junkan(home, "submit", str(folder), "--member", "city-a", "--dataset", "flows", "--no-run")
    assert "put 3 file(s) in the inbox of city-a/flows" in out
    assert sorted(path.name for path in (home / "inbox" / "city-a" / "flows").iterdir()) == [
        "file-0.csv",
        "file-1.csv",
        "file-2.csv",
        "第1工場.csv",
        "第2工場.csv",
    ]
    out = junkan(home, "run")
    assert "submissions: 3" in out
    assert "rows: read 9 = accepted 9 + quarantined 0" in out

    refused = junkan(home, "submit", str(first), "--member", "nobody", "--dataset", "flows", expect=2)
    assert "member 'nobody' is not registered" in refused


def test_one_submit_takes_a_folder_per_member(
    tmp_path: Path, local_prefect: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUNKAN_PREFECT_API_URL", local_prefect.api_url)
    home = tmp_path / "home"
    councils = [f"council-{n:02d}" for n in range(4)]
    members = "member_id,name,kind,region,joined_on\n" + "".join(
        f"{member},{member},municipality,JP-13,2023-04-01\n" for member in councils
    )
    (tmp_path / "members.csv").write_text(members, encoding="utf-8")
    junkan(home, "members", "import", str(tmp_path / "members.csv"))
    received = tmp_path / "受領"
    for n, member in enumerate(councils):
        (received / member).mkdir(parents=True)
        (received / member / "令和6年度.csv").write_bytes(council_file(member, 10 * (n + 1)).encode("cp932"))

    out = junkan(home, "submit", str(received), "--dataset", "flows")
    assert "submissions: 4 (4 valid)" in out
    assert "rows: read 12 = accepted 12 + quarantined 0" in out
    assert sorted(path.parent.parent.name for path in (home / "inbox").glob("*/flows/*.csv")) == councils

    (received / "not-a-member").mkdir()
    (received / "not-a-member" / "x.csv").write_text(council_file("not-a-member", 1), encoding="utf-8")
    refused = junkan(home, "submit", str(received), "--dataset", "flows", expect=2)
    assert "member 'not-a-member' is not registered" in refused


def test_long_work_says_where_it_is_in_plain_lines_when_the_output_is_not_a_terminal(
    workspace: Path, tmp_path: Path, local_prefect: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUNKAN_PREFECT_API_URL", local_prefect.api_url)
    home = tmp_path / "home"
    junkan(home, "members", "import", str(workspace / "members.csv"))
    earlier = tmp_path / "city-a-fy2022.csv"
    earlier.write_text(f"{HEADER}\ncity-a,FY2022,paper,use,collection,,,12,t,,measured,\n", encoding="utf-8")
    files = [str(workspace / "city-a.csv"), str(earlier)]
    out = junkan(home, "submit", *files, "--member", "city-a", "--dataset", "flows")
    assert "files judged: 0 of 2" in out
    assert "files judged: 2 of 2 (100 %) in" in out
    assert "periods drafted: 3 of 3 (100 %) in" in out
    assert "periods protected for release: 3 of 3 (100 %) in" in junkan(home, "release", "--by", "e2e")

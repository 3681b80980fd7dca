"""`junkan reference load` on the shipped reference files, through the real CLI, as the secretariat would run it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from infra.devservers.prefect import RunningServer
from tests.test_end_to_end import junkan

REFERENCE = Path(__file__).resolve().parents[1] / "reference"


def test_the_shipped_reference_files_load_through_the_cli(
    tmp_path: Path, local_prefect: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUNKAN_PREFECT_API_URL", local_prefect.api_url)
    home = tmp_path / "home"
    out = junkan(home, "reference", "load", str(REFERENCE))
    assert "valid            inbox/secretariat/roadmap_targets/roadmap_targets.csv  read 5, accepted 5" in out
    assert "valid            inbox/secretariat/reference_statistics/reference_statistics.csv  read 4, accepted 4" in out
    assert "valid            inbox/secretariat/designated_products/designated_products.csv  read 6, accepted 6" in out
    assert "rows: read 15 = accepted 15 + quarantined 0" in out

    sources = junkan(
        home, "sql", "SELECT roadmap_id, source FROM core.roadmap_targets ORDER BY roadmap_id", "--format", "csv"
    )
    rows = list(csv.DictReader(io.StringIO(sources)))
    assert len(rows) == 5
    assert all(row["source"] for row in rows)

    # The load rebuilt the draft of the roadmap progress: the public table follows on the next release.
    progress = junkan(
        home,
        "sql",
        "SELECT roadmap_id, basis, actual_period, actual_value FROM draft.roadmap_progress"
        " WHERE is_latest AND basis = 'official' ORDER BY roadmap_id",
        "--format",
        "csv",
    )
    assert progress.splitlines()[1:5] == [
        "plan5.final_disposal,official,FY2019,13040000.0",
        "plan5.input_cyclical_use_rate,official,FY2019,0.157",
        "plan5.output_cyclical_use_rate,official,FY2019,0.43",
        "plan5.resource_productivity,official,FY2019,436000.0",
    ]
    # loading the same files again changes nothing: the ledger knows their content
    again = junkan(home, "reference", "load", str(REFERENCE))
    assert "already done" in again

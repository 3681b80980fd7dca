"""Cheap checks of the benchmark tools: the generator's bad rows, the pandas baseline's numbers, RSS sampling."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from benchmarks import generate
from benchmarks.compare import compare_indicators
from benchmarks.measure import run_measured
from benchmarks.pandas_baseline import indicators, run_pipeline
from expectations.validate import validate
from schemas import FLOWS
from transforms.indicators import compute_indicators
from transforms.normalize import normalize

DOCTEST_FLOWS = {
    "member_id": ["m-1", "m-1", "m-1"],
    "period": ["2024"] * 3,
    "period_start": [date(2024, 1, 1)] * 3,
    "period_end": [date(2024, 12, 31)] * 3,
    "grain": ["year"] * 3,
    "material": ["paper"] * 3,
    "material_group": ["paper"] * 3,
    "region": ["JP"] * 3,
    "source_stage": ["import", "recycling", "use"],
    "target_stage": ["production", "production", "landfill"],
    "quantity_t": [75.0, 25.0, 10.0],
}


def test_generated_flows_fail_exactly_the_bad_rows() -> None:
    ids = generate.member_ids(2)
    flows = generate.flows_frame(ids, rows_per_member=50, bad_fraction=0.06)
    assert flows.height == 100
    # 6 bad rows, spread evenly over the three kinds.
    assert (flows["quantity"] == generate.BAD_QUANTITY).sum() == 2
    assert (flows["unit"] == generate.BAD_UNIT).sum() == 2
    assert (flows["source_stage"] == generate.BAD_STAGE).sum() == 2
    batch = pl.concat(
        [
            normalize(
                part.with_row_index("source_row", offset=2).with_columns(
                    pl.col("source_row").cast(pl.Int64), submission_id=pl.lit(member), submitter_id=pl.lit(member)
                ),
                contract=FLOWS,
            ).collect()
            for member, part in zip(ids, flows.partition_by("member_id", maintain_order=True), strict=True)
        ]
    )
    result = validate(FLOWS, batch)
    assert result.quarantined.height == 6
    assert sorted(check for checks in result.quarantined["failed_checks"].to_list() for check in checks) == sorted(
        ["quantity.range"] * 2 + ["unit.vocabulary"] * 2 + ["source_stage.vocabulary"] * 2
    )


def test_pandas_indicators_worked_by_hand() -> None:
    table = indicators(pd.DataFrame(DOCTEST_FLOWS), by_member=False)
    total = table[(table["material_level"] == "all") & (table["region_level"] == "all")].iloc[0]
    # cyclical 25 / (25 + natural 75); landfill 10 / waste 10; nothing recovered into a circular stage.
    assert (total["input_cyclical_use_rate"], total["final_disposal_rate"], total["recovery_rate"]) == (0.25, 1.0, 0.0)
    assert total["contributors"] == 1
    assert len(table) == 3  # 3 material levels; region JP is nationwide, so at region level all only


def test_pandas_pipeline_matches_junkan_transform(tmp_path: Path) -> None:
    generated = generate.generate_nightly(tmp_path / "input", n_members=3, rows_per_member=100)
    outcome = run_pipeline(generated.root / "inbox", generated.members_file, tmp_path / "out")
    flows = outcome["counts"]["flows"]
    assert (flows["read"], flows["quarantined"]) == (300, 3)
    accepted = pl.read_parquet(tmp_path / "out" / "core.flows.parquet")
    ours = compute_indicators(accepted.lazy()).collect()
    theirs = pl.read_parquet(tmp_path / "out" / "mart.indicators.parquet")
    comparison = compare_indicators(ours, theirs)
    assert comparison.equal, comparison.examples
    assert comparison.n_compared_cells == ours.height * 11


def test_compare_indicators_finds_a_changed_cell_and_a_missing_row() -> None:
    ours = compute_indicators(pl.LazyFrame(DOCTEST_FLOWS)).collect()
    changed = ours.with_columns(
        pl.when(pl.col("material_level") == "all")
        .then(pl.col("cyclical_use_t") + 1)
        .otherwise(pl.col("cyclical_use_t"))
    )
    assert compare_indicators(ours, changed).n_mismatched_cells == 1  # the row at material level "all" (region JP: all)
    shorter = compare_indicators(ours, ours.filter(pl.col("material_level") != "leaf"))
    assert (shorter.only_left, shorter.only_right) == (1, 0)


def test_peak_rss_counts_the_whole_process_tree() -> None:
    child = "import time; block = bytearray(300 * 2**20); time.sleep(1.0)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}], check=True)"
    measured = run_measured([sys.executable, "-c", parent])
    assert measured.returncode == 0
    assert measured.peak_rss_bytes >= 300 * 2**20


@pytest.mark.parametrize("cp932", [True, False])
def test_csv_encodings(tmp_path: Path, *, cp932: bool) -> None:
    frame = pl.DataFrame({"source": ["回収施設0"]})
    generate.write_csv(frame, tmp_path / "x.csv", cp932=cp932)
    assert (tmp_path / "x.csv").read_bytes().decode("cp932" if cp932 else "utf-8") == "source\n回収施設0\n"

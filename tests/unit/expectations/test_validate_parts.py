"""`validate_parts` judges a file held as Parquet parts exactly as `validate` judges it whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from expectations import ValidationResult, validate
from expectations.validate import validate_parts
from schemas import FLOWS
from tests.factories import MEMBER_ID, make_flows


def flow_rows() -> pl.DataFrame:
    """Ten rows whose cross-row verdicts span any split into parts.

    Rows 2 and 9 share a key (both quarantined as duplicates). Depot takes 100 t in (row 3) and sends 90 t
    out (row 10): off by 10 %, so both warn. Yard takes 50 t in (row 4) and sends 49 t out (row 8): within
    5 %. Row 5 has a negative quantity (an error) and enters Yard too: a quarantined row never skews a
    balance, so Yard stays quiet. Rows 6 and 7 are plain.
    """
    yard, depot = {"source_stage": "collection", "source": "Yard"}, {"source_stage": "collection", "source": "Depot"}
    rows: list[dict[str, Any]] = [
        {"region": "JP-01"},
        {"source_stage": "use", "source": "use", "target_stage": "collection", "target": "Depot", "quantity_t": 100.0},
        {"source_stage": "use", "source": "use", "target_stage": "collection", "target": "Yard", "quantity_t": 50.0},
        {"source_stage": "use", "source": "shop", "target_stage": "collection", "target": "Yard", "quantity_t": -5.0},
        {"region": "JP-02"},
        {"region": "JP-03"},
        {**yard, "target_stage": "recycling", "target": "Mill", "quantity_t": 49.0},
        {"region": "JP-01"},
        {**depot, "target_stage": "recycling", "target": "Mill", "quantity_t": 90.0},
    ]  # fmt: skip
    frame = make_flows(rows=[{"quantity": row.get("quantity_t", 10.0), **row} for row in rows], lineage=True)
    return frame.with_columns(pl.lit(MEMBER_ID).alias("submitter_id"))


def in_parts(frame: pl.DataFrame, cuts: list[int], folder: Path) -> list[Path]:
    """Write `frame` as Parquet parts cut before each row position in `cuts`."""
    bounds = [0, *cuts, frame.height]
    parts = []
    for index, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
        path = folder / f"part-{index}.parquet"
        frame.slice(start, end - start).write_parquet(path)
        parts.append(path)
    return parts


def combined(results: list[ValidationResult]) -> dict[str, pl.DataFrame]:
    """The parts' results as one, in source-row order."""
    return {
        name: pl.concat([getattr(result, name) for result in results]).sort("source_row", maintain_order=True)
        for name in ("accepted", "quarantined", "failures")
    }


def test_the_example_has_the_verdicts_the_docstring_says() -> None:
    result = validate(FLOWS, flow_rows())

    verdicts = sorted(result.failures.select("source_row", "check_id").rows())
    assert verdicts == [
        (2, "flows.duplicate"),
        (3, "flows.balance"),
        (5, "quantity.range"),
        (9, "flows.duplicate"),
        (10, "flows.balance"),
    ]


@pytest.mark.parametrize("merge_rows", [1_000_000, 1])
@pytest.mark.parametrize("cuts", [[], [1], [3, 6], [1, 2, 3, 4, 5, 6, 7, 8, 9], [5]])
def test_parts_are_judged_as_the_whole_file(
    cuts: list[int], merge_rows: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("expectations.balance.MERGE_ROWS", merge_rows)  # 1: balance sums merged after every part
    frame = flow_rows()
    whole = validate(FLOWS, frame)

    parts = list(validate_parts(FLOWS, in_parts(frame, cuts, tmp_path)))

    assert len(parts) == len(cuts) + 1
    together = combined(parts)
    assert_frame_equal(together["accepted"], whole.accepted.sort("source_row", maintain_order=True))
    assert_frame_equal(together["quarantined"], whole.quarantined.sort("source_row", maintain_order=True))
    assert_frame_equal(
        together["failures"].sort("source_row", "check_id"), whole.failures.sort("source_row", "check_id")
    )


def test_no_parts_yield_nothing() -> None:
    assert list(validate_parts(FLOWS, [])) == []

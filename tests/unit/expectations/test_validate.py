from __future__ import annotations

import math
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from expectations import ValidationResult, validate
from schemas import FLOWS, PROGRESS, TARGETS
from tests.factories import MEMBER_ID, make_flows, make_progress, make_targets

OTHER_MEMBER = "univ-tokyo"


def regions(count: int) -> list[dict[str, Any]]:
    """Rows that differ only in region, so their flow keys are distinct."""
    return [{"region": f"JP-{index + 1:02d}"} for index in range(count)]


def with_submitter(frame: pl.DataFrame, submitter: str = MEMBER_ID) -> pl.DataFrame:
    return frame.with_columns(pl.lit(submitter).alias("submitter_id"))


def flows(rows: list[dict[str, Any]], *, submitter: str = MEMBER_ID, **overrides: Any) -> pl.DataFrame:
    return with_submitter(make_flows(rows=rows, lineage=True, **overrides), submitter)


def failed(result: ValidationResult) -> list[tuple[str, int, str]]:
    return [
        (row[0], row[1], row[2]) for row in result.failures.select("submission_id", "source_row", "check_id").rows()
    ]


def counts(result: ValidationResult) -> list[tuple[str, int, int, int, int]]:
    return [
        (row[0], row[1], row[2], row[3], row[4])
        for row in result.summary()
        .select("submission_id", "n_read", "n_accepted", "n_quarantined", "n_warnings")
        .rows()
    ]


def test_valid_rows_are_all_accepted_unchanged() -> None:
    frame = flows(regions(3))

    result = validate(FLOWS, frame)

    assert failed(result) == []
    assert_frame_equal(result.accepted, frame.drop("submitter_id"))
    assert result.quarantined.height == 0
    assert counts(result) == [("sub-1", 3, 3, 0, 0)]


@pytest.mark.parametrize(
    ("override", "check_id", "column"),
    [
        ({"unit": None}, "unit.required", "unit"),  # null: not_null only, the vocabulary skips it
        ({"quantity": None}, "quantity.required", "quantity"),
        ({"unit": "lb"}, "unit.vocabulary", "unit"),
        ({"source_stage": "consumption"}, "source_stage.vocabulary", "source_stage"),
        ({"quantity": -0.5}, "quantity.range", "quantity"),
        ({"note": "x" * 1001}, "note.length", "note"),
        ({"source": "長" * 101}, "source.length", "source"),
        ({"region": "jp-40"}, "region.format", "region"),
        ({"period": "2024/05"}, "period.format", "period"),
    ],
)
def test_one_bad_value_fails_one_check_on_its_row_only(override: dict[str, Any], check_id: str, column: str) -> None:
    rows = regions(3)
    rows[1].update(override)
    frame = pl.concat([flows(rows), flows(regions(2), submission_id="sub-2")])

    result = validate(FLOWS, frame)

    assert failed(result) == [("sub-1", 3, check_id)]
    assert result.failures.row(0, named=True)["column"] == column
    assert result.failures.row(0, named=True)["severity"] == "error"
    assert result.quarantined.select("submission_id", "source_row", "failed_checks").rows() == [
        ("sub-1", 3, [check_id])
    ]
    assert result.accepted.select("submission_id", "source_row").rows() == [
        ("sub-1", 2),
        ("sub-1", 4),
        ("sub-2", 2),
        ("sub-2", 3),
    ]
    assert counts(result) == [("sub-1", 3, 2, 1, 0), ("sub-2", 2, 2, 0, 0)]


def test_malformed_member_id_fails_its_format_and_the_submitter_rule() -> None:
    result = validate(FLOWS, flows([{"member_id": "City Kitakyushu"}, {"region": "JP-13"}]))

    assert failed(result) == [("sub-1", 2, "member_id.format"), ("sub-1", 2, "flows.submitter")]


def test_max_length_counts_characters_not_bytes() -> None:
    # 100 Japanese characters are 300 bytes in UTF-8, and still within the 100-character limit.
    result = validate(FLOWS, flows([{"source": "長" * 100}]))

    assert failed(result) == []


def test_optional_columns_may_be_null() -> None:
    result = validate(FLOWS, flows([{"region": None, "quality": None, "note": None, "source": None, "target": None}]))

    assert failed(result) == []
    assert result.accepted.height == 1


def test_nan_quantity_fails_required_and_range() -> None:
    result = validate(FLOWS, flows([{"quantity": math.nan}, {"region": "JP-13"}]))

    assert failed(result) == [("sub-1", 2, "quantity.required"), ("sub-1", 2, "quantity.range")]
    assert counts(result) == [("sub-1", 2, 1, 1, 0)]


def test_nan_fails_a_required_number_without_range() -> None:
    frame = with_submitter(make_targets(rows=[{"baseline_value": math.nan}], lineage=True))

    result = validate(TARGETS, frame)

    assert failed(result) == [("sub-1", 2, "baseline_value.required")]


def test_between_checks_both_bounds() -> None:
    frame = with_submitter(
        make_targets(
            rows=[{"target_id": "T1", "baseline_year": 1899}, {"target_id": "T2", "target_year": 2201}], lineage=True
        )
    )

    result = validate(TARGETS, frame)

    assert failed(result) == [("sub-1", 2, "baseline_year.range"), ("sub-1", 3, "target_year.range")]


def test_warning_keeps_the_row_accepted() -> None:
    rows = regions(2)
    rows[0]["material"] = "plastics.bioplastic"

    result = validate(FLOWS, flows(rows))

    assert failed(result) == [("sub-1", 2, "material.known")]
    assert result.failures["severity"].to_list() == ["warning"]
    assert result.accepted.height == 2
    assert result.quarantined.height == 0
    assert counts(result) == [("sub-1", 2, 2, 0, 1)]


def test_errors_and_warnings_on_one_row_quarantine_it_with_errors_listed() -> None:
    result = validate(FLOWS, flows([{"material": "plastics.bioplastic", "unit": "lb", "quantity": -1.0}]))

    assert failed(result) == [
        ("sub-1", 2, "material.known"),
        ("sub-1", 2, "quantity.range"),
        ("sub-1", 2, "unit.vocabulary"),
    ]
    assert result.quarantined["failed_checks"].to_list() == [["quantity.range", "unit.vocabulary"]]
    assert counts(result) == [("sub-1", 1, 0, 1, 1)]


def test_duplicates_are_all_quarantined_within_a_submission() -> None:
    # Rows 2 and 4 share a key (quantity differs but is not part of it); row 3 is distinct.
    rows = [{"quantity": 10.0}, {"region": "JP-13"}, {"quantity": 20.0}]
    frame = pl.concat([flows(rows), flows([{}], submission_id="sub-2")])

    result = validate(FLOWS, frame)

    assert failed(result) == [("sub-1", 2, "flows.duplicate"), ("sub-1", 4, "flows.duplicate")]
    assert result.quarantined.select("source_row", "quantity").rows() == [(2, 10.0), (4, 20.0)]
    # The same key in another submission is not a duplicate.
    assert counts(result) == [("sub-1", 3, 1, 2, 0), ("sub-2", 1, 1, 0, 0)]


def test_duplicate_keys_with_null_parts_still_collide() -> None:
    result = validate(FLOWS, flows([{"region": None}, {"region": None}]))

    assert failed(result) == [("sub-1", 2, "flows.duplicate"), ("sub-1", 3, "flows.duplicate")]


def two_submissions() -> pl.DataFrame:
    """sub-1: two rows of MEMBER_ID; sub-2 from OTHER_MEMBER, whose row 3 names MEMBER_ID (not the submitter)."""
    first = flows(regions(2), submitter=MEMBER_ID)
    second = flows(
        [{"member_id": OTHER_MEMBER}, {"member_id": MEMBER_ID}],
        submitter=OTHER_MEMBER,
        submission_id="sub-2",
    )
    return pl.concat([first, second])


def test_submitter_rule_is_checked_per_submission() -> None:
    result = validate(FLOWS, two_submissions())

    assert failed(result) == [("sub-2", 3, "flows.submitter")]
    assert result.failures.row(0, named=True)["column"] == "member_id"
    assert counts(result) == [("sub-1", 2, 2, 0, 0), ("sub-2", 2, 1, 1, 0)]
    assert "submitter_id" not in result.accepted.columns
    assert "submitter_id" not in result.quarantined.columns


def test_a_batch_result_narrows_to_each_submission() -> None:
    result = validate(FLOWS, two_submissions())

    mine, theirs, nobody = result.of("sub-1"), result.of("sub-2"), result.of("sub-9")

    assert counts(mine) == [("sub-1", 2, 2, 0, 0)]
    assert counts(theirs) == [("sub-2", 2, 1, 1, 0)]
    assert failed(theirs) == [("sub-2", 3, "flows.submitter")]
    assert failed(mine) == []
    assert theirs.quarantined.get_column("source_row").to_list() == [3]
    assert theirs.accepted.get_column("source_row").to_list() == [2]
    assert (nobody.accepted.height, nobody.quarantined.height, nobody.summary().height) == (0, 0, 0)
    assert nobody.accepted.schema == result.accepted.schema


def test_self_loop_needs_distinct_process_names() -> None:
    rows = [
        {"source_stage": "sorting", "target_stage": "sorting", "source": "Plant A", "target": "Plant A"},
        {"source_stage": "sorting", "target_stage": "sorting", "source": "Plant A", "target": "Plant B"},
        {"source_stage": "sorting", "target_stage": "sorting", "source": None, "target": None},
    ]

    result = validate(FLOWS, flows(rows))

    assert failed(result) == [("sub-1", 2, "flows.self_loop"), ("sub-1", 4, "flows.self_loop")]


def test_target_year_must_be_after_baseline_year() -> None:
    frame = with_submitter(
        make_targets(
            rows=[
                {"target_id": "T1", "target_year": 2020},  # equal to the baseline: fails
                {"target_id": "T2", "target_year": 2019},
                {"target_id": "T3", "target_year": 2021},
                {"target_id": "T4", "target_year": None},  # missing: only the required check
            ],
            lineage=True,
        )
    )

    result = validate(TARGETS, frame)

    assert failed(result) == [
        ("sub-1", 2, "targets.year_order"),
        ("sub-1", 3, "targets.year_order"),
        ("sub-1", 5, "target_year.required"),
    ]
    assert result.failures["column"].to_list() == ["target_year", "target_year", "target_year"]


def test_progress_needs_a_target_the_member_has() -> None:
    frame = with_submitter(
        make_progress(rows=[{"target_id": "T1"}, {"target_id": "T2"}, {"target_id": "T1", "year": 2025}], lineage=True)
    )
    # T2 is known, but for another member.
    known = pl.DataFrame(
        {"member_id": [MEMBER_ID, OTHER_MEMBER], "target_id": ["T1", "T2"], "baseline_year": [2020] * 2}
    )

    result = validate(PROGRESS, frame, references={"targets": known})

    assert failed(result) == [("sub-1", 3, "progress.known_target")]
    assert counts(result) == [("sub-1", 3, 2, 1, 0)]


def test_progress_for_a_future_year_or_before_the_baseline_is_an_error() -> None:
    this_year = datetime.now(UTC).year
    frame = with_submitter(
        make_progress(rows=[{"year": this_year}, {"year": this_year + 1}, {"year": 2019}, {"year": 2020}], lineage=True)
    )
    known = pl.DataFrame({"member_id": [MEMBER_ID], "target_id": ["T1"], "baseline_year": [2020]})

    result = validate(PROGRESS, frame, references={"targets": known})

    assert failed(result) == [("sub-1", 3, "progress.future_year"), ("sub-1", 4, "progress.before_baseline")]
    messages = dict(zip(result.failures["check_id"], result.failures["message_en"], strict=False))
    assert "future" in messages["progress.future_year"]
    assert "baseline" in messages["progress.before_baseline"]


def test_progress_without_known_targets_is_refused() -> None:
    frame = with_submitter(make_progress(lineage=True))

    with pytest.raises(ValueError, match="progress.known_target needs known_targets"):
        validate(PROGRESS, frame)


def chain(outflow_t: float, **overrides: Any) -> list[dict[str, Any]]:
    """100 t into Depot (collection), `outflow_t` out of it to Mill (recycling)."""
    return [
        {"source_stage": "use", "source": "use", "target_stage": "collection", "target": "Depot", "quantity": 100.0,
         "quantity_t": 100.0, **overrides},
        {"source_stage": "collection", "source": "Depot", "target_stage": "recycling", "target": "Mill",
         "quantity": outflow_t, "quantity_t": outflow_t, **overrides},
    ]  # fmt: skip


def test_unbalanced_process_warns_the_rows_feeding_it() -> None:
    # Depot: in 100, out 90, ratio 0.1 > 0.05. Mill and use are boundaries (one side only).
    result = validate(FLOWS, flows([*chain(90.0), {"region": "JP-13"}]))

    assert failed(result) == [("sub-1", 2, "flows.balance"), ("sub-1", 3, "flows.balance")]
    assert result.failures["severity"].to_list() == ["warning", "warning"]
    assert counts(result) == [("sub-1", 3, 3, 0, 2)]


def test_balance_within_tolerance_is_quiet() -> None:
    # Depot: in 100, out 96, ratio 0.04 <= 0.05.
    result = validate(FLOWS, flows(chain(96.0)))

    assert failed(result) == []


def test_balance_is_computed_per_submission() -> None:
    inflow, outflow = chain(50.0)
    frame = pl.concat([flows([inflow]), flows([outflow], submission_id="sub-2")])

    result = validate(FLOWS, frame)

    assert failed(result) == []


def test_balance_ignores_quarantined_rows() -> None:
    rows = chain(50.0)
    rows[1]["unit"] = "lb"  # the outflow is quarantined, so Depot has inflow only

    result = validate(FLOWS, flows(rows))

    assert failed(result) == [("sub-1", 3, "unit.vocabulary")]


def test_empty_frame_gives_empty_result() -> None:
    frame = flows([{}]).clear()

    result = validate(FLOWS, frame)

    assert result.failures.height == 0
    assert result.accepted.height == 0
    assert result.summary().height == 0


def test_frame_missing_columns_is_refused() -> None:
    frame = flows([{}]).drop("quantity_t", "submitter_id")

    with pytest.raises(ValueError, match="lacks columns quantity_t, submitter_id"):
        validate(FLOWS, frame)


def test_rows_must_be_identified_by_submission_and_source_row() -> None:
    frame = flows(regions(2), source_row=2)

    with pytest.raises(ValueError, match=r"\(submission_id, source_row\) must identify one row"):
        validate(FLOWS, frame)


def test_importing_expectations_does_not_import_great_expectations_or_pandas() -> None:
    code = (
        "import sys, expectations, expectations.report; "
        "print(sorted(m for m in ('great_expectations', 'pandas') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[3]
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root).stdout

    assert output.strip() == "[]"


def test_validation_is_silent_on_the_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    validate(FLOWS, flows([{"unit": "lb"}]))

    captured = capfd.readouterr()
    assert captured.out == ""
    assert captured.err == ""  # no progress bars, no GX log records


def test_summary_refuses_to_lose_rows() -> None:
    result = validate(FLOWS, flows(regions(2)))
    tampered = ValidationResult(
        failures=result.failures,
        accepted=result.accepted.head(1),
        quarantined=result.quarantined,
        read=result.read,
    )

    with pytest.raises(RuntimeError, match="rows lost in validation"):
        tampered.summary()

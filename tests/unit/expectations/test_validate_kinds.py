"""The datasets of universities and municipalities judged by their contracts: projects, disclosures, plans."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from expectations import ValidationResult, validate
from schemas import DISCLOSURES, PLANS, PROJECTS
from tests.factories import UNIVERSITY_ID, make_disclosures, make_plans, make_projects, make_raw
from transforms.normalize import normalize


def failed(result: ValidationResult) -> list[tuple[int, str]]:
    return [(row[0], row[1]) for row in result.failures.select("source_row", "check_id").rows()]


def test_a_disclosure_for_an_unknown_project_is_an_error() -> None:
    frame = make_disclosures(
        rows=[{"project_id": "P1"}, {"project_id": "P2"}, {"project_id": "P1", "disclosed_on": date(2026, 1, 5)}],
        lineage=True,
    ).with_columns(submitter_id=pl.lit(UNIVERSITY_ID))
    # P2 is known, but for another member.
    known = pl.DataFrame({"member_id": [UNIVERSITY_ID, "univ-other"], "project_id": ["P1", "P2"]})

    result = validate(DISCLOSURES, frame, references={"projects": known})

    assert failed(result) == [(3, "disclosures.known_project")]
    assert result.accepted.height == 2
    [message] = result.failures["message_en"].to_list()
    assert "submit it in projects first" in message


def test_disclosures_without_known_projects_are_refused() -> None:
    frame = make_disclosures(lineage=True).with_columns(submitter_id=pl.lit(UNIVERSITY_ID))
    with pytest.raises(ValueError, match="disclosures.known_project needs known_projects"):
        validate(DISCLOSURES, frame)


def test_a_project_that_ends_before_it_starts_or_has_an_unknown_role_is_an_error() -> None:
    frame = make_projects(
        rows=[
            {"project_id": "P1"},
            {"project_id": "P2", "ended_on": date(2024, 1, 1)},
            {"project_id": "P3", "role": "sponsor"},
            {"project_id": "P1"},
        ],
        lineage=True,
    ).with_columns(submitter_id=pl.lit(UNIVERSITY_ID))

    result = validate(PROJECTS, frame)

    assert sorted(failed(result)) == [
        (2, "projects.duplicate"),
        (3, "projects.date_order"),
        (4, "role.vocabulary"),
        (5, "projects.duplicate"),
    ]


def test_a_plan_says_yes_or_no_as_offices_write_it() -> None:
    rows = [
        {"member_id": "city-a", "plan_name": "第3次環境基本計画", "revised_on": "2025/3/31",
         "includes_ce_target": answer, "url": "https://city-a.example/plan"}
        for answer in ("はい", "いいえ", "○", "FALSE", "たぶん")
    ]  # fmt: skip
    raw = make_raw(PLANS, rows).with_columns(
        submission_id=pl.lit("s1"), submitter_id=pl.lit("city-a"), registered_region=pl.lit(None, dtype=pl.String)
    )
    frame = normalize(raw, contract=PLANS, default_region=pl.col("registered_region")).collect()
    assert frame["includes_ce_target"].to_list() == [True, False, True, False, None]
    assert frame["revised_on"].to_list() == [date(2025, 3, 31)] * 5

    result = validate(PLANS, frame.with_columns(submitter_id=pl.lit("city-a")))

    # the same plan and day five times: all duplicated, and the unreadable answer is not a yes or no
    assert (6, "includes_ce_target.required") in failed(result)


def test_a_plan_of_the_factory_is_valid() -> None:
    frame = make_plans(lineage=True).with_columns(submitter_id=pl.lit("city-kitakyushu"))
    result = validate(PLANS, frame)
    assert failed(result) == []

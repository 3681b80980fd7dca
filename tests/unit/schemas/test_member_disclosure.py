"""Disclosure classes in the members contract: defaults by kind, the optional columns and how they are read."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from schemas import MEMBERS
from schemas import vocabulary as v
from schemas.members import DISCLOSURE_DATASETS, default_disclosure_class
from transforms.normalize import normalize


@pytest.mark.parametrize(
    ("kind", "dataset", "expected"),
    [
        ("municipality", "flows", "public"),
        ("municipality", "progress", "public"),
        ("industry_association", "flows", "public"),
        ("municipality", "targets", "confidential"),  # only flows and progress carry a class
        ("company", "flows", "confidential"),
        ("university", "progress", "confidential"),
        ("research_institute", "flows", "confidential"),
        ("related_org", "flows", "confidential"),
    ],
)
def test_default_disclosure_class_by_kind(kind: str, dataset: str, expected: str) -> None:
    assert default_disclosure_class(kind, dataset) == expected


def test_the_vocabulary_has_both_classes_with_japanese_labels() -> None:
    assert v.DISCLOSURE_CLASS_CODES == ("confidential", "public") == (v.CONFIDENTIAL, v.PUBLIC)
    assert {term.code: term.label_ja for term in v.DISCLOSURE_CLASSES} == {"confidential": "非公開", "public": "公開"}
    assert DISCLOSURE_DATASETS == ("flows", "progress")


def test_disclosure_and_consent_date_are_optional_columns_with_japanese_headers() -> None:
    assert MEMBERS.required_columns == ("member_id", "name", "kind", "joined_on")
    assert MEMBERS.column_for_header("公開区分") == "disclosure"
    assert MEMBERS.column_for_header("開示区分") == "disclosure"
    assert MEMBERS.column_for_header("同意日") == "consented_on"
    assert MEMBERS.column("disclosure").vocabulary == v.DISCLOSURE_CLASS_CODES
    assert MEMBERS.schema["consented_on"] == pl.Date()


def test_a_blank_consent_date_is_the_day_joined_and_a_class_is_read_in_any_case() -> None:
    raw = pl.DataFrame(
        {
            "source_row": [2, 3, 4],
            "member_id": ["a-co", "b-co", "c-city"],
            "name": ["A", "B", "C"],
            "kind": ["company", "company", "municipality"],
            "joined_on": ["2023-04-01", "2023-05-01", "2023-06-01"],
            "disclosure": [" Public ", "confidential", None],
            "consented_on": ["2024/4/1", None, None],
        }
    )

    out = normalize(raw, contract=MEMBERS).collect()

    assert out["disclosure"].to_list() == ["public", "confidential", None]
    assert out["consented_on"].to_list() == [date(2024, 4, 1), date(2023, 5, 1), date(2023, 6, 1)]

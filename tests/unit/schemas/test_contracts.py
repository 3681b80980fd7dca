"""The contracts are the one source of truth: everything derived from them agrees with them."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from schemas import CONTRACTS, FLOWS, MEMBERS, TARGETS
from schemas.docs import render_contract_markdown
from schemas.tables import TABLES

REPO = Path(__file__).resolve().parents[3]


def test_committed_data_dictionary_is_generated_from_the_contracts() -> None:
    committed = (REPO / "docs" / "contract.md").read_text(encoding="utf-8")
    assert committed == render_contract_markdown(tuple(CONTRACTS.values())), (
        "run: junkan contract --output docs/contract.md"
    )


def test_data_dictionary_lists_every_submitted_column_in_both_languages() -> None:
    text = render_contract_markdown(tuple(CONTRACTS.values()))
    for contract in (*CONTRACTS.values(), MEMBERS):
        for column in contract.submitted_columns:
            assert f"| `{column.name}` |" in text
            assert column.description_ja in text
    assert "入口側循環利用率" in text
    assert "最終処分" in text


def test_read_schema_is_every_submitted_column_as_text() -> None:
    assert FLOWS.read_schema.names() == [
        "member_id", "period", "material", "source_stage", "target_stage", "source", "target",
        "quantity", "unit", "region", "origin_region", "destination_region", "quality", "note", "is_renewable",
        "product_category",
    ]  # fmt: skip
    assert set(FLOWS.read_schema.dtypes()) == {pl.String()}
    assert FLOWS.required_columns == (
        "member_id", "period", "material", "source_stage", "target_stage", "quantity", "unit",
    )  # fmt: skip


def test_core_tables_carry_the_contract_schema_plus_lineage() -> None:
    for name, contract in CONTRACTS.items():
        table = TABLES[f"core.{name}"]
        assert table.names()[: len(contract.schema)] == contract.schema.names()
        # targets keep every version, each with the moment (and day) it took effect
        versioned = ["valid_from", "valid_from_at"] if contract.replacement == "versions" else []
        assert table.names()[len(contract.schema) :] == [*versioned, "submission_id", "source_row"]


@pytest.mark.parametrize(("column", "kind"), [("quantity", "between"), ("unit", "in_set"), ("member_id", "regex")])
def test_checks_are_derived_from_column_declarations(column: str, kind: str) -> None:
    kinds = {check.kind for check in FLOWS.column(column).checks}
    assert kind in kinds
    assert "not_null" in kinds  # all three are required


def test_year_order_rule_of_targets() -> None:
    [rule] = [rule for rule in TARGETS.rules if rule.kind == "greater_than"]
    assert rule.columns == ("target_year", "baseline_year")


def test_unknown_column_and_dataset_errors_say_what_exists() -> None:
    with pytest.raises(KeyError, match="flows has no column 'amount'"):
        FLOWS.column("amount")
    from schemas import get_contract

    with pytest.raises(ValueError, match="choose one of: flows, targets, progress"):
        get_contract("waste")


def test_every_required_column_has_japanese_headers_that_name_only_it() -> None:
    for contract in (*CONTRACTS.values(), MEMBERS):
        for column in contract.submitted_columns:
            assert column.required is False or column.headers_ja, f"{contract.name}.{column.name}"
            for header in column.headers:
                assert contract.column_for_header(header) == column.name
                assert contract.column_for_header(header.replace("ID", " ＩＤ")) == column.name


def test_data_dictionary_lists_the_accepted_headers() -> None:
    text = render_contract_markdown(tuple(CONTRACTS.values()))
    assert "| `member_id` | member_id, 会員ID, 会員コード |" in text
    assert "| `value` | value, 実績値, 実績 |" in text

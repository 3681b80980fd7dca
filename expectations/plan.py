"""What a contract's suite checks, as plain data: one `Expectation` per contract check or rule.

Kept free of Great Expectations so that the plan can be read, tested and cached without paying
GX's import; `expectations.gx_suite` turns it into a GX suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

from schemas.contract import Check, Contract, Rule, Severity

SUBMISSION_ID = "submission_id"
SOURCE_ROW = "source_row"
SUBMITTER_ID = "submitter_id"
ROW_INDEX = "_row"

# Rules GX cannot express per row of a batched frame; Polars computes a boolean column for them
# (true: the row passes, null: the rule does not apply) and GX checks it is true.
DERIVED_RULE_KINDS = frozenset(
    {
        "known_target",
        "known_project",
        "distinct_stages",
        "not_future",
        "from_baseline",
        "at_most_one",
        "certified_claim",
        "within_own_flows",
    }
)
# Rules judged after the suite, on the rows that passed every error (see `expectations.balance`).
POST_SUITE_RULE_KINDS = frozenset({"balance"})
# Rules Polars judges over whole files, each failure with a message of its own (see `expectations.subtotals`).
FILE_RULE_KINDS = frozenset({"subtotal"})


@dataclass(frozen=True)
class Expectation:
    """One GX expectation to build, with the contract check or rule it stands for."""

    check_id: str
    severity: Severity
    column: str
    expectation_type: str
    arguments: tuple[tuple[str, Any], ...]
    inputs: tuple[str, ...]

    @property
    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments of the GX expectation class."""
        return dict(self.arguments)


def rule_column(rule: Rule) -> str:
    """Name of the boolean column Polars computes for a rule GX cannot express per row."""
    return f"_rule.{rule.id}"


def row_message_columns(rule_id: str) -> tuple[str, str]:
    """Names of the English and Japanese messages a rule may write for each failing row, quoting its figures.

    Where a derived rule fills them, the report shows them instead of the rule's own message (`with_row_messages`).
    """
    return f"_message_en.{rule_id}", f"_message_ja.{rule_id}"


def number_column(column: str) -> str:
    """Name of the copy of a float column where NaN is null, so that a required NaN fails not_null."""
    return f"_number.{column}"


def _check_expectation(contract: Contract, check: Check) -> Expectation:
    column = check.column
    if check.kind == "not_null":
        if contract.column(column).dtype.is_float():
            column = number_column(column)
        return _expectation(check, "ExpectColumnValuesToNotBeNull", column=column)
    if check.kind == "in_set":
        return _expectation(check, "ExpectColumnValuesToBeInSet", column=column, value_set=list(check.value_set))
    if check.kind == "not_in_set":
        return _expectation(check, "ExpectColumnValuesToNotBeInSet", column=column, value_set=list(check.value_set))
    if check.kind == "between":
        return _expectation(
            check, "ExpectColumnValuesToBeBetween", column=column, min_value=check.min_value, max_value=check.max_value
        )
    if check.kind == "max_length":
        assert check.max_value is not None, check.id
        return _expectation(check, "ExpectColumnValueLengthsToBeBetween", column=column, max_value=int(check.max_value))
    assert check.kind == "regex", check.kind
    return _expectation(check, "ExpectColumnValuesToMatchRegex", column=column, regex=check.regex)


def _expectation(check: Check, expectation_type: str, *, column: str, **arguments: Any) -> Expectation:
    return Expectation(
        check_id=check.id,
        severity=check.severity,
        column=check.column,
        expectation_type=expectation_type,
        arguments=(("column", column), *arguments.items()),
        inputs=(column,),
    )


def _rule_expectation(rule: Rule) -> Expectation:
    if rule.kind == "unique":
        # The submission is part of the key: rows of different submissions never collide.
        inputs = (SUBMISSION_ID, *rule.columns)
        expectation_type = "ExpectCompoundColumnsToBeUnique"
        arguments: dict[str, Any] = {"column_list": list(inputs)}
    elif rule.kind == "greater_than":
        column_a, column_b = rule.columns
        inputs = (column_a, column_b)
        expectation_type = "ExpectColumnPairValuesAToBeGreaterThanB"
        arguments = {"column_A": column_a, "column_B": column_b, "ignore_row_if": "either_value_is_missing"}
    elif rule.kind == "equals_submitter":
        # Row-wise against the submitter of the row's own file, so batching submissions is safe.
        inputs = (rule.columns[0], SUBMITTER_ID)
        expectation_type = "ExpectColumnPairValuesToBeEqual"
        arguments = {"column_A": rule.columns[0], "column_B": SUBMITTER_ID, "ignore_row_if": "either_value_is_missing"}
    else:
        assert rule.kind in DERIVED_RULE_KINDS, rule.kind
        inputs = (rule_column(rule),)
        expectation_type = "ExpectColumnValuesToBeInSet"
        arguments = {"column": rule_column(rule), "value_set": [True]}
    return Expectation(
        check_id=rule.id,
        severity=rule.severity,
        column=rule.columns[0],
        expectation_type=expectation_type,
        arguments=tuple(arguments.items()),
        inputs=inputs,
    )


@cache
def plan_suite(contract: Contract) -> tuple[Expectation, ...]:
    """The expectations of a contract's GX suite: its checks, then its rules GX can judge.

    Examples
    --------
    >>> from schemas import TARGETS
    >>> [(e.check_id, e.expectation_type) for e in plan_suite(TARGETS) if e.check_id.startswith("targets.")]
    [('targets.submitter', 'ExpectColumnPairValuesToBeEqual'),
     ('targets.duplicate', 'ExpectCompoundColumnsToBeUnique'),
     ('targets.year_order', 'ExpectColumnPairValuesAToBeGreaterThanB')]

    """
    checks = tuple(_check_expectation(contract, check) for check in contract.checks)
    outside = POST_SUITE_RULE_KINDS | FILE_RULE_KINDS
    rules = tuple(_rule_expectation(rule) for rule in contract.rules if rule.kind not in outside)
    return (*checks, *rules)


def suite_inputs(contract: Contract) -> tuple[str, ...]:
    """Columns the GX suite reads, each once, in plan order."""
    return tuple(dict.fromkeys(name for expectation in plan_suite(contract) for name in expectation.inputs))


def check_order(contract: Contract) -> dict[str, int]:
    """Position of every check and rule id, so failures list in contract order."""
    ids = [check.id for check in contract.checks] + [rule.id for rule in contract.rules]
    return {check_id: position for position, check_id in enumerate(ids)}


def messages(contract: Contract) -> pl.DataFrame:
    """check_id → reported column, severity and the bilingual message, for every check and rule."""
    records = [
        (check.id, check.column, check.severity, check.message_en, check.message_ja) for check in contract.checks
    ] + [(rule.id, rule.columns[0], rule.severity, rule.message_en, rule.message_ja) for rule in contract.rules]
    return pl.DataFrame(
        records,
        schema={
            "check_id": pl.String(),
            "column": pl.String(),
            "severity": pl.String(),
            "message_en": pl.String(),
            "message_ja": pl.String(),
        },
        orient="row",
    )

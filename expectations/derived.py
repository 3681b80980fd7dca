"""Columns Polars computes for the suite: rule outcomes GX cannot express per row, and NaN-free numbers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import polars as pl

from expectations.declared_content import add_within_own_flows
from expectations.plan import DERIVED_RULE_KINDS, ROW_INDEX, number_column, row_message_columns, rule_column
from schemas.contract import Contract, Rule
from schemas.datasets import RULE_REFERENCES
from schemas.declarations import MASS_BALANCE, SHARE_TOLERANCE, THIRD_PARTY_VERIFIED


def add_check_columns(
    contract: Contract, frame: pl.DataFrame, *, references: Mapping[str, pl.DataFrame] | None = None
) -> pl.DataFrame:
    """`frame` plus one boolean column per derived rule and a NaN-as-null copy of each required float column.

    `references` are the rows of other datasets the contract's rules look up, by the names `schemas.datasets`
    registers (`targets` for progress, `projects` for disclosures).
    """
    numbers = [
        pl.col(check.column).fill_nan(None).alias(number_column(check.column))
        for check in contract.checks
        if check.kind == "not_null" and contract.column(check.column).dtype.is_float()
    ]
    result = frame.with_columns(numbers)
    for rule in contract.rules:
        if rule.kind not in DERIVED_RULE_KINDS:
            continue
        if rule.kind in ("known_target", "known_project"):
            result = _add_known(result, rule, _reference(rule, references))
        elif rule.kind == "not_future":
            (year,) = rule.columns
            result = result.with_columns((pl.col(year) <= datetime.now(UTC).year).alias(rule_column(rule)))
        elif rule.kind == "from_baseline":
            result = _add_from_baseline(result, rule, _reference(rule, references))
        elif rule.kind == "within_own_flows":
            result = add_within_own_flows(result, rule, _reference(rule, references))
        elif rule.kind == "at_most_one":
            result = result.with_columns(_at_most_one(rule).alias(rule_column(rule)))
        elif rule.kind == "certified_claim":
            result = result.with_columns(_certified_claim(rule).alias(rule_column(rule)))
        else:
            result = result.with_columns(_distinct_stages(rule).alias(rule_column(rule)))
    return result


def _distinct_stages(rule: Rule) -> pl.Expr:
    """False where a flow stays in one stage and names the same process at both ends; null without stages.

    A missing process name stands for its stage code, as normalisation fills it.
    """
    source_stage, target_stage, source, target = (pl.col(name) for name in rule.columns)
    same_stage = source_stage == target_stage
    same_process = pl.coalesce(source, source_stage) == pl.coalesce(target, target_stage)
    return ~(same_stage & same_process)


def _at_most_one(rule: Rule) -> pl.Expr:
    """True where the columns (shares of one whole) add up to at most 1.

    Null where none is given, or one is out of 0–1 already: its own range check tells the member what to fix.
    """
    shares = [pl.col(name) for name in rule.columns]
    total = pl.sum_horizontal(shares) <= 1 + SHARE_TOLERANCE
    out_of_range = pl.any_horizontal(~share.is_between(0.0, 1.0) for share in shares).fill_null(value=False)
    return pl.when(pl.all_horizontal(share.is_null() for share in shares) | out_of_range).then(None).otherwise(total)


def _certified_claim(rule: Rule) -> pl.Expr:
    """False where a mass-balance or third-party-verified claim lacks its certificate's name or link."""
    chain, assurance, name, link = (pl.col(column) for column in rule.columns)
    claims = ((chain == MASS_BALANCE) | (assurance == THIRD_PARTY_VERIFIED)).fill_null(value=False)
    return ~claims | (name.is_not_null() & link.is_not_null())


def with_row_messages(failures: pl.DataFrame, checked: pl.DataFrame) -> pl.DataFrame:
    """`failures` (by `_row`) with the message a rule wrote for its row, where it wrote one, instead of its own."""
    for column in checked.columns:
        if not column.startswith("_message_en."):
            continue
        rule_id = column.removeprefix("_message_en.")
        english, japanese = row_message_columns(rule_id)
        texts = checked.select(ROW_INDEX, pl.col(english).alias("_en"), pl.col(japanese).alias("_ja"))
        mine = (pl.col("check_id") == rule_id) & pl.col("_en").is_not_null()
        failures = (
            failures.join(texts, on=ROW_INDEX, how="left", maintain_order="left")
            .with_columns(
                pl.when(mine).then(pl.col("_en")).otherwise(pl.col("message_en")).alias("message_en"),
                pl.when(mine).then(pl.col("_ja")).otherwise(pl.col("message_ja")).alias("message_ja"),
            )
            .drop("_en", "_ja")
        )
    return failures


def _reference(rule: Rule, references: Mapping[str, pl.DataFrame] | None) -> pl.DataFrame:
    """The rows a look-up rule reads, or a clear error naming what the caller must pass."""
    name = RULE_REFERENCES[rule.kind]
    found = (references or {}).get(name)
    if found is None:
        msg = (
            f"rule {rule.id} needs known_{name} (references[{name!r}]: columns {', '.join(rule.columns)}) "
            "from the ledger"
        )
        raise ValueError(msg)
    return found


def _add_from_baseline(frame: pl.DataFrame, rule: Rule, known_targets: pl.DataFrame) -> pl.DataFrame:
    """True where the year is not before the named target's baseline year; null where the target is unknown."""
    if "baseline_year" not in known_targets.columns:
        msg = f"rule {rule.id} needs the targets' baseline_year from the ledger"
        raise ValueError(msg)
    member_id, target_id, year = rule.columns
    baselines = (
        known_targets.select(
            pl.col(member_id).cast(frame.schema[member_id]),
            pl.col(target_id).cast(frame.schema[target_id]),
            pl.col("baseline_year").alias("_baseline_year"),
        )
        .group_by(member_id, target_id)
        .agg(pl.col("_baseline_year").min())
    )
    return (
        frame.join(baselines, on=[member_id, target_id], how="left", maintain_order="left")
        .with_columns((pl.col(year) >= pl.col("_baseline_year")).alias(rule_column(rule)))
        .drop("_baseline_year")
    )


def _add_known(frame: pl.DataFrame, rule: Rule, known_keys: pl.DataFrame) -> pl.DataFrame:
    """True where the row's key (the rule's columns) is in `known_keys`; null where part of the key is missing."""
    keys = list(rule.columns)
    name = rule_column(rule)
    known = (
        known_keys.select([pl.col(key).cast(frame.schema[key]) for key in keys])
        .unique()
        .with_columns(pl.lit(value=True).alias(name))
    )
    any_missing = pl.any_horizontal([pl.col(key).is_null() for key in keys])
    return frame.join(known, on=keys, how="left", maintain_order="left").with_columns(
        pl.when(any_missing).then(None).otherwise(pl.col(name).fill_null(value=False)).alias(name)
    )

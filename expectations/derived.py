"""Columns Polars computes for the suite: rule outcomes GX cannot express per row, and NaN-free numbers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import polars as pl

from expectations.plan import DERIVED_RULE_KINDS, number_column, rule_column
from schemas.contract import Contract, Rule
from schemas.datasets import RULE_REFERENCES


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

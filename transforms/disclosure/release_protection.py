"""Protecting a release against the period's earlier releases: what they fixed, and the changes to protect.

The attacker holds every earlier release of a period. Their published values are fixed equations over the
release segments (`transforms.disclosure.release_history`); their sensitive values must stay protected; and each
value's change since an earlier release is a cell of the members that changed, judged by the same rules.
`transforms.disclosure.joint` adds all of these to the one LP of the release.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from transforms.disclosure import CELL, COLUMN, DISCLOSURE_SPECS, MEMBER_ID, REASON, REVISION, member_contributions
from transforms.disclosure.release_history import judge_changes
from transforms.publication import (
    BASE,
    COEFFICIENT,
    MEMBERS,
    PROTECTION,
    Builder,
    numbered,
    table_keys,
)


@dataclass(frozen=True)
class EarlierRelease:
    """An earlier release of the same period, as the attacker holds it.

    `flows` are the member cells it was built from (as `flows.stages.publish.flow_cells` gives them: member_id,
    the period's columns, the `mart.flows` keys, `is_renewable`, `quantity_t`); `tables` are the public tables it
    published (`mart.*` schemas, withheld values null). Only values it published are known equations.
    """

    flows: pl.DataFrame
    tables: Mapping[str, pl.DataFrame]


def earlier_equations(
    earlier: Sequence[EarlierRelease],
    frames: Sequence[pl.DataFrame],
    built: Mapping[str, pl.DataFrame],
    offsets: Mapping[str, int],
    coefficients: Mapping[str, pl.DataFrame],
    builders: Mapping[str, Builder],
    *,
    public: frozenset[str],
    thresholds: dict[str, Any],
) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    """What the earlier releases fix, and the changes since each of them that need protecting.

    Returns, per earlier release, its known sums over base cells (`_equation`, `_base`, `_coefficient`: every
    value it published, and every value it left out as 0); and the changes to protect: (`_cell`, `_column`,
    `member_id`, `_protection`, `_members`, `_kind`, `_known_then`, `_release`): a current value's change since
    release `_release` (`_kind` net), judged on the members that changed (`release_history.judge_changes`), and
    each of those members' figures then and now (`_kind` then, now). `_known_then`: the value was published (or
    absent, so 0) in that release, so the change is there for anyone to subtract.
    """
    known: list[pl.DataFrame] = []
    targets: list[pl.DataFrame] = []
    current = frames[-1]
    for release, (before, flows) in enumerate(zip(earlier, frames, strict=False)):
        equations = []
        knowable = []
        for table, cells in built.items():
            keys, values = table_keys(table), list(DISCLOSURE_SPECS[table].value_columns)
            if table not in before.tables:
                # A table new since that release (product circularity) published nothing then: it fixes no sum.
                knowable.append(
                    numbered(cells, offsets[table])
                    .select(CELL)
                    .join(pl.DataFrame({COLUMN: values}), how="cross")
                    .with_columns(pl.lit(value=False).alias("_known_then"))
                )
                continue
            released = before.tables[table]
            # A value of that release is known when published (not null), or left out (0).
            state = (
                released.select(*keys, *values)
                .unpivot(index=keys, on=values, variable_name=COLUMN, value_name="_then")
                .select(*keys, COLUMN, pl.col("_then").is_not_null().alias("_published"))
            )
            equations.append(
                coefficients[table]
                .join(state, on=[*keys, COLUMN], how="left", nulls_equal=True)
                .filter(pl.col("_published").fill_null(value=True))
                .select(
                    pl.concat_str(
                        pl.lit(table), COLUMN, *(pl.col(k).cast(pl.String).fill_null("") for k in keys)
                    ).alias("_equation"),
                    BASE,
                    COEFFICIENT,
                )
            )
            knowable.append(
                numbered(cells, offsets[table])
                .select(CELL, *keys)
                .join(pl.DataFrame({COLUMN: values}), how="cross")
                .join(state, on=[*keys, COLUMN], how="left", nulls_equal=True)
                .select(CELL, COLUMN, pl.col("_published").fill_null(value=True).alias("_known_then"))
            )
        known.append(pl.concat(equations))
        known_then = pl.concat(knowable)
        for table, cells in built.items():
            keys, values = table_keys(table), list(DISCLOSURE_SPECS[table].value_columns)
            sensitive, figures = judge_changes(
                confidential_parts(current, builders[table], table, public),
                confidential_parts(flows, builders[table], table, public),
                keys,
                **thresholds,
            )
            if sensitive.is_empty():
                continue
            rows = numbered(cells, offsets[table]).select(CELL, *keys)
            net = sensitive.join(rows, on=keys, how="inner", nulls_equal=True).select(
                CELL,
                COLUMN,
                pl.lit(None, dtype=pl.String()).alias(MEMBER_ID),
                PROTECTION,
                MEMBERS,
                pl.lit("net").alias("_kind"),
            )
            # Each changed member's figure before and after, ±`safety_range` of it.
            own = figures.join(rows, on=keys, how="inner", nulls_equal=True).unpivot(
                index=[CELL, COLUMN, MEMBER_ID], on=["_then", "_now"], variable_name="_kind", value_name="_figure"
            )
            own = own.filter(pl.col("_figure") > 0).select(
                CELL,
                COLUMN,
                MEMBER_ID,
                (pl.col("_figure") * thresholds["safety_range"]).alias(PROTECTION),
                pl.concat_list(MEMBER_ID).alias(MEMBERS),
                pl.col("_kind").str.strip_prefix("_"),
            )
            targets.append(
                pl.concat([net, own])
                .join(known_then, on=[CELL, COLUMN], how="left")
                .with_columns(
                    pl.lit(release, dtype=pl.Int64).alias("_release"), pl.col("_known_then").fill_null(value=True)
                )
            )
    schema = {
        CELL: pl.UInt32(),
        COLUMN: pl.String(),
        MEMBER_ID: pl.String(),
        PROTECTION: pl.Float64(),
        MEMBERS: pl.List(pl.String()),
        "_kind": pl.String(),
        "_known_then": pl.Boolean(),
        "_release": pl.Int64(),
    }
    frame = pl.concat([pl.DataFrame(schema=schema), *(t.select(list(schema)).cast(schema) for t in targets)])  # type: ignore[arg-type]
    return known, frame.sort(CELL, COLUMN, "_release", "_kind", MEMBER_ID, nulls_last=True)


def confidential_parts(flows: pl.DataFrame, build: Builder, table: str, public: frozenset[str]) -> pl.DataFrame:
    """Each confidential member's part of each value `build` makes of `flows`: (keys…, member, column, part)."""
    keys, values = table_keys(table), list(DISCLOSURE_SPECS[table].value_columns)
    return (
        member_contributions(flows.lazy(), build)
        .filter(~pl.col(MEMBER_ID).is_in(list(public)))
        .group_by([*keys, MEMBER_ID])
        .agg(pl.col(name).fill_null(0.0).sum() for name in values)
        .unpivot(index=[*keys, MEMBER_ID], on=values, variable_name=COLUMN, value_name="_part")
        .filter(pl.col("_part") != 0)
        .collect()
    )


def earlier_targets(
    earlier: Sequence[EarlierRelease],
    frames: Sequence[pl.DataFrame],
    coefficients: Mapping[str, pl.DataFrame],
    builders: Mapping[str, Builder],
    judge: Callable[..., pl.DataFrame],
) -> pl.DataFrame:
    """The sensitive values of earlier releases, which this release must not give away either.

    Each earlier release withheld its own sensitive values (a member alone in a cell then); a value this release
    publishes can still pin one of them down together with what the earlier release published (its total minus
    a cell this release shows). So they stay targets: (`_target`, `_release`, `_base`, `_coefficient`,
    `_protection`), each value of release `_release` as a sum of base cells, with the protection it needed then.
    """
    parts = []
    for release, (before, flows) in enumerate(zip(earlier, frames, strict=False)):
        for table, released in before.tables.items():
            if table not in builders or released.is_empty():
                continue
            keys = table_keys(table)
            sensitive = judge(
                numbered(released, 0),
                member_contributions(flows.lazy(), builders[table]),
                keys=keys,
                value_columns=list(DISCLOSURE_SPECS[table].value_columns),
            ).filter(pl.col(PROTECTION) > 0)
            if sensitive.is_empty():
                continue
            rows = released.select(keys).with_row_index(CELL)
            parts.append(
                sensitive.select(CELL, COLUMN, PROTECTION)
                .join(rows, on=CELL)
                .join(coefficients[table], on=[*keys, COLUMN], how="inner", nulls_equal=True)
                .select(
                    pl.concat_str(
                        pl.lit(f"{release}:{table}:"), pl.col(CELL).cast(pl.String), pl.lit(":"), COLUMN
                    ).alias("_target"),
                    pl.lit(release, dtype=pl.Int64).alias("_release"),
                    BASE,
                    COEFFICIENT,
                    PROTECTION,
                )
            )
    schema = {
        "_target": pl.String(),
        "_release": pl.Int64(),
        BASE: pl.UInt32(),
        COEFFICIENT: pl.Float64(),
        PROTECTION: pl.Float64(),
    }
    found = pl.concat([pl.DataFrame(schema=schema), *(part.cast(schema) for part in parts)])  # type: ignore[arg-type]
    return found.sort("_target", BASE)


def mark_revisions(judged: pl.DataFrame, changes: pl.DataFrame) -> pl.DataFrame:
    """A value no primary rule withholds, whose change since a release that showed it is sensitive: `revision`."""
    revised = (
        changes.filter(pl.col("_known_then") & (pl.col("_kind") == "net"))
        .select(CELL, COLUMN)
        .unique()
        .with_columns(pl.lit(REVISION).alias("_rev"))
    )
    return (
        judged.join(revised, on=[CELL, COLUMN], how="left", maintain_order="left")
        .with_columns(pl.coalesce(REASON, "_rev").alias(REASON))
        .drop("_rev")
    )

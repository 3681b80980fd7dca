"""Versions of members' targets, and which version each progress row is measured against.

A version is a target's definition (`schemas.columns.TARGET_DEFINITION`) from the moment the file that set it
arrived (`valid_from_at`; `valid_from` is its day) until the next version: two versions sent the same day are two
versions. Progress is measured against the version in force when its file arrived (`reported_at`), so a target
changed in the middle of a year never re-reads what was reported before the change. Values are comparable across
versions only when indicator, unit and material agree (`comparison_key`): a value in t is never measured against a
target in %.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import TypeVar

import polars as pl

from schemas import vocabulary as v
from schemas.columns import TARGET_DEFINITION, TARGET_VERSION_MOMENT
from transforms.normalize import unit_code

TARGET_KEY = ["member_id", "target_id"]
MOMENT = "_moment"  # the moment a version took effect (valid_from_at, or what stands for it in older rows)
MEASURED = "_measured_moment"  # the moment of the version a progress row is measured against
MOMENT_DTYPE = TARGET_VERSION_MOMENT["valid_from_at"]
PERCENT_UNITS: tuple[str, ...] = ("%", "％", "percent", "pct", "パーセント")
# Rows kept before versions were dated stand for the first version.
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def with_version_moment(targets: Frame) -> Frame:
    """`targets` with `_moment`: `valid_from_at`; for rows kept before it was recorded, the start of `valid_from`."""
    names = targets.collect_schema().names()
    candidates: list[pl.Expr] = [pl.col("valid_from_at").cast(MOMENT_DTYPE)] if "valid_from_at" in names else []
    if "valid_from" in names:
        candidates.append(pl.col("valid_from").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))
    return targets.with_columns(pl.coalesce([*candidates, pl.lit(_EARLIEST, dtype=MOMENT_DTYPE)]).alias(MOMENT))


def comparison_key(indicator: pl.Expr, unit: pl.Expr, material: pl.Expr) -> pl.Expr:
    """What two versions must share for a value measured against one to mean the same against the other.

    Units are compared as junkan reads them: `ｔ` and `トン` are t, `％` is %, but t and kt differ.

    Examples:
        >>> import polars as pl
        >>> frame = pl.DataFrame({"indicator": ["waste_generated"] * 3 + ["recovery_rate"],
        ...                       "unit": ["t", "トン", "kt", "％"], "material": [None, None, None, None]})
        >>> frame.select(comparison_key(pl.col("indicator"), pl.col("unit"), pl.col("material"))).to_series().to_list()
        ['waste_generated|t|all', 'waste_generated|t|all', 'waste_generated|kt|all', 'recovery_rate|%|all']

    """
    text = unit.str.normalize("NFKC").str.strip_chars()
    canonical = (
        pl.when(text.str.to_lowercase().is_in(list(PERCENT_UNITS)))
        .then(pl.lit("%"))
        .otherwise(pl.coalesce(unit_code(unit), text.str.to_lowercase()))
    )
    return pl.concat_str(
        [indicator, canonical.fill_null(""), material.cast(pl.String).fill_null(v.ALL_MATERIALS)], separator="|"
    )


def merge_target_versions(existing: pl.DataFrame, incoming: pl.DataFrame) -> pl.DataFrame:
    """Every version of the targets a batch names: `existing` (their rows in core) with the `incoming` rows.

    A target whose definition changed is a new version in force from its `valid_from_at`, whatever the day; one
    re-stated unchanged keeps the version in force (its URL and description are updated). Two files that arrived
    at the very same moment are one step: the later file's rows win (submission ids are in arrival order).
    Idempotent: merging the same rows again changes nothing.

    >>> from datetime import date, datetime, UTC
    >>> row = {"member_id": "m", "target_id": "T1", "indicator": "custom", "material": None, "baseline_year": 2020,
    ...        "baseline_value": 1.0, "target_year": 2030, "target_value": 2.0, "unit": "t", "published_url": None,
    ...        "description": None, "source_row": 2}
    >>> def at(hour): return datetime(2024, 5, 1, hour, tzinfo=UTC)
    >>> old = pl.DataFrame([{**row, "valid_from": date(2024, 5, 1), "valid_from_at": at(9), "submission_id": "s1"}])
    >>> same = pl.DataFrame([{**row, "valid_from": date(2024, 5, 1), "valid_from_at": at(10), "submission_id": "s2",
    ...                       "description": "x"}])
    >>> merge_target_versions(old, same).select("valid_from_at", "submission_id", "description").rows()
    [(datetime.datetime(2024, 5, 1, 9, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC')), 's2', 'x')]
    >>> changed = same.with_columns(target_value=pl.lit(3.0))  # the same day, an hour later: a version of its own
    >>> merge_target_versions(old, changed).select(pl.col("valid_from_at").dt.hour(), "target_value").rows()
    [(9, 2.0), (10, 3.0)]
    """
    columns = list(dict.fromkeys([*existing.columns, *TARGET_VERSION_MOMENT]))
    both = pl.concat([_conform(existing, columns), _conform(incoming, columns)], how="vertical_relaxed")
    ordered = (
        with_version_moment(both)
        .sort([*TARGET_KEY, MOMENT, "submission_id"], nulls_last=True)
        .unique(subset=[*TARGET_KEY, MOMENT], keep="last", maintain_order=True)
    )
    changed = pl.any_horizontal(
        [pl.col(name).ne_missing(pl.col(name).shift(1).over(TARGET_KEY)) for name in TARGET_DEFINITION]
    )
    first = pl.int_range(pl.len()).over(TARGET_KEY) == 0
    version = (first | changed).cum_sum().over(TARGET_KEY)
    dated = ("valid_from", "valid_from_at")
    # A re-statement keeps its version's moment, with the newest text and the newest file as its source.
    return (
        ordered.with_columns(version.alias("_version"))
        .group_by([*TARGET_KEY, "_version"], maintain_order=True)
        .agg(
            *[pl.col(name).last() for name in columns if name not in (*TARGET_KEY, *dated)],
            pl.col("valid_from").first(),
            pl.col(MOMENT).first().alias("valid_from_at"),
        )
        .select(columns)
        .sort([*TARGET_KEY, "valid_from_at"])
    )


def _conform(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """`frame` with `columns` in order; a column it lacks (rows kept before it existed) is null."""
    missing = [pl.lit(None, dtype=MOMENT_DTYPE).alias(name) for name in columns if name not in frame.columns]
    return frame.with_columns(missing).select(columns)


def current_targets(targets: pl.LazyFrame) -> pl.LazyFrame:
    """The version of each target in force now: the latest to arrive."""
    return (
        with_version_moment(targets)
        .sort([*TARGET_KEY, MOMENT])
        .unique(subset=TARGET_KEY, keep="last", maintain_order=True)
        .drop(MOMENT)
    )


def measure_progress(targets: pl.LazyFrame, progress: pl.LazyFrame) -> pl.LazyFrame:
    """Each progress row with `_measured_moment`: the moment of the target's version in force when it was reported.

    `progress.reported_at` is when the row's file arrived. A row without it (kept before arrival moments were read)
    is taken as reported at the end of its year. A row reported before the target's first version (a file
    withdrawn since) is measured against the first version; a row naming no known target gets none.

    Examples:
        >>> from datetime import date, datetime, UTC
        >>> import polars as pl
        >>> def on(month, day): return datetime(2026, month, day, tzinfo=UTC)
        >>> targets = pl.LazyFrame({"member_id": ["m", "m"], "target_id": ["T1", "T1"],
        ...                         "valid_from_at": [on(1, 5), on(6, 1)]})
        >>> progress = pl.LazyFrame({"member_id": ["m"] * 3, "target_id": ["T1"] * 3, "year": [2025, 2026, 2026],
        ...                          "reported_at": [on(2, 1), on(5, 31), on(6, 2)]})
        >>> measure_progress(targets, progress).collect().get_column("_measured_moment").dt.month().to_list()
        [1, 1, 6]

    """
    names = progress.collect_schema().names()
    end_of_year = pl.datetime(pl.col("year"), 12, 31, 23, 59, 59, 999_999, time_zone="UTC")
    reported = end_of_year
    if "reported_at" in names:
        reported = pl.coalesce([pl.col("reported_at").cast(MOMENT_DTYPE), end_of_year])
    rows = progress.with_columns(reported.alias("_reported")).with_row_index("_progress_row")
    moments = with_version_moment(targets).select(*TARGET_KEY, MOMENT)
    in_force = pl.col(MOMENT).filter(pl.col(MOMENT) <= pl.col("_reported")).max()
    chosen = (
        rows.select("_progress_row", *TARGET_KEY, "_reported")
        .join(moments, on=TARGET_KEY, how="inner")
        .group_by("_progress_row")
        .agg(pl.coalesce(in_force, pl.col(MOMENT).min()).alias(MEASURED))
    )
    return rows.join(chosen, on="_progress_row", how="left").drop("_progress_row", "_reported")


def progress_left_without_comparable_target(
    versions: pl.LazyFrame, progress: pl.LazyFrame, *, submission_ids: Collection[str]
) -> pl.LazyFrame:
    """The progress rows a new version leaves without a comparable target, per file of `submission_ids` that set one.

    `versions` are every version of some targets (`merge_target_versions`), `progress` their core rows with
    `reported_at`. A version set by one of the files that changes indicator, unit or material from the version
    before it leaves the rows reported before it, and measured against a version it cannot be compared with,
    without a comparable target. Columns: member_id, target_id, submission_id (the file), `from_*` and `to_*`
    (indicator, unit, material), then the progress row's year, value, progress_submission_id and source_row.
    """
    definition = ("indicator", "unit", "material")
    ordered = with_version_moment(versions).with_columns(
        comparison_key(pl.col("indicator"), pl.col("unit"), pl.col("material")).alias("_comparable")
    )
    changes = (
        ordered.sort([*TARGET_KEY, MOMENT])
        .with_columns(
            *(pl.col(name).shift(1).over(TARGET_KEY).alias(f"from_{name}") for name in definition),
            pl.col("_comparable").shift(1).over(TARGET_KEY).alias("_before"),
        )
        .filter(pl.col("_before").is_not_null(), pl.col("_before") != pl.col("_comparable"))
        .filter(pl.col("submission_id").is_in(list(submission_ids)))
        .select(
            *TARGET_KEY,
            "submission_id",
            *(f"from_{name}" for name in definition),
            *(pl.col(name).alias(f"to_{name}") for name in definition),
            pl.col(MOMENT).alias("_changed_at"),
            pl.col("_comparable").alias("_now"),
        )
    )
    measured = measure_progress(versions, progress).join(
        ordered.select(*TARGET_KEY, pl.col(MOMENT).alias(MEASURED), pl.col("_comparable").alias("_measured_as")),
        on=[*TARGET_KEY, MEASURED],
        how="inner",
    )
    return (
        changes.join(measured, on=TARGET_KEY, how="inner", suffix="_progress")
        .filter(pl.col(MEASURED) < pl.col("_changed_at"), pl.col("_measured_as") != pl.col("_now"))
        .select(
            *TARGET_KEY,
            "submission_id",
            *(f"{side}_{name}" for side in ("from", "to") for name in definition),
            "year",
            "value",
            pl.col("submission_id_progress").alias("progress_submission_id"),
            "source_row",
        )
        .sort([*TARGET_KEY, "submission_id", "year"])
    )

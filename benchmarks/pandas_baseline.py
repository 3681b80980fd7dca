"""A plain pandas pipeline doing the same job as junkan: what a competent team would write without junkan.

Reads every inbox CSV (UTF-8 or CP932), normalises it with vectorised pandas, runs the contract's
checks with Great Expectations on pandas (one suite per contract, built here from `contract.checks`
and `contract.rules`, batched like junkan), quarantines failing rows, and computes the indicator
tables (`mart.indicators`, `core.member_indicators`) and `mart.flows` in vectorised pandas, written
as Parquet. It is checked against junkan's `mart.indicators` (see `benchmarks.compare`).

Scope, honestly: normalisation handles what the benchmark generator writes (ASCII numbers, unit
codes, `FY2024`/`2024`/`2024-05` periods, NFKC for text) rather than every spelling junkan accepts;
the stage-balance and Sankey marts, the HTML/JSON member reports, the ledger and Iceberg are not
done, so the comparison flatters pandas.

    python -m benchmarks.pandas_baseline INBOX MEMBERS_CSV OUT --timings timings.json
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from schemas import CONTRACTS
from schemas import vocabulary as v
from schemas.contract import Contract
from schemas.regions import NATIONAL, PREFECTURE_TO_BLOC
from schemas.tables import TABLES

DATASET_ORDER = ("targets", "progress", "flows")
SUBMISSION_ID = "submission_id"
SUBMITTER_ID = "submitter_id"
SOURCE_ROW = "source_row"
PERIOD_KEYS = ["period", "period_start", "period_end", "grain"]


@contextmanager
def timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    """Add the wall time of a block to `timings[stage]`."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


# --- read ---------------------------------------------------------------------------------------


def read_csv_text(path: Path) -> pd.DataFrame:
    """A CSV as text columns, UTF-8 or else CP932; empty cells as missing."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp932")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return frame.replace("", pd.NA)


def read_dataset(inbox: Path, dataset: str) -> pd.DataFrame:
    """Every member's files of one dataset, with lineage columns, concatenated."""
    frames = []
    for path in sorted(inbox.glob(f"*/{dataset}/*.csv")):
        frame = read_csv_text(path)
        member_id = path.parent.parent.name
        frame[SOURCE_ROW] = np.arange(2, len(frame) + 2)
        frame[SUBMISSION_ID] = f"{member_id}/{dataset}/{path.name}"
        frame[SUBMITTER_ID] = member_id
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# --- normalise ----------------------------------------------------------------------------------


def _clean(series: pd.Series[Any]) -> pd.Series[Any]:
    text = series.astype("string").str.normalize("NFKC").str.strip()
    return text.mask(text == "")


def normalize(frame: pd.DataFrame, contract: Contract, regions: dict[str, str]) -> pd.DataFrame:
    """Type and clean submitted columns by the contract's declarations, then derive periods and tonnes."""
    out = frame[[SOURCE_ROW, SUBMISSION_ID, SUBMITTER_ID]].copy()
    unit_codes = set(v.UNIT_TO_TONNES)
    for column in contract.submitted_columns:
        raw = frame[column.name] if column.name in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
        text = _clean(raw)
        if column.dtype.is_float():
            out[column.name] = pd.to_numeric(text, errors="coerce").astype("float64")
        elif column.dtype.is_integer():
            number = pd.to_numeric(text, errors="coerce")
            out[column.name] = number.where(number == np.floor(number)).astype("Int32")
        elif column.name == "joined_on":
            out[column.name] = pd.to_datetime(text, errors="coerce").dt.date
        elif column.regex == v.REGION_PATTERN and column.default_from:
            out[column.name] = text.str.upper()  # blank: the row's region, below
        elif column.regex == v.REGION_PATTERN:
            out[column.name] = text.str.upper().fillna(frame[SUBMITTER_ID].map(regions))
        elif set(column.vocabulary) == unit_codes:
            out[column.name] = text.map(v.UNIT_SPELLINGS).fillna(text)
        elif column.vocabulary or column.warn_vocabulary:
            out[column.name] = text.str.lower().str.replace(r"\s*\.\s*", ".", regex=True)
        else:
            out[column.name] = text
    for column in contract.submitted_columns:
        default = column.default_from or column.name + "_stage"
        if default in out:
            out[column.name] = out[column.name].fillna(out[default])
    if "period" in out:
        out = out.join(_parse_periods(out["period"]))
        out["period"] = out.pop("_code").fillna(out["period"])
    if "material_group" in contract.schema:
        out["material_group"] = out["material"].str.split(".", n=1).str[0]
    if "quantity_t" in contract.schema:
        out["quantity_t"] = out["quantity"] * out["unit"].map(v.UNIT_TO_TONNES).astype("float64")
    return out


def _parse_periods(period: pd.Series[Any]) -> pd.DataFrame:
    """Period code, first and last day and grain; parsed once per distinct value."""
    distinct = pd.Series(period.dropna().unique(), dtype="string")
    upper = distinct.str.upper()
    fiscal = pd.to_numeric(upper.str.extract(r"^FY(\d{4})$")[0], errors="coerce")
    year = pd.to_numeric(upper.str.extract(r"^(\d{4})$")[0], errors="coerce")
    month_parts = upper.str.extract(r"^(\d{4})-(\d{2})$")
    month_year = pd.to_numeric(month_parts[0], errors="coerce")
    month = pd.to_numeric(month_parts[1], errors="coerce")
    grain = pd.Series(
        np.select([year.notna(), fiscal.notna(), month.notna()], ["year", "fiscal_year", "month"], default=""),
        dtype="string",
    ).replace("", pd.NA)
    start_year = year.fillna(fiscal).fillna(month_year)
    start_month = pd.Series(np.where(year.notna(), 1, np.where(fiscal.notna(), 4, month)))
    starts = pd.to_datetime(
        pd.DataFrame({"year": start_year, "month": start_month, "day": 1}).dropna(), errors="coerce"
    ).reindex(distinct.index)
    ends = pd.Series(
        np.where(grain == "month", starts + pd.offsets.MonthEnd(0), starts + pd.DateOffset(years=1, days=-1)),
        index=distinct.index,
    )
    code = pd.Series(
        np.select(
            [grain == "year", grain == "fiscal_year", grain == "month"],
            [
                start_year.astype("Int64").astype("string"),
                "FY" + start_year.astype("Int64").astype("string"),
                upper,
            ],
            default=distinct,
        ),
        dtype="string",
    )
    lookup = pd.DataFrame(
        {
            "_code": code.to_numpy(),
            "period_start": pd.to_datetime(starts).dt.date.to_numpy(),
            "period_end": pd.to_datetime(ends).dt.date.to_numpy(),
            "grain": grain.to_numpy(),
        },
        index=distinct.to_numpy(),
    )
    return lookup.reindex(period.to_numpy()).set_index(period.index)


# --- validate -----------------------------------------------------------------------------------

_RUNTIME: dict[str, Any] = {}


def _gx() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx
        import great_expectations.expectations  # noqa: F401
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx


def _batch_definition() -> Any:
    if "batch" not in _RUNTIME:
        gx = _gx()
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        config = DataContextConfig(
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
            analytics_enabled=False,
            store_backend_defaults=InMemoryStoreBackendDefaults(),
        )
        context = gx.get_context(mode="ephemeral", project_config=config)
        asset = context.data_sources.add_pandas("bench").add_dataframe_asset("frame")
        _RUNTIME["context"] = context
        _RUNTIME["batch"] = asset.add_batch_definition_whole_dataframe("whole")
    return _RUNTIME["batch"]


def build_suite(contract: Contract) -> Any:
    """A GX suite of the contract's checks and the rules GX can judge per row; meta names the check."""
    gx = _gx()
    _batch_definition()
    expectations = gx.expectations
    suite = _RUNTIME["context"].suites.add(gx.ExpectationSuite(name=f"pandas-{contract.name}"))
    for check in contract.checks:
        meta = {"check_id": check.id, "severity": check.severity}
        if check.kind == "not_null":
            suite.add_expectation(expectations.ExpectColumnValuesToNotBeNull(column=check.column, meta=meta))
        elif check.kind == "in_set":
            suite.add_expectation(
                expectations.ExpectColumnValuesToBeInSet(
                    column=check.column, value_set=list(check.value_set), meta=meta
                )
            )
        elif check.kind == "not_in_set":
            suite.add_expectation(
                expectations.ExpectColumnValuesToNotBeInSet(
                    column=check.column, value_set=list(check.value_set), meta=meta
                )
            )
        elif check.kind == "between":
            suite.add_expectation(
                expectations.ExpectColumnValuesToBeBetween(
                    column=check.column, min_value=check.min_value, max_value=check.max_value, meta=meta
                )
            )
        elif check.kind == "max_length":
            suite.add_expectation(
                expectations.ExpectColumnValueLengthsToBeBetween(
                    column=check.column, max_value=int(check.max_value or 0), meta=meta
                )
            )
        else:
            suite.add_expectation(
                expectations.ExpectColumnValuesToMatchRegex(column=check.column, regex=check.regex, meta=meta)
            )
    for rule in contract.rules:
        meta = {"check_id": rule.id, "severity": rule.severity}
        if rule.kind == "unique":
            suite.add_expectation(
                expectations.ExpectCompoundColumnsToBeUnique(column_list=[SUBMISSION_ID, *rule.columns], meta=meta)
            )
        elif rule.kind == "equals_submitter":
            suite.add_expectation(
                expectations.ExpectColumnPairValuesToBeEqual(
                    column_A=rule.columns[0], column_B=SUBMITTER_ID, ignore_row_if="either_value_is_missing", meta=meta
                )
            )
        elif rule.kind == "greater_than":
            suite.add_expectation(
                expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=rule.columns[0],
                    column_B=rule.columns[1],
                    ignore_row_if="either_value_is_missing",
                    meta=meta,
                )
            )
        elif rule.kind in ("distinct_stages", "known_target"):
            suite.add_expectation(
                expectations.ExpectColumnValuesToBeInSet(column=f"_rule.{rule.id}", value_set=[True], meta=meta)
            )
    return suite


def failing_rows(contract: Contract, frame: pd.DataFrame) -> dict[tuple[str, str], list[int]]:
    """(check id, severity) → positions of failing rows, from one GX validation of the whole frame."""
    suite = build_suite(contract)
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        outcome = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    failing: dict[tuple[str, str], list[int]] = {}
    for result in outcome.results:
        meta = result.expectation_config.meta
        info = result.exception_info or {}
        if info.get("raised_exception"):
            msg = f"check {meta['check_id']} could not run: {info.get('exception_message')}"
            raise RuntimeError(msg)
        positions = result.result.get("unexpected_index_list") or []
        failing[(meta["check_id"], meta["severity"])] = [int(position) for position in positions]
    return failing


def add_rule_columns(contract: Contract, frame: pd.DataFrame, known_targets: pd.DataFrame | None) -> pd.DataFrame:
    """Boolean columns for rules GX cannot express per row (null: the rule does not apply)."""
    for rule in contract.rules:
        name = f"_rule.{rule.id}"
        if rule.kind == "distinct_stages":
            source_stage, target_stage, source, target = (frame[column] for column in rule.columns)
            same = (source_stage == target_stage) & (source.fillna(source_stage) == target.fillna(target_stage))
            frame[name] = ~same.fillna(value=False)
        elif rule.kind == "known_target":
            keys = list(rule.columns)
            known = known_targets[keys].drop_duplicates() if known_targets is not None else pd.DataFrame(columns=keys)
            hit = frame[keys].merge(known.assign(_hit=True), on=keys, how="left")["_hit"].fillna(value=False)
            frame[name] = hit.to_numpy(dtype=object)
            frame.loc[frame[keys].isna().any(axis=1), name] = None
    return frame


def unbalanced_positions(frame: pd.DataFrame, tolerance: float) -> np.ndarray[Any, Any]:
    """Rows feeding or leaving a process whose inflow and outflow differ by more than `tolerance`."""
    group = [SUBMISSION_ID, "member_id", "period", "material"]
    inflow = frame.groupby([*group, "target_stage", "target"], dropna=False)["quantity_t"].sum()
    outflow = frame.groupby([*group, "source_stage", "source"], dropna=False)["quantity_t"].sum()
    inflow.index = inflow.index.set_names([*group, "stage", "process"])
    outflow.index = outflow.index.set_names([*group, "stage", "process"])
    both = pd.concat({"inflow": inflow, "outflow": outflow}, axis=1).dropna()
    scale = both[["inflow", "outflow"]].max(axis=1)
    ratio = (both["inflow"] - both["outflow"]).abs() / scale.where(scale > 0)
    bad = both.index[ratio > tolerance].to_frame(index=False)
    flagged = []
    for stage, process in (("source_stage", "source"), ("target_stage", "target")):
        keyed = frame[[*group, stage, process]].reset_index()
        keyed.columns = ["_position", *group, "stage", "process"]
        flagged.append(keyed.merge(bad, on=[*group, "stage", "process"], how="inner")["_position"].to_numpy())
    return np.unique(np.concatenate(flagged)) if flagged else np.array([], dtype=np.int64)


def validate(
    contract: Contract, frame: pd.DataFrame, known_targets: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Accepted rows, quarantined rows (with their failed checks) and the number of warnings."""
    frame = add_rule_columns(contract, frame.reset_index(drop=True), known_targets)
    failing = failing_rows(contract, frame)
    error_positions = sorted({p for (_, severity), rows in failing.items() if severity == "error" for p in rows})
    n_warnings = sum(len(rows) for (_, severity), rows in failing.items() if severity == "warning")
    is_error = np.zeros(len(frame), dtype=bool)
    is_error[error_positions] = True
    clean = frame[~is_error]
    for rule in contract.rules:
        if rule.kind == "balance" and len(clean):
            n_warnings += len(unbalanced_positions(clean, rule.tolerance or 0.0))
    checks_by_row: dict[int, list[str]] = {}
    for (check_id, severity), rows in failing.items():
        if severity == "error":
            for position in rows:
                checks_by_row.setdefault(position, []).append(check_id)
    quarantined = frame[is_error].copy()
    quarantined["failed_checks"] = [checks_by_row[int(position)] for position in np.flatnonzero(is_error)]
    helper = [name for name in frame.columns if name.startswith("_rule.")]
    return clean.drop(columns=helper), quarantined.drop(columns=helper), n_warnings


# --- transform ----------------------------------------------------------------------------------

QUANTITIES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "natural_resource_input_t": (v.SOURCES, v.ECONOMY),
    "cyclical_use_t": (v.CIRCULAR, v.ECONOMY),
    "waste_generated_t": (v.ECONOMY, v.END_OF_LIFE),
    "recovered_t": (frozenset(v.STAGE_CODES) - v.CIRCULAR, v.CIRCULAR),
    "energy_recovery_t": (frozenset(v.STAGE_CODES) - {v.ENERGY_RECOVERY}, frozenset({v.ENERGY_RECOVERY})),
    "final_disposal_t": (frozenset(v.STAGE_CODES) - {v.LANDFILL}, frozenset({v.LANDFILL})),
}


def _rate(numerator: pd.Series[Any], denominator: pd.Series[Any]) -> pd.Series[Any]:
    return (numerator / denominator).where(denominator > 0)


def indicators(flows: pd.DataFrame, *, by_member: bool) -> pd.DataFrame:
    """Indicator quantities and rates per period × material level × region level (the mart.indicators rules)."""
    quantity = flows["quantity_t"].fillna(0.0)
    base = flows[["member_id", *PERIOD_KEYS, "material", "material_group", "region"]].copy()
    base["bloc"] = base["region"].map(PREFECTURE_TO_BLOC).fillna(base["region"])
    for name, (sources, targets) in QUANTITIES.items():
        hit = flows["source_stage"].isin(list(sources)) & flows["target_stage"].isin(list(targets))
        base[name] = quantity.where(hit, 0.0)
    member_keys = ["member_id"] if by_member else []
    keys = [*member_keys, *PERIOD_KEYS, "material", "material_level", "region", "region_level"]
    scoped = []
    for material_level, material in (("leaf", "material"), ("group", "material_group"), ("all", None)):
        for region_level, region in (("prefecture", "region"), ("bloc", "bloc"), ("all", None)):
            in_level = base if region_level == "all" else base[base["region"] != NATIONAL]  # JP: level all only
            part = in_level.assign(
                material=in_level[material] if material else v.ALL_MATERIALS,
                material_level=material_level,
                region=in_level[region] if region else "all",
                region_level=region_level,
            )
            scoped.append(part)
    stacked = pd.concat(scoped, ignore_index=True)
    grouped = stacked.groupby(keys, dropna=False, sort=True)
    table = grouped[list(QUANTITIES)].sum()
    if not by_member:
        table["contributors"] = grouped["member_id"].nunique()
    table = table.reset_index()
    table["input_cyclical_use_rate"] = _rate(
        table["cyclical_use_t"], table["cyclical_use_t"] + table["natural_resource_input_t"]
    )
    table["output_cyclical_use_rate"] = _rate(table["cyclical_use_t"], table["waste_generated_t"])
    table["recovery_rate"] = _rate(table["recovered_t"], table["waste_generated_t"])
    table["final_disposal_rate"] = _rate(table["final_disposal_t"], table["waste_generated_t"])
    return table


def summarize_flows(flows: pd.DataFrame) -> pd.DataFrame:
    """Tonnes per period, material, stage pair, region and ends over members and process names (mart.flows)."""
    keys = [*PERIOD_KEYS, "material", "material_group", "source_stage", "target_stage", "region"]
    keys += ["origin_region", "destination_region"]
    grouped = flows.assign(quantity_t=flows["quantity_t"].fillna(0.0)).groupby(keys, dropna=False, sort=True)
    return grouped.agg(quantity_t=("quantity_t", "sum"), contributors=("member_id", "nunique")).reset_index()


# --- the pipeline -------------------------------------------------------------------------------


def run_pipeline(inbox: Path, members_csv: Path, out: Path) -> dict[str, Any]:
    """Read, normalise, validate, transform and write; returns counts and seconds per stage."""
    timings: dict[str, float] = {}
    out.mkdir(parents=True, exist_ok=True)
    members = pd.read_csv(members_csv, dtype=str, keep_default_na=False)
    regions = dict(zip(members["member_id"], members["region"].replace("", "JP"), strict=True))
    counts: dict[str, dict[str, int]] = {}
    accepted_by_dataset: dict[str, pd.DataFrame] = {}
    for dataset in DATASET_ORDER:
        contract = CONTRACTS[dataset]
        with timed(timings, "read"):
            raw = read_dataset(inbox, dataset)
            if raw.empty:
                continue
            frame = normalize(raw, contract, regions)
        with timed(timings, "validate"):
            known = accepted_by_dataset.get("targets")
            accepted, quarantined, n_warnings = validate(contract, frame, known)
        with timed(timings, "write"):
            accepted.drop(columns=[SUBMITTER_ID]).to_parquet(out / f"core.{dataset}.parquet")
            if len(quarantined):
                quarantined.to_parquet(out / f"quarantine.{dataset}.parquet")
        accepted_by_dataset[dataset] = accepted
        counts[dataset] = {
            "read": len(frame),
            "accepted": len(accepted),
            "quarantined": len(quarantined),
            "warnings": n_warnings,
        }
    flows = accepted_by_dataset.get("flows")
    if flows is not None:
        with timed(timings, "publish"):
            marts = {
                "mart.indicators": indicators(flows, by_member=False),
                "core.member_indicators": indicators(flows, by_member=True),
                "mart.flows": summarize_flows(flows),
            }
            for table, frame in marts.items():
                frame.to_parquet(out / f"{table}.parquet")
    return {"timings_s": timings, "counts": counts}


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("inbox", type=Path)
    parser.add_argument("members", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--timings", type=Path)
    arguments = parser.parse_args()
    result = run_pipeline(arguments.inbox, arguments.members, arguments.out)
    if arguments.timings:
        arguments.timings.write_text(json.dumps(result, indent=2))


if not set(QUANTITIES) <= set(TABLES["mart.indicators"]):
    raise RuntimeError("indicator quantities drifted from mart.indicators")

if __name__ == "__main__":
    main()

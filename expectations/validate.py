"""Judge normalised rows against their contract: one GX call per batch of submissions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import polars as pl

from expectations.balance import rows_touching, unbalanced_processes
from expectations.bridge import to_pandas
from expectations.derived import add_check_columns, with_row_messages
from expectations.plan import (
    POST_SUITE_RULE_KINDS,
    ROW_INDEX,
    SOURCE_ROW,
    SUBMISSION_ID,
    SUBMITTER_ID,
    check_order,
    messages,
    suite_inputs,
)
from expectations.result import FAILED_CHECKS, FAILURES_SCHEMA, ValidationResult
from expectations.subtotals import find_subtotals, subtotal_failures
from schemas.contract import Contract

# Rows per GX run: pandas and GX's results for one chunk stay within a few hundred MiB.
SUITE_CHUNK_ROWS = 100_000
_ORDER = "_order"
_FAILING = pl.Schema({ROW_INDEX: pl.UInt32(), "check_id": pl.String()})


def validate(
    contract: Contract,
    frame: pl.DataFrame,
    *,
    references: Mapping[str, pl.DataFrame] | None = None,
) -> ValidationResult:
    """Validate normalised rows of one or more submissions; every cross-row rule stays within a submission.

    `frame` holds `source_row`, `submission_id`, `submitter_id` (who sent that file) and the
    columns of `contract.schema`; `references` are the rows of other datasets its rules look up, by the names
    `schemas.datasets` registers for the dataset (`targets` for progress, `projects` for disclosures). Rows
    sharing a duplicated key are all quarantined.
    """
    _check_input(contract, frame)
    indexed = frame.with_row_index(ROW_INDEX)
    errors = pl.concat(
        [_suite_failures(contract, indexed, references=references), subtotal_failures(contract, indexed)]
    )
    error_rows = errors.filter(pl.col("severity") == "error").select(ROW_INDEX).unique()
    clean = indexed.join(error_rows, on=ROW_INDEX, how="anti")
    failures = pl.concat([errors, _post_suite_failures(contract, clean)])
    return _result(contract, indexed, failures)


def validate_parts(
    contract: Contract,
    parts: Sequence[Path],
    *,
    references: Mapping[str, pl.DataFrame] | None = None,
) -> Iterator[ValidationResult]:
    """Validate one large file stored as Parquet parts of normalised rows, holding one part at a time.

    Yields one result per part, as `validate` over all the parts at once would judge those rows: the
    cross-row rules (`unique`, and `balance` on the rows that passed every error) are judged over the whole
    file from narrow projections; the suite runs part by part.
    """
    if not parts:
        return
    duplicates = {
        rule.id: _duplicated_source_rows(parts, rule.columns) for rule in contract.rules if rule.kind == "unique"
    }
    error_rows: list[pl.Series] = []
    suite: list[pl.DataFrame] = []
    subtotals = find_subtotals(contract, (pl.read_parquet(part) for part in parts))  # across the whole file
    for part in parts:
        frame = pl.read_parquet(part)
        _check_input(contract, frame)
        indexed = frame.with_row_index(ROW_INDEX)
        failing = _suite_failures(contract, indexed, references=references, duplicates=duplicates)
        failing = pl.concat([failing, subtotal_failures(contract, indexed, found=subtotals)])
        # Kept by source row (a part's row positions are re-made when it is read again below).
        failing = failing.join(indexed.select(ROW_INDEX, SOURCE_ROW), on=ROW_INDEX).drop(ROW_INDEX)
        suite.append(failing)
        error_rows.append(failing.filter(pl.col("severity") == "error").get_column(SOURCE_ROW).unique())
    errors = pl.concat(error_rows).unique().to_frame(SOURCE_ROW)
    processes = {
        rule.id: unbalanced_processes(
            rule,
            (
                pl.read_parquet(part, columns=[SOURCE_ROW, SUBMISSION_ID, *rule.columns]).join(
                    errors, on=SOURCE_ROW, how="anti"
                )
                for part in parts
            ),
        )
        for rule in contract.rules
        if rule.kind in POST_SUITE_RULE_KINDS
    }
    for part, failing in zip(parts, suite, strict=True):
        indexed = pl.read_parquet(part).with_row_index(ROW_INDEX)
        failing = failing.join(indexed.select(SOURCE_ROW, ROW_INDEX), on=SOURCE_ROW).select(
            ROW_INDEX, pl.exclude(ROW_INDEX, SOURCE_ROW)
        )
        error_positions = failing.filter(pl.col("severity") == "error").select(ROW_INDEX).unique()
        part_clean = indexed.join(error_positions, on=ROW_INDEX, how="anti")
        failures = pl.concat([failing, _post_suite_failures(contract, part_clean, processes=processes)])
        yield _result(contract, indexed, failures)


def _duplicated_source_rows(parts: Sequence[Path], columns: Sequence[str]) -> pl.Series:
    """Source rows whose key (with the submission) appears more than once in the file, as `is_duplicated`.

    Judged part by part in two narrow passes: 64-bit hashes of the keys (16 bytes a row) find the
    candidates, then only the candidates' keys are compared.
    """
    key = pl.struct(SUBMISSION_ID, *columns)
    needed = [SOURCE_ROW, SUBMISSION_ID, *columns]
    hashes = pl.concat(
        [pl.read_parquet(part, columns=needed).select(SOURCE_ROW, key.hash().alias("_key")) for part in parts]
    )
    # Equal hashes sit side by side once sorted (a sort costs less memory than a hash table of every key).
    hashes = hashes.sort("_key")
    same = pl.col("_key")
    candidates = hashes.filter((same == same.shift(1)) | (same == same.shift(-1))).select(SOURCE_ROW)
    del hashes
    if candidates.is_empty():
        return candidates.to_series()
    keyed = pl.concat(
        [pl.read_parquet(part, columns=needed).join(candidates, on=SOURCE_ROW, how="semi") for part in parts]
    )
    return keyed.filter(key.is_duplicated()).get_column(SOURCE_ROW)


def _check_input(contract: Contract, frame: pl.DataFrame) -> None:
    """Refuse a frame the pipeline built wrongly: this is a programming error, not a member's."""
    needed = [SOURCE_ROW, SUBMISSION_ID, *contract.schema]
    if any(rule.kind == "equals_submitter" for rule in contract.rules):
        needed.append(SUBMITTER_ID)
    missing = [name for name in needed if name not in frame.columns]
    if missing:
        msg = f"cannot validate {contract.name}: the frame lacks columns {', '.join(missing)}"
        raise ValueError(msg)
    if frame.select(pl.struct(SUBMISSION_ID, SOURCE_ROW).is_duplicated().any()).item():
        msg = f"cannot validate {contract.name}: (submission_id, source_row) must identify one row"
        raise ValueError(msg)


def _suite_failures(
    contract: Contract,
    indexed: pl.DataFrame,
    *,
    references: Mapping[str, pl.DataFrame] | None,
    duplicates: Mapping[str, pl.Series] | None = None,
) -> pl.DataFrame:
    """Run the GX suite over chunks of the batch; one record per failing (row, check).

    `duplicates` gives, per `unique` rule, the source rows judged duplicated over a whole file of which
    `indexed` is one part (see `validate_parts`); GX's verdict on the part is replaced by it.
    """
    positions: dict[str, list[int]] = {}
    checked = indexed
    if not indexed.is_empty():
        # Imported here: the GX import costs seconds and an empty batch must not pay it.
        from expectations.gx_suite import run_suite

        checked = add_check_columns(contract, indexed, references=references)
        columns = suite_inputs(contract)
        # Bounded chunks, so pandas never holds a large batch whole; uniqueness spans chunks, so it is
        # then judged by Polars over the whole batch (GX's per-chunk verdict is replaced).
        if duplicates is not None:
            whole = {
                rule_id: checked.select(pl.col(SOURCE_ROW).is_in(rows.implode()).arg_true()).to_series().to_list()
                for rule_id, rows in duplicates.items()
            }
        elif checked.height > SUITE_CHUNK_ROWS:
            whole = _unique_failures(contract, checked)
        else:
            whole = {}
        for offset in range(0, checked.height, SUITE_CHUNK_ROWS):
            chunk = to_pandas(checked.slice(offset, SUITE_CHUNK_ROWS), columns=columns)
            for check_id, rows in run_suite(contract, chunk).items():
                if check_id not in whole:
                    positions.setdefault(check_id, []).extend(offset + row for row in rows)
            del chunk
        positions.update(whole)
    failing = pl.DataFrame(
        {
            ROW_INDEX: [position for rows in positions.values() for position in rows],
            "check_id": [check_id for check_id, rows in positions.items() for _ in rows],
        },
        schema=_FAILING,
    )
    # A rule may word its message for each row (quoting the row's figures): that wording wins.
    worded = with_row_messages(failing.join(messages(contract), on="check_id", how="left"), checked)
    return _without_contradicting_warnings(contract, worded)


def _without_contradicting_warnings(contract: Contract, failing: pl.DataFrame) -> pl.DataFrame:
    """The failures without the warnings on a cell that has an error: the error is what the member must fix.

    A material of an unknown group fails its group's check; the same cell must not also be told it was rolled
    up to its group. A check on a derived column (material_group) is on the cell the member wrote (material).
    """
    written = {
        column.name: column.derived_from for column in contract.columns if column.derived_from in contract.schema
    }
    cell = pl.col("column").replace(written).alias("_cell")
    errors = failing.filter(pl.col("severity") == "error")
    warnings = (
        failing.filter(pl.col("severity") == "warning")
        .with_columns(cell)
        .join(errors.select(ROW_INDEX, cell).unique(), on=[ROW_INDEX, "_cell"], how="anti")
        .drop("_cell")
    )
    return pl.concat([errors, warnings])


def _unique_failures(contract: Contract, checked: pl.DataFrame) -> dict[str, list[int]]:
    """Positions of rows sharing a `unique` key within their submission, as GX's compound uniqueness judges.

    Like pandas' `duplicated(keep=False)`, missing key values compare equal.
    """
    return {
        rule.id: checked.select(pl.struct(SUBMISSION_ID, *rule.columns).is_duplicated().arg_true())
        .to_series()
        .to_list()
        for rule in contract.rules
        if rule.kind == "unique"
    }


def _post_suite_failures(
    contract: Contract, clean: pl.DataFrame, *, processes: Mapping[str, pl.Series] | None = None
) -> pl.DataFrame:
    """Rules judged on the rows that passed every error, so a quarantined row never skews them.

    `processes` gives, per balance rule, the unbalanced processes of a whole file of which `clean` is one part.
    """
    frames = []
    for rule in contract.rules:
        if rule.kind not in POST_SUITE_RULE_KINDS or clean.is_empty():
            continue
        unbalanced = processes[rule.id] if processes is not None else unbalanced_processes(rule, [clean])
        rows = rows_touching(clean, unbalanced)
        frames.append(pl.DataFrame({ROW_INDEX: rows, "check_id": [rule.id] * len(rows)}, schema=_FAILING))
    failing = pl.concat(frames) if frames else pl.DataFrame(schema=_FAILING)
    return failing.join(messages(contract), on="check_id", how="left")


def _result(contract: Contract, indexed: pl.DataFrame, failures: pl.DataFrame) -> ValidationResult:
    """Attach row identities to failures and split the input rows into accepted and quarantined."""
    order = check_order(contract)
    identified = (
        failures.join(indexed.select(ROW_INDEX, SUBMISSION_ID, SOURCE_ROW), on=ROW_INDEX, how="left")
        .with_columns(pl.col("check_id").replace_strict(order, return_dtype=pl.Int64()).alias(_ORDER))
        .sort(ROW_INDEX, _ORDER)
    )
    failed_checks = (
        identified.filter(pl.col("severity") == "error")
        .group_by(ROW_INDEX, maintain_order=True)
        .agg(pl.col("check_id").alias(FAILED_CHECKS))
    )
    rows = indexed.drop(SUBMITTER_ID, strict=False)
    accepted = rows.join(failed_checks, on=ROW_INDEX, how="anti", maintain_order="left")
    quarantined = rows.join(failed_checks, on=ROW_INDEX, how="inner", maintain_order="left")
    read = indexed.group_by(SUBMISSION_ID, maintain_order=True).len("n_read")
    return ValidationResult(
        failures=identified.select(FAILURES_SCHEMA.names()).cast(FAILURES_SCHEMA),
        accepted=accepted.drop(ROW_INDEX),
        quarantined=quarantined.drop(ROW_INDEX),
        read=read,
    )

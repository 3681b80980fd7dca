"""What every `junkan` command shares: resources, flows run in-process, errors and the run summary's print."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

import typer

from schemas.datasets import MEMBER_DATASETS
from schemas.outcomes import SubmissionStatus

if TYPE_CHECKING:
    from flows.stages.summary import RunSummary
    from infra.resources import Resources


def choices(name: str, values: Sequence[str]) -> type[StrEnum]:
    """A command-line choice of `values` (Typer reads choices from an enum), made from a registry, never copied.

    Examples:
        >>> [one.value for one in choices("Colour", ("red", "blue"))]
        ['red', 'blue']

    """
    return StrEnum(name, {value: value for value in values})  # type: ignore[return-value]


if TYPE_CHECKING:
    Dataset = StrEnum
else:
    # Datasets members submit, as `schemas.datasets` registers them.
    Dataset = choices("Dataset", MEMBER_DATASETS)


class OutputFormat(StrEnum):
    """How `junkan sql` prints a result."""

    table = "table"
    csv = "csv"
    json = "json"


def fail(message: str, *, code: int = 2) -> typer.Exit:
    """Print an error for the operator or member and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def open_resources() -> Resources:
    """Storage, ledger and catalog for the current settings, after Prefect's and GX's environment is prepared."""
    from flows.runtime import prepare_environment
    from infra.resources import build_resources
    from infra.settings import get_settings

    settings = get_settings()
    prepare_environment(settings)
    return build_resources(settings)


def run_flow(name: str, *arguments: object) -> RunSummary:
    """Run a pipeline flow in this process, its tasks on the configured task runner (threads or Dask)."""
    from flows.cli.prefect_server import prepare_flows
    from flows.cli.stops import after_a_flow
    from infra.settings import get_settings

    after_a_flow()  # the files are in the inbox and the ledger says what is done: a stop from here is resumable
    settings = get_settings()
    prepare_flows(settings)
    from flows import pipeline
    from flows.progress import for_stream, reporting
    from flows.runners import task_runner
    from flows.runtime import foreground_flow_settings

    flow = getattr(pipeline, name).with_options(task_runner=task_runner(settings))
    # Bars on a terminal, plain lines in logs; stdout keeps the summary.
    with reporting(for_stream(sys.stderr)), foreground_flow_settings():
        summary: RunSummary = flow(*arguments)
    return summary


def print_summary(summary: RunSummary, *, every_submission: bool = False) -> None:
    """Counts per status, then one line per submission that needs a member's attention (or every one)."""
    from collections import Counter

    statuses = Counter(outcome.status for outcome in summary.outcomes)
    for outcome in summary.outcomes:
        if not every_submission and outcome.status == SubmissionStatus.VALID and not outcome.counts.warnings:
            continue
        typer.echo(
            f"  {outcome.status:<16} {outcome.key}  read {outcome.counts.read}, accepted {outcome.counts.accepted}, "
            f"quarantined {outcome.counts.quarantined}, warnings {outcome.counts.warnings}"
        )
        if outcome.message:
            typer.echo(f"  {'':<16} {outcome.message}")
    for key, why in summary.refused_keys.items():
        typer.echo(f"  refused          {key}: {why}")
    for key in summary.skipped_keys:
        typer.echo(f"  already done     {key}")
    for key in summary.withdrawn_keys:
        typer.echo(f"  withdrawn        {key}: deleted from the inbox, its rows taken out")
    by_status = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    typer.echo(f"submissions: {len(summary.outcomes)}" + (f" ({by_status})" if by_status else ""))
    typer.echo(
        f"rows: read {summary.rows_read} = accepted {summary.rows_accepted} + quarantined {summary.rows_quarantined}"
    )
    if summary.published_periods:
        typer.echo(f"published periods: {', '.join(summary.published_periods)}")
        for line in information_loss_lines(summary.information_loss):
            typer.echo(line)
    else:
        typer.echo("published periods: none (nothing new)")


def information_loss_lines(rows: list[dict[str, object]]) -> list[str]:
    """Disclosure control per period and table: values hidden of all, and values and tonnes by reason."""
    tables: dict[tuple[str, str], list[dict[str, object]]] = {}
    for row in rows:
        tables.setdefault((str(row["period"]), str(row["table_name"])), []).append(row)
    lines = ["suppressed (disclosure control; values, tonnes):"] if tables else []
    for (period, table), parts in sorted(tables.items()):
        hidden = [part for part in parts if part["suppressed"]]
        n_hidden = sum(int(str(part["n_cells"])) for part in hidden)
        n_all = sum(int(str(part["n_cells"])) for part in parts)
        reasons = ", ".join(
            f"{part['suppression_reason']} {part['n_cells']} ({float(str(part['quantity_t'])):,.0f} t)"
            for part in hidden
        )
        lines.append(f"  {period} {table}: {n_hidden} of {n_all}" + (f" — {reasons}" if reasons else ""))
    return lines


def print_reports(summary: RunSummary) -> None:
    """Where each submission's validation report and each period's report can be read."""
    resources = open_resources()
    try:
        for outcome in summary.outcomes:
            typer.echo(f"validation report: {resources.storage.uri(outcome.report_key)}")
        for key in summary.report_keys:
            typer.echo(f"period report: {resources.storage.uri(key)}")
    finally:
        resources.close()

"""The `junkan` command: operators' and members' entry point; flows run in-process.

Heavy libraries (Prefect, GX, pyiceberg) are imported inside commands, so `junkan --help` is instant.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

# Polars' allocator (jemalloc) hands freed pages back at once instead of keeping them for reuse, so a
# worker's resident memory follows its working set (one part of a large file): ~10 % more CPU in the
# validation of a large file, a fifth less peak memory. Set before Polars is first imported.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

from flows.cli_report import register as register_report
from flows.cli_serve import register as register_serve
from flows.cli_server import prepare_flows
from flows.cli_server import register as register_server
from flows.cli_sources import register as register_sources

if TYPE_CHECKING:
    import polars as pl

    from flows.steps import RunSummary
    from infra.resources import Resources

app = typer.Typer(
    name="junkan",
    help="junkan (循環): members' circular-economy data → validated → material-flow tables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
members_app = typer.Typer(help="Register partnership members (the ledger's member registry).", no_args_is_help=True)
app.add_typer(members_app, name="members")


class Dataset(StrEnum):
    """Datasets members submit."""

    flows = "flows"
    targets = "targets"
    progress = "progress"


class OutputFormat(StrEnum):
    """How `junkan sql` prints a result."""

    table = "table"
    csv = "csv"
    json = "json"


def _fail(message: str, *, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _resources() -> Resources:
    from flows.runtime import prepare_environment
    from infra.resources import build_resources
    from infra.settings import get_settings

    settings = get_settings()
    prepare_environment(settings)
    return build_resources(settings)


def _run_flow(name: str, *arguments: object) -> RunSummary:
    """Run a pipeline flow in this process, its tasks on the configured task runner (threads or Dask)."""
    from infra.settings import get_settings

    settings = get_settings()
    prepare_flows(settings)
    from flows import pipeline
    from flows.runners import task_runner

    flow = getattr(pipeline, name).with_options(task_runner=task_runner(settings))
    summary: RunSummary = flow(*arguments)
    return summary


def _print_summary(summary: RunSummary, *, every_submission: bool = False) -> None:
    """Counts per status, then one line per submission that needs a member's attention (or every one)."""
    from collections import Counter

    statuses = Counter(outcome.status for outcome in summary.outcomes)
    for outcome in summary.outcomes:
        if not every_submission and outcome.status == "valid" and not outcome.n_warnings:
            continue
        typer.echo(
            f"  {outcome.status:<16} {outcome.key}  read {outcome.n_read}, accepted {outcome.n_accepted}, "
            f"quarantined {outcome.n_quarantined}, warnings {outcome.n_warnings}"
        )
        if outcome.message:
            typer.echo(f"  {'':<16} {outcome.message}")
    for key, why in summary.refused_keys.items():
        typer.echo(f"  refused          {key}: {why}")
    for key in summary.skipped_keys:
        typer.echo(f"  already done     {key}")
    by_status = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    typer.echo(f"submissions: {len(summary.outcomes)}" + (f" ({by_status})" if by_status else ""))
    typer.echo(
        f"rows: read {summary.rows_read} = accepted {summary.rows_accepted} + quarantined {summary.rows_quarantined}"
    )
    if summary.published_periods:
        typer.echo(f"published periods: {', '.join(summary.published_periods)}")
    else:
        typer.echo("published periods: none (nothing new)")


# --- members ------------------------------------------------------------------------------------


@members_app.command("add")
def members_add(
    member_id: Annotated[str, typer.Argument(help="Member id: lower-case letters, digits, - and _")],
    kind: Annotated[str, typer.Option(help="company, industry_association, municipality, university, …")],
    name: Annotated[str, typer.Option(help="Organisation name")],
    region: Annotated[str, typer.Option(help="ISO 3166 code, e.g. JP or JP-13")] = "JP",
    joined_on: Annotated[str | None, typer.Option(help="Date joined, YYYY-MM-DD (default today)")] = None,
    rotate_secret: Annotated[bool, typer.Option(help="On MinIO: issue the member a new secret key")] = False,
) -> None:
    """Register a member (or update it); on MinIO also create its own user, limited to its inbox and reports."""
    import polars as pl

    raw = pl.DataFrame(
        {
            "member_id": [member_id],
            "name": [name],
            "kind": [kind],
            "region": [region],
            "joined_on": [joined_on or date.today().isoformat()],
        }
    )
    imported = _import_members(raw, file="command line")
    if imported is None:
        raise typer.Exit(1)
    from flows.members import provision_storage_access

    resources = _resources()
    try:
        credentials = provision_storage_access(resources, member_id, rotate_secret=rotate_secret)
    finally:
        resources.close()
    if credentials is None:
        return
    typer.echo(f"storage user for {member_id}: access key {credentials.access_key}")
    if credentials.secret_key is None:
        typer.echo("the secret key was shown when the user was created; use --rotate-secret to issue a new one")
    else:
        # Shown once, on the operator's terminal only: never logged, never stored by junkan.
        typer.echo(
            f"secret key (shown once, pass it to the member securely): {credentials.secret_key.get_secret_value()}"
        )


def _import_members(raw: pl.DataFrame, *, file: str) -> int | None:
    """Register valid member rows and print the refused ones; None when any row was refused."""
    from flows.members import import_members

    resources = _resources()
    try:
        outcome = import_members(resources, raw, file=file)
    finally:
        resources.close()
    report = outcome.report
    for error in report.errors:
        typer.echo(
            f"{file}, row {error.row}, column {error.column}: {error.value!r}: {error.message_en} / {error.message_ja}",
            err=True,
        )
    typer.echo(f"members: {report.n_accepted} registered ({outcome.n_created} new), {report.n_quarantined} refused")
    return None if report.n_quarantined else report.n_accepted


@members_app.command("import")
def members_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Register members from a file with columns member_id, name, kind, region, joined_on."""
    from infra.readers import read_table
    from schemas import MEMBERS
    from schemas.errors import FileRejected

    try:
        raw = read_table(file, MEMBERS)
    except FileRejected as rejected:
        raise _fail(f"{rejected} / {rejected.message_ja}") from None
    if _import_members(raw.frame, file=file.name) is None:
        raise typer.Exit(1)


@members_app.command("list")
def members_list() -> None:
    """Show registered members."""
    resources = _resources()
    try:
        for member in resources.ledger.list_members():
            typer.echo(f"{member.member_id}\t{member.kind}\t{member.region}\t{member.joined_on}\t{member.name}")
    finally:
        resources.close()


# --- submitting and running ----------------------------------------------------------------------


@app.command()
def submit(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV, XLSX, Parquet or JSON Lines")],
    member: Annotated[str, typer.Option(help="Submitting member id")],
    dataset: Annotated[Dataset, typer.Option(help="Which dataset the file holds")],
) -> None:
    """Put a file in the member's inbox, then validate and publish it (as an upload event would)."""
    from infra.keys import inbox_key

    try:
        key = inbox_key(member, dataset.value, file.name)
    except ValueError as error:
        raise _fail(str(error)) from None
    resources = _resources()
    try:
        if resources.ledger.get_member(member) is None:
            raise _fail(f"member {member!r} is not registered; run: junkan members add {member} --kind … --name …")
        resources.storage.put_file(key, file)
    finally:
        resources.close()
    summary = _run_flow("ingest", [key])
    _print_summary(summary, every_submission=True)
    _print_reports(summary)
    if any(outcome.status == "rejected" for outcome in summary.outcomes):
        raise typer.Exit(1)


def _print_reports(summary: RunSummary) -> None:
    resources = _resources()
    try:
        for outcome in summary.outcomes:
            typer.echo(f"validation report: {resources.storage.uri(outcome.report_key)}")
        for key in summary.report_keys:
            typer.echo(f"period report: {resources.storage.uri(key)}")
    finally:
        resources.close()


@app.command()
def run() -> None:
    """The nightly job: ingest everything new in the inbox, then republish affected periods."""
    from flows.steps import RunSummary, has_work

    resources = _resources()
    try:
        if not has_work(resources):
            # A quiet night: nothing to orchestrate, so Prefect and GX are never started.
            resources.ledger.finish_run(
                resources.ledger.start_run("nightly", {}), status="completed", summary=RunSummary().as_dict()
            )
            _print_summary(RunSummary())
            return
    finally:
        resources.close()
    summary = _run_flow("nightly")
    _print_summary(summary)


@app.command()
def backfill(
    period_from: Annotated[str, typer.Option("--from", help="First period, e.g. FY2023 or 2019")],
    period_to: Annotated[str, typer.Option("--to", help="Last period, e.g. FY2024")],
) -> None:
    """Republish every period between two periods (inclusive): on the server's backfill deployment if one is set."""
    from infra.settings import get_settings

    background = prepare_flows(get_settings())
    from flows.serve import submit_backfill

    try:  # nobody serves deployments on the background server: run it here
        flow_run_id = None if background else submit_backfill(period_from, period_to)
    except ValueError as error:
        raise _fail(str(error)) from None
    except RuntimeError as error:  # a server, but nobody serves the backfill deployment: run it here
        typer.echo(f"note: {error}; running the backfill here", err=True)
        flow_run_id = None
    if flow_run_id is not None:
        typer.echo(f"backfill {period_from} → {period_to} submitted to the backfill deployment: flow run {flow_run_id}")
        return
    summary = _run_flow("backfill", period_from, period_to)
    _print_summary(summary)


# --- checking and reading ------------------------------------------------------------------------


@app.command("validate")
def validate_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    member: Annotated[str, typer.Option(help="Submitting member id")],
    dataset: Annotated[Dataset, typer.Option(help="Which dataset the file holds")],
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Check a file without storing anything. Exit 0 valid (warnings allowed), 1 some rows invalid, 2 unusable."""
    from flows.checking import check_file

    report = check_file(file, member_id=member, dataset=dataset.value)
    if output == "json":
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        from flows.checking import describe

        typer.echo(describe(report))
    if report.rejection is not None:
        raise typer.Exit(2)
    if report.n_quarantined:
        raise typer.Exit(1)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SELECT … FROM mart.indicators (tables core.* and mart.*)")],
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Query the published tables with SQL (an operator's tool)."""
    import polars as pl

    resources = _resources()
    try:
        result = resources.warehouse.sql(query)
    except Exception as error:  # noqa: BLE001 (polars raises several SQL error types; the operator needs the text)
        raise _fail(str(error)) from None
    finally:
        resources.close()
    if output is OutputFormat.csv:
        sys.stdout.write(result.write_csv())
    elif output is OutputFormat.json:
        typer.echo(json.dumps(result.to_dicts(), ensure_ascii=False, default=str, indent=2))
    else:
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, fmt_str_lengths=60):
            typer.echo(str(result))


@app.command()
def contract(
    output: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output")] = None,
) -> None:
    """Print the bilingual data dictionary (docs/contract.md) generated from the contracts."""
    from schemas import CONTRACTS
    from schemas.docs import render_contract_markdown

    text = render_contract_markdown(tuple(CONTRACTS.values()))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")


@app.command()
def demo(
    include_scotland: Annotated[bool, typer.Option(help="Also submit 2011–2019 Scottish councils' data")] = False,
) -> None:
    """Generate a realistic year of members' files, run the whole path, and show where everything landed."""
    import polars as pl

    from flows.demo import run_demo
    from infra.settings import get_settings

    prepare_flows(get_settings())
    result = run_demo(include_scotland=include_scotland)
    typer.echo(f"demo: {len(result.manifest.members)} members, {len(result.manifest.submissions)} files submitted")
    _print_summary(result.summary)
    typer.echo("")
    typer.echo("headline indicators, all materials, all regions (入口側・出口側循環利用率):")
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=160, float_precision=3, tbl_hide_dataframe_shape=True):
        typer.echo(str(result.headline))
    typer.echo("")
    typer.echo(f"storage (inbox, quarantine, reports, warehouse): {result.storage_url}")
    typer.echo(f"Iceberg catalog and ledger: {result.catalog_url}")
    typer.echo(f"members' validation reports: {result.reports_uri}")
    typer.echo(f"log: {result.log_file}")
    typer.echo("try: junkan sql \"SELECT * FROM mart.indicators WHERE material_level = 'group' LIMIT 10\"")
    for uri in result.period_report_uris:
        typer.echo(f"period report (Sankey, indicators, targets): {uri}")


register_report(app)
register_sources(app)
register_serve(app)
register_server(app)


def main() -> None:
    """Console-script entry point."""
    app()

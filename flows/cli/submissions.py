"""`junkan submit | run | backfill | release | validate`: members' files in, periods out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from flows.cli.common import Dataset, fail, open_resources, print_reports, print_summary, run_flow
from schemas.outcomes import LIVE, SubmissionStatus


def submit(
    paths: Annotated[
        list[Path],
        typer.Argument(
            exists=True, help="Files (CSV, XLSX, Parquet, JSON Lines), or folders of them", metavar="FILE|DIR…"
        ),
    ],
    dataset: Annotated[Dataset, typer.Option(help="Which dataset the files hold")],
    member: Annotated[
        str | None,
        typer.Option(help="Submitting member id; without it, each folder holds one sub-folder per member id"),
    ] = None,
    no_run: Annotated[bool, typer.Option("--no-run", help="Only put the files in the inbox, for the next run")] = False,
) -> None:
    """Put files in the member's inbox, then validate and publish them in one batch (as an upload event would)."""
    by_member = {member: submitted_files(paths)} if member else files_by_member_folder(paths)
    if not any(by_member.values()):
        raise fail(f"no files to submit in {', '.join(str(path) for path in paths)}")
    deliver({(member_id, dataset.value): files for member_id, files in by_member.items()}, no_run=no_run)


def deliver(files: dict[tuple[str, str], list[Path]], *, no_run: bool) -> None:
    """Put (member, dataset) files in their inboxes, then ingest them in one run: `submit`'s path, shared.

    `junkan reference load` sends the secretariat's reference files through here too.
    """
    from flows.stages.judge import unregistered_member_ids
    from infra.storage.keys import inbox_key

    members = sorted({member_id for member_id, _ in files})
    resources = open_resources()
    try:
        # Before the keys: a mistyped id (`City-A`) is told it is not registered and which id it may mean.
        unregistered = unregistered_member_ids(resources, members)
        for member_id, close in unregistered.items():
            raise fail(not_registered(member_id, close))
        keyed: dict[str, Path] = {}
        for (member_id, dataset), found in files.items():
            for file in found:
                try:
                    key = inbox_key(member_id, dataset, file.name)
                except ValueError as error:
                    raise fail(f"{file}: {error}") from None
                if key in keyed:
                    raise fail(f"{file} and {keyed[key]} would land on the same inbox key {key}; rename one")
                keyed[key] = file
        for key, file in keyed.items():
            resources.storage.put_file(key, file)
    finally:
        resources.close()
    if no_run:
        where = ", ".join(f"{member_id}/{dataset}" for member_id, dataset in files)
        typer.echo(f"put {len(keyed)} file(s) in the inbox of {where}; the next `junkan run` takes them")
        return
    summary = run_flow("ingest", list(keyed))
    print_summary(summary, every_submission=True)
    print_reports(summary)
    if any(outcome.status == SubmissionStatus.REJECTED for outcome in summary.outcomes):
        raise typer.Exit(1)


def not_registered(member_id: str, close: Sequence[str]) -> str:
    """What `submit` says of a member id nobody registered: the close registered ids, and how to register it."""
    from infra.storage.keys import check_member_id

    try:
        register = f"run: junkan members add {check_member_id(member_id)} --kind … --name …"
    except ValueError:  # `City-A` can never be registered: ids are lower case
        register = "member ids are 2-64 lower-case letters, digits, '-' or '_'"
    if close:
        meant = " or ".join(repr(code) for code in close)
        return f"member {member_id!r} is not registered; did you mean {meant}? (a new member: {register})"
    return f"member {member_id!r} is not registered; {register}"


def files_by_member_folder(paths: list[Path]) -> dict[str, list[Path]]:
    """Files laid out as `<folder>/<member id>/<file>`, by member: 32 councils' files in one command."""
    found: dict[str, list[Path]] = {}
    for path in paths:
        if not path.is_dir():
            raise fail(f"{path}: without --member, give folders holding one sub-folder per member id")
        for folder in sorted(child for child in path.iterdir() if child.is_dir() and not child.name.startswith(".")):
            found.setdefault(folder.name, []).extend(submitted_files([folder]))
    return found


def submitted_files(paths: list[Path]) -> list[Path]:
    """The files named, and the files directly inside the folders named, in name order.

    Hidden files and Office's lock files (`~$報告書.xlsx`, left while a workbook is open) are not a member's
    data and are skipped.
    """
    found: list[Path] = []
    for path in paths:
        inside = sorted(child for child in path.iterdir() if child.is_file()) if path.is_dir() else [path]
        found += [file for file in inside if not file.name.startswith((".", "~$"))]
    return list(dict.fromkeys(found))


def run() -> None:
    """The nightly job: ingest everything new in the inbox, then republish affected periods."""
    from flows.stages.publish import has_work
    from flows.stages.summary import RunSummary

    resources = open_resources()
    try:
        if not has_work(resources):
            # A quiet night: nothing to orchestrate, so Prefect and GX are never started.
            resources.ledger.finish_run(
                resources.ledger.start_run("nightly", {}), status="completed", summary=RunSummary().as_dict()
            )
            print_summary(RunSummary())
            return
    finally:
        resources.close()
    summary = run_flow("nightly")
    print_summary(summary)


def backfill(
    period_from: Annotated[str, typer.Option("--from", help="First period, e.g. FY2023 or 2019")],
    period_to: Annotated[str, typer.Option("--to", help="Last period, e.g. FY2024")],
) -> None:
    """Republish every period between two periods (inclusive): on the server's backfill deployment if one is set."""
    from flows.cli.prefect_server import prepare_flows
    from infra.settings import get_settings

    background = prepare_flows(get_settings())
    from flows.deployments import submit_backfill

    try:  # nobody serves deployments on the background server: run it here
        flow_run_id = None if background else submit_backfill(period_from, period_to)
    except ValueError as error:
        raise fail(str(error)) from None
    except RuntimeError as error:  # a server, but nobody serves the backfill deployment: run it here
        typer.echo(f"note: {error}; running the backfill here", err=True)
        flow_run_id = None
    if flow_run_id is not None:
        typer.echo(f"backfill {period_from} → {period_to} submitted to the backfill deployment: flow run {flow_run_id}")
        return
    summary = run_flow("backfill", period_from, period_to)
    print_summary(summary)


def release(
    periods: Annotated[
        list[str] | None, typer.Argument(help="Periods to release, e.g. FY2024; none: every period with flows")
    ] = None,
    released_by: Annotated[str, typer.Option("--by", help="Who releases, for the release notes")] = "secretariat",
) -> None:
    """Release periods: the public tables, the period report and BI readers change only now.

    Each release is tagged `release/<period>/<n>` on every public table and protected against the period's
    earlier releases: a value whose change would give away the few members that changed is withheld
    (`revision`) until enough changes have accumulated.
    """
    from flows.stages.publish import period_bounds

    for period in periods or []:
        try:
            period_bounds(period)
        except ValueError as error:
            raise fail(str(error)) from None
    try:
        summary = run_flow("release", periods or None, released_by)
    except ValueError as error:
        raise fail(str(error)) from None
    print_release_notes(summary.published_periods)
    print_reports(summary)


def print_release_notes(periods: list[str]) -> None:
    """Each period's latest release: what it published, revised and withheld for revision, by table and group."""
    import polars as pl

    from flows.stages.release import releases

    resources = open_resources()
    try:
        for period in periods:
            notes = releases(resources, period)
            latest = notes.filter(pl.col("release") == notes.get_column("release").max())
            for row in latest.iter_rows(named=True):
                if row["table_name"] == "all":
                    typer.echo(
                        f"{period} release {row['release']} ({row['released_at']:%Y-%m-%d %H:%M} UTC, "
                        f"by {row['released_by']}): {row['values_published']:,} values published, "
                        f"{row['values_revised']:,} revised, {row['values_withheld_for_revision']:,} withheld "
                        "for revision"
                    )
            for row in latest.filter(pl.col("table_name") != "all").iter_rows(named=True):
                typer.echo(
                    f"  {row['table_name']:<28} {row['material_group']:<14} revised {row['values_revised']:>5}"
                    f"  withheld for revision {row['values_withheld_for_revision']:>5}"
                )
    finally:
        resources.close()


def validate_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    member: Annotated[str, typer.Option(help="Submitting member id")],
    dataset: Annotated[Dataset, typer.Option(help="Which dataset the file holds")],
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Check a file without storing anything. Exit 0 valid (warnings allowed), 1 some rows invalid, 2 unusable."""
    from flows.stages.check import check_file

    report = check_file(file, member_id=member, dataset=dataset.value)
    if output == "json":
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        from flows.stages.check import describe

        typer.echo(describe(report))
    if report.rejection is not None:
        raise typer.Exit(2)
    if report.counts.quarantined:
        raise typer.Exit(1)


def withdraw(
    files: Annotated[
        list[str],
        typer.Argument(help="Submission ids, or inbox keys (inbox/<member>/<dataset>/<file>)", metavar="ID|KEY…"),
    ],
    reason: Annotated[str, typer.Option(help="Why, for the ledger and the member")] = "withdrawn by the operator",
    no_run: Annotated[
        bool, typer.Option("--no-run", help="Only mark them; the next `junkan run` takes them out")
    ] = False,
) -> None:
    """Take members' files back: their rows leave the core tables and their periods are republished without them.

    Deleting a file from the inbox does the same at the next run. Withdrawing a correction does not bring back
    the file it replaced: submit that file again.
    """
    resources = open_resources()
    try:
        by_key = {s.key: s for s in resources.ledger.submissions() if s.status in LIVE}
        wanted: list[str] = []
        for name in files:
            found = resources.ledger.get_submission(name) or by_key.get(name)
            if found is None:
                raise fail(f"{name}: no submission with that id, and no live file under that key")
            wanted.append(found.submission_id)
        withdrawn = resources.ledger.withdraw(wanted, message=reason)
    finally:
        resources.close()
    for submission in withdrawn:
        typer.echo(f"  withdrawing      {submission.key} ({submission.submission_id})")
    left = sorted(set(wanted) - {s.submission_id for s in withdrawn})
    for submission_id in left:
        typer.echo(f"  not live         {submission_id}: already superseded, rejected or withdrawn")
    if no_run or not withdrawn:
        return
    print_summary(run_flow("ingest", []))


def register(app: typer.Typer) -> None:
    """Add these commands to the junkan app."""
    app.command("submit")(submit)
    app.command("withdraw")(withdraw)
    app.command("run")(run)
    app.command("backfill")(backfill)
    app.command("release")(release)
    app.command("validate")(validate_file)

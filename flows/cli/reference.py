"""`junkan reference load`: the secretariat's roadmap targets, national statistics and the law's designations."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from flows.cli.common import choices, fail, open_resources
from flows.cli.submissions import deliver, submitted_files
from schemas.datasets import SECRETARIAT_DATASETS

reference_app = typer.Typer(
    help="The secretariat's reference data: roadmap targets, published national statistics, the law's designations.",
    no_args_is_help=True,
)


if TYPE_CHECKING:
    ReferenceDataset = StrEnum
else:
    # Reference datasets the secretariat loads, as `schemas.datasets` registers them.
    ReferenceDataset = choices("ReferenceDataset", SECRETARIAT_DATASETS)


def dataset_of(file: Path) -> str | None:
    """The reference dataset whose required columns the file's header holds (in registry order), or None."""
    from infra.readers import read_table
    from schemas import CONTRACTS
    from schemas.errors import FileRejected

    for name in SECRETARIAT_DATASETS:
        try:
            read_table(file, CONTRACTS[name])
        except FileRejected:
            continue
        return name
    return None


NONE_OF_THEM = " nor ".join(SECRETARIAT_DATASETS)


@reference_app.command("load")
def load(
    paths: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            help="Reference files (CSV, XLSX, Parquet, JSON Lines), or folders of them",
            metavar="FILE|DIR…",
        ),
    ],
    dataset: Annotated[
        ReferenceDataset | None,
        typer.Option(help="Which dataset the files hold (default: told by each file's header)"),
    ] = None,
    no_run: Annotated[bool, typer.Option("--no-run", help="Only put the files in the inbox, for the next run")] = False,
) -> None:
    """Load reference files as the secretariat: validated, versioned and ledgered like members' files; published."""
    from schemas.reference import SECRETARIAT_ID

    files = submitted_files(paths)
    if not files:
        raise fail(f"no files to load in {', '.join(str(path) for path in paths)}")
    by_dataset: dict[tuple[str, str], list[Path]] = {}
    for file in files:
        name = dataset.value if dataset is not None else dataset_of(file)
        if name is None:
            raise fail(
                f"{file}: its header has the required columns of neither {NONE_OF_THEM} "
                "(see docs/contract.md); or name the dataset with --dataset to see the full report"
            )
        by_dataset.setdefault((SECRETARIAT_ID, name), []).append(file)
    from flows.stages.roadmaps import ensure_secretariat

    resources = open_resources()
    try:
        ensure_secretariat(resources)
    finally:
        resources.close()
    deliver(by_dataset, no_run=no_run)


@reference_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    dataset: Annotated[
        ReferenceDataset | None,
        typer.Option(help="Which dataset the file holds (default: told by its header)"),
    ] = None,
) -> None:
    """Check a reference file without storing anything. Exit 0 valid (warnings allowed), 1 rows invalid, 2 unusable."""
    from flows.stages.check import check_file, describe
    from schemas.reference import SECRETARIAT_ID

    name = dataset.value if dataset is not None else dataset_of(file)
    if name is None:
        raise fail(f"{file}: its header has the required columns of neither {NONE_OF_THEM}")
    report = check_file(file, member_id=SECRETARIAT_ID, dataset=name)
    typer.echo(describe(report))
    if report.rejection is not None:
        raise typer.Exit(2)
    if report.counts.quarantined:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add these commands to the junkan app."""
    app.add_typer(reference_app, name="reference")

"""`junkan report` and `junkan export`: the period report for people, the marts for BI tools, declarations as JSON.

Registered on the main app by `flows.cli` (`register(app)`); heavy libraries are imported inside commands.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from flows.cli.common import fail, open_resources

if TYPE_CHECKING:
    from infra.resources import Resources


class ReportLanguage(StrEnum):
    """Language the report opens in (the page can switch)."""

    ja = "ja"
    en = "en"


def report(
    period: Annotated[str, typer.Option(help="Published period, e.g. FY2024")],
    language: Annotated[ReportLanguage, typer.Option(help="Language the page opens in")] = ReportLanguage.ja,
    output: Annotated[Path | None, typer.Option(help="Also write the page to this local file")] = None,
) -> None:
    """Render a period's report (Sankey diagram, indicators, target progress) as one offline HTML page."""
    from infra.rendering.period_report import write_period_report

    resources = open_resources()
    try:
        try:
            key = write_period_report(resources, period, language=language.value)
        except ValueError as error:
            raise fail(str(error)) from None
        if output is not None:
            output.write_bytes(resources.storage.get_bytes(key))
            typer.echo(f"wrote {output}")
        typer.echo(f"report: {resources.storage.uri(key)}")
    finally:
        resources.close()


def export(
    to: Annotated[
        str | None, typer.Option("--to", help="SQLAlchemy URL of the BI database, e.g. postgresql+psycopg://…")
    ] = None,
    floweaver: Annotated[
        Path | None, typer.Option("--floweaver", help="Folder for floWeaver CSVs (one per period)", file_okay=False)
    ] = None,
    declarations: Annotated[
        Path | None,
        typer.Option(
            "--declarations",
            help="Folder for members' declarations as Catena-X and battery-passport JSON (restricted: member-level)",
            file_okay=False,
        ),
    ] = None,
    member: Annotated[
        list[str] | None, typer.Option("--member", help="With --declarations: only this member (repeat for several)")
    ] = None,
    period: Annotated[
        list[str] | None, typer.Option("--period", help="Period to export (repeat for several; default all)")
    ] = None,
) -> None:
    """Copy the public marts into a SQL database (--to), write floWeaver CSVs (--floweaver) or declarations (JSON)."""
    if sum(option is not None for option in (to, floweaver, declarations)) != 1:
        raise fail("give exactly one of --to <sqlalchemy-url>, --floweaver <folder> or --declarations <folder>")
    if floweaver is not None and not period:
        raise fail("--floweaver needs at least one --period")
    if member and declarations is None:
        raise fail("--member goes with --declarations")
    from infra.warehouse.exports import export_marts, write_floweaver_csv

    resources = open_resources()
    try:
        if declarations is not None:
            _export_declarations(resources, declarations, members=member or [], periods=period or [])
            return
        if floweaver is not None:
            for one in period or []:
                try:
                    path = write_floweaver_csv(resources.warehouse, floweaver, one)
                except ValueError as error:
                    raise fail(str(error)) from None
                typer.echo(f"wrote {path}")
            return
        assert to is not None
        try:
            counts = export_marts(resources.warehouse, to, periods=period or None)
        except ValueError as error:
            raise fail(str(error)) from None
        for table, rows in counts.items():
            typer.echo(f"  {table:<24} {rows} rows")
        typer.echo(f"exported {', '.join(period) if period else 'every period'}")
    finally:
        resources.close()


def _export_declarations(resources: Resources, folder: Path, *, members: list[str], periods: list[str]) -> None:
    """Members' declarations as one JSON document each (Catena-X; battery models also as battery passport)."""
    from infra.interop import write_declaration_documents

    where = {name: values for name, values in (("member_id", members), ("period", periods)) if values}
    rows = resources.warehouse.read("core.declarations", where=where or None)
    if rows.is_empty():
        raise fail("no declarations to export" + (f" for {', '.join(members + periods)}" if where else ""))
    written = write_declaration_documents(rows, folder)
    typer.echo(f"wrote {len(written)} documents and index.json to {folder} (restricted: members' own declarations)")


def register(app: typer.Typer) -> None:
    """Add the `report` and `export` commands to the junkan app."""
    app.command("report")(report)
    app.command("export")(export)

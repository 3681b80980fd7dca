"""`junkan followup`: the secretariat's yearly follow-up pack (HTML and XLSX), judged on a date.

Registered on the main app by `flows.cli` (`register(app)`); heavy libraries are imported inside the command.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from flows.cli.common import fail, open_resources
from flows.cli.report import ReportLanguage


def _as_of(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()  # noqa: DTZ007 - a calendar day, no time zone
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31") from None


def followup(
    as_of: Annotated[str, typer.Option("--as-of", help="Day the obligations are judged on, e.g. 2026-03-31")],
    output: Annotated[Path, typer.Option(help="Folder for followup-<date>.html and .xlsx", file_okay=False)] = Path(
        "followup"
    ),
    language: Annotated[ReportLanguage, typer.Option(help="Language the page opens in")] = ReportLanguage.ja,
) -> None:
    """Write the yearly follow-up: compliance by kind, the overdue list, target progress, project disclosures.

    The pack is restricted (member names and member-level status); only its compliance section is public, and
    the period report carries it.
    """
    day = _as_of(as_of)
    from flows.stages.obligations import followup_pack
    from infra.rendering.followup import build_followup_html, build_followup_workbook

    resources = open_resources()
    try:
        try:
            pack = followup_pack(resources, as_of=day)
        except ValueError as error:
            raise fail(str(error)) from None
    finally:
        resources.close()
    output.mkdir(parents=True, exist_ok=True)
    html = output / f"followup-{day.isoformat()}.html"
    workbook = output / f"followup-{day.isoformat()}.xlsx"
    html.write_text(build_followup_html(pack, language=language.value), encoding="utf-8")
    workbook.write_bytes(build_followup_workbook(pack))
    members = pack.obligations.get_column("member_id").n_unique() if pack.obligations.height else 0
    typer.echo(f"as of {day.isoformat()}: {members} members, {pack.overdue().height} overdue obligations")
    typer.echo(f"wrote {html}")
    typer.echo(f"wrote {workbook}")


def register(app: typer.Typer) -> None:
    """Add the `followup` command to the junkan app."""
    app.command("followup")(followup)

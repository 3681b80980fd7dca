"""`junkan template DATASET`: the file a member fills in by hand (XLSX or CSV), made from the dataset's contract.

The content is `schemas.templates`, the file `infra.rendering.workbook_templates`; this command only picks the
member and the place. A member id is checked against the ledger here when there is one (never creating one).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from flows.cli.common import choices, fail
from schemas.datasets import DATASET_SPECS

if TYPE_CHECKING:
    TemplateDataset = StrEnum
else:
    # Every registered dataset: members' and the secretariat's reference data.
    TemplateDataset = choices("TemplateDataset", tuple(DATASET_SPECS))

# At most this many registered ids are listed when a member id is unknown.
LISTED_MEMBERS = 20


class TemplateFileFormat(StrEnum):
    """The template's file format."""

    xlsx = "xlsx"
    csv = "csv"


def template(
    dataset: Annotated[TemplateDataset, typer.Argument(help="The dataset the template is for")],
    member: Annotated[
        str | None, typer.Option("--member", help="Member id filled in on the example row and offered in its list")
    ] = None,
    file_format: Annotated[
        TemplateFileFormat,
        typer.Option("--format", help="xlsx (drop-down lists and an instructions sheet) or csv (header and example)"),
    ] = TemplateFileFormat.xlsx,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="File or existing folder to write to (default: junkan-DATASET[-MEMBER].FORMAT here)"
        ),
    ] = None,
) -> None:
    """Write a template to fill in: Japanese headers, drop-down lists, one example row and how to submit it."""
    from infra.rendering.workbook_templates import template_bytes, template_file_name
    from schemas.templates import template_for

    if member is not None:
        _check_registered(member)
    try:
        content = template_for(dataset.value, member_id=member, today=date.today())
    except ValueError as error:
        raise fail(str(error)) from None
    name = template_file_name(content, file_format.value)
    path = out / name if out is not None and out.is_dir() else out or Path(name)
    try:
        path.write_bytes(template_bytes(content, file_format.value))
    except OSError as error:
        raise fail(f"cannot write {path}: {error.strerror or error}") from None
    typer.echo(f"wrote {path}")


def _check_registered(member_id: str) -> None:
    """Refuse a member id the ledger here does not know, naming the registered ids (no ledger: nothing to check)."""
    from schemas.members import close_member_ids

    registered = _registered_members()
    if registered is None or member_id in registered:
        return
    if not registered:
        raise fail(
            f"member {member_id!r} is not registered; no member is registered yet "
            "(junkan members add ID --kind … --name …)"
        )
    close = close_member_ids(member_id, registered)
    meant = f"did you mean {' or '.join(repr(code) for code in close)}? " if close else ""
    listed = ", ".join(registered[:LISTED_MEMBERS])
    more = (
        f" … and {len(registered) - LISTED_MEMBERS} more (junkan members list)"
        if len(registered) > LISTED_MEMBERS
        else ""
    )
    raise fail(f"member {member_id!r} is not registered; {meant}registered members: {listed}{more}")


def _registered_members() -> list[str] | None:
    """The member ids the ledger here registers, or None when there is no ledger yet."""
    from infra.ledger import Ledger
    from infra.settings import get_settings

    database_url = get_settings().resolved_database_url
    if database_url.startswith("sqlite:///") and not Path(database_url.removeprefix("sqlite:///")).exists():
        return None
    ledger = Ledger.connect(database_url)
    try:
        return [member.member_id for member in ledger.list_members()]
    finally:
        ledger.close()


def register(app: typer.Typer) -> None:
    """Add the `template` command to the junkan app."""
    app.command("template")(template)

"""`junkan members add | import | list`: the ledger's member registry."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from flows.cli.common import fail, open_resources

if TYPE_CHECKING:
    import polars as pl


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
    from flows.stages.members import provision_storage_access

    resources = open_resources()
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
    from flows.stages.members import import_members

    resources = open_resources()
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
    typer.echo(
        f"members: {report.counts.accepted} registered ({outcome.n_created} new), {report.counts.quarantined} refused"
    )
    return None if report.counts.quarantined else report.counts.accepted


def members_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Register members from a file with columns member_id, name, kind, region, joined_on."""
    from infra.readers import read_table
    from schemas import MEMBERS
    from schemas.errors import FileRejected

    try:
        raw = read_table(file, MEMBERS)
    except FileRejected as rejected:
        raise fail(f"{rejected} / {rejected.message_ja}") from None
    if _import_members(raw.frame, file=file.name) is None:
        raise typer.Exit(1)


def members_list() -> None:
    """Show registered members."""
    resources = open_resources()
    try:
        for member in resources.ledger.list_members():
            typer.echo(f"{member.member_id}\t{member.kind}\t{member.region}\t{member.joined_on}\t{member.name}")
    finally:
        resources.close()


def register(app: typer.Typer) -> None:
    """Add these commands to the junkan app."""
    members_app = typer.Typer(help="Register partnership members (the ledger's member registry).", no_args_is_help=True)
    members_app.command("add")(members_add)
    members_app.command("import")(members_import)
    members_app.command("list")(members_list)
    app.add_typer(members_app, name="members")

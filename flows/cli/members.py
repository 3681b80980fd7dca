"""`junkan members add | import | disclosure | list | invite`: the ledger's member registry and disclosure classes."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from flows.cli import joining, portal
from flows.cli.common import choices, fail, open_resources
from schemas.members import DISCLOSURE_DATASETS
from schemas.vocabulary import DISCLOSURE_CLASS_CODES, PUBLIC

if TYPE_CHECKING:
    import polars as pl

    from flows.stages.members import MemberImport


if TYPE_CHECKING:
    DisclosureClass = StrEnum
    DisclosureDataset = StrEnum
else:
    # How a member's figures are treated when published (the vocabulary's classes, the consented one first), and the
    # datasets that carry a class (schemas.members).
    DisclosureClass = choices("DisclosureClass", sorted(DISCLOSURE_CLASS_CODES, key=lambda code: code != PUBLIC))
    DisclosureDataset = choices("DisclosureDataset", DISCLOSURE_DATASETS)


def _day(text: str, *, option: str) -> date:
    """A date the operator typed, or an error saying what to type."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} {text!r} is not a date; write YYYY-MM-DD, e.g. 2025-04-01") from None


def members_add(
    member_id: Annotated[str, typer.Argument(help="Member id: lower-case letters, digits, - and _")],
    kind: Annotated[str, typer.Option(help="company, industry_association, municipality, university, …")],
    name: Annotated[str, typer.Option(help="Organisation name")],
    region: Annotated[str, typer.Option(help="ISO 3166 code, e.g. JP or JP-13")] = "JP",
    joined_on: Annotated[str | None, typer.Option(help="Date joined, YYYY-MM-DD (default today)")] = None,
    disclosure: Annotated[
        DisclosureClass | None,
        typer.Option(
            case_sensitive=False,
            help="Disclosure class of its flows and progress (default by kind: public for municipalities and "
            "industry associations, confidential otherwise)",
        ),
    ] = None,
    consented_on: Annotated[
        str | None, typer.Option(help="Day the disclosure class applies from, YYYY-MM-DD (default: --joined-on)")
    ] = None,
    update: Annotated[
        bool,
        typer.Option(
            "--update",
            help="Change the kind or region of a registered member (kept in its history; its obligations follow the "
            "new kind from the next run). Without it, a changed kind or region is refused",
        ),
    ] = False,
    changed_on: Annotated[
        str | None, typer.Option(help="With --update: the day the new kind or region applies from (default today)")
    ] = None,
    rotate_secret: Annotated[bool, typer.Option(help="On MinIO: issue the member a new secret key")] = False,
) -> None:
    """Register a member (or update its name; its kind or region with --update); on MinIO also create its own user."""
    if consented_on is not None and disclosure is None:
        raise fail("--consented-on says when a disclosure class applies: add --disclosure public or confidential")
    if consented_on is not None:
        _day(consented_on, option="--consented-on")
    if changed_on is not None and not update:
        raise fail("--changed-on says when a new kind or region applies: add --update")
    if changed_on is not None:
        _day(changed_on, option="--changed-on")
    from flows.stages.members import member_rows

    raw = member_rows(
        member_id=member_id,
        name=name,
        kind=kind,
        region=region,
        joined_on=joined_on or date.today().isoformat(),
        disclosure=None if disclosure is None else disclosure.value,
        consented_on=consented_on,
        update=update,
        changed_on=changed_on,
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
    for consent in outcome.unreadable_consents:
        typer.echo(
            f"{file}, row {consent.row}, column consented_on: {consent.message_en} / {consent.message_ja}", err=True
        )
    for refused in outcome.refused_changes:
        typer.echo(f"{file}, row {refused.row}: {refused.message_en} / {refused.message_ja}", err=True)
    for change in outcome.changes:
        typer.echo(f"{change.describe()} (its obligations follow from the next run)")
    for kept in outcome.kept_confidential:
        typer.echo(kept.message)
    typer.echo(
        f"members: {outcome.n_registered} registered ({outcome.n_created} new), {outcome.n_refused} refused"
        + _disclosure_note(outcome)
    )
    return None if outcome.n_refused or outcome.unreadable_consents else outcome.n_registered


def _disclosure_note(outcome: MemberImport) -> str:
    """How many disclosure classes an import changed, when it changed any or refused a consent date."""
    if not outcome.n_disclosure_changes and not outcome.unreadable_consents:
        return ""
    note = f"; disclosure classes: {outcome.n_disclosure_changes} changed"
    if outcome.unreadable_consents:
        note += f", {len(outcome.unreadable_consents)} not recorded (consented_on is not a date)"
    return note


def members_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Register members from a file: member_id, name, kind, region, joined_on; optional columns are in the contract.

    Optional: disclosure, consented_on, and update (yes: the row may change a registered member's kind or region),
    changed_on (the day such a change applies from).
    """
    from infra.readers import read_table
    from schemas import MEMBERS
    from schemas.errors import FileRejected

    try:
        raw = read_table(file, MEMBERS)
    except FileRejected as rejected:
        raise fail(f"{rejected} / {rejected.message_ja}") from None
    if _import_members(raw.frame, file=file.name) is None:
        raise typer.Exit(1)


def members_disclosure(
    member_id: Annotated[str, typer.Argument(metavar="MEMBER_ID", help="A registered member id")],
    disclosure: Annotated[
        DisclosureClass, typer.Argument(metavar="CLASS", case_sensitive=False, help="public or confidential")
    ],
    consented_on: Annotated[str, typer.Option(help="Day the class applies from, YYYY-MM-DD (the member's consent)")],
    dataset: Annotated[
        DisclosureDataset | None, typer.Option(case_sensitive=False, help="Only this dataset (default: both)")
    ] = None,
) -> None:
    """Change a member's disclosure class from a day on: public figures are published as they are."""
    from flows.stages.members import record_disclosure
    from schemas.members import DISCLOSURE_DATASETS

    day = _day(consented_on, option="--consented-on")
    datasets = DISCLOSURE_DATASETS if dataset is None else (dataset.value,)
    resources = open_resources()
    try:
        if resources.ledger.get_member(member_id) is None:
            raise fail(
                f"member {member_id!r} is not registered; check `junkan members list`, "
                f"or register it: junkan members add {member_id} --kind KIND --name NAME"
            )
        with resources.ledger.batch():
            for one in datasets:
                if record_disclosure(resources.ledger, member_id, disclosure.value, consented_on=day, datasets=(one,)):
                    typer.echo(f"{member_id}\t{one}\t{disclosure.value} from {day.isoformat()}")
                else:
                    typer.echo(f"{member_id}\t{one}\talready {disclosure.value} on {day.isoformat()}; nothing recorded")
    finally:
        resources.close()


def members_list() -> None:
    """Show registered members, each with its disclosure class of flows today."""
    resources = open_resources()
    try:
        members = resources.ledger.list_members()  # read first: every member listed then has a class
        classes = resources.ledger.disclosure_classes(dataset="flows")
        for member in members:
            typer.echo(
                f"{member.member_id}\t{member.kind}\t{member.region}\t{member.joined_on}\t"
                f"{classes[member.member_id]}\t{member.name}"
            )
    finally:
        resources.close()


def register(app: typer.Typer) -> None:
    """Add these commands to the junkan app."""
    members_app = typer.Typer(help="Register partnership members (the ledger's member registry).", no_args_is_help=True)
    members_app.command("add")(members_add)
    members_app.command("import")(members_import)
    members_app.command("disclosure")(members_disclosure)
    members_app.command("list")(members_list)
    members_app.command("invite")(portal.members_invite)
    members_app.command("invite-secretariat")(portal.members_invite_secretariat)
    joining.register(members_app)
    app.add_typer(members_app, name="members")

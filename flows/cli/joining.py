"""`junkan members applications | approve | return`: the portal's joining applications, from the terminal."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from flows.cli.common import fail, open_resources


def _refusal(error: Exception) -> str:
    """A refusal of `flows.stages.joining` in English: each field and what to do."""
    from flows.stages.joining import JoiningError
    from infra.portal.i18n import translate

    if not isinstance(error, JoiningError):
        return str(error)
    return "; ".join(f"{problem.field}: {translate(problem.code, 'en')}" for problem in error.problems)


def members_applications(
    status: Annotated[str | None, typer.Option(help="Only submitted, approved or returned ones")] = None,
) -> None:
    """List applications to join (oldest first): id, status, kind, region, contact, organisation."""
    resources = open_resources()
    try:
        for one in resources.ledger.join_applications(status=status):
            decided = f"\t{one.member_id or ''}\t{one.note or ''}" if one.status != "submitted" else ""
            typer.echo(
                f"{one.application_id}\t{one.status}\t{one.kind}\t{one.region}\t{one.contact_email}\t"
                f"{one.organisation_name}{decided}"
            )
    finally:
        resources.close()


def members_approve(
    application_id: Annotated[str, typer.Argument(help="The application's id (junkan members applications)")],
    member_id: Annotated[str, typer.Argument(help="The new member's id: lower-case letters, digits, - and _")],
    joined_on: Annotated[str | None, typer.Option(help="Joining date, YYYY-MM-DD (default today)")] = None,
    by: Annotated[str, typer.Option("--by", help="Who approves, for the ledger")] = "secretariat",
) -> None:
    """Approve an application: register the member from its joining date and print its contact's invitation link."""
    from flows.stages.joining import JoiningError, approve_application
    from infra.portal.accounts import Accounts

    try:
        day = date.fromisoformat(joined_on) if joined_on else date.today()
    except ValueError:
        raise fail(f"--joined-on {joined_on!r} is not a date; write YYYY-MM-DD, e.g. 2026-04-01") from None
    resources = open_resources()
    try:
        accounts = Accounts(resources.ledger, resources.settings)
        try:
            approval = approve_application(
                resources, accounts, application_id, member_id=member_id, joined_on=day, decided_by=by
            )
        except JoiningError as error:
            raise fail(f"{application_id}: {_refusal(error)}") from None
        hours = resources.settings.portal_invitation_hours
    finally:
        resources.close()
    member = approval.member
    typer.echo(f"registered {member.member_id} ({member.kind}, {member.region}), joined {member.joined_on}")
    typer.echo(f"invited {approval.application.contact_email}; send them this one-time link (valid {hours:g} h):")
    typer.echo(approval.invitation_link)


def members_return(
    application_id: Annotated[str, typer.Argument(help="The application's id (junkan members applications)")],
    note: Annotated[str, typer.Option(help="Why it is returned: what the organisation should change")],
    by: Annotated[str, typer.Option("--by", help="Who returns it, for the ledger")] = "secretariat",
) -> None:
    """Return an application unapproved, with a note for the organisation."""
    from flows.stages.joining import JoiningError, return_application

    resources = open_resources()
    try:
        try:
            return_application(resources.ledger, application_id, note=note, decided_by=by)
        except JoiningError as error:
            raise fail(f"{application_id}: {_refusal(error)}") from None
    finally:
        resources.close()
    typer.echo(f"returned {application_id}")


def register(members_app: typer.Typer) -> None:
    """Add these commands to `junkan members`."""
    members_app.command("applications")(members_applications)
    members_app.command("approve")(members_approve)
    members_app.command("return")(members_return)

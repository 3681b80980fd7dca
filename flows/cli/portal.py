"""`junkan portal` serves the members' portal; `junkan members invite` prints a user's one-time link."""

from __future__ import annotations

from typing import Annotated

import typer

from flows.cli.common import fail


def portal(
    port: Annotated[int | None, typer.Option(help="Port (default JUNKAN_PORTAL_PORT, 8402)")] = None,
) -> None:
    """Serve the members' portal and its API on 127.0.0.1 (JUNKAN_PORTAL_HOST): Ctrl-C stops."""
    import uvicorn

    from flows.portal import create_app
    from flows.runtime import prepare_environment
    from infra.settings import get_settings

    settings = get_settings()
    if port is not None:
        settings = settings.model_copy(update={"portal_port": port})
    prepare_environment(settings)
    app = create_app(settings)
    typer.echo(
        f"members' portal on http://{settings.portal_host}:{settings.portal_port}/ "
        f"(API reference at /api/docs); Ctrl-C stops"
    )
    try:
        uvicorn.run(app, host=settings.portal_host, port=settings.portal_port, log_config=None, access_log=False)
    finally:
        app.state.runs.close()  # a `junkan run` the portal started stops with it, never left running alone


def _invite(email: str, member_id: str | None, created_by: str) -> None:
    from flows.cli.common import open_resources
    from infra.portal.accounts import AccountError, Accounts
    from infra.portal.i18n import translate

    resources = open_resources()
    try:
        accounts = Accounts(resources.ledger, resources.settings)
        try:
            user, token = accounts.invite(email, member_id=member_id, created_by=created_by)
        except AccountError as error:
            raise fail(f"{email}: {translate(error.code, 'en')}") from None
        link = accounts.invitation_link(token)
        hours = resources.settings.portal_invitation_hours
    finally:
        resources.close()
    whose = f"member {member_id}" if member_id else "the secretariat"
    typer.echo(f"invited {user.email} ({whose}); send them this one-time link (valid {hours:g} h):")
    typer.echo(link)


def members_invite(
    member: Annotated[str, typer.Argument(help="The member id the user works for")],
    email: Annotated[str, typer.Argument(help="The user's e-mail address")],
    by: Annotated[str, typer.Option("--by", help="Who invites, for the ledger")] = "secretariat",
) -> None:
    """Invite a member's user to the portal: prints a one-time link where the user sets a password."""
    _invite(email, member, by)


def members_invite_secretariat(
    email: Annotated[str, typer.Argument(help="The secretariat user's e-mail address")],
    by: Annotated[str, typer.Option("--by", help="Who invites, for the ledger")] = "secretariat",
) -> None:
    """Invite a secretariat user to the portal: prints a one-time link where the user sets a password."""
    _invite(email, None, by)


def register(app: typer.Typer) -> None:
    """Add `junkan portal` to the junkan app (the invitations join `junkan members`)."""
    app.command("portal")(portal)

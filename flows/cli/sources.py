"""`junkan sources …`: register members' own systems that the nightly run pulls from.

Registered on the main app by `flows.cli` (`register(app)`). Credentials are read from an environment
variable (never from the command line, where shell history and `ps` would keep them) and stored in a
Prefect Secret block; the ledger keeps only the block's name.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING, Annotated

import typer

from flows.cli.common import fail, open_resources

if TYPE_CHECKING:
    from infra.ledger import PullSource

sources_app = typer.Typer(help="Members' own systems (HTTP, SQL) the nightly run pulls from.", no_args_is_help=True)


def _from_environment(variable: str) -> str:
    value = os.environ.get(variable, "")
    if not value:
        raise fail(f"environment variable {variable} is not set or empty; export it first")
    return value


def _save_secret(name: str, value: str) -> None:
    """Save a Secret block on the configured Prefect server (JUNKAN_PREFECT_API_URL), else the local one."""
    from infra.access.prefect_secrets import save_prefect_secret
    from infra.settings import get_settings

    api_url = get_settings().prefect_api_url
    if api_url:
        os.environ["PREFECT_API_URL"] = api_url
    save_prefect_secret(name, value)


def _new_block_name(kind: str, member_id: str) -> str:
    """A fresh Prefect block name (lower-case letters, digits, dashes) for one source's secret."""
    return f"junkan-{kind}-{member_id.replace('_', '-')}-{uuid.uuid4().hex[:8]}"


def _describe(source: PullSource) -> str:
    from infra.redact import redact_url

    if source.kind == "http":
        assert source.url is not None
        where = redact_url(source.url)
    else:
        where = f"table {source.schema_name + '.' if source.schema_name else ''}{source.table_name}"
    secret = f"secret block {source.secret_block}" if source.secret_block else "no token"
    return f"{source.source_id}\t{source.member_id}\t{source.dataset}\t{source.kind}\t{where}\t{secret}"


@sources_app.command("add-http")
def add_http(
    member: Annotated[str, typer.Argument(help="Member id")],
    dataset: Annotated[str, typer.Option(help="flows, targets or progress")],
    url: Annotated[str, typer.Option(help="http(s) URL answering CSV, JSON Lines or a JSON array of objects")],
    token_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the bearer token (saved as a Secret block)")
    ] = None,
    token_block: Annotated[
        str | None, typer.Option(help="Name of an existing Prefect Secret block holding the bearer token")
    ] = None,
) -> None:
    """Pull a dataset from a member's HTTP endpoint every night."""
    from infra.ledger import check_http_url, check_secret_block
    from infra.storage.keys import check_dataset

    if token_env is not None and token_block is not None:
        raise fail("give at most one of --token-env and --token-block")
    try:
        check_dataset(dataset)
        check_http_url(url)
        if token_block is not None:
            check_secret_block(token_block)
    except ValueError as error:
        raise fail(str(error)) from None
    token = _from_environment(token_env) if token_env is not None else None
    resources = open_resources()
    try:
        if resources.ledger.get_member(member) is None:
            raise fail(f"member {member!r} is not registered; run: junkan members add {member} --kind … --name …")
        block = token_block
        if token is not None:
            block = _new_block_name("token", member)
            _save_secret(block, token)
        try:
            source = resources.ledger.add_source(
                member_id=member, dataset=dataset, kind="http", url=url, secret_block=block
            )
        except ValueError as error:
            raise fail(str(error)) from None
    finally:
        resources.close()
    typer.echo(f"added {_describe(source)}")


@sources_app.command("add-sql")
def add_sql(
    member: Annotated[str, typer.Argument(help="Member id")],
    dataset: Annotated[str, typer.Option(help="flows, targets or progress")],
    url_env: Annotated[
        str, typer.Option(help="Environment variable holding the SQLAlchemy URL (saved as a Secret block)")
    ],
    table: Annotated[str, typer.Option(help="Table or view with the dataset's columns")],
    schema: Annotated[str | None, typer.Option(help="Database schema of the table (default: the default one)")] = None,
) -> None:
    """Pull a dataset from a table in a member's database every night."""
    import sqlalchemy as sa

    from infra.ledger import check_table_name
    from infra.storage.keys import check_dataset

    url = _from_environment(url_env)
    try:
        sa.make_url(url)
    except Exception:  # noqa: BLE001 - the parser's message would quote the URL and its password
        raise fail(f"{url_env} does not hold a SQLAlchemy URL (dialect+driver://user:password@host/db)") from None
    try:
        check_dataset(dataset)
        check_table_name(table, what="table")
        if schema is not None:
            check_table_name(schema, what="schema")
    except ValueError as error:
        raise fail(str(error)) from None
    resources = open_resources()
    try:
        if resources.ledger.get_member(member) is None:
            raise fail(f"member {member!r} is not registered; run: junkan members add {member} --kind … --name …")
        block = _new_block_name("sql", member)
        _save_secret(block, url)
        try:
            source = resources.ledger.add_source(
                member_id=member, dataset=dataset, kind="sql", secret_block=block, table_name=table, schema_name=schema
            )
        except ValueError as error:
            raise fail(str(error)) from None
    finally:
        resources.close()
    typer.echo(f"added {_describe(source)}")


@sources_app.command("list")
def list_sources(
    member: Annotated[str | None, typer.Option(help="Only this member's sources")] = None,
) -> None:
    """Show registered sources: id, member, dataset, kind, where, secret block."""
    resources = open_resources()
    try:
        for source in resources.ledger.list_sources(member_id=member):
            typer.echo(_describe(source))
    finally:
        resources.close()


@sources_app.command("remove")
def remove(source_id: Annotated[str, typer.Argument(help="Source id, as `junkan sources list` shows it")]) -> None:
    """Stop pulling a source (its past submissions and Secret block are kept)."""
    resources = open_resources()
    try:
        removed = resources.ledger.remove_source(source_id)
    finally:
        resources.close()
    if not removed:
        raise fail(f"no source {source_id!r}; see junkan sources list")
    typer.echo(f"removed {source_id}")


def register(app: typer.Typer) -> None:
    """Add the `sources` sub-commands to the junkan app."""
    app.add_typer(sources_app, name="sources")

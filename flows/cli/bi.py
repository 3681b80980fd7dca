"""`junkan bi-access create | revoke`: read-only, mart-only logins for BI tools (Trino, DuckDB, pyiceberg, Polars)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer

from flows.cli.common import fail

if TYPE_CHECKING:
    from infra.access.bi_access import DatabaseRole
    from infra.access.minio_admin import UserGrant
    from infra.settings import Settings

NAME_HELP = "BI reader name: 2-31 lower-case letters, digits and -, e.g. superset"


def bi_access_create(
    name: Annotated[str, typer.Argument(help=NAME_HELP)],
    rotate_secret: Annotated[bool, typer.Option(help="Issue new secrets to an existing reader")] = False,
) -> None:
    """Create a database role that reads the Iceberg catalog only and, on MinIO, a user that reads warehouse/mart/ only.

    The secrets are printed once, here, for the operator to hand over; junkan stores and logs neither.
    """
    from infra.access.bi_access import BiAccessError, check_bi_name, create_database_role, provision_storage_reader
    from infra.access.minio_admin import AdminConnection, MinioAdminError
    from infra.settings import get_settings

    settings = get_settings()
    try:
        check_bi_name(name)
        role = create_database_role(
            settings.resolved_catalog_url,
            name,
            connection_limit=settings.bi_connection_limit,
            rotate_secret=rotate_secret,
        )
    except (ValueError, BiAccessError) as error:
        raise fail(str(error)) from None
    bucket = _bucket(settings)
    grant: UserGrant | None = None
    problem: str | None = None
    if bucket is not None:
        try:
            grant = provision_storage_reader(
                admin=AdminConnection.from_settings(settings), bucket=bucket, name=name, rotate_secret=rotate_secret
            )
        except MinioAdminError as error:
            problem = str(error)
    _print_role(role)
    if bucket is None:
        typer.echo(
            "storage is a local folder: there are no S3 keys to hand out; a reader of warehouse/mart/ needs "
            "operating-system read access to that folder only"
        )
    elif grant is not None:
        _print_grant(grant, bucket=bucket, settings=settings)
    if problem is not None:
        raise fail(f"{problem}; the database role above was made: fix MinIO and run this again with --rotate-secret")


def bi_access_revoke(name: Annotated[str, typer.Argument(help=NAME_HELP)]) -> None:
    """Remove a BI reader's database role and MinIO user (revoking twice is harmless)."""
    from infra.access.bi_access import BiAccessError, check_bi_name, drop_database_role, revoke_storage_reader
    from infra.access.minio_admin import AdminConnection, MinioAdminError
    from infra.settings import get_settings

    settings = get_settings()
    try:
        check_bi_name(name)
        dropped = drop_database_role(settings.resolved_catalog_url, name)
        removed = (
            revoke_storage_reader(admin=AdminConnection.from_settings(settings), name=name)
            if _bucket(settings) is not None
            else False
        )
    except (ValueError, BiAccessError, MinioAdminError) as error:
        raise fail(str(error)) from None
    typer.echo(f"database role: {'dropped' if dropped else 'was already absent'}")
    if _bucket(settings) is not None:
        typer.echo(f"MinIO user: {'removed' if removed else 'was already absent'}")


def _bucket(settings: Settings) -> str | None:
    """The bucket of an s3:// storage URL, None for local storage."""
    parts = urlsplit(settings.resolved_storage_url)
    return parts.netloc if parts.scheme == "s3" else None


def _print_role(role: DatabaseRole) -> None:
    version = role.catalog_schema_version
    typer.echo(
        f"database role {role.role} on {role.host}:{role.port}/{role.database} "
        f"({'created' if role.created else 'updated'}): SELECT on {role.catalog_schema}.iceberg_tables and "
        f"{role.catalog_schema}.iceberg_namespace_properties only, read-only transactions, "
        f"at most {role.connection_limit} connections (JUNKAN_BI_CONNECTION_LIMIT)"
    )
    typer.echo(f"catalog schema {version}: in Trino set iceberg.jdbc-catalog.schema-version={version.upper()}")
    if role.password is None:
        typer.echo("the database password was shown when the role was created; use --rotate-secret for a new one")
    else:
        # Shown once, on the operator's terminal only: never logged, never stored by junkan.
        typer.echo(
            f"database password (shown once, pass it to the BI reader securely): {role.password.get_secret_value()}"
        )


def _print_grant(grant: UserGrant, *, bucket: str, settings: Settings) -> None:
    typer.echo(
        f"S3 access key {grant.access_key} ({'created' if grant.created else 'updated'}): reads "
        f"s3://{bucket}/warehouse/mart/ only, at {settings.s3_endpoint}, region {settings.s3_region}"
    )
    if grant.secret_key is None:
        typer.echo("the S3 secret key was shown when the user was created; use --rotate-secret for a new one")
    else:
        typer.echo(
            f"S3 secret key (shown once, pass it to the BI reader securely): {grant.secret_key.get_secret_value()}"
        )


def register(app: typer.Typer) -> None:
    """Add these commands to the junkan app."""
    bi_app = typer.Typer(help="Read-only, mart-only access for BI tools.", no_args_is_help=True)
    bi_app.command("create")(bi_access_create)
    bi_app.command("revoke")(bi_access_revoke)
    app.add_typer(bi_app, name="bi-access")

"""Read-only, mart-only BI access: a database role reading the Iceberg catalog only, a MinIO user reading marts only.

The MinIO user's policy allows reading `warehouse/mart/` and nothing else. The catalog rows of `core.*` stay
visible to the role (table names and file paths, not data), but the files behind them are not readable with the
BI keys, so every reader is refused on `core.*` by the object store.
The role is granted SELECT on pyiceberg's two catalog tables only, is read-only by default
(`default_transaction_read_only`), may hold a few connections only (`CONNECTION LIMIT`), and its privileges are
checked against every table, view and sequence of the database before the transaction commits: anything more (a
grant to PUBLIC, default privileges) refuses the whole creation. PostgreSQL grants every role, through PUBLIC,
temporary tables in each database and a connection to the maintenance databases; those grants are revoked from
PUBLIC (the owners keep theirs) and checked too. SQLite has no roles, so it is refused with what to do instead.

Passwords are generated here, sent to PostgreSQL only as the SCRAM-SHA-256 verifier libpq computes (so the plain
text never reaches the server, its logs or `pg_authid`) and returned once as `SecretStr`.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Final

import psycopg
import sqlalchemy as sa
from psycopg import sql
from pydantic import SecretStr

from infra.access.minio_admin import AdminConnection, UserGrant, provision_user, revoke_user
from infra.storage import WAREHOUSE

logger = logging.getLogger(__name__)

MART_PREFIX: Final = f"{WAREHOUSE}/mart/"
CATALOG_TABLES: Final = ("iceberg_tables", "iceberg_namespace_properties")
ROLE_PREFIX: Final = "junkan_bi_"
ACCESS_KEY_PREFIX: Final = "bi-"
POLICY_PREFIX: Final = "junkan-bi-"
PASSWORD_BYTES: Final = 30
# Databases every cluster has and every role may connect to through PUBLIC: a BI role has nothing to do there, and
# a session in template1 makes every CREATE DATABASE fail.
MAINTENANCE_DATABASES: Final = ("postgres", "template1")
_NAME: Final = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
_TABLE_PRIVILEGES: Final = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")

# Every table, view, materialised view and sequence outside the system schemas with a privilege the role holds.
_HELD_PRIVILEGES: Final = """
SELECT n.nspname AS schema_name, c.relname AS table_name, p.privilege
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
CROSS JOIN unnest(%(privileges)s::text[]) AS p(privilege)
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%%'
  AND has_table_privilege(%(role)s, c.oid, p.privilege)
UNION ALL
SELECT n.nspname, c.relname, p.privilege
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
CROSS JOIN unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) AS p(privilege)
WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND has_sequence_privilege(%(role)s, c.oid, p.privilege)
UNION ALL
SELECT n.nspname, '', 'CREATE'
FROM pg_namespace AS n
WHERE n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema'
  AND has_schema_privilege(%(role)s, n.oid, 'CREATE')
UNION ALL
SELECT current_database(), '', p.privilege
FROM unnest(ARRAY['CREATE', 'TEMPORARY']) AS p(privilege)
WHERE has_database_privilege(%(role)s, current_database(), p.privilege)
UNION ALL
SELECT d.datname, '', 'CONNECT'
FROM pg_database AS d
WHERE d.datname = ANY(%(maintenance)s::text[]) AND d.datname <> current_database()
  AND has_database_privilege(%(role)s, d.oid, 'CONNECT')
"""
_MAINTENANCE_PRESENT: Final = """
SELECT datname FROM pg_database WHERE datname = ANY(%(names)s::text[]) AND datname <> current_database()
"""
_CATALOG_SCHEMA: Final = """
SELECT n.nspname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass(%(table)s)
"""
_HAS_ICEBERG_TYPE: Final = """
SELECT 1 FROM information_schema.columns
WHERE table_schema = %(schema)s AND table_name = 'iceberg_tables' AND column_name = 'iceberg_type'
"""
_ROLE_EXISTS: Final = "SELECT 1 FROM pg_roles WHERE rolname = %(role)s"


class BiAccessError(RuntimeError):
    """BI access could not be set up; the message says why and what to do."""


@dataclass(frozen=True)
class DatabaseRole:
    """The BI reader's catalog login; `password` is None when an existing role kept its password."""

    role: str
    password: SecretStr | None = field(repr=False)
    database: str
    host: str
    port: int
    catalog_schema: str
    catalog_schema_version: str
    connection_limit: int
    created: bool


@dataclass(frozen=True)
class BiAccess:
    """What a BI reader is handed: a catalog login and, on S3, object-store keys for `warehouse/mart/`."""

    name: str
    database: DatabaseRole
    storage: UserGrant | None
    bucket: str | None


def check_bi_name(name: str) -> str:
    """The name of a BI reader: 2-31 lower-case letters, digits and '-', starting with a letter.

    Examples:
        >>> check_bi_name("superset")
        'superset'
        >>> check_bi_name("Superset")
        Traceback (most recent call last):
        ...
        ValueError: BI reader name 'Superset' must be 2-31 lower-case letters, digits or '-', starting with a letter

    """
    if not _NAME.fullmatch(name):
        msg = f"BI reader name {name!r} must be 2-31 lower-case letters, digits or '-', starting with a letter"
        raise ValueError(msg)
    return name


def bi_role_name(name: str) -> str:
    """PostgreSQL role of a BI reader ('-' becomes '_' so the role needs no quoting in a BI tool's settings).

    Examples:
        >>> bi_role_name("city-dashboard")
        'junkan_bi_city_dashboard'

    """
    return ROLE_PREFIX + check_bi_name(name).replace("-", "_")


def bi_access_key(name: str) -> str:
    """MinIO access key of a BI reader.

    Examples:
        >>> bi_access_key("superset")
        'bi-superset'

    """
    return ACCESS_KEY_PREFIX + check_bi_name(name)


def bi_policy_name(name: str) -> str:
    """MinIO policy of a BI reader.

    Examples:
        >>> bi_policy_name("superset")
        'junkan-bi-superset'

    """
    return POLICY_PREFIX + check_bi_name(name)


def bi_policy(*, bucket: str) -> dict[str, Any]:
    """IAM policy: get and list under `warehouse/mart/`, nothing else (no core, inbox, reports, writes or deletes)."""
    bucket_arn = f"arn:aws:s3:::{bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            # S3 clients ask for the bucket's region before anything else; it reveals nothing else.
            {"Sid": "BucketRegion", "Effect": "Allow", "Action": ["s3:GetBucketLocation"], "Resource": [bucket_arn]},
            {
                "Sid": "ListMart",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [bucket_arn],
                "Condition": {"StringLike": {"s3:prefix": [f"{MART_PREFIX}*"]}},
            },
            {
                "Sid": "ReadMart",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [f"{bucket_arn}/{MART_PREFIX}*"],
            },
        ],
    }


def create_database_role(
    catalog_url: str, name: str, *, connection_limit: int, rotate_secret: bool = False
) -> DatabaseRole:
    """Create (or update) the BI reader's role: SELECT on the catalog tables only, checked, in one transaction.

    A new password for a new role or when rotating; an existing role keeps its password otherwise.
    `connection_limit` (JUNKAN_BI_CONNECTION_LIMIT) is how many sessions the role may hold at once.
    """
    if connection_limit < 1:  # PostgreSQL reads -1 as unlimited and 0 as never
        msg = f"a BI reader needs a connection limit of at least 1, not {connection_limit}"
        raise ValueError(msg)
    role = bi_role_name(name)
    url = _postgresql_url(catalog_url)
    password: SecretStr | None = None
    try:
        with psycopg.connect(_libpq(url)) as connection, connection.transaction():
            schema = _catalog_schema(connection)
            existed = connection.execute(_ROLE_EXISTS, {"role": role}).fetchone() is not None
            if not existed or rotate_secret:
                password = SecretStr(secrets.token_urlsafe(PASSWORD_BYTES))
                verifier = sql.Literal(_scram_verifier(connection, role=role, password=password))
                statement = (
                    "ALTER ROLE {} WITH LOGIN PASSWORD {}" if existed else "CREATE ROLE {} WITH LOGIN PASSWORD {}"
                )
                connection.execute(sql.SQL(statement).format(sql.Identifier(role), verifier))
            _confine(connection, role=role, schema=schema, connection_limit=connection_limit)
            _check_only_catalog(connection, role=role, schema=schema)
            has_type = connection.execute(_HAS_ICEBERG_TYPE, {"schema": schema}).fetchone() is not None
            database = str(connection.execute("SELECT current_database()").fetchone()[0])  # type: ignore[index]
    except psycopg.errors.InsufficientPrivilege as error:
        msg = (
            f"the catalog's database user {url.username!r} may not create roles or grant on the catalog tables "
            f"({error.diag.message_primary}); run `junkan bi-access create` with the catalog owner's URL "
            "(JUNKAN_CATALOG_URL), a user with CREATEROLE"
        )
        raise BiAccessError(msg) from None
    except psycopg.OperationalError as error:
        msg = f"could not reach the catalog database at {url.render_as_string(hide_password=True)}: {error}"
        raise BiAccessError(msg) from None
    logger.info("BI reader %s: PostgreSQL role %s %s", name, role, "updated" if existed else "created")
    return DatabaseRole(
        role=role,
        password=password,
        database=database,
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        catalog_schema=schema,
        catalog_schema_version="v1" if has_type else "v0",
        connection_limit=connection_limit,
        created=not existed,
    )


def drop_database_role(catalog_url: str, name: str) -> bool:
    """Drop the BI reader's role and every privilege it holds here; True when it existed."""
    role = bi_role_name(name)
    url = _postgresql_url(catalog_url)
    with psycopg.connect(_libpq(url)) as connection, connection.transaction():
        if connection.execute(_ROLE_EXISTS, {"role": role}).fetchone() is None:
            return False
        # Revokes its grants in this database and on the database itself; a grant in another database would make
        # DROP ROLE fail, naming it.
        connection.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        connection.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    logger.info("BI reader %s: PostgreSQL role %s dropped", name, role)
    return True


def held_privileges(connection: psycopg.Connection[Any], role: str) -> set[tuple[str, str, str]]:
    """(schema, table, privilege) for every privilege `role` holds on this database's own objects.

    Privileges on a database itself are (database, '', privilege): this one's, and CONNECT to the maintenance ones.
    """
    parameters = {"role": role, "privileges": list(_TABLE_PRIVILEGES), "maintenance": list(MAINTENANCE_DATABASES)}
    rows = connection.execute(_HELD_PRIVILEGES, parameters).fetchall()
    return {(str(schema), str(table), str(privilege)) for schema, table, privilege in rows}


def provision_storage_reader(
    *, admin: AdminConnection, bucket: str, name: str, rotate_secret: bool = False
) -> UserGrant:
    """The BI reader's MinIO user, allowed to read `warehouse/mart/` of `bucket` only."""
    grant = provision_user(
        admin=admin,
        bucket=bucket,
        access_key=bi_access_key(name),
        policy_name=bi_policy_name(name),
        policy=bi_policy(bucket=bucket),
        rotate_secret=rotate_secret,
    )
    logger.info("BI reader %s: MinIO user %s %s", name, grant.access_key, "created" if grant.created else "updated")
    return grant


def revoke_storage_reader(*, admin: AdminConnection, name: str) -> bool:
    """Remove the BI reader's MinIO user and policy; True when something existed."""
    return revoke_user(admin=admin, access_key=bi_access_key(name), policy_name=bi_policy_name(name))


def _scram_verifier(connection: psycopg.Connection[Any], *, role: str, password: SecretStr) -> str:
    """The SCRAM-SHA-256 verifier of `password`, computed by libpq on this side of the connection."""
    verifier = connection.pgconn.encrypt_password(password.get_secret_value().encode(), role.encode(), b"scram-sha-256")
    return verifier.decode("ascii")


def _confine(connection: psycopg.Connection[Any], *, role: str, schema: str, connection_limit: int) -> None:
    """Role attributes and grants: log in a few times at once, read the two catalog tables, nothing else."""
    ident = sql.Identifier(role)
    connection.execute(
        sql.SQL(
            "ALTER ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS "
            "CONNECTION LIMIT {}"
        ).format(ident, sql.Literal(connection_limit))
    )
    # A second guard besides the grants: every transaction of the role starts read-only.
    connection.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(ident))
    database = sql.Identifier(str(connection.execute("SELECT current_database()").fetchone()[0]))  # type: ignore[index]
    connection.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, ident))
    # TEMPORARY comes to every role through PUBLIC, so it is revoked there: the database's owner keeps it (an
    # owner's rights are its own), and so does every role granted it by name. Without the right to revoke (the
    # owner or a superuser may), REVOKE only warns, and _check_only_catalog refuses.
    connection.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(database))
    connection.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM {}").format(database, ident))
    present = connection.execute(_MAINTENANCE_PRESENT, {"names": list(MAINTENANCE_DATABASES)}).fetchall()
    for (maintenance,) in present:
        connection.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(sql.Identifier(maintenance)))
    connection.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), ident))
    for table in CATALOG_TABLES:
        connection.execute(sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(sql.Identifier(schema, table), ident))


def _check_only_catalog(connection: psycopg.Connection[Any], *, role: str, schema: str) -> None:
    """Refuse (and so roll back) unless the role holds exactly SELECT on the catalog tables."""
    held = held_privileges(connection, role)
    wanted = {(schema, table, "SELECT") for table in CATALOG_TABLES}
    extra = sorted(held - wanted)
    if extra:
        shown = ", ".join(
            f"{privilege} on {schema_name}.{table}".rstrip(".") for schema_name, table, privilege in extra[:5]
        )
        msg = (
            f"role {role} would be allowed more than reading the catalog tables: {shown}"
            f"{' …' if len(extra) > 5 else ''}; such rights come from grants to PUBLIC or default "
            "privileges: revoke them (before PostgreSQL 15, PUBLIC may create in schema public; PUBLIC may connect to "
            f"{' and '.join(MAINTENANCE_DATABASES)} and create temporary tables, which only their owners or a "
            "superuser may revoke) and run this again; nothing was changed"
        )
        raise BiAccessError(msg)
    missing = sorted(wanted - held)
    if missing:
        msg = f"role {role} did not get SELECT on {', '.join(f'{s}.{t}' for s, t, _ in missing)}"
        raise BiAccessError(msg)


def _catalog_schema(connection: psycopg.Connection[Any]) -> str:
    """The schema holding pyiceberg's catalog tables (as the catalog URL's search path finds them)."""
    found = connection.execute(_CATALOG_SCHEMA, {"table": CATALOG_TABLES[0]}).fetchone()
    if found is None:
        msg = (
            f"the catalog database has no {CATALOG_TABLES[0]} table yet; publish once (e.g. `junkan run`) "
            "so the Iceberg catalog exists, then create BI access"
        )
        raise BiAccessError(msg)
    return str(found[0])


def _postgresql_url(catalog_url: str) -> sa.URL:
    """The catalog URL, refused unless it is PostgreSQL (SQLite has no roles to confine a reader)."""
    url = sa.make_url(catalog_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        msg = (
            "the Iceberg catalog is SQLite, which has no users or roles: anyone who can open the file can change it. "
            "Put the catalog on PostgreSQL (JUNKAN_CATALOG_URL or JUNKAN_DATABASE_URL=postgresql+psycopg://…) to "
            "hand out read-only BI access, or give BI tools `junkan export` copies of the marts instead"
        )
        raise BiAccessError(msg)
    if backend != "postgresql":
        msg = f"BI access needs the catalog on PostgreSQL, not {backend} ({url.render_as_string(hide_password=True)})"
        raise BiAccessError(msg)
    return url


def _libpq(url: sa.URL) -> str:
    """A SQLAlchemy PostgreSQL URL as the libpq URL psycopg takes."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)

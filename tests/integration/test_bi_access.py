"""`junkan bi-access create` against real MinIO and PostgreSQL: the BI login reads mart.* and is refused on core.*.

The credentials are taken from what the command prints (the one time it shows them), then used the way the
README's BI section tells a BI tool to: pyiceberg and Polars through `SqlCatalog` with `s3.*` properties, DuckDB
offline with the extension wheels, plain S3 and plain SQL for what must be refused. The README's own blocks are
run by tests/integration/test_readme_bi.py.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
import pytest
from minio import Minio
from minio.error import S3Error
from polars.testing import assert_frame_equal
from psycopg import sql
from pyiceberg.catalog.sql import SqlCatalog
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from flows import cli
from infra.access.bi_access import BiAccessError, create_database_role, drop_database_role, held_privileges
from schemas.tables import TABLES
from tests.bi_sample import CORE_MEMBER, INDICATOR, publish_sample_on_s3, shown_secrets
from tests.integration.conftest import MinioServer

pytestmark = pytest.mark.integration

NAME = "dashboard"
ROLE = "junkan_bi_dashboard"
ACCESS_KEY = "bi-dashboard"
CONNECTION_LIMIT = 4  # not the default 10: shows JUNKAN_BI_CONNECTION_LIMIT reaches the role


@dataclass(frozen=True)
class World:
    """A published warehouse on its own bucket and database, and the BI reader's credentials for it."""

    bucket: str
    database_url: str  # the owner's
    endpoint: str
    root: Minio
    role_password: str
    s3_secret: str
    output: str
    env: dict[str, str]

    @property
    def reader_url(self) -> str:
        """The catalog URL as the BI reader configures it: the same database, the BI role."""
        url = make_url(self.database_url).set(username=ROLE, password=self.role_password)
        return url.render_as_string(hide_password=False)

    def s3_properties(self) -> dict[str, str]:
        return {
            "s3.endpoint": f"http://{self.endpoint}",
            "s3.access-key-id": ACCESS_KEY,
            "s3.secret-access-key": self.s3_secret,
            "s3.region": "us-east-1",
            "s3.path-style-access": "true",
        }

    @contextmanager
    def reader_catalog(self) -> Iterator[SqlCatalog]:
        """pyiceberg's SqlCatalog exactly as the README writes it; its connections closed after."""
        catalog = SqlCatalog("junkan", uri=self.reader_url, init_catalog_tables="false", **self.s3_properties())
        try:
            yield catalog
        finally:
            catalog.engine.dispose()

    def reader_s3(self) -> Minio:
        return Minio(self.endpoint, access_key=ACCESS_KEY, secret_key=self.s3_secret, secure=False)


def _env(minio_server: MinioServer, bucket: str, database_url: str, home: str) -> dict[str, str]:
    return {
        "JUNKAN_HOME": home,
        "JUNKAN_STORAGE_URL": f"s3://{bucket}",
        "JUNKAN_S3_ENDPOINT": minio_server.endpoint,
        "JUNKAN_S3_ACCESS_KEY": minio_server.access_key,
        "JUNKAN_S3_SECRET_KEY": minio_server.secret_key,
        "JUNKAN_DATABASE_URL": database_url,
        "JUNKAN_BI_CONNECTION_LIMIT": str(CONNECTION_LIMIT),
    }


@pytest.fixture(scope="module")
def world(
    minio_server: MinioServer, module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    bucket = f"bi-{secrets.token_hex(5)}"
    publish_sample_on_s3(
        catalog_url=module_database_url,
        bucket=bucket,
        endpoint=minio_server.endpoint,
        access_key=minio_server.access_key,
        secret_key=minio_server.secret_key,
    )
    env = _env(minio_server, bucket, module_database_url, str(tmp_path_factory.mktemp("bi-home")))
    result = CliRunner().invoke(cli.app, ["bi-access", "create", NAME], env=env)
    assert result.exit_code == 0, result.output
    role_password, s3_secret = shown_secrets(result.output)
    root = Minio(minio_server.endpoint, minio_server.access_key, minio_server.secret_key, secure=False)
    yield World(bucket, module_database_url, minio_server.endpoint, root, role_password, s3_secret, result.output, env)
    CliRunner().invoke(cli.app, ["bi-access", "revoke", NAME], env=env)


def _connect(sqlalchemy_url: str) -> psycopg.Connection[Any]:
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def _owner(world: World) -> psycopg.Connection[Any]:
    return _connect(world.database_url)


def _reader(world: World, *, database: str | None = None) -> psycopg.Connection[Any]:
    url = make_url(world.reader_url)
    if database is not None:
        url = url.set(database=database)
    return _connect(url.render_as_string(hide_password=False))


def _keys(world: World, prefix: str) -> list[str]:
    found = world.root.list_objects(world.bucket, prefix=prefix, recursive=True)
    return [item.object_name or "" for item in found]


def test_the_command_names_what_it_made(world: World) -> None:
    assert f"database role {ROLE} on " in world.output
    assert f"at most {CONNECTION_LIMIT} connections (JUNKAN_BI_CONNECTION_LIMIT)" in world.output
    assert "catalog schema v1: in Trino set iceberg.jdbc-catalog.schema-version=V1" in world.output
    assert f"S3 access key {ACCESS_KEY} (created): reads s3://{world.bucket}/warehouse/mart/ only" in world.output
    assert len(world.role_password) == 40  # token_urlsafe(30)
    assert len(world.s3_secret) == 40


def test_postgresql_holds_only_a_scram_verifier_of_the_password(world: World) -> None:
    with _owner(world) as owner:  # the test cluster's owner is a superuser and may read pg_authid
        row = owner.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (ROLE,)).fetchone()
    assert row is not None
    assert row[0].startswith("SCRAM-SHA-256$4096:")
    assert world.role_password not in row[0]


def test_pyiceberg_reads_mart_indicators_with_the_bi_login(world: World) -> None:
    with world.reader_catalog() as catalog:
        frame = pl.from_arrow(catalog.load_table("mart.indicators").scan().to_arrow())
    assert isinstance(frame, pl.DataFrame)
    expected = pl.DataFrame([INDICATOR], schema=TABLES["mart.indicators"])
    assert_frame_equal(frame.select(expected.columns), expected, check_dtypes=False)


def test_polars_scans_mart_indicators_with_the_bi_login(world: World) -> None:
    with world.reader_catalog() as catalog:
        table = catalog.load_table("mart.indicators")
        rates = pl.scan_iceberg(table, reader_override="pyiceberg").select("material", "input_cyclical_use_rate")
        assert rates.collect().rows() == [("plastics", 0.4)]


def test_pyiceberg_is_refused_on_core_flows(world: World) -> None:
    with world.reader_catalog() as catalog, pytest.raises(OSError, match=r"(?i)access.?denied|forbidden"):
        catalog.load_table("core.flows")


def test_core_data_files_are_not_readable_with_the_bi_keys(world: World) -> None:
    core_files = [key for key in _keys(world, "warehouse/core/flows/") if key.endswith(".parquet")]
    assert core_files, "the sample published no core.flows data file"
    reader = world.reader_s3()
    for key in (core_files[0], *[key for key in _keys(world, "warehouse/core/flows/metadata/")][:1]):
        with pytest.raises(S3Error) as refused:
            reader.stat_object(world.bucket, key)
        assert refused.value.code in ("AccessDenied", "Forbidden"), key
    with pytest.raises(S3Error, match="Access Denied"):
        list(reader.list_objects(world.bucket, prefix="warehouse/core/", recursive=True))


def test_pyiceberg_is_refused_on_the_drafts_and_their_files(world: World) -> None:
    # The drafts are what the next release would publish: the secretariat's, until it releases them.
    assert _keys(world, "warehouse/draft/indicators/metadata/"), "the sample's warehouse has no draft.indicators"
    with world.reader_catalog() as catalog, pytest.raises(OSError, match=r"(?i)access.?denied|forbidden"):
        catalog.load_table("draft.indicators")
    with pytest.raises(S3Error, match="Access Denied"):
        list(world.reader_s3().list_objects(world.bucket, prefix="warehouse/draft/", recursive=True))


def test_the_bi_keys_cannot_write_or_delete_in_mart(world: World) -> None:
    reader = world.reader_s3()
    mart_file = next(key for key in _keys(world, "warehouse/mart/indicators/") if key.endswith(".parquet"))
    assert reader.stat_object(world.bucket, mart_file).size  # reading is allowed
    with pytest.raises(S3Error, match="Access Denied"):
        reader.put_object(world.bucket, "warehouse/mart/indicators/data/evil.parquet", io.BytesIO(b"x"), 1)
    with pytest.raises(S3Error, match="Access Denied"):
        reader.remove_object(world.bucket, mart_file)
    assert world.root.stat_object(world.bucket, mart_file).size


def test_the_role_reads_the_catalog_tables_and_nothing_else(world: World) -> None:
    with _owner(world) as owner:
        owner.execute("CREATE TABLE IF NOT EXISTS ledger_probe (member_id text)")
        owner.execute("INSERT INTO ledger_probe VALUES (%s)", (CORE_MEMBER,))
        assert held_privileges(owner, ROLE) == {
            ("public", "iceberg_tables", "SELECT"),
            ("public", "iceberg_namespace_properties", "SELECT"),
        }
    with _reader(world) as reader:
        namespaces = reader.execute("SELECT DISTINCT table_namespace FROM iceberg_tables ORDER BY 1").fetchall()
        # The catalog rows of core.* and of the drafts are listed; their files are not readable (the tests above).
        assert namespaces == [("core",), ("draft",), ("mart",)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("SELECT * FROM ledger_probe")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            reader.execute("DELETE FROM iceberg_tables")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            reader.execute("CREATE TABLE evil (x int)")
        reader.execute("SET default_transaction_read_only = off")  # the grants hold without the read-only guard
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("DELETE FROM iceberg_tables")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("CREATE TABLE evil (x int)")


def test_the_role_cannot_create_temporary_tables(world: World) -> None:
    # PostgreSQL gives TEMPORARY to PUBLIC on every database; the read-only default is the role's to turn off.
    with _reader(world) as reader:
        reader.execute("SET default_transaction_read_only = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="temporary tables"):
            reader.execute("CREATE TEMP TABLE scratch (x int)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="temporary tables"):
            reader.execute("CREATE TEMPORARY TABLE scratch AS SELECT * FROM iceberg_tables")
    database = make_url(world.database_url).database
    with _owner(world) as owner:
        granted = owner.execute("SELECT has_database_privilege(%s, %s, 'TEMPORARY')", (ROLE, database)).fetchone()
    assert granted == (False,)


@pytest.mark.parametrize("database", ["postgres", "template1"])
def test_the_role_cannot_connect_to_the_maintenance_databases(world: World, database: str) -> None:
    with pytest.raises(psycopg.OperationalError, match=f'permission denied for database "{database}"'):
        _reader(world, database=database).close()


def test_the_role_holds_at_most_the_configured_connections(world: World) -> None:
    with _owner(world) as owner:
        row = owner.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone()
    assert row == (CONNECTION_LIMIT,)
    held = [_reader(world) for _ in range(CONNECTION_LIMIT)]
    try:
        with pytest.raises(psycopg.OperationalError, match=f'too many connections for role "{ROLE}"'):
            _reader(world).close()
    finally:
        for connection in held:
            connection.close()
    _reader(world).close()  # a closed session frees its place


def test_the_catalog_databases_owner_keeps_temporary_tables(world: World) -> None:
    """Revoking TEMPORARY from PUBLIC leaves the owner its own: the ledger may still use temporary tables."""
    database = f"t_owned_{secrets.token_hex(4)}"
    with _owner(world) as owner:
        owner.execute("CREATE ROLE catalog_owner_probe NOLOGIN")
        owner.execute("CREATE ROLE bystander_probe NOLOGIN")
        owner.execute(sql.SQL("CREATE DATABASE {} OWNER catalog_owner_probe").format(sql.Identifier(database)))
    owned_url = make_url(world.database_url).set(database=database).render_as_string(hide_password=False)
    try:
        with _connect(owned_url) as catalog:  # as the superuser: the owner need not log in
            catalog.execute("CREATE TABLE iceberg_tables (catalog_name text)")
            catalog.execute("CREATE TABLE iceberg_namespace_properties (catalog_name text)")
        role = create_database_role(owned_url, "owned-probe", connection_limit=1)
        assert role.connection_limit == 1
        with _owner(world) as owner:
            temporary = {
                who: owner.execute("SELECT has_database_privilege(%s, %s, 'TEMPORARY')", (who, database)).fetchone()
                for who in ("catalog_owner_probe", "bystander_probe", role.role)
            }
        # The owner keeps it; a role that relied on PUBLIC loses it, as the BI role does.
        assert temporary == {"catalog_owner_probe": (True,), "bystander_probe": (False,), role.role: (False,)}
        assert drop_database_role(owned_url, "owned-probe")
    finally:
        with _owner(world) as owner:
            owner.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            owner.execute("DROP ROLE IF EXISTS catalog_owner_probe")
            owner.execute("DROP ROLE IF EXISTS bystander_probe")


def test_duckdb_reads_mart_offline_from_the_catalogs_metadata_location(world: World) -> None:
    import duckdb
    import duckdb_extension_avro
    import duckdb_extension_httpfs
    import duckdb_extension_iceberg

    with _reader(world) as reader:
        locations = dict(
            reader.execute(
                "SELECT table_namespace || '.' || table_name, metadata_location FROM iceberg_tables"
            ).fetchall()
        )
    connection = duckdb.connect()
    connection.execute("SET autoinstall_known_extensions = false")
    connection.execute("SET autoload_known_extensions = false")
    for package in (duckdb_extension_httpfs, duckdb_extension_avro, duckdb_extension_iceberg):
        connection.load_extension(str(next(Path(package.__path__[0]).rglob("*.duckdb_extension"))))
    connection.execute(
        "CREATE SECRET bi (TYPE s3, KEY_ID ?, SECRET ?, ENDPOINT ?, REGION 'us-east-1', URL_STYLE 'path', "
        "USE_SSL false)",
        [ACCESS_KEY, world.s3_secret, world.endpoint],
    )
    rows = connection.execute(
        "SELECT material, input_cyclical_use_rate FROM iceberg_scan(?)", [locations["mart.indicators"]]
    ).fetchall()
    assert rows == [("plastics", 0.4)]
    with pytest.raises(duckdb.Error, match=r"(?i)403|forbidden|access.?denied"):
        connection.execute("SELECT count(*) FROM iceberg_scan(?)", [locations["core.flows"]]).fetchall()


def test_creating_again_keeps_the_secrets_and_rotating_replaces_them(world: World) -> None:
    again = CliRunner().invoke(cli.app, ["bi-access", "create", NAME], env=world.env)
    assert again.exit_code == 0, again.output
    assert world.role_password not in again.output
    assert world.s3_secret not in again.output
    assert "use --rotate-secret" in again.output
    with _reader(world) as reader:  # the old password still works
        assert reader.execute("SELECT count(*) FROM iceberg_tables").fetchone() is not None


def test_a_public_grant_refuses_the_creation_and_leaves_no_role(world: World) -> None:
    with _owner(world) as owner:
        owner.execute("CREATE TABLE IF NOT EXISTS open_to_all (x int)")
        owner.execute("GRANT SELECT ON open_to_all TO PUBLIC")
        try:
            with pytest.raises(BiAccessError, match=r"SELECT on public\.open_to_all"):
                create_database_role(world.database_url, "leaky", connection_limit=CONNECTION_LIMIT)
            assert owner.execute("SELECT 1 FROM pg_roles WHERE rolname = 'junkan_bi_leaky'").fetchone() is None
        finally:
            owner.execute("DROP TABLE open_to_all")


def test_revoke_removes_the_role_and_the_user(world: World) -> None:
    env = world.env
    created = CliRunner().invoke(cli.app, ["bi-access", "create", "short-lived"], env=env)
    assert created.exit_code == 0, created.output
    revoked = CliRunner().invoke(cli.app, ["bi-access", "revoke", "short-lived"], env=env)
    assert revoked.exit_code == 0, revoked.output
    assert "database role: dropped" in revoked.output
    assert "MinIO user: removed" in revoked.output
    with _owner(world) as owner:
        assert owner.execute("SELECT 1 FROM pg_roles WHERE rolname = 'junkan_bi_short_lived'").fetchone() is None
    again = CliRunner().invoke(cli.app, ["bi-access", "revoke", "short-lived"], env=env)
    assert "database role: was already absent" in again.output

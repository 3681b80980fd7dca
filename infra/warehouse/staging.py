"""A release's writes to the public tables, made where no reader looks and switched in all at once.

pyiceberg commits one table at a time; a release writes a dozen. Readers find a table through its catalog row
(`iceberg_tables.metadata_location`), so a release registers each public table a second time under a staging
catalog name, commits its writes, tags and expiries there (new metadata files, the public rows untouched), and
then points every public row at its staged metadata in one SQL transaction. A release killed before that
transaction changes nothing public; the next release drops the leftover staging rows and starts again.

After the switch, the files no live snapshot of a public table reaches any more (metadata of expired snapshots,
their manifests and data files) are deleted, so that an S3 reader cannot open an old `metadata.json` and time
travel to a state that was never released.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final
from urllib.parse import unquote

import sqlalchemy as sa
from pyiceberg.catalog import Catalog
from pyiceberg.catalog.sql import IcebergTables, SqlCatalog
from pyiceberg.table import Table

from infra.storage import WAREHOUSE, Storage
from infra.warehouse import Warehouse

logger = logging.getLogger(__name__)

STAGING_CATALOG: Final = "junkan-release-staging"


class ReleaseConflictError(RuntimeError):
    """A public table changed while a release was staged (another release): nothing was switched."""


def _engine(catalog: Catalog) -> sa.Engine:
    engine = getattr(catalog, "engine", None)
    if not isinstance(engine, sa.Engine):
        msg = "releases need the SQL catalog"
        raise TypeError(msg)
    return engine


@contextmanager
def staged(warehouse: Warehouse, tables: Sequence[str]) -> Iterator[Warehouse]:
    """A warehouse whose `tables` are staged copies of the public ones; switched in when the block ends cleanly.

    Writes to other tables through the staged warehouse are refused. Leftovers of a release that died are
    dropped first.
    """
    catalog = warehouse.catalog
    staging = SqlCatalog(STAGING_CATALOG, **catalog.properties)
    try:
        _drop_leftovers(staging)
        originals: dict[str, str] = {}
        for name in tables:
            live = catalog.load_table(name)
            namespace = Catalog.namespace_to_string(Catalog.namespace_from(name))
            staging.create_namespace_if_not_exists(namespace)
            staging.register_table(name, live.metadata_location)
            originals[name] = live.metadata_location
        yield Warehouse(staging)
        _switch(_engine(catalog), catalog.name, originals)
    finally:
        _drop_leftovers(staging)
        _engine(staging).dispose()


def _drop_leftovers(staging: SqlCatalog) -> None:
    """Forget the staging rows (the files they point at are a release's, written under the public tables)."""
    with _engine(staging).begin() as connection:
        connection.execute(sa.delete(IcebergTables).where(IcebergTables.catalog_name == STAGING_CATALOG))


def _switch(engine: sa.Engine, catalog_name: str, originals: dict[str, str]) -> None:
    """Point every public table at its staged metadata, in one transaction, or none if one changed meanwhile."""
    with engine.begin() as connection:
        for name, original in sorted(originals.items()):
            namespace, _, table_name = name.rpartition(".")
            staged_location = connection.execute(
                sa.select(IcebergTables.metadata_location).where(
                    IcebergTables.catalog_name == STAGING_CATALOG,
                    IcebergTables.table_namespace == namespace,
                    IcebergTables.table_name == table_name,
                )
            ).scalar_one()
            if staged_location == original:
                continue
            switched = connection.execute(
                sa.update(IcebergTables)
                .where(
                    IcebergTables.catalog_name == catalog_name,
                    IcebergTables.table_namespace == namespace,
                    IcebergTables.table_name == table_name,
                    IcebergTables.metadata_location == original,
                )
                .values(metadata_location=staged_location, previous_metadata_location=original)
            )
            if switched.rowcount != 1:
                msg = f"{name} changed while this release was staged (another release?); nothing was released"
                raise ReleaseConflictError(msg)
    logger.info("released %d tables in one catalog transaction", len(originals))


def tag_and_expire(table: Table, tags: Sequence[str]) -> None:
    """Tag the table's current snapshot with every name of `tags`, then expire every snapshot no tag keeps.

    The current snapshot is the last release's: it keeps its tag. A tag of the same name (a release retried
    after it was staged) is moved to the current snapshot.
    """
    if table.current_snapshot() is None:
        # Nothing written yet (no member set a target): an empty snapshot, so that every release tag reads.
        table.append(table.schema().as_arrow().empty_table())
        table = table.refresh()
    current = table.current_snapshot()
    assert current is not None
    stale = [name for name in tags if name in table.metadata.refs]
    if stale:
        with table.manage_snapshots() as manage:
            for name in stale:
                manage.remove_tag(name)
    with table.manage_snapshots() as manage:
        for name in tags:
            manage.create_tag(current.snapshot_id, name)
    table = table.refresh()
    kept = {ref.snapshot_id for ref in table.metadata.refs.values()}
    unreleased = [snapshot.snapshot_id for snapshot in table.snapshots() if snapshot.snapshot_id not in kept]
    if unreleased:
        table.maintenance.expire_snapshots().by_ids(unreleased).commit()


def live_files(table: Table) -> set[str]:
    """Every file a live snapshot of the table reaches: current metadata, manifest lists, manifests, data files."""
    files = {table.metadata_location}
    for snapshot in table.snapshots():
        files.add(snapshot.manifest_list)
        for manifest in snapshot.manifests(table.io):
            files.add(manifest.manifest_path)
            files.update(
                entry.data_file.file_path for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=False)
            )
    return files


def forget_unreleased(storage: Storage, table: Table) -> int:
    """Delete the table's files no live snapshot reaches (old metadata, expired snapshots' files); returns how many.

    Only releases write public tables, one at a time, so nothing under a public table is in flight here.
    """
    root = _plain(storage.warehouse_uri)
    live = {WAREHOUSE + _plain(path).removeprefix(root) for path in live_files(table)}
    prefix = f"{WAREHOUSE}{_plain(table.location()).removeprefix(root)}/"
    deleted = 0
    for found in list(storage.list(prefix)):
        if found.key not in live:
            storage.delete(found.key)
            deleted += 1
    return deleted


def _plain(location: str) -> str:
    """A location without its `file://` scheme (pyiceberg writes local paths with it or without) or %-escapes."""
    return unquote(location.removeprefix("file://"))


__all__ = ["ReleaseConflictError", "forget_unreleased", "staged", "tag_and_expire"]

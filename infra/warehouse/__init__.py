"""The Iceberg warehouse: `core.*` and `mart.*` tables in a pyiceberg SqlCatalog.

Table schemas come from `schemas.tables.TABLES` (`infra.warehouse.shapes`: their Iceberg form, partitioning by
period, frames checked before a write).
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final

import polars as pl
import sqlalchemy as sa
from pyiceberg.catalog import Catalog
from pyiceberg.catalog.sql import IcebergTables, SqlCatalog
from pyiceberg.exceptions import CommitFailedException, NoSuchTableError
from pyiceberg.expressions import AlwaysTrue, BooleanExpression
from pyiceberg.table import Table
from pyiceberg.table.refs import SnapshotRefType

from infra.ledger import create_database_if_missing
from infra.warehouse.history import trim_history
from infra.warehouse.shapes import (
    conform,
    iceberg_arrow_schema,
    iceberg_schema,
    known,
    partition_spec,
)
from infra.warehouse.slices import balanced_or, describe, expression, membership, typed_match
from infra.warehouse.transactions import CachedTransaction
from schemas.tables import TABLES

logger = logging.getLogger(__name__)

CATALOG_NAME: Final = "junkan"
NAMESPACES: Final = ("core", "draft", "mart")
COMMIT_ATTEMPTS: Final = 6
COMMIT_BACKOFF_SECONDS: Final = 0.2
SQLITE_TIMEOUT_SECONDS: Final = 30
# What a whole table was built from (`Warehouse.replace`'s `built_from`), in its snapshots' summaries.
BUILT_FROM: Final = "junkan.built-from"
SKIP_UNCHANGED_MAX_ROWS: Final = 100_000  # larger slices are written without comparing (they rarely stay the same)
# pyiceberg warns when an overwrite's delete matches nothing, which is normal for a first publication.
_NOTHING_DELETED: Final = "Delete operation did not match any records"
_READ_ONLY_START: Final = re.compile(r"^\s*(?:(?:--[^\n]*(?:\n|$))|(?:/\*.*?\*/)|\s|\()*(\w+)", re.DOTALL)


class Warehouse:
    """Published tables: replace slices atomically, read them back, query them with SQL.

    A table is loaded from the catalog at most once per version: its metadata file never changes once written, so
    the loaded table is kept and reused for as long as the catalog still points at the same file (one indexed
    query instead of reading and parsing the metadata again). Each version's schema is checked against the
    contract before it is used. With `create_missing`, a table the catalog lacks is created when opened.
    """

    def __init__(self, catalog: Catalog, *, create_missing: bool = False) -> None:
        self.catalog = catalog
        self.create_missing = create_missing
        self._loaded: dict[str, Table] = {}
        self._checked: dict[str, tuple[str, int]] = {}  # the (table uuid, schema id) last checked per table
        self._loading = threading.Lock()

    def __repr__(self) -> str:
        return f"Warehouse({self.catalog.name!r})"

    @classmethod
    def open(
        cls,
        *,
        catalog_url: str,
        warehouse_uri: str,
        properties: dict[str, str] | None = None,
        create_missing: bool = False,
    ) -> Warehouse:
        """Open the SqlCatalog at `catalog_url` writing data under `warehouse_uri` (FileIO settings in properties).

        With `create_missing`, missing namespaces and tables are created now (one catalog query finds them), and
        each table's schema is checked against the contract when the table is first used.
        """
        create_database_if_missing(catalog_url)
        url = sa.make_url(catalog_url)
        if url.get_backend_name() == "sqlite" and "timeout" not in url.query:
            # Wait for a concurrent writer instead of failing at once.
            url = url.update_query_dict({"timeout": str(SQLITE_TIMEOUT_SECONDS)})
        catalog = SqlCatalog(
            CATALOG_NAME,
            uri=url.render_as_string(hide_password=False),
            warehouse=warehouse_uri,
            **(properties or {}),
        )
        warehouse = cls(catalog, create_missing=create_missing)
        if create_missing:
            warehouse.create_missing_tables()
        return warehouse

    def close(self) -> None:
        """Release the catalog's pooled connections."""
        engine = getattr(self.catalog, "engine", None)
        if isinstance(engine, sa.Engine):
            engine.dispose()

    def ensure_tables(self) -> list[str]:
        """Create the namespaces and every table of `schemas.tables.TABLES` that is missing; return those created.

        Every existing table is loaded and its schema checked (and evolved) now, not when first used.
        """
        for namespace in NAMESPACES:
            self.catalog.create_namespace_if_not_exists(namespace)
        created: list[str] = []
        for name, polars_schema in TABLES.items():
            schema = iceberg_schema(polars_schema)
            if self.catalog.table_exists(name):
                self._check_schema(name, self.catalog.load_table(name))
                continue
            self.catalog.create_table_if_not_exists(name, schema=schema, partition_spec=partition_spec(schema))
            created.append(name)
        return created

    def create_missing_tables(self) -> list[str]:
        """Create the namespaces and the tables of `schemas.tables.TABLES` the catalog lacks; return those created.

        Unlike `ensure_tables` nothing is loaded: existing tables are found with one query per namespace, and
        their schemas are checked when they are used (`table`).
        """
        existing = set(self._existing_tables())
        missing = [name for name in TABLES if name not in existing]
        if missing:
            for namespace in NAMESPACES:
                self.catalog.create_namespace_if_not_exists(namespace)
        for name in missing:
            schema = iceberg_schema(TABLES[name])
            self.catalog.create_table_if_not_exists(name, schema=schema, partition_spec=partition_spec(schema))
        return missing

    def _existing_tables(self) -> list[str]:
        namespaces = {Catalog.namespace_to_string(one) for one in self.catalog.list_namespaces()}
        return [
            Catalog.namespace_to_string(identifier)
            for namespace in NAMESPACES
            if namespace in namespaces
            for identifier in self.catalog.list_tables(namespace)
        ]

    def table(self, name: str) -> Table:
        """The pyiceberg table behind a name such as `mart.indicators`, at the catalog's current version."""
        known(name)
        location = self._metadata_location(name)
        with self._loading:
            kept = self._loaded.get(name)
            if kept is not None and location is not None and kept.metadata_location == location:
                return kept
        try:
            loaded = self.catalog.load_table(name)
        except NoSuchTableError:
            if not self.create_missing:
                msg = f"table {name} does not exist yet; run Warehouse.ensure_tables() (junkan init) first"
                raise ValueError(msg) from None
            self.create_missing_tables()
            loaded = self.catalog.load_table(name)
        version = (str(loaded.metadata.table_uuid), loaded.metadata.current_schema_id)
        if self._checked.get(name) != version:
            if self._check_schema(name, loaded):
                loaded = self.catalog.load_table(name)  # the schema evolved: a new version
            self._checked[name] = (str(loaded.metadata.table_uuid), loaded.metadata.current_schema_id)
        with self._loading:
            self._loaded[name] = loaded
        return loaded

    def _metadata_location(self, name: str) -> str | None:
        """Where the catalog says the table's current metadata is (None: no such table, or not a SQL catalog)."""
        engine = getattr(self.catalog, "engine", None)
        if not isinstance(self.catalog, SqlCatalog) or not isinstance(engine, sa.Engine):
            return None
        namespace, _, table_name = name.rpartition(".")
        with engine.connect() as connection:
            location: str | None = connection.execute(
                sa.select(IcebergTables.metadata_location).where(
                    IcebergTables.catalog_name == self.catalog.name,
                    IcebergTables.table_namespace == namespace,
                    IcebergTables.table_name == table_name,
                )
            ).scalar_one_or_none()
        return location

    def replace(
        self,
        table: str,
        frame: pl.DataFrame | Sequence[Path],
        *,
        match: Mapping[str, Sequence[str]] | Sequence[Mapping[str, Sequence[str]]],
        skip_unchanged: bool = False,
        built_from: str | None = None,
    ) -> None:
        """In one atomic commit, delete the rows of the slice `match` and append `frame`.

        A slice is the rows where every `column IN values` of a mapping holds; a list of mappings is the
        union of their slices (several members' periods replaced in one commit). Every row of `frame` must
        itself lie in the slice, so running the same replace twice leaves the same content. An empty frame
        just deletes; an empty mapping replaces the whole table. `frame` may also be Parquet files of rows,
        appended one at a time so that memory holds one file, not the whole (a large submission's parts).

        With `skip_unchanged`, a frame of at most `SKIP_UNCHANGED_MAX_ROWS` rows is first compared with the slice:
        when the slice holds exactly these rows already, nothing is committed (the content a commit would leave).
        Publishing rebuilds drafts of which a one-row submission changes a few; each commit costs tens of ms.

        `built_from`, the fingerprint of what a whole table was built from, is kept in the commit's snapshot
        (`built_from`); an unchanged table whose snapshot says otherwise gets an empty snapshot that says it.
        """
        expected = TABLES[known(table)]
        slices = [match] if isinstance(match, Mapping) else list(match)
        if not slices:
            msg = f"{table}: replace needs at least one slice to match"
            raise ValueError(msg)
        typed_slices = [typed_match(table, one, expected) for one in slices]
        if any(not typed for typed in typed_slices):
            inside = pl.lit(value=True)
            row_filter: BooleanExpression = AlwaysTrue()
        else:
            inside = pl.any_horizontal([pl.all_horizontal(membership(typed)) for typed in typed_slices])
            row_filter = balanced_or([expression(typed) for typed in typed_slices])
        description = " or ".join(f"({describe(one)})" for one in slices[:3]) + (" …" if len(slices) > 3 else "")

        def checked(part: pl.DataFrame) -> pl.DataFrame:
            conformed = conform(table, part, expected)
            outside = conformed.filter(~inside)
            if outside.height:
                msg = (
                    f"{table}: {outside.height} of {conformed.height} rows fall outside the slice being "
                    f"replaced ({description}), e.g. {outside.row(0, named=True)}; they would be duplicated by a re-run"
                )
                raise ValueError(msg)
            return conformed

        mark_only = False
        if isinstance(frame, pl.DataFrame):
            whole = checked(frame)  # refused before the table is touched, and checked once for every attempt
            if skip_unchanged and whole.height <= SKIP_UNCHANGED_MAX_ROWS and self._holds(table, row_filter, whole):
                if built_from is None or self.built_from(table) == built_from:
                    logger.info(
                        "%s: %s already holds these %d rows; nothing committed", table, description, whole.height
                    )
                    return
                mark_only = True  # the same rows, built from other inputs: an empty snapshot says so

            def parts() -> Iterator[pl.DataFrame]:
                yield whole

        else:

            def parts() -> Iterator[pl.DataFrame]:
                for path in frame:  # one file in memory at a time
                    yield checked(pl.read_parquet(path))

        properties = {} if built_from is None else {BUILT_FROM: built_from}
        for attempt in range(1, COMMIT_ATTEMPTS + 1):
            iceberg_table = self.table(table)
            # In the table's column order, which differs from the contract's once columns were added later.
            names, arrow_schema = iceberg_table.schema().column_names, iceberg_table.schema().as_arrow()
            n_rows = 0
            try:
                with warnings.catch_warnings(), CachedTransaction(iceberg_table) as transaction:
                    warnings.filterwarnings("ignore", message=_NOTHING_DELETED, category=UserWarning)
                    if mark_only:
                        transaction.append(arrow_schema.empty_table(), snapshot_properties=properties)
                    else:
                        transaction.delete(delete_filter=row_filter, snapshot_properties=properties)
                        for part in parts():
                            if part.height:
                                arrow = part.select(names).to_arrow().cast(arrow_schema)
                                transaction.append(arrow, snapshot_properties=properties)
                                n_rows += part.height
            except (CommitFailedException, sa.exc.OperationalError) as error:
                if attempt == COMMIT_ATTEMPTS:
                    raise
                delay = COMMIT_BACKOFF_SECONDS * attempt * (1 + random.random())  # noqa: S311 (jitter, not crypto)
                logger.info("%s: commit conflict (%s); retrying in %.1fs", table, error, delay)
                time.sleep(delay)
            else:
                logger.info("%s: %s %s with %d rows", table, "marked" if mark_only else "replaced", description, n_rows)
                trim_history(iceberg_table, table)
                return

    def _holds(self, table: str, row_filter: BooleanExpression, rows: pl.DataFrame) -> bool:
        """Whether the slice `row_filter` selects holds exactly `rows` (conformed to the table), in any order."""
        iceberg_table = self.table(table)
        if iceberg_table.current_snapshot() is None:
            return rows.is_empty()
        # One row more than expected is enough to tell a larger slice, without reading it whole.
        arrow = iceberg_table.scan(row_filter=row_filter, limit=rows.height + 1).to_arrow()
        if arrow.num_rows != rows.height:
            return False
        existing = pl.from_arrow(arrow)
        assert isinstance(existing, pl.DataFrame)
        columns = list(TABLES[table])
        existing = existing.select([pl.col(name).cast(dtype) for name, dtype in TABLES[table].items()])
        return existing.sort(columns, nulls_last=True).equals(rows.sort(columns, nulls_last=True))

    def built_from(self, table: str) -> str | None:
        """The fingerprint `replace` kept in the table's current snapshot (None: written without one)."""
        snapshot = self.table(table).current_snapshot()
        return None if snapshot is None or snapshot.summary is None else snapshot.summary.get(BUILT_FROM)

    def snapshot_id(self, table: str) -> int | None:
        """The table's current snapshot: it changes with every commit (None before the first)."""
        snapshot = self.table(table).current_snapshot()
        return snapshot.snapshot_id if snapshot is not None else None

    def read(
        self, table: str, *, where: Mapping[str, Sequence[str]] | None = None, tag: str | None = None
    ) -> pl.DataFrame:
        """Rows of a table (those where every `column IN values` of `where` holds), sorted by all columns.

        With `tag`, the rows of the snapshot that tag names (a release, `release/<period>/<n>`).
        """
        expected = TABLES[known(table)]
        row_filter = expression(typed_match(table, where, expected))
        iceberg_table = self.table(table)
        snapshot_id = None
        if tag is not None:
            snapshot = iceberg_table.snapshot_by_name(tag)
            if snapshot is None:
                msg = f"{table} has no snapshot tagged {tag!r}; its tags are: {', '.join(self.tags(table)) or 'none'}"
                raise ValueError(msg)
            snapshot_id = snapshot.snapshot_id
        arrow = iceberg_table.scan(row_filter=row_filter, snapshot_id=snapshot_id).to_arrow()
        frame = pl.from_arrow(arrow)
        assert isinstance(frame, pl.DataFrame)
        frame = frame.select([pl.col(name).cast(dtype) for name, dtype in expected.items()])
        return frame.sort(list(expected), nulls_last=True, maintain_order=True)

    def tags(self, table: str) -> list[str]:
        """The table's tags (releases), sorted."""
        refs = self.table(table).metadata.refs
        return sorted(name for name, ref in refs.items() if ref.snapshot_ref_type == SnapshotRefType.TAG)

    def batches(
        self, table: str, *, where: Mapping[str, Sequence[str]] | None = None, columns: Sequence[str] | None = None
    ) -> Iterator[pl.DataFrame]:
        """Rows of a table (as `read` selects them) in record batches, so memory holds one batch, not the table."""
        expected = TABLES[known(table)]
        wanted = list(columns) if columns is not None else list(expected)
        unknown = [name for name in wanted if name not in expected]
        if unknown:
            msg = f"{table} has no columns {unknown}"
            raise ValueError(msg)
        row_filter = expression(typed_match(table, where, expected))
        scan = self.table(table).scan(row_filter=row_filter, selected_fields=tuple(wanted))
        for batch in scan.to_arrow_batch_reader():
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            yield frame.select([pl.col(name).cast(expected[name]) for name in wanted])

    def sql(self, query: str) -> pl.DataFrame:
        """Run a read-only SQL query (SELECT or WITH) over the tables, named like `mart.indicators`."""
        first = _READ_ONLY_START.match(query)
        keyword = first.group(1).upper() if first else ""
        if keyword not in ("SELECT", "WITH"):
            msg = f"only read-only queries (SELECT … or WITH …) are allowed, not {keyword or 'an empty query'!r}"
            raise ValueError(msg)
        context = pl.SQLContext()
        lowered = query.lower()
        for name in TABLES:
            if name in lowered:  # load only the tables the query can name
                context.register(name, self._scan(name))
        result = context.execute(query, eager=True)
        assert isinstance(result, pl.DataFrame)
        return result

    def _scan(self, name: str) -> pl.LazyFrame:
        iceberg_table = self.table(name)
        if iceberg_table.current_snapshot() is None:
            return pl.LazyFrame(schema=TABLES[name])
        # PyIceberg reads through the table's own FileIO, so S3 settings need no second configuration.
        return pl.scan_iceberg(iceberg_table, reader_override="pyiceberg")

    def _check_schema(self, name: str, iceberg_table: Table) -> bool:
        """Check a table's schema against the contract; True when columns the contract gained were added."""
        expected = iceberg_arrow_schema(name)
        actual = iceberg_table.schema().as_arrow()
        found = {field.name: field.type for field in actual}
        wanted = {field.name: field.type for field in expected}
        if found == wanted:
            return False
        if all(found.get(column) == dtype for column, dtype in wanted.items() if column in found):
            # The contract gained columns: add them (Iceberg schema evolution is metadata only).
            with iceberg_table.update_schema() as update:
                update.union_by_name(expected)
            logger.info("%s: added columns %s", name, sorted(set(wanted) - set(found)))
            return True
        msg = (
            f"table {name} in the catalog does not match schemas.tables: it has {found}, the contract says {wanted}; "
            "migrate the table (or drop it and republish) before running the pipeline"
        )
        raise ValueError(msg)

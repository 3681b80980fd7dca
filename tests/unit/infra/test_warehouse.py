from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from pyiceberg.exceptions import CommitFailedException
from pyiceberg.table import Table, Transaction

from infra.warehouse import Warehouse, iceberg_schema, partition_spec
from schemas.tables import TABLES
from tests.factories import make_flows, make_progress

OTHER = "univ-kyushu"


def _flows(period: str, quantities: list[float], *, member_id: str = "city-kitakyushu") -> pl.DataFrame:
    materials = ["plastics.pet", "paper", "metals"]
    return make_flows(
        [{"material": materials[i], "quantity": q, "quantity_t": q} for i, q in enumerate(quantities)],
        lineage=True,
        member_id=member_id,
        period=period,
    )


def _indicators(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = TABLES["mart.indicators"]
    base = dict.fromkeys(schema)
    base |= {"period_start": date(2024, 4, 1), "period_end": date(2025, 3, 31), "grain": "fiscal_year"}
    base |= {"region": "JP", "region_level": "all", "contributors": 3}
    return pl.DataFrame([base | row for row in rows], schema=schema)


def test_ensure_tables_creates_every_table_once(warehouse: Warehouse) -> None:
    assert warehouse.ensure_tables() == []  # the fixture already created them
    for name in TABLES:
        table = warehouse.table(name)
        assert table.schema().column_names == list(TABLES[name])
        partitioned = [field.name for field in table.spec().fields]
        assert partitioned == (["period"] if "period" in TABLES[name] else [])


def test_ensure_tables_adds_columns_the_contract_gained(warehouse: Warehouse) -> None:
    name = "core.progress"
    old_columns = [column for column in TABLES[name] if column != "note"]
    old_schema = iceberg_schema(pl.Schema({column: TABLES[name][column] for column in old_columns}))
    warehouse.catalog.drop_table(name)
    warehouse.catalog.create_table(name, schema=old_schema, partition_spec=partition_spec(old_schema))

    assert warehouse.ensure_tables() == []
    assert warehouse.table(name).schema().column_names == [*old_columns, "note"]
    progress = make_progress(year=2024, note="見込み", lineage=True)
    warehouse.replace(name, progress, match={"year": ["2024"]})
    assert_frame_equal(warehouse.read(name), progress)


def test_replace_is_idempotent(warehouse: Warehouse) -> None:
    frame = _flows("FY2024", [3.0, 1.0, 2.0])

    warehouse.replace("core.flows", frame, match={"period": ["FY2024"]})
    once = warehouse.read("core.flows")
    warehouse.replace("core.flows", frame, match={"period": ["FY2024"]})
    twice = warehouse.read("core.flows")

    assert_frame_equal(once, twice)
    assert once.height == 3
    assert once["material"].to_list() == ["metals", "paper", "plastics.pet"]  # sorted by every column
    assert once["quantity_t"].to_list() == [2.0, 1.0, 3.0]


def test_replacing_one_period_leaves_other_periods_untouched(warehouse: Warehouse) -> None:
    warehouse.replace("core.flows", _flows("FY2023", [10.0, 20.0]), match={"period": ["FY2023"]})
    warehouse.replace("core.flows", _flows("FY2024", [1.0, 2.0]), match={"period": ["FY2024"]})

    warehouse.replace("core.flows", _flows("FY2024", [5.0]), match={"period": ["FY2024"]})

    result = warehouse.read("core.flows").select("period", "material", "quantity_t")
    expected = pl.DataFrame(
        {
            "period": ["FY2023", "FY2023", "FY2024"],
            "material": ["paper", "plastics.pet", "plastics.pet"],
            "quantity_t": [20.0, 10.0, 5.0],
        }
    )
    assert_frame_equal(result, expected)


def test_replace_matching_two_columns_keeps_other_members_rows(warehouse: Warehouse) -> None:
    both = pl.concat([_flows("FY2024", [1.0]), _flows("FY2024", [7.0], member_id=OTHER)])
    warehouse.replace("core.flows", both, match={"period": ["FY2024"]})

    warehouse.replace(
        "core.flows",
        _flows("FY2024", [2.0, 3.0]),
        match={"member_id": ["city-kitakyushu"], "period": ["FY2024"]},
    )

    result = warehouse.read("core.flows").select("member_id", "quantity_t")
    assert result.rows() == [("city-kitakyushu", 3.0), ("city-kitakyushu", 2.0), (OTHER, 7.0)]


def test_replace_a_union_of_slices_in_one_commit(warehouse: Warehouse) -> None:
    start = pl.concat([_flows("FY2023", [1.0]), _flows("FY2024", [2.0]), _flows("FY2023", [3.0], member_id=OTHER)])
    warehouse.replace("core.flows", start, match={})
    commits = len(warehouse.table("core.flows").metadata.metadata_log)  # one metadata file per commit

    # city-kitakyushu's FY2024 and OTHER's FY2023 are replaced; city-kitakyushu's FY2023 stays.
    new = pl.concat([_flows("FY2024", [20.0]), _flows("FY2023", [30.0], member_id=OTHER)])
    slices = [
        {"member_id": ["city-kitakyushu"], "period": ["FY2024"]},
        {"member_id": [OTHER], "period": ["FY2023"]},
    ]
    warehouse.replace("core.flows", new, match=slices)

    assert len(warehouse.table("core.flows").metadata.metadata_log) == commits + 1
    result = warehouse.read("core.flows").select("member_id", "period", "quantity_t").sort("member_id", "period")
    assert result.rows() == [
        ("city-kitakyushu", "FY2023", 1.0),
        ("city-kitakyushu", "FY2024", 20.0),
        (OTHER, "FY2023", 30.0),
    ]
    with pytest.raises(ValueError, match="outside the slice"):
        warehouse.replace("core.flows", _flows("FY2023", [9.0]), match=slices)


def test_empty_frame_only_deletes(warehouse: Warehouse) -> None:
    warehouse.replace("core.flows", _flows("FY2023", [1.0]), match={"period": ["FY2023"]})
    warehouse.replace("core.flows", _flows("FY2024", [2.0]), match={"period": ["FY2024"]})

    warehouse.replace("core.flows", _flows("FY2024", []).clear(), match={"period": ["FY2024"]})

    assert warehouse.read("core.flows")["period"].to_list() == ["FY2023"]


def test_read_pushes_a_filter_down(warehouse: Warehouse) -> None:
    frames = [_flows(period, [1.0]) for period in ("2023", "FY2024", "2024-05")]
    warehouse.replace("core.flows", pl.concat(frames), match={"period": ["2023", "FY2024", "2024-05"]})

    assert warehouse.read("core.flows", where={"period": ["FY2024", "2024-05"]})["period"].to_list() == [
        "2024-05",
        "FY2024",
    ]


def test_unpartitioned_table_matches_on_a_typed_column(warehouse: Warehouse) -> None:
    progress = make_progress([{"year": 2023, "value": 0.1}, {"year": 2024, "value": 0.2}], lineage=True)
    warehouse.replace("core.progress", progress, match={"year": ["2023", "2024"]})

    warehouse.replace("core.progress", make_progress(year=2024, value=0.25, lineage=True), match={"year": ["2024"]})

    assert warehouse.read("core.progress").select("year", "value").rows() == [(2023, 0.1), (2024, 0.25)]


def test_schema_mismatch_is_a_clear_error(warehouse: Warehouse) -> None:
    frame = _flows("FY2024", [1.0])

    with pytest.raises(ValueError, match=r"missing columns \['source_row'\]"):
        warehouse.replace("core.flows", frame.drop("source_row"), match={"period": ["FY2024"]})
    with pytest.raises(ValueError, match=r"unexpected columns \['extra'\]"):
        warehouse.replace("core.flows", frame.with_columns(extra=pl.lit(1)), match={"period": ["FY2024"]})
    with pytest.raises(ValueError, match="quantity_t is String, expected Float64"):
        warehouse.replace(
            "core.flows", frame.with_columns(pl.col("quantity_t").cast(pl.String)), match={"period": ["FY2024"]}
        )
    assert warehouse.read("core.flows").height == 0


def test_rows_outside_the_replaced_slice_are_refused(warehouse: Warehouse) -> None:
    with pytest.raises(ValueError, match="1 of 1 rows fall outside the slice"):
        warehouse.replace("core.flows", _flows("FY2023", [1.0]), match={"period": ["FY2024"]})
    with pytest.raises(ValueError, match="no column 'periodo'"):
        warehouse.replace("core.flows", _flows("FY2024", [1.0]), match={"periodo": ["FY2024"]})


def test_a_commit_conflict_is_retried(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    original = Transaction.commit_transaction
    calls: list[int] = []

    def conflicting(self: Transaction) -> Table:
        calls.append(1)
        if len(calls) == 1:
            raise CommitFailedException("another writer committed first")
        return original(self)

    monkeypatch.setattr(Transaction, "commit_transaction", conflicting)
    monkeypatch.setattr("infra.warehouse.COMMIT_BACKOFF_SECONDS", 0.0)

    warehouse.replace("core.flows", _flows("FY2024", [4.0]), match={"period": ["FY2024"]})

    assert len(calls) == 2
    assert warehouse.read("core.flows")["quantity_t"].to_list() == [4.0]


def test_sql_over_dotted_table_names(warehouse: Warehouse) -> None:
    indicators = _indicators(
        [
            {"period": "FY2024", "material": "all", "material_level": "all", "recovery_rate": 0.5},
            {"period": "FY2024", "material": "plastics", "material_level": "group", "recovery_rate": 0.4},
            {"period": "FY2023", "material": "all", "material_level": "all", "recovery_rate": 0.3},
        ]
    )
    warehouse.replace("mart.indicators", indicators, match={"period": ["FY2023", "FY2024"]})
    warehouse.replace("core.flows", _flows("FY2024", [2.0, 3.0]), match={"period": ["FY2024"]})

    result = warehouse.sql(
        "SELECT period, material, recovery_rate FROM mart.indicators WHERE material_level = 'all' ORDER BY period"
    )
    joined = warehouse.sql(
        """
        -- total flows next to the headline rate
        WITH totals AS (SELECT period, SUM(quantity_t) AS total_t FROM core.flows GROUP BY period)
        SELECT i.period, t.total_t, i.recovery_rate
        FROM mart.indicators AS i JOIN totals AS t ON i.period = t.period
        WHERE i.material_level = 'all'
        """
    )

    assert result.rows() == [("FY2023", "all", 0.3), ("FY2024", "all", 0.5)]
    assert joined.rows() == [("FY2024", 5.0, 0.5)]


def test_sql_on_an_empty_table_returns_no_rows(warehouse: Warehouse) -> None:
    assert warehouse.sql("SELECT period FROM mart.sankey_links").height == 0


@pytest.mark.parametrize(
    "query",
    [
        "DROP TABLE mart.indicators",
        "  /* sneaky */ DELETE FROM core.flows",
        "CREATE TABLE mart.x AS SELECT 1",
        "",
    ],
)
def test_sql_rejects_anything_but_reads(warehouse: Warehouse, query: str) -> None:
    with pytest.raises(ValueError, match="only read-only queries"):
        warehouse.sql(query)
    assert warehouse.table("mart.indicators") is not None


def test_replace_from_parquet_parts_is_one_commit(warehouse: Warehouse, tmp_path: Path) -> None:
    warehouse.replace("core.flows", _flows("FY2024", [1.0, 2.0]), match={"period": ["FY2024"]})
    commits_before = len(warehouse.table("core.flows").metadata.metadata_log)
    parts = [tmp_path / "a.parquet", tmp_path / "b.parquet"]
    _flows("FY2024", [4.0]).write_parquet(parts[0])
    _flows("FY2024", [5.0, 6.0]).write_parquet(parts[1])

    warehouse.replace("core.flows", parts, match={"period": ["FY2024"]})

    assert sorted(warehouse.read("core.flows")["quantity_t"].to_list()) == [4.0, 5.0, 6.0]
    assert len(warehouse.table("core.flows").metadata.metadata_log) == commits_before + 1  # one new metadata file


def test_replace_from_parts_refuses_a_row_outside_the_slice_and_changes_nothing(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    warehouse.replace("core.flows", _flows("FY2024", [1.0]), match={"period": ["FY2024"]})
    parts = [tmp_path / "a.parquet", tmp_path / "b.parquet"]
    _flows("FY2024", [4.0]).write_parquet(parts[0])
    _flows("FY2023", [5.0]).write_parquet(parts[1])

    with pytest.raises(ValueError, match="fall outside the slice"):
        warehouse.replace("core.flows", parts, match={"period": ["FY2024"]})

    assert warehouse.read("core.flows")["quantity_t"].to_list() == [1.0]


def test_a_replace_over_thousands_of_slices_stays_within_the_recursion_limit() -> None:
    from pyiceberg.expressions import EqualTo

    from infra.warehouse.slices import balanced_or

    union = balanced_or([EqualTo("member_id", f"m{i}") for i in range(5_000)])
    depth, node = 0, union
    while hasattr(node, "left"):
        depth, node = depth + 1, node.left
    assert depth <= 13  # log2(5,000), not 5,000


def test_core_flows_written_before_products_gain_the_column_with_nulls(warehouse: Warehouse) -> None:
    # Issue 27: core.flows gains product_category; rows written before it read back with none, and new rows carry it.
    name = "core.flows"
    old_columns = [column for column in TABLES[name] if column != "product_category"]
    old_schema = iceberg_schema(pl.Schema({column: TABLES[name][column] for column in old_columns}))
    warehouse.catalog.drop_table(name)
    old_table = warehouse.catalog.create_table(name, schema=old_schema, partition_spec=partition_spec(old_schema))
    before = _flows("FY2023", [10.0, 20.0])
    old_table.append(before.select(old_columns).to_arrow().cast(old_schema.as_arrow()))

    assert warehouse.ensure_tables() == []
    assert warehouse.table(name).schema().column_names == [*old_columns, "product_category"]
    assert warehouse.read(name).get_column("product_category").to_list() == [None, None]
    tagged = _flows("FY2024", [5.0]).with_columns(pl.lit("packaging.pet_bottle").alias("product_category"))
    warehouse.replace(name, tagged, match={"period": ["FY2024"]})
    read = warehouse.read(name).sort("period", "quantity_t")
    assert read.select("period", "product_category", "quantity_t").rows() == [
        ("FY2023", None, 10.0),
        ("FY2023", None, 20.0),
        ("FY2024", "packaging.pet_bottle", 5.0),
    ]


def test_a_table_is_loaded_once_per_version(warehouse: Warehouse, database_url: str, tmp_path: Path) -> None:
    # A table's metadata file never changes: the loaded table is reused until the catalog points elsewhere.
    first = warehouse.table("core.flows")
    assert warehouse.table("core.flows") is first
    other = Warehouse.open(catalog_url=database_url, warehouse_uri=(tmp_path / "warehouse").as_uri())
    try:
        other.replace("core.flows", _flows("FY2024", [7.0]), match={"period": ["FY2024"]})  # another process's commit
    finally:
        other.close()

    reloaded = warehouse.table("core.flows")
    assert reloaded is not first
    assert reloaded.current_snapshot() is not None
    assert warehouse.read("core.flows")["quantity_t"].to_list() == [7.0]
    warehouse.replace("core.flows", _flows("FY2024", [8.0]), match={"period": ["FY2024"]})  # its own commit
    assert warehouse.read("core.flows")["quantity_t"].to_list() == [8.0]


def test_opening_creates_missing_tables_and_checks_each_schema_on_first_use(database_url: str, tmp_path: Path) -> None:
    uri = (tmp_path / "warehouse").as_uri()
    setup = Warehouse.open(catalog_url=database_url, warehouse_uri=uri)
    setup.ensure_tables()
    name = "core.progress"
    old_columns = [column for column in TABLES[name] if column != "note"]
    old_schema = iceberg_schema(pl.Schema({column: TABLES[name][column] for column in old_columns}))
    setup.catalog.drop_table(name)
    setup.catalog.create_table(name, schema=old_schema, partition_spec=partition_spec(old_schema))
    setup.catalog.drop_table("mart.indicators")
    setup.close()

    opened = Warehouse.open(catalog_url=database_url, warehouse_uri=uri, create_missing=True)
    try:
        assert opened.catalog.table_exists("mart.indicators")  # created when opened
        assert opened.catalog.load_table(name).schema().column_names == old_columns  # not loaded yet
        assert opened.table(name).schema().column_names == [*old_columns, "note"]  # checked and evolved on first use
        assert opened.create_missing_tables() == []
    finally:
        opened.close()


def test_a_table_that_does_not_match_the_contract_is_refused_when_used(database_url: str, tmp_path: Path) -> None:
    uri = (tmp_path / "warehouse").as_uri()
    opened = Warehouse.open(catalog_url=database_url, warehouse_uri=uri, create_missing=True)
    try:
        name = "core.progress"
        wrong = iceberg_schema(pl.Schema({column: pl.Int64() for column in TABLES[name]}))
        opened.catalog.drop_table(name)
        opened.catalog.create_table(name, schema=wrong, partition_spec=partition_spec(wrong))
        with pytest.raises(ValueError, match="does not match schemas.tables"):
            opened.table(name)
    finally:
        opened.close()


def test_an_unchanged_slice_is_not_committed_again(warehouse: Warehouse) -> None:
    frame = _flows("FY2024", [3.0, 1.0, 2.0])
    warehouse.replace("core.flows", frame, match={"period": ["FY2024"]}, skip_unchanged=True)
    written = warehouse.snapshot_id("core.flows")
    assert written is not None

    warehouse.replace("core.flows", frame.reverse(), match={"period": ["FY2024"]}, skip_unchanged=True)
    assert warehouse.snapshot_id("core.flows") == written  # the same rows in another order: nothing to commit

    fewer = frame.head(2)  # the slice holds one row more than these: a commit
    warehouse.replace("core.flows", fewer, match={"period": ["FY2024"]}, skip_unchanged=True)
    assert warehouse.snapshot_id("core.flows") != written
    assert warehouse.read("core.flows")["quantity_t"].sort().to_list() == [1.0, 3.0]

    changed = fewer.with_columns(pl.col("quantity_t") + 1)
    before = warehouse.snapshot_id("core.flows")
    warehouse.replace("core.flows", changed, match={"period": ["FY2024"]}, skip_unchanged=True)
    assert warehouse.snapshot_id("core.flows") != before
    assert warehouse.read("core.flows")["quantity_t"].sort().to_list() == [2.0, 4.0]


def test_an_empty_table_replaced_by_no_rows_stays_without_a_snapshot(warehouse: Warehouse) -> None:
    empty = pl.DataFrame(schema=TABLES["mart.indicators"])
    warehouse.replace("mart.indicators", empty, match={}, skip_unchanged=True)
    assert warehouse.snapshot_id("mart.indicators") is None


def test_a_whole_table_keeps_what_it_was_built_from_and_only_that_is_committed_when_rows_are_the_same(
    warehouse: Warehouse,
) -> None:
    table = "core.flows"
    rows = _flows("FY2024", [1.0, 2.0])
    assert warehouse.built_from(table) is None  # nothing written yet

    warehouse.replace(table, rows, match={}, skip_unchanged=True, built_from="inputs-1")
    first = warehouse.snapshot_id(table)
    assert warehouse.built_from(table) == "inputs-1"

    warehouse.replace(table, rows, match={}, skip_unchanged=True, built_from="inputs-1")
    assert warehouse.snapshot_id(table) == first  # the same rows from the same inputs: nothing committed

    warehouse.replace(table, rows, match={}, skip_unchanged=True, built_from="inputs-2")
    assert warehouse.snapshot_id(table) != first  # the same rows from other inputs: a snapshot that says so
    assert warehouse.built_from(table) == "inputs-2"
    assert_frame_equal(warehouse.read(table), rows.sort(list(TABLES[table]), nulls_last=True))

    warehouse.replace(table, _flows("FY2024", [3.0]), match={}, skip_unchanged=True)
    assert warehouse.built_from(table) is None  # written by something that does not say: not what inputs-2 built

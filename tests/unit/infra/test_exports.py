from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal

from infra.warehouse import Warehouse
from infra.warehouse.exports import (
    export_marts,
    floweaver_links,
    neutralize_formulas,
    public_tables,
    sql_table_name,
    write_floweaver_csv,
)
from schemas.tables import TABLES


def links(period: str, rows: list[tuple[str, str, str, str, float | None, bool]]) -> pl.DataFrame:
    """mart.sankey_links rows from (material, material_level, source, target, value_t, suppressed)."""
    return pl.DataFrame(
        [
            {
                "period": period,
                "material": material,
                "material_level": level,
                "source": source,
                "target": target,
                "value_t": value,
                "contributors": 3,
                "suppressed": suppressed,
                "suppression_reason": "dominance" if suppressed else None,
            }
            for material, level, source, target, value, suppressed in rows
        ],
        schema=TABLES["mart.sankey_links"],
    )


def headline(period: str, start: date, disposal: float) -> pl.DataFrame:
    schema = TABLES["mart.indicators"]
    row = {
        **dict.fromkeys(schema),
        "period": period,
        "period_start": start,
        "period_end": start,
        "grain": "fiscal_year",
        "material": "all",
        "material_level": "all",
        "region": "all",
        "region_level": "all",
        "final_disposal_t": disposal,
        "contributors": 4,
        "suppressed": False,
    }
    return pl.DataFrame([row], schema=schema)


def target_progress(n_targets: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator": ["final_disposal"],
            "member_kind": ["all"],
            "contributors": [n_targets],
            "n_targets": [n_targets],
            "n_with_progress": [1],
            "n_on_track": [1],
            "median_progress_ratio": [0.5],
            "suppressed": [False],
            "suppression_reason": [None],
        },
        schema=TABLES["mart.target_progress"],
    )


# --- formula injection -------------------------------------------------------------------------


def test_neutralize_prefixes_every_formula_start_and_leaves_numbers() -> None:
    frame = pl.DataFrame(
        {
            "text": ["=SUM(A1:A2)", "+1", "-1", "@cmd", "\tx", "\rx", "a=b", "", None, "'already", "-"],
            "value_t": [-1.5, 1.0, -2.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            "contributors": [-3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        },
        schema={"text": pl.String(), "value_t": pl.Float64(), "contributors": pl.Int32()},
    )
    expected = frame.with_columns(
        text=pl.Series(["'=SUM(A1:A2)", "'+1", "'-1", "'@cmd", "'\tx", "'\rx", "a=b", "", None, "'already", "'-"])
    )
    assert_frame_equal(neutralize_formulas(frame), expected)


def test_neutralize_does_not_touch_the_input() -> None:
    frame = pl.DataFrame({"text": ["=1"]})
    neutralize_formulas(frame)
    assert frame.item() == "=1"


# --- floWeaver -------------------------------------------------------------------------------------


def test_floweaver_links_keep_groups_of_the_period_and_drop_suppressed() -> None:
    frame = pl.concat(
        [
            links(
                "FY2024",
                [
                    ("all", "all", "use", "collection", 30.0, False),
                    ("paper", "group", "use", "collection", 20.0, False),
                    ("metals", "group", "use", "collection", None, True),
                    ("metals", "group", "collection", "recycling", 7.5, False),
                ],
            ),
            links("FY2023", [("paper", "group", "use", "collection", 1.0, False)]),
        ]
    )
    expected = pl.DataFrame(
        {
            "source": ["collection", "use"],
            "target": ["recycling", "collection"],
            "material": ["metals", "paper"],
            "time": ["FY2024", "FY2024"],
            "value": [7.5, 20.0],
        }
    )
    assert_frame_equal(floweaver_links(frame, "FY2024"), expected)


def test_floweaver_csv_from_the_warehouse_is_safe_for_spreadsheets(warehouse: Warehouse, tmp_path: Path) -> None:
    warehouse.replace(
        "mart.sankey_links",
        links(
            "FY2024",
            [
                ('=HYPERLINK("http://x")', "group", "use", "collection", 12.0, False),
                ("paper", "group", "use", "landfill", 3.0, True),
            ],
        ),
        match={"period": ["FY2024"]},
    )
    path = write_floweaver_csv(warehouse, tmp_path / "bi", "FY2024")
    assert path == tmp_path / "bi" / "floweaver_FY2024.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens UTF-8 Japanese text correctly
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [
        ["source", "target", "material", "time", "value"],
        ["use", "collection", '\'=HYPERLINK("http://x")', "FY2024", "12.0"],
    ]


def test_floweaver_period_must_be_a_file_name(warehouse: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="file name"):
        write_floweaver_csv(warehouse, tmp_path, "../FY2024")


# --- SQL export ----------------------------------------------------------------------------------


def test_public_tables_are_the_marts_only() -> None:
    assert public_tables() == [name for name in TABLES if name.startswith("mart.")]
    assert "mart.indicators" in public_tables()
    assert not any(name.startswith("core.") for name in public_tables())


def rows_of(url: str, table: str, order: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            sql_table = sa.Table(sql_table_name(table), sa.MetaData(), autoload_with=connection)
            query = sa.select(sql_table).order_by(*(sql_table.c[name] for name in order.split(",")))
            return [tuple(row) for row in connection.execute(query)]
    finally:
        engine.dispose()


def fill(warehouse: Warehouse) -> None:
    """FY2023 and FY2024 in two marts, and the period-less target progress."""
    warehouse.replace(
        "mart.sankey_links",
        links("FY2023", [("all", "all", "use", "collection", 10.0, False)]),
        match={"period": ["FY2023"]},
    )
    warehouse.replace(
        "mart.sankey_links",
        links(
            "FY2024",
            [("all", "all", "use", "collection", 20.0, False), ("all", "all", "use", "landfill", None, True)],
        ),
        match={"period": ["FY2024"]},
    )
    warehouse.replace("mart.indicators", headline("FY2023", date(2023, 4, 1), 50.0), match={"period": ["FY2023"]})
    warehouse.replace("mart.indicators", headline("FY2024", date(2024, 4, 1), 40.0), match={"period": ["FY2024"]})
    warehouse.replace("mart.target_progress", target_progress(5), match={})


def test_export_marts_copies_every_mart_then_replaces_only_the_named_periods(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'bi.db'}"
    fill(warehouse)
    counts = export_marts(warehouse, url, periods=None)
    assert counts["mart.sankey_links"] == 3
    assert counts["mart.indicators"] == 2
    assert counts["mart.target_progress"] == 1
    assert set(counts) == set(public_tables())
    first = rows_of(url, "mart.sankey_links", "period,target")
    assert [(row[0], row[4], row[5], row[7]) for row in first] == [
        ("FY2023", "collection", 10.0, False),
        ("FY2024", "collection", 20.0, False),
        ("FY2024", "landfill", None, True),  # suppressed rows travel with their flag and null value
    ]

    # FY2024 is republished with other numbers, and FY2023 changes in the warehouse but is not exported.
    warehouse.replace(
        "mart.sankey_links",
        links("FY2024", [("all", "all", "use", "recycling", 25.0, False)]),
        match={"period": ["FY2024"]},
    )
    warehouse.replace(
        "mart.sankey_links",
        links("FY2023", [("all", "all", "use", "collection", 99.0, False)]),
        match={"period": ["FY2023"]},
    )
    warehouse.replace("mart.target_progress", target_progress(7), match={})
    counts = export_marts(warehouse, url, periods=["FY2024"])
    assert counts["mart.sankey_links"] == 1
    again = rows_of(url, "mart.sankey_links", "period,target")
    assert [(row[0], row[4], row[5]) for row in again] == [
        ("FY2023", "collection", 10.0),
        ("FY2024", "recycling", 25.0),
    ]
    indicators = rows_of(url, "mart.indicators", "period")
    assert [(row[0], row[1], row[13]) for row in indicators] == [
        ("FY2023", date(2023, 4, 1), 50.0),
        ("FY2024", date(2024, 4, 1), 40.0),
    ]
    # A table without a period is replaced whole.
    assert [row[3] for row in rows_of(url, "mart.target_progress", "indicator")] == [7]


def test_export_is_one_transaction(warehouse: Warehouse, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bi.db'}"
    fill(warehouse)
    export_marts(warehouse, url, periods=None)
    warehouse.replace("mart.indicators", headline("FY2024", date(2024, 4, 1), 1.0), match={"period": ["FY2024"]})
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # the BI database refuses new links mid-export
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON mart_sankey_links BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    engine.dispose()
    with pytest.raises(sa.exc.IntegrityError, match="refused"):
        export_marts(warehouse, url, periods=["FY2024"])
    # mart.indicators was exported before mart.sankey_links failed, and was rolled back with it.
    assert [row[13] for row in rows_of(url, "mart.indicators", "period")] == [50.0, 40.0]
    assert len(rows_of(url, "mart.sankey_links", "period,target")) == 3


def test_export_adds_columns_the_marts_gained(warehouse: Warehouse, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bi.db'}"
    engine = sa.create_engine(url)
    old = sa.Table("mart_indicators", sa.MetaData(), sa.Column("period", sa.Text), sa.Column("grain", sa.Text))
    with engine.begin() as connection:
        old.create(connection)
        connection.execute(old.insert(), [{"period": "FY2020", "grain": "fiscal_year"}])
    engine.dispose()
    fill(warehouse)
    export_marts(warehouse, url, periods=["FY2024"])
    engine = sa.create_engine(url)
    try:
        columns = {column["name"] for column in sa.inspect(engine).get_columns("mart_indicators")}
    finally:
        engine.dispose()
    assert columns == set(TABLES["mart.indicators"])
    periods = [row[0] for row in rows_of(url, "mart.indicators", "period")]
    assert periods == ["FY2020", "FY2024"]


def test_export_refuses_an_empty_period_list(warehouse: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="periods is empty"):
        export_marts(warehouse, f"sqlite:///{tmp_path / 'bi.db'}", periods=[])

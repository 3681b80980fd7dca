"""The marts exported to a real PostgreSQL, as Metabase or Superset would read them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from infra.warehouse import Warehouse
from infra.warehouse.exports import export_marts, public_tables
from tests.unit.infra.test_exports import fill, headline, links


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    opened = Warehouse.open(catalog_url=f"sqlite:///{tmp_path / 'catalog.db'}", warehouse_uri=tmp_path.as_uri())
    opened.ensure_tables()
    yield opened
    opened.close()


def test_export_to_postgres_replaces_periods(warehouse: Warehouse, module_database_url: str) -> None:
    fill(warehouse)
    counts = export_marts(warehouse, module_database_url, periods=None)
    assert counts["mart.sankey_links"] == 3
    warehouse.replace(
        "mart.sankey_links",
        links("FY2024", [("all", "all", "use", "recycling", 25.0, False)]),
        match={"period": ["FY2024"]},
    )
    warehouse.replace("mart.indicators", headline("FY2024", date(2024, 4, 1), 35.0), match={"period": ["FY2024"]})
    export_marts(warehouse, module_database_url, periods=["FY2024"])

    engine = sa.create_engine(module_database_url)
    try:
        with engine.connect() as connection:
            names = set(sa.inspect(connection).get_table_names())
            assert {name.replace(".", "_") for name in public_tables()} <= names
            links_table = sa.Table("mart_sankey_links", sa.MetaData(), autoload_with=connection)
            rows = connection.execute(
                sa.select(links_table.c.period, links_table.c.target, links_table.c.value_t).order_by(
                    links_table.c.period, links_table.c.target
                )
            ).all()
            indicators = sa.Table("mart_indicators", sa.MetaData(), autoload_with=connection)
            disposal = connection.execute(
                sa.select(indicators.c.period, indicators.c.final_disposal_t, indicators.c.period_start).order_by(
                    indicators.c.period
                )
            ).all()
            assert isinstance(indicators.c.suppressed.type, sa.Boolean)
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("FY2023", "collection", 10.0), ("FY2024", "recycling", 25.0)]
    assert [tuple(row) for row in disposal] == [("FY2023", 50.0, date(2023, 4, 1)), ("FY2024", 35.0, date(2024, 4, 1))]

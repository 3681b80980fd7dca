"""What a period's publication is: the public tables, the builders that make them, and the cells they sum.

Every published quantity is a sum of base cells (a `mart.flows` cell, split by the renewable flag that
`mart.material_circularity` reads and by the product `mart.product_circularity` reads), made by the builders below
from members' flow cells. The joint disclosure pass
(`transforms.disclosure.joint`), its protection against earlier releases (`transforms.disclosure.release_protection`)
and the members' previews (`transforms.member_preview`) all run these very builders, so they cannot drift from the
tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from schemas.tables import CONTRIBUTORS, TABLES, unsuppressed
from transforms.balance import compute_stage_balance
from transforms.disclosure import CELL, DISCLOSURE_SPECS
from transforms.indicators import compute_indicators
from transforms.iso59020 import compute_circularity
from transforms.marts import summarize_flows
from transforms.product_circularity import compute_product_circularity
from transforms.products import PRODUCT_CATEGORY
from transforms.regional import compute_regional_balance, compute_regional_flows, with_ends
from transforms.sankey import build_sankey_links

Builder = Callable[[pl.LazyFrame], pl.LazyFrame]

# Every table of a period's publication; the period report and the BI exports show these tables' cells only.
PUBLISHED_BUILDERS: Mapping[str, Builder] = {
    "mart.flows": summarize_flows,
    "mart.stage_balance": compute_stage_balance,
    "mart.indicators": compute_indicators,
    "mart.sankey_links": build_sankey_links,
    "mart.regional_flows": compute_regional_flows,
    "mart.regional_balance": compute_regional_balance,
    "mart.material_circularity": compute_circularity,
    "mart.product_circularity": compute_product_circularity,
}
BASE_TABLE = "mart.flows"  # its cells, split by renewable origin and product, are the unknowns every value sums
RENEWABLE = "is_renewable"  # what mart.material_circularity splits inflows by, and mart.flows does not show
PRODUCT = PRODUCT_CATEGORY  # what mart.product_circularity splits flows by; every other table sums over it

# Columns of the joint pass's frames: a base cell's number, a value's coefficient on it, the protection a sensitive
# value needs, and the confidential members it protects.
BASE, COEFFICIENT, PROTECTION, MEMBERS = "_base", "_coefficient", "_protection", "_members"


def table_keys(table: str) -> list[str]:
    """The columns that name a cell of a published table (everything but its values and counts)."""
    spec = DISCLOSURE_SPECS[table]
    not_keys = {*spec.value_columns, *spec.derived_columns, *CONTRIBUTORS}
    return [name for name in unsuppressed(TABLES[table]) if name not in not_keys]


def with_renewable(flows: pl.DataFrame) -> pl.DataFrame:
    """Member cells with the renewable flag the circularity split reads (null: as the material group says)."""
    if RENEWABLE in flows.columns:
        return flows.with_columns(pl.col(RENEWABLE).cast(pl.Boolean()))
    return flows.with_columns(pl.lit(None, dtype=pl.Boolean()).alias(RENEWABLE))


def with_product(flows: pl.DataFrame) -> pl.DataFrame:
    """Member cells with the product they name (null: none; cells of files before flows had products)."""
    if PRODUCT in flows.columns:
        return flows
    return flows.with_columns(pl.lit(None, dtype=pl.String()).alias(PRODUCT))


def base_keys() -> list[str]:
    """What names a base cell: a `mart.flows` cell, split by the renewable flag and the product."""
    return [*table_keys(BASE_TABLE), RENEWABLE, PRODUCT]


def numbered(cells: pl.DataFrame, offset: int) -> pl.DataFrame:
    """A table's rows with their `_cell` number in the whole publication."""
    return cells.with_row_index(CELL).with_columns(pl.col(CELL) + offset)


@dataclass(frozen=True)
class LinkedTables:
    """Public tables built from one kind of member cells, protected together by the joint disclosure pass.

    `builders` make each table from the cells; every value they make is a sum of base cells, named by `base_keys`;
    `prepare` turns the member cells a period is read as into the frame the builders read. Flows feed the period's
    flow tables (`FLOW_TABLES`); members' declarations feed the recycled-content tables, their own data, protected
    in a pass of their own (`transforms.recycled_content.DECLARATION_TABLES`).
    """

    builders: Mapping[str, Builder]
    base_keys: tuple[str, ...]
    prepare: Callable[[pl.LazyFrame], pl.DataFrame]


def prepare_flows(flows: pl.LazyFrame) -> pl.DataFrame:
    """Member flow cells as the builders read them: origin and destination filled, the renewable flag, the product."""
    return with_product(with_renewable(with_ends(flows).collect()))


FLOW_TABLES = LinkedTables(PUBLISHED_BUILDERS, tuple(base_keys()), prepare_flows)

"""The period report's product section: placed → collected → recycled → closed loop per product, and recycled content.

Drawn from the released `mart.product_circularity` (all materials, whole country, per product category) as one small
SVG bar chart per product, and from `mart.recycled_content` (all materials, per product category) as a table of the
declared recycled content by assurance. A withheld value (秘匿) is written as such, never drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from infra.rendering.formatting import format_value
from schemas import products as p

PRODUCTS_TABLE: Final = "mart.product_circularity"
RECYCLED_CONTENT_TABLE: Final = "mart.recycled_content"
BAR_LENGTH: Final = 300.0
WITHHELD: Final = "秘匿"
# The chart's bars, in the order material goes round: (column, Japanese, English).
STEPS: Final = (
    ("placed_on_market_t", "上市量", "Placed on the market"),
    ("collected_t", "回収量", "Collected"),
    ("recycled_t", "リサイクル量（国内外）", "Recycled (in Japan and abroad)"),
    ("recycled_domestic_t", "うち国内", "of which in Japan"),
    ("closed_loop_t", "水平リサイクル量", "Closed loop (back into the product)"),
)
RATES: Final = (
    ("collection_rate", "回収率", "Collection rate"),
    ("recycling_rate", "リサイクル率", "Recycling rate"),
    ("closed_loop_share_of_placed", "水平リサイクル／上市量", "Closed loop / placed"),
    ("closed_loop_share_of_recycled", "水平リサイクル／国内リサイクル量", "Closed loop / recycled in Japan"),
)


@dataclass(frozen=True)
class Step:
    """One bar of a product's chart: its label, value (None: withheld or missing) and drawn length."""

    column: str
    label_ja: str
    label_en: str
    text: str
    length: float
    withheld: bool


@dataclass(frozen=True)
class ProductChart:
    """One product category's bars and rates (all materials, whole country)."""

    product: str
    label_ja: str
    label_en: str
    steps: tuple[Step, ...]
    rates: tuple[tuple[str, str, str, bool], ...]  # (label ja, label en, text, withheld)


@dataclass(frozen=True)
class ContentRow:
    """One product category's declared recycled content: (text, withheld) per column."""

    product: str
    label_ja: str
    label_en: str
    cells: tuple[tuple[str, bool], ...]


CONTENT_COLUMNS: Final = (
    ("net_mass_t", "正味質量（t）", "Net mass (t)"),
    ("recycled_pre_consumer_share", "プレコンシューマ再生材率", "Pre-consumer recycled share"),
    ("recycled_post_consumer_share", "ポストコンシューマ再生材率", "Post-consumer recycled share"),
    ("third_party_verified_share", "うち第三者検証済み", "of which third-party verified"),
    ("self_declared_share", "うち自己宣言", "of which self-declared"),
)


def _label(code: str) -> tuple[str, str]:
    term = p.PRODUCT_TERMS.get(code)
    return (term.label_ja, term.label_en) if term is not None else (code, code)


def _position(code: str) -> tuple[int, str]:
    """Products in the vocabulary's order (groups after their leaves), unknown codes last."""
    order = (*p.PRODUCT_LEAF_CODES, *p.PRODUCT_GROUP_CODES)
    return (order.index(code) if code in order else len(order), code)


def _national_rows(frame: pl.DataFrame | None, period: str) -> list[dict[str, Any]]:
    """The period's rows per product category (leaf level: a leaf, or a group an unknown leaf rolled up to)."""
    if frame is None or frame.is_empty():
        return []
    rows = frame.filter(
        (pl.col("period") == period) & (pl.col("product_level") == "leaf") & (pl.col("material_level") == "all")
    )
    if "region_level" in rows.columns:
        rows = rows.filter(pl.col("region_level") == "all")
    return sorted(rows.to_dicts(), key=lambda row: _position(str(row["product_category"])))


def _text(column: str, value: Any, *, withheld: bool) -> str:
    if value is None:
        return WITHHELD if withheld else "–"
    if column.endswith(("_rate", "_share", "_of_placed", "_of_recycled")):
        return f"{value * 100:.1f}%"
    return format_value(column, value)


def product_charts(products: pl.DataFrame | None, period: str) -> list[ProductChart]:
    """One chart per product category, scaled to its own largest bar (products differ by orders of magnitude)."""
    charts = []
    for row in _national_rows(products, period):
        suppressed = bool(row.get("suppressed"))
        top = max((float(row[column] or 0.0) for column, _, _ in STEPS), default=0.0)
        steps = tuple(
            Step(
                column,
                ja,
                en,
                _text(column, row[column], withheld=suppressed),
                BAR_LENGTH * float(row[column]) / top if row[column] is not None and top > 0 else 0.0,
                row[column] is None and suppressed,
            )
            for column, ja, en in STEPS
        )
        rates = tuple(
            (ja, en, _text(column, row[column], withheld=suppressed), row[column] is None and suppressed)
            for column, ja, en in RATES
        )
        charts.append(ProductChart(str(row["product_category"]), *_label(str(row["product_category"])), steps, rates))
    return charts


def content_rows(recycled: pl.DataFrame | None, period: str) -> list[ContentRow]:
    """Declared recycled content per product category: the shares, and the recycled tonnes' assurance."""
    found = []
    for row in _national_rows(recycled, period):
        suppressed = bool(row.get("suppressed"))
        verified = row["third_party_verified_share"]
        has_recycled = (row["recycled_pre_consumer_t"] or 0.0) + (row["recycled_post_consumer_t"] or 0.0) > 0
        values = {**row, "self_declared_share": 1.0 - verified if verified is not None and has_recycled else None}
        cells = tuple(
            (_text(column, values[column], withheld=suppressed), suppressed and values[column] is None)
            for column, _, _ in CONTENT_COLUMNS
        )
        found.append(ContentRow(str(row["product_category"]), *_label(str(row["product_category"])), cells))
    return found


def product_section_context(
    products: pl.DataFrame | None, recycled: pl.DataFrame | None, period: str
) -> dict[str, object]:
    """What the period report's template needs for its product section."""
    return {
        "has_products": products is not None or recycled is not None,
        "product_charts": product_charts(products, period),
        "product_bar_length": BAR_LENGTH,
        "content_columns": CONTENT_COLUMNS,
        "content_rows": content_rows(recycled, period),
    }

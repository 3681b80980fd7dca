"""The period report's map of Japan: a choropleth of one indicator by prefecture or bloc, and the largest transfers.

Everything is computed here, for every indicator × material scope × region level the page can switch to, so
the page's script only looks fills, texts and legends up (no colour logic in JavaScript). Suppressed (秘匿)
cells are hatched and never valued; regions without a row are grey. Transfers come from `mart.regional_flows`:
the largest unsuppressed ones are listed, and drawn as arcs when both ends are prefectures (or blocs).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from infra.rendering.formatting import format_value
from infra.rendering.japan_shapes import JapanShapes, japan_shapes
from schemas import vocabulary as v
from schemas.regions import BLOC, BLOC_CODES, PREFECTURE, PREFECTURE_CODES, region_label
from schemas.tables import INDICATOR_COLUMNS

MAP_LEVELS: Final[tuple[str, ...]] = (PREFECTURE, BLOC)
LEVEL_CODES: Final[dict[str, tuple[str, ...]]] = {PREFECTURE: PREFECTURE_CODES, BLOC: BLOC_CODES}
TOP_TRANSFERS: Final = 15
# ColorBrewer YlGnBu, five steps: light = low, dark = high, readable for most colour vision.
PALETTE: Final[tuple[str, ...]] = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
HATCH_FILL: Final = "url(#map-hatch)"
NO_DATA_FILL: Final = "#d9d9d9"
FILLS: Final[tuple[str, ...]] = (*PALETTE, HATCH_FILL, NO_DATA_FILL)
WITHHELD_TEXT: Final = "秘匿"
ARC_MIN_WIDTH: Final = 1.5
ARC_MAX_WIDTH: Final = 10.0
ARC_BEND: Final = 0.2


@dataclass(frozen=True)
class Option:
    """One entry of a selector: a code and its two labels."""

    code: str
    label_ja: str
    label_en: str


@dataclass(frozen=True)
class LegendStep:
    """One colour of the scale and the range of values it stands for."""

    fill: str
    text: str


@dataclass(frozen=True)
class Choropleth:
    """One indicator for one material scope at one region level: a fill and a text per region of the level."""

    level: str
    material: str
    indicator: str
    fills: dict[str, str]
    texts: dict[str, str]
    legend: tuple[LegendStep, ...]
    n_informative: int = 0  # regions with a published value other than 0 (a member-less 0 t says little)

    @property
    def key(self) -> str:
        """How the page's script finds it: `level/material/indicator`."""
        return f"{self.level}/{self.material}/{self.indicator}"


@dataclass(frozen=True)
class Transfer:
    """One origin → destination row of the largest transfers, with its arc (None when an end is not on the map)."""

    origin: str
    destination: str
    origin_ja: str
    origin_en: str
    destination_ja: str
    destination_en: str
    quantity_t: float
    arc: str | None
    width: float


@dataclass(frozen=True)
class TransferSet:
    """The largest transfers of one material scope at one region level, and what is not drawn or withheld."""

    level: str
    material: str
    transfers: tuple[Transfer, ...]
    n_withheld: int

    @property
    def arcs(self) -> tuple[Transfer, ...]:
        """The transfers drawn on the map."""
        return tuple(transfer for transfer in self.transfers if transfer.arc is not None)

    @property
    def n_not_drawn(self) -> int:
        """Transfers listed but not drawn: an end is not a prefecture (or bloc), such as an import's country."""
        return len(self.transfers) - len(self.arcs)


@dataclass(frozen=True)
class RegionalMapView:
    """The map section of a period report: shapes, selector options, every choropleth and every transfer set."""

    shapes: JapanShapes
    indicators: tuple[Option, ...]
    materials: tuple[Option, ...]
    choropleths: dict[str, Choropleth]
    transfer_sets: tuple[TransferSet, ...]
    initial: Choropleth
    has_transfers: bool

    def prefecture_fills(self, choropleth: Choropleth) -> dict[str, str]:
        """Fill of every prefecture path under a choropleth (at bloc level, its bloc's fill)."""
        if choropleth.level == PREFECTURE:
            return {shape.code: choropleth.fills[shape.code] for shape in self.shapes.prefectures}
        return {shape.code: choropleth.fills[shape.bloc] for shape in self.shapes.prefectures}

    def script_data(self) -> dict[str, Any]:
        """What the page's script needs to recolour the map, as JSON-ready values (fills by palette index)."""
        names = {
            level: [f"{region_label(code, 'ja')} / {region_label(code, 'en')}" for code in codes]
            for level, codes in LEVEL_CODES.items()
        }
        return {
            "fills": list(FILLS),
            "names": names,
            "blocOf": [BLOC_CODES.index(shape.bloc) for shape in self.shapes.prefectures],
            "layers": {
                key: {
                    "fills": [FILLS.index(layer.fills[code]) for code in LEVEL_CODES[layer.level]],
                    "texts": [layer.texts[code] for code in LEVEL_CODES[layer.level]],
                    "legend": [[FILLS.index(step.fill), step.text] for step in layer.legend],
                }
                for key, layer in self.choropleths.items()
            },
        }


def _in_scope(material: str) -> pl.Expr:
    level = v.ALL_MATERIALS if material == v.ALL_MATERIALS else "group"
    return (pl.col("material") == material) & (pl.col("material_level") == level)


def _material_options(*frames: pl.DataFrame) -> tuple[Option, ...]:
    groups = v.labels(v.MATERIAL_GROUPS)
    found: set[str] = set()
    for frame in frames:
        found |= set(frame.filter(pl.col("material_level") == "group").get_column("material").drop_nulls().to_list())
    order = sorted(
        found, key=lambda code: (v.MATERIAL_GROUP_CODES.index(code) if code in groups else len(groups), code)
    )
    options = [Option(v.ALL_MATERIALS, "全素材", "All materials")]
    for code in order:
        term = groups.get(code, v.Term(code, code, code))
        options.append(Option(code, term.label_ja, term.label_en))
    return tuple(options)


def _indicator_options() -> tuple[Option, ...]:
    terms = v.labels(v.INDICATORS)
    return tuple(
        Option(name, terms[name.removesuffix("_t")].label_ja, terms[name.removesuffix("_t")].label_en)
        for name in INDICATOR_COLUMNS
    )


def _classes(values: Sequence[float]) -> dict[float, int]:
    """Palette step of each value by rank (quintiles), so that one large prefecture does not wash the rest out.

    Equal values share a step; with fewer than five distinct values they spread from the lightest to the darkest.
    """
    distinct = sorted(set(values))
    steps = len(PALETTE)
    if len(distinct) == 1:
        return {distinct[0]: steps - 1}
    ranked = sorted(values)
    if len(distinct) < steps:
        return {value: round(index * (steps - 1) / (len(distinct) - 1)) for index, value in enumerate(distinct)}
    return {value: min(bisect_left(ranked, value) * steps // len(ranked), steps - 1) for value in distinct}


def _legend(indicator: str, classes: dict[float, int]) -> tuple[LegendStep, ...]:
    """One legend step per palette step used: the lowest and highest value it holds."""
    legend = []
    for step, fill in enumerate(PALETTE):
        held = [value for value, of in classes.items() if of == step]
        if held:
            low, high = format_value(indicator, min(held)), format_value(indicator, max(held))
            legend.append(LegendStep(fill, low if low == high else f"{low} – {high}"))
    return tuple(legend)


def _choropleth(rows: pl.DataFrame, *, level: str, material: str, indicator: str) -> Choropleth:
    """One layer from the period's indicator rows of one region level and material scope."""
    cells: dict[str, float] = {}
    withheld: set[str] = set()
    for region, value, suppressed in rows.select("region", indicator, "suppressed").iter_rows():
        if bool(suppressed) and value is None:  # withheld (the row's other values may be published)
            withheld.add(region)
        elif value is not None:
            cells[region] = float(value)
    classes = _classes(list(cells.values()))
    fills, texts = {}, {}
    for code in LEVEL_CODES[level]:
        if code in withheld:
            fills[code], texts[code] = HATCH_FILL, WITHHELD_TEXT
        elif code in cells:
            fills[code], texts[code] = PALETTE[classes[cells[code]]], format_value(indicator, cells[code])
        else:
            fills[code], texts[code] = NO_DATA_FILL, format_value(indicator, None)
    informative = sum(value != 0 for code, value in cells.items() if code in LEVEL_CODES[level])
    return Choropleth(level, material, indicator, fills, texts, _legend(indicator, classes), informative)


def _arc(start: tuple[float, float], end: tuple[float, float]) -> str:
    """A quadratic curve bent to the left of its direction, so A → B and B → A do not overlap."""
    (x0, y0), (x1, y1) = start, end
    control_x = (x0 + x1) / 2 - (y1 - y0) * ARC_BEND
    control_y = (y0 + y1) / 2 + (x1 - x0) * ARC_BEND
    return f"M{x0:.1f},{y0:.1f} Q{control_x:.1f},{control_y:.1f} {x1:.1f},{y1:.1f}"


def _transfer_set(flows: pl.DataFrame, shapes: JapanShapes, *, level: str, material: str, top: int) -> TransferSet:
    mine = flows.filter((pl.col("region_level") == level) & _in_scope(material))
    hidden = pl.col("suppressed").fill_null(value=False)
    largest = (
        mine.filter(~hidden & pl.col("quantity_t").is_not_null())
        .sort(["quantity_t", "origin_region", "destination_region"], descending=[True, False, False])
        .head(top)
    )
    heaviest = largest.get_column("quantity_t").max() if largest.height else None
    drawable = set(LEVEL_CODES[level])
    transfers = []
    for origin, destination, quantity in largest.select("origin_region", "destination_region", "quantity_t").rows():
        start, end = shapes.centroid(origin), shapes.centroid(destination)
        on_map = origin in drawable and destination in drawable and origin != destination
        arc = _arc(start, end) if on_map and start is not None and end is not None else None
        share = float(quantity) / float(heaviest) if isinstance(heaviest, int | float) and heaviest > 0 else 0.0
        transfers.append(
            Transfer(
                origin=origin,
                destination=destination,
                origin_ja=region_label(origin, "ja"),
                origin_en=region_label(origin, "en"),
                destination_ja=region_label(destination, "ja"),
                destination_en=region_label(destination, "en"),
                quantity_t=float(quantity),
                arc=arc,
                width=round(ARC_MIN_WIDTH + (ARC_MAX_WIDTH - ARC_MIN_WIDTH) * share, 2),
            )
        )
    return TransferSet(level, material, tuple(transfers), mine.filter(hidden).height)


def regional_map_view(
    *, period: str, indicators: pl.DataFrame, regional_flows: pl.DataFrame | None, top: int = TOP_TRANSFERS
) -> RegionalMapView:
    """The map section for one period, from `mart.indicators` and `mart.regional_flows` frames (any periods).

    `regional_flows` may be None or empty (not yet published): the map then shows indicators only.

    Examples:
        >>> import polars as pl
        >>> from schemas.tables import TABLES
        >>> empty = pl.DataFrame(schema=TABLES["mart.indicators"])
        >>> view = regional_map_view(period="FY2024", indicators=empty, regional_flows=None)
        >>> len(view.shapes.prefectures), set(view.prefecture_fills(view.initial).values()), view.has_transfers
        (47, {'#d9d9d9'}, False)

    """
    shapes = japan_shapes()
    rows = indicators.filter(
        (pl.col("period") == period)
        & pl.col("region_level").is_in(MAP_LEVELS)
        & pl.col("material_level").is_in(("all", "group"))
    )
    flows = (
        regional_flows.filter(pl.col("period") == period)
        if regional_flows is not None
        else pl.DataFrame(schema={"material": pl.String(), "material_level": pl.String()})
    )
    materials = _material_options(rows, flows)
    options = _indicator_options()
    choropleths = {}
    for level in MAP_LEVELS:
        for material in materials:
            scoped = rows.filter((pl.col("region_level") == level) & _in_scope(material.code))
            for option in options:
                layer = _choropleth(scoped, level=level, material=material.code, indicator=option.code)
                choropleths[layer.key] = layer
    transfer_sets = (
        tuple(
            _transfer_set(flows, shapes, level=level, material=material.code, top=top)
            for level in MAP_LEVELS
            for material in materials
        )
        if flows.height
        else ()
    )
    # The map opens on the prefecture layer that shows the most prefectures a value other than 0 (all
    # materials and the first indicator on a tie): a page opening on hatching, or on the 0 t of prefectures
    # where no member reports a quantity, tells a reader little.
    prefecture_layers = [
        choropleths[f"{PREFECTURE}/{material.code}/{option.code}"] for material in materials for option in options
    ]
    initial = max(prefecture_layers, key=lambda layer: layer.n_informative)
    return RegionalMapView(
        shapes=shapes,
        indicators=options,
        materials=materials,
        choropleths=choropleths,
        transfer_sets=transfer_sets,
        initial=initial,
        has_transfers=bool(flows.height),
    )


def regional_map_context(
    *, period: str, indicators: pl.DataFrame, regional_flows: pl.DataFrame | None
) -> dict[str, Any]:
    """The template variables of the map section (`_regional_map.html.j2` and its script)."""
    view = regional_map_view(period=period, indicators=indicators, regional_flows=regional_flows)
    return {
        "regional_map": view,
        "map_script_data": view.script_data(),
        "map_palette": PALETTE,
        "map_no_data_fill": NO_DATA_FILL,
        "map_top_transfers": TOP_TRANSFERS,
    }

"""The period report: a self-contained HTML page with a Sankey diagram, indicators and target progress.

The Sankey layout is computed here and drawn as inline SVG, so the page needs no script library, font or
stylesheet from the network and opens offline. Suppressed (秘匿) cells are never drawn; the page says how
many were withheld.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Final, Literal

import jinja2
import polars as pl

from infra.keys import check_key
from infra.storage import REPORTS
from schemas import vocabulary as v
from schemas.tables import INDICATOR_COLUMNS, TABLES

if TYPE_CHECKING:
    from infra.resources import Resources

Language = Literal["ja", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("ja", "en")
SANKEY_TABLE: Final = "mart.sankey_links"
INDICATORS_TABLE: Final = "mart.indicators"
TARGET_PROGRESS_TABLE: Final = "mart.target_progress"
SUPPRESSED: Final = "suppressed"
ALL_MEMBER_KINDS: Final = "all"
BAR_LENGTH: Final = 360.0

NODE_WIDTH: Final = 14.0
NODE_GAP: Final = 16.0
SIDE_MARGIN: Final = 60.0
COLUMN_MIN_SPACING: Final = 190.0
LABEL_ROOM: Final = 180.0
TOP_MARGIN: Final = 12.0
RETURN_GAP: Final = 10.0
CHART_WIDTH: Final = 960.0
CHART_HEIGHT: Final = 420.0
# Fill colours by where a stage sits in the economy; circular stages are green on purpose.
STAGE_COLOURS: Final[tuple[tuple[frozenset[str], str], ...]] = (
    (v.SOURCES, "#6b7a8f"),
    (v.ECONOMY, "#3a6ea5"),
    (v.OTHER_SINKS, "#8e7cc3"),
    (v.CIRCULAR, "#3d9a50"),
    (frozenset({"collection", "sorting"}), "#4aa3a1"),
    (frozenset({v.ENERGY_RECOVERY}), "#d98c2b"),
    (frozenset({"treatment", "return_to_nature", v.LANDFILL}), "#9a5b3d"),
)
UNKNOWN_COLOUR: Final = "#999999"


@dataclass(frozen=True)
class SankeyNode:
    """A stage drawn as a bar: its column, position and throughput (max of inflow and outflow)."""

    stage: str
    label_en: str
    label_ja: str
    column: int
    x: float
    y: float
    height: float
    value_t: float
    colour: str


@dataclass(frozen=True)
class SankeyLink:
    """A flow between two stages drawn as a stroked cubic path whose width is proportional to its value."""

    source: str
    target: str
    value_t: float
    width: float
    path: str
    colour: str
    is_return: bool


@dataclass(frozen=True)
class SankeyLayout:
    """Nodes and links of one diagram, in SVG user units."""

    nodes: tuple[SankeyNode, ...]
    links: tuple[SankeyLink, ...]
    width: float
    height: float


def _stage_order(stage: str) -> tuple[int, str]:
    """Position in `schemas.vocabulary.STAGES`; codes outside it go last, alphabetically."""
    codes = v.STAGE_CODES
    return (codes.index(stage), "") if stage in codes else (len(codes), stage)


def _colour(stage: str) -> str:
    return next((colour for stages, colour in STAGE_COLOURS if stage in stages), UNKNOWN_COLOUR)


def layout_sankey(
    links: Iterable[tuple[str, str, float]], *, width: float = CHART_WIDTH, height: float = CHART_HEIGHT
) -> SankeyLayout:
    """Place stages in columns and route links, for (source, target, value_t) triples.

    A link goes forward when its target's stage comes later in STAGES; a stage's column is the longest chain of
    forward links leading to it. Links back to an earlier column (recycling → production) loop under the
    diagram. Node heights and link widths share one scale (t per SVG unit), so `height` holds the tallest
    column plus the return loops; `width` grows when columns would be too close for their labels.

    Examples:
        >>> layout = layout_sankey([("use", "collection", 30.0), ("collection", "recycling", 20.0)], height=300)
        >>> [(node.stage, node.column, node.value_t) for node in layout.nodes]
        [('use', 0, 30.0), ('collection', 1, 30.0), ('recycling', 2, 20.0)]
        >>> [link.width for link in layout.links]
        [300.0, 200.0]

    """
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for source, target, value in links:
        if source != target and value > 0 and math.isfinite(value):
            totals[(source, target)] += value
    stages = sorted({stage for pair in totals for stage in pair}, key=_stage_order)
    column = dict.fromkeys(stages, 0)
    for stage in stages:  # stage order is a topological order of the forward links
        for source, target in totals:
            if source == stage and _stage_order(target) > _stage_order(source):
                column[target] = max(column[target], column[source] + 1)
    returns = [pair for pair in totals if column[pair[1]] <= column[pair[0]]]
    inflow: dict[str, float] = defaultdict(float)
    outflow: dict[str, float] = defaultdict(float)
    for (source, target), value in totals.items():
        outflow[source] += value
        inflow[target] += value
    throughput = {stage: max(inflow[stage], outflow[stage]) for stage in stages}
    by_column: dict[int, list[str]] = defaultdict(list)
    for stage in stages:
        by_column[column[stage]].append(stage)
    n_columns = len(by_column)
    returned_t = sum(totals[pair] for pair in returns)
    loop_space = RETURN_GAP * (len(returns) + 1) if returns else 0.0
    scale = min(
        (
            (height - NODE_GAP * (len(members) - 1) - loop_space)
            / (sum(throughput[stage] for stage in members) + returned_t)
            for members in by_column.values()
        ),
        default=1.0,
    )
    # Room at both sides for the widest return loop's corners (radius = half its stroke + a gap).
    margin = max([SIDE_MARGIN] + [totals[pair] * scale + 3 * RETURN_GAP for pair in returns])
    # Labels sit right of their node (the last column's too, so they never collide with the column before).
    width = max(width, 2 * margin + LABEL_ROOM + NODE_WIDTH + COLUMN_MIN_SPACING * (n_columns - 1))
    span = width - 2 * margin - LABEL_ROOM - NODE_WIDTH
    node_area = (
        max(
            sum(throughput[stage] * scale for stage in members) + NODE_GAP * (len(members) - 1)
            for members in by_column.values()
        )
        if stages
        else 0.0
    )
    labels = v.labels(v.STAGES)
    nodes: dict[str, SankeyNode] = {}
    for index, members in by_column.items():
        x = margin + (span * index / (n_columns - 1) if n_columns > 1 else span / 2)
        used = sum(throughput[stage] * scale for stage in members) + NODE_GAP * (len(members) - 1)
        y = TOP_MARGIN + (node_area - used) / 2
        for stage in members:
            term = labels.get(stage, v.Term(stage, stage, stage))
            nodes[stage] = SankeyNode(
                stage=stage,
                label_en=term.label_en,
                label_ja=term.label_ja,
                column=index,
                x=x,
                y=y,
                height=throughput[stage] * scale,
                value_t=throughput[stage],
                colour=_colour(stage),
            )
            y += throughput[stage] * scale + NODE_GAP
    # Stack links on each node's side by the other end's height; returns at the bottom, nearest their loop.
    out_offset: dict[tuple[str, str], float] = {}
    in_offset: dict[tuple[str, str], float] = {}
    for stage in stages:
        outgoing = sorted((p for p in totals if p[0] == stage), key=lambda p: (p in returns, nodes[p[1]].y))
        incoming = sorted((p for p in totals if p[1] == stage), key=lambda p: (p in returns, nodes[p[0]].y))
        for offsets, pairs in ((out_offset, outgoing), (in_offset, incoming)):
            offset = nodes[stage].y
            for pair in pairs:
                offsets[pair] = offset + totals[pair] * scale / 2
                offset += totals[pair] * scale
    bottom = TOP_MARGIN + node_area + RETURN_GAP
    drawn: list[SankeyLink] = []

    # Shorter return loops are drawn nearer the diagram, so a loop nested inside another never crosses it.
    def loop_order(pair: tuple[str, str]) -> tuple[bool, float, tuple[int, str], tuple[int, str]]:
        span = nodes[pair[0]].x - nodes[pair[1]].x
        return (pair in returns, span, _stage_order(pair[0]), _stage_order(pair[1]))

    for pair in sorted(totals, key=loop_order):
        start, end = nodes[pair[0]], nodes[pair[1]]
        stroke = totals[pair] * scale
        x0, y0, x1, y1 = start.x + NODE_WIDTH, out_offset[pair], end.x, in_offset[pair]
        if pair in returns:
            path, bottom = _return_path(x0, y0, x1, y1, stroke=stroke, bottom=bottom)
        else:
            middle = (x0 + x1) / 2
            path = f"M{x0:.1f},{y0:.1f} C{middle:.1f},{y0:.1f} {middle:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"
        drawn.append(
            SankeyLink(pair[0], pair[1], totals[pair], stroke, path, _colour(pair[1]), is_return=pair in returns)
        )
    drawn.sort(key=lambda link: (_stage_order(link.source), _stage_order(link.target)))
    total_height = max(bottom, TOP_MARGIN + height) + TOP_MARGIN
    return SankeyLayout(tuple(nodes[stage] for stage in stages), tuple(drawn), width, total_height)


def _return_path(x0: float, y0: float, x1: float, y1: float, *, stroke: float, bottom: float) -> tuple[str, float]:
    """A loop from a node's right side, down under the diagram, back and up into an earlier node's left side.

    Corners are circular arcs whose radius exceeds half the stroke, so a wide band never folds over itself.
    Returns the path and the new bottom of the loops drawn so far.
    """
    radius = stroke / 2 + RETURN_GAP
    loop_y = max(bottom + stroke / 2, y0 + 2 * radius, y1 + 2 * radius)
    reach = RETURN_GAP
    path = (
        f"M{x0:.1f},{y0:.1f} H{x0 + reach:.1f} "
        f"A{radius:.1f},{radius:.1f} 0 0 1 {x0 + reach + radius:.1f},{y0 + radius:.1f} "
        f"V{loop_y - radius:.1f} A{radius:.1f},{radius:.1f} 0 0 1 {x0 + reach:.1f},{loop_y:.1f} "
        f"H{x1 - reach:.1f} A{radius:.1f},{radius:.1f} 0 0 1 {x1 - reach - radius:.1f},{loop_y - radius:.1f} "
        f"V{y1 + radius:.1f} A{radius:.1f},{radius:.1f} 0 0 1 {x1 - reach:.1f},{y1:.1f} H{x1:.1f}"
    )
    return path, loop_y + stroke / 2 + RETURN_GAP


@dataclass(frozen=True)
class SankeyView:
    """One diagram of the page: a material scope, its layout and how many links were withheld."""

    material: str
    label_en: str
    label_ja: str
    layout: SankeyLayout
    n_withheld: int


@dataclass(frozen=True)
class Cell:
    """One table cell: a formatted value, or withheld (秘匿), or missing."""

    text: str
    withheld: bool = False


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: a label, a value and its drawn length in SVG units."""

    label: str
    value: float
    length: float
    text: str


@dataclass(frozen=True)
class TargetBar:
    """Targets on one indicator for one member kind: median progress and the share on track."""

    indicator: str
    label_en: str
    label_ja: str
    kind_en: str
    kind_ja: str
    n_targets: int
    n_with_progress: int
    n_on_track: int
    median_progress: float | None
    progress_length: float
    on_track_share: float | None
    on_track_length: float


def _visible(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows that may be shown and rows withheld (`suppressed` true), when the table has that column."""
    if SUPPRESSED not in frame.columns:
        return frame, frame.clear()
    hidden = pl.col(SUPPRESSED).fill_null(value=False)
    return frame.filter(~hidden), frame.filter(hidden)


def _sankey_views(links: pl.DataFrame, period: str) -> list[SankeyView]:
    links = links.filter(pl.col("period") == period)
    shown, withheld = _visible(links)
    groups = v.labels(v.MATERIAL_GROUPS)
    scopes = [(v.ALL_MATERIALS, "all")] + [
        (material, "group")
        for material in sorted(
            set(links.filter(pl.col("material_level") == "group").get_column("material").drop_nulls().to_list()),
            key=lambda code: (v.MATERIAL_GROUP_CODES.index(code) if code in groups else len(groups), code),
        )
    ]
    views = []
    for material, level in scopes:
        mine = (pl.col("material") == material) & (pl.col("material_level") == level)
        rows = shown.filter(mine).select("source", "target", "value_t").rows()
        term = groups.get(material, v.Term(material, material, material))
        if material == v.ALL_MATERIALS:
            term = v.Term(material, "All materials", "全素材")
        views.append(
            SankeyView(
                material=material,
                label_en=term.label_en,
                label_ja=term.label_ja,
                layout=layout_sankey((str(s), str(t), float(x or 0.0)) for s, t, x in rows),
                n_withheld=withheld.filter(mine).height,
            )
        )
    return views


def _format(column: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if column.endswith("_rate"):
        return f"{value * 100:.1f}%"
    return f"{value:,.1f}"


def _indicator_rows(indicators: pl.DataFrame, period: str) -> tuple[list[str], list[tuple[str, list[Cell]]]]:
    """Headline indicators (all materials, all regions) per period of the report period's grain, oldest first."""
    headline = indicators.filter((pl.col("material_level") == "all") & (pl.col("region_level") == "all"))
    grain = headline.filter(pl.col("period") == period).get_column("grain").unique().to_list()
    if len(grain) == 1:
        headline = headline.filter(pl.col("grain") == grain[0])
    headline = headline.sort("period_start", "period")
    columns = list(INDICATOR_COLUMNS)
    rows = []
    for row in headline.iter_rows(named=True):
        withheld = bool(row.get(SUPPRESSED))
        cells = [Cell("秘匿", withheld=True) if withheld else Cell(_format(name, row[name])) for name in columns]
        rows.append((str(row["period"]), cells))
    return columns, rows


def _bars(pairs: Sequence[tuple[str, float]], *, length: float) -> list[Bar]:
    top = max((value for _, value in pairs), default=0.0)
    return [
        Bar(label, value, length * value / top if top > 0 else 0.0, _format("final_disposal_t", value))
        for label, value in pairs
    ]


def _disposal_bars(indicators: pl.DataFrame, periods: Sequence[str]) -> list[Bar]:
    headline = indicators.filter(
        (pl.col("material_level") == "all") & (pl.col("region_level") == "all") & pl.col("period").is_in(periods)
    )
    shown, _ = _visible(headline)
    values = dict(shown.select("period", "final_disposal_t").drop_nulls().rows())
    return _bars([(period, float(values[period])) for period in periods if period in values], length=360.0)


def _clipped(ratio: float | None) -> float:
    return BAR_LENGTH * min(max(ratio, 0.0), 1.0) if ratio is not None and math.isfinite(ratio) else 0.0


def _target_bars(progress: pl.DataFrame | None) -> tuple[list[TargetBar], int]:
    """One bar per indicator and member kind (all kinds first), and how many rows were withheld."""
    if progress is None:
        return [], 0
    shown, withheld = _visible(progress)
    indicators = v.labels(v.INDICATORS)
    kinds = v.labels(v.MEMBER_KINDS)
    kind_order = (ALL_MEMBER_KINDS, *v.MEMBER_KIND_CODES)
    bars: list[tuple[tuple[int, str, int, str], TargetBar]] = []
    for row in shown.iter_rows(named=True):
        indicator, kind = str(row["indicator"]), str(row["member_kind"])
        term = indicators.get(indicator, v.Term(indicator, indicator, indicator))
        if indicator == v.CUSTOM_INDICATOR:
            term = v.Term(indicator, "Custom indicators", "独自指標")
        kind_term = kinds.get(kind, v.Term(kind, kind, kind))
        if kind == ALL_MEMBER_KINDS:
            kind_term = v.Term(kind, "all members", "全会員")
        with_progress, on_track = row["n_with_progress"] or 0, row["n_on_track"] or 0
        share = on_track / with_progress if with_progress else None
        codes = v.TARGET_INDICATOR_CODES
        position = (
            codes.index(indicator) if indicator in codes else len(codes),
            indicator,
            kind_order.index(kind) if kind in kind_order else len(kind_order),
            kind,
        )
        bars.append(
            (
                position,
                TargetBar(
                    indicator=indicator,
                    label_en=term.label_en,
                    label_ja=term.label_ja,
                    kind_en=kind_term.label_en,
                    kind_ja=kind_term.label_ja,
                    n_targets=row["n_targets"] or 0,
                    n_with_progress=with_progress,
                    n_on_track=on_track,
                    median_progress=row["median_progress_ratio"],
                    progress_length=_clipped(row["median_progress_ratio"]),
                    on_track_share=share,
                    on_track_length=_clipped(share),
                ),
            )
        )

    return [bar for _, bar in sorted(bars, key=lambda item: item[0])], withheld.height


@cache
def _template() -> jinja2.Template:
    # Autoescape on: material, stage and target names come from members and must render as text.
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("flows", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = lambda value, digits=1: f"{value:,.{digits}f}"
    environment.filters["percent"] = lambda value: f"{value * 100:.1f}%"
    return environment.get_template("period_report.html.j2")


def build_period_report(*, period: str, tables: Mapping[str, pl.DataFrame], language: Language = "ja") -> str:
    """The period's report as one self-contained HTML page, from frames of the published tables.

    `tables` holds `mart.sankey_links` (at least the period's rows), `mart.indicators` (every period, for the
    time series) and, when published, `mart.target_progress`.
    """
    if language not in LANGUAGES:
        msg = f"language must be one of {', '.join(LANGUAGES)}, not {language!r}"
        raise ValueError(msg)
    missing = [name for name in (SANKEY_TABLE, INDICATORS_TABLE) if name not in tables]
    if missing:
        msg = f"the period report needs tables {', '.join(missing)}; read them from the warehouse first"
        raise ValueError(msg)
    views = _sankey_views(tables[SANKEY_TABLE], period)
    columns, rows = _indicator_rows(tables[INDICATORS_TABLE], period)
    target_bars, targets_withheld = _target_bars(tables.get(TARGET_PROGRESS_TABLE))
    indicator_labels = v.labels(v.INDICATORS)
    return _template().render(
        period=period,
        language=language,
        views=views,
        node_width=NODE_WIDTH,
        indicator_columns=[(name, indicator_labels[name.removesuffix("_t")]) for name in columns],
        indicator_rows=rows,
        disposal_bars=_disposal_bars(tables[INDICATORS_TABLE], [period for period, _ in rows]),
        has_target_progress=TARGET_PROGRESS_TABLE in tables,
        target_bars=target_bars,
        targets_withheld=targets_withheld,
        bar_length=BAR_LENGTH,
    )


def period_report_key(period: str) -> str:
    """Storage key of a period's report: `reports/_periods/<period>.html` (member ids cannot start with `_`)."""
    if "/" in period:
        msg = f"period {period!r} cannot contain '/'"
        raise ValueError(msg)
    return check_key(f"{REPORTS}/_periods/{period}.html")


def read_report_tables(resources: Resources, period: str) -> dict[str, pl.DataFrame]:
    """The published frames a period report is drawn from."""
    warehouse = resources.warehouse
    tables = {
        SANKEY_TABLE: warehouse.read(SANKEY_TABLE, where={"period": [period]}),
        INDICATORS_TABLE: warehouse.read(INDICATORS_TABLE),
    }
    if TARGET_PROGRESS_TABLE in TABLES:
        tables[TARGET_PROGRESS_TABLE] = warehouse.read(TARGET_PROGRESS_TABLE)
    return tables


def write_period_report(resources: Resources, period: str, *, language: Language = "ja") -> str:
    """Render a period's report from the warehouse and store it; returns its storage key."""
    key = period_report_key(period)
    html = build_period_report(period=period, tables=read_report_tables(resources, period), language=language)
    resources.storage.put_bytes(key, html.encode("utf-8"), content_type="text/html; charset=utf-8")
    return key

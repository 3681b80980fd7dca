"""Sankey layout geometry: node columns and link ribbons in SVG units, computed here so the page needs no script.

Pure arithmetic over link frames; the period report draws the result as inline SVG.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from schemas import vocabulary as v

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

"""Roadmap charts for the period report: national actuals over time against the target line, members beside them.

Pure geometry over `mart.roadmap_progress` rows, drawn by the template as inline SVG (no script, no network).
One chart per national roadmap indicator: the left panel has the official actuals and the straight line from the
baseline to the target; the right panel the members' aggregate on its own scale (it covers the members only, so
it is never drawn on the national axis). Withheld (秘匿) members' values are not drawn, only counted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from schemas.reference import JPY_PER_T, NATIONAL, RATIO, ROADMAP_INDICATORS, T_PER_CAPITA, TONNES
from schemas.vocabulary import labels

PANEL_WIDTH: Final = 330.0
PANEL_HEIGHT: Final = 170.0
MARGIN_LEFT: Final = 70.0
MARGIN_TOP: Final = 24.0
PANEL_GAP: Final = 90.0
CHART_WIDTH: Final = MARGIN_LEFT + 2 * PANEL_WIDTH + PANEL_GAP + 20.0
CHART_HEIGHT: Final = MARGIN_TOP + PANEL_HEIGHT + 40.0


@dataclass(frozen=True)
class Point:
    """One actual drawn: its year, value and position."""

    year: int
    value: float
    text: str
    x: float
    y: float


@dataclass(frozen=True)
class Panel:
    """One panel of a chart: its left edge, its points and the line joining them, and its axis labels."""

    left: float
    points: tuple[Point, ...]
    path: str
    top_text: str
    first_year: int
    last_year: int
    n_withheld: int = 0
    target_line: str = ""  # the baseline-to-target line (official panel only)
    target_x: float = 0.0
    target_y: float = 0.0


@dataclass(frozen=True)
class RoadmapChart:
    """A national roadmap indicator: labels, target, and the official and members' panels."""

    roadmap_id: str
    indicator: str
    label_en: str
    label_ja: str
    target_year: int
    target_text: str
    source: str
    official: Panel
    members: Panel


def format_value(value: float | None, unit: str) -> str:
    """A value in its canonical unit as people read it: 19.0%, 11.00 Mt, 60.0万円/t.

    Examples:
        >>> [format_value(v, u) for v, u in ((0.19, "ratio"), (11e6, "t"), (6e5, "jpy_per_t"), (None, "t"))]
        ['19.0%', '11.00 Mt', '60.0万円/t', '–']

    """
    if value is None or not math.isfinite(value):
        return "–"
    if unit == RATIO:
        return f"{value * 100:.1f}%"
    if unit == TONNES:
        return f"{value / 1e6:,.2f} Mt" if abs(value) >= 1e5 else f"{value:,.1f} t"
    if unit == JPY_PER_T:
        return f"{value / 1e4:,.1f}万円/t"
    if unit == T_PER_CAPITA:
        return f"{value:,.2f} t/人"
    return f"{value:,.3g}"


def _scale(values: Sequence[float]) -> float:
    """The top of a panel's axis: a little above the largest value (1 when there is none)."""
    top = max((abs(value) for value in values), default=0.0)
    return top * 1.15 if top > 0 else 1.0


def _panel(
    rows: Sequence[dict[str, Any]],
    *,
    left: float,
    unit: str,
    first_year: int,
    last_year: int,
    line: tuple[tuple[int, float], tuple[int, float]] | None,
) -> Panel:
    shown = [row for row in rows if row["actual_value"] is not None and row["actual_year"] is not None]
    values = [float(row["actual_value"]) for row in shown]
    if line is not None:
        values += [line[0][1], line[1][1]]
    top = _scale(values)
    span = max(last_year - first_year, 1)

    def x(year: int) -> float:
        return left + PANEL_WIDTH * (year - first_year) / span

    def y(value: float) -> float:
        return MARGIN_TOP + PANEL_HEIGHT * (1 - max(value, 0.0) / top)

    points = tuple(
        Point(
            int(row["actual_year"]),
            float(row["actual_value"]),
            format_value(row["actual_value"], unit),
            round(x(int(row["actual_year"])), 1),
            round(y(float(row["actual_value"])), 1),
        )  # fmt: skip
        for row in sorted(shown, key=lambda row: int(row["actual_year"]))
    )
    path = " ".join(f"{'M' if i == 0 else 'L'}{p.x} {p.y}" for i, p in enumerate(points))
    withheld = sum(1 for row in rows if row["suppressed"])
    target_line, target_x, target_y = "", 0.0, 0.0
    if line is not None:
        (start_year, start_value), (end_year, end_value) = line
        target_x, target_y = round(x(end_year), 1), round(y(end_value), 1)
        target_line = f"M{round(x(start_year), 1)} {round(y(start_value), 1)} L{target_x} {target_y}"
    return Panel(
        left=left,
        points=points,
        path=path,
        top_text=format_value(top, unit),
        first_year=first_year,
        last_year=last_year,
        n_withheld=withheld,
        target_line=target_line,
        target_x=target_x,
        target_y=target_y,
    )


def roadmap_charts(progress: pl.DataFrame | None) -> list[RoadmapChart]:
    """One chart per national roadmap target of `mart.roadmap_progress`, in the order of the indicator vocabulary."""
    if progress is None or progress.is_empty():
        return []
    terms = labels(ROADMAP_INDICATORS)
    order = list(terms)
    national = progress.filter(pl.col("scope") == NATIONAL)
    charts = []
    for (roadmap_id,), rows in national.group_by("roadmap_id", maintain_order=True):
        first = rows.row(0, named=True)
        unit, target_year = str(first["unit"]), int(first["target_year"])
        years = [int(year) for year in rows.get_column("actual_year").drop_nulls().to_list()]
        baseline_year = first["baseline_year"]
        first_year = min([*years, *([int(baseline_year)] if baseline_year is not None else []), target_year - 1])
        line = None
        if baseline_year is not None and first["baseline_value"] is not None and first["target_value"] is not None:
            line = ((int(baseline_year), float(first["baseline_value"])), (target_year, float(first["target_value"])))
        by_basis = {basis: frame.to_dicts() for (basis,), frame in rows.group_by("basis")}
        official = _panel(
            by_basis.get("official", []), left=MARGIN_LEFT, unit=unit, first_year=first_year,
            last_year=target_year, line=line,
        )  # fmt: skip
        members = _panel(
            by_basis.get("members", []), left=MARGIN_LEFT + PANEL_WIDTH + PANEL_GAP, unit=unit,
            first_year=first_year, last_year=target_year, line=None,
        )  # fmt: skip
        indicator = str(first["indicator"])
        term = terms.get(indicator)
        charts.append(
            RoadmapChart(
                roadmap_id=str(roadmap_id),
                indicator=indicator,
                label_en=term.label_en if term else indicator,
                label_ja=term.label_ja if term else indicator,
                target_year=target_year,
                target_text=format_value(first["target_value"], unit),
                source=str(first["source"] or ""),
                official=official,
                members=members,
            )
        )
    return sorted(charts, key=lambda chart: (order.index(chart.indicator) if chart.indicator in order else 99,
                                             chart.roadmap_id))  # fmt: skip


def roadmap_context(progress: pl.DataFrame | None) -> dict[str, Any]:
    """What the roadmap section of the period report template needs."""
    return {
        "roadmap_charts": roadmap_charts(progress),
        "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT,
        "panel_width": PANEL_WIDTH,
        "panel_height": PANEL_HEIGHT,
        "margin_top": MARGIN_TOP,
    }

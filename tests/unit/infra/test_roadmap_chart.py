"""The period report's roadmap section: one chart per national roadmap indicator, drawn from mart.roadmap_progress."""

from __future__ import annotations

import re

import polars as pl

from infra.rendering.period_report import build_period_report
from infra.rendering.roadmap_chart import CHART_HEIGHT, MARGIN_TOP, PANEL_HEIGHT, roadmap_charts
from schemas.tables import TABLES

NATIONAL_ROADMAPS = {
    # roadmap_id: (indicator, unit, baseline 2019, target 2030, official actuals, members' actuals by year)
    "plan5.input_cyclical_use_rate": ("input_cyclical_use_rate", "ratio", 0.157, 0.19,
                                      {2019: 0.157, 2022: 0.16}, {2023: 0.25, 2024: 0.3}),
    "plan5.output_cyclical_use_rate": ("output_cyclical_use_rate", "ratio", 0.43, 0.44, {2019: 0.43}, {2024: 0.5}),
    "plan5.final_disposal": ("final_disposal", "t", 13.04e6, 11e6, {2019: 13.04e6}, {2023: 120.0, 2024: None}),
    "plan5.resource_productivity": ("resource_productivity_jpy_per_t", "jpy_per_t", 436_000.0, 600_000.0,
                                    {2019: 436_000.0}, {}),
}  # fmt: skip


def roadmap_progress_example() -> pl.DataFrame:
    """Four national roadmaps and one per-material one (not charted); one members' value withheld (秘匿)."""
    rows = []
    for roadmap_id, (indicator, unit, baseline, target, official, members) in NATIONAL_ROADMAPS.items():
        base = {"roadmap_id": roadmap_id, "scope": "national", "indicator": indicator, "unit": unit,
                "baseline_year": 2019, "baseline_value": baseline, "target_year": 2030, "target_value": target,
                "source": "第五次循環型社会形成推進基本計画"}  # fmt: skip
        for basis, actuals in (("official", official), ("members", members)):
            latest = max(actuals, default=None)
            for year, value in actuals.items() or [(None, None)]:
                withheld = value is None and year is not None
                rows.append(
                    {**base, "basis": basis, "actual_period": f"FY{year}" if year else None, "actual_year": year,
                     "actual_value": value, "is_latest": year == latest, "suppressed": withheld,
                     "suppression_reason": "few_contributors" if withheld else None}
                )  # fmt: skip
    rows.append(
        {
            "roadmap_id": "plastics.packaging",
            "scope": "plastics.packaging",
            "indicator": "recovery_rate",
            "unit": "ratio",
            "target_year": 2030,
            "target_value": 0.6,
            "basis": "members",
            "actual_year": 2024,
            "actual_value": 0.5,
            "is_latest": True,
            "suppressed": False,
        }  # fmt: skip
    )
    schema = TABLES["mart.roadmap_progress"]
    return pl.DataFrame([{**dict.fromkeys(schema), **row} for row in rows], schema=schema)


def test_one_chart_per_national_indicator_in_vocabulary_order() -> None:
    charts = roadmap_charts(roadmap_progress_example())
    assert [chart.indicator for chart in charts] == [
        "final_disposal",
        "input_cyclical_use_rate",
        "output_cyclical_use_rate",
        "resource_productivity_jpy_per_t",
    ]
    rate = charts[1]
    assert [point.year for point in rate.official.points] == [2019, 2022]
    assert [point.text for point in rate.members.points] == ["25.0%", "30.0%"]
    assert rate.target_text == "19.0%"
    # the target line ends at the target: 0.19 on an axis topped at 1.15 × 0.19
    assert rate.official.target_y == round(MARGIN_TOP + PANEL_HEIGHT * (1 - 1 / 1.15), 1)
    assert rate.official.target_line.startswith("M70.0 ")  # from the baseline year at the panel's left edge
    disposal = charts[0]
    assert (len(disposal.members.points), disposal.members.n_withheld) == (1, 1)
    assert disposal.members.points[0].text == "120.0 t"  # the members' own scale, never the national axis
    assert charts[3].members.points == ()
    assert roadmap_charts(None) == []


def test_the_period_report_has_the_roadmap_section() -> None:
    empty = {name: pl.DataFrame(schema=TABLES[name]) for name in ("mart.sankey_links", "mart.indicators")}
    html = build_period_report(period="FY2024", tables={**empty, "mart.roadmap_progress": roadmap_progress_example()})
    assert html.count('<figure class="roadmap-figure"') == 4
    assert html.count('class="roadmap-target-line"') == 4
    assert len(re.findall(r'<circle class="roadmap-actual" data-basis="members"', html)) == 4
    assert f'height="{CHART_HEIGHT}"' in html
    assert "秘匿 1" in html
    assert "<script" not in html.split("ロードマップ（全国の目標と実績）")[1].split("</figure>\n<p")[0]
    without = build_period_report(period="FY2024", tables=empty)
    assert "junkan reference load" in without

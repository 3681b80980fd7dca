from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from infra.rendering.period_report import build_period_report, period_report_key, write_period_report
from infra.rendering.sankey import NODE_GAP, layout_sankey
from infra.resources import build_resources
from infra.settings import Settings
from schemas.tables import INDICATOR_COLUMNS, TABLES


def sankey_links(rows: list[tuple[str, str, str, str, float, bool]], period: str = "FY2024") -> pl.DataFrame:
    """mart.sankey_links rows from (material, material_level, source, target, value_t, suppressed)."""
    return pl.DataFrame(
        [
            {
                "period": period,
                "material": material,
                "material_level": level,
                "source": source,
                "target": target,
                "value_t": None if suppressed else value,
                "contributors": 3,
                "suppressed": suppressed,
                "suppression_reason": "few_contributors" if suppressed else None,
            }
            for material, level, source, target, value, suppressed in rows
        ],
        schema=TABLES["mart.sankey_links"],
    )


def indicators(rows: list[tuple[str, date, str, float | None, bool]]) -> pl.DataFrame:
    """mart.indicators headline rows from (period, period_start, grain, final_disposal_t, suppressed)."""
    schema = TABLES["mart.indicators"]
    return pl.DataFrame(
        [
            {
                **dict.fromkeys(schema),
                "period": period,
                "period_start": start,
                "period_end": start,
                "grain": grain,
                "material": "all",
                "material_level": "all",
                "region": "all",
                "region_level": "all",
                "final_disposal_t": disposal,
                "input_cyclical_use_rate": None if suppressed else 0.125,
                "contributors": 4,
                "suppressed": suppressed,
            }
            for period, start, grain, disposal, suppressed in rows
        ],
        schema=schema,
    )


EXAMPLE_LINKS = [
    ("all", "all", "extraction", "production", 100.0, False),
    ("all", "all", "production", "use", 120.0, False),
    ("all", "all", "use", "collection", 90.0, False),
    ("all", "all", "collection", "recycling", 20.0, False),
    ("all", "all", "recycling", "production", 20.0, False),
    ("all", "all", "use", "stock", 0.0, True),
    ("all", "all", "collection", "landfill", 0.0, True),
    ("paper", "group", "use", "collection", 40.0, False),
]


def example_tables() -> dict[str, pl.DataFrame]:
    return {
        "mart.sankey_links": sankey_links(EXAMPLE_LINKS),
        "mart.indicators": indicators(
            [
                ("FY2023", date(2023, 4, 1), "fiscal_year", 60.0, False),
                ("FY2024", date(2024, 4, 1), "fiscal_year", 40.0, False),
                ("FY2022", date(2022, 4, 1), "fiscal_year", None, True),
                ("2024-05", date(2024, 5, 1), "month", 3.0, False),
            ]
        ),
    }


def figure(html: str, material: str) -> str:
    match = re.search(rf'<figure class="sankey-figure" data-material="{material}".*?</figure>', html, re.DOTALL)
    assert match, f"no figure for {material}"
    return match.group(0)


def n_links(html: str) -> int:
    return len(re.findall(r'<path class="sankey-link[ "]', html))


# --- layout -----------------------------------------------------------------------------------


def test_layout_columns_follow_stage_order_and_returns_loop_back() -> None:
    layout = layout_sankey(
        [
            ("extraction", "production", 100.0),
            ("production", "use", 120.0),
            ("use", "collection", 90.0),
            ("collection", "recycling", 20.0),
            ("collection", "landfill", 70.0),
            ("recycling", "production", 20.0),
        ],
        height=400,
    )
    columns = {node.stage: node.column for node in layout.nodes}
    # extraction 0 → production 1 → use 2 → collection 3 → recycling, landfill 4
    assert columns == {"extraction": 0, "production": 1, "use": 2, "collection": 3, "recycling": 4, "landfill": 4}
    returns = [(link.source, link.target) for link in layout.links if link.is_return]
    assert returns == [("recycling", "production")]
    # Throughput: production takes 100 + 20 in and gives 120 out; collection takes 90 in.
    values = {node.stage: node.value_t for node in layout.nodes}
    assert values["production"] == 120.0
    assert values["collection"] == 90.0
    # One scale for nodes and links: tallest column (recycling 20 + landfill 70 = 90, or production 120)
    # is production: (400 - 2 loop gaps of 10) / (120 + 20 returned) = 380 / 140 t per unit.
    scale = 380 / 140
    heights = {node.stage: node.height for node in layout.nodes}
    assert heights["production"] == pytest.approx(120 * scale)
    widths = {(link.source, link.target): link.width for link in layout.links}
    assert widths[("use", "collection")] == pytest.approx(90 * scale)
    # Nodes of one column are stacked with a gap, in stage order.
    nodes = {node.stage: node for node in layout.nodes}
    assert nodes["landfill"].y == pytest.approx(nodes["recycling"].y + nodes["recycling"].height + NODE_GAP)
    # The loop is drawn below every node.
    lowest = max(node.y + node.height for node in layout.nodes)
    assert layout.height > lowest + 20 * scale


def test_layout_merges_duplicates_and_drops_self_loops_and_zero() -> None:
    layout = layout_sankey(
        [("use", "collection", 10.0), ("use", "collection", 5.0), ("use", "use", 7.0), ("use", "stock", 0.0)]
    )
    assert [(link.source, link.target, link.value_t) for link in layout.links] == [("use", "collection", 15.0)]
    assert [node.stage for node in layout.nodes] == ["use", "collection"]


def test_layout_of_nothing_is_empty() -> None:
    layout = layout_sankey([])
    assert layout.nodes == ()
    assert layout.links == ()


def test_unknown_stage_goes_after_the_vocabulary() -> None:
    layout = layout_sankey([("landfill", "zz-custom", 1.0), ("use", "landfill", 1.0)])
    assert {node.stage: node.column for node in layout.nodes} == {"use": 0, "landfill": 1, "zz-custom": 2}


# --- page -------------------------------------------------------------------------------------


def test_report_draws_each_material_without_suppressed_links() -> None:
    html = build_period_report(period="FY2024", tables=example_tables())
    everything = figure(html, "all")
    assert n_links(everything) == 5
    assert everything.count('class="sankey-node"') == 5  # extraction, production, use, collection, recycling
    assert 'data-target="stock"' not in everything
    assert 'data-target="landfill"' not in everything
    assert "秘匿のため 2 件のフローを非表示" in everything
    assert "2 flows withheld for confidentiality" in everything
    assert everything.count("sankey-return") == 1
    paper = figure(html, "paper")
    assert n_links(paper) == 1
    assert "hidden" in paper.split(">", 1)[0]  # only the all-materials diagram shows at first
    assert 'data-value="40.0"' in paper


def test_report_labels_stages_in_both_languages_and_opens_in_the_chosen_one() -> None:
    html_ja = build_period_report(period="FY2024", tables=example_tables())
    html_en = build_period_report(period="FY2024", tables=example_tables(), language="en")
    assert '<html lang="ja" data-language="ja">' in html_ja
    assert '<html lang="en" data-language="en">' in html_en
    assert "マテリアルリサイクル" in html_ja
    assert "Material recycling" in html_ja
    with pytest.raises(ValueError, match="language"):
        build_period_report(period="FY2024", tables=example_tables(), language="fr")  # type: ignore[arg-type]


def test_report_is_self_contained() -> None:
    html = build_period_report(period="FY2024", tables=example_tables())
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html
    assert "<link" not in html
    assert "default-src 'none'" in html  # the browser refuses any fetch


def test_indicator_table_is_the_period_grain_oldest_first_with_withheld_rows() -> None:
    html = build_period_report(period="FY2024", tables=example_tables())
    periods = re.findall(r'<tr data-period="([^"]+)"', html)
    assert periods == ["FY2022", "FY2023", "FY2024"]  # the month 2024-05 is another grain
    fy2022 = re.search(r'<tr data-period="FY2022".*?</tr>', html, re.DOTALL)
    assert fy2022
    assert fy2022.group(0).count("秘匿") == 10  # every indicator column withheld
    assert "入口側循環利用率" in html
    assert "出口側循環利用率" in html
    assert "12.5%" in html
    # Final disposal bars: FY2022 is withheld, FY2023 60 t is the longest (360), FY2024 40 t is 240.
    bars = re.findall(
        r'class="disposal-bar" data-period="([^"]+)" data-value="([^"]+)" x="120" y="\d+" width="([^"]+)"', html
    )
    assert bars == [("FY2023", "60.0", "360.0"), ("FY2024", "40.0", "240.0")]


def test_a_row_withheld_in_part_shows_its_published_values() -> None:
    tables = example_tables()
    fy2024 = pl.col("period") == "FY2024"
    withheld = ("natural_resource_input_t", "input_cyclical_use_rate")
    tables["mart.indicators"] = tables["mart.indicators"].with_columns(
        *(
            pl.when(fy2024).then(None if name in withheld else 0.5).otherwise(pl.col(name)).alias(name)
            for name in INDICATOR_COLUMNS
        ),
        (fy2024 | pl.col("suppressed")).alias("suppressed"),
    )
    html = build_period_report(period="FY2024", tables=tables)
    row = re.search(r'<tr data-period="FY2024".*?</tr>', html, re.DOTALL)
    assert row
    assert row.group(0).count("秘匿") == 2  # the input and its rate; the row's other indicators are shown
    assert row.group(0).count("50.0%") == 3


def test_target_progress_shown_only_when_published() -> None:
    assert "target-bar" not in build_period_report(period="FY2024", tables=example_tables())
    progress = pl.DataFrame(
        {
            "indicator": ["final_disposal", "input_cyclical_use_rate", "input_cyclical_use_rate", "custom"],
            "member_kind": ["all", "company", "all", "all"],
            "contributors": [6, 3, 5, 2],
            "n_targets": [6, 3, 5, 2],
            "n_with_progress": [5, 2, 4, 2],
            "n_on_track": [4, 1, 1, 0],
            "median_progress_ratio": [1.5, 0.25, 0.5, None],
            "suppressed": [False, False, False, True],
            "suppression_reason": [None, None, None, "few_contributors"],
        },
        schema=TABLES["mart.target_progress"],
    )
    html = build_period_report(period="FY2024", tables={**example_tables(), "mart.target_progress": progress})
    rows = re.findall(r'<g class="target-row" data-indicator="([^"]+)">', html)
    # Indicator order of the vocabulary, all members before a kind; the custom row is withheld.
    assert rows == ["final_disposal", "input_cyclical_use_rate", "input_cyclical_use_rate"]
    widths = re.findall(r'class="target-bar" data-median-progress="[^"]+" x="290" y="\d+" width="([^"]+)"', html)
    assert widths == ["360.0", "180.0", "90.0"]  # 150% capped at the track's end, 50%, 25%
    on_track = re.findall(r'class="target-on-track" data-on-track="(\d+)" data-with-progress="(\d+)"', html)
    assert on_track == [("4", "5"), ("1", "4"), ("1", "2")]
    assert "秘匿のため 1 行を非表示" in html


def test_member_text_is_escaped() -> None:
    hostile = "<script>alert('x')</script>"
    links = sankey_links(
        [
            ("all", "all", "use", hostile, 5.0, False),
            (hostile, "group", "use", "collection", 5.0, False),
        ]
    )
    html = build_period_report(period="FY2024", tables={**example_tables(), "mart.sankey_links": links})
    assert hostile not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # the page's own


def test_report_needs_the_sankey_and_indicator_tables() -> None:
    with pytest.raises(ValueError, match="mart.indicators"):
        build_period_report(period="FY2024", tables={"mart.sankey_links": sankey_links([])})


def test_empty_period_says_so() -> None:
    html = build_period_report(
        period="FY2030", tables={"mart.sankey_links": sankey_links([]), "mart.indicators": indicators([])}
    )
    assert "No flows can be shown" in html
    assert "No indicators have been published" in html


def test_period_report_key() -> None:
    assert period_report_key("FY2024") == "reports/_periods/FY2024.html"
    with pytest.raises(ValueError, match="'/'"):
        period_report_key("../x")


def test_write_period_report_reads_the_warehouse_and_stores_the_page(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    resources = build_resources(settings)
    try:
        for table, frame in example_tables().items():
            for period in frame.get_column("period").unique().to_list():
                resources.warehouse.replace(table, frame.filter(pl.col("period") == period), match={"period": [period]})
        key = write_period_report(resources, "FY2024", language="en")
        html = resources.storage.get_bytes(key).decode("utf-8")
    finally:
        resources.close()
    assert key == "reports/_periods/FY2024.html"
    assert n_links(figure(html, "all")) == 5
    assert '<html lang="en"' in html


def test_cli_report_and_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    import flows.runtime
    from flows.cli.report import register

    home = tmp_path / "home"
    monkeypatch.setenv("JUNKAN_HOME", str(home))
    monkeypatch.setattr(flows.runtime, "prepare_environment", lambda settings: None)  # keep pytest's logging
    resources = build_resources(Settings(home=home))
    try:
        for table, frame in example_tables().items():
            for period in frame.get_column("period").unique().to_list():
                resources.warehouse.replace(table, frame.filter(pl.col("period") == period), match={"period": [period]})
    finally:
        resources.close()
    app = typer.Typer()
    register(app)
    runner = CliRunner()

    page = tmp_path / "FY2024.html"
    result = runner.invoke(app, ["report", "--period", "FY2024", "--language", "en", "--output", str(page)])
    assert result.exit_code == 0, result.output
    assert n_links(figure(page.read_text(encoding="utf-8"), "all")) == 5
    assert (home / "reports" / "_periods" / "FY2024.html").read_bytes() == page.read_bytes()

    result = runner.invoke(app, ["export", "--floweaver", str(tmp_path / "bi"), "--period", "FY2024"])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "bi" / "floweaver_FY2024.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines == ["source,target,material,time,value", "use,collection,paper,FY2024,40.0"]

    url = f"sqlite:///{tmp_path / 'bi.db'}"
    result = runner.invoke(app, ["export", "--to", url, "--period", "FY2024"])
    assert result.exit_code == 0, result.output
    assert "mart.sankey_links" in result.output
    assert "8 rows" in result.output  # the period's 8 links, suppressed ones included with their flag

    result = runner.invoke(app, ["export", "--period", "FY2024"])
    assert result.exit_code == 2
    assert "exactly one of --to" in result.output

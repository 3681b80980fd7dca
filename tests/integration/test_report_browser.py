"""The period report in a real browser: headless Chromium, driven over the DevTools protocol.

The browser and its DevTools client are in tests/integration/browser.py. The test opens the report from a file:// URL,
counts the Sankey's nodes and links, works the language and material selectors, checks that no script error
was logged, and saves a screenshot (also to $JUNKAN_SCREENSHOT_DIR when set).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from infra.rendering.period_report import build_period_report
from schemas.tables import TABLES
from tests.integration.browser import (  # noqa: F401 - pytest fixtures used by name
    DevTools,
    browser,
    chromium,
    keep_screenshots,
    screenshot,
)


def example_tables() -> dict[str, pl.DataFrame]:
    """A small hand-made period: 6 stages, 6 links for all materials (one withheld), 2 links for paper.

    all materials: extraction→production 100, production→use 100, use→collection 80, collection→recycling 50,
    collection→landfill 30, recycling→production 50 (a return loop); use→stock 20 is suppressed (秘匿).
    Stages drawn: extraction, production, use, collection, recycling, landfill = 6 nodes.
    """
    links = pl.DataFrame(
        {
            "period": ["FY2024"] * 9,
            "material": ["all"] * 7 + ["paper"] * 2,
            "material_level": ["all"] * 7 + ["group"] * 2,
            "source": ["extraction", "production", "use", "collection", "collection", "recycling", "use"]
            + ["use", "collection"],
            "target": ["production", "use", "collection", "recycling", "landfill", "production", "stock"]
            + ["collection", "<script>alert('x')</script>"],
            "value_t": [100.0, 100.0, 80.0, 50.0, 30.0, 50.0, 20.0, 40.0, 40.0],
            "contributors": [4, 4, 4, 3, 3, 3, 1, 3, 3],
            "suppressed": [False] * 6 + [True] + [False] * 2,
            "suppression_reason": [None] * 6 + ["few_contributors"] + [None] * 2,
        },
        schema=TABLES["mart.sankey_links"],
    )
    indicator_columns = TABLES["mart.indicators"]
    indicators = pl.DataFrame(
        [
            {
                "period": period,
                "period_start": date(year, 4, 1),
                "period_end": date(year + 1, 3, 31),
                "grain": "fiscal_year",
                "material": "all",
                "material_level": "all",
                "region": "all",
                "region_level": "all",
                **{name: None for name in indicator_columns if name.endswith(("_t", "_rate"))},
                "final_disposal_t": disposal,
                "input_cyclical_use_rate": 0.2 + year % 10 / 100,
                "output_cyclical_use_rate": 0.4,
                "contributors": 4,
                "suppressed": False,
                "suppression_reason": None,
            }
            for period, year, disposal in (("FY2022", 2022, 45.0), ("FY2023", 2023, 38.0), ("FY2024", 2024, 30.0))
        ],
        schema=indicator_columns,
    )
    # Two targets rows shown (3 of 4 and 1 of 2 on track), one withheld.
    target_progress = pl.DataFrame(
        {
            "indicator": ["input_cyclical_use_rate", "input_cyclical_use_rate", "final_disposal"],
            "member_kind": ["all", "company", "municipality"],
            "contributors": [5, 3, 1],
            "n_targets": [5, 3, 1],
            "n_with_progress": [4, 2, 1],
            "n_on_track": [3, 1, 1],
            "median_progress_ratio": [0.5, 0.25, None],
            "suppressed": [False, False, True],
            "suppression_reason": [None, None, "few_contributors"],
        },
        schema=TABLES["mart.target_progress"],
    )
    return {"mart.sankey_links": links, "mart.indicators": indicators, "mart.target_progress": target_progress}


def test_report_renders_in_chromium(browser: DevTools, tmp_path: Path) -> None:  # noqa: F811
    html = build_period_report(period="FY2024", tables=example_tables(), language="ja")
    page = tmp_path / "FY2024.html"
    page.write_text(html, encoding="utf-8")

    browser.send("Page.navigate", {"url": page.as_uri()})
    browser.wait_for("Page.loadEventFired")

    assert browser.count(".sankey-figure[data-material='all'] .sankey-link") == 6
    assert browser.count(".sankey-figure[data-material='all'] .sankey-node") == 6
    assert browser.count(".sankey-figure[data-material='paper'] .sankey-link") == 2
    assert browser.count(".sankey-link") == 8
    assert browser.count(".sankey-link[data-target='stock']") == 0  # suppressed: never drawn
    assert browser.count(".sankey-return") == 1  # recycling → production loops back
    # Every link has a drawn path with a real extent, not just an element.
    widths = browser.evaluate(
        "Array.from(document.querySelectorAll(\".sankey-figure[data-material='all'] .sankey-link\"))"
        ".map(p => p.getBBox().width)"
    )
    assert len(widths) == 6
    assert all(width > 10 for width in widths)
    assert "秘匿" in browser.evaluate(
        "document.querySelector(\".sankey-figure[data-material='all'] .withheld\").textContent"
    )
    # The hostile stage name is text, not a script that ran.
    assert browser.evaluate("typeof window.alert === 'function' && document.querySelectorAll('script').length") == 1
    label = ".sankey-figure[data-material='paper'] .sankey-node:last-of-type text.lang-ja"
    assert "<script>" in browser.evaluate(f'document.querySelector("{label}").textContent')

    screenshots = [screenshot(browser, tmp_path / "period-report-FY2024-ja.png")]
    # Japanese labels show; switching the selector to English hides them and shows the English ones.
    visible = "getComputedStyle(document.querySelector(\"[data-stage='landfill'] text.{}\")).display"
    assert browser.evaluate(visible.format("lang-ja")) != "none"
    assert browser.evaluate(visible.format("lang-en")) == "none"
    browser.evaluate(
        "(() => { const s = document.getElementById('language-select'); s.value = 'en';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert browser.evaluate(visible.format("lang-ja")) == "none"
    assert browser.evaluate(visible.format("lang-en")) != "none"
    # The material selector shows the paper diagram only.
    browser.evaluate(
        "(() => { const s = document.getElementById('material-select'); s.value = 'paper';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    shown = (
        "Array.from(document.querySelectorAll('.sankey-figure')).filter(f => !f.hidden).map(f => f.dataset.material)"
    )
    assert browser.evaluate(shown) == ["paper"]
    browser.evaluate(
        "(() => { const s = document.getElementById('material-select'); s.value = 'all';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    # Indicators for three fiscal years, and one disposal bar per year.
    assert browser.count("table.indicators tbody tr") == 3
    assert browser.count(".disposal-bar") == 3
    # Target progress: two rows drawn, the median bar of the first is half the track.
    assert browser.count(".target-bar") == 2
    assert browser.evaluate("document.querySelector('.target-bar').getBBox().width") == 180

    assert browser.errors() == []

    screenshots.append(screenshot(browser, tmp_path / "period-report-FY2024-en.png"))
    keep_screenshots(screenshots)


def test_roadmap_section_renders_in_chromium(browser: DevTools, tmp_path: Path) -> None:  # noqa: F811
    from tests.unit.infra.test_roadmap_chart import NATIONAL_ROADMAPS, roadmap_progress_example

    tables = {**example_tables(), "mart.roadmap_progress": roadmap_progress_example()}
    page = tmp_path / "FY2024-roadmaps.html"
    page.write_text(build_period_report(period="FY2024", tables=tables, language="ja"), encoding="utf-8")
    browser.send("Page.navigate", {"url": page.as_uri()})
    browser.wait_for("Page.loadEventFired")

    # One chart per national roadmap indicator (the per-material roadmap is not charted), each with its target line.
    assert browser.count(".roadmap-figure") == len(NATIONAL_ROADMAPS) == 4
    assert browser.count(".roadmap-figure svg.roadmap-chart") == 4
    assert browser.count(".roadmap-target-line") == 4
    figures = "Array.from(document.querySelectorAll('.roadmap-figure')).map(f => f.dataset.indicator)"
    assert browser.evaluate(figures) == [
        "final_disposal",
        "input_cyclical_use_rate",
        "output_cyclical_use_rate",
        "resource_productivity_jpy_per_t",
    ]
    rate = ".roadmap-figure[data-indicator='input_cyclical_use_rate']"
    assert browser.count(f"{rate} .roadmap-actual[data-basis='official']") == 2
    assert browser.count(f"{rate} .roadmap-actual[data-basis='members']") == 2
    # The target line is drawn with a real extent: from 2019 at the panel's left edge to 2030 at its right.
    width = browser.evaluate(f'document.querySelector("{rate} .roadmap-target-line").getBBox().width')
    assert width == 330
    # The withheld members' value is not drawn, only counted; no chart added a script.
    disposal = ".roadmap-figure[data-indicator='final_disposal']"
    assert browser.count(f"{disposal} .roadmap-actual[data-basis='members']") == 1
    assert "秘匿 1" in browser.evaluate(f'document.querySelector("{disposal} .withheld").textContent')
    assert browser.evaluate("document.querySelectorAll('script').length") == 1
    label = f"{rate} .roadmap-panel[data-basis='members'] tspan.lang-en"
    assert browser.evaluate(f'getComputedStyle(document.querySelector("{label}")).display') == "none"
    browser.evaluate(
        "(() => { const s = document.getElementById('language-select'); s.value = 'en';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert browser.evaluate(f'getComputedStyle(document.querySelector("{label}")).display') != "none"
    assert browser.errors() == []

    keep_screenshots([screenshot(browser, tmp_path / "period-report-FY2024-roadmaps.png")])

"""The period report's map of Japan in headless Chromium: paths and arcs drawn, selectors recolour, no errors.

Same browser and DevTools client as the period report's test (tests/integration/browser.py). The screenshot of
the map section is docs/regional-map.png when the test runs with JUNKAN_SCREENSHOT_DIR=docs.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from infra.rendering.period_report import build_period_report
from infra.rendering.regional_map import HATCH_FILL, NO_DATA_FILL
from schemas.regions import PREFECTURE_CODES, PREFECTURE_TO_BLOC
from schemas.tables import TABLES
from tests.integration.browser import (  # noqa: F401 - pytest fixtures used by name
    DevTools,
    browser,
    chromium,
    keep_screenshots,
    screenshot,
)
from tests.unit.infra.test_regional_map import indicator_rows, regional_flows

# Population in millions (2020 census, rounded), JP-01 … JP-47: an illustrative size for every prefecture.
POPULATION = (
    5.2, 1.24, 1.21, 2.3, 0.96, 1.07, 1.83, 2.87, 1.93, 1.94, 7.34, 6.28, 14.0, 9.24, 2.2, 1.03,
    1.13, 0.77, 0.81, 2.05, 1.98, 3.63, 7.54, 1.77, 1.41, 2.58, 8.84, 5.47, 1.32, 0.92, 0.55, 0.67,
    1.89, 2.8, 1.34, 0.72, 0.95, 1.33, 0.69, 5.14, 0.81, 1.31, 1.74, 1.12, 1.07, 1.59, 1.47,
)  # fmt: skip
WITHHELD = ("JP-05", "JP-31", "JP-39")  # Akita, Tottori, Kochi: too few members
MISSING = "JP-19"  # Yamanashi: no member reports there
# Eighteen domestic transfers (t, all materials), largest first, and an import and an export.
TRANSFERS = [
    ("JP-27", "JP-28", 9200.0),
    ("JP-13", "JP-11", 8700.0),
    ("JP-14", "JP-12", 7100.0),
    ("JP-23", "JP-24", 6400.0),
    ("JP-13", "JP-08", 5900.0),
    ("JP-40", "JP-41", 4800.0),
    ("JP-34", "JP-35", 4100.0),
    ("JP-26", "JP-25", 3600.0),
    ("JP-04", "JP-03", 3300.0),
    ("JP-01", "JP-02", 2900.0),
    ("JP-22", "JP-23", 2500.0),
    ("JP-27", "JP-29", 2200.0),
    ("JP-43", "JP-40", 1900.0),
    ("JP-11", "JP-10", 1600.0),
    ("JP-28", "JP-33", 1200.0),
    ("JP-13", "JP-09", 900.0),
    ("JP-15", "JP-20", 600.0),
    ("JP-38", "JP-37", 300.0),
]
IMPORT = ("CN", "JP-13", 3000.0)  # among the 15 largest: listed, not drawn
EXPORT = ("JP-28", "VN", 100.0)  # not among them
BLOC_TRANSFERS = [
    ("JP-B-KANTO", "JP-B-TOHOKU", 5200.0),
    ("JP-B-KINKI", "JP-B-CHUGOKU", 3100.0),
    ("JP-B-CHUBU", "JP-B-KINKI", 2700.0),
    ("JP-B-KYUSHU", "JP-B-CHUGOKU", 1500.0),
    ("JP-B-HOKKAIDO", "JP-B-TOHOKU", 900.0),
]
PLASTICS_TRANSFERS = [("JP-27", "JP-28", 800.0), ("JP-13", "JP-11", 650.0), ("JP-23", "JP-21", 300.0)]


def map_tables() -> dict[str, pl.DataFrame]:
    """A period with values for most prefectures and every bloc, three withheld, one missing, and transfers."""
    prefecture_rows = []
    for index, (code, people) in enumerate(zip(PREFECTURE_CODES, POPULATION, strict=True)):
        if code == MISSING:
            continue
        withheld = code in WITHHELD
        prefecture_rows += [
            ("prefecture", code, "waste_generated_t", round(people * 1000, 1), withheld),
            ("prefecture", code, "input_cyclical_use_rate", 0.08 + (index % 9) * 0.02, withheld),
        ]
    blocs: dict[str, float] = {}
    for code, people in zip(PREFECTURE_CODES, POPULATION, strict=True):
        blocs[PREFECTURE_TO_BLOC[code]] = blocs.get(PREFECTURE_TO_BLOC[code], 0.0) + people
    bloc_rows = [("bloc", bloc, "waste_generated_t", round(people * 1000, 1), False) for bloc, people in blocs.items()]
    plastics_rows = [
        ("prefecture", code, "waste_generated_t", round(people * 120, 1), False)
        for code, people in zip(PREFECTURE_CODES, POPULATION, strict=True)
        if code not in WITHHELD and code != MISSING
    ]
    indicators = pl.concat(
        [
            _merged(indicator_rows(prefecture_rows + bloc_rows)),
            indicator_rows(plastics_rows, material="plastics"),
        ]
    )
    flows = pl.concat(
        [
            regional_flows(
                [("prefecture", origin, destination, tonnes, False) for origin, destination, tonnes in TRANSFERS]
                + [
                    ("prefecture", *IMPORT, False),
                    ("prefecture", *EXPORT, False),
                    ("prefecture", "JP-07", "JP-06", None, True),
                ]
                + [("bloc", origin, destination, tonnes, False) for origin, destination, tonnes in BLOC_TRANSFERS]
            ),
            regional_flows(
                [
                    ("prefecture", origin, destination, tonnes, False)
                    for origin, destination, tonnes in PLASTICS_TRANSFERS
                ],
                material="plastics",
            ),
        ]
    )
    return {
        "mart.sankey_links": pl.DataFrame(schema=TABLES["mart.sankey_links"]),
        "mart.indicators": indicators,
        "mart.regional_flows": flows,
    }


def _merged(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per region (indicator_rows makes one per indicator value), as the mart has."""
    keys = [name for name in rows.columns if not name.endswith(("_t", "_rate"))]
    values = [pl.col(name).drop_nulls().first() for name in rows.columns if name.endswith(("_t", "_rate"))]
    return rows.group_by(keys, maintain_order=True).agg(values).select(rows.columns)


FILLS = "Array.from(document.querySelectorAll('#japan-map path.prefecture')).map(p => p.getAttribute('fill'))"
VISIBLE_ARCS = (
    "Array.from(document.querySelectorAll('#japan-map .transfer-arc'))"
    ".filter(p => getComputedStyle(p.parentNode).display !== 'none' && p.getBBox().width > 0).length"
)


def test_map_renders_and_recolours_in_chromium(browser: DevTools, tmp_path: Path) -> None:  # noqa: F811
    page = tmp_path / "FY2024-map.html"
    page.write_text(build_period_report(period="FY2024", tables=map_tables(), language="ja"), encoding="utf-8")
    browser.send("Page.navigate", {"url": page.as_uri()})
    browser.wait_for("Page.loadEventFired")

    # 47 prefectures, each drawn with a real extent; three hatched, Yamanashi grey, the rest coloured.
    assert browser.count("#japan-map path.prefecture") == 47
    extents = browser.evaluate(
        "Array.from(document.querySelectorAll('#japan-map path.prefecture')).map(p => p.getBBox().width)"
    )
    assert all(width > 1 for width in extents)
    fills = dict(zip(PREFECTURE_CODES, browser.evaluate(FILLS), strict=True))
    assert [code for code, fill in fills.items() if fill == HATCH_FILL] == list(WITHHELD)
    assert [code for code, fill in fills.items() if fill == NO_DATA_FILL] == [MISSING]
    # The 15 largest transfers: the import is listed in the table but not drawn, so 14 arcs.
    assert browser.evaluate(VISIBLE_ARCS) == 14
    assert browser.count(".transfer-table:not([hidden]) tbody tr") == 15
    assert browser.count(".transfer-table:not([hidden]) tr.not-drawn[data-origin='CN']") == 1
    assert "1 件" in browser.evaluate(
        "document.querySelector('.transfer-table:not([hidden]) .not-drawn-note').textContent"
    )

    # Another indicator recolours the map; a rate's legend is in percent.
    browser.choose("map-indicator-select", "input_cyclical_use_rate")
    rates = browser.evaluate(FILLS)
    assert rates != list(fills.values())
    assert "%" in browser.evaluate("document.querySelector('.legend-scale .legend-text').textContent")
    # Plastics: other values, and its own three transfers.
    browser.choose("map-indicator-select", "waste_generated_t")
    browser.choose("map-material-select", "plastics")
    plastics = browser.evaluate(FILLS)
    assert plastics not in (rates, list(fills.values()))
    assert browser.evaluate(VISIBLE_ARCS) == 3
    # Blocs: every prefecture of a bloc shares its fill; plastics have no bloc rows, so the map is grey.
    browser.evaluate("document.querySelector(\"input[name='map-level'][value='bloc']\").click()")
    assert set(browser.evaluate(FILLS)) == {NO_DATA_FILL}
    assert browser.evaluate("document.getElementById('map-empty').hidden") is False
    assert browser.evaluate(VISIBLE_ARCS) == 0
    browser.choose("map-material-select", "all")
    blocs = dict(zip(PREFECTURE_CODES, browser.evaluate(FILLS), strict=True))
    for bloc in set(PREFECTURE_TO_BLOC.values()):
        assert len({blocs[code] for code, of in PREFECTURE_TO_BLOC.items() if of == bloc}) == 1
    assert len(set(blocs.values())) > 1
    assert browser.evaluate(VISIBLE_ARCS) == len(BLOC_TRANSFERS)
    title = "document.querySelector(\"#japan-map path[data-region='JP-13'] title\").textContent"
    assert "関東 / Kanto" in browser.evaluate(title)

    # Back to prefectures, in English, for the screenshot the README shows.
    browser.evaluate("document.querySelector(\"input[name='map-level'][value='prefecture']\").click()")
    assert browser.evaluate(FILLS) == list(fills.values())
    browser.choose("language-select", "en")
    legend = "getComputedStyle(document.querySelector('.legend-withheld .lang-en')).display"
    assert browser.evaluate(legend) != "none"
    assert browser.evaluate("document.querySelectorAll('script').length") == 1
    assert browser.errors() == []
    keep_screenshots([screenshot(browser, tmp_path / "regional-map.png", selector="#regional-map")])

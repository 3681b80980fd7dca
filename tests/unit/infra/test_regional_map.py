from __future__ import annotations

import json
import re
from datetime import date

import polars as pl
import pytest

from infra.rendering.japan_shapes import japan_shapes
from infra.rendering.period_report import build_period_report
from infra.rendering.regional_map import HATCH_FILL, NO_DATA_FILL, PALETTE, regional_map_view
from schemas.regions import BLOC_CODES, PREFECTURE_CODES, PREFECTURE_TO_BLOC
from schemas.tables import TABLES


def cell(*, period: str, material: str, suppressed: bool) -> dict[str, object]:
    """The columns every mart row here shares: FY2024's dates, the material scope and disclosure control."""
    return {
        "period": period,
        "period_start": date(2024, 4, 1),
        "period_end": date(2025, 3, 31),
        "grain": "fiscal_year",
        "material": material,
        "material_level": "all" if material == "all" else "group",
        "contributors": 1 if suppressed else 4,
        "suppressed": suppressed,
        "suppression_reason": "few_contributors" if suppressed else None,
    }


def indicator_rows(
    rows: list[tuple[str, str, str, float | None, bool]], *, period: str = "FY2024", material: str = "all"
) -> pl.DataFrame:
    """mart.indicators rows from (region_level, region, indicator, value, suppressed); other indicators null."""
    schema = TABLES["mart.indicators"]
    return pl.DataFrame(
        [
            {
                **dict.fromkeys(schema),
                **cell(period=period, material=material, suppressed=suppressed),
                "region": region,
                "region_level": level,
                indicator: None if suppressed else value,
            }
            for level, region, indicator, value, suppressed in rows
        ],
        schema=schema,
    )


def regional_flows(
    rows: list[tuple[str, str, str, float | None, bool]], *, period: str = "FY2024", material: str = "all"
) -> pl.DataFrame:
    """mart.regional_flows rows from (region_level, origin, destination, quantity_t, suppressed)."""
    return pl.DataFrame(
        [
            {
                **cell(period=period, material=material, suppressed=suppressed),
                "region_level": level,
                "origin_region": origin,
                "destination_region": destination,
                "quantity_t": None if suppressed else quantity,
            }
            for level, origin, destination, quantity, suppressed in rows
        ],
        schema=TABLES["mart.regional_flows"],
    )


def example_indicators() -> pl.DataFrame:
    """Waste generated, all materials: Tokyo 100, Osaka 50, Hokkaido 10; Kanagawa withheld; Aichi a null value.

    Blocs: Kanto 150, Kinki 50, Hokkaido withheld. Plastics: Tokyo 30, Osaka 70. FY2023 Tokyo 999 is another period.
    """
    return pl.concat(
        [
            indicator_rows(
                [
                    ("prefecture", "JP-13", "waste_generated_t", 100.0, False),
                    ("prefecture", "JP-27", "waste_generated_t", 50.0, False),
                    ("prefecture", "JP-01", "waste_generated_t", 10.0, False),
                    ("prefecture", "JP-14", "waste_generated_t", None, True),
                    ("prefecture", "JP-23", "waste_generated_t", None, False),
                    ("bloc", "JP-B-KANTO", "waste_generated_t", 150.0, False),
                    ("bloc", "JP-B-KINKI", "waste_generated_t", 50.0, False),
                    ("bloc", "JP-B-HOKKAIDO", "waste_generated_t", None, True),
                    ("all", "all", "waste_generated_t", 200.0, False),
                ]
            ),
            indicator_rows(
                [
                    ("prefecture", "JP-13", "waste_generated_t", 30.0, False),
                    ("prefecture", "JP-27", "waste_generated_t", 70.0, False),
                ],
                material="plastics",
            ),
            indicator_rows([("prefecture", "JP-13", "waste_generated_t", 999.0, False)], period="FY2023"),
        ]
    )


# Seventeen prefecture transfers of 10, 20, …, 170 t between Kanto and Kinki prefectures, one import from China
# (CN → Tokyo, 500 t, the largest) and one withheld; the top 15 are 500 and 170 … 40, the import not drawn.
KANTO_KINKI = [(f"JP-{8 + index % 7:02d}", f"JP-{24 + index // 7:02d}") for index in range(17)]
EXAMPLE_TRANSFERS = [
    ("prefecture", origin, destination, 10.0 * (index + 1), False)
    for index, (origin, destination) in enumerate(KANTO_KINKI)
] + [
    ("prefecture", "CN", "JP-13", 500.0, False),
    ("prefecture", "JP-27", "JP-28", None, True),
    ("bloc", "JP-B-KANTO", "JP-B-KINKI", 40.0, False),
    ("bloc", "JP-B-KINKI", "JP-B-KANTO", 10.0, False),
]


def example_flows() -> pl.DataFrame:
    return pl.concat(
        [
            regional_flows(EXAMPLE_TRANSFERS),
            regional_flows([("prefecture", "JP-27", "JP-28", 5.0, False)], material="plastics"),
            regional_flows([("prefecture", "JP-13", "JP-27", 9999.0, False)], period="FY2023"),
        ]
    )


def test_map_has_the_47_prefectures_with_centroids_inside_the_view() -> None:
    shapes = japan_shapes()
    assert [shape.code for shape in shapes.prefectures] == list(PREFECTURE_CODES)
    assert all(shape.path.startswith("M") and shape.path.endswith("Z") for shape in shapes.prefectures)
    for shape in shapes.prefectures:
        x, y = shape.centroid
        assert 0 < x < shapes.width
        assert 0 < y < shapes.height
    # Tokyo lies east of Osaka; every bloc has a centroid, a country has none.
    tokyo, osaka = shapes.centroid("JP-13"), shapes.centroid("JP-27")
    assert tokyo is not None
    assert osaka is not None
    assert tokyo[0] > osaka[0]
    assert set(shapes.bloc_centroids) == set(BLOC_CODES)
    assert shapes.centroid("CN") is None


def test_prefecture_fills_follow_values_suppression_and_missing_rows() -> None:
    view = regional_map_view(period="FY2024", indicators=example_indicators(), regional_flows=None)
    layer = view.choropleths["prefecture/all/waste_generated_t"]
    fills = view.prefecture_fills(layer)
    assert len(fills) == 47
    # Three values spread over the five steps by rank: Hokkaido (10 t) lightest, Osaka middle, Tokyo darkest.
    assert fills["JP-01"] == PALETTE[0]
    assert fills["JP-27"] == PALETTE[2]
    assert fills["JP-13"] == PALETTE[4]  # FY2023's 999 t is another period
    assert fills["JP-14"] == HATCH_FILL
    assert layer.texts["JP-14"] == "秘匿"
    assert fills["JP-23"] == NO_DATA_FILL  # a row with a null value
    assert fills["JP-02"] == NO_DATA_FILL  # no row at all
    assert [(step.fill, step.text) for step in layer.legend] == [
        (PALETTE[0], "10.0"),
        (PALETTE[2], "50.0"),
        (PALETTE[4], "100.0"),
    ]
    # The page opens on the layer that shows the most prefectures; on a tie, all materials and the first indicator.
    assert view.initial is layer


def test_bloc_layer_colours_each_prefecture_with_its_bloc() -> None:
    view = regional_map_view(period="FY2024", indicators=example_indicators(), regional_flows=None)
    layer = view.choropleths["bloc/all/waste_generated_t"]
    assert set(layer.fills) == set(BLOC_CODES)
    fills = view.prefecture_fills(layer)
    assert {fills[code] for code, bloc in PREFECTURE_TO_BLOC.items() if bloc == "JP-B-KANTO"} == {PALETTE[4]}
    assert fills["JP-27"] == PALETTE[0]
    assert fills["JP-01"] == HATCH_FILL
    assert fills["JP-40"] == NO_DATA_FILL
    # The page's data carries the bloc layers, by bloc, and which bloc each prefecture path belongs to.
    data = view.script_data()
    bloc_layer = data["layers"]["bloc/all/waste_generated_t"]
    assert len(bloc_layer["fills"]) == 8
    assert data["fills"][bloc_layer["fills"][BLOC_CODES.index("JP-B-KANTO")]] == PALETTE[4]
    assert data["blocOf"][12] == BLOC_CODES.index("JP-B-KANTO")
    assert data["names"]["bloc"][BLOC_CODES.index("JP-B-KYUSHU")] == "九州・沖縄 / Kyushu-Okinawa"


def test_many_values_fall_into_quintiles_by_rank() -> None:
    # Ten prefectures of 1, 2, …, 9 t and one of 1000 t: two per step, the outlier does not flatten the rest.
    rows = [("prefecture", f"JP-{n:02d}", "final_disposal_t", float(n), False) for n in range(1, 10)]
    rows.append(("prefecture", "JP-10", "final_disposal_t", 1000.0, False))
    view = regional_map_view(period="FY2024", indicators=indicator_rows(rows), regional_flows=None)
    layer = view.choropleths["prefecture/all/final_disposal_t"]
    assert [PALETTE.index(layer.fills[f"JP-{n:02d}"]) for n in range(1, 11)] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert [step.text for step in layer.legend] == ["1.0 – 2.0", "3.0 – 4.0", "5.0 – 6.0", "7.0 – 8.0", "9.0 – 1,000.0"]


def test_material_groups_get_their_own_layers() -> None:
    view = regional_map_view(period="FY2024", indicators=example_indicators(), regional_flows=None)
    assert [option.code for option in view.materials] == ["all", "plastics"]
    assert [option.label_ja for option in view.materials] == ["全素材", "プラスチック"]
    fills = view.prefecture_fills(view.choropleths["prefecture/plastics/waste_generated_t"])
    assert (fills["JP-13"], fills["JP-27"]) == (PALETTE[0], PALETTE[4])
    # 2 levels × 2 material scopes × 10 indicators; an indicator with no values is grey but for the withheld
    # prefecture (its whole row is withheld), with no legend.
    assert len(view.choropleths) == 40
    empty = view.choropleths["prefecture/all/final_disposal_t"]
    assert {code for code, fill in empty.fills.items() if fill != NO_DATA_FILL} == {"JP-14"}
    assert empty.legend == ()


def test_the_map_opens_on_the_layer_that_shows_the_most_prefectures() -> None:
    # All materials: one prefecture's waste, and five prefectures' 0 t of input (no member reports any there).
    everything = indicator_rows(
        [("prefecture", "JP-13", "waste_generated_t", 5.0, False)]
        + [("prefecture", f"JP-0{n}", "natural_resource_input_t", 0.0, False) for n in range(1, 6)]
    )
    plastics = indicator_rows(
        [("prefecture", code, "final_disposal_t", 1.0, False) for code in ("JP-13", "JP-14", "JP-27")]
        + [("prefecture", "JP-01", "final_disposal_t", None, True)],
        material="plastics",
    )
    view = regional_map_view(period="FY2024", indicators=pl.concat([everything, plastics]), regional_flows=None)
    assert (view.initial.level, view.initial.material, view.initial.indicator) == (
        "prefecture",
        "plastics",
        "final_disposal_t",
    )


def test_largest_transfers_are_chosen_by_tonnes_and_country_ends_are_not_drawn() -> None:
    view = regional_map_view(period="FY2024", indicators=example_indicators(), regional_flows=example_flows())
    sets = {(found.level, found.material): found for found in view.transfer_sets}
    prefecture = sets["prefecture", "all"]
    assert [transfer.quantity_t for transfer in prefecture.transfers] == [500.0, *(10.0 * n for n in range(17, 3, -1))]
    assert len(prefecture.transfers) == 15
    assert prefecture.transfers[0].origin == "CN"
    assert prefecture.transfers[0].arc is None
    assert prefecture.n_not_drawn == 1
    assert len(prefecture.arcs) == 14
    assert prefecture.n_withheld == 1
    # Widths grow with tonnes: the 500 t import would be 10, the 170 t arc 1.5 + 8.5 × 0.34.
    assert prefecture.arcs[0].width == pytest.approx(1.5 + 8.5 * 170 / 500, abs=0.01)
    widths = [transfer.width for transfer in prefecture.arcs]
    assert widths == sorted(widths, reverse=True)
    # An arc runs from the origin's centroid to the destination's.
    shapes = japan_shapes()
    first = prefecture.arcs[0]
    start, end = shapes.centroid(first.origin), shapes.centroid(first.destination)
    assert start is not None
    assert end is not None
    assert (first.arc or "").startswith(f"M{start[0]:.1f},{start[1]:.1f} Q")
    assert (first.arc or "").endswith(f" {end[0]:.1f},{end[1]:.1f}")
    # At bloc level, between bloc centroids; the two directions bend to opposite sides.
    bloc = sets["bloc", "all"]
    assert [(t.origin, t.destination, t.quantity_t) for t in bloc.arcs] == [
        ("JP-B-KANTO", "JP-B-KINKI", 40.0),
        ("JP-B-KINKI", "JP-B-KANTO", 10.0),
    ]
    kanto = shapes.bloc_centroids["JP-B-KANTO"]
    assert (bloc.arcs[0].arc or "").startswith(f"M{kanto[0]:.1f},{kanto[1]:.1f} Q")
    assert bloc.arcs[0].arc.split(" Q")[1] != bloc.arcs[1].arc.split(" Q")[1]  # type: ignore[union-attr]
    assert [t.quantity_t for t in sets["prefecture", "plastics"].arcs] == [5.0]


def regional_tables() -> dict[str, pl.DataFrame]:
    """Report tables with the map's two inputs and an empty Sankey."""
    return {
        "mart.sankey_links": pl.DataFrame(schema=TABLES["mart.sankey_links"]),
        "mart.indicators": example_indicators(),
        "mart.regional_flows": example_flows(),
    }


def page_data(html: str) -> dict[str, object]:
    found = re.search(r"var mapData = (\{.*?\});\n", html)
    assert found
    return dict(json.loads(found.group(1)))


def test_period_report_draws_the_map_with_arcs_and_its_data() -> None:
    html = build_period_report(period="FY2024", tables=regional_tables())
    assert len(re.findall(r'<path class="prefecture" data-region="JP-\d\d"', html)) == 47
    assert re.search(r'data-region="JP-14"[^>]*fill="url\(#map-hatch\)"', html)
    assert re.search(rf'data-region="JP-02"[^>]*fill="{NO_DATA_FILL}"', html)
    assert html.count('class="transfer-arc"') == 14 + 2 + 1
    assert '<pattern id="map-hatch"' in html
    assert "1 transfer has an end outside Japan" in html
    assert "no-transfers" not in html
    layers = page_data(html)["layers"]
    assert isinstance(layers, dict)
    assert "bloc/plastics/waste_generated_t" in layers
    assert html.count("<script") == 1  # the data rides in the page's one script


def test_period_report_without_regional_flows_still_draws_indicators() -> None:
    tables = regional_tables()
    for flows in (None, tables["mart.regional_flows"].clear()):
        if flows is None:
            del tables["mart.regional_flows"]
        else:
            tables["mart.regional_flows"] = flows
        html = build_period_report(period="FY2024", tables=tables, language="en")
        assert len(re.findall(r'<path class="prefecture"', html)) == 47
        assert 'class="transfer-arc"' not in html
        assert "No transfers between regions have been published for this period." in html
        assert re.search(rf'data-region="JP-13"[^>]*fill="{PALETTE[4]}"', html)


def test_hostile_region_codes_stay_text() -> None:
    tables = regional_tables()
    tables["mart.regional_flows"] = regional_flows([("prefecture", "</script><b>x", "JP-13", 1.0, False)])
    html = build_period_report(period="FY2024", tables=tables)
    assert "</script><b>" not in html
    assert html.count("</script>") == 1

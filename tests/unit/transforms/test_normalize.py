from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from schemas import CONTRACTS, FLOWS, MEMBERS, PROGRESS, TARGETS
from schemas import vocabulary as v
from schemas.contract import Contract
from tests.factories import make_raw
from transforms.normalize import normalize, resolve_metric_tons, roll_up_unknown_materials

FLOW_RAW: dict[str, str | None] = {
    "member_id": "city-a",
    "period": "FY2024",
    "material": "plastics.pet",
    "source_stage": "use",
    "target_stage": "collection",
    "quantity": "100",
    "unit": "t",
}


def flows(rows: list[dict[str, str | None]], *, default_region: str | None = None) -> pl.DataFrame:
    """Normalise flows rows given as overrides of a valid raw row."""
    raw = make_raw(FLOWS, [{**FLOW_RAW, **row} for row in rows])
    region = None if default_region is None else pl.lit(default_region)
    return normalize(raw, contract=FLOWS, default_region=region).collect()


def column(rows: list[dict[str, str | None]], name: str, **kwargs: Any) -> list[Any]:
    return flows(rows, **kwargs)[name].to_list()


# --- shape -------------------------------------------------------------------------------------


@pytest.mark.parametrize("contract", [*CONTRACTS.values(), MEMBERS], ids=lambda contract: contract.name)
def test_output_is_source_row_then_contract_schema_for_every_contract(contract: Contract) -> None:
    raw = make_raw(contract, [dict.fromkeys(contract.read_schema, " ")])
    out = normalize(raw, contract=contract).collect()
    assert out.schema == pl.Schema({"source_row": pl.Int64(), **contract.schema})
    assert out["source_row"].to_list() == [2]


def test_lineage_columns_pass_through_after_source_row_and_lazy_input_works() -> None:
    raw = make_raw(FLOWS, [FLOW_RAW, FLOW_RAW]).with_columns(
        submitter_id=pl.lit("city-a"), submission_id=pl.Series(["s1", "s2"])
    )
    before = raw.clone()
    out = normalize(raw.lazy(), contract=FLOWS).collect()
    assert out.columns[:3] == ["source_row", "submission_id", "submitter_id"]
    assert out["submission_id"].to_list() == ["s1", "s2"]
    assert_frame_equal(raw, before)  # the input is not mutated


def test_missing_optional_input_columns_are_null_and_source_row_is_required() -> None:
    raw = pl.DataFrame({"source_row": [7], **{key: [value] for key, value in FLOW_RAW.items()}})
    out = normalize(raw, contract=FLOWS).collect()
    assert out.row(0, named=True)["note"] is None
    assert out.row(0, named=True)["source"] == "use"
    with pytest.raises(ValueError, match="source_row"):
        normalize(raw.drop("source_row"), contract=FLOWS)


def test_a_whole_flows_row_by_hand() -> None:
    raw = {
        "member_id": " city-a ",
        "period": "令和6年度",
        "material": "Plastics. PET",
        "source_stage": "Energy Recovery",
        "target_stage": "ＬＡＮＤＦＩＬＬ",
        "source": "",
        "target": "処分場Ａ",
        "quantity": "１,２５０.５",
        "unit": "千トン",
        "region": "jp-40",
        "quality": "Measured",
        "note": "　備考　",
    }
    out = flows([raw])
    expected = pl.DataFrame(
        {
            "source_row": [2],
            "member_id": ["city-a"],
            "period": ["FY2024"],
            "material": ["plastics.pet"],
            "source_stage": ["energy_recovery"],
            "target_stage": ["landfill"],
            "source": ["energy_recovery"],
            "target": ["処分場Ａ"],  # free text: kept as written, never NFKC'd
            "quantity": [1250.5],
            "unit": ["kt"],
            "region": ["JP-40"],
            "origin_region": ["JP-40"],
            "destination_region": ["JP-40"],
            "quality": ["measured"],
            "note": ["備考"],
            "is_renewable": [None],
            "product_category": [None],  # issue 27: a flow names no product unless the file says one
            "period_start": [date(2024, 4, 1)],
            "period_end": [date(2025, 3, 31)],
            "grain": ["fiscal_year"],
            "material_group": ["plastics"],
            "quantity_t": [1_250_500.0],
        },
        schema={"source_row": pl.Int64(), **FLOWS.schema},
    )
    assert_frame_equal(out, expected)


# --- generic dtype parsing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("１２３", 123.0),
        ("1,234.5", 1234.5),
        (" 42 ", 42.0),
        ("1,234,567", 1_234_567.0),
        ("０．５", 0.5),
        ("1e3", 1000.0),
        ("−3", -3.0),  # U+2212 minus sign
        ("1,5", None),  # a decimal comma is not guessed
        ("12,34", None),
        ("ten", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_float_columns_parse_numbers_or_become_null(text: str | None, number: float | None) -> None:
    assert column([{"quantity": text}], "quantity") == [number]


@pytest.mark.parametrize(
    ("text", "year"),
    [("２０２４", 2024), ("2024.0", 2024), (" 2,024 ", 2024), ("2024.5", None), ("99999999999", None), ("x", None)],
)
def test_integer_columns_parse_whole_numbers_only(text: str, year: int | None) -> None:
    raw = make_raw(PROGRESS, [{"member_id": "a", "target_id": "T1", "year": text, "value": "1"}])
    out = normalize(raw, contract=PROGRESS).collect()
    assert out["year"].dtype == pl.Int32()
    assert out["year"].to_list() == [year]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-04-01", date(2024, 4, 1)),
        ("2024/4/1", date(2024, 4, 1)),
        ("２０２４／０４／０１", date(2024, 4, 1)),
        ("2024年4月1日", date(2024, 4, 1)),
        ("2024-04-01 00:00:00", date(2024, 4, 1)),
        ("2024-02-30", None),
        ("01/04/2024", None),
        ("soon", None),
    ],
)
def test_date_columns_parse_iso_and_slash_dates(text: str, day: date | None) -> None:
    raw = make_raw(MEMBERS, [{"member_id": "a", "name": "A", "kind": "company", "joined_on": text}])
    assert normalize(raw, contract=MEMBERS).collect()["joined_on"].to_list() == [day]


def test_free_text_is_kept_as_written_stripped_and_empty_is_null() -> None:
    out = flows([{"note": "　ﾃｽﾄ　ＡＢＣ１ "}, {"note": "   "}, {"note": ""}])
    assert out["note"].to_list() == ["ﾃｽﾄ　ＡＢＣ１", None, None]


# --- units and quantities ----------------------------------------------------------------------


# Every accepted unit spelling, its code and tonnes per unit, written here by hand: if a spelling's meaning
# changes in schemas/vocabulary.py (say MT back to megatonnes), its case fails.
EXPECTED_UNITS: dict[str, tuple[str, float]] = {
    "t": ("t", 1.0),
    "T": ("t", 1.0),
    "ton": ("t", 1.0),
    "tons": ("t", 1.0),
    "Ton": ("t", 1.0),
    "Tons": ("t", 1.0),
    "tonne": ("t", 1.0),
    "tonnes": ("t", 1.0),
    "Tonne": ("t", 1.0),
    "Tonnes": ("t", 1.0),
    "metric ton": ("t", 1.0),
    "metric tons": ("t", 1.0),
    "metric tonne": ("t", 1.0),
    "metric tonnes": ("t", 1.0),
    "トン": ("t", 1.0),
    "屯": ("t", 1.0),
    "kg": ("kg", 0.001),
    "KG": ("kg", 0.001),
    "Kg": ("kg", 0.001),
    "kilogram": ("kg", 0.001),
    "kilograms": ("kg", 0.001),
    "Kilogram": ("kg", 0.001),
    "Kilograms": ("kg", 0.001),
    "キログラム": ("kg", 0.001),
    "キロ": ("kg", 0.001),
    "kt": ("kt", 1_000.0),
    "kilotonne": ("kt", 1_000.0),
    "kilotonnes": ("kt", 1_000.0),
    "Kilotonne": ("kt", 1_000.0),
    "Kilotonnes": ("kt", 1_000.0),
    "千トン": ("kt", 1_000.0),
    "千t": ("kt", 1_000.0),
    "Mt": ("Mt", 1_000_000.0),
    "megatonne": ("Mt", 1_000_000.0),
    "megatonnes": ("Mt", 1_000_000.0),
    "Megatonne": ("Mt", 1_000_000.0),
    "Megatonnes": ("Mt", 1_000_000.0),
    "百万トン": ("Mt", 1_000_000.0),
    "百万t": ("Mt", 1_000_000.0),
    # metric tons: tonnes, never megatonnes (the contract warns on every row; stored as t)
    "MT": ("MT", 1.0),
    "mt": ("MT", 1.0),
    "M/T": ("MT", 1.0),
}


def test_every_spelling_in_the_table_has_a_hand_written_meaning() -> None:
    assert set(v.UNIT_SPELLINGS) == set(EXPECTED_UNITS)


@pytest.mark.parametrize("spelling", list(v.UNIT_SPELLINGS))
def test_every_accepted_unit_spelling_has_the_meaning_written_by_hand(spelling: str) -> None:
    code, tonnes_per_unit = EXPECTED_UNITS[spelling]
    out = flows([{"quantity": "120", "unit": spelling}])
    assert out.row(0, named=True)["unit"] == code
    assert out.row(0, named=True)["quantity_t"] == pytest.approx(120 * tonnes_per_unit)


@pytest.mark.parametrize(
    ("written", "code", "tonnes"),
    [
        ("ｔ", "t", 120.0),  # full-width
        (" ｋｇ ", "kg", 0.12),
        ("㎏", "kg", 0.12),  # the one-character kilogram sign
        ("ﾄﾝ", "t", 120.0),  # half-width katakana
        ("㌔", "kg", 0.12),
        ("千ｔ", "kt", 120_000.0),
        ("ＭＴ", "MT", 120.0),
        ("Ｍ／Ｔ", "MT", 120.0),
    ],
)
def test_unit_spellings_match_after_nfkc(written: str, code: str, tonnes: float) -> None:
    out = flows([{"quantity": "120", "unit": written}])
    assert out.row(0, named=True)["unit"] == code
    assert out.row(0, named=True)["quantity_t"] == pytest.approx(tonnes)


@pytest.mark.parametrize("written", ["mT", "KT", "tonnes!", "t.", "m/t", "Pounds", "ｍＴ"])
def test_a_spelling_not_in_the_table_stays_as_written_and_has_no_tonnes(written: str) -> None:
    out = flows([{"quantity": "120", "unit": written}])
    assert out.row(0, named=True)["unit"] not in v.UNIT_CODES
    assert out.row(0, named=True)["quantity_t"] is None


def test_metric_tons_are_stored_as_tonnes() -> None:
    out = flows([{"quantity": "120", "unit": "MT"}, {"quantity": "2", "unit": "Mt"}])
    stored = resolve_metric_tons(out.lazy()).collect()
    assert stored.select("unit", "quantity_t").rows() == [("t", 120.0), ("Mt", 2_000_000.0)]


def test_unknown_unit_stays_as_cleaned_text_and_has_no_tonnes() -> None:
    out = flows([{"quantity": "10", "unit": " Pounds "}, {"quantity": "10", "unit": None}])
    assert out["unit"].to_list() == ["Pounds", None]
    assert out["quantity_t"].to_list() == [None, None]


def test_targets_unit_is_free_text_not_a_mass_unit() -> None:
    raw = make_raw(TARGETS, [{"member_id": "a", "target_id": "T1", "indicator": "Custom", "unit": " Ratio "}])
    out = normalize(raw, contract=TARGETS).collect()
    assert out.row(0, named=True)["unit"] == "Ratio"
    assert out.row(0, named=True)["indicator"] == "custom"


# --- periods -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "start", "end", "grain"),
    [
        ("2024", "2024", date(2024, 1, 1), date(2024, 12, 31), "year"),
        ("２０２４年", "2024", date(2024, 1, 1), date(2024, 12, 31), "year"),
        ("FY2024", "FY2024", date(2024, 4, 1), date(2025, 3, 31), "fiscal_year"),
        ("fy2024", "FY2024", date(2024, 4, 1), date(2025, 3, 31), "fiscal_year"),
        ("ＦＹ２０２４", "FY2024", date(2024, 4, 1), date(2025, 3, 31), "fiscal_year"),
        ("2024年度", "FY2024", date(2024, 4, 1), date(2025, 3, 31), "fiscal_year"),
        ("令和6年度", "FY2024", date(2024, 4, 1), date(2025, 3, 31), "fiscal_year"),
        ("令和元年度", "FY2019", date(2019, 4, 1), date(2020, 3, 31), "fiscal_year"),
        ("R6年度", "FY2024", date(2024, 4, 1), date(2025, 3, 31), "fiscal_year"),
        ("r6年度", "FY2024", date(2024, 4, 1), date(2025, 3, 31), "fiscal_year"),
        ("平成30年度", "FY2018", date(2018, 4, 1), date(2019, 3, 31), "fiscal_year"),
        ("Ｈ３０年度", "FY2018", date(2018, 4, 1), date(2019, 3, 31), "fiscal_year"),
        ("㍻31年度", "FY2019", date(2019, 4, 1), date(2020, 3, 31), "fiscal_year"),
        ("2024-05", "2024-05", date(2024, 5, 1), date(2024, 5, 31), "month"),
        ("2024/5", "2024-05", date(2024, 5, 1), date(2024, 5, 31), "month"),
        ("2024年5月", "2024-05", date(2024, 5, 1), date(2024, 5, 31), "month"),
        ("2024-02", "2024-02", date(2024, 2, 1), date(2024, 2, 29), "month"),
        ("2023/12", "2023-12", date(2023, 12, 1), date(2023, 12, 31), "month"),
    ],
)
def test_periods_become_codes_with_first_and_last_day(text: str, code: str, start: date, end: date, grain: str) -> None:
    row = flows([{"period": text}]).row(0, named=True)
    assert (row["period"], row["period_start"], row["period_end"], row["grain"]) == (code, start, end, grain)


@pytest.mark.parametrize(
    ("text", "kept"), [("2024-13", "2024-13"), (" spring 2024 ", "spring 2024"), ("令和0年度", "令和0年度")]
)
def test_unparseable_period_keeps_cleaned_text_and_null_dates(text: str, kept: str) -> None:
    row = flows([{"period": text}]).row(0, named=True)
    assert (row["period"], row["period_start"], row["period_end"], row["grain"]) == (kept, None, None, None)


def test_many_rows_keep_their_own_period_after_the_lookup_join() -> None:
    periods = ["2024", None, "FY2023", "2024", "2024/1", None]
    out = flows([{"period": period} for period in periods])
    assert out["source_row"].to_list() == [2, 3, 4, 5, 6, 7]
    assert out["period"].to_list() == ["2024", None, "FY2023", "2024", "2024-01", None]
    assert out["period_end"].to_list() == [date(2024, 12, 31), None, date(2024, 3, 31), date(2024, 12, 31),
                                           date(2024, 1, 31), None]  # fmt: skip


# --- materials, codes, regions, process names ------------------------------------------------------


def test_material_is_lower_case_with_underscores_and_group_is_its_prefix() -> None:
    out = flows([{"material": "Metals.Aluminium"}, {"material": "paper"}, {"material": "Lithium Ion"}])
    assert out["material"].to_list() == ["metals.aluminium", "paper", "lithium_ion"]
    assert out["material_group"].to_list() == ["metals", "paper", "lithium_ion"]


def test_vocabulary_codes_are_lower_cased_and_unknown_codes_shown_as_cleaned_text() -> None:
    out = flows([{"source_stage": "USE", "target_stage": "Sorting", "quality": "ＥＳＴＩＭＡＴＥＤ"},
                 {"source_stage": "kitchen", "target_stage": None, "quality": None}])  # fmt: skip
    assert out["source_stage"].to_list() == ["use", "kitchen"]
    assert out["target_stage"].to_list() == ["sorting", None]
    assert out["quality"].to_list() == ["estimated", None]


def test_region_is_upper_case_and_missing_region_takes_the_default() -> None:
    assert column([{"region": "jp-13"}, {"region": None}, {"region": " "}], "region", default_region="JP-40") == [
        "JP-13",
        "JP-40",
        "JP-40",
    ]
    assert column([{"region": None}], "region") == [None]


def test_origin_and_destination_are_prefecture_codes_from_names_and_default_to_the_rows_region() -> None:
    rows = [
        {"region": "JP-27", "origin_region": "大阪府", "destination_region": "兵庫"},
        {"region": "JP-27", "origin_region": "Osaka Prefecture", "destination_region": "hyogo-ken"},
        {"region": None, "origin_region": "ｃｎ", "destination_region": None},
        {"region": "大阪", "origin_region": " ", "destination_region": "Tōkyō"},
    ]
    out = flows(rows, default_region="JP-40").select("region", "origin_region", "destination_region").rows()
    assert out == [
        ("JP-27", "JP-27", "JP-28"),
        ("JP-27", "JP-27", "JP-28"),
        ("JP-40", "CN", "JP-40"),
        ("JP-27", "JP-27", "JP-13"),
    ]


def test_members_region_defaults_to_the_contract_default_jp() -> None:
    raw = make_raw(MEMBERS, [{"member_id": "a", "name": "A", "kind": "Municipality", "region": None}])
    row = normalize(raw, contract=MEMBERS).collect().row(0, named=True)
    assert (row["region"], row["kind"]) == ("JP", "municipality")
    row = normalize(raw, contract=MEMBERS, default_region=pl.lit("JP-40")).collect().row(0, named=True)
    assert row["region"] == "JP-40"


def test_missing_process_names_default_to_the_normalised_stage_code() -> None:
    out = flows([{"source_stage": "Use", "target_stage": "collection", "source": None, "target": "Plant A"}])
    assert (out["source"].to_list(), out["target"].to_list()) == (["use"], ["Plant A"])


# --- roll-up -----------------------------------------------------------------------------------


def test_unknown_leaf_of_a_known_group_rolls_up_to_the_group() -> None:
    out = flows([{"material": "plastics.pet"}, {"material": "plastics.bioplastic"}, {"material": "moon.rock"}])
    rolled = roll_up_unknown_materials(out.lazy()).collect()
    assert rolled["material"].to_list() == ["plastics.pet", "plastics", "moon.rock"]
    assert rolled["material_group"].to_list() == ["plastics", "plastics", "moon"]
    assert rolled.drop("material").equals(out.drop("material"))


def test_default_region_can_come_from_a_column_per_row() -> None:
    raw = make_raw(FLOWS, [{"member_id": "city-a", "region": None}, {"member_id": "corp-b", "region": "jp-13"}])
    raw = raw.with_columns(registered_region=pl.Series(["JP-40", "JP-27"]))
    out = normalize(raw, contract=FLOWS, default_region=pl.col("registered_region")).collect()
    # A missing region takes that row's member's registered region; a given one is kept (upper-cased).
    assert out.get_column("region").to_list() == ["JP-40", "JP-13"]

"""A template's content follows its contract: headers the readers map back, drop-downs of what validates, an example."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from infra.readers.common import header_layout
from schemas import CONTRACTS
from schemas import vocabulary as v
from schemas.datasets import MEMBER_DATASETS, SECRETARIAT_DATASETS
from schemas.products import PRODUCT_CODES
from schemas.regions import PREFECTURE_CODES, region_code
from schemas.template_instructions import COLUMNS_TABLE_HEADER, instruction_lines
from schemas.templates import (
    TEMPLATE_DATASETS,
    Template,
    TemplateColumn,
    era_fiscal_year,
    fiscal_year,
    template_for,
)
from transforms.normalize import parse_boolean, parse_period

TODAY = date(2025, 6, 1)  # fiscal year 2025 (令和7年度) has begun; members report FY2024
MEMBER = "city-a"


def build(dataset: str, member_id: str | None = MEMBER) -> Template:
    return template_for(dataset, member_id=member_id if dataset in MEMBER_DATASETS else None, today=TODAY)


def column(template: Template, name: str) -> TemplateColumn:
    return next(one for one in template.columns if one.name == name)


def values(template: Template, name: str) -> list[str]:
    return [choice.value for choice in column(template, name).choices]


def test_every_registered_dataset_has_a_template() -> None:
    assert set(TEMPLATE_DATASETS) == {*MEMBER_DATASETS, *SECRETARIAT_DATASETS}


@pytest.mark.parametrize("dataset", TEMPLATE_DATASETS)
def test_every_header_is_read_back_as_its_column_and_is_japanese_where_the_contract_has_a_japanese_name(
    dataset: str,
) -> None:
    contract = CONTRACTS[dataset]
    template = build(dataset)
    assert [one.name for one in template.columns] == [one.name for one in contract.submitted_columns]
    for one in template.columns:
        assert contract.column_for_header(one.header) == one.name
        if contract.column(one.name).headers_ja:
            assert one.header in contract.column(one.name).headers_ja
    layout = header_layout(list(template.header), contract)
    assert (layout.missing, layout.ignored, layout.duplicate) == ((), (), None)
    assert layout.positions == {one.name: index for index, one in enumerate(template.columns)}


def test_vocabulary_columns_offer_exactly_their_codes_and_only_they_and_yes_no_are_closed() -> None:
    flows = build("flows")
    assert values(flows, "source_stage") == list(v.STAGE_CODES)
    assert values(flows, "target_stage") == list(v.STAGE_CODES)
    assert values(flows, "quality") == list(v.QUALITY_CODES)
    for dataset in TEMPLATE_DATASETS:
        contract = CONTRACTS[dataset]
        for one in build(dataset).columns:
            declared = contract.column(one.name)
            codes = declared.vocabulary or declared.warn_vocabulary
            if codes and declared.name != "unit":
                assert {choice.value for choice in one.choices} == set(codes), (dataset, one.name)
            is_closed = bool(declared.vocabulary) or declared.dtype == pl.Boolean()  # はい / いいえ, nothing else
            assert one.closed == is_closed, (dataset, one.name)


def test_materials_and_products_are_offered_group_then_its_leaves_each_with_both_labels() -> None:
    declarations = build("declarations")
    materials = values(declarations, "material")
    assert set(materials) == set(v.MATERIAL_CODES)
    assert materials[:3] == ["plastics", "plastics.pet", "plastics.pe"]
    for position, code in enumerate(materials):
        if "." in code:
            group = code.split(".")[0]
            assert materials.index(group) < position
            assert all(other.startswith(group) for other in materials[materials.index(group) : position + 1])
    assert set(values(declarations, "product_category")) == set(PRODUCT_CODES)
    for name in ("material", "product_category"):
        assert all(choice.label_ja and choice.label_en for choice in column(declarations, name).choices)
    stages = column(build("flows"), "target_stage").choices
    assert (stages[8].value, stages[8].label_ja, stages[8].label_en) == ("collection", "回収", "Collection")


def test_a_code_shared_by_two_vocabularies_takes_the_label_of_the_column_s_own() -> None:
    """`energy_recovery` is a stage (熱回収) in a stage column and an indicator (熱回収量) in an indicator column."""
    stage = next(one for one in column(build("flows"), "target_stage").choices if one.value == "energy_recovery")
    indicator = next(one for one in column(build("targets"), "indicator").choices if one.value == "energy_recovery")
    assert (stage.label_ja, indicator.label_ja) == ("熱回収", "熱回収量")


def test_units_are_offered_as_the_japanese_spellings_the_unit_table_reads_exactly() -> None:
    offered = values(build("flows"), "unit")
    assert offered == ["トン", "キログラム", "千トン", "百万トン"]
    assert [v.UNIT_SPELLINGS[spelling] for spelling in offered] == [term.code for term in v.UNITS]


def test_periods_are_recent_fiscal_years_in_the_era_form_and_read_as_those_fiscal_years() -> None:
    offered = values(build("flows"), "period")
    assert offered == ["令和7年度", "令和6年度", "令和5年度", "令和4年度", "令和3年度", "令和2年度"]
    read_as = pl.select(parse_period(pl.lit(pl.Series(offered)))["period"]).to_series().to_list()
    assert read_as == ["FY2025", "FY2024", "FY2023", "FY2022", "FY2021", "FY2020"]
    assert column(build("flows"), "period").example == "令和6年度"  # the year that just ended
    assert values(build("declarations"), "period") == offered


@pytest.mark.parametrize(("day", "expected"), [(date(2025, 3, 31), 2024), (date(2025, 4, 1), 2025)])
def test_the_fiscal_year_starts_in_april(day: date, expected: int) -> None:
    assert fiscal_year(day) == expected


def test_every_era_fiscal_year_is_read_back_as_its_fiscal_year() -> None:
    years = list(range(1990, 2041))
    written = [era_fiscal_year(year) for year in years]
    assert "令和元年度" in written
    assert "平成31年度" not in written  # FY2019 began in 平成 but is written 令和元年度, as offices do
    read_as = pl.select(parse_period(pl.lit(pl.Series(written)))["period"]).to_series().to_list()
    assert read_as == [f"FY{year}" for year in years]


def test_regions_are_prefecture_names_that_read_as_their_codes_and_japan_as_a_whole() -> None:
    offered = values(build("flows"), "region")
    assert offered[0] == "北海道"
    assert offered[-1] == "JP"
    codes = pl.select(region_code(pl.lit(pl.Series(offered)))).to_series().to_list()
    assert codes == [*PREFECTURE_CODES, "JP"]
    assert column(build("flows"), "region").example == "福岡県"  # the contract's JP-40


def test_yes_no_columns_offer_japanese_answers_that_read_as_booleans() -> None:
    offered = values(build("plans"), "includes_ce_target")
    assert offered == ["はい", "いいえ"]
    assert pl.select(parse_boolean(pl.lit(pl.Series(offered)))).to_series().to_list() == [True, False]
    assert column(build("plans"), "includes_ce_target").example == "はい"


def test_the_member_id_is_on_the_example_row_and_the_only_value_of_its_list() -> None:
    flows = build("flows")
    assert flows.example_row[0] == MEMBER
    assert values(flows, "member_id") == [MEMBER]
    generic = build("flows", member_id=None)
    assert generic.example_row[0] == CONTRACTS["flows"].column("member_id").example
    assert values(generic, "member_id") == []


@pytest.mark.parametrize("dataset", TEMPLATE_DATASETS)
def test_every_required_column_has_an_example_and_typed_columns_say_how(dataset: str) -> None:
    template = build(dataset)
    for one in template.columns:
        if one.required:
            assert one.example, (dataset, one.name)
    kinds = {one.name: one.kind for one in template.columns}
    expected = {
        "flows": {"quantity": "number", "note": "text", "period": "code", "is_renewable": "code"},
        "projects": {"started_on": "date", "follow_up_months": "integer", "title": "text"},
        "declarations": {"recycled_post_consumer_share": "share", "units_placed": "integer", "product_id": "code"},
    }.get(dataset, {})
    assert {name: kinds[name] for name in expected} == expected


def test_an_unknown_dataset_names_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown dataset 'flow'; choose one of: flows, targets, progress"):
        template_for("flow", today=TODAY)


def test_a_member_id_is_refused_on_reference_data_and_when_it_cannot_be_an_id() -> None:
    with pytest.raises(ValueError, match="secretariat's reference data"):
        template_for("roadmap_targets", member_id=MEMBER, today=TODAY)
    with pytest.raises(ValueError, match="'City A' must be 2-64 lower-case"):
        template_for("flows", member_id="City A", today=TODAY)


def test_the_instructions_describe_every_column_every_list_and_how_to_submit() -> None:
    template = build("flows")
    lines = instruction_lines(template)
    kinds = [line.kind for line in lines]
    assert kinds[0] == "title"
    assert lines[kinds.index("table_header")].cells == COLUMNS_TABLE_HEADER
    rows = {line.cells[1]: line.cells for line in lines if line.kind == "row" and len(line.cells) == 7}
    assert set(rows) == {one.name for one in template.columns}
    assert rows["quantity"][:3] == ("数量", "quantity", "必須 / required")
    assert rows["note"][2] == "任意 / optional"
    assert rows["quantity"][6] == "数値（0以上） / a number"
    # Source and target stages share one table of the 18 stages, with their labels.
    headings = [line.cells[0] for line in lines if line.kind == "heading"]
    assert "「投入元工程」・「投入先工程」の値 / Values of source_stage, target_stage" in headings
    value_rows = [line.cells for line in lines if line.kind == "row" and len(line.cells) == 3]
    assert ("landfill", "最終処分", "Final disposal (landfill)") in value_rows
    assert ("トン", "トン", "tonne (t)") in value_rows
    text = "\n".join(cell for line in lines for cell in line.cells)
    assert f"junkan validate ファイル --member {MEMBER} --dataset flows" in text
    assert f"inbox/{MEMBER}/flows/" in text
    assert "2行目は記入例です" in text
    # A file sent again under the same name replaces the earlier one whatever it holds: next year's needs its own.
    assert "別の年度などは別の名前で保存してください（例: flows_令和6年度.xlsx）" in text


def test_the_note_on_japanese_names_and_the_url_hint_appear_only_where_they_apply() -> None:
    flows = "\n".join(cell for line in instruction_lines(build("flows")) for cell in line.cells)
    plans_lines = instruction_lines(build("plans"))
    plans = "\n".join(cell for line in plans_lines for cell in line.cells)
    assert "工程・素材の日本語名" in flows
    assert "工程・素材の日本語名" not in plans  # plans offer はい / いいえ only
    url = next(line.cells for line in plans_lines if line.kind == "row" and line.cells[1] == "url")
    assert url[6] == "URL（https:// で始まる）/ a link starting with https://"


def test_reference_data_instructions_say_how_the_secretariat_loads_it() -> None:
    text = "\n".join(cell for line in instruction_lines(build("reference_statistics")) for cell in line.cells)
    assert "junkan reference load FILE --dataset reference_statistics" in text
    assert "junkan submit" not in text

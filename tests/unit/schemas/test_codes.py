"""How cells are read as codes: every name the data dictionary lists reads as its code, free text is left alone."""

from __future__ import annotations

import polars as pl
import pytest

from schemas import CONTRACTS, FLOWS, MEMBERS, PLANS, TARGETS
from schemas import vocabulary as v
from schemas.codes import code_reader, invisible_characters
from schemas.contract import Column, Contract

# The columns members may write by name: stages, materials, units, member kinds.
BY_NAME = [
    (contract.name, column)
    for contract in (*CONTRACTS.values(), MEMBERS)
    for column in contract.columns
    if set(column.vocabulary or column.warn_vocabulary)
    in ({*v.STAGE_CODES}, {*v.MATERIAL_CODES}, {*v.MATERIAL_GROUP_CODES}, {*v.UNIT_CODES}, {*v.MEMBER_KIND_CODES})
]


def read(column: Column, written: list[str]) -> list[str]:
    reader = code_reader(column)
    assert reader is not None
    return pl.select(reader.code(pl.lit(pl.Series(written, dtype=pl.String)))).to_series().to_list()


@pytest.mark.parametrize(("dataset", "column"), BY_NAME, ids=lambda item: getattr(item, "name", item))
def test_every_name_in_the_data_dictionary_reads_as_its_code(dataset: str, column: Column) -> None:
    reader = code_reader(column)
    assert reader is not None
    terms = [term for term in reader.terms if term.label_ja or term.label_en]
    names = [name for term in terms for name in (term.label_ja, term.label_en) if name]
    codes = [term.code for term in terms for name in (term.label_ja, term.label_en) if name]
    assert read(column, names) == codes
    spaced = [f" {name.replace('・', ' ・ ')}\u3000" for name in names]  # spaces around and inside, full-width
    assert read(column, spaced) == codes
    wide = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}  # ASCII as full-width letters, as an IME types it
    assert read(column, [name.translate(wide) for name in names]) == codes


def test_a_few_names_by_hand() -> None:
    assert read(
        FLOWS.column("target_stage"), ["回収", "最終処分", "ｻｲｸﾙ", "Collection", "熱回収", "RETURN TO NATURE"]
    ) == [
        "collection",
        "landfill",
        "サイクル",  # no such name: kept as cleaned text (NFKC) for the vocabulary check to name it
        "collection",
        "energy_recovery",
        "return_to_nature",
    ]
    assert read(FLOWS.column("material"), ["紙", "ﾌﾟﾗｽﾁｯｸ", "段ボール", "PET", "Plastics.Bioplastic"]) == [
        "paper",
        "plastics",
        "paper.cardboard",
        "plastics.pet",
        "plastics.bioplastic",  # an unknown leaf of a known group: rolled up later, with its own warning
    ]
    assert read(MEMBERS.column("kind"), ["自治体", "研究機関", "Related organisation"]) == [
        "municipality",
        "research_institute",
        "related_org",
    ]
    # Units keep their case: KT and m/t are no unit (Mt megatonnes, MT metric tons differ by case alone).
    assert read(FLOWS.column("unit"), ["千 トン", "百万　トン", "ﾄﾝ", "KT", "m/t"]) == ["kt", "Mt", "t", "KT", "m/t"]


def test_a_consent_or_an_indicator_is_written_as_its_code_and_its_name_only_helps_did_you_mean() -> None:
    assert [dataset for dataset, _ in BY_NAME] == [
        *["flows"] * 5,
        "targets",
        *["declarations"] * 3,  # material, unit and material group, as in flows
        "designated_products",
        "members",
    ]
    disclosure = MEMBERS.column("disclosure")
    assert read(disclosure, ["公開", "PUBLIC"]) == ["公開", "public"]
    reader = code_reader(disclosure)
    assert reader is not None
    assert reader.close_codes("公開") == ("public",)
    assert read(TARGETS.column("indicator"), ["最終処分量", "Final-Disposal"]) == ["最終処分量", "final_disposal"]


def test_vocabulary_messages_list_every_code_never_cut() -> None:
    [check] = [check for check in FLOWS.column("target_stage").checks if check.kind == "in_set"]
    assert check.message_en == "target_stage must be one of: " + ", ".join(v.STAGE_CODES)
    assert check.message_en.endswith("return_to_nature, landfill")
    assert check.message_ja.endswith("return_to_nature, landfill")


def test_free_text_columns_are_the_ones_members_write_in_their_own_words() -> None:
    def free(contract: Contract) -> list[str]:
        return [column.name for column in contract.submitted_columns if column.is_free_text]

    assert free(FLOWS) == ["source", "target", "note"]
    assert free(TARGETS) == ["description"]  # unit and target_id hold codes
    assert free(PLANS) == ["plan_name"]  # target_ids holds ids


def test_invisible_characters_are_named_as_a_member_can_look_them_up() -> None:
    assert invisible_characters("a\u00ad\u2060b\u200c\u200d") == (
        "U+00AD SOFT HYPHEN",
        "U+2060 WORD JOINER",
        "U+200C ZERO WIDTH NON-JOINER",
        "U+200D ZERO WIDTH JOINER",
    )
    assert invisible_characters("①番ライン ²　全角") == ()

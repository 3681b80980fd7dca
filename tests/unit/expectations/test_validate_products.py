"""The flows' product column in files offices make by hand: 製品区分, product names in Japanese, files without it."""

from __future__ import annotations

from pathlib import Path

from tests.unit.expectations.office_files import FLOWS_HEADER, MEMBER, judge_file, workbook
from transforms.core_shaping import core_rows

# The office's usual header, with the product column under one of its Japanese names.
PRODUCT_HEADER = [*FLOWS_HEADER, "製品区分"]


def test_a_hand_made_workbook_reads_the_product_column_by_its_japanese_header_and_names(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "令和6年度_製品別フロー.xlsx",
        PRODUCT_HEADER,
        [
            [MEMBER, "令和6年度", "PET", "使用・消費", "回収", 120, "トン", "JP-40", None, None, "PETボトル"],
            [MEMBER, "令和6年度", "アルミニウム", "使用・消費", "回収", 30, "トン", "JP-40", None, None, "アルミ缶"],
            # the same flow of another product is another flow, not a duplicate
            [
                MEMBER,
                "令和6年度",
                "PET",
                "使用・消費",
                "回収",
                8,
                "トン",
                "JP-40",
                None,
                None,
                "プラスチック製容器包装",
            ],
            [MEMBER, "令和6年度", "鉄鋼", "使用・消費", "回収", 12, "トン", "JP-40", None, None, "冷蔵庫・冷凍庫"],
            [MEMBER, "令和6年度", "鉄鋼", "使用・消費", "回収", 4, "トン", "JP-40", None, None, "packaging.glass_jar"],
            [MEMBER, "令和6年度", "紙", "使用・消費", "回収", 50, "トン", "JP-40", None, None, None],
            [MEMBER, "令和6年度", "紙", "使用・消費", "回収", 1, "トン", "JP-40", None, None, "おもちゃ"],
        ],
    )

    judged = judge_file(path)

    assert judged.accepted("material", "product_category", "quantity_t") == [
        ("plastics.pet", "packaging.pet_bottle", 120.0),
        ("metals.aluminium", "packaging.aluminium_can", 30.0),
        ("plastics.pet", "packaging.plastic_container", 8.0),
        ("metals.ferrous", "appliances.refrigerator", 12.0),
        ("metals.ferrous", "packaging.glass_jar", 4.0),  # an unknown leaf: kept, with a warning, and rolled up below
        ("paper", None, 50.0),  # no product named: a flow like any before products
    ]
    warnings = [(row.row, row.value, row.check_id) for row in judged.rows("warning", "product_category")]
    assert warnings == [
        (2, "PETボトル", "product_category.label"),
        (3, "アルミ缶", "product_category.label"),
        (4, "プラスチック製容器包装", "product_category.label"),
        (5, "冷蔵庫・冷凍庫", "product_category.label"),
        (6, "packaging.glass_jar", "product_category.known"),
    ]
    errors = [(row.row, row.column, row.check_id) for row in judged.rows("error")]
    assert errors == [(8, "product_category", "product_category.group")]  # an unknown group: that cell's error only
    judged.assert_no_row_lost()
    # Core rows roll the unknown leaf up to its group, as materials do.
    core = core_rows("flows", judged.result.accepted).sort("source_row")
    assert core.get_column("product_category").to_list()[3:5] == ["appliances.refrigerator", "packaging"]


def test_one_flow_of_one_product_twice_is_a_duplicate(tmp_path: Path) -> None:
    row = [MEMBER, "令和6年度", "PET", "使用・消費", "回収", 120, "トン", "JP-40", None, None, "PETボトル"]
    path = workbook(tmp_path / "flows.xlsx", PRODUCT_HEADER, [row, row])

    judged = judge_file(path)

    assert judged.accepted("product_category") == []
    assert {item.check_id for item in judged.rows("error")} == {"flows.duplicate"}


def test_a_workbook_without_the_product_column_is_read_as_before(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "flows.xlsx",
        FLOWS_HEADER,
        [[MEMBER, "FY2024", "paper", "use", "collection", 50, "t", "JP-40", None, None]],
    )

    judged = judge_file(path)

    assert judged.accepted("material", "product_category", "quantity_t") == [("paper", None, 50.0)]
    assert judged.rows("error") == judged.rows("warning") == []
    assert "製品区分" not in judged.report.ignored_columns


def test_a_material_group_row_is_a_subtotal_of_its_own_products_materials_only(tmp_path: Path) -> None:
    # A refrigerator's plastics equal to an air conditioner's PET and PP is no subtotal; the air conditioner's own is.
    fridge, aircon = "appliances.refrigerator", "appliances.air_conditioner"
    rows = [
        [MEMBER, "FY2024", material, "use", "collection", quantity, "t", "JP-40", None, None, product]
        for material, quantity, product in (
            ("plastics.pet", 30, aircon),
            ("plastics.pp", 70, aircon),
            ("plastics", 100, fridge),
            ("plastics", 100, aircon),
        )
    ]
    path = workbook(tmp_path / "flows.xlsx", PRODUCT_HEADER, rows)

    judged = judge_file(path)

    assert [(row.row, row.check_id) for row in judged.rows("error")] == [(5, "flows.subtotal")]
    assert judged.accepted("material", "product_category") == [
        ("plastics.pet", aircon),
        ("plastics.pp", aircon),
        ("plastics", fridge),
    ]

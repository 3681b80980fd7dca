"""The subtotal rule on normalised rows: which cells are labels, which group rows are sums, whole files or parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from expectations import validate
from expectations.subtotals import is_subtotal_label
from expectations.validate import validate_parts
from schemas import FLOWS, TARGETS
from tests.factories import MEMBER_ID, make_flows, make_targets


def flows(*rows: dict[str, Any]) -> pl.DataFrame:
    frame = make_flows(rows=[{"quantity": row.get("quantity_t", 10.0), **row} for row in rows], lineage=True)
    return frame.with_columns(pl.lit(MEMBER_ID).alias("submitter_id"))


def set_aside(frame: pl.DataFrame) -> list[tuple[int, str]]:
    failures = validate(FLOWS, frame).failures.filter(pl.col("check_id") == "flows.subtotal")
    return failures.select("source_row", "column").rows()


@pytest.mark.parametrize(
    "cell",
    ["合計", "小計", "計", "総計", "総合計", "合　計", "【合計】", "＜小計＞", "計：", "合計（紙類）", "小計: びん類",
     "紙類 小計", "紙類合計", "容器包装プラスチック小計", "Total", "TOTAL:", "Sub-total", "Grand Total",
     "Total (paper)", "Paper subtotal"],
)  # fmt: skip
def test_a_total_written_as_a_label_is_one(cell: str) -> None:
    assert pl.select(is_subtotal_label(pl.lit(cell))).item() is True


@pytest.mark.parametrize(
    "cell",
    ["計量器", "計量器で測定", "推計", "推計値", "集計", "会計年度", "設計変更", "合計特殊出生率", "合計は別表のとおり",
     "前年度の合計と一致しない。要確認", "月別の値を合計して算出した推計値（工場A・工場B）", "totally recycled",
     "Total Recycling Co., Ltd.", "", "紙類"],
)  # fmt: skip
def test_the_word_inside_longer_text_is_not_a_label(cell: str) -> None:
    assert pl.select(is_subtotal_label(pl.lit(cell))).item() is False


def test_a_group_row_equal_to_two_of_its_materials_of_the_same_flow_is_set_aside() -> None:
    frame = flows(
        {"material": "paper.cardboard", "material_group": "paper", "quantity_t": 30.1},  # row 2
        {"material": "paper.newspaper", "material_group": "paper", "quantity_t": 19.9},  # row 3
        {"material": "paper", "material_group": "paper", "quantity_t": 50.0},  # row 4: 30.1 + 19.9
        # the same 50 t in another region, or between other stages, is another flow: kept
        {"material": "paper", "material_group": "paper", "quantity_t": 50.0, "region": "JP-13"},  # row 5
        {"material": "paper", "material_group": "paper", "quantity_t": 50.0, "target_stage": "sorting"},  # row 6
    )
    assert set_aside(frame) == [(4, "quantity")]


def test_a_group_row_equal_to_a_single_material_is_the_rest_of_the_group() -> None:
    frame = flows(
        {"material": "plastics.pet", "material_group": "plastics", "quantity_t": 50.0},
        {"material": "plastics", "material_group": "plastics", "quantity_t": 50.0},
    )
    assert set_aside(frame) == []


def test_zeros_are_reports_not_sums() -> None:
    frame = flows(
        {"material": "glass.bottles", "material_group": "glass", "quantity_t": 0.0},
        {"material": "glass.cullet", "material_group": "glass", "quantity_t": 0.0},
        {"material": "glass", "material_group": "glass", "quantity_t": 0.0},
    )
    assert set_aside(frame) == []


def test_rows_of_another_file_are_never_summed() -> None:
    first = flows(
        {"material": "paper.cardboard", "material_group": "paper", "quantity_t": 30.0},
        {"material": "paper.newspaper", "material_group": "paper", "quantity_t": 20.0},
    )
    second = flows({"material": "paper", "material_group": "paper", "quantity_t": 50.0}).with_columns(
        submission_id=pl.lit("sub-2")
    )
    assert set_aside(pl.concat([first, second])) == []


@pytest.mark.parametrize("cuts", [[1], [2], [1, 2, 3]])
def test_a_large_file_in_parts_finds_the_subtotal_across_them(cuts: list[int], tmp_path: Path) -> None:
    frame = flows(
        {"material": "paper.cardboard", "material_group": "paper", "quantity_t": 30.0},
        {"material": "paper.newspaper", "material_group": "paper", "quantity_t": 20.0},
        {"material": "glass", "material_group": "glass", "quantity_t": 5.0, "note": "合計"},
        {"material": "paper", "material_group": "paper", "quantity_t": 50.0},
    )
    paths = []
    for index, (start, end) in enumerate(zip([0, *cuts], [*cuts, frame.height], strict=True)):
        paths.append(tmp_path / f"part-{index}.parquet")
        frame.slice(start, end - start).write_parquet(paths[-1])

    results = list(validate_parts(FLOWS, paths))

    failures = pl.concat([result.failures for result in results]).filter(pl.col("check_id") == "flows.subtotal")
    assert sorted(failures.select("source_row", "column").rows()) == [(4, "note"), (5, "quantity")]
    assert sum(result.quarantined.height for result in results) == 2


def test_other_datasets_have_no_subtotal_rule() -> None:
    targets = make_targets(description="合計", lineage=True).with_columns(pl.lit(MEMBER_ID).alias("submitter_id"))
    assert validate(TARGETS, targets).failures.is_empty()

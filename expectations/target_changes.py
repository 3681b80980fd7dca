"""What a targets file's report says when it changes a target's indicator, unit or material under earlier progress.

Progress is measured against the version of a target in force when it was reported (`transforms.target_versions`),
so a change of what the target measures leaves the progress reported before it without a comparable target. The
member is told which rows, in both languages, and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from expectations.report import FileWarning
from schemas.workbooks import SHEET_ROW_STRIDE

MAX_ROWS_NAMED = 20


def target_change_warnings(left: pl.DataFrame, *, file_names: Mapping[str, str]) -> dict[str, tuple[FileWarning, ...]]:
    """One warning per target a targets file changed, by that file's submission id.

    `left` is `transforms.target_versions.progress_left_without_comparable_target`; `file_names` names the
    progress files by submission id.

    Examples:
        >>> import polars as pl
        >>> left = pl.DataFrame({"member_id": ["m", "m"], "target_id": ["T1", "T1"], "submission_id": ["s3"] * 2,
        ...     "from_indicator": ["waste_generated"] * 2, "from_unit": ["t"] * 2, "from_material": [None, None],
        ...     "to_indicator": ["recovery_rate"] * 2, "to_unit": ["%"] * 2, "to_material": [None, None],
        ...     "year": [2025, 2026], "value": [900.0, 880.0], "progress_submission_id": ["s2"] * 2,
        ...     "source_row": [2, 3]})
        >>> [warning] = target_change_warnings(left, file_names={"s2": "実績.csv"})["s3"]
        >>> print(warning.message_en)  # doctest: +NORMALIZE_WHITESPACE
        target T1 changed from waste_generated in t (all materials) to recovery_rate in % (all materials): 2
        progress rows reported before this file stay measured against the earlier version and have no comparable
        target now: 2025: 900, 2026: 880 (実績.csv, rows 2, 3). Report them again in % if they should count towards
        the new target; a value is never compared with a target of another indicator, unit or material

    """
    warnings: dict[str, list[FileWarning]] = {}
    for (submission_id, target_id), rows in left.group_by("submission_id", "target_id", maintain_order=True):
        first = rows.row(0, named=True)
        before = _definition(first, "from")
        after = _definition(first, "to")
        values = ", ".join(
            f"{year}: {value:g}" for year, value in rows.select("year", "value").head(MAX_ROWS_NAMED).rows()
        )
        more = f" … (+{rows.height - MAX_ROWS_NAMED})" if rows.height > MAX_ROWS_NAMED else ""
        files = [
            (file_names.get(str(progress_id), str(progress_id)), [row % SHEET_ROW_STRIDE for row in part["source_row"]])
            for (progress_id,), part in rows.head(MAX_ROWS_NAMED).group_by(
                "progress_submission_id", maintain_order=True
            )
        ]
        where_en = "; ".join(f"{name}, rows {', '.join(map(str, numbers))}" for name, numbers in files)
        where_ja = "、".join(f"{name} の {'・'.join(map(str, numbers))} 行目" for name, numbers in files)
        unit = first["to_unit"]
        message_en = (
            f"target {target_id} changed from {before[0]} to {after[0]}: {rows.height} progress rows reported before "
            f"this file stay measured against the earlier version and have no comparable target now: {values}{more} "
            f"({where_en}). Report them again in {unit} if they should count towards the new target; a value is never "
            "compared with a target of another indicator, unit or material"
        )
        message_ja = (
            f"目標 {target_id} が {before[1]} から {after[1]} に変わりました。このファイルより前に報告された実績"
            f"{rows.height}行（{values}{more}。{where_ja}）は以前の版に対して評価したままで、比較できる目標がなくなり"
            f"ました。新しい目標に対して評価する場合は、{unit} で報告し直してください（指標・単位・素材の異なる目標と"
            "実績を比較することはありません）"
        )
        warnings.setdefault(str(submission_id), []).append(FileWarning(message_en, message_ja))
    return {submission_id: tuple(found) for submission_id, found in warnings.items()}


def _definition(row: Mapping[str, object], side: str) -> tuple[str, str]:
    """What a version measures, in English and Japanese: indicator, unit and material."""
    indicator, unit, material = (row[f"{side}_{name}"] for name in ("indicator", "unit", "material"))
    scope_en = "all materials" if material is None else f"material {material}"
    scope_ja = "全素材" if material is None else f"素材 {material}"
    return f"{indicator} in {unit} ({scope_en})", f"{indicator}（{unit}、{scope_ja}）"

"""Contract of `progress`: a member's yearly follow-up of its targets."""

from __future__ import annotations

import polars as pl

from schemas import periods
from schemas.contract import Column, Contract, Rule
from schemas.members import submitter_column, submitter_rule
from schemas.targets import TARGET_ID_HEADERS, TARGET_ID_PATTERN

PROGRESS = Contract(
    name="progress",
    description_en="Yearly follow-up of each target: the value reached in a year.",
    description_ja="目標の年次フォローアップ（各年の実績値）。",
    columns=(
        submitter_column(
            "Member reporting progress; must be the submitting member",
            "報告する会員のID（提出した会員と同じであること）",
            example="city-kitakyushu",
        ),
        Column(
            "target_id",
            pl.String(),
            "A target_id the member has submitted in targets",
            "targets で提出済みの target_id",
            required=True,
            regex=TARGET_ID_PATTERN,
            example="T1",
            headers_ja=TARGET_ID_HEADERS,
        ),
        Column(
            "year",
            pl.Int32(),
            "Year the value was reached",
            "実績の年",
            required=True,
            min_value=float(periods.MIN_YEAR),
            max_value=float(periods.MAX_YEAR),
            example="2024",
            headers_ja=("年", "年度", "実績年", "実績年度"),
        ),
        Column(
            "value",
            pl.Float64(),
            "Value reached, in the target's unit",
            "実績値（目標と同じ単位）",
            required=True,
            example="0.15",
            headers_ja=("実績値", "実績"),
        ),
        Column("note", pl.String(), "Free note", "備考", max_length=1000, headers_ja=("備考",)),
    ),
    key=("member_id", "target_id", "year"),
    scope_column="year",
    validation_order=2,
    rules=(
        submitter_rule("progress"),
        Rule(
            "progress.duplicate",
            "unique",
            ("member_id", "target_id", "year"),
            "the same target and year appear more than once",
            "同じ目標・年の行が複数あります",
        ),
        Rule(
            "progress.known_target",
            "known_target",
            ("member_id", "target_id"),
            "target_id is not a target this member has submitted; submit it in targets first",
            "この target_id は未登録です。先に targets で目標を提出してください",
        ),
        Rule(
            "progress.future_year",
            "not_future",
            ("year",),
            "the year is in the future: report progress for years that have begun",
            "年が未来です。開始した年の実績を報告してください",
        ),
        Rule(
            "progress.before_baseline",
            "from_baseline",
            ("member_id", "target_id", "year"),
            "the year is before the target's baseline year",
            "年が目標の基準年より前です",
        ),
    ),
)

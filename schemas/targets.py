"""Contract of `targets`: a member's quantitative circular-economy targets."""

from __future__ import annotations

import polars as pl

from schemas import periods
from schemas import vocabulary as v
from schemas.contract import Column, Contract, Rule
from schemas.members import submitter_column, submitter_rule

TARGET_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
TARGET_ID_HEADERS = ("目標ID", "目標番号")
URL_PATTERN = r"^https?://\S+$"
# Companies and industry associations follow their targets up yearly; others set their own interval.
DEFAULT_FOLLOW_UP_MONTHS = 12


def follow_up_column(description_en: str, description_ja: str, headers_ja: tuple[str, ...]) -> Column:
    """`follow_up_months`: the interval a member sets for its own follow-up (targets, projects)."""
    return Column(
        "follow_up_months",
        pl.Int32(),
        description_en,
        description_ja,
        min_value=1.0,
        max_value=120.0,
        default_en=f"{DEFAULT_FOLLOW_UP_MONTHS} months",
        default_ja=f"{DEFAULT_FOLLOW_UP_MONTHS}か月",
        example="12",
        headers_ja=headers_ja,
    )


TARGETS = Contract(
    name="targets",
    description_en="A member's quantitative circular-economy targets, set within a year of joining and published.",
    description_ja="会員の定量的な循環経済目標（入会後1年以内に設定・公表）。",
    columns=(
        submitter_column(
            "Member who set the target; must be the submitting member",
            "目標を設定した会員のID（提出した会員と同じであること）",
            example="city-kitakyushu",
        ),
        Column(
            "target_id",
            pl.String(),
            "The member's own id for the target",
            "目標ID（会員ごとに一意）",
            required=True,
            regex=TARGET_ID_PATTERN,
            example="T1",
            headers_ja=TARGET_ID_HEADERS,
        ),
        Column(
            "indicator",
            pl.String(),
            "Indicator the target is set on, or custom",
            "目標の指標（指標コードまたは custom）",
            required=True,
            vocabulary=v.TARGET_INDICATOR_CODES,
            example="input_cyclical_use_rate",
            headers_ja=("指標", "指標コード"),
        ),
        Column(
            "material",
            pl.String(),
            "Material scope of the target (empty: all materials)",
            "目標の対象素材（空欄は全素材）",
            warn_vocabulary=v.MATERIAL_CODES,
            example="plastics",
            headers_ja=("品目", "素材", "対象素材"),
        ),
        Column(
            "baseline_year",
            pl.Int32(),
            "Year of the baseline value",
            "基準年",
            required=True,
            min_value=float(periods.MIN_YEAR),
            max_value=float(periods.MAX_YEAR),
            example="2020",
            headers_ja=("基準年", "基準年度"),
        ),
        Column(
            "baseline_value",
            pl.Float64(),
            "Baseline value",
            "基準値",
            required=True,
            example="0.12",
            headers_ja=("基準値",),
        ),
        Column(
            "target_year",
            pl.Int32(),
            "Year the target should be reached; after the baseline year",
            "目標年（基準年より後）",
            required=True,
            min_value=float(periods.MIN_YEAR),
            max_value=float(periods.MAX_YEAR),
            example="2030",
            headers_ja=("目標年", "目標年度"),
        ),
        Column(
            "target_value", pl.Float64(), "Target value", "目標値", required=True, example="0.2", headers_ja=("目標値",)
        ),
        Column(
            "unit",
            pl.String(),
            "Unit of the values (t, %, ratio, …)",
            "単位（t, %, 比率 など）",
            required=True,
            max_length=20,
            example="ratio",
            headers_ja=("単位",),
        ),
        Column(
            "published_url",
            pl.String(),
            "Where the member published the target",
            "目標の公表先URL",
            regex=URL_PATTERN,
            example="https://example.org/ce-target",
            headers_ja=("公表先URL", "公表URL"),
        ),
        Column(
            "actions_url",
            pl.String(),
            "Where the member published the concrete actions to reach the target",
            "目標達成に向けた具体的な取組の公表先URL",
            regex=URL_PATTERN,
            example="https://example.org/ce-actions",
            headers_ja=("取組公表先URL", "取組URL"),
        ),
        follow_up_column(
            "How often the member follows the target up, in months (municipalities set their own)",
            "フォローアップの間隔（月、自治体は自ら設定）",
            headers_ja=("フォローアップ間隔（月）", "報告間隔（月）"),
        ),
        Column(
            "description",
            pl.String(),
            "Description (Japanese allowed)",
            "説明（日本語可）",
            max_length=2000,
            headers_ja=("説明", "内容"),
        ),
        Column(
            "roadmap_id",
            pl.String(),
            "A roadmap target (roadmap_targets) this target contributes to; optional",
            "この目標が貢献するロードマップ目標のID（roadmap_targets、任意）",
            regex=TARGET_ID_PATTERN,
            example="plan5.input_cyclical_use_rate",
            headers_ja=("ロードマップID",),
        ),
    ),
    key=("member_id", "target_id"),
    scope_column="target_id",
    replacement="versions",  # a file adds versions of the targets it names; the member's others stay
    validation_order=1,
    rules=(
        submitter_rule("targets"),
        Rule(
            "targets.duplicate",
            "unique",
            ("member_id", "target_id"),
            "target_id appears more than once for this member",
            "同じ target_id が複数行あります",
        ),
        Rule(
            "targets.year_order",
            "greater_than",
            ("target_year", "baseline_year"),
            "target_year must be after baseline_year",
            "target_year は baseline_year より後の年にしてください",
        ),
    ),
)

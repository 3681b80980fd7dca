"""Contracts of the secretariat's reference data: national roadmap targets and published national statistics.

Both are loaded with `junkan reference load` through the same judging path as members' files; the
secretariat (`SECRETARIAT_ID`) is their only submitter. Values are written as the source publishes them
(19 %, 11 百万トン, 60 万円/t) and converted to one canonical unit per indicator when published.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from schemas import periods
from schemas import vocabulary as v
from schemas.contract import Column, Contract, Rule
from schemas.flows import PERIOD_CODE_PATTERN
from schemas.targets import TARGET_ID_PATTERN

# The partnership's secretariat: a member-like submitter, the only one allowed to send reference datasets.
SECRETARIAT_ID: Final = "secretariat"
SECRETARIAT_NAME: Final = "循環経済パートナーシップ事務局 / Circular Partnership secretariat"
SECRETARIAT_KIND: Final = "related_org"

NATIONAL: Final = "national"
# national, a material group or leaf (plastics, plastics.packaging), or a product category code.
SCOPE_PATTERN: Final = r"^(national|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?)$"
SOURCE_MAX_LENGTH: Final = 500

# Indicators a roadmap can be set on, with the canonical unit their values are published in.
ROADMAP_INDICATORS: tuple[v.Term, ...] = (
    *(term for term in v.INDICATORS),
    v.Term("resource_productivity_jpy_per_t", "Resource productivity (JPY/t)", "資源生産性"),
    v.Term(
        "natural_resource_input_t_per_capita", "Natural resource input per capita (t)", "一人当たり天然資源等投入量"
    ),
)
ROADMAP_INDICATOR_CODES: tuple[str, ...] = tuple(term.code for term in ROADMAP_INDICATORS)
# Economic and population denominators: statistics, never roadmap targets.
DENOMINATORS: tuple[v.Term, ...] = (
    v.Term("gdp_jpy", "Gross domestic product (JPY)", "国内総生産（GDP）"),
    v.Term("population", "Population (persons)", "人口"),
)
STATISTIC_INDICATOR_CODES: tuple[str, ...] = (*ROADMAP_INDICATOR_CODES, *(term.code for term in DENOMINATORS))

RATIO, TONNES, JPY_PER_T, T_PER_CAPITA, JPY, PERSONS = "ratio", "t", "jpy_per_t", "t_per_capita", "jpy", "persons"
# Each indicator's canonical unit (what `value` is converted to).
CANONICAL_UNITS: dict[str, str] = {
    **{code: RATIO for code in v.INDICATOR_CODES if code.endswith("_rate")},
    **{code: TONNES for code in v.INDICATOR_CODES if not code.endswith("_rate")},
    "resource_productivity_jpy_per_t": JPY_PER_T,
    "natural_resource_input_t_per_capita": T_PER_CAPITA,
    "gdp_jpy": JPY,
    "population": PERSONS,
}
# Unit spelling -> (canonical unit, factor to it). Lower-case codes: matched after NFKC and lower-casing.
REFERENCE_UNITS: dict[str, tuple[str, float]] = {
    "ratio": (RATIO, 1.0),
    "%": (RATIO, 0.01),
    "t": (TONNES, 1.0),
    "kt": (TONNES, 1e3),
    "千トン": (TONNES, 1e3),
    "百万トン": (TONNES, 1e6),
    "jpy_per_t": (JPY_PER_T, 1.0),
    "円/t": (JPY_PER_T, 1.0),
    "万円/t": (JPY_PER_T, 1e4),
    "t_per_capita": (T_PER_CAPITA, 1.0),
    "t/人": (T_PER_CAPITA, 1.0),
    "jpy": (JPY, 1.0),
    "円": (JPY, 1.0),
    "億円": (JPY, 1e8),
    "兆円": (JPY, 1e12),
    "persons": (PERSONS, 1.0),
    "人": (PERSONS, 1.0),
    "千人": (PERSONS, 1e3),
}
REFERENCE_UNIT_CODES: tuple[str, ...] = tuple(REFERENCE_UNITS)

_SUBMITTER = Column(
    "member_id",
    pl.String(),
    "The secretariat, which loaded the file (from the submission, not the file)",
    "読み込んだ事務局（ファイルではなく提出から設定）",
    submitted=False,
    derived_from="submitter_id",
)
_UNIT = Column(
    "unit",
    pl.String(),
    "Unit as the source writes it: %, ratio, t, kt, 千トン, 百万トン, 万円/t, 円/t, 兆円, 億円, 円, 人, 千人, t/人",
    "出典どおりの単位: %, ratio, t, kt, 千トン, 百万トン, 万円/t, 円/t, 兆円, 億円, 円, 人, 千人, t/人",
    required=True,
    vocabulary=REFERENCE_UNIT_CODES,
    example="%",
    headers_ja=("単位",),
)
_SOURCE = Column(
    "source",
    pl.String(),
    "Document the figure comes from (title, date, page or table)",
    "出典（資料名・日付・頁または表）",
    required=True,
    max_length=SOURCE_MAX_LENGTH,
    example="第五次循環型社会形成推進基本計画（2024年8月閣議決定）",
    headers_ja=("出典", "出所"),
)
_SCOPE = Column(
    "scope",
    pl.String(),
    "national, a material group or leaf (plastics.packaging), or a product category code",
    "対象範囲: national（全国）、素材グループ・細分類（plastics.packaging など）、または製品区分コード",
    required=True,
    regex=SCOPE_PATTERN,
    example="national",
    headers_ja=("対象", "対象範囲", "範囲"),
)


def _year(name: str, en: str, ja: str, headers: tuple[str, ...], *, required: bool, example: str) -> Column:
    return Column(
        name,
        pl.Int32(),
        en,
        ja,
        required=required,
        min_value=float(periods.MIN_YEAR),
        max_value=float(periods.MAX_YEAR),
        example=example,
        headers_ja=headers,
    )


ROADMAP_TARGETS = Contract(
    name="roadmap_targets",
    description_en="National and per-material roadmap targets the secretariat maintains (e.g. the Fundamental Plan's).",
    description_ja="事務局が管理する全国・素材別のロードマップ目標（循環型社会形成推進基本計画の数値目標など）。",
    columns=(
        Column(
            "roadmap_id",
            pl.String(),
            "The secretariat's id for the roadmap target; members' targets name it in roadmap_id",
            "ロードマップ目標ID（会員の目標は roadmap_id でこのIDを指定できます）",
            required=True,
            regex=TARGET_ID_PATTERN,
            example="plan5.input_cyclical_use_rate",
            headers_ja=("ロードマップID", "ロードマップ目標ID"),
        ),
        _SCOPE,
        Column(
            "indicator",
            pl.String(),
            "Indicator the target is set on",
            "目標の指標",
            required=True,
            vocabulary=ROADMAP_INDICATOR_CODES,
            example="input_cyclical_use_rate",
            headers_ja=("指標", "指標コード"),
        ),
        _year(
            "baseline_year",
            "Year of the baseline value (empty: no baseline published)",
            "基準年度（空欄: 基準値なし）",
            ("基準年", "基準年度"),
            required=False,
            example="2019",
        ),
        Column(
            "baseline_value",
            pl.Float64(),
            "Baseline value, in unit",
            "基準値（単位欄の単位）",
            example="15.7",
            headers_ja=("基準値",),
        ),
        _year(
            "target_year",
            "Year the target should be reached",
            "目標年度",
            ("目標年", "目標年度"),
            required=True,
            example="2030",
        ),
        Column(
            "target_value",
            pl.Float64(),
            "Target value, in unit",
            "目標値（単位欄の単位）",
            required=True,
            example="19",
            headers_ja=("目標値",),
        ),
        _UNIT,
        _SOURCE,
        Column("description", pl.String(), "Description", "説明", max_length=2000, headers_ja=("説明", "内容")),
        _SUBMITTER,
    ),
    key=("member_id", "roadmap_id"),
    scope_column="roadmap_id",
    validation_order=0,
    rules=(
        Rule(
            "roadmap_targets.duplicate",
            "unique",
            ("member_id", "roadmap_id"),
            "roadmap_id appears more than once",
            "同じ roadmap_id が複数行あります",
        ),
        Rule(
            "roadmap_targets.year_order",
            "greater_than",
            ("target_year", "baseline_year"),
            "target_year must be after baseline_year",
            "target_year は baseline_year より後の年にしてください",
        ),
    ),
)

REFERENCE_STATISTICS = Contract(
    name="reference_statistics",
    description_en="Published national (or prefectural) figures and economic denominators: official actuals, GDP, "
    "population.",
    description_ja="公表された全国（または都道府県）の統計値と経済・人口の分母（公式実績、GDP、人口）。",
    columns=(
        Column(
            "indicator",
            pl.String(),
            "What the figure measures: a roadmap indicator, gdp_jpy or population",
            "統計の指標: ロードマップ指標、gdp_jpy または population",
            required=True,
            vocabulary=STATISTIC_INDICATOR_CODES,
            example="input_cyclical_use_rate",
            headers_ja=("指標", "指標コード"),
        ),
        _SCOPE,
        Column(
            "region",
            pl.String(),
            "ISO 3166-1 alpha-2 or ISO 3166-2 code (JP, JP-13)",
            "地域コード（JP, JP-13）",
            regex=v.REGION_PATTERN,
            default_en="JP",
            default_ja="JP（全国）",
            example="JP",
            headers_ja=("地域", "地域コード"),
        ),
        Column(
            "period",
            pl.String(),
            "Period of the figure: FY2019 (fiscal year) or 2019 (calendar year); 令和元年度 is read as FY2019",
            "対象期間: FY2019（年度）または 2019（暦年）。令和元年度は FY2019",
            required=True,
            regex=PERIOD_CODE_PATTERN,
            example="FY2019",
            headers_ja=("期間", "年度", "対象年度"),
        ),
        Column(
            "value",
            pl.Float64(),
            "Value, in unit",
            "値（単位欄の単位）",
            required=True,
            example="15.7",
            headers_ja=("値", "数値", "実績値"),
        ),
        _UNIT,
        _SOURCE,
        Column("note", pl.String(), "Free note", "備考", max_length=1000, headers_ja=("備考",)),
        Column(
            "period_start", pl.Date(), "First day of the period", "期間の初日", submitted=False, derived_from="period"
        ),
        Column("period_end", pl.Date(), "Last day of the period", "期間の末日", submitted=False, derived_from="period"),
        Column(
            "grain",
            pl.String(),
            "Period grain: year, fiscal_year or month",
            "期間の粒度",
            submitted=False,
            derived_from="period",
        ),
        _SUBMITTER,
    ),
    key=("member_id", "indicator", "scope", "region", "period"),
    scope_column="period",
    validation_order=0,
    rules=(
        Rule(
            "reference_statistics.duplicate",
            "unique",
            ("member_id", "indicator", "scope", "region", "period"),
            "the same indicator, scope, region and period appear more than once",
            "同じ指標・対象・地域・期間の行が複数あります",
        ),
    ),
)

REFERENCE_CONTRACTS: tuple[Contract, ...] = (ROADMAP_TARGETS, REFERENCE_STATISTICS)
REFERENCE_DATASETS: tuple[str, ...] = tuple(contract.name for contract in REFERENCE_CONTRACTS)

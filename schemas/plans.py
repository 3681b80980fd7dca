"""Contract of `plans`: a municipality's environmental basic plan (環境基本計画) and whether it holds its CE target."""

from __future__ import annotations

import polars as pl

from schemas.contract import Column, Contract, Rule
from schemas.members import submitter_column, submitter_rule
from schemas.targets import URL_PATTERN

PLANS = Contract(
    name="plans",
    description_en=(
        "A municipality's environmental basic plan, one row per revision: whether it includes the CE target "
        "(due in the next revision after the target is set) and where it is published."
    ),
    description_ja="自治体の環境基本計画（改定ごとに1行）。循環経済目標を盛り込んだか（目標設定後の次の改定まで）と公表先。",
    columns=(
        submitter_column(
            "Municipality whose plan it is; must be the submitting member",
            "計画を策定した自治体の会員ID（提出した会員と同じであること）",
            example="city-kitakyushu",
        ),
        Column(
            "plan_name",
            pl.String(),
            "Name of the plan, e.g. 第3次環境基本計画",
            "計画の名称（例: 第3次環境基本計画）",
            required=True,
            max_length=200,
            example="第3次環境基本計画",
            headers_ja=("計画名", "計画の名称"),
        ),
        Column(
            "revised_on",
            pl.Date(),
            "Date the plan (or this revision) was adopted",
            "策定・改定日",
            required=True,
            example="2025-03-31",
            headers_ja=("改定日", "策定日"),
        ),
        Column(
            "includes_ce_target",
            pl.Boolean(),
            "Whether the plan includes the member's CE target (true/false, はい/いいえ)",
            "循環経済目標を盛り込んだか（true/false、はい/いいえ）",
            required=True,
            example="true",
            headers_ja=("目標の記載", "循環経済目標の記載", "目標記載"),
        ),
        Column(
            "target_ids",
            pl.String(),
            "The targets the plan includes (target ids, separated by ;)",
            "計画に盛り込んだ目標の目標ID（; 区切り）",
            max_length=500,
            example="T1;T2",
            headers_ja=("目標ID", "盛り込んだ目標ID"),
        ),
        Column(
            "next_revision_on",
            pl.Date(),
            "When the next revision is planned (the due date of a target not yet included)",
            "次回改定の予定日（未記載の目標の期限）",
            example="2030-03-31",
            headers_ja=("次回改定予定日", "次回改定日"),
        ),
        Column(
            "url",
            pl.String(),
            "Where the plan is published",
            "計画の公表先URL",
            required=True,
            regex=URL_PATTERN,
            example="https://www.city.example.lg.jp/kankyo/plan3.html",
            headers_ja=("公表先URL", "URL"),
        ),
    ),
    key=("member_id", "plan_name", "revised_on"),
    scope_column="plan_name",
    validation_order=6,
    rules=(
        submitter_rule("plans"),
        Rule(
            "plans.duplicate",
            "unique",
            ("member_id", "plan_name", "revised_on"),
            "the same plan and revision date appear more than once",
            "同じ計画・改定日の行が複数あります",
        ),
    ),
)

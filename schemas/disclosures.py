"""Contract of `disclosures`: the results of a member's project, disclosed periodically."""

from __future__ import annotations

import polars as pl

from schemas import vocabulary as v
from schemas.contract import Column, Contract, Rule
from schemas.members import submitter_column, submitter_rule
from schemas.projects import PROJECT_ID_HEADERS, PROJECT_ID_PATTERN
from schemas.targets import URL_PATTERN

DISCLOSURES = Contract(
    name="disclosures",
    description_en="Results of a project, disclosed by the member at the interval it set; the project must be known.",
    description_ja="プロジェクトの成果の公表（会員が定めた間隔で）。プロジェクトは projects で提出済みであること。",
    columns=(
        submitter_column(
            "Member disclosing the results; must be the submitting member",
            "成果を公表する会員のID（提出した会員と同じであること）",
            example="univ-tohoku",
        ),
        Column(
            "project_id",
            pl.String(),
            "A project_id the member has submitted in projects",
            "projects で提出済みの project_id",
            required=True,
            regex=PROJECT_ID_PATTERN,
            example="P1",
            headers_ja=PROJECT_ID_HEADERS,
        ),
        Column(
            "disclosed_on",
            pl.Date(),
            "Date the results were disclosed",
            "公表日",
            required=True,
            example="2025-06-30",
            headers_ja=("公表日", "開示日"),
        ),
        Column(
            "url",
            pl.String(),
            "Where the results are published",
            "成果の公表先URL",
            required=True,
            regex=URL_PATTERN,
            example="https://example.ac.jp/ce-project/results-2025",
            headers_ja=("公表先URL", "URL"),
        ),
        Column(
            "summary",
            pl.String(),
            "Summary of the results (Japanese allowed)",
            "成果の概要（日本語可）",
            required=True,
            max_length=2000,
            headers_ja=("概要", "成果概要", "要約"),
        ),
        Column(
            "indicator",
            pl.String(),
            "A quantitative outcome's indicator: a flow indicator where one fits, otherwise custom",
            "定量的な成果の指標（該当する指標コード、なければ custom）",
            vocabulary=v.TARGET_INDICATOR_CODES,
            example="recovered",
            headers_ja=("指標", "指標コード"),
        ),
        Column(
            "value",
            pl.Float64(),
            "The outcome's value",
            "成果の値",
            example="120",
            headers_ja=("値", "数値", "成果値"),
        ),
        Column(
            "unit",
            pl.String(),
            "Unit of the value (t, %, …)",
            "値の単位（t, % など）",
            max_length=20,
            example="t",
            headers_ja=("単位",),
        ),
    ),
    key=("member_id", "project_id", "disclosed_on", "indicator"),
    scope_column="project_id",
    validation_order=5,
    rules=(
        submitter_rule("disclosures"),
        Rule(
            "disclosures.duplicate",
            "unique",
            ("member_id", "project_id", "disclosed_on", "indicator"),
            "the same project, date and indicator appear more than once",
            "同じプロジェクト・公表日・指標の行が複数あります",
        ),
        Rule(
            "disclosures.known_project",
            "known_project",
            ("member_id", "project_id"),
            "project_id is not a project this member has submitted; submit it in projects first",
            "この project_id は未登録です。先に projects でプロジェクトを提出してください",
        ),
    ),
)

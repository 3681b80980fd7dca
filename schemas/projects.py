"""Contract of `projects`: the CE projects a university, research body or related organisation runs or joins."""

from __future__ import annotations

import polars as pl

from schemas import vocabulary as v
from schemas.contract import Column, Contract, Rule
from schemas.members import submitter_column, submitter_rule
from schemas.targets import TARGET_ID_PATTERN, URL_PATTERN, follow_up_column

PROJECT_ID_PATTERN = TARGET_ID_PATTERN
PROJECT_ID_HEADERS = ("プロジェクトID", "事業ID")
PROJECT_ROLES: tuple[v.Term, ...] = (
    v.Term("lead", "Lead", "代表"),
    v.Term("participant", "Participant", "参加"),
)
PROJECT_THEMES: tuple[v.Term, ...] = (
    v.Term("design", "Design", "設計・デザイン"),
    v.Term("collection", "Collection", "回収"),
    v.Term("recycling_technology", "Recycling technology", "リサイクル技術"),
    v.Term("regional_model", "Regional model", "地域循環モデル"),
    v.Term("standardisation", "Standardisation", "標準化"),
    v.Term("data_platform", "Data platform", "データ基盤"),
    v.Term("other", "Other", "その他"),
)

PROJECTS = Contract(
    name="projects",
    description_en=(
        "Circular-economy projects a university, research body or related organisation runs or joins "
        "(within a year of joining) and keeps working through."
    ),
    description_ja="大学・研究機関・関係団体が実施または参加する循環経済プロジェクト（入会後1年以内）。",
    columns=(
        submitter_column(
            "Member running or joining the project; must be the submitting member",
            "プロジェクトを実施・参加する会員のID（提出した会員と同じであること）",
            example="univ-tohoku",
        ),
        Column(
            "project_id",
            pl.String(),
            "The member's own id for the project",
            "プロジェクトID（会員ごとに一意）",
            required=True,
            regex=PROJECT_ID_PATTERN,
            example="P1",
            headers_ja=PROJECT_ID_HEADERS,
        ),
        Column(
            "title",
            pl.String(),
            "Title of the project (Japanese allowed)",
            "プロジェクト名（日本語可）",
            required=True,
            max_length=300,
            headers_ja=("プロジェクト名", "事業名", "件名"),
        ),
        Column(
            "role",
            pl.String(),
            "The member's role: lead or participant",
            "会員の役割（代表 lead または参加 participant）",
            required=True,
            vocabulary=tuple(term.code for term in PROJECT_ROLES),
            example="lead",
            headers_ja=("役割",),
        ),
        Column(
            "started_on",
            pl.Date(),
            "Date the project started (or the member joined it)",
            "開始日（参加日）",
            required=True,
            example="2024-10-01",
            headers_ja=("開始日", "参加日"),
        ),
        Column(
            "ended_on",
            pl.Date(),
            "Date the project ended (empty: ongoing)",
            "終了日（空欄は継続中）",
            example="2027-03-31",
            headers_ja=("終了日",),
        ),
        Column(
            "partners",
            pl.String(),
            "Partners: member ids or names, separated by ;",
            "連携先（会員IDまたは名称、; 区切り）",
            max_length=1000,
            headers_ja=("連携先", "参加団体"),
        ),
        Column(
            "theme",
            pl.String(),
            "Theme of the project",
            "テーマ",
            vocabulary=tuple(term.code for term in PROJECT_THEMES),
            example="recycling_technology",
            headers_ja=("テーマ", "分野"),
        ),
        Column(
            "materials",
            pl.String(),
            "Materials the project is about (material codes, separated by ;)",
            "対象素材（素材コード、; 区切り）",
            max_length=500,
            example="plastics;metals.copper",
            headers_ja=("対象素材", "品目", "素材"),
        ),
        Column(
            "url",
            pl.String(),
            "Where the project is described",
            "プロジェクトの紹介URL",
            regex=URL_PATTERN,
            example="https://example.ac.jp/ce-project",
            headers_ja=("URL", "紹介URL"),
        ),
        follow_up_column(
            "How often the member discloses the project's results, in months",
            "成果を公表する間隔（月）",
            headers_ja=("公表間隔（月）", "フォローアップ間隔（月）"),
        ),
        Column(
            "description",
            pl.String(),
            "What the project does (Japanese allowed)",
            "概要（日本語可）",
            required=True,
            max_length=2000,
            headers_ja=("概要", "説明", "内容"),
        ),
    ),
    key=("member_id", "project_id"),
    scope_column="project_id",
    validation_order=4,  # before disclosures, which name projects
    rules=(
        submitter_rule("projects"),
        Rule(
            "projects.duplicate",
            "unique",
            ("member_id", "project_id"),
            "project_id appears more than once for this member",
            "同じ project_id が複数行あります",
        ),
        Rule(
            "projects.date_order",
            "greater_than",
            ("ended_on", "started_on"),
            "ended_on must be after started_on",
            "ended_on は started_on より後の日付にしてください",
        ),
    ),
)

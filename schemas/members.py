"""Contract of the member registry kept in the SQL ledger."""

from __future__ import annotations

import polars as pl

from schemas import vocabulary as v
from schemas.contract import Column, Contract, Rule

# Member ids become object-key prefixes and object-store user names: keep them plain.
MEMBER_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{1,63}$"
# What members write above the member id column, in every dataset.
MEMBER_ID_HEADERS = ("会員ID", "会員コード")

MEMBERS = Contract(
    name="members",
    description_en="Members of the partnership and where they are registered.",
    description_ja="パートナーシップの会員と登録地域。",
    columns=(
        Column(
            "member_id",
            pl.String(),
            "Member id: lower-case letters, digits, - and _",
            "会員ID（英小文字・数字・-・_）",
            required=True,
            regex=MEMBER_ID_PATTERN,
            example="city-kitakyushu",
            headers_ja=MEMBER_ID_HEADERS,
        ),
        Column(
            "name",
            pl.String(),
            "Organisation name",
            "団体名",
            required=True,
            max_length=200,
            headers_ja=("団体名", "会員名", "名称"),
        ),
        Column(
            "kind",
            pl.String(),
            "Kind of member",
            "会員の種別",
            required=True,
            vocabulary=v.MEMBER_KIND_CODES,
            example="municipality",
            headers_ja=("種別", "会員種別"),
        ),
        Column(
            "region",
            pl.String(),
            "Registered region (ISO 3166-1 or ISO 3166-2)",
            "登録地域（ISO 3166-1 または 3166-2）",
            regex=v.REGION_PATTERN,
            default_en="JP",
            default_ja="JP",
            example="JP-40",
            headers_ja=("地域", "登録地域"),
        ),
        Column(
            "joined_on",
            pl.Date(),
            "Date the member joined",
            "入会日",
            required=True,
            example="2023-04-01",
            headers_ja=("入会日",),
        ),
    ),
    key=("member_id",),
    rules=(
        Rule(
            "members.duplicate",
            "unique",
            ("member_id",),
            "member_id appears more than once",
            "member_id が重複しています",
        ),
    ),
)

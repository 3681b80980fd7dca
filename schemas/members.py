"""Contract of the member registry kept in the SQL ledger."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

import polars as pl

from schemas import vocabulary as v
from schemas.contract import Column, Contract, Rule

# Member ids become object-key prefixes and object-store user names: keep them plain.
MEMBER_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{1,63}$"
# What members write above the member id column, in every dataset.
MEMBER_ID_HEADERS = ("会員ID", "会員コード")
# How alike a mistyped id and a registered one must be to be offered as "did you mean" (difflib's ratio).
CLOSE_MEMBER_ID_CUTOFF = 0.75
MAX_CLOSE_MEMBER_IDS = 3
# Datasets whose contributions carry a disclosure class (issue 23): a member's figures there may be public.
DISCLOSURE_DATASETS = ("flows", "progress")
# Kinds whose figures on those datasets are published anyway (the Ministry of the Environment publishes
# municipal waste statistics; associations publish their aggregates): public unless they say otherwise.
PUBLIC_BY_DEFAULT_KINDS = frozenset({"municipality", "industry_association"})


def submitter_column(description_en: str, description_ja: str, example: str) -> Column:
    """The `member_id` column every member dataset opens with: the member the row belongs to."""
    return Column(
        "member_id",
        pl.String(),
        description_en,
        description_ja,
        required=True,
        regex=MEMBER_ID_PATTERN,
        example=example,
        headers_ja=MEMBER_ID_HEADERS,
    )


def submitter_rule(dataset: str) -> Rule:
    """The rule that a member only submits its own rows: `member_id` equals the submitting member."""
    return Rule(
        f"{dataset}.submitter",
        "equals_submitter",
        ("member_id",),
        "member_id must be the member submitting the file",
        "member_id は提出した会員のIDと一致させてください",
    )


def default_disclosure_class(kind: str, dataset: str) -> str:
    """A member's disclosure class on a dataset when it has not chosen one: public only where its figures already are.

    Examples:
        >>> default_disclosure_class("municipality", "flows")
        'public'
        >>> default_disclosure_class("industry_association", "progress")
        'public'
        >>> default_disclosure_class("municipality", "targets")
        'confidential'
        >>> default_disclosure_class("company", "flows")
        'confidential'

    """
    if kind in PUBLIC_BY_DEFAULT_KINDS and dataset in DISCLOSURE_DATASETS:
        return v.PUBLIC
    return v.CONFIDENTIAL


def close_member_ids(member_id: str, registered: Iterable[str]) -> tuple[str, ...]:
    """Registered ids a member probably meant: the same id in another case or width first, then near spellings.

    Examples:
        >>> close_member_ids("City-Kitakyushu", ["city-kitakyushu", "city-fukuoka"])
        ('city-kitakyushu',)
        >>> close_member_ids("city-kitakyusyu", ["city-kitakyushu", "city-fukuoka"])
        ('city-kitakyushu',)
        >>> close_member_ids("toyota", ["city-kitakyushu"])
        ()

    """
    known = sorted(set(registered))
    folded = unicodedata.normalize("NFKC", member_id).strip().casefold()
    same = [code for code in known if code.casefold() == folded]
    by_folded: dict[str, list[str]] = {}
    for code in known:
        by_folded.setdefault(code.casefold(), []).append(code)
    near = difflib.get_close_matches(folded, list(by_folded), n=MAX_CLOSE_MEMBER_IDS, cutoff=CLOSE_MEMBER_ID_CUTOFF)
    found = [*same, *(code for key in near for code in by_folded[key])]
    return tuple(dict.fromkeys(found))[:MAX_CLOSE_MEMBER_IDS]


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
        Column(
            "disclosure",
            pl.String(),
            "Disclosure class of the member's flows and progress: public figures are published as they are, "
            "confidential ones are protected (cells of fewer than 3 members or with a dominant one are hidden)",
            "flows・progress の公開区分: public（公開）は公表値として扱い、confidential（非公開）は秘匿の対象"
            "（3者未満・支配的な会員のいるセルは秘匿）",
            vocabulary=v.DISCLOSURE_CLASS_CODES,
            vocabulary_message_en="disclosure must be public or confidential (or left empty for the default by kind)",
            vocabulary_message_ja=(
                "disclosure は public（公開）または confidential（非公開）にしてください（空欄なら種別による既定値）"
            ),
            default_en="by kind: public for municipalities and industry associations, confidential otherwise",
            default_ja="種別による（自治体・業界団体は public、その他は confidential）",
            example="public",
            headers_ja=("公開区分", "開示区分"),
        ),
        Column(
            "consented_on",
            pl.Date(),
            "Date from which the disclosure class applies (the member's consent)",
            "公開区分の適用開始日（会員の同意日）",
            default_en="joined_on",
            default_ja="入会日",
            default_from="joined_on",
            example="2024-04-01",
            headers_ja=("同意日", "公開区分の同意日"),
        ),
        Column(
            "update",
            pl.Boolean(),
            "Whether the row may change the kind or region of a registered member (yes/no, はい/いいえ): without it, "
            "a row that would change them is refused; the change is kept in the member's history and its "
            "obligations follow the new kind from the next run",
            "登録済みの会員の種別・地域を変更してよいか（yes/no、はい/いいえ）。指定がないと、種別・地域が変わる行は"
            "受け付けません。変更は会員の履歴に残り、次回の実行から新しい種別の義務が適用されます",
            default_en="no",
            default_ja="いいえ",
            example="yes",
            headers_ja=("更新", "変更"),
        ),
        Column(
            "changed_on",
            pl.Date(),
            "Date from which a changed kind or region applies (today or earlier, not before the member joined)",
            "種別・地域の変更の適用開始日（今日以前、入会日より後）",
            default_en="today",
            default_ja="今日",
            example="2026-12-07",
            headers_ja=("変更日", "適用開始日"),
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

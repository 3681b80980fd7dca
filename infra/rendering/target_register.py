"""The public register of targets (`mart.member_targets`) as rows for the period report, grouped by member kind.

Each member's targets are listed by name, as public target registers (the SBTi target dashboard) list companies.
Progress is shown only where the member's disclosure class makes it public (the table's `suppressed` false);
otherwise the page says 非公開. A link is drawn only to an http(s) URL: member text never becomes a script URL.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from schemas import vocabulary as v
from schemas.targets import URL_PATTERN

SUPPRESSED: Final = "suppressed"
_URL = re.compile(URL_PATTERN)


@dataclass(frozen=True)
class RegisterRow:
    """One target of the register, formatted; progress fields are None when withheld or not reported."""

    member_id: str
    member_name: str
    kind: str
    target_id: str
    indicator: str
    indicator_ja: str
    indicator_en: str
    material: str
    material_group: str
    material_ja: str
    material_en: str
    baseline_text: str
    target_text: str
    baseline_year: int | None
    target_year: int | None
    unit: str
    is_progress_public: bool
    latest_year: int | None
    latest_text: str | None
    progress_ratio: float | None
    is_on_track: bool | None
    actions_url: str | None  # a URL that may be linked; None when missing or not http(s)
    actions_text: str | None  # the member's text when it is not a URL that may be linked


@dataclass(frozen=True)
class RegisterKind:
    """The rows of one kind of member, in the vocabulary's kind order."""

    kind: str
    label_ja: str
    label_en: str
    rows: tuple[RegisterRow, ...]


@dataclass(frozen=True)
class MaterialOption:
    """One choice of the material filter."""

    material: str
    label_ja: str
    label_en: str


def format_target_value(value: float | None) -> str:
    """A target's own value in its own unit: as precise as given, thousands separated; `–` when missing.

    >>> format_target_value(0.2), format_target_value(1234567.5), format_target_value(None)
    ('0.2', '1,234,567.5', '–')
    """
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:,.12g}"


def _material_term(material: str) -> v.Term:
    if material == v.ALL_MATERIALS:
        return v.Term(material, "All materials", "全素材")
    known = v.labels(v.MATERIAL_GROUPS) | v.labels(v.MATERIAL_LEAVES)
    return known.get(material, v.Term(material, material, material))


def _indicator_term(indicator: str) -> v.Term:
    if indicator == v.CUSTOM_INDICATOR:
        return v.Term(indicator, "Custom indicator", "独自指標")
    return v.labels(v.INDICATORS).get(indicator, v.Term(indicator, indicator, indicator))


def _linkable(url: str | None) -> str | None:
    return url if url is not None and _URL.fullmatch(url) else None


def _row(row: dict[str, Any]) -> RegisterRow:
    material, indicator = str(row["material"] or v.ALL_MATERIALS), str(row["indicator"])
    material_term, indicator_term = _material_term(material), _indicator_term(indicator)
    # Withheld means withheld, whatever a column holds: the flag decides, not the nulls.
    public = bool(row["is_progress_public"]) and not row[SUPPRESSED]
    latest_year = row["latest_year"] if public else None
    actions = row["actions_url"]
    return RegisterRow(
        member_id=str(row["member_id"]),
        member_name=str(row["member_name"] or row["member_id"]),
        kind=str(row["member_kind"]),
        target_id=str(row["target_id"]),
        indicator=indicator,
        indicator_ja=indicator_term.label_ja,
        indicator_en=indicator_term.label_en,
        material=material,
        material_group=material.split(".", 1)[0],
        material_ja=material_term.label_ja,
        material_en=material_term.label_en,
        baseline_text=format_target_value(row["baseline_value"]),
        target_text=format_target_value(row["target_value"]),
        baseline_year=row["baseline_year"],
        target_year=row["target_year"],
        unit=str(row["unit"] or ""),
        is_progress_public=public,
        latest_year=latest_year,
        latest_text=format_target_value(row["latest_value"]) if latest_year is not None else None,
        progress_ratio=row["progress_ratio"] if latest_year is not None else None,
        is_on_track=row["is_on_track"] if latest_year is not None else None,
        actions_url=_linkable(actions),
        actions_text=actions if actions is not None and _linkable(actions) is None else None,
    )


def _position(codes: tuple[str, ...], code: str) -> int:
    return codes.index(code) if code in codes else len(codes)


def register_kinds(member_targets: pl.DataFrame) -> list[RegisterKind]:
    """The register's rows grouped by member kind (vocabulary order), by member name and target within a kind."""
    rows = [_row(row) for row in member_targets.iter_rows(named=True)]
    kinds = v.labels(v.MEMBER_KINDS)
    groups: list[RegisterKind] = []
    for kind in sorted({row.kind for row in rows}, key=lambda code: (_position(v.MEMBER_KIND_CODES, code), code)):
        term = kinds.get(kind, v.Term(kind, kind, kind))
        mine = sorted((row for row in rows if row.kind == kind), key=lambda row: (row.member_name, row.target_id))
        groups.append(RegisterKind(kind, term.label_ja, term.label_en, tuple(mine)))
    return groups


def material_options(kinds: list[RegisterKind]) -> list[MaterialOption]:
    """The material filter's choices: every material and group the register names, in vocabulary order."""
    codes = (v.ALL_MATERIALS, *v.MATERIAL_GROUP_CODES, *v.MATERIAL_LEAF_CODES)
    present = {code for kind in kinds for row in kind.rows for code in (row.material, row.material_group)}
    options = []
    for code in sorted(present, key=lambda code: (_position(codes, code), code)):
        term = _material_term(code)
        options.append(MaterialOption(code, term.label_ja, term.label_en))
    return options


def target_register_context(member_targets: pl.DataFrame | None) -> dict[str, Any]:
    """What the period report's register section needs; `has_target_register` false when the table is not read."""
    if member_targets is None:
        return {"has_target_register": False, "register_kinds": [], "register_materials": [], "register_counts": {}}
    kinds = register_kinds(member_targets)
    rows = [row for kind in kinds for row in kind.rows]
    return {
        "has_target_register": True,
        "register_kinds": kinds,
        "register_materials": material_options(kinds),
        "register_counts": {
            "targets": len(rows),
            "members": len({row.member_id for row in rows}),
            "public_progress": sum(row.is_progress_public for row in rows),
        },
    }

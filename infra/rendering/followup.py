"""The secretariat's yearly follow-up pack: one offline bilingual HTML page and the same as an XLSX workbook.

Sections: compliance by kind (public: `mart.member_compliance`, disclosure-controlled), the overdue list
(restricted: member names, what is missing, since when), each member's target progress and the project
disclosures. The workbook has one sheet per section, because the secretariat works in Excel; text a member wrote
is neutralised so that no cell runs as a formula.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import polars as pl

from infra.rendering.compliance import compliance_rows, latest_year
from infra.rendering.templates import template
from infra.rendering.workbook_sheets import append_table_sheet
from schemas import obligations as o
from schemas import vocabulary as v

Language = str
# Each sheet of the workbook: (sheet name, the pack's frame, [(column, header ja / en)]).
COMPLIANCE_COLUMNS: Final = (
    ("fiscal_year", "年度 / fiscal year"),
    ("member_kind", "会員種別 / kind"),
    ("obligation", "義務 / obligation"),
    ("n_members", "対象会員数 / members"),
    ("n_met", "達成 / met"),
    ("n_due", "期限前 / due"),
    ("n_overdue", "期限超過 / overdue"),
    ("share_met", "達成率 / share met"),
    ("suppressed", "秘匿 / withheld"),
)
OVERDUE_COLUMNS: Final = (
    ("member_id", "会員ID / member id"),
    ("name", "会員名 / member"),
    ("member_kind", "会員種別 / kind"),
    ("obligation", "義務 / obligation"),
    ("missing_ja", "不足している対応 / what is missing (ja)"),
    ("missing_en", "what is missing (en)"),
    ("due_on", "期限（この日から超過） / overdue since"),
    ("evidence_url", "根拠URL / evidence"),
)
TARGET_COLUMNS: Final = (
    ("member_id", "会員ID / member id"),
    ("name", "会員名 / member"),
    ("target_id", "目標ID / target"),
    ("indicator", "指標 / indicator"),
    ("baseline_year", "基準年 / baseline year"),
    ("baseline_value", "基準値 / baseline"),
    ("target_year", "目標年 / target year"),
    ("target_value", "目標値 / target"),
    ("unit", "単位 / unit"),
    ("latest_year", "実績年 / latest year"),
    ("latest_value", "実績値 / latest value"),
    ("progress_ratio", "進捗率 / progress"),
    ("is_on_track", "計画どおり / on track"),
)
DISCLOSURE_COLUMNS: Final = (
    ("member_id", "会員ID / member id"),
    ("name", "会員名 / member"),
    ("project_id", "プロジェクトID / project"),
    ("title", "プロジェクト名 / title"),
    ("disclosed_on", "公表日 / disclosed on"),
    ("summary", "概要 / summary"),
    ("indicator", "指標 / indicator"),
    ("value", "値 / value"),
    ("unit", "単位 / unit"),
    ("url", "公表先URL / url"),
)
SHEETS: Final = (
    ("compliance", COMPLIANCE_COLUMNS),
    ("overdue", OVERDUE_COLUMNS),
    ("target_progress", TARGET_COLUMNS),
    ("disclosures", DISCLOSURE_COLUMNS),
)


@dataclass(frozen=True)
class FollowupPack:
    """What the follow-up shows, judged on `as_of`: frames of the published and core tables, with member names.

    `compliance` is `mart.member_compliance`; `obligations` `core.member_obligations` with `name`;
    `target_progress` `core.target_progress` with `name`; `disclosures` `core.disclosures` with `title`, `name`.
    """

    as_of: date
    compliance: pl.DataFrame
    obligations: pl.DataFrame
    target_progress: pl.DataFrame
    disclosures: pl.DataFrame

    def overdue(self) -> pl.DataFrame:
        """The overdue list: who, what is missing (in both languages) and since when, oldest first."""
        labels = v.labels(o.OBLIGATIONS)
        return (
            self.obligations.filter(pl.col("status") == "overdue")
            .with_columns(
                pl.col("obligation")
                .replace_strict({code: term.label_ja for code, term in labels.items()}, default=None)
                .alias("missing_ja"),
                pl.col("obligation")
                .replace_strict({code: term.label_en for code, term in labels.items()}, default=None)
                .alias("missing_en"),
            )
            .sort("due_on", "member_id", nulls_last=True)
        )

    def sheets(self) -> dict[str, pl.DataFrame]:
        """Each section's frame, in its sheet's columns."""
        frames = {
            "compliance": self.compliance.sort("fiscal_year", "member_kind", "obligation"),
            "overdue": self.overdue(),
            "target_progress": self.target_progress.sort("member_id", "target_id"),
            "disclosures": self.disclosures.sort("member_id", "project_id", "disclosed_on"),
        }
        out = {}
        for name, columns in SHEETS:
            frame = frames[name]
            out[name] = frame.select(
                [pl.col(column) if column in frame.columns else pl.lit(None).alias(column) for column, _ in columns]
            )
        return out


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return list(frame.iter_rows(named=True))


def build_followup_html(pack: FollowupPack, *, language: Language = "ja") -> str:
    """The follow-up pack as one self-contained HTML page (no network fetches), opening in `language`."""
    if language not in ("ja", "en"):
        msg = f"language must be ja or en, not {language!r}"
        raise ValueError(msg)
    sheets = pack.sheets()
    fiscal_year = latest_year(pack.compliance)
    return template("followup.html.j2").render(
        as_of=pack.as_of.isoformat(),
        language=language,
        fiscal_year=fiscal_year,
        compliance=compliance_rows(pack.compliance, fiscal_year=fiscal_year),
        overdue=_records(sheets["overdue"]),
        targets=_records(sheets["target_progress"]),
        disclosures=_records(sheets["disclosures"]),
        kinds={term.code: term for term in v.MEMBER_KINDS},
    )


def build_followup_workbook(pack: FollowupPack) -> bytes:
    """The follow-up pack as an XLSX workbook: one sheet per section, bilingual headers, no formulas."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for (name, columns), frame in zip(SHEETS, pack.sheets().values(), strict=True):
        append_table_sheet(workbook, name, columns, frame)
    workbook.properties.title = f"junkan follow-up {pack.as_of.isoformat()} (restricted / 事務局限り)"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

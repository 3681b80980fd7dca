"""A member's recycled-material report, privately: per designated product, recycled content against its own target.

One offline bilingual HTML page and the same as an XLSX workbook, from the member's declarations and the law's
designations (`transforms.declarations.designated_recycled_content`). Both say first that the law's own forms are the
reference and that this is a draft junkan made from the member's declarations, not a filing. Text the member or the
secretariat wrote is neutralised in the workbook, so that no cell runs as a formula.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import polars as pl

from infra.rendering.templates import template
from infra.rendering.workbook_sheets import append_table_sheet
from schemas import vocabulary as v
from schemas.products import PRODUCT_TERMS

NOTICE_JA: Final = (
    "下書きです。資源有効利用促進法に基づく計画・定期報告は、法令が定める様式が正式な参照です。"
    "この報告は、あなたが junkan に提出した申告から作成した参考資料であり、提出書類ではありません。"
    "数値は様式の定義（対象範囲・算定方法）に照らして確認してください。"
)
NOTICE_EN: Final = (
    "This is a draft. For plans and periodic reports under the 資源有効利用促進法, the forms the law sets are the "
    "reference. junkan made this from the declarations you submitted to it; it is not a filing. Check every figure "
    "against the forms' definitions (scope and method of calculation)."
)
# The report's table, as the workbook's sheet shows it: (column, header ja / en).
REPORT_COLUMNS: Final = (
    ("product_category", "指定製品 / designated product"),
    ("designated_material", "対象素材 / material"),
    ("period", "年度 / fiscal year"),
    ("net_mass_t", "正味質量 (t) / net mass (t)"),
    ("recycled_t", "再生材 (t) / recycled (t)"),
    ("recycled_share", "再生材率 / recycled share"),
    ("recycled_pre_consumer_share", "プレコンシューマ / pre-consumer"),
    ("recycled_post_consumer_share", "ポストコンシューマ / post-consumer"),
    ("third_party_verified_share", "第三者検証の割合 / verified share"),
    ("plan_target_share", "計画目標 / plan target"),
    ("meets_target", "目標達成 / meets target"),
    ("previous_period", "前年度 / previous year"),
    ("change_from_previous", "前年度からの変化 / change since"),
    ("units_placed", "上市数量 / units placed"),
    ("threshold_units", "対象規模 / threshold"),
    ("is_above_threshold", "対象規模以上 / above threshold"),
)
DECLARATION_COLUMNS: Final = (
    ("period", "年度 / fiscal year"),
    ("product_category", "製品区分 / product"),
    ("product_id", "製品ID / product id"),
    ("material", "素材 / material"),
    ("net_mass_t", "正味質量 (t) / net mass (t)"),
    ("units_placed", "上市数量 / units placed"),
    ("recycled_pre_consumer_share", "プレコンシューマ / pre-consumer"),
    ("recycled_post_consumer_share", "ポストコンシューマ / post-consumer"),
    ("assurance", "保証区分 / assurance"),
    ("certificate_name", "認証名 / certificate"),
    ("plan_target_share", "計画目標 / plan target"),
    ("submission_id", "提出ID / submission"),
)
DESIGNATION_COLUMNS: Final = (
    ("product_category", "指定製品 / designated product"),
    ("designated_material", "対象素材 / material"),
    ("threshold_units", "対象規模 / threshold"),
    ("threshold_basis", "基準の内容 / what it counts"),
    ("source", "出典 / source"),
    ("note", "備考 / note"),
)


@dataclass(frozen=True)
class RecycledMaterialReport:
    """What one member's report shows on `as_of`: its designated rows, its declarations and the designations."""

    member_id: str
    member_name: str
    as_of: date
    rows: pl.DataFrame  # designated_recycled_content of the member
    declarations: pl.DataFrame  # the member's core.declarations
    designations: pl.DataFrame  # core.designated_products

    def sheets(self) -> dict[str, tuple[tuple[tuple[str, str], ...], pl.DataFrame]]:
        """Each sheet's columns and frame, in its columns' order."""
        frames = {
            "再生材利用_recycled": (REPORT_COLUMNS, self.rows),
            "申告_declarations": (DECLARATION_COLUMNS, self.declarations.sort("period", "product_category")),
            "指定製品_designated": (DESIGNATION_COLUMNS, self.designations.sort("product_category")),
        }
        return {
            name: (columns, frame.select([pl.col(column) for column, _ in columns]))
            for name, (columns, frame) in frames.items()
        }


def _label(code: str, *, ja: bool) -> str:
    """A product or material code's label in one language (the code itself when it has none)."""
    terms = {**PRODUCT_TERMS, **v.labels((*v.MATERIAL_GROUPS, *v.MATERIAL_LEAVES))}
    term = terms.get(code)
    if term is None:
        return code
    return term.label_ja if ja else term.label_en


def recycled_material_html(report: RecycledMaterialReport, *, language: str = "ja") -> str:
    """The report as one self-contained bilingual HTML page (no network fetches), opening in `language`."""
    if language not in ("ja", "en"):
        msg = f"language must be ja or en, not {language!r}"
        raise ValueError(msg)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in report.rows.iter_rows(named=True):
        groups.setdefault((row["product_category"], row["designated_material"]), []).append(row)
    sections = [
        {
            "product_category": product,
            "material": material,
            "label_ja": f"{_label(product, ja=True)}（{_label(material, ja=True)}）",
            "label_en": f"{_label(product, ja=False)} ({_label(material, ja=False)})",
            "years": years,
        }
        for (product, material), years in groups.items()
    ]
    return template("recycled_material.html.j2").render(
        report=report,
        language=language,
        notice_ja=NOTICE_JA,
        notice_en=NOTICE_EN,
        sections=sections,
        designations=list(report.designations.sort("product_category").iter_rows(named=True)),
    )


def recycled_material_workbook(report: RecycledMaterialReport) -> bytes:
    """The report as an XLSX workbook: the notice first, then one sheet per table, bilingual headers, no formulas."""
    from openpyxl import Workbook

    workbook = Workbook()
    notice = workbook.active
    assert notice is not None
    notice.title = "注意_notice"
    for line in (
        ["再生材利用状況（下書き） / Recycled-material report (draft)"],
        ["会員 / member", report.member_name, report.member_id],
        ["作成日 / as of", report.as_of.isoformat()],
        [NOTICE_JA],
        [NOTICE_EN],
    ):
        notice.append(line)
    notice.column_dimensions["A"].width = 100
    for name, (columns, frame) in report.sheets().items():
        append_table_sheet(workbook, name, columns, frame)
    workbook.properties.title = f"junkan recycled-material report {report.member_id} (draft / 下書き)"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""Contract of `designated_products`: the product categories the amended 資源有効利用促進法 designates.

The law (as amended in 2025, in force from April 2026) designates products whose producers above a size must plan
their use of recycled material (脱炭素化再生資源: recycled plastics first) and report it (指定脱炭素化再生資源利用促進
製品). Which categories, which material and the size are set by cabinet and ministerial orders, and were still being
settled when this was written: they are the secretariat's reference data (`reference/designated_products.csv`, with
the source of every row), loaded with `junkan reference load` like the roadmap targets, never constants in code. A
threshold left blank is not known yet; members' recycled-material reports then say so.
"""

from __future__ import annotations

import polars as pl

from schemas import vocabulary as v
from schemas.contract import Column, Contract, Rule
from schemas.products import PRODUCT_CODES

DESIGNATED_PRODUCTS = Contract(
    name="designated_products",
    description_en=(
        "Product categories the amended 資源有効利用促進法 designates for recycled-material plans and reports, the "
        "recycled material it names, and the size above which a producer must plan and report (with its source)."
    ),
    description_ja=(
        "改正資源有効利用促進法で再生材の利用計画・定期報告の対象となる製品区分（指定脱炭素化再生資源利用促進製品）、"
        "対象の再生資源、計画・報告が必要となる事業規模（出典付き）。"
    ),
    columns=(
        Column(
            "member_id",
            pl.String(),
            "The secretariat, which loaded the file (from the submission, not the file)",
            "読み込んだ事務局（ファイルではなく提出から設定）",
            submitted=False,
            derived_from="submitter_id",
        ),
        Column(
            "product_category",
            pl.String(),
            "Designated product category: a product group or leaf code (a group covers its leaves)",
            "指定製品の製品区分: 製品グループまたは細分類のコード（グループはその細分類を含む）",
            required=True,
            vocabulary=PRODUCT_CODES,
            example="appliances.air_conditioner",
            headers_ja=("製品区分", "指定製品"),
        ),
        Column(
            "designated_material",
            pl.String(),
            "The recycled material the designation is about: a material group or leaf (plastics: 再生プラスチック)",
            "指定の対象となる再生資源: 素材グループまたは細分類（plastics: 再生プラスチック）",
            required=True,
            vocabulary=v.MATERIAL_CODES,
            example="plastics",
            headers_ja=("対象素材", "脱炭素化再生資源"),
        ),
        Column(
            "threshold_units",
            pl.Float64(),
            "Units a producer places on the market in a fiscal year from which it must plan and report; blank: not "
            "known yet",
            "計画・報告が必要となる年度の生産・販売台数等の下限。空欄: 未確定",
            min_value=0.0,
            example="50000",
            headers_ja=("対象規模", "裾切り基準"),
        ),
        Column(
            "threshold_basis",
            pl.String(),
            "What the threshold counts (e.g. units produced or sold in a fiscal year)",
            "基準が数えるもの（年度の生産・販売台数など）",
            max_length=200,
            example="units produced or sold per fiscal year / 年度の生産・販売台数",
            headers_ja=("基準の単位", "基準の内容"),
        ),
        Column(
            "source",
            pl.String(),
            "Where the designation and the threshold come from (order, council paper, date); say what is unconfirmed",
            "指定と基準の出典（政省令・審議会資料・日付）。未確認の点はその旨を記載",
            required=True,
            max_length=1000,
            example="経済産業省 脱炭素化再生資源利用ワーキンググループ（第1回, 2025-07-25）事務局案（報道による）",
            headers_ja=("出典", "出所"),
        ),
        Column("note", pl.String(), "Free note", "備考", max_length=1000, headers_ja=("備考",)),
    ),
    key=("member_id", "product_category", "designated_material"),
    validation_order=0,
    rules=(
        Rule(
            "designated_products.duplicate",
            "unique",
            ("member_id", "product_category", "designated_material"),
            "the same product category and material appear more than once",
            "同じ製品区分・対象素材の行が複数あります",
        ),
    ),
)

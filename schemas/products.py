"""Product categories: what members place on the market, as a group and a leaf, like materials.

A code is `group` or `group.leaf` (`packaging.pet_bottle`). An unknown leaf of a known group is a warning and rolls
up to its group (`transforms.products.roll_up_unknown_products`), as an unknown material leaf does; an unknown group
is an error. Codes are English; every code carries English and Japanese labels. The four home appliances are those of
the 家電リサイクル法; the law's own designations (which categories must plan recycled content, above what size) are the
secretariat's reference data (`schemas.designated_products`), not this vocabulary.
"""

from __future__ import annotations

import re
from typing import Final

import polars as pl

from schemas.contract import Check, Column
from schemas.vocabulary import Term

PRODUCT_GROUPS: tuple[Term, ...] = (
    Term("packaging", "Containers and packaging", "容器包装"),
    Term("appliances", "Household appliances", "家電"),
    Term("vehicles", "Vehicles", "自動車"),
    Term("batteries", "Batteries", "電池"),
    Term("textiles", "Textile products", "繊維製品"),
    Term("electronics", "Electrical and electronic equipment", "電気電子機器"),
)
PRODUCT_GROUP_CODES: tuple[str, ...] = tuple(term.code for term in PRODUCT_GROUPS)

PRODUCT_LEAVES: tuple[Term, ...] = (
    Term("packaging.pet_bottle", "PET bottles", "PETボトル"),
    Term("packaging.aluminium_can", "Aluminium cans", "アルミ缶"),
    Term("packaging.plastic_container", "Plastic containers and packaging", "プラスチック製容器包装"),
    Term("appliances.air_conditioner", "Air conditioners", "エアコン"),
    Term("appliances.refrigerator", "Refrigerators and freezers", "冷蔵庫・冷凍庫"),
    Term("appliances.washing_machine", "Washing machines and clothes dryers", "洗濯機・衣類乾燥機"),
    Term("appliances.television", "Televisions", "テレビ"),
    Term("vehicles.passenger_car", "Passenger cars", "乗用車"),
    Term("batteries.ev", "Electric-vehicle batteries", "電気自動車用電池"),
    Term("batteries.portable", "Portable batteries", "ポータブル電池"),
    Term("textiles.apparel", "Apparel", "衣料品"),
    Term("electronics.ict", "ICT equipment", "情報通信機器"),
)
PRODUCT_LEAF_CODES: tuple[str, ...] = tuple(term.code for term in PRODUCT_LEAVES)
PRODUCT_CODES: tuple[str, ...] = PRODUCT_GROUP_CODES + PRODUCT_LEAF_CODES
ALL_PRODUCTS: Final = "all"
PRODUCT_TERMS: Final[dict[str, Term]] = {term.code: term for term in (*PRODUCT_GROUPS, *PRODUCT_LEAVES)}

# A known group, then an optional leaf of plain lower-case letters, digits and `_`.
PRODUCT_CODE_PATTERN: Final = rf"^({'|'.join(PRODUCT_GROUP_CODES)})(\.[a-z0-9_]+)?$"


def product_group(code: str) -> str:
    """The group of a product category code: the part before the first dot.

    Examples:
        >>> product_group("appliances.television"), product_group("batteries")
        ('appliances', 'batteries')

    """
    return code.split(".", 1)[0]


def is_product_code(code: str) -> bool:
    """Whether a code names a known group, or a leaf of one (known or not: an unknown leaf rolls up).

    Examples:
        >>> [is_product_code(code) for code in ("packaging.pet_bottle", "packaging.glass_jar", "toys.robot")]
        [True, True, False]

    """
    return re.fullmatch(PRODUCT_CODE_PATTERN, code) is not None


def product_category_column(description_en: str, description_ja: str, *, required: bool = True) -> Column:
    """The `product_category` column any dataset naming products uses: its headers, vocabulary and checks.

    `required=False` for a dataset where a row may name no product (a flow of material not tied to one).
    """
    groups = ", ".join(PRODUCT_GROUP_CODES)
    return Column(
        "product_category",
        pl.String(),
        description_en,
        description_ja,
        required=required,
        warn_vocabulary=PRODUCT_CODES,
        example="appliances.refrigerator",
        headers_ja=("製品区分", "製品カテゴリ", "製品分類", "対象製品"),
        extra_checks=(
            Check(
                "product_category.group",
                "product_category",
                "regex",
                regex=PRODUCT_CODE_PATTERN,
                message_en=(
                    f"product_category must start with a known group ({groups}), as group or group.leaf "
                    "(e.g. appliances.refrigerator); the data contract lists the codes"
                ),
                message_ja=(
                    f"product_category は既知のグループ（{groups}）で始まる「グループ」または「グループ.細分類」で"
                    "記入してください（例: appliances.refrigerator）。コードはデータ契約の一覧を参照"
                ),
            ),
        ),
    )

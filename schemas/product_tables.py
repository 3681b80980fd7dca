"""Schema and definitions of `mart.product_circularity` (issue 27), merged into `schemas.tables.TABLES`.

Per period, product category (leaf, group, all), material (leaf, group, all) and region (prefecture, bloc, all), from
the flows that name a product: what was placed on the market, collected, recycled (in Japan or abroad, and in Japan
alone) and recycled back into the same product (a closed loop), with the rates the product associations publish. The
formulas, with the associations' own definitions, are in `docs/contract.md` (`product_circularity_section`).
"""

from __future__ import annotations

import polars as pl

from schemas.columns import CONTRIBUTORS, PERIOD_COLUMNS, SUPPRESSION_COLUMNS, merge

PRODUCT_CIRCULARITY_TONNES: tuple[str, ...] = (
    "placed_on_market_t",
    "collected_t",
    "recycled_t",
    "recycled_domestic_t",
    "closed_loop_t",
)
# Each rate: (numerator, denominator).
PRODUCT_CIRCULARITY_RATES: dict[str, tuple[str, str]] = {
    "collection_rate": ("collected_t", "placed_on_market_t"),
    "recycling_rate": ("recycled_t", "placed_on_market_t"),
    "closed_loop_share_of_placed": ("closed_loop_t", "placed_on_market_t"),
    "closed_loop_share_of_recycled": ("closed_loop_t", "recycled_domestic_t"),
}
PRODUCT_SCOPE_COLUMNS = pl.Schema(
    {
        "product_category": pl.String(),
        "product_level": pl.String(),
        "material": pl.String(),
        "material_level": pl.String(),
        "region": pl.String(),
        "region_level": pl.String(),
    }
)
PRODUCT_TABLES: dict[str, pl.Schema] = {
    "mart.product_circularity": merge(
        PERIOD_COLUMNS,
        PRODUCT_SCOPE_COLUMNS,
        pl.Schema({name: pl.Float64() for name in (*PRODUCT_CIRCULARITY_TONNES, *PRODUCT_CIRCULARITY_RATES)}),
        CONTRIBUTORS,
        SUPPRESSION_COLUMNS,
    ),
}


def product_circularity_section() -> list[str]:
    """The data dictionary's section on `mart.product_circularity`: each column's formula and whose definition it is."""
    return [
        "## Product circularity / 製品別の循環 (`mart.product_circularity`)",
        "",
        "Per period, product category (leaf, group, all), material (leaf, group, all) and region (prefecture, bloc, "
        "all; a nationwide figure counts at level all only), from the flows that name a `product_category`; flows "
        'without one are in the other tables, not here. "Into" a stage means from another stage. / '
        "期間・製品区分・素材・地域ごとに、`product_category` を記入したフローから計算します（記入のないフローは"
        "他の表にだけ含まれます）。「〜へ」は別の工程からのフローです。",
        "",
        "| column | formula / 計算式 |",
        "|---|---|",
        "| `placed_on_market_t` | manufacturing → use (上市量: 製品製造 → 使用・消費) |",
        "| `collected_t` | use → collection (回収量: 使用・消費 → 回収) |",
        "| `recycled_t` | into recycling, whatever the destination (国内外で再資源化された量: → リサイクル) |",
        "| `recycled_domestic_t` | into recycling with `destination_region` in Japan (国内で再資源化された量) |",
        "| `closed_loop_t` | recycling → production or manufacturing, on flows naming the product (水平リサイクル量) |",
        "| `collection_rate` | collected_t / placed_on_market_t (回収率) |",
        "| `recycling_rate` | recycled_t / placed_on_market_t (リサイクル率) |",
        "| `closed_loop_share_of_placed` | closed_loop_t / placed_on_market_t (ボトルtoボトル比率) |",
        "| `closed_loop_share_of_recycled` | closed_loop_t / recycled_domestic_t (CAN to CAN 率) |",
        "",
        "A flow out of recycling names a product only when the recycled material goes back into that same product "
        "(bottle to bottle, can to can), so `closed_loop_t` is the material recycled from a product into the same "
        "product. The two closed-loop shares follow the associations that publish them: "
        "**PET bottles**: the Council for PET Bottle Recycling (PETボトルリサイクル推進協議会) divides "
        "bottle-to-bottle recycled resin, and its recycling rate (domestic and overseas recycling), by the designated "
        "PET bottles sold (指定PETボトル販売量), which is `closed_loop_share_of_placed` and `recycling_rate` (FY2021: "
        "20.3 % bottle to bottle). **Aluminium cans**: the Japan Aluminium Can Recycling Association "
        "(アルミ缶リサイクル協会) divides the cans recycled into can stock by the cans recycled in Japan "
        "(CAN to CAN 率), which is "
        "`closed_loop_share_of_recycled` (FY2023: 182,897 t / 247,851 t = 73.8 %), and its recycling rate, the cans "
        "recycled in Japan and exported over the cans consumed, is `recycling_rate` (306,742 t / 314,645 t = 97.5 %). "
        "A zero denominator gives null. The tonnes are the members' reports, so a rate covers the members who report "
        "the product, not the whole market. / "
        "リサイクルから出るフローには、再生材が同じ製品に戻る場合（ボトルtoボトル、CAN to CAN）にだけ製品区分を"
        "記入するため、`closed_loop_t` は製品から同じ製品への再生量です。2つの水平リサイクル比率は、それを公表する"
        "団体の定義に従います。**PETボトル**: PETボトルリサイクル推進協議会は、ボトルtoボトルの再生樹脂量と"
        "リサイクル量（国内・海外の再資源化量）を指定PETボトル販売量で割ります。これが `closed_loop_share_of_placed` "
        "と `recycling_rate` です（2021年度のボトルtoボトル比率 20.3 %）。**アルミ缶**: アルミ缶リサイクル協会は、"
        "缶材向け再生重量を国内の再生利用重量で割ります（CAN to CAN 率）。これが `closed_loop_share_of_recycled` "
        "です（2023年度 182,897 t ÷ 247,851 t = 73.8 %）。同協会のリサイクル率（国内分と輸出の再生利用重量 ÷ 消費"
        "重量、306,742 t ÷ 314,645 t = 97.5 %）が `recycling_rate` です。分母が0のときは空（null）です。トン数は"
        "会員の報告の合計なので、比率はその製品を報告する会員の範囲のもので、市場全体の値ではありません。",
        "",
        "Disclosure control: the table is one more table of the flows' joint pass (its values are sums of the same "
        "flow cells, split by product), so a lone producer's closed loop is withheld and cannot be recovered from any "
        "other published table. / 開示制御: この表はフローの表と一緒に保護します（値は製品別に分けた同じフローの"
        "セルの合計です）。1社だけの水平リサイクル量は秘匿し、他の公表値から逆算できません。",
        "",
    ]

"""The data dictionary's roadmap sections: reference units, ISO 59020-style shares, resource productivity, progress.

Rendered into `docs/contract.md` after the indicators (`schemas.docs`), so the formulas stand next to the
Japanese indicators they share denominators with.
"""

from __future__ import annotations

from schemas.reference import (
    CANONICAL_UNITS,
    DENOMINATORS,
    REFERENCE_UNITS,
    ROADMAP_INDICATORS,
    SECRETARIAT_ID,
)


def roadmap_sections() -> list[str]:
    """Markdown lines: how reference data is loaded and converted, and how the roadmap tables are computed."""
    lines = [
        "## Roadmaps and reference data / ロードマップと参照データ",
        "",
        f"`roadmap_targets` and `reference_statistics` are loaded by the secretariat (member id `{SECRETARIAT_ID}`) "
        "with `junkan reference load FILE…`: each file is judged like a member's (validated, kept in `core.*` with "
        "its submission, ledgered, with a report) and follows the same file rules (a new version of a file replaces "
        "the earlier one). Files from any other member are refused. Every row names its `source`. / "
        f"`roadmap_targets` と `reference_statistics` は事務局（会員ID `{SECRETARIAT_ID}`）が "
        "`junkan reference load` で読み込みます。会員の提出と同じく検証・記録・台帳登録し、同じファイル規則で版を"
        "管理します。事務局以外からの提出は受け付けません。各行に出典（`source`）を記載します。",
        "",
        "Shipped in `reference/`: the 5th Fundamental Plan for Establishing a Sound Material-Cycle Society "
        "(第五次循環型社会形成推進基本計画, Cabinet decision August 2024) FY2030 targets for the entrance-side and "
        "exit-side cyclical use rates, final disposal and resource productivity, the FY2019 actuals quoted with them "
        "(used as the baselines of the trajectory lines), and the plastics strategy's 2030 aim for containers and "
        "packaging. **Not shipped, because no source could be verified here**: GDP and population series, the "
        "natural resource input series, actuals after FY2019, the page numbers of the figures, and a baseline for "
        "the plastics aim. Resource productivity and per-capita figures therefore appear only once the secretariat "
        "loads `gdp_jpy` / `population` rows with their source. / "
        "`reference/` に同梱: 第五次循環型社会形成推進基本計画（2024年8月閣議決定）の2030年度目標（入口側・出口側"
        "循環利用率、最終処分量、資源生産性）、それとともに引用された2019年度実績（軌道の基準値に使用）、プラスチック"
        "資源循環戦略の容器包装の目標。**出典を確認できなかったため同梱していないもの**: GDP・人口の系列、天然資源等"
        "投入量の系列、2019年度より後の実績、掲載頁、プラスチック目標の基準値。資源生産性と一人当たりの値は、事務局が"
        "出典付きで `gdp_jpy`・`population` を読み込んだときに計算されます。",
        "",
        "### Roadmap indicators and units / 指標と単位",
        "",
        "Values are written as the source publishes them and converted to the indicator's canonical unit when "
        "published; a unit of another dimension (a rate in tonnes) gives null. / 値は出典どおりの単位で記入し、"
        "公表時に指標の標準単位へ換算します。次元の異なる単位（率をトンで記入など）は空（null）になります。",
        "",
        "| indicator | English | 日本語 | canonical unit / 標準単位 |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{term.code}` | {term.label_en} | {term.label_ja} | `{CANONICAL_UNITS[term.code]}` |"
        for term in (*ROADMAP_INDICATORS, *DENOMINATORS)
    ]
    lines += ["", "| unit / 単位 | canonical / 標準単位 | factor / 換算係数 |", "|---|---|---|"]
    lines += [f"| `{code}` | `{unit}` | {factor:g} |" for code, (unit, factor) in REFERENCE_UNITS.items()]
    lines += [
        "",
        "### ISO 59020-style material circularity / ISO 59020 型の循環指標 (`mart.material_circularity`)",
        "",
        "Per period, material (leaf, group, all) and region (region, all), from the stages of the flows. "
        "Inflows are the flows into the economy (production, manufacturing, use) from outside it, the same total as "
        "the denominator of 入口側循環利用率 (cyclical use + natural resource input). Outflows are the first fate of "
        "what leaves the economy: flows from the economy, collection or sorting into a fate stage (what a recycler "
        "or incinerator sends on afterwards is not counted again). / "
        "期間・素材・地域ごとに、フローの工程から計算します。流入は経済（素材生産・製品製造・使用）への外部からの"
        "フローで、合計は入口側循環利用率の分母（循環利用量＋天然資源等投入量）と同じです。流出は経済から出たものの"
        "最初の行き先（経済・回収・選別から各処理工程へのフロー）です。",
        "",
        "| share | formula / 計算式 |",
        "|---|---|",
        "| `inflow_reused_share` | (reuse, remanufacturing → economy) / inflow |",
        "| `inflow_recycled_share` | (recycling, composting → economy) / inflow |",
        "| `inflow_renewable_share` | (extraction, import → economy, renewable) / inflow |",
        "| `inflow_linear_share` | (extraction, import → economy, not renewable) / inflow |",
        "| `outflow_reused_share` | (economy, collection, sorting → reuse, remanufacturing) / outflow |",
        "| `outflow_recycled_share` | (… → recycling) / outflow |",
        "| `outflow_biological_share` | (… → composting, return_to_nature) / outflow |",
        "| `outflow_energy_recovery_share` | (… → energy_recovery) / outflow |",
        "| `outflow_disposal_share` | (… → treatment, landfill) / outflow |",
        "",
        "inflow = the sum of the four inflow parts (`inflow_*_t`), outflow = the sum of the five outflow parts "
        "(`outflow_*_t`); each set of shares sums to 1 where its total is positive and is null where it is 0. "
        "**Renewable**: a flow from extraction or import is renewable when its `is_renewable` says so; when it says "
        "nothing, when its material group is `biomass`. Imported biomass counts as renewable too: the standard's "
        "renewable content does not depend on the country of origin. Whether the source is sustainably managed is "
        "for the member to judge in `is_renewable`. "
        "**These shares are the partnership's reading of ISO 59020:2024 on stage data; the standard's own text is "
        "the reference for any company that claims conformity.** / "
        "流入の4区分の合計を流入量、流出の5区分の合計を流出量とし、各比率の合計は量が正のとき1、0のとき空です。"
        "**再生可能**: 採取・輸入からのフローは `is_renewable` が true なら再生可能、空欄なら素材グループが "
        "`biomass` のとき再生可能とします（輸入バイオマスも含む）。持続可能な管理かどうかは会員が `is_renewable` で"
        "判断します。**これらはパートナーシップによる ISO 59020:2024 の工程データへの当てはめです。規格への適合を"
        "表明する企業は規格本文を参照してください。**",
        "",
        "### Resource productivity / 資源生産性 (`mart.resource_productivity`)",
        "",
        "Wherever `gdp_jpy` or `population` is loaded for a region (JP, or a prefecture JP-xx) and period: "
        "`resource_productivity_jpy_per_t` = gdp_jpy / natural_resource_input_t, "
        "`natural_resource_input_t_per_capita` = natural_resource_input_t / population; basis `official` takes the "
        "secretariat's natural resource input, basis `members` the members' aggregate in `mart.indicators` (region "
        "JP: every region), suppressed when that is. A zero denominator gives null. / "
        "地域・期間に `gdp_jpy` または `population` がある場合に計算します。資源生産性 = GDP ÷ 天然資源等投入量、"
        "一人当たり天然資源等投入量 = 天然資源等投入量 ÷ 人口。`official` は事務局の統計値、`members` は会員の集計"
        "（秘匿ならそのまま秘匿）を使います。",
        "",
        "### Roadmap progress / ロードマップの進捗 (`mart.roadmap_progress`)",
        "",
        "Per roadmap target, basis and year of an actual: `official` rows take the secretariat's statistics (region "
        "JP, same indicator and scope; resource productivity also computed from GDP when it is not published), "
        "`members` rows the members' aggregate (national: all materials and regions; a material scope: that material; "
        "a product category has no members' aggregate). The two are never mixed. "
        "trajectory = baseline + (target − baseline) × (year − baseline_year) / (target_year − baseline_year), held "
        "at the baseline before it and at the target after it; gap = actual − trajectory; `is_on_track` when gap ≥ 0 "
        "for a rising target and gap ≤ 0 for a falling one (final disposal). `is_latest` marks each basis' latest "
        "year. `n_contributing_members` counts members whose current targets name the roadmap in `roadmap_id` (null "
        "when fewer than the disclosure minimum). / "
        "ロードマップ目標・基準（official: 公式統計、members: 会員の集計。混在させません）・実績年ごとの行です。"
        "軌道値 = 基準値 + (目標値 − 基準値) × (年 − 基準年) / (目標年 − 基準年)、差 = 実績 − 軌道値。"
        "増やす目標は差 ≥ 0、減らす目標（最終処分量）は差 ≤ 0 で計画どおり（`is_on_track`）。"
        "`n_contributing_members` は `roadmap_id` でこの目標を指定した会員数（秘匿の最小数未満は空）。",
        "",
    ]
    return lines

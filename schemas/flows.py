"""Contract of `flows`: one row per material flow a member reports."""

from __future__ import annotations

import polars as pl

from schemas import vocabulary as v
from schemas.contract import Check, Column, Contract, Rule
from schemas.members import submitter_column, submitter_rule
from schemas.products import product_category_column
from schemas.subtotals import SUBTOTAL_RULE

PROCESS_NAME_MAX_LENGTH = 100
NOTE_MAX_LENGTH = 1000
BALANCE_TOLERANCE = 0.05
PERIOD_CODE_PATTERN = r"^(\d{4}|FY\d{4}|\d{4}-(0[1-9]|1[0-2]))$"

# One row per flow: a member's tonnes of one material (in one product, or none) between two named processes, in one
# region, from one origin to one destination.
FLOW_KEY: tuple[str, ...] = (
    "member_id",
    "period",
    "material",
    "product_category",
    "source_stage",
    "target_stage",
    "source",
    "target",
    "region",
    "origin_region",
    "destination_region",
)

FLOWS = Contract(
    name="flows",
    description_en="One row per material flow from one stage (or process) to another in one period.",
    description_ja="期間ごとに、ある工程から別の工程への物質フローを1行で記入します。",
    columns=(
        submitter_column(
            "Member who reports the flow; must be the submitting member",
            "報告する会員のID（提出した会員と同じであること）",
            example="city-kitakyushu",
        ),
        Column(
            "period",
            pl.String(),
            "Reporting period: 2024 (calendar year), FY2024 (fiscal year), 2024-05 (month); "
            "2024年度 and 令和6年度 are accepted and stored as FY2024",
            "報告期間: 2024（暦年）、FY2024（年度）、2024-05（月）。2024年度・令和6年度も可（FY2024として保存）",
            required=True,
            regex=PERIOD_CODE_PATTERN,
            example="FY2024",
            headers_ja=("期間", "年度", "報告期間", "対象期間", "対象年度"),
        ),
        Column(
            "material",
            pl.String(),
            "Material code, group or group.leaf (e.g. plastics.pet); an unknown leaf rolls up to its group",
            "素材コード（グループまたはグループ.細分類、例: plastics.pet）。未登録の細分類はグループに集約",
            required=True,
            warn_vocabulary=v.MATERIAL_CODES,
            example="plastics.pet",
            headers_ja=("品目", "素材", "素材コード", "品目コード"),
        ),
        Column(
            "source_stage",
            pl.String(),
            "Stage the flow leaves",
            "フローの出発工程",
            required=True,
            vocabulary=v.STAGE_CODES,
            example="use",
            headers_ja=("投入元工程", "出発工程"),
        ),
        Column(
            "target_stage",
            pl.String(),
            "Stage the flow enters",
            "フローの到着工程",
            required=True,
            vocabulary=v.STAGE_CODES,
            example="collection",
            headers_ja=("投入先工程", "到着工程"),
        ),
        Column(
            "source",
            pl.String(),
            "Process name the flow leaves (free text)",
            "出発プロセス名（自由記述）",
            max_length=PROCESS_NAME_MAX_LENGTH,
            default_en="the source stage code",
            default_ja="出発工程コード",
            example="Household collection",
            headers_ja=("投入元", "投入元プロセス", "出発プロセス", "出発プロセス名"),
        ),
        Column(
            "target",
            pl.String(),
            "Process name the flow enters (free text)",
            "到着プロセス名（自由記述）",
            max_length=PROCESS_NAME_MAX_LENGTH,
            default_en="the target stage code",
            default_ja="到着工程コード",
            example="Sorting plant A",
            headers_ja=("投入先", "投入先プロセス", "到着プロセス", "到着プロセス名"),
        ),
        Column(
            "quantity",
            pl.Float64(),
            "Quantity in the given unit; zero is a real report",
            "数量（単位欄の単位で記入）。0も有効な報告です",
            required=True,
            min_value=0.0,
            example="1250.5",
            headers_ja=("数量", "量", "重量"),
        ),
        Column(
            "unit",
            pl.String(),
            "Mass unit: t, kg, kt, Mt, or a spelling in the table of unit spellings (トン, 千トン, …)",
            "質量の単位: t, kg, kt, Mt、または単位の表記一覧にある書き方（トン・キログラム・千トン・百万トン など）",
            required=True,
            vocabulary=v.UNIT_CODES,
            vocabulary_message_en=(
                "unit is not an accepted spelling: write t, kg, kt or Mt (or トン, キログラム, 千トン, 百万トン; "
                "the contract lists every accepted spelling)"
            ),
            vocabulary_message_ja=(
                "単位の書き方が受け付けられません。t・kg・kt・Mt（またはトン・キログラム・千トン・百万トン）で"
                "記入してください（使える書き方はデータ契約の一覧を参照）"
            ),
            example="t",
            extra_checks=(
                Check(
                    "unit.metric_ton",
                    "unit",
                    "not_in_set",
                    value_set=(v.METRIC_TON,),
                    severity="warning",
                    message_en=(
                        "unit MT / mt / M/T was read as metric tonnes (t), not megatonnes (Mt); "
                        "write t (or Mt for megatonnes) to remove this warning"
                    ),
                    message_ja=(
                        "単位 MT・mt・M/T はメトリックトン（t）として読みました（百万トン Mt ではありません）。"
                        "t（百万トンなら Mt）と記入すればこの警告は出ません"
                    ),
                ),
            ),
            headers_ja=("単位",),
        ),
        Column(
            "region",
            pl.String(),
            "ISO 3166-1 alpha-2 or ISO 3166-2 code (JP, JP-13)",
            "地域コード（ISO 3166-1 または ISO 3166-2、例: JP, JP-13）",
            regex=v.REGION_PATTERN,
            default_en="the member's registered region",
            default_ja="会員の登録地域",
            example="JP-40",
            headers_ja=("地域", "地域コード"),
        ),
        *(
            Column(
                name,
                pl.String(),
                f"Where the flow {way} (ISO 3166-2 prefecture code such as JP-27, a prefecture's name such as 大阪府, "
                "or a country code for an import or export); blank: the row's region",
                f"フローの{way_ja}（都道府県コード JP-27・都道府県名 大阪府、輸出入は国コード）。空欄なら地域と同じ",
                regex=v.REGION_PATTERN,
                default_en="the row's region",
                default_ja="その行の地域",
                default_from="region",
                example=example,
                headers_ja=headers_ja,
            )
            for name, way, way_ja, example, headers_ja in (
                ("origin_region", "comes from", "搬出元", "JP-27", ("搬出元", "発地域", "搬出元地域")),
                ("destination_region", "goes to", "搬入先", "JP-28", ("搬入先", "着地域", "搬入先地域")),
            )
        ),
        Column(
            "quality",
            pl.String(),
            "How the figure was obtained: measured, calculated or estimated",
            "数値の把握方法: measured（実測）, calculated（計算）, estimated（推計）",
            vocabulary=v.QUALITY_CODES,
            example="measured",
            headers_ja=("把握方法", "数値の把握方法"),
        ),
        Column(
            "note",
            pl.String(),
            "Free note",
            "備考",
            max_length=NOTE_MAX_LENGTH,
            headers_ja=("備考",),
        ),
        Column(
            "is_renewable",
            pl.Boolean(),
            "Whether a flow from extraction or import is renewable material (ISO 59020 renewable content): "
            "true/false, yes/no, 1/0, はい/いいえ; empty: renewable when its material group is biomass",
            "採取・輸入からのフローが再生可能資源か（ISO 59020 の再生可能資源）: true/false, はい/いいえ, 1/0。"
            "空欄: 素材グループが biomass なら再生可能",
            example="true",
            headers_ja=("再生可能", "再生可能資源"),
        ),
        # Last among the submitted columns (issue 27): files and test rows written by position before it still read.
        product_category_column(
            "Optional: the product the material is in, as group or group.leaf (e.g. packaging.pet_bottle; a name such "
            "as PETボトル or PET bottles is read as its code). On flows up to use and end of life it is the product "
            "placed on the market, collected or recycled; on a flow out of recycling into production or manufacturing "
            "write it only when the recycled material goes back into the same product (a closed loop: bottle to "
            "bottle, can to can). Blank: material not tied to a product; an unknown leaf rolls up to its group",
            "任意。素材が含まれる製品の区分（グループまたはグループ.細分類、例: packaging.pet_bottle。PETボトル など"
            "の名称も可）。使用・廃棄までのフローでは上市・回収・リサイクルされた製品。リサイクルから素材生産・製品製造"
            "へのフローでは、再生材が同じ製品に戻る場合（水平リサイクル: ボトルtoボトル、CAN to CAN）にだけ記入。"
            "空欄: 製品を特定しない素材。未登録の細分類はグループに集約",
            required=False,
        ),
        Column(
            "period_start",
            pl.Date(),
            "First day of the period",
            "期間の初日",
            submitted=False,
            derived_from="period",
        ),
        Column(
            "period_end",
            pl.Date(),
            "Last day of the period",
            "期間の末日",
            submitted=False,
            derived_from="period",
        ),
        Column(
            "grain",
            pl.String(),
            "Period grain: year, fiscal_year or month",
            "期間の粒度: year, fiscal_year, month",
            submitted=False,
            derived_from="period",
        ),
        Column(
            "material_group",
            pl.String(),
            "Top-level material group",
            "素材グループ",
            submitted=False,
            derived_from="material",
            vocabulary=v.MATERIAL_GROUP_CODES,
        ),
        Column(
            "quantity_t",
            pl.Float64(),
            "Quantity in tonnes",
            "数量（トン換算）",
            submitted=False,
            derived_from="quantity",
        ),
    ),
    key=FLOW_KEY,
    scope_column="period",
    validation_order=3,
    rules=(
        submitter_rule("flows"),
        Rule(
            "flows.duplicate",
            "unique",
            FLOW_KEY,
            "the same flow (member, period, material, product, stages, process names, region, origin and destination) "
            "appears more than once; keep one row per flow",
            "同じフロー（会員・期間・素材・製品区分・工程・プロセス名・地域・搬出元・搬入先）が複数行あります。"
            "1フロー1行にしてください",
        ),
        Rule(
            "flows.self_loop",
            "distinct_stages",
            ("source_stage", "target_stage", "source", "target"),
            "source_stage and target_stage are the same; give different process names in source and target",
            "出発工程と到着工程が同じです。source と target に異なるプロセス名を記入してください",
        ),
        Rule(
            "flows.balance",
            "balance",
            ("member_id", "period", "material", "source_stage", "source", "target_stage", "target", "quantity_t"),
            "inflow and outflow of this process differ by more than 5 %",
            "このプロセスの流入量と流出量の差が5%を超えています",
            severity="warning",
            tolerance=BALANCE_TOLERANCE,
        ),
        SUBTOTAL_RULE,
    ),
)

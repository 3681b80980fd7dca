"""Contract of `declarations`: the recycled content a member declares per product it places on the market.

One row per member, fiscal year, product category (and optional product id: a JAN/GTIN or a model number) and
material: the net mass of that material in what the member placed on the market that year, and the shares of it that
are pre-consumer recycled, post-consumer recycled and bio-based, with how the claim is kept (chain of custody) and
assured (self-declared, or verified by a third party with a certificate). What the amended 資源有効利用促進法's plans
and reports, the EU battery passport and Catena-X's secondary material content ask of a producer.

**Shares** are fractions of the net mass, 0 to 1 (`0.35`). A value written with its percent sign is a percentage
(`35%`, `３５％`, `35 %` are 0.35), and an Excel cell formatted as a percentage holds the fraction already. A bare
number above 1 (`35`) is an error that says so: junkan never guesses whether 35 meant 35 % or a mistake.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from schemas import vocabulary as v
from schemas.contract import Check, Column, Contract, Rule
from schemas.flows import FLOWS, PERIOD_CODE_PATTERN
from schemas.members import submitter_column, submitter_rule
from schemas.products import product_category_column
from schemas.targets import URL_PATTERN

SEGREGATED, MASS_BALANCE, UNKNOWN = "segregated", "mass_balance", "unknown"
CHAINS_OF_CUSTODY: tuple[v.Term, ...] = (
    v.Term(SEGREGATED, "Segregated: the recycled material is kept apart and physically in the product", "分別管理"),
    v.Term(MASS_BALANCE, "Mass balance: recycled input allocated to products by bookkeeping", "マスバランス"),
    v.Term(UNKNOWN, "Unknown", "不明"),
)
SELF_DECLARED, THIRD_PARTY_VERIFIED = "self_declared", "third_party_verified"
ASSURANCES: tuple[v.Term, ...] = (
    v.Term(SELF_DECLARED, "Self-declared (calculated by the member)", "自己宣言（会員による算定）"),
    v.Term(THIRD_PARTY_VERIFIED, "Verified by a third party, with a certificate", "第三者検証済み（認証書あり）"),
)
PRODUCT_ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9 ._/+-]{0,63}$"
NOTE_MAX_LENGTH: Final = 1000
# A sum of shares may pass 1 by this much (0.1 + 0.2 is 0.30000000000000004).
SHARE_TOLERANCE: Final = 1e-9
# The shares in the order of the rule that they add up to at most 1.
RECYCLED_SHARES: Final = ("recycled_pre_consumer_share", "recycled_post_consumer_share")


def _share(name: str, en: str, ja: str, headers: tuple[str, ...], *, required: bool, example: str) -> Column:
    """A share of the net mass: a fraction 0 to 1, or a percentage written with its % sign."""
    return Column(
        name,
        pl.Float64(),
        f"{en}: a fraction of the net mass, 0 to 1 (0.35), or a percentage with its % sign (35%)",
        f"{ja}: 正味質量に対する割合。0〜1の小数（0.35）、または%を付けた百分率（35%）",
        required=required,
        percent_sign=True,
        example=example,
        headers_ja=headers,
        extra_checks=(
            Check(
                f"{name}.range",
                name,
                "between",
                min_value=0.0,
                max_value=1.0,
                message_en=(
                    f"{name} must be a fraction between 0 and 1 (0.35) or a percentage with its sign (35%); "
                    "a number above 1 without % is not read as a percentage"
                ),
                message_ja=(
                    f"{name} は0〜1の小数（0.35）か、%を付けた百分率（35%）で記入してください。"
                    "%のない1より大きい数は百分率として読みません"
                ),
            ),
        ),
    )


DECLARATIONS = Contract(
    name="declarations",
    description_en=(
        "Recycled content a member declares per product it placed on the market in a fiscal year: one row per "
        "product category (and product id), material and year. Shares are fractions 0–1, or percentages written "
        "with their % sign."
    ),
    description_ja=(
        "会員が年度に上市した製品ごとの再生材含有の申告。製品区分（と製品ID）・素材・年度ごとに1行。"
        "比率は0〜1の小数、または%を付けた百分率で記入します。"
    ),
    columns=(
        submitter_column(
            "Member declaring; must be the submitting member",
            "申告する会員のID（提出した会員と同じであること）",
            example="maker-a",
        ),
        Column(
            "period",
            pl.String(),
            "Fiscal year of the declaration: FY2024; 2024年度 and 令和6年度 are stored as FY2024 (a calendar year or "
            "a month is an error: the law reports by fiscal year)",
            "申告の年度: FY2024。2024年度・令和6年度も可（FY2024として保存）。暦年・月はエラー（法の報告は年度単位）",
            required=True,
            regex=PERIOD_CODE_PATTERN,
            example="FY2024",
            headers_ja=("年度", "対象年度", "報告年度", "期間"),
        ),
        product_category_column(
            "Product category, group or group.leaf (e.g. appliances.refrigerator); an unknown leaf rolls up to its "
            "group",
            "製品区分（グループまたはグループ.細分類、例: appliances.refrigerator）。未登録の細分類はグループに集約",
        ),
        Column(
            "product_id",
            pl.String(),
            "Optional product or model: a JAN/GTIN or the model number; blank: the whole category",
            "任意: 製品または型式（JAN/GTINまたは型番）。空欄なら製品区分全体",
            regex=PRODUCT_ID_PATTERN,
            example="4901234567894",
            headers_ja=("製品ID", "JANコード", "GTIN", "型番", "型式", "品番"),
        ),
        Column(
            "material",
            pl.String(),
            "Material code, group or group.leaf (e.g. plastics.pp, metals.cobalt); an unknown leaf rolls up to its "
            "group",
            "素材コード（グループまたはグループ.細分類、例: plastics.pp, metals.cobalt）。"
            "未登録の細分類はグループに集約",
            required=True,
            warn_vocabulary=v.MATERIAL_CODES,
            example="plastics.pp",
            headers_ja=("素材", "素材コード", "材料", "品目"),
        ),
        Column(
            "net_mass",
            pl.Float64(),
            "Net mass of the material in everything of the product placed on the market that year, in the unit given",
            "その年度に上市した製品全体に含まれる、その素材の正味質量（単位欄の単位で記入）",
            required=True,
            min_value=0.0,
            example="1250.5",
            headers_ja=("正味質量", "質量", "重量", "素材使用量"),
        ),
        FLOWS.column("unit"),
        Column(
            "units_placed",
            pl.Int64(),
            "Optional: how many units of the product were placed on the market that year",
            "任意: その年度に上市（出荷・販売）した製品の台数・個数",
            min_value=0.0,
            example="52000",
            headers_ja=("上市数量", "出荷台数", "販売台数", "出荷数量", "台数"),
        ),
        _share(
            "recycled_pre_consumer_share",
            "Share that is pre-consumer recycled material (from manufacturing waste, not in-process scrap)",
            "プレコンシューマ再生材（製造工程の廃材由来。同一工程内の端材は除く）の比率",
            ("プレコンシューマ再生材率", "プレコンシューマ再生材比率", "プレコンシューマ比率"),
            required=True,
            example="0.05",
        ),
        _share(
            "recycled_post_consumer_share",
            "Share that is post-consumer recycled material (from products after their use)",
            "ポストコンシューマ再生材（使用済み製品由来）の比率",
            ("ポストコンシューマ再生材率", "ポストコンシューマ再生材比率", "ポストコンシューマ比率"),
            required=True,
            example="20%",
        ),
        _share(
            "bio_based_share",
            "Optional share that is bio-based material",
            "任意: バイオマス由来素材の比率",
            ("バイオマス比率", "バイオマス由来比率", "バイオベース比率"),
            required=False,
            example="0",
        ),
        Column(
            "chain_of_custody",
            pl.String(),
            "How the recycled content is kept through the supply chain: segregated, mass_balance or unknown; "
            "blank: unknown",
            "再生材の管理方式: segregated（分別管理）、mass_balance（マスバランス）、unknown（不明）。空欄は不明",
            vocabulary=tuple(term.code for term in CHAINS_OF_CUSTODY),
            example="segregated",
            headers_ja=("管理方式", "CoC方式", "加工流通管理方式"),
        ),
        Column(
            "assurance",
            pl.String(),
            "self_declared or third_party_verified (needs a certificate); blank: self_declared",
            "self_declared（自己宣言）または third_party_verified（第三者検証済み。認証書が必要）。空欄は自己宣言",
            vocabulary=tuple(term.code for term in ASSURANCES),
            example="third_party_verified",
            headers_ja=("保証区分", "検証区分", "第三者検証"),
        ),
        Column(
            "certificate_name",
            pl.String(),
            "Name of the certificate that verifies the claim (e.g. the scheme and certificate number)",
            "主張を検証した認証の名称（認証制度名と認証番号など）",
            max_length=200,
            example="ISCC PLUS EU-ISCC-Cert-XX123",
            headers_ja=("認証名", "認証書名", "証明書名"),
        ),
        Column(
            "certificate_url",
            pl.String(),
            "Link to the certificate (http or https)",
            "認証書のURL（http または https）",
            regex=URL_PATTERN,
            example="https://example.org/certificates/XX123.pdf",
            headers_ja=("認証URL", "認証書URL", "証明書URL"),
        ),
        _share(
            "plan_target_share",
            "Optional: the member's own target for recycled content in its plan under the 資源有効利用促進法",
            "任意: 資源有効利用促進法に基づく計画で会員が定めた再生材利用の目標比率",
            ("計画目標比率", "目標再生材比率", "再生材利用目標"),
            required=False,
            example="25%",
        ),
        Column("note", pl.String(), "Free note", "備考", max_length=NOTE_MAX_LENGTH, headers_ja=("備考",)),
        Column(
            "period_start", pl.Date(), "First day of the period", "期間の初日", submitted=False, derived_from="period"
        ),
        Column("period_end", pl.Date(), "Last day of the period", "期間の末日", submitted=False, derived_from="period"),
        Column(
            "grain",
            pl.String(),
            "Period grain (fiscal_year)",
            "期間の粒度（fiscal_year）",
            submitted=False,
            derived_from="period",
            extra_checks=(
                Check(
                    "period.fiscal_year",
                    "grain",
                    "in_set",
                    value_set=("fiscal_year",),
                    message_en="period must be a fiscal year: write FY2024, 2024年度 or 令和6年度 (the law reports by "
                    "fiscal year)",
                    message_ja="年度で記入してください: FY2024・2024年度・令和6年度（法の報告は年度単位です）",
                ),
            ),
        ),
        FLOWS.column("material_group"),  # derived from material, as in flows
        Column(
            "net_mass_t",
            pl.Float64(),
            "Net mass in tonnes",
            "正味質量（トン換算）",
            submitted=False,
            derived_from="net_mass",
        ),
    ),
    key=("member_id", "period", "product_category", "product_id", "material"),
    scope_column="period",
    # After flows: the recycled content is compared with the member's own flows, this batch's included.
    validation_order=7,
    rules=(
        submitter_rule("declarations"),
        Rule(
            "declarations.duplicate",
            "unique",
            ("member_id", "period", "product_category", "product_id", "material"),
            "the same product (category and product id), material and year appear more than once; keep one row each",
            "同じ製品（製品区分・製品ID）・素材・年度の行が複数あります。1行にまとめてください",
        ),
        Rule(
            "declarations.recycled_total",
            "at_most_one",
            RECYCLED_SHARES,
            "recycled_pre_consumer_share and recycled_post_consumer_share add up to more than 1 (100 %): the recycled "
            "content cannot be more than the net mass; check both shares",
            "プレコンシューマとポストコンシューマの再生材比率の合計が1（100%）を超えています。"
            "再生材は正味質量を超えられません。両方の比率を確認してください",
        ),
        Rule(
            "declarations.claim_certificate",
            "certified_claim",
            ("chain_of_custody", "assurance", "certificate_name", "certificate_url"),
            "a mass_balance or third_party_verified claim needs its certificate (certificate_name and "
            "certificate_url); the row was accepted as self_declared: add the certificate to keep the claim",
            "mass_balance（マスバランス）や third_party_verified（第三者検証）の主張には認証（認証名と認証URL）が"
            "必要です。この行は自己宣言（self_declared）として受け付けました。主張を維持するには認証を記入してください",
            severity="warning",
        ),
        Rule(
            "declarations.own_flows",
            "within_own_flows",
            ("material", "net_mass_t", *RECYCLED_SHARES),
            "the recycled mass declared (net mass × (pre- + post-consumer share)) of this material in this year is "
            "more than the recycled material your own flows bring into production or manufacturing (recycling → "
            "production or manufacturing) that year; check the shares and net mass, or your flows",
            "この年度に申告した素材の再生材量（正味質量 ×（プレ＋ポストコンシューマ比率））が、同じ年度に自社の"
            "フローで素材生産・製品製造に投入した再生材（recycling → production / manufacturing）を超えています。"
            "比率と正味質量、またはフローを確認してください",
            severity="warning",
        ),
    ),
)

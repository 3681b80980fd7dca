"""Controlled vocabularies of the contract: stages, materials, units, member kinds, indicators.

Codes are English; every code carries an English and a Japanese label, because members read
validation reports and the data dictionary in either language.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One code of a vocabulary with its English and Japanese labels."""

    code: str
    label_en: str
    label_ja: str


# --- stages -----------------------------------------------------------------------------------

STAGES: tuple[Term, ...] = (
    Term("extraction", "Domestic extraction", "国内資源採取"),
    Term("import", "Import", "輸入"),
    Term("production", "Material production", "素材生産"),
    Term("manufacturing", "Product manufacturing", "製品製造"),
    Term("use", "Use and consumption", "使用・消費"),
    Term("stock", "Net addition to stock", "蓄積純増"),
    Term("export", "Export", "輸出"),
    Term("dissipation", "Dissipation and energy use", "散逸・エネルギー消費"),
    Term("collection", "Collection", "回収"),
    Term("sorting", "Sorting and pre-treatment", "選別・前処理"),
    Term("reuse", "Reuse", "リユース"),
    Term("remanufacturing", "Remanufacturing", "リマニュファクチャリング"),
    Term("recycling", "Material recycling", "マテリアルリサイクル"),
    Term("composting", "Composting and feed", "堆肥化・飼料化"),
    Term("energy_recovery", "Energy recovery", "熱回収"),
    Term("treatment", "Treatment and incineration", "減量化・焼却等"),
    Term("return_to_nature", "Return to nature", "自然還元"),
    Term("landfill", "Final disposal (landfill)", "最終処分"),
)
STAGE_CODES: tuple[str, ...] = tuple(term.code for term in STAGES)

SOURCES: frozenset[str] = frozenset({"extraction", "import"})
ECONOMY: frozenset[str] = frozenset({"production", "manufacturing", "use"})
OTHER_SINKS: frozenset[str] = frozenset({"stock", "export", "dissipation"})
CIRCULAR: frozenset[str] = frozenset({"reuse", "remanufacturing", "recycling", "composting"})
END_OF_LIFE: frozenset[str] = frozenset(
    {"collection", "sorting"} | CIRCULAR | {"energy_recovery", "treatment", "return_to_nature", "landfill"}
)
ENERGY_RECOVERY = "energy_recovery"
LANDFILL = "landfill"

# --- materials --------------------------------------------------------------------------------

MATERIAL_GROUPS: tuple[Term, ...] = (
    Term("plastics", "Plastics", "プラスチック"),
    Term("paper", "Paper", "紙"),
    Term("metals", "Metals", "金属"),
    Term("glass", "Glass", "ガラス"),
    Term("textiles", "Textiles", "繊維"),
    Term("biomass", "Biomass", "バイオマス"),
    Term("construction", "Construction materials", "建設資材"),
    Term("electronics", "Electronics", "電子機器"),
    Term("batteries", "Batteries", "電池"),
    Term("rubber", "Rubber", "ゴム"),
    Term("chemicals", "Chemicals", "化学品"),
    Term("mixed", "Mixed", "混合"),
    Term("other", "Other", "その他"),
)
MATERIAL_GROUP_CODES: tuple[str, ...] = tuple(term.code for term in MATERIAL_GROUPS)

MATERIAL_LEAVES: tuple[Term, ...] = (
    Term("plastics.pet", "PET", "PET"),
    Term("plastics.pe", "Polyethylene", "ポリエチレン"),
    Term("plastics.pp", "Polypropylene", "ポリプロピレン"),
    Term("plastics.ps", "Polystyrene", "ポリスチレン"),
    Term("plastics.pvc", "PVC", "塩化ビニル"),
    Term("plastics.packaging", "Plastic packaging", "プラスチック製容器包装"),
    Term("paper.cardboard", "Cardboard", "段ボール"),
    Term("paper.newspaper", "Newspaper", "新聞紙"),
    Term("paper.mixed", "Mixed paper", "雑がみ"),
    Term("metals.ferrous", "Ferrous metals (iron and steel)", "鉄鋼"),
    Term("metals.aluminium", "Aluminium", "アルミニウム"),
    Term("metals.copper", "Copper", "銅"),
    Term("metals.precious", "Precious metals", "貴金属"),
    Term("metals.cobalt", "Cobalt", "コバルト"),
    Term("metals.lithium", "Lithium", "リチウム"),
    Term("metals.nickel", "Nickel", "ニッケル"),
    Term("metals.lead", "Lead", "鉛"),
    Term("glass.container", "Container glass", "ガラスびん"),
    Term("glass.flat", "Flat glass", "板ガラス"),
    Term("textiles.clothing", "Clothing", "衣類"),
    Term("biomass.food", "Food", "食品"),
    Term("biomass.wood", "Wood", "木材"),
    Term("biomass.garden", "Garden waste", "剪定枝・草木"),
    Term("construction.concrete", "Concrete", "コンクリート"),
    Term("construction.asphalt", "Asphalt", "アスファルト"),
    Term("construction.soil", "Soil", "建設発生土"),
    Term("electronics.appliances", "Household appliances", "家電"),
    Term("electronics.ict", "ICT equipment", "情報通信機器"),
    Term("batteries.lithium_ion", "Lithium-ion batteries", "リチウムイオン電池"),
    Term("batteries.lead_acid", "Lead-acid batteries", "鉛蓄電池"),
    Term("rubber.tyres", "Tyres", "タイヤ"),
    Term("chemicals.solvents", "Solvents", "溶剤"),
    Term("mixed.municipal", "Mixed municipal waste", "混合一般廃棄物"),
)
MATERIAL_LEAF_CODES: tuple[str, ...] = tuple(term.code for term in MATERIAL_LEAVES)
MATERIAL_CODES: tuple[str, ...] = MATERIAL_GROUP_CODES + MATERIAL_LEAF_CODES
ALL_MATERIALS = "all"

# --- units (mass only in this version; stored in tonnes) -----------------------------------------

UNITS: tuple[Term, ...] = (
    Term("t", "tonne", "トン"),
    Term("kg", "kilogram", "キログラム"),
    Term("kt", "kilotonne", "千トン"),
    Term("Mt", "megatonne", "百万トン"),
)
# MT, mt and M/T mean metric ton in trade documents, but read as a prefix they would be megatonnes (Mt):
# they are read as tonnes, never megatonnes, with a warning on every row that uses them, and stored as t.
METRIC_TON = "MT"
UNIT_TO_TONNES: dict[str, float] = {"t": 1.0, "kg": 0.001, "kt": 1_000.0, "Mt": 1_000_000.0, METRIC_TON: 1.0}
# What the normalised unit column may hold: the codes, and METRIC_TON until its warning is recorded.
UNIT_CODES: tuple[str, ...] = (*(term.code for term in UNITS), METRIC_TON)
STORED_UNITS: dict[str, str] = {METRIC_TON: "t"}
# Every accepted spelling, matched exactly (case counts: Mt is megatonnes, MT metric tons) once the text is
# NFKC-normalised and stripped, so full-width ｔ, ｋｇ, ㎏, ﾄﾝ and ㌔ match too. Anything else is an error.
UNIT_SPELLINGS: dict[str, str] = {
    "t": "t",
    "T": "t",
    "ton": "t",
    "tons": "t",
    "Ton": "t",
    "Tons": "t",
    "tonne": "t",
    "tonnes": "t",
    "Tonne": "t",
    "Tonnes": "t",
    "metric ton": "t",
    "metric tons": "t",
    "metric tonne": "t",
    "metric tonnes": "t",
    "トン": "t",
    "屯": "t",
    "kg": "kg",
    "KG": "kg",
    "Kg": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "Kilogram": "kg",
    "Kilograms": "kg",
    "キログラム": "kg",
    "キロ": "kg",
    "kt": "kt",
    "kilotonne": "kt",
    "kilotonnes": "kt",
    "Kilotonne": "kt",
    "Kilotonnes": "kt",
    "千トン": "kt",
    "千t": "kt",
    "Mt": "Mt",
    "megatonne": "Mt",
    "megatonnes": "Mt",
    "Megatonne": "Mt",
    "Megatonnes": "Mt",
    "百万トン": "Mt",
    "百万t": "Mt",
    "MT": METRIC_TON,
    "mt": METRIC_TON,
    "M/T": METRIC_TON,
}

# --- members ----------------------------------------------------------------------------------

MEMBER_KINDS: tuple[Term, ...] = (
    Term("company", "Company", "企業"),
    Term("industry_association", "Industry association", "業界団体"),
    Term("municipality", "Municipality", "自治体"),
    Term("university", "University", "大学"),
    Term("research_institute", "Research institute", "研究機関"),
    Term("related_org", "Related organisation", "関係団体"),
)
MEMBER_KIND_CODES: tuple[str, ...] = tuple(term.code for term in MEMBER_KINDS)

QUALITIES: tuple[Term, ...] = (
    Term("measured", "Measured", "実測"),
    Term("calculated", "Calculated", "計算"),
    Term("estimated", "Estimated", "推計"),
)
QUALITY_CODES: tuple[str, ...] = tuple(term.code for term in QUALITIES)

# How a member's contributions are treated when tables are published (issue 23). Public contributions are
# figures the member publishes anyway (municipal waste statistics, associations' aggregates), so disclosure
# control treats them as known; only confidential ones are protected.
CONFIDENTIAL = "confidential"
PUBLIC = "public"
DISCLOSURE_CLASSES: tuple[Term, ...] = (
    Term(CONFIDENTIAL, "Confidential", "非公開"),
    Term(PUBLIC, "Public", "公開"),
)
DISCLOSURE_CLASS_CODES: tuple[str, ...] = tuple(term.code for term in DISCLOSURE_CLASSES)

# --- indicators -------------------------------------------------------------------------------

INDICATORS: tuple[Term, ...] = (
    Term("natural_resource_input", "Natural resource input (t)", "天然資源等投入量"),
    Term("cyclical_use", "Cyclical use (t)", "循環利用量"),
    Term("waste_generated", "Waste generated (t)", "廃棄物等発生量"),
    Term("recovered", "Recovered for circular use (t)", "循環的利用量"),
    Term("energy_recovery", "Energy recovery (t)", "熱回収量"),
    Term("final_disposal", "Final disposal (t)", "最終処分量"),
    Term("input_cyclical_use_rate", "Input-side cyclical use rate", "入口側循環利用率"),
    Term("output_cyclical_use_rate", "Output-side cyclical use rate", "出口側循環利用率"),
    Term("recovery_rate", "Recovery rate", "循環利用率（回収）"),
    Term("final_disposal_rate", "Final disposal rate", "最終処分率"),
)
INDICATOR_CODES: tuple[str, ...] = tuple(term.code for term in INDICATORS)
CUSTOM_INDICATOR = "custom"
TARGET_INDICATOR_CODES: tuple[str, ...] = (*INDICATOR_CODES, CUSTOM_INDICATOR)

REGION_PATTERN = r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$"


def labels(terms: tuple[Term, ...]) -> dict[str, Term]:
    """Index a vocabulary by code."""
    return {term.code: term for term in terms}

"""Demo data for `junkan demo`: a synthetic partnership year, the real Japan steel flows and Scotland.

`generate_demo` writes member files as `<directory>/<member_id>/<dataset>/<file>` (the inbox layout)
and returns a manifest saying, for humans, what should happen to each file. Five files are bad on
purpose, each from a different member so that a bad file never spoils another member's results.
The real datasets are kept as published and converted in `infra.demo_data.real`.

Past ~400 lines on purpose: one seeded generator whose member archetypes, bad files and targets draw from
one random stream in one order, so that the same seed gives the same year; split, the order would be a
contract between modules.
"""

from __future__ import annotations

import dataclasses
import io
import math
import random
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal, cast, get_args

import polars as pl

from infra.demo_data.kinds import FOLLOW_UP_AS_OF, plan_files, project_files
from infra.demo_data.real import (
    SCOTLAND_FILE,
    STEEL_FILE,
    STEEL_MEMBER,
    real_file,
    scotland_flows_frame,
    scotland_members_frame,
    steel_flows_frame,
)
from schemas import CONTRACTS, FLOWS, MEMBERS, PROGRESS, TARGETS
from schemas import vocabulary as v

FISCAL_YEARS = (2023, 2024)
UNKNOWN_MATERIAL = "unobtainium"
UNKNOWN_TARGET_ID = "T9"
# Fixed time stamp inside XLSX files, so that the same seed gives the same bytes.
_XLSX_TIME = datetime(2025, 4, 1, 9, 0, 0)

FileFormat = Literal["csv", "csv_bom", "xlsx", "parquet", "jsonl"]


@dataclass(frozen=True)
class DemoFile:
    """One file a demo member submits, and what the pipeline should make of it."""

    member_id: str
    dataset: str
    path: Path
    expectation: str
    # The day the file arrived in the partnership's history (None: the demo's own day). Targets take effect,
    # and follow-ups count, from the day their file arrived, so the demo replays them on their days.
    received_on: date | None = None


@dataclass(frozen=True, eq=False)
class DemoManifest:
    """Members to register (text columns of the members contract) and files in the order to submit them."""

    members: pl.DataFrame
    submissions: tuple[DemoFile, ...]


# --- the members ---------------------------------------------------------------------------------

Role = Literal["municipality", "recycler", "producer", "manufacturer", "national", "campus", "reuse", "steel", "none"]


@dataclass(frozen=True)
class _Member:
    member_id: str
    name: str
    kind: str
    region: str
    role: Role
    materials: tuple[str, ...] = ()
    scale: float = 0.0  # people for municipalities and campuses, tonnes otherwise
    unit: str = "t"
    file_format: FileFormat = "csv"
    named_processes: bool = False


# One member per line: id|name|kind|region|role|materials|scale|unit|file format|named processes.
# Scale is people for municipalities and campuses, tonnes a year otherwise. Municipalities are
# real places with rounded populations; every company, association, university, institute and
# organisation is fictional, except the steel federation whose real data is used.
_MEMBER_TABLE = """
city-kitakyushu|北九州市|municipality|JP-40|municipality||920000|t|csv|yes
city-sapporo|札幌市|municipality|JP-01|municipality||1960000|t|csv|
city-sendai|仙台市|municipality|JP-04|municipality||1090000|t|csv|yes
city-yokohama|横浜市|municipality|JP-14|municipality||3770000|t|xlsx|
city-kawasaki|川崎市|municipality|JP-14|municipality||1540000|t|csv_bom|
city-nagoya|名古屋市|municipality|JP-23|municipality||2330000|t|csv|yes
city-kyoto|京都市|municipality|JP-26|municipality||1460000|t|csv|
city-osaka|大阪市|municipality|JP-27|municipality||2750000|t|xlsx|
city-kobe|神戸市|municipality|JP-28|municipality||1520000|t|csv_bom|
city-hiroshima|広島市|municipality|JP-34|municipality||1190000|t|csv|
city-fukuoka|福岡市|municipality|JP-40|municipality||1610000|t|csv|yes
city-kumamoto|熊本市|municipality|JP-43|municipality||740000|t|csv|
city-naha|那覇市|municipality|JP-47|municipality||320000|t|csv_bom|
city-toyama|富山市|municipality|JP-16|municipality||410000|t|csv|
city-kanazawa|金沢市|municipality|JP-17|municipality||450000|トン|csv|
city-matsuyama|松山市|municipality|JP-38|municipality||510000|t|csv|
city-nagano|長野市|municipality|JP-20|municipality||370000|t|csv|yes
city-kamakura|鎌倉市|municipality|JP-14|municipality||176000|t|csv|
city-minamata|水俣市|municipality|JP-43|municipality||23000|t|csv|yes
town-kamikatsu|上勝町|municipality|JP-36|municipality||1400|kg|csv|
town-osaki|大崎町|municipality|JP-46|municipality||12000|kg|csv|
kitakyushu-eco-recycle|株式会社北九州エコリサイクル|company|JP-40|recycler|plastics.pet plastics.packaging|18000|t|csv|
minato-shigen|株式会社みなと資源|company|JP-13|recycler|paper.cardboard paper.mixed|60000|t|csv|
naniwa-shigen|株式会社なにわ資源循環|company|JP-27|recycler|metals.ferrous metals.aluminium|40000|t|csv|
toyo-plastic|東洋プラスチック再生株式会社|company|JP-11|recycler|plastics.pe plastics.pp|25000|t|csv|
nihon-glass-bin|日本ガラスびん再生株式会社|company|JP-12|recycler|glass.container|30000|t|csv|
sakura-paper|さくら製紙株式会社|company|JP-22|producer|paper|400000|t|xlsx|
setouchi-aluminium|株式会社瀬戸内アルミ|company|JP-34|producer|metals.aluminium|120000|t|csv|
chubu-steel|中部製鋼株式会社|company|JP-23|producer|metals.ferrous|800000|kt|csv|
hikari-chemical|ひかり化学株式会社|company|JP-08|producer|plastics.pe plastics.pp plastics.ps|300000|t|csv|
kanto-cement|関東セメント株式会社|company|JP-10|producer|construction.concrete|1500000|t|csv|
aoba-beverage|あおば飲料株式会社|company|JP-04|manufacturer|plastics.pet glass.container metals.aluminium|60000|t|csv|
midori-foods|みどり食品株式会社|company|JP-01|manufacturer|plastics.packaging paper.cardboard|20000|t|csv|
yamato-denki|やまと電機株式会社|company|JP-27|manufacturer|electronics.appliances metals.copper|50000|t|jsonl|
tsubasa-motors|つばさ自動車株式会社|company|JP-23|manufacturer|metals.ferrous rubber.tyres plastics.pp|200000|t|xlsx|
hokuriku-textile|北陸テキスタイル株式会社|company|JP-18|manufacturer|textiles.clothing|8000|t|csv|
ryukyu-glass|琉球ガラス工房株式会社|company|JP-47|manufacturer|glass|2000|t|csv|
kyushu-battery|九州電池リサイクル株式会社|company|JP-41|recycler|batteries.lithium_ion batteries.lead_acid|6000|t|csv|
tohoku-mokuzai|東北木材リサイクル株式会社|company|JP-05|recycler|biomass.wood|45000|t|csv|
shonan-food-cycle|株式会社湘南フードサイクル|company|JP-14|recycler|biomass.food|12000|t|csv|
daichi-kensetsu|大地建設株式会社|company|JP-13|recycler|construction.concrete construction.asphalt|500000|t|csv|
keiyo-solvent|京葉ソルベント株式会社|company|JP-12|recycler|chemicals.solvents|5000|t|csv|
nippon-e-waste|日本イーウェイスト株式会社|company|JP-09|recycler|electronics.ict metals.precious|3000|t|csv|
jisf|日本鉄鋼連盟|industry_association|JP|steel||0|kt|csv_bom|
jp-paper-cycle|全国古紙循環協会|industry_association|JP|national|paper|24000000|千トン|csv|
jp-pet-council|PETボトル循環推進協議会|industry_association|JP|national|plastics.pet|600000|t|csv|
jp-glass-bottle|ガラスびん循環協会|industry_association|JP|national|glass.container|1000000|千トン|csv|
jp-battery-assoc|電池資源循環協会|industry_association|JP|national|batteries|100000|t|xlsx|
kyushu-tech-u|九州工学大学|university|JP-40|campus||12000|kg|csv|
toto-u|東都大学|university|JP-13|campus||30000|kg|xlsx|
kansai-env-u|関西環境大学|university|JP-26|none||0|t|csv|
hokkaido-shigen-u|北海道資源大学|university|JP-01|campus||8000|kg|csv|
chubu-gijutsu-u|中部技術大学|university|JP-23|none||0|t|csv|
ce-research|循環経済研究所|research_institute|JP-13|national|plastics|9000000|t|parquet|
shigen-tech-center|資源循環技術センター|research_institute|JP-08|national|metals.aluminium|2000000|t|csv|
env-systems-org|環境システム研究機構|research_institute|JP-14|none||0|t|csv|
hokuriku-shigen-lab|北陸資源研究所|research_institute|JP-17|none||0|t|csv|
reuse-japan|日本リユース推進機構|related_org|JP-13|reuse|textiles.clothing electronics.appliances|15000|t|csv|
junkan-network|循環型社会推進ネットワーク|related_org|JP-27|none||0|t|csv|
chiiki-shigen-center|地域資源循環センター|related_org|JP-40|none||0|t|csv|
midori-no-wa|NPO法人みどりの輪|related_org|JP-33|reuse|textiles.clothing|300|kg|csv|
"""


def _parse_members(table: str) -> tuple[_Member, ...]:
    members = []
    for line in table.strip().splitlines():
        member_id, name, kind, region, role, materials, scale, unit, file_format, named = (
            cell.strip() for cell in line.split("|")
        )
        known = (
            kind in v.MEMBER_KIND_CODES
            and role in get_args(Role)
            and file_format in get_args(FileFormat)
            and set(materials.split()) <= set(v.MATERIAL_CODES)
        )
        if not known:
            msg = f"demo member line has an unknown kind, role, file format or material: {line!r}"
            raise ValueError(msg)
        members.append(
            _Member(
                member_id,
                name,
                kind,
                region,
                cast(Role, role),
                tuple(materials.split()),
                float(scale),
                unit,
                cast(FileFormat, file_format),
                named_processes=named == "yes",
            )
        )
    return tuple(members)


_MEMBERS = _parse_members(_MEMBER_TABLE)

# The deliberately bad files, one member each.
CP932_MEMBER = "city-minamata"
UNKNOWN_MATERIAL_MEMBER = "naniwa-shigen"
NEGATIVE_MEMBER = "setouchi-aluminium"
MISSING_UNIT_MEMBER = "city-matsuyama"
UNKNOWN_TARGET_MEMBER = "city-kyoto"
N_NEGATIVE = 3

# --- synthetic flows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Flow:
    material: str
    source_stage: str
    target_stage: str
    quantity_t: float


def _split(total: float, shares: Sequence[float]) -> list[float]:
    """Parts of `total` for each share plus the remainder, to the kilogram, adding up to `total`."""
    parts = [round(total * share, 3) for share in shares]
    return [*parts, max(round(total - sum(parts), 3), 0.0)]


def _out(material: str, stage: str, targets: Sequence[str], total: float, shares: Sequence[float] = ()) -> list[_Flow]:
    """Flows leaving one stage whose quantities add up to what entered it."""
    parts = _split(total, shares)
    return [_Flow(material, stage, target, part) for target, part in zip(targets, parts, strict=True)]


# Household waste per person and year in kg, and its end-of-life route: (circular stage, its share,
# energy-recovery share); the rest is landfilled. Rough Japanese orders of magnitude.
_PER_PERSON_KG: dict[str, float] = {
    "mixed.municipal": 210.0,
    "paper.cardboard": 14.0,
    "paper.newspaper": 11.0,
    "paper.mixed": 9.0,
    "plastics.packaging": 13.0,
    "plastics.pet": 5.0,
    "glass.container": 9.0,
    "metals.aluminium": 1.8,
    "metals.ferrous": 2.5,
    "textiles.clothing": 3.0,
    "biomass.food": 25.0,
    "biomass.garden": 12.0,
}
_CAMPUS_PER_PERSON_KG: dict[str, float] = {
    "paper.mixed": 12.0,
    "plastics.pet": 2.5,
    "biomass.food": 6.0,
    "mixed.municipal": 18.0,
}
_END_OF_LIFE: dict[str, tuple[str, float, float]] = {
    "mixed.municipal": ("recycling", 0.03, 0.87),
    "paper.cardboard": ("recycling", 0.93, 0.05),
    "paper.newspaper": ("recycling", 0.95, 0.03),
    "paper.mixed": ("recycling", 0.80, 0.17),
    "plastics": ("recycling", 0.25, 0.62),
    "plastics.packaging": ("recycling", 0.55, 0.40),
    "plastics.pet": ("recycling", 0.86, 0.10),
    "glass.container": ("recycling", 0.85, 0.0),
    "metals.aluminium": ("recycling", 0.90, 0.0),
    "metals.ferrous": ("recycling", 0.90, 0.0),
    "textiles.clothing": ("recycling", 0.35, 0.55),
    "biomass.food": ("composting", 0.55, 0.40),
    "biomass.garden": ("composting", 0.70, 0.27),
}
_DEFAULT_END_OF_LIFE = ("recycling", 0.6, 0.2)
# Share of recycled input in production, and of imports in the virgin rest, by material group.
_RECYCLED_INPUT = {"paper": 0.65, "metals": 0.35, "plastics": 0.06, "construction": 0.25, "glass": 0.6}
_IMPORTED_VIRGIN = {"paper": 0.3, "metals": 1.0, "plastics": 1.0, "construction": 0.0, "glass": 0.2}


def _group(material: str) -> str:
    return material.split(".", 1)[0]


def _end_of_life(material: str, generated: float, rng: random.Random, improvement: float) -> list[_Flow]:
    """Use → collection → sorting → circular use, energy recovery, landfill: how municipalities report."""
    circular, circular_share, energy_share = _END_OF_LIFE.get(material, _DEFAULT_END_OF_LIFE)
    circular_share = min(circular_share * rng.uniform(0.9, 1.05) + improvement, 0.97 - energy_share)
    energy_share = energy_share * rng.uniform(0.9, 1.0)
    generated = round(generated, 3)
    return [
        _Flow(material, "use", "collection", generated),
        _Flow(material, "collection", "sorting", generated),
        *_out(
            material, "sorting", (circular, "energy_recovery", "landfill"), generated, (circular_share, energy_share)
        ),
    ]


def _recycler(material: str, received: float, rng: random.Random, improvement: float) -> list[_Flow]:
    """A recycling company: what it receives is sorted, recycled (or composted) and sold back to production."""
    circular = "composting" if material in {"biomass.food", "biomass.garden"} else "recycling"
    received = round(received, 3)
    flows = [_Flow(material, "collection", "sorting", received)]
    shares = (rng.uniform(0.84, 0.9) + improvement, rng.uniform(0.03, 0.06))
    flows += _out(material, "sorting", (circular, "energy_recovery", "landfill"), received, shares)
    if circular == "recycling":
        flows += _out(
            material, "recycling", ("production", "treatment"), flows[1].quantity_t, (rng.uniform(0.95, 0.98),)
        )
    return flows


def _producer(material: str, produced: float, rng: random.Random, improvement: float) -> list[_Flow]:
    """A material producer: recycled, imported and extracted inputs; products, exports and losses."""
    group = _group(material)
    produced = round(produced, 3)
    recycled = round(produced * (_RECYCLED_INPUT.get(group, 0.1) * rng.uniform(0.9, 1.1) + improvement), 3)
    imported, extracted = _split(produced - recycled, (_IMPORTED_VIRGIN.get(group, 0.5),))
    inputs = (("recycling", recycled), ("import", imported), ("extraction", extracted))
    flows = [_Flow(material, stage, "production", quantity) for stage, quantity in inputs if quantity > 0]
    shares = (rng.uniform(0.88, 0.93), rng.uniform(0.03, 0.05))
    return flows + _out(material, "production", ("manufacturing", "export", "dissipation"), produced, shares)


def _manufacturer(material: str, received: float, rng: random.Random, improvement: float) -> list[_Flow]:
    """A manufacturer: materials in, products to use, process scrap to recycling, exports."""
    received = round(received, 3)
    shares = (rng.uniform(0.88, 0.93), rng.uniform(0.02, 0.04) + improvement / 2)
    return [
        _Flow(material, "production", "manufacturing", received),
        *_out(material, "manufacturing", ("use", "recycling", "export"), received, shares),
    ]


def _national(material: str, used: float, rng: random.Random, improvement: float) -> list[_Flow]:
    """The whole chain of one material in Japan, as associations and institutes estimate it."""
    used = round(used, 3)
    manufactured = used / rng.uniform(0.9, 0.95)
    production_share = rng.uniform(0.9, 0.94)
    produced = round(manufactured / production_share, 3)
    production = _out(
        material, "production", ("manufacturing", "export", "dissipation"), produced, (production_share, 0.04)
    )
    manufacturing = _out(
        material, "manufacturing", ("use", "export"), production[0].quantity_t, (used / production[0].quantity_t,)
    )
    use = _out(material, "use", ("collection", "stock"), manufacturing[0].quantity_t, (rng.uniform(0.55, 0.8),))
    collected = use[0].quantity_t
    _, circular_share, energy_share = _END_OF_LIFE.get(material, _DEFAULT_END_OF_LIFE)
    sorting = _out(
        material,
        "sorting",
        ("recycling", "energy_recovery", "landfill"),
        collected,
        (circular_share + improvement, energy_share),
    )
    back = _out(material, "recycling", ("production", "treatment"), sorting[0].quantity_t, (rng.uniform(0.94, 0.97),))
    imported, extracted = _split(produced - back[0].quantity_t, (_IMPORTED_VIRGIN.get(_group(material), 0.5),))
    inputs = [
        _Flow(material, stage, "production", quantity)
        for stage, quantity in (("import", imported), ("extraction", extracted))
        if quantity > 0
    ]
    collection = _Flow(material, "collection", "sorting", collected)
    return [*inputs, *production, *manufacturing, *use, collection, *sorting, *back]


def _reuse(material: str, collected: float, rng: random.Random, improvement: float) -> list[_Flow]:
    """A reuse organisation: collected goods reused, the rest sorted for recycling or energy recovery."""
    collected = round(collected, 3)
    flows = [_Flow(material, "use", "collection", collected)]
    flows += _out(material, "collection", ("reuse", "sorting"), collected, (rng.uniform(0.3, 0.45) + improvement,))
    return flows + _out(
        material, "sorting", ("recycling", "energy_recovery"), flows[-1].quantity_t, (rng.uniform(0.5, 0.7),)
    )


_Template = Callable[[str, float, random.Random, float], list[_Flow]]
_TEMPLATES: dict[Role, _Template] = {
    "municipality": _end_of_life,
    "campus": _end_of_life,
    "recycler": _recycler,
    "producer": _producer,
    "manufacturer": _manufacturer,
    "national": _national,
    "reuse": _reuse,
}


def _plan(member: _Member, seed: int) -> dict[str, float]:
    """Each material a member reports, with its yearly tonnage in the first fiscal year."""
    rng = random.Random(f"{seed}:{member.member_id}:plan")
    if member.role == "municipality":
        optional = [material for material in _PER_PERSON_KG if material != "mixed.municipal"]
        chosen = ["mixed.municipal", *sorted(rng.sample(optional, rng.randint(4, 8)))]
        return {
            material: member.scale * _PER_PERSON_KG[material] / 1000 * rng.uniform(0.85, 1.15) for material in chosen
        }
    if member.role == "campus":
        return {
            material: member.scale * per_person / 1000 * rng.uniform(0.8, 1.2)
            for material, per_person in _CAMPUS_PER_PERSON_KG.items()
        }
    share = member.scale / len(member.materials)
    return {material: share * rng.uniform(0.7, 1.3) for material in member.materials}


def _year_flows(member: _Member, seed: int, year_index: int) -> list[_Flow]:
    """A member's flows in one fiscal year: same shares every year, a little growth and improvement."""
    template = _TEMPLATES[member.role]
    flows: list[_Flow] = []
    for material, first_year in _plan(member, seed).items():
        trend = random.Random(f"{seed}:{member.member_id}:{material}:trend")
        growth, improvement = 1.0, 0.0
        for _ in range(year_index):
            growth *= trend.uniform(0.96, 1.02)
            improvement += trend.uniform(0.0, 0.02)
        shares = random.Random(f"{seed}:{member.member_id}:{material}:shares")
        flows += template(material, first_year * growth, shares, improvement)
    return flows


# --- spelling: periods, units, digits -------------------------------------------------------------

PeriodStyle = Literal["fy", "nendo", "reiwa"]
_REIWA_FIRST_YEAR = 2019
_FULL_WIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")
_PROCESS_NAMES_JA: dict[str, str] = {
    "use": "家庭・事業所",
    "collection": "分別収集",
    "sorting": "資源化センター",
    "recycling": "再商品化事業者",
    "composting": "堆肥化施設",
    "energy_recovery": "清掃工場（発電）",
    "landfill": "最終処分場",
}


def _period_text(year: int, style: PeriodStyle) -> str:
    if style == "fy":
        return f"FY{year}"
    if style == "nendo":
        return f"{year}年度"
    return f"令和{year - _REIWA_FIRST_YEAR + 1}年度"


def _quantity_text(quantity_t: float, unit: str) -> str:
    """A tonnage written in the member's unit, without trailing zeros."""
    factor = v.UNIT_TO_TONNES[v.UNIT_SPELLINGS[unit]]
    decimals = max(0, 3 + round(math.log10(factor)))
    text = f"{quantity_t / factor:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- writing files --------------------------------------------------------------------------------

_EXTENSIONS: dict[FileFormat, str] = {
    "csv": "csv",
    "csv_bom": "csv",
    "xlsx": "xlsx",
    "parquet": "parquet",
    "jsonl": "jsonl",
}


def _typed(frame: pl.DataFrame, dataset: str) -> pl.DataFrame:
    """Numeric columns as numbers, as a spreadsheet, Parquet or JSON file would hold them."""
    schema = CONTRACTS[dataset].schema
    return frame.with_columns(pl.col(name).cast(schema[name]) for name in frame.columns if schema[name].is_numeric())


def _xlsx_bytes(frame: pl.DataFrame) -> bytes:
    """An XLSX workbook of one sheet with fixed time stamps, so that its bytes depend on the data only."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    workbook.properties.creator = "junkan demo"
    workbook.properties.created = _XLSX_TIME
    workbook.properties.modified = _XLSX_TIME
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    # zipfile stamps each entry with the current time; rewrite the entries with a fixed one.
    fixed = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_XLSX_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()


def _write(frame: pl.DataFrame, path: Path, dataset: str, file_format: FileFormat) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if file_format == "csv":
        frame.write_csv(path)
    elif file_format == "csv_bom":
        frame.write_csv(path, include_bom=True)
    elif file_format == "xlsx":
        path.write_bytes(_xlsx_bytes(_typed(frame, dataset)))
    elif file_format == "parquet":
        _typed(frame, dataset).write_parquet(path)
    else:
        _typed(frame, dataset).write_ndjson(path)


def _submission(directory: Path, member_id: str, dataset: str, file_name: str) -> Path:
    """Where a member's file goes: the inbox layout `<member_id>/<dataset>/<file>`."""
    return directory / member_id / dataset / file_name


# --- flows files ----------------------------------------------------------------------------------


def _flows_frame(member: _Member, seed: int, rng: random.Random, *, style: PeriodStyle, unit: str) -> pl.DataFrame:
    """Both fiscal years of a member's flows as the text a member writes."""
    quality = "estimated" if member.role == "national" else rng.choice(v.QUALITY_CODES)
    # National estimates are for Japan; others sometimes leave region empty (their registered one).
    region = "JP" if member.role == "national" else member.region if rng.random() < 0.6 else None
    rows: list[dict[str, str | None]] = []
    for year_index, year in enumerate(FISCAL_YEARS):
        for flow in _year_flows(member, seed, year_index):
            names = (
                (_PROCESS_NAMES_JA[flow.source_stage], _PROCESS_NAMES_JA[flow.target_stage])
                if member.named_processes
                else (None, None)
            )
            rows.append(
                {
                    "member_id": member.member_id,
                    "period": _period_text(year, style),
                    "material": flow.material,
                    "source_stage": flow.source_stage,
                    "target_stage": flow.target_stage,
                    "source": names[0],
                    "target": names[1],
                    "quantity": _quantity_text(flow.quantity_t, unit),
                    "unit": unit,
                    "region": region,
                    "quality": quality,
                    "note": None,
                }
            )
    return pl.DataFrame(rows, schema=FLOWS.read_schema)


def _write_member_flows(directory: Path, member: _Member, seed: int) -> DemoFile:
    """A member's flows file; the members chosen to carry a deliberate fault get it here."""
    rng = random.Random(f"{seed}:{member.member_id}:flows")
    style: PeriodStyle = rng.choice(("fy", "nendo", "reiwa"))
    unit = member.unit
    file_format = member.file_format
    if member.member_id == CP932_MEMBER:
        style, unit = "nendo", "トン"
    frame = _flows_frame(member, seed, rng, style=style, unit=unit)
    details = [f"period {frame['period'][-1]}", f"unit {unit}", file_format.replace("csv_bom", "csv with BOM")]
    expectation = f"valid ({', '.join(details)})"
    name = f"{member.member_id}-flows-fy{FISCAL_YEARS[0]}-fy{FISCAL_YEARS[-1]}.{_EXTENSIONS[file_format]}"
    path = _submission(directory, member.member_id, FLOWS.name, name)
    if member.member_id == CP932_MEMBER:
        full_width = frame.with_columns(
            pl.Series(column, [text.translate(_FULL_WIDTH) for text in frame[column]], dtype=pl.String())
            for column in ("quantity", "period")
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(full_width.write_csv().encode("cp932"))
        return DemoFile(
            member.member_id,
            FLOWS.name,
            path,
            "valid after normalisation (Shift_JIS/CP932, full-width digits, unit トン)",
        )
    if member.member_id == UNKNOWN_MATERIAL_MEMBER:
        last = frame.tail(1)
        odd = pl.concat([last, last]).with_columns(
            material=pl.lit(UNKNOWN_MATERIAL),
            source_stage=pl.Series(["collection", "sorting"]),
            target_stage=pl.Series(["sorting", "recycling"]),
            quantity=pl.Series(["120", "110.5"]),
        )
        frame = pl.concat([frame, odd])
        expectation = f"partially valid: 2 rows with unknown material group {UNKNOWN_MATERIAL}"
    elif member.member_id == NEGATIVE_MEMBER:
        chosen = sorted(rng.sample([index for index, text in enumerate(frame["quantity"]) if text != "0"], N_NEGATIVE))
        negative = pl.int_range(pl.len()).is_in(chosen)
        frame = frame.with_columns(
            quantity=pl.when(negative).then(pl.lit("-") + pl.col("quantity")).otherwise(pl.col("quantity"))
        )
        expectation = f"partially valid: {N_NEGATIVE} negative quantities"
    elif member.member_id == MISSING_UNIT_MEMBER:
        frame = frame.drop("unit")
        expectation = "rejected: missing column unit"
    _write(frame, path, FLOWS.name, file_format)
    return DemoFile(member.member_id, FLOWS.name, path, expectation)


# --- targets and progress -------------------------------------------------------------------------

_DECREASING_TONNES = frozenset({"natural_resource_input", "waste_generated", "final_disposal"})
_INCREASING_TONNES = frozenset({"cyclical_use", "recovered", "energy_recovery"})
_INDICATORS_BY_KIND: dict[str, tuple[str, ...]] = {
    "municipality": ("final_disposal", "waste_generated", "recovery_rate", "final_disposal_rate", "custom"),
    "company": ("input_cyclical_use_rate", "cyclical_use", "final_disposal_rate", "natural_resource_input", "custom"),
    "industry_association": ("input_cyclical_use_rate", "output_cyclical_use_rate", "cyclical_use", "recovered"),
    "university": ("waste_generated", "recovery_rate", "final_disposal"),
    "research_institute": ("output_cyclical_use_rate", "input_cyclical_use_rate", "energy_recovery"),
    "related_org": ("recovered", "recovery_rate", "custom"),
}
_TARGET_YEARS = (2025, 2027, 2030, 2035)
_PROGRESS_YEARS = (2023, 2024)


@dataclass(frozen=True)
class _Target:
    target_id: str
    indicator: str
    material: str | None
    baseline_year: int
    baseline_value: float
    target_year: int
    target_value: float
    unit: str
    description: str


def _target(member: _Member, target_id: str, indicator: str, rng: random.Random) -> _Target:
    """One plausible target: values, unit and a Japanese description that agree with each other."""
    by, ty = rng.randint(2013, 2022), rng.choice(_TARGET_YEARS)
    label = v.labels(v.INDICATORS)[indicator].label_ja if indicator != v.CUSTOM_INDICATOR else ""
    if indicator in _DECREASING_TONNES | _INCREASING_TONNES:
        baseline = round(rng.uniform(2_000, 400_000), -1)
        percent = rng.choice((10, 15, 20, 25, 30, 40, 50))
        down = indicator in _DECREASING_TONNES
        goal = round(baseline * (1 - percent / 100 if down else 1 + percent / 100), 1)
        text, unit = f"{ty}年度までに{label}を{by}年度比で{percent}%{'削減する' if down else '増やす'}", "t"
    elif indicator in {"input_cyclical_use_rate", "output_cyclical_use_rate"}:
        baseline = round(rng.uniform(0.05, 0.4), 2)
        goal = round(baseline + rng.uniform(0.05, 0.2), 2)
        text, unit = f"{ty}年度までに{label}を{goal}に高める", "ratio"
    elif indicator == "recovery_rate":
        baseline = round(rng.uniform(15, 45), 1)
        goal = round(baseline + rng.uniform(5, 20), 1)
        text, unit = f"{ty}年度までに{label}を{goal}%に高める", "%"
    elif indicator == "final_disposal_rate":
        baseline = round(rng.uniform(5, 15), 1)
        goal = round(max(baseline - rng.uniform(2, 5), 1.0), 1)
        text, unit = f"{ty}年度までに{label}を{goal}%以下にする", "%"
    elif member.kind == "municipality":
        baseline = float(rng.randint(800, 1000))
        goal = baseline - rng.randint(50, 150)
        text, unit = f"{ty}年度までに1人1日当たりのごみ排出量を{goal:.0f}g以下にする", "g/人日"
    else:
        baseline = round(rng.uniform(5, 20), 1)
        goal = round(baseline + rng.uniform(10, 30), 1)
        text, unit = f"{ty}年度までに製品の再生材使用率を{goal}%にする", "%"
    material = rng.choice(member.materials) if member.materials and unit != "g/人日" and rng.random() < 0.5 else None
    if material is not None:
        text += f"（対象: {v.labels(v.MATERIAL_GROUPS + v.MATERIAL_LEAVES)[material].label_ja}）"
    return _Target(target_id, indicator, material, by, baseline, ty, goal, unit, text)


def _member_targets(member: _Member, seed: int) -> list[_Target]:
    """The targets of a member; a few members have not set any yet."""
    rng = random.Random(f"{seed}:{member.member_id}:targets")
    if member.member_id != UNKNOWN_TARGET_MEMBER and rng.random() < 0.12:
        return []
    indicators = rng.sample(_INDICATORS_BY_KIND[member.kind], rng.randint(1, 3))
    numbered = rng.random() < 0.7
    return [
        _target(member, f"T{index}" if numbered else f"CE-{index:02d}", indicator, rng)
        for index, indicator in enumerate(indicators, start=1)
    ]


def _value_text(value: float, unit: str) -> str:
    decimals = {"ratio": 3, "%": 1, "g/人日": 0}.get(unit, 1)
    return f"{value:.{decimals}f}"


# The member whose target changes: a second targets file, a year and a half later, raises T1's target value.
TARGET_CHANGE_MEMBER = UNKNOWN_TARGET_MEMBER
TARGET_CHANGED_ON = date(2025, 10, 1)


@dataclass(frozen=True)
class _Publication:
    """Whether a member published its targets and actions, how often it follows them up, when its targets arrived."""

    published: bool
    actions: bool
    follow_up_months: int | None
    received_on: date


def _publication(member: _Member, seed: int, joined_on: date) -> _Publication:
    """Drawn from a stream of its own, so the year's flows and targets stay as they were."""
    rng = random.Random(f"{seed}:{member.member_id}:publication")
    months = rng.choice((12, 24, 36)) if member.kind == "municipality" else None
    arrived = joined_on + timedelta(days=rng.randint(60, 420))  # now and then after the year allowed
    if member.member_id == TARGET_CHANGE_MEMBER:  # its first version comes well before the change
        arrived = min(arrived, TARGET_CHANGED_ON - timedelta(days=120))
    return _Publication(rng.random() > 0.1, rng.random() > 0.25, months, min(arrived, FOLLOW_UP_AS_OF))


def _target_rows(member: _Member, targets: Sequence[_Target], publication: _Publication) -> list[dict[str, str | None]]:
    base = f"https://www.example.jp/{member.member_id}/circular-economy"
    return [
        {
            "member_id": member.member_id,
            "target_id": target.target_id,
            "indicator": target.indicator,
            "material": target.material,
            "baseline_year": str(target.baseline_year),
            "baseline_value": _value_text(target.baseline_value, target.unit),
            "target_year": str(target.target_year),
            "target_value": _value_text(target.target_value, target.unit),
            "unit": target.unit,
            "published_url": f"{base}/targets" if publication.published else None,
            "actions_url": f"{base}/actions" if publication.actions else None,
            "follow_up_months": None if publication.follow_up_months is None else str(publication.follow_up_months),
            "description": target.description,
        }
        for target in targets
    ]


def _write_targets(
    directory: Path, member: _Member, targets: Sequence[_Target], publication: _Publication, *, file_format: FileFormat
) -> list[DemoFile]:
    rows = _target_rows(member, targets, publication)
    path = _submission(
        directory, member.member_id, TARGETS.name, f"{member.member_id}-targets.{_EXTENSIONS[file_format]}"
    )
    _write(pl.DataFrame(rows, schema=TARGETS.read_schema), path, TARGETS.name, file_format)
    expectation = f"valid ({len(rows)} target{'s' if len(rows) > 1 else ''})"
    files = [DemoFile(member.member_id, TARGETS.name, path, expectation, received_on=publication.received_on)]
    if member.member_id == TARGET_CHANGE_MEMBER:
        first = targets[0]
        raised = dataclasses.replace(first, target_value=first.target_value * 1.2)
        changed = _target_rows(member, [raised], publication)
        path = _submission(directory, member.member_id, TARGETS.name, f"{member.member_id}-targets-v2.csv")
        _write(pl.DataFrame(changed, schema=TARGETS.read_schema), path, TARGETS.name, "csv")
        expectation = f"valid: a new version of {first.target_id} from {TARGET_CHANGED_ON} (the target value raised)"
        files.append(DemoFile(member.member_id, TARGETS.name, path, expectation, received_on=TARGET_CHANGED_ON))
    return files


def _progress_received_on(member: _Member, seed: int, targets_on: date) -> date:
    """The day the progress file arrived: mostly June 2025, now and then February (overdue by 31 March 2026).

    Never before the member's targets.
    """
    rng = random.Random(f"{seed}:{member.member_id}:progress-day")
    day = date(2025, 2, 14) if rng.random() < 0.25 else date(2025, 6, 20)
    return max(day, targets_on + timedelta(days=30))


def _write_progress(directory: Path, member: _Member, targets: Sequence[_Target], seed: int) -> DemoFile:
    """Values reached in 2023 and 2024, on the way from each baseline to its target."""
    rng = random.Random(f"{seed}:{member.member_id}:progress")
    rows: list[dict[str, str | None]] = []
    for target in targets:
        for year in _PROGRESS_YEARS:
            done = min((year - target.baseline_year) / (target.target_year - target.baseline_year), 1.0)
            value = target.baseline_value + (target.target_value - target.baseline_value) * done * rng.uniform(0.5, 1.1)
            note = "速報値" if year == _PROGRESS_YEARS[-1] and rng.random() < 0.3 else None
            rows.append(
                {
                    "member_id": member.member_id,
                    "target_id": target.target_id,
                    "year": str(year),
                    "value": _value_text(value, target.unit),
                    "note": note,
                }
            )
    expectation = "valid"
    if member.member_id == UNKNOWN_TARGET_MEMBER:
        rows.append(
            {
                "member_id": member.member_id,
                "target_id": UNKNOWN_TARGET_ID,
                "year": str(_PROGRESS_YEARS[-1]),
                "value": "42.0",
                "note": "未登録の目標",
            }
        )
        expectation = f"partially valid: 1 row with unknown target_id {UNKNOWN_TARGET_ID}"
    name = f"{member.member_id}-progress-{_PROGRESS_YEARS[0]}-{_PROGRESS_YEARS[-1]}.csv"
    path = _submission(directory, member.member_id, PROGRESS.name, name)
    _write(pl.DataFrame(rows, schema=PROGRESS.read_schema), path, PROGRESS.name, "csv")
    return DemoFile(member.member_id, PROGRESS.name, path, expectation)


def _write_steel(directory: Path) -> DemoFile:
    frame = steel_flows_frame(real_file(STEEL_FILE))
    path = _submission(directory, STEEL_MEMBER, FLOWS.name, "japan-steel-2019.csv")
    _write(frame, path, FLOWS.name, "csv_bom")
    expectation = "valid (real data, Watari et al. 2025)"
    return DemoFile(STEEL_MEMBER, FLOWS.name, path, expectation)


def _write_scotland(directory: Path) -> tuple[pl.DataFrame, list[DemoFile]]:
    path = real_file(SCOTLAND_FILE)
    members = scotland_members_frame(path)
    flows = scotland_flows_frame(path)
    files: list[DemoFile] = []
    for (member_id,), frame in flows.group_by("member_id", maintain_order=True):
        member = str(member_id)
        years = sorted(frame["period"].unique())
        first, last = years[0], years[-1]
        target = _submission(directory, member, FLOWS.name, f"{member}-household-waste-{first}-{last}.csv")
        _write(frame, target, FLOWS.name, "csv")
        files.append(DemoFile(member, FLOWS.name, target, "valid (real data, SEPA household waste)"))
    return members, files


# --- the demo -------------------------------------------------------------------------------------


def _joined_on(member: _Member, seed: int) -> str:
    rng = random.Random(f"{seed}:{member.member_id}:joined")
    first, last = date(2022, 1, 1), date(2024, 12, 31)
    return (first + timedelta(days=rng.randint(0, (last - first).days))).isoformat()


def generate_demo(directory: Path, *, seed: int = 2024, include_scotland: bool = False) -> DemoManifest:
    """Write a synthetic partnership year (plus the real steel flows, and Scotland if asked) into `directory`.

    Files go to `<directory>/<member_id>/<dataset>/<file>`; the manifest lists targets first, then flows,
    then progress, the order in which a member's progress can refer to its targets, then projects, their
    disclosures and municipal plans (`infra.demo_data.kinds`).
    """
    directory.mkdir(parents=True, exist_ok=True)
    targets_files: list[DemoFile] = []
    flows_files: list[DemoFile] = []
    progress_files: list[DemoFile] = []
    member_rows: list[dict[str, str]] = []
    for member in _MEMBERS:
        member_rows.append(
            {
                "member_id": member.member_id,
                "name": member.name,
                "kind": member.kind,
                "region": member.region,
                "joined_on": _joined_on(member, seed),
            }
        )
        targets = _member_targets(member, seed)
        if targets:
            targets_format: FileFormat = "xlsx" if member.file_format == "xlsx" else "csv"
            publication = _publication(member, seed, date.fromisoformat(member_rows[-1]["joined_on"]))
            targets_files += _write_targets(directory, member, targets, publication, file_format=targets_format)
            progress = _write_progress(directory, member, targets, seed)
            progress_on = _progress_received_on(member, seed, publication.received_on)
            progress_files.append(dataclasses.replace(progress, received_on=progress_on))
        if member.role == "steel":
            flows_files.append(_write_steel(directory))
        elif member.role != "none":
            flows_files.append(_write_member_flows(directory, member, seed))
    members = pl.DataFrame(member_rows, schema=MEMBERS.read_schema)
    if include_scotland:
        scotland_members, scotland_files = _write_scotland(directory)
        members = pl.concat([members, scotland_members])
        flows_files += scotland_files
    kinds_files = [DemoFile(*one) for one in (*project_files(directory), *plan_files(directory))]
    return DemoManifest(members=members, submissions=(*targets_files, *flows_files, *progress_files, *kinds_files))

"""The demo's members: one line each (kind, region, archetype, materials, scale, unit, file format).

Municipalities are real places with rounded populations; every company, association, university, institute
and organisation is fictional, except the steel federation whose real data is used.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, cast, get_args

from infra.demo_data.files import FileFormat
from schemas import vocabulary as v

Role = Literal["municipality", "recycler", "producer", "manufacturer", "national", "campus", "reuse", "steel", "none"]


@dataclass(frozen=True)
class DemoMember:
    """One demo member and how it writes its flows."""

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
city-asahikawa|旭川市|municipality|JP-01|municipality||330000|t|csv|
city-hakodate|函館市|municipality|JP-01|municipality||250000|t|csv|
city-morioka|盛岡市|municipality|JP-03|municipality||280000|t|csv|
city-akita|秋田市|municipality|JP-05|municipality||300000|t|csv|
city-okayama|岡山市|municipality|JP-33|municipality||720000|t|csv|
city-matsue|松江市|municipality|JP-32|municipality||200000|t|csv|
city-takamatsu|高松市|municipality|JP-37|municipality||420000|t|csv|
city-kochi|高知市|municipality|JP-39|municipality||320000|t|csv|
city-shizuoka|静岡市|municipality|JP-22|municipality||680000|t|csv|
city-niigata|新潟市|municipality|JP-15|municipality||780000|t|csv|
city-kagoshima|鹿児島市|municipality|JP-46|municipality||590000|t|csv|
city-nara|奈良市|municipality|JP-29|municipality||350000|t|csv|
city-saitama|さいたま市|municipality|JP-11|municipality||1340000|t|csv|
city-chiba|千葉市|municipality|JP-12|municipality||980000|t|csv|
city-sagamihara|相模原市|municipality|JP-14|municipality||720000|t|csv|
city-kushiro|釧路市|municipality|JP-01|municipality||160000|t|csv|
city-obihiro|帯広市|municipality|JP-01|municipality||160000|t|csv|
city-tomakomai|苫小牧市|municipality|JP-01|municipality||170000|t|csv|
city-aomori|青森市|municipality|JP-02|municipality||270000|t|csv|
city-koriyama|郡山市|municipality|JP-07|municipality||320000|t|csv|
city-yamagata|山形市|municipality|JP-06|municipality||240000|t|csv|
city-iwaki|いわき市|municipality|JP-07|municipality||310000|t|csv|
city-sakai|堺市|municipality|JP-27|municipality||820000|t|csv|
city-himeji|姫路市|municipality|JP-28|municipality||530000|t|csv|
city-wakayama|和歌山市|municipality|JP-30|municipality||360000|t|csv|
city-otsu|大津市|municipality|JP-25|municipality||340000|t|csv|
city-kurashiki|倉敷市|municipality|JP-33|municipality||470000|t|csv|
city-fukuyama|福山市|municipality|JP-34|municipality||460000|t|csv|
city-shimonoseki|下関市|municipality|JP-35|municipality||250000|t|csv|
city-tottori|鳥取市|municipality|JP-31|municipality||180000|t|csv|
city-tokushima|徳島市|municipality|JP-36|municipality||250000|t|csv|
city-imabari|今治市|municipality|JP-38|municipality||150000|t|csv|
city-niihama|新居浜市|municipality|JP-38|municipality||115000|t|csv|
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
kita-seishi|北製紙株式会社|company|JP-01|producer|paper|350000|t|csv|
shikoku-seishi|四国製紙株式会社|company|JP-38|producer|paper|300000|t|csv|
mirai-jushi|みらい樹脂株式会社|company|JP-28|producer|plastics.pe plastics.pp|250000|t|csv|
kaigan-polymer|海岸ポリマー株式会社|company|JP-35|producer|plastics.pe plastics.pet|220000|t|csv|
seto-glass|瀬戸ガラス製造株式会社|company|JP-23|producer|glass.container|80000|t|csv|
tohoku-kinzoku|東北金属株式会社|company|JP-07|producer|metals.ferrous metals.aluminium|300000|t|csv|
kyushu-glass|九州ガラス工業株式会社|company|JP-40|producer|glass.container|70000|t|csv|
kyushu-mokuzai|九州木材循環株式会社|company|JP-43|recycler|biomass.wood|40000|t|csv|
chubu-mokuzai|中部ウッドリサイクル株式会社|company|JP-21|recycler|biomass.wood|42000|t|csv|
keiyo-kensetsu|京葉建設再生株式会社|company|JP-12|recycler|construction.concrete|450000|t|csv|
musashi-solvent|武蔵ソルベント再生株式会社|company|JP-11|recycler|chemicals.solvents|4500|t|csv|
sagami-chemical-cycle|相模ケミカルサイクル株式会社|company|JP-14|recycler|chemicals.solvents|5500|t|csv|
gifu-tire-recycle|岐阜タイヤリサイクル株式会社|company|JP-21|recycler|rubber.tyres|60000|t|csv|
tokai-rubber-cycle|東海ゴム循環株式会社|company|JP-22|recycler|rubber.tyres|55000|t|csv|
mikawa-tire|三河タイヤ再生株式会社|company|JP-23|recycler|rubber.tyres|58000|t|csv|
hakata-battery|博多バッテリー再生株式会社|company|JP-40|recycler|batteries.lithium_ion batteries.lead_acid|5500|t|csv|
saitama-e-cycle|さいたまイーサイクル株式会社|company|JP-11|recycler|electronics.ict electronics.appliances|3500|t|csv|
aoba-beverage|あおば飲料株式会社|company|JP-04|manufacturer|plastics.pet glass.container metals.aluminium|60000|t|csv|
midori-foods|みどり食品株式会社|company|JP-01|manufacturer|plastics.packaging paper.cardboard|20000|t|csv|
yamato-denki|やまと電機株式会社|company|JP-27|manufacturer|electronics.appliances metals.copper|50000|t|jsonl|
tsubasa-motors|つばさ自動車株式会社|company|JP-23|manufacturer|metals.ferrous plastics.pp|200000|t|xlsx|
hokuriku-textile|北陸テキスタイル株式会社|company|JP-18|manufacturer|textiles.clothing|8000|t|csv|
ryukyu-glass|琉球ガラス工房株式会社|company|JP-47|manufacturer|glass|2000|t|csv|
kyushu-battery|九州電池リサイクル株式会社|company|JP-41|recycler|batteries.lithium_ion batteries.lead_acid|6000|t|csv|
tohoku-mokuzai|東北木材リサイクル株式会社|company|JP-05|recycler|biomass.wood|45000|t|csv|
shonan-food-cycle|株式会社湘南フードサイクル|company|JP-14|recycler|biomass.food|12000|t|csv|
daichi-kensetsu|大地建設株式会社|company|JP-13|recycler|construction.concrete construction.asphalt|500000|t|csv|
keiyo-solvent|京葉ソルベント株式会社|company|JP-12|recycler|chemicals.solvents|5000|t|csv|
nippon-e-waste|日本イーウェイスト株式会社|company|JP-09|recycler|electronics.ict metals.precious|3000|t|csv|
jisf|日本鉄鋼連盟|industry_association|JP|steel||0|kt|csv_bom|
jp-paper-cycle|全国古紙循環協会|industry_association|JP|national|paper|300000|千トン|csv|
jp-pet-council|PETボトル循環推進協議会|industry_association|JP|national|plastics.pet|60000|t|csv|
jp-glass-bottle|ガラスびん循環協会|industry_association|JP|national|glass.container|60000|千トン|csv|
jp-battery-assoc|電池資源循環協会|industry_association|JP|national|batteries|8000|t|xlsx|
kyushu-tech-u|九州工学大学|university|JP-40|campus||12000|kg|csv|
toto-u|東都大学|university|JP-13|campus||30000|kg|xlsx|
kansai-env-u|関西環境大学|university|JP-26|none||0|t|csv|
hokkaido-shigen-u|北海道資源大学|university|JP-01|campus||8000|kg|csv|
chubu-gijutsu-u|中部技術大学|university|JP-23|none||0|t|csv|
ce-research|循環経済研究所|research_institute|JP-13|national|plastics|200000|t|parquet|
shigen-tech-center|資源循環技術センター|research_institute|JP-08|national|metals.aluminium|100000|t|csv|
env-systems-org|環境システム研究機構|research_institute|JP-14|none||0|t|csv|
hokuriku-shigen-lab|北陸資源研究所|research_institute|JP-17|none||0|t|csv|
reuse-japan|日本リユース推進機構|related_org|JP-13|reuse|textiles.clothing electronics.appliances|15000|t|csv|
junkan-network|循環型社会推進ネットワーク|related_org|JP-27|none||0|t|csv|
chiiki-shigen-center|地域資源循環センター|related_org|JP-40|none||0|t|csv|
midori-no-wa|NPO法人みどりの輪|related_org|JP-33|reuse|textiles.clothing|300|kg|csv|
"""


def _parse_members(table: str) -> tuple[DemoMember, ...]:
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
            DemoMember(
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


DEMO_MEMBERS = _parse_members(_MEMBER_TABLE)

# The deliberately bad files, one member each.
CP932_MEMBER = "city-minamata"
UNKNOWN_MATERIAL_MEMBER = "naniwa-shigen"
NEGATIVE_MEMBER = "setouchi-aluminium"
MISSING_UNIT_MEMBER = "city-matsuyama"
UNKNOWN_TARGET_MEMBER = "city-kyoto"
N_NEGATIVE = 3


def joined_on(member: DemoMember, seed: int) -> str:
    """The day a member joined, between 2022 and 2024, as ISO text."""
    rng = random.Random(f"{seed}:{member.member_id}:joined")
    first, last = date(2022, 1, 1), date(2024, 12, 31)
    return (first + timedelta(days=rng.randint(0, (last - first).days))).isoformat()

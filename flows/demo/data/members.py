"""The demo's members: one line each (kind, region, archetype, materials, scale, unit, file format).

Municipalities are real places with rounded populations; every company, association, university, institute
and organisation is fictional, except the steel federation whose real data is used.

Over 400 lines because most of it is that list, a line per member (about 300): split, a member's line would be
looked for in two places.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, cast, get_args

from flows.demo.data.files import FileFormat
from schemas import vocabulary as v

# `product`: a member reporting flows by product and its declarations, from fixed tables (`flows.demo.data.products`).
Role = Literal[
    "municipality", "recycler", "producer", "manufacturer", "national", "campus", "reuse", "steel", "product", "none"
]


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
city-hachinohe|八戸市|municipality|JP-02|municipality||220000|t|csv|
city-hirosaki|弘前市|municipality|JP-02|municipality||160000|t|csv|
city-ichinoseki|一関市|municipality|JP-03|municipality||110000|t|csv|
city-oshu|奥州市|municipality|JP-03|municipality||110000|t|csv_bom|
city-hanamaki|花巻市|municipality|JP-03|municipality||93000|t|csv|
city-ishinomaki|石巻市|municipality|JP-04|municipality||140000|t|csv|
city-osaki|大崎市|municipality|JP-04|municipality||127000|t|csv|
city-natori|名取市|municipality|JP-04|municipality||79000|t|csv|
city-tagajo|多賀城市|municipality|JP-04|municipality||61000|kg|csv|
city-tomiya|富谷市|municipality|JP-04|municipality||52000|t|csv|
city-yokote|横手市|municipality|JP-05|municipality||86000|t|csv|
city-daisen|大仙市|municipality|JP-05|municipality||78000|t|csv|
city-yurihonjo|由利本荘市|municipality|JP-05|municipality||74000|t|csv|
city-noshiro|能代市|municipality|JP-05|municipality||50000|t|csv|
city-tsuruoka|鶴岡市|municipality|JP-06|municipality||122000|t|csv|
city-sakata|酒田市|municipality|JP-06|municipality||98000|t|xlsx|
city-yonezawa|米沢市|municipality|JP-06|municipality||78000|t|csv|
city-fukushima|福島市|municipality|JP-07|municipality||270000|t|csv|
city-mito|水戸市|municipality|JP-08|municipality||270000|t|csv|
city-tsukuba|つくば市|municipality|JP-08|municipality||250000|t|csv_bom|
city-hitachi|日立市|municipality|JP-08|municipality||170000|t|csv|
city-hitachinaka|ひたちなか市|municipality|JP-08|municipality||156000|t|csv|
city-utsunomiya|宇都宮市|municipality|JP-09|municipality||520000|t|csv|
city-oyama|小山市|municipality|JP-09|municipality||167000|t|csv|
city-tochigi|栃木市|municipality|JP-09|municipality||155000|t|csv|
city-ashikaga|足利市|municipality|JP-09|municipality||145000|t|csv|
city-nasushiobara|那須塩原市|municipality|JP-09|municipality||116000|t|csv|
city-takasaki|高崎市|municipality|JP-10|municipality||370000|t|csv|
city-maebashi|前橋市|municipality|JP-10|municipality||330000|t|xlsx|
city-ota-gunma|太田市|municipality|JP-10|municipality||222000|t|csv|
city-isesaki|伊勢崎市|municipality|JP-10|municipality||212000|t|csv|
city-kawaguchi|川口市|municipality|JP-11|municipality||600000|t|csv|
city-kawagoe|川越市|municipality|JP-11|municipality||350000|t|csv|
city-tokorozawa|所沢市|municipality|JP-11|municipality||340000|t|csv_bom|
city-koshigaya|越谷市|municipality|JP-11|municipality||340000|t|csv|
city-funabashi|船橋市|municipality|JP-12|municipality||640000|t|csv|
city-matsudo|松戸市|municipality|JP-12|municipality||500000|t|csv|
city-ichikawa|市川市|municipality|JP-12|municipality||490000|t|xlsx|
city-kashiwa|柏市|municipality|JP-12|municipality||430000|t|csv|
city-setagaya|世田谷区|municipality|JP-13|municipality||940000|t|csv|
city-nerima|練馬区|municipality|JP-13|municipality||740000|t|csv_bom|
city-ota-tokyo|大田区|municipality|JP-13|municipality||730000|t|csv|
city-hachioji|八王子市|municipality|JP-13|municipality||580000|t|csv|
city-machida|町田市|municipality|JP-13|municipality||430000|t|csv|
city-fujisawa|藤沢市|municipality|JP-14|municipality||440000|t|csv|
city-yokosuka|横須賀市|municipality|JP-14|municipality||390000|t|csv|
city-hiratsuka|平塚市|municipality|JP-14|municipality||255000|t|csv|
city-nagaoka|長岡市|municipality|JP-15|municipality||260000|t|csv|
city-joetsu|上越市|municipality|JP-15|municipality||190000|t|csv|
city-sanjo|三条市|municipality|JP-15|municipality||95000|t|csv|
city-shibata|新発田市|municipality|JP-15|municipality||95000|t|csv|
city-takaoka|高岡市|municipality|JP-16|municipality||167000|t|csv|
city-imizu|射水市|municipality|JP-16|municipality||92000|t|csv|
city-tonami|砺波市|municipality|JP-16|municipality||47000|t|csv|
city-nanto|南砺市|municipality|JP-16|municipality||48000|t|csv|
city-kurobe|黒部市|municipality|JP-16|municipality||40000|t|csv|
city-hakusan|白山市|municipality|JP-17|municipality||113000|t|csv|
city-komatsu|小松市|municipality|JP-17|municipality||106000|t|csv|
city-kaga|加賀市|municipality|JP-17|municipality||63000|t|csv|
city-nonoichi|野々市市|municipality|JP-17|municipality||53000|t|csv|
city-fukui|福井市|municipality|JP-18|municipality||260000|t|csv|
city-sakai-fukui|坂井市|municipality|JP-18|municipality||90000|t|csv|
city-echizen|越前市|municipality|JP-18|municipality||82000|t|csv|
city-tsuruga|敦賀市|municipality|JP-18|municipality||64000|t|csv|
city-kofu|甲府市|municipality|JP-19|municipality||187000|t|csv|
city-kai|甲斐市|municipality|JP-19|municipality||76000|t|csv|
city-minami-alps|南アルプス市|municipality|JP-19|municipality||71000|t|csv|
city-fuefuki|笛吹市|municipality|JP-19|municipality||68000|t|csv|
city-matsumoto|松本市|municipality|JP-20|municipality||240000|t|csv|
city-ueda|上田市|municipality|JP-20|municipality||155000|t|csv|
city-iida|飯田市|municipality|JP-20|municipality||98000|t|csv|
city-gifu|岐阜市|municipality|JP-21|municipality||400000|t|csv|
city-ogaki|大垣市|municipality|JP-21|municipality||158000|t|csv|
city-kakamigahara|各務原市|municipality|JP-21|municipality||145000|t|csv|
city-tajimi|多治見市|municipality|JP-21|municipality||108000|t|csv|
city-hamamatsu|浜松市|municipality|JP-22|municipality||790000|t|csv|
city-fuji|富士市|municipality|JP-22|municipality||250000|t|csv|
city-numazu|沼津市|municipality|JP-22|municipality||190000|t|csv|
city-iwata|磐田市|municipality|JP-22|municipality||167000|t|csv|
city-toyota|豊田市|municipality|JP-23|municipality||420000|t|csv|
city-okazaki|岡崎市|municipality|JP-23|municipality||385000|t|csv|
city-ichinomiya|一宮市|municipality|JP-23|municipality||380000|t|csv|
city-toyohashi|豊橋市|municipality|JP-23|municipality||370000|t|csv|
city-kasugai|春日井市|municipality|JP-23|municipality||308000|t|csv|
city-yokkaichi|四日市市|municipality|JP-24|municipality||310000|t|csv|
city-tsu|津市|municipality|JP-24|municipality||275000|t|csv|
city-suzuka|鈴鹿市|municipality|JP-24|municipality||196000|t|csv|
city-matsusaka|松阪市|municipality|JP-24|municipality||160000|t|csv|
city-kusatsu|草津市|municipality|JP-25|municipality||138000|t|csv|
city-nagahama|長浜市|municipality|JP-25|municipality||116000|t|csv|
city-higashiomi|東近江市|municipality|JP-25|municipality||112000|t|csv|
city-hikone|彦根市|municipality|JP-25|municipality||111000|t|csv|
city-uji|宇治市|municipality|JP-26|municipality||180000|t|csv|
city-kameoka|亀岡市|municipality|JP-26|municipality||87000|t|csv|
city-maizuru|舞鶴市|municipality|JP-26|municipality||78000|t|csv|
city-joyo|城陽市|municipality|JP-26|municipality||75000|t|csv|
city-nagaokakyo|長岡京市|municipality|JP-26|municipality||81000|t|csv|
city-fukuchiyama|福知山市|municipality|JP-26|municipality||76000|t|csv|
city-kyotanabe|京田辺市|municipality|JP-26|municipality||71000|t|csv|
city-higashiosaka|東大阪市|municipality|JP-27|municipality||480000|t|csv|
city-hirakata|枚方市|municipality|JP-27|municipality||400000|t|csv|
city-toyonaka|豊中市|municipality|JP-27|municipality||400000|t|csv|
city-suita|吹田市|municipality|JP-27|municipality||380000|t|csv|
city-takatsuki|高槻市|municipality|JP-27|municipality||350000|t|csv|
city-nishinomiya|西宮市|municipality|JP-28|municipality||480000|t|csv|
city-amagasaki|尼崎市|municipality|JP-28|municipality||460000|t|csv|
city-akashi|明石市|municipality|JP-28|municipality||300000|t|csv|
city-kashihara|橿原市|municipality|JP-29|municipality||120000|t|csv|
city-ikoma|生駒市|municipality|JP-29|municipality||117000|t|csv|
city-yamatokoriyama|大和郡山市|municipality|JP-29|municipality||84000|t|csv|
city-tanabe|田辺市|municipality|JP-30|municipality||70000|t|csv|
city-hashimoto|橋本市|municipality|JP-30|municipality||61000|t|csv|
city-kinokawa|紀の川市|municipality|JP-30|municipality||60000|t|csv|
city-iwade|岩出市|municipality|JP-30|municipality||54000|t|csv|
city-kainan|海南市|municipality|JP-30|municipality||48000|t|csv|
city-yonago|米子市|municipality|JP-31|municipality||146000|t|csv|
city-kurayoshi|倉吉市|municipality|JP-31|municipality||45000|t|csv|
city-sakaiminato|境港市|municipality|JP-31|municipality||33000|t|csv|
city-izumo|出雲市|municipality|JP-32|municipality||172000|t|csv|
city-hamada|浜田市|municipality|JP-32|municipality||51000|t|csv|
city-masuda|益田市|municipality|JP-32|municipality||45000|t|csv|
city-yasugi|安来市|municipality|JP-32|municipality||37000|t|csv|
city-tsuyama|津山市|municipality|JP-33|municipality||100000|t|csv|
city-soja|総社市|municipality|JP-33|municipality||69000|t|csv|
city-tamano|玉野市|municipality|JP-33|municipality||56000|t|csv|
city-kasaoka|笠岡市|municipality|JP-33|municipality||46000|t|csv|
city-akaiwa|赤磐市|municipality|JP-33|municipality||43000|t|csv|
city-kure|呉市|municipality|JP-34|municipality||210000|t|csv|
city-higashihiroshima|東広島市|municipality|JP-34|municipality||190000|t|csv|
city-onomichi|尾道市|municipality|JP-34|municipality||131000|t|csv|
city-yamaguchi|山口市|municipality|JP-35|municipality||190000|t|csv|
city-ube|宇部市|municipality|JP-35|municipality||160000|t|csv|
city-shunan|周南市|municipality|JP-35|municipality||140000|t|csv|
city-anan|阿南市|municipality|JP-36|municipality||70000|t|csv|
city-naruto|鳴門市|municipality|JP-36|municipality||55000|t|csv|
city-yoshinogawa|吉野川市|municipality|JP-36|municipality||39000|t|csv|
city-awa|阿波市|municipality|JP-36|municipality||35000|t|csv|
city-marugame|丸亀市|municipality|JP-37|municipality||110000|t|csv|
city-mitoyo|三豊市|municipality|JP-37|municipality||62000|t|csv|
city-kanonji|観音寺市|municipality|JP-37|municipality||59000|t|csv|
city-sakaide|坂出市|municipality|JP-37|municipality||51000|t|csv|
city-saijo|西条市|municipality|JP-38|municipality||108000|t|csv|
city-nankoku|南国市|municipality|JP-39|municipality||47000|t|csv|
city-kami|香美市|municipality|JP-39|municipality||26000|t|csv|
city-konan|香南市|municipality|JP-39|municipality||32000|t|csv|
city-shimanto|四万十市|municipality|JP-39|municipality||33000|t|csv|
city-tosa|土佐市|municipality|JP-39|municipality||26000|t|csv|
city-susaki|須崎市|municipality|JP-39|municipality||21000|t|csv|
city-kurume|久留米市|municipality|JP-40|municipality||300000|t|csv|
city-iizuka|飯塚市|municipality|JP-40|municipality||127000|t|csv|
city-omuta|大牟田市|municipality|JP-40|municipality||110000|t|csv|
city-kasuga|春日市|municipality|JP-40|municipality||111000|t|csv|
city-saga|佐賀市|municipality|JP-41|municipality||230000|t|csv|
city-karatsu|唐津市|municipality|JP-41|municipality||118000|t|csv|
city-tosu|鳥栖市|municipality|JP-41|municipality||74000|t|csv|
city-imari|伊万里市|municipality|JP-41|municipality||52000|t|csv|
city-nagasaki|長崎市|municipality|JP-42|municipality||400000|t|csv|
city-sasebo|佐世保市|municipality|JP-42|municipality||240000|t|csv|
city-isahaya|諫早市|municipality|JP-42|municipality||134000|t|csv|
city-omura|大村市|municipality|JP-42|municipality||95000|t|csv|
city-yatsushiro|八代市|municipality|JP-43|municipality||123000|t|csv|
city-amakusa|天草市|municipality|JP-43|municipality||75000|t|csv|
city-tamana|玉名市|municipality|JP-43|municipality||64000|t|csv|
city-uki|宇城市|municipality|JP-43|municipality||58000|t|csv|
city-koshi|合志市|municipality|JP-43|municipality||63000|t|csv|
city-oita|大分市|municipality|JP-44|municipality||480000|t|csv|
city-beppu|別府市|municipality|JP-44|municipality||114000|t|csv|
city-nakatsu|中津市|municipality|JP-44|municipality||83000|t|csv|
city-saiki|佐伯市|municipality|JP-44|municipality||68000|t|csv|
city-usa|宇佐市|municipality|JP-44|municipality||53000|t|csv|
city-miyazaki|宮崎市|municipality|JP-45|municipality||400000|t|csv|
city-miyakonojo|都城市|municipality|JP-45|municipality||160000|t|csv|
city-nobeoka|延岡市|municipality|JP-45|municipality||119000|t|csv|
city-hyuga|日向市|municipality|JP-45|municipality||59000|t|csv|
city-kirishima|霧島市|municipality|JP-46|municipality||124000|t|csv|
city-kanoya|鹿屋市|municipality|JP-46|municipality||100000|t|csv|
city-satsumasendai|薩摩川内市|municipality|JP-46|municipality||92000|t|csv|
city-okinawa|沖縄市|municipality|JP-47|municipality||142000|t|csv|
city-uruma|うるま市|municipality|JP-47|municipality||125000|t|csv|
city-urasoe|浦添市|municipality|JP-47|municipality||115000|t|csv|
jp-can-assoc|アルミ缶リサイクル推進協会|industry_association|JP|product|metals.aluminium|0|t|csv|
pet-bottle-assoc|PETボトル回収・再商品化協議会|industry_association|JP|product|plastics.pet|0|t|csv|
aozora-drinks|あおぞら飲料株式会社|company|JP-13|product|plastics.pet|0|t|csv|
kirameki-beverage|きらめき飲料株式会社|company|JP-27|product|plastics.pet|0|t|csv|
nagisa-water|なぎさウォーター株式会社|company|JP-40|product|plastics.pet|0|t|csv|
hikari-denki|ひかり電機株式会社|company|JP-27|product|metals.ferrous metals.copper plastics.pp|0|t|csv|
kaden-assoc|家電リサイクル推進協会|industry_association|JP|product|metals.ferrous metals.copper|0|t|csv|
mirai-battery|みらい電池株式会社|company|JP-23|product|metals.cobalt metals.lithium metals.nickel|0|t|csv|
ev-battery-council|車載用電池リサイクル協議会|industry_association|JP|product|metals|0|t|csv|
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

# Members that consented to publish their flows and progress as they are (issue 23), on the day they joined.
# Municipalities and industry associations are public by default; every other member stays confidential unless
# it is listed here. Two companies consent (a cement maker and a food recycler that publish their intake in
# their own reports), and so do the members whose figures are public anyway: the two research bodies that report
# national aggregates they publish themselves, the two reuse organisations that publish their collection totals,
# and the three universities whose campus waste their environmental reports (環境報告書) already publish.
PUBLIC_COMPANIES = ("kanto-cement", "shonan-food-cycle")
PUBLIC_BY_CONSENT = (
    *PUBLIC_COMPANIES,
    "ce-research",
    "shigen-tech-center",
    "reuse-japan",
    "midori-no-wa",
    "toto-u",
    "kyushu-tech-u",
    "hokkaido-shigen-u",
)


def disclosure_columns(member: DemoMember, seed: int) -> dict[str, str]:
    """The members file's disclosure and consented_on of a member: written only for a company that consented."""
    if member.member_id not in PUBLIC_BY_CONSENT:
        return {}  # empty: the default of its kind
    return {"disclosure": v.PUBLIC, "consented_on": joined_on(member, seed)}


def joined_on(member: DemoMember, seed: int) -> str:
    """The day a member joined, between 2022 and 2024, as ISO text."""
    rng = random.Random(f"{seed}:{member.member_id}:joined")
    first, last = date(2022, 1, 1), date(2024, 12, 31)
    return (first + timedelta(days=rng.randint(0, (last - first).days))).isoformat()

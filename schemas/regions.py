"""The region hierarchy: prefecture (ISO 3166-2 `JP-01` … `JP-47`) → bloc (the eight 地方区分) → all.

Prefecture names and the eight blocs come from `japanmap` (the same source draws the map), English names from
`pycountry`'s ISO 3166-2 table. A region that is not a prefecture (a country code such as `JP` for a
nationwide figure, or `CN` for an import's origin) stays itself at bloc level: it is a node of its own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

import japanmap
import polars as pl
import pycountry

from schemas.codes import without_invisible

PREFECTURE: Final = "prefecture"
BLOC: Final = "bloc"
ALL_REGIONS: Final = "all"
REGION_LEVEL_CODES: Final[tuple[str, ...]] = (PREFECTURE, BLOC, ALL_REGIONS)
BLOC_PREFIX: Final = "JP-B-"
NATIONAL: Final = "JP"  # a nationwide figure: counted at level all only


@dataclass(frozen=True)
class Region:
    """A prefecture or a bloc: its code and its names."""

    code: str
    label_ja: str
    label_en: str


# The eight blocs in japanmap's order; only the English names and codes are ours.
_BLOC_EN: Final[dict[str, str]] = {
    "北海道": "Hokkaido",
    "東北": "Tohoku",
    "関東": "Kanto",
    "中部": "Chubu",
    "近畿": "Kinki",
    "中国": "Chugoku",
    "四国": "Shikoku",
    "九州": "Kyushu-Okinawa",
}
_BLOC_JA: Final[dict[str, str]] = {"九州": "九州・沖縄"}


def _prefecture(number: int) -> Region:
    code = f"JP-{number:02d}"
    name_en = pycountry.subdivisions.get(code=code).name.removesuffix(" Prefecture")  # type: ignore[no-untyped-call]
    return Region(code, japanmap.pref_names[number], name_en)


PREFECTURES: Final[tuple[Region, ...]] = tuple(_prefecture(number) for number in range(1, japanmap.NUM_PREF + 1))
BLOCS: Final[tuple[Region, ...]] = tuple(
    Region(BLOC_PREFIX + _BLOC_EN[name].split("-")[0].upper(), _BLOC_JA.get(name, name), _BLOC_EN[name])
    for name in japanmap.groups
)
PREFECTURE_CODES: Final[tuple[str, ...]] = tuple(region.code for region in PREFECTURES)
BLOC_CODES: Final[tuple[str, ...]] = tuple(region.code for region in BLOCS)
PREFECTURE_TO_BLOC: Final[dict[str, str]] = {
    PREFECTURES[number - 1].code: bloc.code
    for bloc, numbers in zip(BLOCS, japanmap.groups.values(), strict=True)
    for number in numbers
}
_LABELS: Final[dict[str, Region]] = {
    region.code: region for region in (*PREFECTURES, *BLOCS, Region(ALL_REGIONS, "全国", "All Japan"))
}


def _folded(text: str) -> str:
    """Invisible characters removed, NFKC, accents dropped, lower case: how a spelling is looked up."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", without_invisible(text)))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).strip().lower()


def _spellings() -> dict[str, str]:
    found: dict[str, str] = {}
    for region in PREFECTURES:
        short_ja = region.label_ja if region.label_ja == "北海道" else region.label_ja[:-1]
        suffix_en = {"都": "-to", "道": "", "府": "-fu", "県": "-ken"}[region.label_ja[-1]]
        for spelling in (
            region.code,
            region.label_ja,
            short_ja,
            region.label_en,
            f"{region.label_en} prefecture",
            region.label_en + suffix_en,
        ):
            found[_folded(spelling)] = region.code
    return found


# Prefecture names a member may write instead of the code: 大阪府, 大阪, Osaka, Osaka Prefecture, osaka-fu.
REGION_SPELLINGS: Final[dict[str, str]] = _spellings()


def region_code(value: pl.Expr) -> pl.Expr:
    """The code a region as written names: a prefecture's name (any spelling above) or the code, upper-cased.

    Examples:
        >>> import polars as pl
        >>> written = pl.Series(["大阪府", "大阪", "Osaka", "ｊｐ－２７", "Tōkyō", "cn", "JP-40\u200b", " ", None])
        >>> pl.select(region_code(pl.lit(written))).to_series().to_list()
        ['JP-27', 'JP-27', 'JP-27', 'JP-27', 'JP-13', 'CN', 'JP-40', None, None]

    """
    distinct = value.unique(maintain_order=True)
    folded = distinct.map_elements(_folded, return_dtype=pl.String, skip_nulls=True)
    folded = pl.when(folded != "").then(folded)  # a blank cell is no region
    cleaned = folded.replace_strict(REGION_SPELLINGS, default=folded.str.to_uppercase(), return_dtype=pl.String)
    return value.replace_strict(distinct, cleaned, default=None, return_dtype=pl.String)


def bloc_of(region: pl.Expr) -> pl.Expr:
    """The bloc code of a prefecture; any other region is its own node at bloc level."""
    return region.replace_strict(PREFECTURE_TO_BLOC, default=region, return_dtype=pl.String)


def region_label(code: str, language: str = "en") -> str:
    """A region's name in `language` (ja or en); a code we hold no name for (a country) is shown as itself."""
    region = _LABELS.get(code)
    if region is None:
        country = pycountry.countries.get(alpha_2=code)
        return code if country is None else (country.name if language == "en" else code)
    return region.label_ja if language == "ja" else region.label_en


__all__ = [
    "ALL_REGIONS",
    "BLOC",
    "BLOCS",
    "BLOC_CODES",
    "NATIONAL",
    "PREFECTURE",
    "PREFECTURES",
    "PREFECTURE_CODES",
    "PREFECTURE_TO_BLOC",
    "REGION_LEVEL_CODES",
    "REGION_SPELLINGS",
    "Region",
    "bloc_of",
    "region_code",
    "region_label",
]

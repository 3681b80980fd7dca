"""The partnership's real public datasets, converted in code into members' submissions.

Japan's steel flows in 2019 (Watari et al. 2025) become one industry body's flows; Scotland's household
waste by council (SEPA, 2011–2019) becomes one municipality member per council area. The files are kept
as published, in `shared/data/real` beside the repository (or `$JUNKAN_REAL_DATA_DIR`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from infra.shared_folder import shared_folder
from schemas import FLOWS, MEMBERS

REAL_DATA_ENV = "JUNKAN_REAL_DATA_DIR"
STEEL_FILE = "watari-japan-steel-2019.csv"
SCOTLAND_FILE = "scotland-household-waste.csv"
STEEL_MEMBER = "jisf"


def real_data_dir() -> Path:
    """Folder of the real datasets: `$JUNKAN_REAL_DATA_DIR`, else `shared/data/real` beside the checkout.

    A clone elsewhere (CI's fresh checkout in a temporary folder) looks beside the checkout it was cloned
    from when there is none beside itself (`infra.shared_folder`).
    """
    configured = os.environ.get(REAL_DATA_ENV)
    if configured:
        return Path(configured)
    return shared_folder("data", "real")


def real_file(name: str) -> Path:
    """A real dataset's path, or a clear error naming the setting that points at it."""
    path = real_data_dir() / name
    if not path.is_file():
        msg = f"real dataset {path} not found; set {REAL_DATA_ENV} to the folder holding {name}"
        raise FileNotFoundError(msg)
    return path


# --- real data: Japan's steel flows in 2019 (Watari et al. 2025) ---------------------------------

STEEL_PERIOD = "2019"
STEEL_MATERIAL = "metals.ferrous"
STEEL_UNIT = "kt"
_STEEL_LEGEND = frozenset({"Reference flow start", "Reference flow end"})
# Process names of the floWeaver diagram and the stage each belongs to. Judgement calls: `Production
# of iron ore` is domestic mining (zero in Japan) → extraction; `Balancing flows` is unexplained mass
# (all zero in 2019), treated as a loss → dissipation; `Exports` (without "of") is the export node.
_STEEL_STAGES: dict[str, str] = {
    "Production of iron ore": "extraction",
    "Iron ore": "production",
    "Pig iron": "production",
    "DRI": "production",
    "BOF steel": "production",
    "EAF steel": "production",
    "Ingots and semis": "production",
    "Long products": "manufacturing",
    "Flat products": "manufacturing",
    "End-use goods": "use",
    "Stock": "stock",
    "Scrap steel": "recycling",
    "Loss": "dissipation",
    "Balancing flows": "dissipation",
    "Exports": "export",
}


def steel_stage(process: str) -> str:
    """Stage code of a process of the Japan steel diagram.

    Examples:
        >>> steel_stage("Imports of pig iron"), steel_stage("BOF steel"), steel_stage("Exports of dri")
        ('import', 'production', 'export')

    """
    if process.startswith("Imports of "):
        return "import"
    if process.startswith("Exports of "):
        return "export"
    try:
        return _STEEL_STAGES[process]
    except KeyError:
        msg = f"unknown process {process!r} in the steel flows; add it to _STEEL_STAGES in flows/demo/data/real.py"
        raise ValueError(msg) from None


def steel_flows_frame(path: Path) -> pl.DataFrame:
    """The Japan steel 2019 file as member `jisf`'s flows: contract text columns, one row per process pair.

    floWeaver's file is a full process-by-process matrix with a `type` dimension the flows contract has no
    key for, so a member reporting it to us sums each (source, target) pair over its types (the types go
    to the note) and leaves out the matrix diagonal (a process to itself, all zero). The legend row is
    dropped, zero flows are kept, and process names are kept as given.
    """
    raw = pl.read_csv(path, infer_schema=False, encoding="utf8")
    raw = raw.rename({raw.columns[0]: raw.columns[0].lstrip("\ufeff")})
    missing = {"source", "target", "type", "value"} - set(raw.columns)
    if missing:
        msg = f"{path}: columns {sorted(missing)} are missing; expected source,target,type,value"
        raise ValueError(msg)
    rows = (
        raw.filter(~(pl.col("source").is_in(_STEEL_LEGEND) | pl.col("target").is_in(_STEEL_LEGEND)))
        .filter(pl.col("source") != pl.col("target"))
        .group_by("source", "target", maintain_order=True)
        .agg(
            type=pl.col("type").filter(pl.col("value").cast(pl.Float64) != 0).unique(maintain_order=True),
            value=pl.col("value").cast(pl.Float64).sum(),
        )
        .with_columns(
            type=pl.col("type").list.join(", "),
            value=pl.col("value").map_batches(lambda s: s.cast(pl.String), return_dtype=pl.String),
        )
    )
    stages = {name: steel_stage(name) for name in {*rows["source"], *rows["target"]}}
    frame = rows.select(
        member_id=pl.lit(STEEL_MEMBER),
        period=pl.lit(STEEL_PERIOD),
        material=pl.lit(STEEL_MATERIAL),
        source_stage=pl.col("source").replace_strict(stages),
        target_stage=pl.col("target").replace_strict(stages),
        source=pl.col("source"),
        target=pl.col("target"),
        quantity=pl.col("value"),
        unit=pl.lit(STEEL_UNIT),
        region=pl.lit("JP"),
        quality=pl.lit("estimated"),
        note=pl.when(pl.col("type") != "").then(pl.lit("floWeaver type: ") + pl.col("type")),
    )
    return frame.select(_text_column(frame, name, dtype) for name, dtype in FLOWS.read_schema.items())


def _text_column(frame: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Expr:
    """A column of the contract's read schema; empty when the published table has nothing for it (is_renewable)."""
    return (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)


# --- real data: Scottish household waste by council (SEPA) ---------------------------------------

SCOTLAND_JOINED_ON = "2024-04-01"
SCOTLAND_SOURCE = "Household waste"
# ISO 3166-2:GB codes of the 32 Scottish council areas.
SCOTLAND_COUNCILS: dict[str, str] = {
    "Aberdeen City": "GB-ABE",
    "Aberdeenshire": "GB-ABD",
    "Angus": "GB-ANS",
    "Argyll and Bute": "GB-AGB",
    "City of Edinburgh": "GB-EDH",
    "Clackmannanshire": "GB-CLK",
    "Dumfries and Galloway": "GB-DGY",
    "Dundee City": "GB-DND",
    "East Ayrshire": "GB-EAY",
    "East Dunbartonshire": "GB-EDU",
    "East Lothian": "GB-ELN",
    "East Renfrewshire": "GB-ERW",
    "Falkirk": "GB-FAL",
    "Fife": "GB-FIF",
    "Glasgow City": "GB-GLG",
    "Highland": "GB-HLD",
    "Inverclyde": "GB-IVC",
    "Midlothian": "GB-MLN",
    "Moray": "GB-MRY",
    "North Ayrshire": "GB-NAY",
    "North Lanarkshire": "GB-NLK",
    "Orkney Islands": "GB-ORK",
    "Outer Hebrides": "GB-ELS",
    "Perth and Kinross": "GB-PKN",
    "Renfrewshire": "GB-RFW",
    "Scottish Borders": "GB-SCB",
    "Shetland Islands": "GB-ZET",
    "South Ayrshire": "GB-SAY",
    "South Lanarkshire": "GB-SLK",
    "Stirling": "GB-STG",
    "West Dunbartonshire": "GB-WDU",
    "West Lothian": "GB-WLN",
}
# EWC-STAT category → material code. Judgement calls: household and similar wastes are mixed municipal
# waste (mixed.municipal), kept apart from mixed and undifferentiated materials (mixed); non-ferrous and
# mixed metals → metals (no leaf fits both); used oils join chemical wastes (chemicals); combustion
# residues (ash), health-care wastes and discarded vehicles (of mixed composition) → other.
EWC_STAT_MATERIALS: dict[str, str] = {
    "Paper and cardboard wastes": "paper",
    "Plastic wastes": "plastics",
    "Glass wastes": "glass",
    "Metallic wastes, ferrous": "metals.ferrous",
    "Metallic wastes, non-ferrous": "metals",
    "Metallic wastes, mixed ferrous and non-ferrous": "metals",
    "Wood wastes": "biomass.wood",
    "Animal and mixed food waste": "biomass.food",
    "Vegetal wastes": "biomass.garden",
    "Textile wastes": "textiles",
    "Rubber wastes": "rubber",
    "Batteries and accumulators wastes": "batteries",
    "Discarded equipment (excluding discarded vehicles, batteries and accumulators wastes)": "electronics",
    "Mineral waste from construction and demolition": "construction",
    "Soils": "construction.soil",
    "Household and similar wastes": "mixed.municipal",
    "Mixed and undifferentiated materials": "mixed",
    "Chemical wastes": "chemicals",
    "Used oils": "chemicals",
    "Combustion wastes": "other",
    "Health care and biological wastes": "other",
    "Discarded vehicles": "other",
}
# Management route → the stage the household waste goes to from use.
SCOTLAND_ROUTES: dict[str, str] = {"Recycled": "recycling", "Other Diversion": "treatment", "Landfilled": "landfill"}


def scotland_member_id(council: str) -> str:
    """Member id of a Scottish council area.

    Examples:
        >>> scotland_member_id("West Lothian"), scotland_member_id("City of Edinburgh")
        ('gb-west-lothian', 'gb-city-of-edinburgh')

    """
    return "gb-" + re.sub(r"[^a-z0-9]+", "-", council.lower()).strip("-")


def _check_known(path: Path, column: str, values: pl.Series, known: dict[str, str]) -> None:
    unknown = sorted(set(values.drop_nulls().unique()) - set(known))
    if unknown:
        msg = f"{path}: column {column} has values without a mapping: {unknown}; add them in flows/demo/data/real.py"
        raise ValueError(msg)


def _read_scotland(path: Path) -> pl.DataFrame:
    raw = pl.read_csv(path, infer_schema=False)
    for column, known in (
        ("region", SCOTLAND_COUNCILS),
        ("material", EWC_STAT_MATERIALS),
        ("management", SCOTLAND_ROUTES),
    ):
        _check_known(path, column, raw[column], known)
    return raw


def scotland_members_frame(path: Path) -> pl.DataFrame:
    """One municipality member per council area in the Scotland file (members contract, text columns)."""
    councils = sorted(set(_read_scotland(path)["region"]))
    rows = [
        {
            "member_id": scotland_member_id(council),
            "name": council,
            "kind": "municipality",
            "region": SCOTLAND_COUNCILS[council],
            "joined_on": SCOTLAND_JOINED_ON,
        }
        for council in councils
    ]
    return pl.DataFrame(rows, schema=MEMBERS.read_schema)


def scotland_flows_frame(path: Path, *, years: Sequence[int] | None = None) -> pl.DataFrame:
    """The Scotland file as flows of one member per council: use → recycling, treatment or landfill, in t.

    Categories mapped to the same material are summed, so each flow key appears once; the note lists
    the EWC-STAT categories behind each row.
    """
    raw = _read_scotland(path)
    if years is not None:
        raw = raw.filter(pl.col("year").is_in([str(year) for year in years]))
    councils = {council: scotland_member_id(council) for council in SCOTLAND_COUNCILS}
    mapped = raw.select(
        member_id=pl.col("region").replace_strict(councils),
        period=pl.col("year"),
        material=pl.col("material").replace_strict(EWC_STAT_MATERIALS),
        source_stage=pl.lit("use"),
        target_stage=pl.col("management").replace_strict(SCOTLAND_ROUTES),
        source=pl.lit(SCOTLAND_SOURCE),
        target=pl.col("management"),
        region=pl.col("region").replace_strict(SCOTLAND_COUNCILS),
        tonnes=pl.col("tonnes").cast(pl.Float64),
        category=pl.col("material"),
    )
    summed = mapped.group_by([name for name in FLOWS.key if name in mapped.columns]).agg(  # each council: one region
        pl.col("tonnes").sum(),
        note=pl.lit("EWC-STAT: ") + pl.col("category").unique().sort().str.join("; "),
    )
    whole = pl.col("tonnes") == pl.col("tonnes").floor()
    frame = summed.with_columns(
        quantity=pl.when(whole)
        .then(pl.col("tonnes").cast(pl.Int64).cast(pl.String))
        .otherwise(pl.col("tonnes").cast(pl.String)),
        unit=pl.lit("t"),
        quality=pl.lit("measured"),
    )
    frame = frame.select(_text_column(frame, name, dtype) for name, dtype in FLOWS.read_schema.items())
    return frame.sort("member_id", "period", "material", "target_stage")

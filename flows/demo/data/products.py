"""Demo members that report products (issue 27): product-tagged flows with closed loops, and their declarations.

Four associations publish national figures (public by default): aluminium cans from consumption to CAN to CAN, with
cans exported for recycling; PET bottles collected and recycled in Japan and abroad; the take-back of home appliances
and of EV batteries. Three bottlers report the bottles they place on the market and the bottle-to-bottle resin they
use; a home-appliance maker and a battery maker report what they ship and the recycled material that comes back into
their own products. The bottlers, the appliance maker and the battery maker also declare the recycled content of what
they placed on the market. The makers are confidential: the appliance maker's and the battery maker's closed loops,
each alone, are withheld; the three bottlers' bottle to bottle is published. They report no waste (their take-back is
the associations'), so the national waste generated keeps its confidential part as it was.

Written from fixed tables (no random stream), so the rest of the synthetic year is unchanged; FY2023 is FY2024 scaled
by 0.97. The Sankey gains two links, recycling → manufacturing and the cans recycled abroad (recycling → export).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from flows.demo.data.files import DemoFile, period_text, submission_path, write_file
from schemas import FLOWS
from schemas.declarations import DECLARATIONS

YEARS: Final = {2023: 0.97, 2024: 1.0}
CAN, PET = "packaging.aluminium_can", "packaging.pet_bottle"
FRIDGE, AIRCON, EV = "appliances.refrigerator", "appliances.air_conditioner", "batteries.ev"

# (product or None, material, source stage, target stage, source process, target process, FY2024 t, destination)
Flow = tuple[str | None, str, str, str, str | None, str | None, float, str | None]
_DOMESTIC, _ABROAD = "国内再生工場", "海外再生工場"

# Every stage a member's material both enters and leaves balances exactly, as the synthetic members' flows do.
PRODUCT_FLOWS: Final[dict[str, tuple[Flow, ...]]] = {
    # National can statistics: can stock from primary ingot and from used cans (CAN to CAN), cans consumed, collected,
    # recycled in Japan and in Korea; used cans also become castings (open loop) that stay in use.
    "jp-can-assoc": (
        (None, "metals.aluminium", "import", "production", None, None, 142_000.0, None),
        (None, "metals.aluminium", "production", "manufacturing", None, None, 142_000.0, None),
        (CAN, "metals.aluminium", "recycling", "manufacturing", _DOMESTIC, None, 188_000.0, None),
        (None, "metals.aluminium", "recycling", "manufacturing", _DOMESTIC, None, 60_000.0, None),
        (CAN, "metals.aluminium", "manufacturing", "use", None, None, 330_000.0, None),
        (None, "metals.aluminium", "manufacturing", "use", None, None, 60_000.0, None),
        (CAN, "metals.aluminium", "use", "collection", None, None, 318_000.0, None),
        (None, "metals.aluminium", "use", "stock", None, None, 72_000.0, None),
        (CAN, "metals.aluminium", "collection", "sorting", None, None, 318_000.0, None),
        (CAN, "metals.aluminium", "sorting", "recycling", None, _DOMESTIC, 255_000.0, None),
        (CAN, "metals.aluminium", "sorting", "recycling", None, _ABROAD, 58_000.0, "KR"),
        (CAN, "metals.aluminium", "sorting", "landfill", None, None, 5_000.0, None),
        (None, "metals.aluminium", "recycling", "treatment", _DOMESTIC, None, 7_000.0, None),
        (None, "metals.aluminium", "recycling", "export", _ABROAD, None, 58_000.0, "KR"),
    ),
    # National PET bottle collection and recycling, the product named as members write it; bottles are sold and made
    # back into bottles by the bottlers.
    "pet-bottle-assoc": (
        ("PETボトル", "plastics.pet", "use", "collection", None, None, 520_000.0, None),
        ("PETボトル", "plastics.pet", "collection", "sorting", None, None, 520_000.0, None),
        ("PETボトル", "plastics.pet", "sorting", "recycling", None, _DOMESTIC, 390_000.0, None),
        ("PETボトル", "plastics.pet", "sorting", "recycling", None, _ABROAD, 90_000.0, "MY"),
        ("PETボトル", "plastics.pet", "sorting", "energy_recovery", None, None, 40_000.0, None),
    ),
    **{
        bottler: (
            (None, "plastics.pet", "production", "manufacturing", None, None, placed - closed, None),
            (PET, "plastics.pet", "recycling", "manufacturing", None, None, closed, None),
            (PET, "plastics.pet", "manufacturing", "use", None, None, placed, None),
        )
        for bottler, placed, closed in (
            ("aozora-drinks", 220_000.0, 66_000.0),
            ("kirameki-beverage", 190_000.0, 55_000.0),
            ("nagisa-water", 150_000.0, 41_000.0),
        )
    },
    # Refrigerators and air conditioners from bought steel and copper, and PP it compounds from imported resin and
    # from the PP of its own old refrigerators (recycling → production: a closed loop into refrigerators). Its PP
    # does not enter manufacturing beside the bottlers' recycled resin: there the bottlers' bottle to bottle would
    # be what protects it. The take-back is the appliance association's.
    "hikari-denki": (
        (None, "metals.ferrous", "production", "manufacturing", None, None, 30_000.0, None),
        (None, "metals.copper", "production", "manufacturing", None, None, 4_000.0, None),
        (None, "plastics.pp", "import", "production", None, None, 12_000.0, None),
        (FRIDGE, "plastics.pp", "recycling", "production", None, None, 1_500.0, None),
        (None, "plastics.pp", "production", "manufacturing", None, None, 13_500.0, None),
        (FRIDGE, "metals.ferrous", "manufacturing", "use", None, None, 20_000.0, None),
        (FRIDGE, "plastics.pp", "manufacturing", "use", None, None, 9_000.0, None),
        (FRIDGE, "metals.copper", "manufacturing", "use", None, None, 2_000.0, None),
        (AIRCON, "metals.ferrous", "manufacturing", "use", None, None, 10_000.0, None),
        (AIRCON, "plastics.pp", "manufacturing", "use", None, None, 4_500.0, None),
        (AIRCON, "metals.copper", "manufacturing", "use", None, None, 2_000.0, None),
    ),
    # National take-back under the appliance recycling law (家電リサイクル法): the metals recovered go to the mills.
    "kaden-assoc": (
        *(
            flow
            for product, material, returned in (
                (FRIDGE, "metals.ferrous", 12_000.0),
                (AIRCON, "metals.ferrous", 6_000.0),
                (AIRCON, "metals.copper", 1_500.0),
            )
            for flow in (
                (product, material, "use", "collection", None, None, returned, None),
                (product, material, "collection", "sorting", None, None, returned, None),
                (product, material, "sorting", "recycling", None, None, returned, None),
            )
        ),
        (None, "metals.ferrous", "recycling", "production", None, None, 17_500.0, None),
        (None, "metals.ferrous", "recycling", "treatment", None, None, 500.0, None),
        (None, "metals.copper", "recycling", "production", None, None, 1_450.0, None),
        (None, "metals.copper", "recycling", "treatment", None, None, 50.0, None),
    ),
    # EV batteries: cathode metals imported, made into cells and shipped; the recycled cobalt, lithium and nickel come
    # back into its cathode production (a closed loop). The take-back is the battery council's.
    "mirai-battery": tuple(
        flow
        for material, imported, recovered in (
            ("metals.cobalt", 800.0, 100.0),
            ("metals.lithium", 600.0, 50.0),
            ("metals.nickel", 2_400.0, 300.0),
        )
        for flow in (
            (None, material, "import", "production", None, None, imported, None),
            (EV, material, "recycling", "production", None, None, recovered, None),
            (None, material, "production", "manufacturing", None, None, imported + recovered, None),
            (EV, material, "manufacturing", "use", None, None, imported + recovered, None),
        )
    ),
    # National take-back of EV batteries, to the recyclers.
    "ev-battery-council": tuple(
        flow
        for material, returned in (("metals.cobalt", 150.0), ("metals.lithium", 90.0), ("metals.nickel", 420.0))
        for flow in (
            (EV, material, "use", "collection", None, None, returned, None),
            (EV, material, "collection", "sorting", None, None, returned, None),
            (EV, material, "sorting", "recycling", None, None, returned, None),
        )
    ),
}

# Declarations: (product, material, FY2024 net mass t, pre-consumer share, post-consumer share, assurance,
# chain of custody, plan target). The recycled mass stays within what the member's own flows bring into production
# or manufacturing from recycling (the declarations' own-flows rule).
Declared = tuple[str, str, float, float, float, str, str, float | None]
_VERIFIED, _SELF = "third_party_verified", "self_declared"
DECLARED: Final[dict[str, tuple[Declared, ...]]] = {
    "aozora-drinks": ((PET, "plastics.pet", 220_000.0, 0.0, 0.30, _VERIFIED, "segregated", 0.5),),
    "kirameki-beverage": ((PET, "plastics.pet", 190_000.0, 0.0, 0.28, _VERIFIED, "segregated", 0.5),),
    "nagisa-water": ((PET, "plastics.pet", 150_000.0, 0.0, 0.27, _VERIFIED, "mass_balance", 0.4),),
    "hikari-denki": ((FRIDGE, "plastics.pp", 9_000.0, 0.0, 0.16, _SELF, "segregated", 0.2),),
    "mirai-battery": tuple(
        (EV, material, placed, 0.0, share, _VERIFIED, "mass_balance", None)
        for material, placed, share in (
            ("metals.cobalt", 900.0, 0.11),
            ("metals.lithium", 650.0, 0.07),
            ("metals.nickel", 2_700.0, 0.11),
        )
    ),
}
# The producer whose private recycled-material report `junkan demo` names.
REPORTING_PRODUCER: Final = "hikari-denki"


def product_flows_file(directory: Path, member_id: str, region: str) -> DemoFile:
    """A member's product-tagged flows of both fiscal years, as a CSV of the contract's columns."""
    rows = [
        {
            "member_id": member_id,
            "period": period_text(year, "fy"),
            "material": material,
            "product_category": product,
            "source_stage": source_stage,
            "target_stage": target_stage,
            "source": source,
            "target": target,
            "quantity": f"{quantity * scale:g}",
            "unit": "t",
            "region": region,
            "destination_region": destination,
        }
        for year, scale in YEARS.items()
        for product, material, source_stage, target_stage, source, target, quantity, destination in PRODUCT_FLOWS[
            member_id
        ]
    ]
    frame = pl.DataFrame(rows, schema=FLOWS.read_schema)
    path = submission_path(directory, member_id, FLOWS.name, f"{member_id}-product-flows-fy2023-fy2024.csv")
    write_file(frame, path, FLOWS.name, "csv")
    by_name = any(product is not None and "." not in product for product, *_ in PRODUCT_FLOWS[member_id])
    return DemoFile(member_id, FLOWS.name, path, "valid: flows by product" + (", named in Japanese" if by_name else ""))


def declarations_file(directory: Path, member_id: str) -> DemoFile:
    """A producer's declarations of both fiscal years."""
    rows = [
        {
            "member_id": member_id,
            "period": period_text(year, "fy"),
            "product_category": product,
            "material": material,
            "net_mass": f"{net_mass * scale:g}",
            "unit": "t",
            "recycled_pre_consumer_share": f"{pre:g}",
            "recycled_post_consumer_share": f"{post:g}",
            "chain_of_custody": chain,
            "assurance": assurance,
            "certificate_name": f"DEMO-{member_id.upper()}-{year}" if assurance == _VERIFIED else None,
            "certificate_url": (
                f"https://certificates.example.org/{member_id}/{year}.pdf" if assurance == _VERIFIED else None
            ),
            "plan_target_share": None if target is None else f"{target:g}",
        }
        for year, scale in YEARS.items()
        for product, material, net_mass, pre, post, assurance, chain, target in DECLARED[member_id]
    ]
    frame = pl.DataFrame(rows, schema=DECLARATIONS.read_schema)
    path = submission_path(directory, member_id, DECLARATIONS.name, f"{member_id}-declarations-fy2023-fy2024.csv")
    write_file(frame, path, DECLARATIONS.name, "csv")
    return DemoFile(member_id, DECLARATIONS.name, path, "valid: recycled content declared")

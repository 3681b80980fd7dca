"""Declarations in the shapes their receivers read: Catena-X secondary material content and the battery passport.

`junkan export --declarations DIR` writes, per declaration (a member's product and material in a fiscal year), one
Catena-X `SecondaryMaterialContentCalculated` document (self-declared) or `SecondaryMaterialContentVerifiable`
(verified by a third party), and per battery model (`batteries.*`, one product id) the battery passport's Circularity
`recycledContent` for cobalt, lithium, nickel and lead. The published JSON Schemas (draft-04) are in
`../shared/interop/`; `tests/unit/infra/test_interop.py` validates every document against them.

What junkan does not hold is said, never made up, in each document's `additionalInformation`: the recycling route
(every recycled share is written as mechanical recycling, none as chemical), the automotive origin of post-consumer
material (none), the gross input mass (the net mass is repeated) and the bio-based class (`gen1`, which the model
requires). The battery passport's Circularity aspect has further required properties (dismantling and safety
documents, spare-part sources, end-of-life information, renewable content) that belong to other data than a
declaration: the battery document holds `recycledContent` only, and the test says which properties are missing.
Member-level and restricted: these are members' own declarations, not disclosure-controlled tables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import polars as pl

from schemas import vocabulary as v
from schemas.declarations import MASS_BALANCE, THIRD_PARTY_VERIFIED

CALCULATED: Final = "SecondaryMaterialContentCalculated"
VERIFIABLE: Final = "SecondaryMaterialContentVerifiable"
CIRCULARITY: Final = "Circularity"
ASPECT_URNS: Final = {
    CALCULATED: "urn:samm:io.catenax.secondary_material_content_calculated:1.0.0#SecondaryMaterialContentCalculated",
    VERIFIABLE: "urn:samm:io.catenax.secondary_material_content_verifiable:1.0.0#SecondaryMaterialContentVerifiable",
    CIRCULARITY: "urn:samm:io.BatteryPass.Circularity:1.2.0#Circularity",
}
# The battery passport's recycled materials, by junkan's material leaf.
BATTERY_MATERIALS: Final = {
    "metals.cobalt": "Cobalt",
    "metals.lithium": "Lithium",
    "metals.nickel": "Nickel",
    "metals.lead": "Lead",
}
# VDA 231-106 material classes, as Catena-X asks: the sub-class where junkan's vocabulary tells it (thermoplastics,
# aluminium, elastomers), else the main class (1 steel and iron, 3 heavy metals, 4 special metals, 7 other materials,
# 8 electronics/electrics).
MATERIAL_CLASSES: Final = {
    "plastics": "5.1",
    "rubber": "5.3",
    "metals.ferrous": "1",
    "metals.aluminium": "2.1",
    "metals.copper": "3",
    "metals.nickel": "3",
    "metals.lead": "3",
    "metals.cobalt": "3",
    "metals.lithium": "4",
    "metals.precious": "4",
    "electronics": "8",
    "batteries": "8",
}
OTHER_CLASS: Final = "7"
# ISO 1043-1 symbols of the plastics leaves; other materials have no standard designation junkan knows.
ISO_1043_1: Final = {
    "plastics.pet": "PET",
    "plastics.pe": "PE",
    "plastics.pp": "PP",
    "plastics.ps": "PS",
    "plastics.pvc": "PVC",
}
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Document:
    """One exported JSON document: which aspect model it is, where it goes, and its content."""

    aspect: str
    path: Path  # relative to the export folder
    content: dict[str, Any]
    member_id: str
    period: str


def _percent(share: float | None) -> float:
    """A share 0–1 as the models' percentage of material weight, 0–100."""
    return round(100.0 * (share or 0.0), 6)


def _material_class(material: str) -> str:
    return MATERIAL_CLASSES.get(material) or MATERIAL_CLASSES.get(material.split(".")[0]) or OTHER_CLASS


def _standardized_name(material: str) -> tuple[dict[str, str], str | None]:
    """Catena-X's standardised material name, and what the document must say when junkan knows none."""
    if material in ISO_1043_1:
        return {
            "referencedStandard": "ISO",
            "referencedStandardID": "1043-1",
            "materialNameStandardizedValue": ISO_1043_1[material],
        }, None
    label = v.labels((*v.MATERIAL_GROUPS, *v.MATERIAL_LEAVES)).get(material)
    name = label.label_en if label is not None else material
    return {
        "referencedStandard": "ISO",
        "referencedStandardID": "n/a",
        "materialNameStandardizedValue": name,
    }, f"no standard designation of {material} is known to junkan: the name is its vocabulary label"


def secondary_material_content(row: dict[str, Any]) -> dict[str, Any]:
    """One declaration (a `core.declarations` row) as a Catena-X secondary material content document.

    Per unit of the product (kilograms) when the declaration says how many units were placed on the market, else
    the year's total (tonnes).
    """
    units = row.get("units_placed")
    per_unit = units is not None and units > 0
    mass = row["net_mass_t"] * 1000.0 / units if per_unit else row["net_mass_t"]
    balanced = row.get("chain_of_custody") == MASS_BALANCE
    pre, post = _percent(row["recycled_pre_consumer_share"]), _percent(row["recycled_post_consumer_share"])
    bio = _percent(row.get("bio_based_share"))
    name, unknown_name = _standardized_name(row["material"])

    def recycled(share: float) -> dict[str, Any]:
        return {"percentageOfMaterialWeight": share, "isMassBalanced": balanced}

    notes = [
        f"junkan declaration of {row['member_id']} for {row['period']}: {row['product_category']}, "
        f"{row['material']}, chain of custody {row.get('chain_of_custody') or 'unknown'}, {row['assurance']}",
        f"mass per unit of {units} placed on the market" if per_unit else "mass of the fiscal year's total",
        "recycling route not declared: recycled shares are written as mechanical recycling",
        "post-consumer material of automotive origin not declared: 0",
        "gross material input mass not declared: the net mass is repeated",
        "bio-based class not declared: gen1 is written because the model requires one",
    ]
    if unknown_name is not None:
        notes.append(unknown_name)
    material: dict[str, Any] = {
        "materialClass": _material_class(row["material"]),
        "materialNameStandardized": name,
        "unitOfMeasure": {
            "unitOfMeasureKey": "unit:kilogram" if per_unit else "unit:tonneMetricTon",
            "materialNetMass": mass,
            "grossMaterialInputMass": mass,
        },
        "bioBased": {
            "bioBasedClass": "gen1",
            "secondaryBioBased": recycled(0.0),
            "primaryBioBased": {"percentageOfMaterialWeight": bio},
        },
        "inorganic": {
            "secondaryInorganic": {
                "preConsumer": {"mechanicalRecycling": recycled(pre)},
                "postConsumer": {"mechanicalRecycling": recycled(post), "chemicalRecycling": recycled(0.0)},
                "postConsumerAutomotive": {"chemicalRecycling": recycled(0.0), "mechanicalRecycling": recycled(0.0)},
            },
            "primaryInorganic": {"percentageOfMaterialWeight": round(max(0.0, 100.0 - pre - post - bio), 6)},
        },
        "additionalInformation": "; ".join(notes),
    }
    if row.get("certificate_name") and row.get("certificate_url"):
        material["certificate"] = [
            {"certificateName": row["certificate_name"], "certificateLink": row["certificate_url"]}
        ]
    return {"secondaryMaterialContent": [material], "orderNumber": row.get("product_id") or row["product_category"]}


def battery_recycled_content(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A battery model's declarations as the battery passport's Circularity `recycledContent` (percentages)."""
    return {
        "recycledContent": [
            {
                "recycledMaterial": BATTERY_MATERIALS[row["material"]],
                "preConsumerShare": _percent(row["recycled_pre_consumer_share"]),
                "postConsumerShare": _percent(row["recycled_post_consumer_share"]),
            }
            for row in sorted(rows, key=lambda row: str(row["material"]))
            if row["material"] in BATTERY_MATERIALS
        ]
    }


def _name(*parts: str | None) -> str:
    return "_".join(_SAFE.sub("-", part) for part in parts if part) + ".json"


def declaration_documents(declarations: pl.DataFrame) -> Iterator[Document]:
    """Every document of `core.declarations` rows: one Catena-X document each, one battery document per model."""
    batteries: dict[tuple[str, str, str, str | None], list[dict[str, Any]]] = {}
    for row in declarations.sort("member_id", "period", "product_category", "product_id", "material").iter_rows(
        named=True
    ):
        aspect = VERIFIABLE if row["assurance"] == THIRD_PARTY_VERIFIED else CALCULATED
        folder = Path(row["member_id"], row["period"], "catena-x")
        yield Document(
            aspect,
            folder / _name(row["product_category"], row["product_id"], row["material"]),
            secondary_material_content(row),
            row["member_id"],
            row["period"],
        )
        if row["product_category"].split(".")[0] == "batteries" and row["material"] in BATTERY_MATERIALS:
            model = (row["member_id"], row["period"], row["product_category"], row["product_id"])
            batteries.setdefault(model, []).append(row)
    for (member_id, period, product, product_id), rows in batteries.items():
        yield Document(
            CIRCULARITY,
            Path(member_id, period, "batterypass", _name(product, product_id)),
            battery_recycled_content(rows),
            member_id,
            period,
        )


def write_declaration_documents(declarations: pl.DataFrame, folder: Path) -> list[Path]:
    """Write every document under `folder`, and `index.json` naming each file's aspect model, member and period."""
    written, index = [], []
    for document in declaration_documents(declarations):
        path = folder / document.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document.content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
        index.append(
            {
                "file": document.path.as_posix(),
                "aspect": ASPECT_URNS[document.aspect],
                "member_id": document.member_id,
                "period": document.period,
            }
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return written

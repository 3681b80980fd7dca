"""Exported declarations validate against the receivers' published JSON Schemas, and a broken document does not.

The schemas are read where the partnership keeps them, never copied into the repository: `JUNKAN_INTEROP_DIR`, else
`<repository>/../shared/interop` (or beside the checkout a clone came from, `infra.shared_folder`).
"""

from __future__ import annotations

import copy
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from flows import runtime
from flows.cli import report as cli_report
from infra.interop import CALCULATED, CIRCULARITY, VERIFIABLE, declaration_documents, write_declaration_documents
from infra.resources import build_resources
from infra.settings import Settings
from infra.shared_folder import shared_folder
from schemas.tables import TABLES

INTEROP = Path(os.environ.get("JUNKAN_INTEROP_DIR") or shared_folder("interop"))
pytestmark = pytest.mark.skipif(
    not (INTEROP / "catena-x").is_dir(),
    reason=f"the published interop JSON Schemas are not at {INTEROP}: set JUNKAN_INTEROP_DIR to the folder holding "
    "catena-x/ and batterypass/ (the partnership's shared/interop)",
)
SCHEMAS = {
    CALCULATED: "catena-x/SecondaryMaterialContentCalculated-1.0.0-schema.json",
    VERIFIABLE: "catena-x/SecondaryMaterialContentVerifiable-1.0.0-schema.json",
    CIRCULARITY: "batterypass/Circularity-1.2.0-schema.json",
}
# Required by the battery passport's Circularity aspect, but other data than a recycled-content declaration.
NOT_DECLARED = {
    "dismantlingAndRemovalInformation",
    "sparePartSources",
    "safetyMeasures",
    "endOfLifeInformation",
    "renewableContent",
}


def validator(aspect: str) -> jsonschema.Draft4Validator:
    schema = json.loads((INTEROP / SCHEMAS[aspect]).read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def errors(aspect: str, document: dict[str, Any]) -> list[jsonschema.ValidationError]:
    return list(validator(aspect).iter_errors(document))


def row(
    product: str, product_id: str | None, material: str, net_t: float, pre: float, post: float, **extra: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {name: None for name in TABLES["core.declarations"]}
    values |= {
        "member_id": "maker-a",
        "period": "FY2024",
        "period_start": date(2024, 4, 1),
        "period_end": date(2025, 3, 31),
        "grain": "fiscal_year",
        "product_category": product,
        "product_id": product_id,
        "material": material,
        "material_group": material.split(".")[0],
        "net_mass": net_t,
        "unit": "t",
        "net_mass_t": net_t,
        "recycled_pre_consumer_share": pre,
        "recycled_post_consumer_share": post,
        "assurance": "self_declared",
        "chain_of_custody": "segregated",
    }
    return values | extra


CERTIFICATE = {"certificate_name": "ISCC PLUS 123", "certificate_url": "https://example.org/certificates/123.pdf"}
DECLARATIONS = pl.DataFrame(
    [
        row(
            "appliances.refrigerator",
            "RF-100",
            "plastics.pp",
            120.0,
            0.1,
            0.2,
            units_placed=50000,
            bio_based_share=0.05,
            assurance="third_party_verified",
            **CERTIFICATE,
        ),  # fmt: skip
        row("vehicles.passenger_car", None, "metals.aluminium", 900.0, 0.0, 0.35, chain_of_custody="mass_balance"),
        row("batteries.ev", "EV-7/2024", "metals.cobalt", 5.0, 0.10, 0.05),
        row("batteries.ev", "EV-7/2024", "metals.lithium", 2.0, 0.0, 0.06),
        row("batteries.ev", "EV-7/2024", "metals.nickel", 8.0, 0.02, 0.04),
        row("batteries.ev", "EV-7/2024", "metals.lead", 0.5, 0.0, 0.85),
        row("batteries.ev", "EV-7/2024", "metals.copper", 3.0, 0.0, 0.1),  # not a battery-passport material
    ],
    schema=TABLES["core.declarations"],
    orient="row",
)


def test_every_exported_document_validates_against_its_published_schema() -> None:
    documents = list(declaration_documents(DECLARATIONS))

    assert sorted(document.aspect for document in documents) == sorted([VERIFIABLE, *[CALCULATED] * 6, CIRCULARITY])
    for document in documents:
        found = errors(document.aspect, document.content)
        if document.aspect == CIRCULARITY:
            # Only the aspect's properties a declaration does not hold are missing; what is there is valid.
            assert all(error.validator == "required" and not error.path for error in found), found
            assert {error.message.split("'")[1] for error in found} == NOT_DECLARED
        else:
            assert found == [], (document.path, found)


def test_the_documents_carry_the_declared_figures() -> None:
    documents = {document.path.as_posix(): document for document in declaration_documents(DECLARATIONS)}

    fridge = documents["maker-a/FY2024/catena-x/appliances.refrigerator_RF-100_plastics.pp.json"]
    assert fridge.aspect == VERIFIABLE
    [material] = fridge.content["secondaryMaterialContent"]
    assert fridge.content["orderNumber"] == "RF-100"
    assert material["materialClass"] == "5.1"
    assert material["materialNameStandardized"]["materialNameStandardizedValue"] == "PP"
    assert material["unitOfMeasure"] == {  # 120 t over 50,000 refrigerators: 2.4 kg each
        "unitOfMeasureKey": "unit:kilogram",
        "materialNetMass": pytest.approx(2.4),
        "grossMaterialInputMass": pytest.approx(2.4),
    }
    secondary = material["inorganic"]["secondaryInorganic"]
    assert secondary["preConsumer"]["mechanicalRecycling"] == {
        "percentageOfMaterialWeight": 10.0,
        "isMassBalanced": False,
    }
    assert secondary["postConsumer"]["mechanicalRecycling"]["percentageOfMaterialWeight"] == 20.0
    assert material["inorganic"]["primaryInorganic"] == {"percentageOfMaterialWeight": 65.0}  # 100 - 10 - 20 - 5 bio
    assert material["certificate"] == [
        {"certificateName": "ISCC PLUS 123", "certificateLink": "https://example.org/certificates/123.pdf"}
    ]
    car = documents["maker-a/FY2024/catena-x/vehicles.passenger_car_metals.aluminium.json"]
    assert car.aspect == CALCULATED
    [aluminium] = car.content["secondaryMaterialContent"]
    assert aluminium["unitOfMeasure"]["unitOfMeasureKey"] == "unit:tonneMetricTon"  # no units placed: the year's total
    assert aluminium["inorganic"]["secondaryInorganic"]["postConsumer"]["mechanicalRecycling"]["isMassBalanced"] is True

    battery = documents["maker-a/FY2024/batterypass/batteries.ev_EV-7-2024.json"]
    assert battery.content == {
        "recycledContent": [
            {"recycledMaterial": "Cobalt", "preConsumerShare": 10.0, "postConsumerShare": 5.0},
            {"recycledMaterial": "Lead", "preConsumerShare": 0.0, "postConsumerShare": 85.0},
            {"recycledMaterial": "Lithium", "preConsumerShare": 0.0, "postConsumerShare": 6.0},
            {"recycledMaterial": "Nickel", "preConsumerShare": 2.0, "postConsumerShare": 4.0},
        ]
    }


def test_a_deliberately_broken_document_fails_validation() -> None:
    documents = {document.aspect: document.content for document in declaration_documents(DECLARATIONS)}

    over = copy.deepcopy(documents[VERIFIABLE])
    over["secondaryMaterialContent"][0]["inorganic"]["secondaryInorganic"]["preConsumer"]["mechanicalRecycling"][
        "percentageOfMaterialWeight"
    ] = 150.0  # a share left as 1.5 instead of a percentage
    assert [error.validator for error in errors(VERIFIABLE, over)] == ["maximum"]
    unordered = copy.deepcopy(documents[CALCULATED])
    del unordered["orderNumber"]
    assert [error.message for error in errors(CALCULATED, unordered)] == ["'orderNumber' is a required property"]
    wrong_unit = copy.deepcopy(documents[CALCULATED])
    wrong_unit["secondaryMaterialContent"][0]["unitOfMeasure"]["unitOfMeasureKey"] = "t"
    assert [error.validator for error in errors(CALCULATED, wrong_unit)] == ["pattern"]
    copper = copy.deepcopy(documents[CIRCULARITY])
    copper["recycledContent"][0]["recycledMaterial"] = "Copper"
    assert "enum" in {error.validator for error in errors(CIRCULARITY, copper)}


def test_junkan_export_declarations_writes_the_documents_and_an_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("JUNKAN_HOME", str(home))
    monkeypatch.setattr(runtime, "prepare_environment", lambda settings: None)
    resources = build_resources(Settings(home=home))
    resources.warehouse.replace("core.declarations", DECLARATIONS, match={"period": ["FY2024"]})
    resources.close()
    app = typer.Typer()
    app.command("noop")(lambda: None)
    cli_report.register(app)
    out = tmp_path / "exported"

    result = CliRunner().invoke(app, ["export", "--declarations", str(out), "--member", "maker-a"])

    assert result.exit_code == 0, result.output
    assert "wrote 8 documents" in result.stdout
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert len(index) == 8
    for entry in index:
        aspect = next(name for name, urn in (
            (CALCULATED, "secondary_material_content_calculated"),
            (VERIFIABLE, "secondary_material_content_verifiable"),
            (CIRCULARITY, "BatteryPass.Circularity"),
        ) if urn in entry["aspect"])  # fmt: skip
        document = json.loads((out / entry["file"]).read_text(encoding="utf-8"))
        assert all(error.validator == "required" for error in errors(aspect, document))
    assert write_declaration_documents(DECLARATIONS.clear(), tmp_path / "none") == []

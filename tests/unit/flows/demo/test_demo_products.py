"""The demo's product members: files the pipeline accepts whole, and the associations' rates from their flows."""

from __future__ import annotations

import polars as pl
import pytest

from expectations.result import ValidationResult
from flows.demo.data.generate import DemoManifest
from flows.demo.data.products import DECLARED, PRODUCT_FLOWS
from flows.stages.judge import lineage, validate_rows
from infra.readers import read_table
from schemas import get_contract
from schemas.datasets import references_of
from transforms.core_shaping import core_rows
from transforms.product_circularity import compute_product_circularity
from transforms.products import PRODUCT_CATEGORY


def judged(demo: DemoManifest, dataset: str, *, flows: pl.DataFrame | None = None) -> dict[str, ValidationResult]:
    """Each product member's file of `dataset` judged as a run judges it; declarations against `flows` (core rows)."""
    contract = get_contract(dataset)
    found = {}
    for file in demo.submissions:
        if file.member_id not in PRODUCT_FLOWS or file.dataset != dataset:
            continue
        raw = read_table(file.path, contract)
        frame = lineage(raw.frame, submission_id=file.member_id, submitter_id=file.member_id, registered_region=None)
        references = {name: reference.empty() for name, reference in references_of(dataset).items()}
        if flows is not None:
            references["flows"] = flows.select(references["flows"].columns)
        found[file.member_id] = validate_rows(contract, frame, references=references)
    return found


def core_flows(demo: DemoManifest) -> pl.DataFrame:
    """The product members' accepted flows as core rows (an unknown leaf rolled up, product names read as codes)."""
    return pl.concat([core_rows("flows", result.accepted) for result in judged(demo, "flows").values()])


def test_every_product_members_file_is_accepted_whole_and_named_products_are_read_as_codes(demo: DemoManifest) -> None:
    results = judged(demo, "flows")

    assert set(results) == set(PRODUCT_FLOWS)
    for member, result in results.items():
        assert result.quarantined.height == 0, member
        assert result.failures.filter(~pl.col("check_id").str.ends_with(".label")).is_empty(), member
    pet = results["pet-bottle-assoc"].accepted
    assert set(pet.get_column(PRODUCT_CATEGORY).to_list()) == {"packaging.pet_bottle"}  # written PETボトル


def test_declarations_stay_within_the_members_own_recycled_flows(demo: DemoManifest) -> None:
    results = judged(demo, "declarations", flows=core_flows(demo))

    assert set(results) == set(DECLARED)
    for member, result in results.items():
        assert result.quarantined.height == 0, member
        assert result.failures.is_empty(), member  # no own-flows warning: the recycled mass is within the flows


def test_the_associations_rates_come_out_of_the_members_flows(demo: DemoManifest) -> None:
    table = compute_product_circularity(core_flows(demo).lazy()).collect()
    national = table.filter(period="FY2024", product_level="leaf", material_level="all", region_level="all")

    cans = national.filter(product_category="packaging.aluminium_can").row(0, named=True)
    bottles = national.filter(product_category="packaging.pet_bottle").row(0, named=True)

    # CAN to CAN over the cans recycled in Japan; 58 kt recycled in Korea count in recycled_t only.
    assert (cans["recycled_t"], cans["recycled_domestic_t"]) == (313_000.0, 255_000.0)
    assert cans["closed_loop_share_of_recycled"] == pytest.approx(188 / 255)
    # Bottle to bottle over the bottles sold, near the PET council's 29 % (FY2022).
    assert bottles["closed_loop_share_of_placed"] == pytest.approx(162 / 560)
    assert bottles["recycling_rate"] == pytest.approx(480 / 560)

"""The dataset registry: every dataset registered once, and everything that lists datasets derived from it."""

from __future__ import annotations

import pytest

from expectations.plan import DERIVED_RULE_KINDS
from flows.cli import common, reference
from flows.stages.obligations import SOURCES as OBLIGATION_SOURCES
from flows.stages.roadmaps import ROADMAP_INPUTS
from flows.stages.targets import TARGET_INPUTS
from schemas import CONTRACTS, DATASETS
from schemas.datasets import (
    CORE_STEPS,
    DATASET_SPECS,
    MEMBER_DATASETS,
    OBLIGATION_TABLES,
    PERIOD_TABLES,
    RECYCLED_CONTENT_TABLES,
    ROADMAP_TABLES,
    RULE_REFERENCES,
    SECRETARIAT_DATASETS,
    TARGET_TABLES,
    datasets_feeding,
)
from schemas.tables import PUBLIC_TABLES, TABLES
from transforms.core_shaping import STEPS
from transforms.publication import PUBLISHED_BUILDERS
from transforms.recycled_content import DECLARATION_TABLES


def test_the_command_line_offers_exactly_the_registered_datasets() -> None:
    assert [one.value for one in common.Dataset] == list(MEMBER_DATASETS)
    assert [one.value for one in reference.ReferenceDataset] == list(SECRETARIAT_DATASETS)
    assert set(MEMBER_DATASETS) | set(SECRETARIAT_DATASETS) == set(DATASETS) == set(CONTRACTS)


@pytest.mark.parametrize("dataset", list(DATASET_SPECS))
def test_every_rule_that_looks_something_up_has_it_registered(dataset: str) -> None:
    spec = DATASET_SPECS[dataset]
    looked_up = {rule.kind for rule in spec.contract.rules if rule.kind in RULE_REFERENCES}
    registered = {kind for reference in spec.references.values() for kind in reference.rules}
    assert looked_up == registered, f"{dataset}: rules {looked_up} but references for {registered}"
    for name, found in spec.references.items():
        assert set(found.columns) <= set(TABLES[found.table]), (dataset, name)
        assert found.empty().columns == list(found.columns)


def test_every_look_up_rule_kind_names_its_reference() -> None:
    look_ups = {
        kind
        for kind in DERIVED_RULE_KINDS
        if kind.startswith("known_") or kind in ("from_baseline", "within_own_flows")
    }
    assert look_ups == set(RULE_REFERENCES)


def test_only_flows_and_declarations_republish_their_periods() -> None:
    assert [name for name, spec in DATASET_SPECS.items() if spec.republishes_periods] == ["flows", "declarations"]


def _datasets_read(tables: tuple[str, ...]) -> set[str]:
    """The datasets behind a stage's input tables: members' indicators and draft indicators come from flows."""
    from_flows = {"core.member_indicators", "draft.indicators"}
    return {"flows" if table in from_flows else table.removeprefix("core.") for table in tables}


@pytest.mark.parametrize(
    ("published", "inputs"),
    [
        (TARGET_TABLES, TARGET_INPUTS),
        (OBLIGATION_TABLES, (*OBLIGATION_SOURCES, "core.member_indicators")),
        (ROADMAP_TABLES, ROADMAP_INPUTS),
    ],
)
def test_what_a_dataset_feeds_is_what_the_stages_that_build_those_tables_read(
    published: tuple[str, ...], inputs: tuple[str, ...]
) -> None:
    assert set(datasets_feeding(published)) == _datasets_read(inputs)


def test_flows_feed_every_period_table_and_the_period_tables_are_the_published_builders() -> None:
    assert set(PERIOD_TABLES) == {*PUBLISHED_BUILDERS, "mart.publication_summary"}
    assert datasets_feeding(set(PERIOD_TABLES) - {"mart.publication_summary"}) == ("flows",)
    assert set(DATASET_SPECS["flows"].feeds) >= set(PERIOD_TABLES)
    # Declarations feed their own tables, and the period's summary of what disclosure control withheld.
    assert set(RECYCLED_CONTENT_TABLES) == set(DECLARATION_TABLES.builders)
    assert datasets_feeding(RECYCLED_CONTENT_TABLES) == ("declarations",)
    assert datasets_feeding(["mart.publication_summary"]) == ("flows", "declarations")
    every_fed = {table for spec in DATASET_SPECS.values() for table in spec.feeds}
    assert every_fed <= set(PUBLIC_TABLES)
    assert set(PUBLIC_TABLES) - every_fed == {"mart.releases"}  # written by a release itself


def test_every_named_core_step_is_implemented() -> None:
    assert set(STEPS) == set(CORE_STEPS)
    assert {step for spec in DATASET_SPECS.values() for step in spec.core_steps} <= set(STEPS)

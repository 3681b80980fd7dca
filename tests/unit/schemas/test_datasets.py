"""The dataset registry: every dataset registered once, and everything that lists datasets derived from it."""

from __future__ import annotations

import pytest

from expectations.plan import DERIVED_RULE_KINDS
from flows.cli import common, reference
from schemas import CONTRACTS, DATASETS
from schemas.datasets import DATASET_SPECS, MEMBER_DATASETS, RULE_REFERENCES, SECRETARIAT_DATASETS
from schemas.tables import TABLES


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
    look_ups = {kind for kind in DERIVED_RULE_KINDS if kind.startswith("known_") or kind == "from_baseline"}
    assert look_ups == set(RULE_REFERENCES)


def test_only_flows_republish_their_periods() -> None:
    assert [name for name, spec in DATASET_SPECS.items() if spec.republishes_periods] == ["flows"]

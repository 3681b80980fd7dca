"""Data contracts: the one source of truth for every dataset's columns and rules."""

from __future__ import annotations

from schemas.contract import Check, Column, Contract, Rule
from schemas.datasets import DATASET_SPECS
from schemas.disclosures import DISCLOSURES
from schemas.flows import FLOWS
from schemas.members import MEMBERS
from schemas.plans import PLANS
from schemas.progress import PROGRESS
from schemas.projects import PROJECTS
from schemas.tables import LINEAGE, TABLES
from schemas.targets import TARGETS

# Every dataset's contract, by the name used in inbox paths and on the command line: members' datasets, then the
# secretariat's reference data (roadmap targets, national statistics), judged like members' files
# (`schemas.datasets` registers them).
CONTRACTS: dict[str, Contract] = {name: spec.contract for name, spec in DATASET_SPECS.items()}
DATASETS: tuple[str, ...] = tuple(CONTRACTS)
# The order a run validates datasets in: targets, then progress (which names targets), then flows; projects
# before disclosures (which name projects).
DATASET_ORDER: tuple[str, ...] = tuple(sorted(CONTRACTS, key=lambda name: CONTRACTS[name].validation_order))


def get_contract(dataset: str) -> Contract:
    """Return the contract of a submitted dataset, or say which datasets exist."""
    try:
        return CONTRACTS[dataset]
    except KeyError:
        msg = f"unknown dataset {dataset!r}; choose one of: {', '.join(DATASETS)}"
        raise ValueError(msg) from None


__all__ = [
    "CONTRACTS",
    "DATASETS",
    "DATASET_ORDER",
    "DISCLOSURES",
    "FLOWS",
    "LINEAGE",
    "TABLES",
    "MEMBERS",
    "PLANS",
    "PROGRESS",
    "PROJECTS",
    "TARGETS",
    "Check",
    "Column",
    "Contract",
    "Rule",
    "get_contract",
]

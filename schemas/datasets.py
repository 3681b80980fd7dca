"""Every dataset junkan takes, registered once: its contract, what its rules look up, what a file republishes.

The CLI's `--dataset` choices, the judging path's look-ups and the pipeline's triggers all read this registry.
Adding a dataset: its contract module in `schemas/`, its core shaping in `transforms/` when rows need more than the
contract's columns, one `DatasetSpec` below, tests, and `make contract` (docs/contract.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

import polars as pl

from schemas.contract import Contract, RuleKind
from schemas.disclosures import DISCLOSURES
from schemas.flows import FLOWS
from schemas.plans import PLANS
from schemas.progress import PROGRESS
from schemas.projects import PROJECTS
from schemas.reference import REFERENCE_CONTRACTS
from schemas.tables import TABLES
from schemas.targets import TARGETS


@dataclass(frozen=True)
class Reference:
    """Rows of another dataset that a contract's rules look up, read from its core table for the file's members.

    A progress row must name one of its member's targets (`known_target`), from that target's baseline year on
    (`from_baseline`); a disclosure must name one of its member's projects (`known_project`).
    """

    table: str
    columns: tuple[str, ...]
    rules: tuple[RuleKind, ...]

    def empty(self) -> pl.DataFrame:
        """No rows yet (nothing published), in the columns the rules read."""
        return pl.DataFrame(schema={name: TABLES[self.table][name] for name in self.columns})


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset: its contract, what its rules look up, who submits it and what a file of it republishes."""

    contract: Contract
    references: Mapping[str, Reference] = field(default_factory=dict)
    submitted_by: Literal["members", "secretariat"] = "members"
    # A file changes its periods' flow tables (their drafts are rebuilt); every accepted file changes the target,
    # obligation and roadmap tables, which are rebuilt whole.
    republishes_periods: bool = False

    @property
    def name(self) -> str:
        """The dataset's name in inbox paths and on the command line."""
        return self.contract.name


TARGETS_REFERENCE: Final = Reference(
    "core.targets", ("member_id", "target_id", "baseline_year"), rules=("known_target", "from_baseline")
)
PROJECTS_REFERENCE: Final = Reference("core.projects", ("member_id", "project_id"), rules=("known_project",))

DATASET_SPECS: Final[dict[str, DatasetSpec]] = {
    spec.name: spec
    for spec in (
        DatasetSpec(FLOWS, republishes_periods=True),
        DatasetSpec(TARGETS),
        DatasetSpec(PROGRESS, references={"targets": TARGETS_REFERENCE}),
        DatasetSpec(PROJECTS),
        DatasetSpec(DISCLOSURES, references={"projects": PROJECTS_REFERENCE}),
        DatasetSpec(PLANS),
        *(DatasetSpec(contract, submitted_by="secretariat") for contract in REFERENCE_CONTRACTS),
    )
}
# What members submit (`junkan submit --dataset`), and the secretariat's reference data (`junkan reference load`).
MEMBER_DATASETS: Final = tuple(name for name, spec in DATASET_SPECS.items() if spec.submitted_by == "members")
SECRETARIAT_DATASETS: Final = tuple(name for name, spec in DATASET_SPECS.items() if spec.submitted_by == "secretariat")
# Which reference each rule kind that looks something up reads.
RULE_REFERENCES: Final[dict[str, str]] = {
    rule: name
    for spec in DATASET_SPECS.values()
    for name, reference in spec.references.items()
    for rule in reference.rules
}


def references_of(dataset: str) -> Mapping[str, Reference]:
    """What a dataset's rules look up (none for an unknown dataset: its contract names none)."""
    spec = DATASET_SPECS.get(dataset)
    return spec.references if spec is not None else {}

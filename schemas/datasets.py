"""Every dataset junkan takes, registered once: its contract, look-ups, core shaping and the tables it feeds.

The CLI's `--dataset` choices, the judging path's look-ups, the shaping of core rows and the pipeline's triggers
all read this registry. Adding a dataset (the README's recipe has every step): its contract module in `schemas/`
and its `core.<dataset>` table in `schemas/tables.py`, a new rule kind where the existing ones cannot say a rule
(`schemas/contract.py`, computed in `expectations/derived.py`), its core shaping in `transforms/` when rows need more
than the contract's columns (a step named in `CoreStep`, implemented in `transforms/core_shaping.py`), a builder and
`DisclosureSpec` for a new public table, one `DatasetSpec` below, tests, and `make contract` (docs/contract.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

import polars as pl

from schemas.contract import Contract, RuleKind
from schemas.declarations import DECLARATIONS
from schemas.designated_products import DESIGNATED_PRODUCTS
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
    (`from_baseline`); a disclosure must name one of its member's projects (`known_project`); a declaration's
    recycled mass is compared with the recycled input of its member's flows (`within_own_flows`).
    """

    table: str
    columns: tuple[str, ...]
    rules: tuple[RuleKind, ...]

    def empty(self) -> pl.DataFrame:
        """No rows yet (nothing published), in the columns the rules read."""
        return pl.DataFrame(schema={name: TABLES[self.table][name] for name in self.columns})


# How accepted rows become core rows beyond selecting the core table's columns, by name; each step is a pure
# function of `transforms/core_shaping.py` (schemas cannot import transforms), run in the order given.
CoreStep = Literal["roll_up_unknown_materials", "resolve_metric_tons", "roll_up_unknown_products", "settle_claims"]
CORE_STEPS: Final[tuple[CoreStep, ...]] = get_args(CoreStep)

# The public tables of a period, rebuilt for each period a file names.
PERIOD_TABLES: Final = (
    "mart.flows",
    "mart.stage_balance",
    "mart.indicators",
    "mart.sankey_links",
    "mart.regional_flows",
    "mart.regional_balance",
    "mart.material_circularity",
    "mart.product_circularity",
    "mart.publication_summary",
)
# The public tables rebuilt whole: target progress and the register, obligations, roadmaps.
TARGET_TABLES: Final = ("mart.target_progress", "mart.target_compliance", "mart.member_targets")
OBLIGATION_TABLES: Final = ("mart.member_compliance",)
ROADMAP_TABLES: Final = ("mart.resource_productivity", "mart.roadmap_progress")
# The public tables of a period built from members' declarations (protected in a pass of their own).
RECYCLED_CONTENT_TABLES: Final = ("mart.recycled_content",)


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset: its contract, what its rules look up, who submits it, how its rows are kept and what they feed."""

    contract: Contract
    references: Mapping[str, Reference] = field(default_factory=dict)
    submitted_by: Literal["members", "secretariat"] = "members"
    core_steps: tuple[CoreStep, ...] = ()
    # The public tables its core rows feed: a run that accepts a file of it rebuilds their drafts (a period
    # table for the periods the file names), and a release publishes them.
    feeds: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The dataset's name in inbox paths and on the command line."""
        return self.contract.name

    @property
    def republishes_periods(self) -> bool:
        """Whether its files change their periods' tables (the drafts of every period they name are rebuilt)."""
        return any(table in PERIOD_TABLES or table in RECYCLED_CONTENT_TABLES for table in self.feeds)


TARGETS_REFERENCE: Final = Reference(
    "core.targets", ("member_id", "target_id", "baseline_year"), rules=("known_target", "from_baseline")
)
PROJECTS_REFERENCE: Final = Reference("core.projects", ("member_id", "project_id"), rules=("known_project",))
# A declaration's recycled content is held to the recycled material the member's own flows bring into production.
OWN_FLOWS_REFERENCE: Final = Reference(
    "core.flows",
    ("member_id", "period", "material", "material_group", "source_stage", "target_stage", "quantity_t"),
    rules=("within_own_flows",),
)

DATASET_SPECS: Final[dict[str, DatasetSpec]] = {
    spec.name: spec
    for spec in (
        # Flows feed every period table, members' indicators (so their targets' progress and obligations) and
        # the members' side of the roadmaps.
        DatasetSpec(
            FLOWS,
            core_steps=("roll_up_unknown_materials", "roll_up_unknown_products", "resolve_metric_tons"),
            feeds=(*PERIOD_TABLES, *TARGET_TABLES, *OBLIGATION_TABLES, *ROADMAP_TABLES),
        ),
        DatasetSpec(TARGETS, feeds=(*TARGET_TABLES, *OBLIGATION_TABLES, *ROADMAP_TABLES)),
        DatasetSpec(PROGRESS, references={"targets": TARGETS_REFERENCE}, feeds=(*TARGET_TABLES, *OBLIGATION_TABLES)),
        DatasetSpec(PROJECTS, feeds=OBLIGATION_TABLES),
        DatasetSpec(DISCLOSURES, references={"projects": PROJECTS_REFERENCE}, feeds=OBLIGATION_TABLES),
        DatasetSpec(PLANS, feeds=OBLIGATION_TABLES),
        DatasetSpec(
            DECLARATIONS,
            references={"flows": OWN_FLOWS_REFERENCE},
            core_steps=(
                "roll_up_unknown_materials",
                "roll_up_unknown_products",
                "resolve_metric_tons",
                "settle_claims",
            ),
            # Its period's recycled content, and the period's summary of what disclosure control withheld.
            feeds=(*RECYCLED_CONTENT_TABLES, "mart.publication_summary"),
        ),
        *(DatasetSpec(contract, submitted_by="secretariat", feeds=ROADMAP_TABLES) for contract in REFERENCE_CONTRACTS),
        # The law's designations feed no public table: members' recycled-material reports read them.
        DatasetSpec(DESIGNATED_PRODUCTS, submitted_by="secretariat"),
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


def datasets_feeding(tables: Iterable[str]) -> tuple[str, ...]:
    """The datasets whose rows feed any of these public tables, in registry order."""
    wanted = set(tables)
    return tuple(name for name, spec in DATASET_SPECS.items() if wanted & set(spec.feeds))


def references_of(dataset: str) -> Mapping[str, Reference]:
    """What a dataset's rules look up (none for an unknown dataset: its contract names none)."""
    spec = DATASET_SPECS.get(dataset)
    return spec.references if spec is not None else {}

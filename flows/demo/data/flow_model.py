"""The demo's synthetic material flows: one template per member archetype, mass-balanced stage by stage.

Each member's plan, growth and shares draw from random streams named by seed, member and material, so a
member's flows do not depend on which other members exist or in what order they are generated.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flows.demo.data.members import DemoMember, Role


@dataclass(frozen=True)
class Flow:
    """One flow of a member's year, in tonnes."""

    material: str
    source_stage: str
    target_stage: str
    quantity_t: float


def _split(total: float, shares: Sequence[float]) -> list[float]:
    """Parts of `total` for each share plus the remainder, to the kilogram, adding up to `total`."""
    parts = [round(total * share, 3) for share in shares]
    return [*parts, max(round(total - sum(parts), 3), 0.0)]


def _out(material: str, stage: str, targets: Sequence[str], total: float, shares: Sequence[float] = ()) -> list[Flow]:
    """Flows leaving one stage whose quantities add up to what entered it."""
    parts = _split(total, shares)
    return [Flow(material, stage, target, part) for target, part in zip(targets, parts, strict=True)]


# Household waste per person and year in kg, and its end-of-life route: (circular stage, its share,
# energy-recovery share); the rest is landfilled. Rough Japanese orders of magnitude.
_PER_PERSON_KG: dict[str, float] = {
    "mixed.municipal": 210.0,
    "paper.cardboard": 14.0,
    "paper.newspaper": 11.0,
    "paper.mixed": 9.0,
    "plastics.packaging": 13.0,
    "plastics.pet": 5.0,
    "glass.container": 9.0,
    "metals.aluminium": 1.8,
    "metals.ferrous": 2.5,
    "textiles.clothing": 3.0,
    "biomass.food": 25.0,
    "biomass.garden": 12.0,
}
_CAMPUS_PER_PERSON_KG: dict[str, float] = {
    "paper.mixed": 12.0,
    "plastics.pet": 2.5,
    "biomass.food": 6.0,
    "mixed.municipal": 18.0,
}
_END_OF_LIFE: dict[str, tuple[str, float, float]] = {
    "mixed.municipal": ("recycling", 0.03, 0.87),
    "paper.cardboard": ("recycling", 0.93, 0.05),
    "paper.newspaper": ("recycling", 0.95, 0.03),
    "paper.mixed": ("recycling", 0.80, 0.17),
    "plastics": ("recycling", 0.25, 0.62),
    "plastics.packaging": ("recycling", 0.55, 0.40),
    "plastics.pet": ("recycling", 0.86, 0.10),
    "glass.container": ("recycling", 0.85, 0.02),
    "metals.aluminium": ("recycling", 0.90, 0.03),
    "metals.ferrous": ("recycling", 0.90, 0.03),
    "textiles.clothing": ("recycling", 0.35, 0.55),
    "biomass.food": ("composting", 0.55, 0.40),
    "biomass.garden": ("composting", 0.70, 0.27),
}
_DEFAULT_END_OF_LIFE = ("recycling", 0.6, 0.2)
# Share of recycled input in production, and of imports in the virgin rest, by material group.
_RECYCLED_INPUT = {"paper": 0.65, "metals": 0.35, "plastics": 0.06, "construction": 0.25, "glass": 0.6}
_IMPORTED_VIRGIN = {"paper": 0.3, "metals": 1.0, "plastics": 1.0, "construction": 0.0, "glass": 0.2}


def _group(material: str) -> str:
    return material.split(".", 1)[0]


def _end_of_life(material: str, generated: float, rng: random.Random, improvement: float) -> list[Flow]:
    """Use → collection → sorting → circular use, energy recovery, landfill: how municipalities report."""
    circular, circular_share, energy_share = _END_OF_LIFE.get(material, _DEFAULT_END_OF_LIFE)
    circular_share = min(circular_share * rng.uniform(0.9, 1.05) + improvement, 0.97 - energy_share)
    energy_share = energy_share * rng.uniform(0.9, 1.0)
    generated = round(generated, 3)
    return [
        Flow(material, "use", "collection", generated),
        Flow(material, "collection", "sorting", generated),
        *_out(
            material, "sorting", (circular, "energy_recovery", "landfill"), generated, (circular_share, energy_share)
        ),
    ]


def _recycler(material: str, received: float, rng: random.Random, improvement: float) -> list[Flow]:
    """A recycling company: what it receives is sorted, recycled (or composted) and sold back to production."""
    circular = "composting" if material in {"biomass.food", "biomass.garden"} else "recycling"
    received = round(received, 3)
    flows = [Flow(material, "collection", "sorting", received)]
    shares = (rng.uniform(0.84, 0.9) + improvement, rng.uniform(0.03, 0.06))
    flows += _out(material, "sorting", (circular, "energy_recovery", "landfill"), received, shares)
    if circular == "recycling":
        flows += _out(
            material, "recycling", ("production", "treatment"), flows[1].quantity_t, (rng.uniform(0.95, 0.98),)
        )
    return flows


def _producer(material: str, produced: float, rng: random.Random, improvement: float) -> list[Flow]:
    """A material producer: recycled, imported and extracted inputs; products, exports and losses."""
    group = _group(material)
    produced = round(produced, 3)
    recycled = round(produced * (_RECYCLED_INPUT.get(group, 0.1) * rng.uniform(0.9, 1.1) + improvement), 3)
    imported, extracted = _split(produced - recycled, (_IMPORTED_VIRGIN.get(group, 0.5),))
    inputs = (("recycling", recycled), ("import", imported), ("extraction", extracted))
    flows = [Flow(material, stage, "production", quantity) for stage, quantity in inputs if quantity > 0]
    shares = (rng.uniform(0.88, 0.93), rng.uniform(0.03, 0.05))
    return flows + _out(material, "production", ("manufacturing", "export", "dissipation"), produced, shares)


def _manufacturer(material: str, received: float, rng: random.Random, improvement: float) -> list[Flow]:
    """A manufacturer: materials in, products to use, process scrap to recycling, exports."""
    received = round(received, 3)
    shares = (rng.uniform(0.88, 0.93), rng.uniform(0.02, 0.04) + improvement / 2)
    return [
        Flow(material, "production", "manufacturing", received),
        *_out(material, "manufacturing", ("use", "recycling", "export"), received, shares),
    ]


def _national(material: str, used: float, rng: random.Random, improvement: float) -> list[Flow]:
    """The whole chain of one material in Japan, as associations and institutes estimate it."""
    used = round(used, 3)
    manufactured = used / rng.uniform(0.9, 0.95)
    production_share = rng.uniform(0.9, 0.94)
    produced = round(manufactured / production_share, 3)
    production = _out(
        material, "production", ("manufacturing", "export", "dissipation"), produced, (production_share, 0.04)
    )
    manufacturing = _out(
        material, "manufacturing", ("use", "export"), production[0].quantity_t, (used / production[0].quantity_t,)
    )
    use = _out(material, "use", ("collection", "stock"), manufacturing[0].quantity_t, (rng.uniform(0.55, 0.8),))
    collected = use[0].quantity_t
    _, circular_share, energy_share = _END_OF_LIFE.get(material, _DEFAULT_END_OF_LIFE)
    sorting = _out(
        material,
        "sorting",
        ("recycling", "energy_recovery", "landfill"),
        collected,
        (circular_share + improvement, energy_share),
    )
    back = _out(material, "recycling", ("production", "treatment"), sorting[0].quantity_t, (rng.uniform(0.94, 0.97),))
    imported, extracted = _split(produced - back[0].quantity_t, (_IMPORTED_VIRGIN.get(_group(material), 0.5),))
    inputs = [
        Flow(material, stage, "production", quantity)
        for stage, quantity in (("import", imported), ("extraction", extracted))
        if quantity > 0
    ]
    collection = Flow(material, "collection", "sorting", collected)
    return [*inputs, *production, *manufacturing, *use, collection, *sorting, *back]


def _reuse(material: str, collected: float, rng: random.Random, improvement: float) -> list[Flow]:
    """A reuse organisation: collected goods reused, the rest sorted for recycling or energy recovery."""
    collected = round(collected, 3)
    flows = [Flow(material, "use", "collection", collected)]
    flows += _out(material, "collection", ("reuse", "sorting"), collected, (rng.uniform(0.3, 0.45) + improvement,))
    return flows + _out(
        material, "sorting", ("recycling", "energy_recovery"), flows[-1].quantity_t, (rng.uniform(0.5, 0.7),)
    )


_Template = Callable[[str, float, random.Random, float], list[Flow]]
_TEMPLATES: dict[Role, _Template] = {
    "municipality": _end_of_life,
    "campus": _end_of_life,
    "recycler": _recycler,
    "producer": _producer,
    "manufacturer": _manufacturer,
    "national": _national,
    "reuse": _reuse,
}


def _plan(member: DemoMember, seed: int) -> dict[str, float]:
    """Each material a member reports, with its yearly tonnage in the first fiscal year."""
    rng = random.Random(f"{seed}:{member.member_id}:plan")
    if member.role == "municipality":
        optional = [material for material in _PER_PERSON_KG if material != "mixed.municipal"]
        chosen = ["mixed.municipal", *sorted(rng.sample(optional, rng.randint(4, 8)))]
        return {
            material: member.scale * _PER_PERSON_KG[material] / 1000 * rng.uniform(0.85, 1.15) for material in chosen
        }
    if member.role == "campus":
        return {
            material: member.scale * per_person / 1000 * rng.uniform(0.8, 1.2)
            for material, per_person in _CAMPUS_PER_PERSON_KG.items()
        }
    share = member.scale / len(member.materials)
    return {material: share * rng.uniform(0.7, 1.3) for material in member.materials}


def year_flows(member: DemoMember, seed: int, year_index: int) -> list[Flow]:
    """A member's flows in one fiscal year: same shares every year, a little growth and improvement."""
    template = _TEMPLATES[member.role]
    flows: list[Flow] = []
    for material, first_year in _plan(member, seed).items():
        trend = random.Random(f"{seed}:{member.member_id}:{material}:trend")
        growth, improvement = 1.0, 0.0
        for _ in range(year_index):
            growth *= trend.uniform(0.96, 1.02)
            improvement += trend.uniform(0.0, 0.02)
        shares = random.Random(f"{seed}:{member.member_id}:{material}:shares")
        flows += template(material, first_year * growth, shares, improvement)
    return flows

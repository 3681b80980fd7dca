"""Where the demo's waste goes for treatment (地域循環: wide-area treatment).

Sorted plastics, metals and glass often go to a recycler in a neighbouring prefecture, and part of the
landfilled residue to a landfill there.

Neighbours are japanmap's adjacency; each member's choice draws from a stream named by seed and member, so
it does not depend on which other members exist.
"""

from __future__ import annotations

import functools
import random

import japanmap

from flows.demo.data.flow_model import Flow
from flows.demo.data.members import DemoMember
from schemas.regions import PREFECTURE_CODES, PREFECTURES

# (material group, target stage) whose treatment a municipality sends away, and how often it does.
_SENT_AWAY: dict[tuple[str, str], float] = {
    ("plastics", "recycling"): 0.8,
    ("metals", "recycling"): 0.7,
    ("mixed", "landfill"): 0.5,
    ("glass", "recycling"): 0.3,
}
_SENDERS = frozenset({"municipality", "campus"})


@functools.cache
def neighbours(region: str) -> tuple[str, ...]:
    """The prefectures that border a prefecture (japanmap's adjacency; it reads its JSON on every call)."""
    number = PREFECTURE_CODES.index(region) + 1
    bordering = japanmap.adjacent(number)  # type: ignore[no-untyped-call]
    return tuple(PREFECTURE_CODES[other - 1] for other in bordering if 1 <= other <= len(PREFECTURES))


def destination_of(member: DemoMember, flow: Flow, seed: int) -> str | None:
    """The prefecture a flow is treated in when that is not the member's own; None when it stays at home."""
    chance = _SENT_AWAY.get((flow.material.split(".", 1)[0], flow.target_stage))
    if member.role not in _SENDERS or chance is None or member.region not in PREFECTURE_CODES:
        return None
    rng = random.Random(f"{seed}:{member.member_id}:{flow.material}:{flow.target_stage}:destination")
    bordering = neighbours(member.region)
    if not bordering or rng.random() >= chance:
        return None
    return rng.choice(bordering)


def written_region(code: str, rng: random.Random) -> str:
    """A prefecture as a municipal officer writes it: the code, or its Japanese name (大阪府, or 大阪)."""
    name = PREFECTURES[PREFECTURE_CODES.index(code)].label_ja
    return rng.choice([code, name, name if name == "北海道" else name[:-1]])

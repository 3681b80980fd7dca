"""The demo's targets and progress files: plausible targets per kind of member, and the values reached since.

The member `TARGET_CHANGE_MEMBER` sends a second version of one target; `UNKNOWN_TARGET_MEMBER` reports
progress on a target it never set (one bad row).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from flows.demo.data.files import EXTENSIONS, DemoFile, FileFormat, submission_path, write_file
from flows.demo.data.kinds import FOLLOW_UP_AS_OF
from flows.demo.data.members import UNKNOWN_TARGET_MEMBER, DemoMember
from schemas import PROGRESS, TARGETS
from schemas import vocabulary as v

UNKNOWN_TARGET_ID = "T9"


_DECREASING_TONNES = frozenset({"natural_resource_input", "waste_generated", "final_disposal"})
_INCREASING_TONNES = frozenset({"cyclical_use", "recovered", "energy_recovery"})
_INDICATORS_BY_KIND: dict[str, tuple[str, ...]] = {
    "municipality": ("final_disposal", "waste_generated", "recovery_rate", "final_disposal_rate", "custom"),
    "company": ("input_cyclical_use_rate", "cyclical_use", "final_disposal_rate", "natural_resource_input", "custom"),
    "industry_association": ("input_cyclical_use_rate", "output_cyclical_use_rate", "cyclical_use", "recovered"),
    "university": ("waste_generated", "recovery_rate", "final_disposal"),
    "research_institute": ("output_cyclical_use_rate", "input_cyclical_use_rate", "energy_recovery"),
    "related_org": ("recovered", "recovery_rate", "custom"),
}
_TARGET_YEARS = (2025, 2027, 2030, 2035)
_PROGRESS_YEARS = (2023, 2024)


@dataclass(frozen=True)
class _Target:
    target_id: str
    indicator: str
    material: str | None
    baseline_year: int
    baseline_value: float
    target_year: int
    target_value: float
    unit: str
    description: str


def _target(member: DemoMember, target_id: str, indicator: str, rng: random.Random) -> _Target:
    """One plausible target: values, unit and a Japanese description that agree with each other."""
    by, ty = rng.randint(2013, 2022), rng.choice(_TARGET_YEARS)
    label = v.labels(v.INDICATORS)[indicator].label_ja if indicator != v.CUSTOM_INDICATOR else ""
    if indicator in _DECREASING_TONNES | _INCREASING_TONNES:
        baseline = round(rng.uniform(2_000, 400_000), -1)
        percent = rng.choice((10, 15, 20, 25, 30, 40, 50))
        down = indicator in _DECREASING_TONNES
        goal = round(baseline * (1 - percent / 100 if down else 1 + percent / 100), 1)
        text, unit = f"{ty}年度までに{label}を{by}年度比で{percent}%{'削減する' if down else '増やす'}", "t"
    elif indicator in {"input_cyclical_use_rate", "output_cyclical_use_rate"}:
        baseline = round(rng.uniform(0.05, 0.4), 2)
        goal = round(baseline + rng.uniform(0.05, 0.2), 2)
        text, unit = f"{ty}年度までに{label}を{goal}に高める", "ratio"
    elif indicator == "recovery_rate":
        baseline = round(rng.uniform(15, 45), 1)
        goal = round(baseline + rng.uniform(5, 20), 1)
        text, unit = f"{ty}年度までに{label}を{goal}%に高める", "%"
    elif indicator == "final_disposal_rate":
        baseline = round(rng.uniform(5, 15), 1)
        goal = round(max(baseline - rng.uniform(2, 5), 1.0), 1)
        text, unit = f"{ty}年度までに{label}を{goal}%以下にする", "%"
    elif member.kind == "municipality":
        baseline = float(rng.randint(800, 1000))
        goal = baseline - rng.randint(50, 150)
        text, unit = f"{ty}年度までに1人1日当たりのごみ排出量を{goal:.0f}g以下にする", "g/人日"
    else:
        baseline = round(rng.uniform(5, 20), 1)
        goal = round(baseline + rng.uniform(10, 30), 1)
        text, unit = f"{ty}年度までに製品の再生材使用率を{goal}%にする", "%"
    material = rng.choice(member.materials) if member.materials and unit != "g/人日" and rng.random() < 0.5 else None
    if material is not None:
        text += f"（対象: {v.labels(v.MATERIAL_GROUPS + v.MATERIAL_LEAVES)[material].label_ja}）"
    return _Target(target_id, indicator, material, by, baseline, ty, goal, unit, text)


def member_targets(member: DemoMember, seed: int) -> list[_Target]:
    """The targets of a member; a few members have not set any yet."""
    rng = random.Random(f"{seed}:{member.member_id}:targets")
    if member.member_id != UNKNOWN_TARGET_MEMBER and rng.random() < 0.12:
        return []
    indicators = rng.sample(_INDICATORS_BY_KIND[member.kind], rng.randint(1, 3))
    numbered = rng.random() < 0.7
    return [
        _target(member, f"T{index}" if numbered else f"CE-{index:02d}", indicator, rng)
        for index, indicator in enumerate(indicators, start=1)
    ]


def _value_text(value: float, unit: str) -> str:
    decimals = {"ratio": 3, "%": 1, "g/人日": 0}.get(unit, 1)
    return f"{value:.{decimals}f}"


# The member whose target changes: a second targets file, a year and a half later, raises T1's target value.
TARGET_CHANGE_MEMBER = UNKNOWN_TARGET_MEMBER
TARGET_CHANGED_ON = date(2025, 10, 1)


@dataclass(frozen=True)
class _Publication:
    """Whether a member published its targets and actions, how often it follows them up, when its targets arrived."""

    published: bool
    actions: bool
    follow_up_months: int | None
    received_on: date


def publication_of(member: DemoMember, seed: int, joined_on: date) -> _Publication:
    """Drawn from a stream of its own, so the year's flows and targets stay as they were."""
    rng = random.Random(f"{seed}:{member.member_id}:publication")
    months = rng.choice((12, 24, 36)) if member.kind == "municipality" else None
    arrived = joined_on + timedelta(days=rng.randint(60, 420))  # now and then after the year allowed
    if member.member_id == TARGET_CHANGE_MEMBER:  # its first version comes well before the change
        arrived = min(arrived, TARGET_CHANGED_ON - timedelta(days=120))
    return _Publication(rng.random() > 0.1, rng.random() > 0.25, months, min(arrived, FOLLOW_UP_AS_OF))


def _target_rows(
    member: DemoMember, targets: Sequence[_Target], publication: _Publication
) -> list[dict[str, str | None]]:
    base = f"https://www.example.jp/{member.member_id}/circular-economy"
    return [
        {
            "member_id": member.member_id,
            "target_id": target.target_id,
            "indicator": target.indicator,
            "material": target.material,
            "baseline_year": str(target.baseline_year),
            "baseline_value": _value_text(target.baseline_value, target.unit),
            "target_year": str(target.target_year),
            "target_value": _value_text(target.target_value, target.unit),
            "unit": target.unit,
            "published_url": f"{base}/targets" if publication.published else None,
            "actions_url": f"{base}/actions" if publication.actions else None,
            "follow_up_months": None if publication.follow_up_months is None else str(publication.follow_up_months),
            "description": target.description,
        }
        for target in targets
    ]


def write_targets(
    directory: Path,
    member: DemoMember,
    targets: Sequence[_Target],
    publication: _Publication,
    *,
    file_format: FileFormat,
) -> list[DemoFile]:
    """A member's targets file, and for `TARGET_CHANGE_MEMBER` the later file that changes one target."""
    rows = _target_rows(member, targets, publication)
    path = submission_path(
        directory, member.member_id, TARGETS.name, f"{member.member_id}-targets.{EXTENSIONS[file_format]}"
    )
    write_file(pl.DataFrame(rows, schema=TARGETS.read_schema), path, TARGETS.name, file_format)
    expectation = f"valid ({len(rows)} target{'s' if len(rows) > 1 else ''})"
    files = [DemoFile(member.member_id, TARGETS.name, path, expectation, received_on=publication.received_on)]
    if member.member_id == TARGET_CHANGE_MEMBER:
        first = targets[0]
        raised = dataclasses.replace(first, target_value=first.target_value * 1.2)
        changed = _target_rows(member, [raised], publication)
        path = submission_path(directory, member.member_id, TARGETS.name, f"{member.member_id}-targets-v2.csv")
        write_file(pl.DataFrame(changed, schema=TARGETS.read_schema), path, TARGETS.name, "csv")
        expectation = f"valid: a new version of {first.target_id} from {TARGET_CHANGED_ON} (the target value raised)"
        files.append(DemoFile(member.member_id, TARGETS.name, path, expectation, received_on=TARGET_CHANGED_ON))
    return files


def progress_received_on(member: DemoMember, seed: int, targets_on: date) -> date:
    """The day the progress file arrived: mostly June 2025, now and then February (overdue by 31 March 2026).

    Never before the member's targets.
    """
    rng = random.Random(f"{seed}:{member.member_id}:progress-day")
    day = date(2025, 2, 14) if rng.random() < 0.25 else date(2025, 6, 20)
    return max(day, targets_on + timedelta(days=30))


def write_progress(directory: Path, member: DemoMember, targets: Sequence[_Target], seed: int) -> DemoFile:
    """Values reached in 2023 and 2024, on the way from each baseline to its target."""
    rng = random.Random(f"{seed}:{member.member_id}:progress")
    rows: list[dict[str, str | None]] = []
    for target in targets:
        for year in _PROGRESS_YEARS:
            done = min((year - target.baseline_year) / (target.target_year - target.baseline_year), 1.0)
            value = target.baseline_value + (target.target_value - target.baseline_value) * done * rng.uniform(0.5, 1.1)
            note = "速報値" if year == _PROGRESS_YEARS[-1] and rng.random() < 0.3 else None
            rows.append(
                {
                    "member_id": member.member_id,
                    "target_id": target.target_id,
                    "year": str(year),
                    "value": _value_text(value, target.unit),
                    "note": note,
                }
            )
    expectation = "valid"
    if member.member_id == UNKNOWN_TARGET_MEMBER:
        rows.append(
            {
                "member_id": member.member_id,
                "target_id": UNKNOWN_TARGET_ID,
                "year": str(_PROGRESS_YEARS[-1]),
                "value": "42.0",
                "note": "未登録の目標",
            }
        )
        expectation = f"partially valid: 1 row with unknown target_id {UNKNOWN_TARGET_ID}"
    name = f"{member.member_id}-progress-{_PROGRESS_YEARS[0]}-{_PROGRESS_YEARS[-1]}.csv"
    path = submission_path(directory, member.member_id, PROGRESS.name, name)
    write_file(pl.DataFrame(rows, schema=PROGRESS.read_schema), path, PROGRESS.name, "csv")
    return DemoFile(member.member_id, PROGRESS.name, path, expectation)

"""Print `make chaos`'s table from the chaos records (JSON lines) and the fuzz statistics; exit 1 on any loss.

Usage: python tests/chaos/table.py CHAOS_STATS.jsonl FUZZ_STATS.json
       python tests/chaos/table.py --fuzz FUZZ_STATS.json      (`make fuzz`: the fuzz tests alone, one line each)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

COLUMNS = ("faults", "recovered", "rows_read", "accepted", "quarantined", "published", "lost", "duplicated")
# Faults covered elsewhere and counted here: the receiver down while uploads happen (issue 3's acceptance test).
ELSEWHERE = {"tests/integration/test_event_ingest.py (events receiver down during uploads)": 1}


def chaos_records(path: Path) -> list[dict[str, Any]]:
    """One record per chaos test, as `tests/chaos/conftest.py::chaos_record` wrote them."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


FUZZ_COUNTS = ("tried", "crashed", "lost")


def fuzz_records(path: Path) -> list[dict[str, Any]]:
    """Each fuzz test's counts (from a {test: counts} object, a list of counts or JSON lines)."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        return []
    try:
        loaded: Any = json.loads(text)
    except json.JSONDecodeError:
        loaded = [json.loads(line) for line in text.splitlines() if line.strip()]
    records = loaded.values() if isinstance(loaded, dict) and "tried" not in loaded else loaded
    return [records] if isinstance(records, dict) else list(records)


def fuzz_totals(path: Path) -> dict[str, int]:
    """Tried, crashed and lost (rows read neither accepted nor set aside) summed over the fuzz tests."""
    totals = dict.fromkeys(FUZZ_COUNTS, 0)
    for record in fuzz_records(path):
        for key in totals:
            totals[key] += int(record.get(key, 0))
    return totals


def fuzz_line(fuzz: dict[str, int]) -> str:
    """The table's fuzz line."""
    return f"fuzz: tried {fuzz['tried']}, crashed {fuzz['crashed']}, lost {fuzz['lost']}"


def fuzz_healthy(fuzz: dict[str, int]) -> bool:
    """Nothing crashed and no row was lost."""
    return fuzz["crashed"] == 0 and fuzz["lost"] == 0


def render(records: list[dict[str, Any]], fuzz: dict[str, int]) -> tuple[str, bool]:
    """The table's text and whether every invariant held (nothing lost or duplicated, every fault recovered)."""
    width = max([len(r["test"].split("::")[-1]) for r in records] + [len(name) for name in ELSEWHERE] + [10])
    lines = [f"{'chaos test':<{width}}  " + "  ".join(f"{c:>11}" for c in COLUMNS)]
    totals = dict.fromkeys(COLUMNS, 0)
    for record in records:
        lines.append(
            f"{record['test'].split('::')[-1]:<{width}}  " + "  ".join(f"{record.get(c, '-')!s:>11}" for c in COLUMNS)
        )
        for column in COLUMNS:
            totals[column] += int(record.get(column, 0))
    for name, faults in ELSEWHERE.items():
        lines.append(f"{name:<{width}}  {faults:>11}  {'(see test)':>11}")
    lines.append(f"{'total':<{width}}  " + "  ".join(f"{totals[c]:>11}" for c in COLUMNS))
    lines.append(fuzz_line(fuzz))
    healthy = (
        bool(records)
        and totals["lost"] == 0
        and totals["duplicated"] == 0
        and totals["recovered"] == totals["faults"]
        and fuzz_healthy(fuzz)
    )
    lines.append("result: " + ("every fault recovered, 0 lost, 0 duplicated" if healthy else "FAILED (see above)"))
    return "\n".join(lines), healthy


def render_fuzz(path: Path) -> tuple[str, bool]:
    """The fuzz tests' lines and the table's fuzz line; healthy when something was tried and nothing failed."""
    records = sorted(fuzz_records(path), key=lambda record: str(record.get("name", "")))
    width = max([len(str(record.get("name", ""))) for record in records] + [10])
    lines = [
        f"{'fuzz test':<{width}}  " + "  ".join(f"{key:>8}" for key in ("tried", "clean", "rejected", *FUZZ_COUNTS[1:]))
    ]
    for record in records:
        counts = "  ".join(f"{int(record.get(key, 0)):>8}" for key in ("tried", "clean", "rejected", *FUZZ_COUNTS[1:]))
        lines.append(f"{record.get('name', '?')!s:<{width}}  {counts}")
    fuzz = fuzz_totals(path)
    lines.append(fuzz_line(fuzz))
    return "\n".join(lines), fuzz["tried"] > 0 and fuzz_healthy(fuzz)


def main(argv: list[str]) -> int:
    """Print the table; 1 when a row was lost or duplicated, a fault not recovered or a fuzz input crashed."""
    if argv[1] == "--fuzz":
        text, healthy = render_fuzz(Path(argv[2]))
        sys.stdout.write(text + "\n")
        return 0 if healthy else 1
    text, healthy = render(chaos_records(Path(argv[1])), fuzz_totals(Path(argv[2])))
    sys.stdout.write(text + "\n")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

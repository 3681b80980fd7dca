"""Print the fuzz tests' counts from `$JUNKAN_FUZZ_STATS` (or argv[1]); exit 1 when anything crashed.

Usage (e.g. in `make chaos`):
    JUNKAN_FUZZ_STATS=.junkan/fuzz.json .venv/bin/pytest -q tests/unit/fuzz
    .venv/bin/python tests/fuzz_summary.py .junkan/fuzz.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Print one line per fuzz test and the totals; 1 when a crash was counted or no stats exist."""
    target = argv[1] if len(argv) > 1 else os.environ.get("JUNKAN_FUZZ_STATS", "")
    if not target or not Path(target).exists():
        print(f"no fuzz statistics at {target or '(JUNKAN_FUZZ_STATS unset)'}; run the fuzz tests with it set")
        return 1
    stats: dict[str, dict[str, int]] = json.loads(Path(target).read_text(encoding="utf-8"))
    totals = {"tried": 0, "clean": 0, "rejected": 0, "crashed": 0}
    for name in sorted(stats):
        counts = stats[name]
        for key in totals:
            totals[key] += int(counts.get(key, 0))
        print(
            f"{name:<40} tried {counts['tried']:>5}  clean {counts['clean']:>5}  "
            f"rejected {counts['rejected']:>5}  crashed {counts['crashed']:>3}"
        )
    print(
        f"{'total':<40} tried {totals['tried']:>5}  clean {totals['clean']:>5}  "
        f"rejected {totals['rejected']:>5}  crashed {totals['crashed']:>3}"
    )
    return 1 if totals["crashed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

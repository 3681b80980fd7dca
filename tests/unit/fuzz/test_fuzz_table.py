"""The fuzz line of `make chaos`'s table and `make fuzz`'s summary: tried, crashed and lost, and when they fail."""

from __future__ import annotations

import json
from pathlib import Path

from tests.chaos.table import fuzz_totals, main, render, render_fuzz

CHAOS_RECORD = {"test": "tests/chaos/test_kill.py::test_killed", "faults": 1, "recovered": 1, "lost": 0}


def _stats(tmp_path: Path, **lost: int) -> Path:
    path = tmp_path / "fuzz.json"
    counts = {
        "readers.csv": {"name": "readers.csv", "tried": 1000, "clean": 600, "rejected": 400, "crashed": 0},
        "members.flows": {"name": "members.flows", "tried": 830, "clean": 700, "rejected": 130, "crashed": 0,
                          "lost": lost.get("flows", 0)},
    }  # fmt: skip
    path.write_text(json.dumps(counts), encoding="utf-8")
    return path


def test_the_fuzz_line_counts_tried_crashed_and_lost_over_every_test(tmp_path: Path) -> None:
    path = _stats(tmp_path)
    assert fuzz_totals(path) == {"tried": 1830, "crashed": 0, "lost": 0}
    text, healthy = render([CHAOS_RECORD], fuzz_totals(path))
    assert "fuzz: tried 1830, crashed 0, lost 0" in text
    assert healthy


def test_a_lost_row_fails_the_chaos_table_and_make_fuzz(tmp_path: Path) -> None:
    path = _stats(tmp_path, flows=2)
    _, healthy = render([CHAOS_RECORD], fuzz_totals(path))
    assert not healthy
    text, fuzz_healthy = render_fuzz(path)
    assert not fuzz_healthy
    assert text.splitlines()[1].split() == ["members.flows", "830", "700", "130", "0", "2"]
    assert text.splitlines()[-1] == "fuzz: tried 1830, crashed 0, lost 2"
    assert main(["table.py", "--fuzz", str(path)]) == 1
    assert main(["table.py", "--fuzz", str(_stats(tmp_path))]) == 0


def test_make_fuzz_fails_when_nothing_was_tried(tmp_path: Path) -> None:
    assert main(["table.py", "--fuzz", str(tmp_path / "missing.json")]) == 1

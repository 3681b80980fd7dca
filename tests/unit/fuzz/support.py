"""Shared pieces of the fuzz tests: fixed Hypothesis settings and counts `make chaos` can print.

Each fuzz test runs its Hypothesis body inside `fuzz_stats(name)`; when `JUNKAN_FUZZ_STATS` names a file,
the test's counts (examples tried, clean results, rejections, crashes) are merged into that JSON file;
`JUNKAN_FUZZ_EXAMPLES` sets how many examples each test tries (default 60).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

from hypothesis import HealthCheck, settings

from schemas.errors import FileRejected

STATS_ENV = "JUNKAN_FUZZ_STATS"
EXAMPLES_ENV = "JUNKAN_FUZZ_EXAMPLES"  # more examples per test for `make chaos`; default keeps `make test` fast
T = TypeVar("T")

# Deterministic (same examples every run, no example database) and modest, so `make test` stays fast.
FUZZ = settings(
    max_examples=int(os.environ.get(EXAMPLES_ENV) or 60),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@dataclass
class FuzzStats:
    """Outcomes of one fuzz test's examples."""

    name: str
    tried: int = 0
    clean: int = 0
    rejected: int = 0
    crashed: int = 0

    def attempt(self, call: Callable[[], T], *, file: str) -> T | FileRejected:
        """Run one example: a result or a clear `FileRejected` naming `file` is fine; anything else is a crash."""
        self.tried += 1
        try:
            result = call()
        except FileRejected as error:
            rejected = error
        except BaseException:
            self.crashed += 1
            raise
        else:
            self.clean += 1
            return result
        self.rejected += 1
        assert rejected.file == file
        assert str(rejected).startswith(file)
        assert rejected.message_en.strip()
        assert rejected.message_ja.strip()
        return rejected


@contextmanager
def fuzz_stats(name: str) -> Iterator[FuzzStats]:
    """Count a fuzz test's outcomes and merge them into `$JUNKAN_FUZZ_STATS` at the end, even on failure."""
    stats = FuzzStats(name)
    try:
        yield stats
    finally:
        target = os.environ.get(STATS_ENV)
        if target:
            path = Path(target)
            merged: dict[str, dict[str, object]] = {}
            if path.exists() and path.stat().st_size:
                merged = json.loads(path.read_text(encoding="utf-8"))
            merged[name] = asdict(stats)
            path.write_text(json.dumps(merged, indent=2, sort_keys=True), encoding="utf-8")

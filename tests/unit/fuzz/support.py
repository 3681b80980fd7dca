"""Shared pieces of the fuzz tests: fixed Hypothesis settings, readable messages and counts `make fuzz` prints.

Each fuzz test runs its Hypothesis body inside `fuzz_stats(name)`; when `JUNKAN_FUZZ_STATS` names a file,
the test's counts (examples tried, clean results, rejections, crashes, rows lost) are merged into that JSON
file, under a lock so that pytest-xdist workers can share it; `JUNKAN_FUZZ_EXAMPLES` sets how many examples
each test tries (default 60: `make test`; `make fuzz` raises it).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
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

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")  # a message template left unfilled

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
    lost: int = 0  # rows read that were neither accepted nor set aside, or rows of a file the reader dropped

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
        assert_readable(rejected.message_en, rejected.message_ja)
        return rejected


def assert_readable(message_en: str, message_ja: str) -> None:
    """A message a member can read: both languages written out, the Japanese in Japanese, no template left."""
    for message in (message_en, message_ja):
        assert message.strip(), (message_en, message_ja)
        assert "Traceback" not in message, message
        assert not _PLACEHOLDER.search(message), message
    assert _JAPANESE.search(message_ja), message_ja


@contextmanager
def fuzz_stats(name: str) -> Iterator[FuzzStats]:
    """Count a fuzz test's outcomes and merge them into `$JUNKAN_FUZZ_STATS` at the end, even on failure."""
    stats = FuzzStats(name)
    try:
        yield stats
    finally:
        target = os.environ.get(STATS_ENV)
        if target:
            _merge(Path(target), name, asdict(stats))


def _merge(path: Path, name: str, counts: dict[str, object]) -> None:
    """Merge one test's counts into the shared JSON file, one writer at a time."""
    with path.with_name(path.name + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        merged: dict[str, dict[str, object]] = {}
        if path.exists() and path.stat().st_size:
            merged = json.loads(path.read_text(encoding="utf-8"))
        merged[name] = counts
        path.write_text(json.dumps(merged, indent=2, sort_keys=True), encoding="utf-8")

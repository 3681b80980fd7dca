"""What a run did: per-submission outcomes, the run's summary and its stage timings."""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from schemas.outcomes import Counts, SubmissionStatus

logger = logging.getLogger(__name__)


Timings = dict[str, float]


@contextmanager
def timed(timings: Timings | None, stage: str) -> Iterator[None]:
    """Add the wall time of a block to `timings[stage]` (stages: read, validate, write, publish)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        if timings is not None:
            timings[stage] = timings.get(stage, 0.0) + elapsed
        # Where memory peaks, for operators sizing a worker (and for the benchmarks' profiles).
        logger.info("stage %s took %.2f s; peak RSS so far %.0f MiB", stage, elapsed, peak_rss_mib())


def peak_rss_mib() -> float:
    """Peak resident memory of the current process so far.

    Linux's VmHWM, not `ru_maxrss`: after exec, `ru_maxrss` starts from the parent's size when it forked
    (a benchmark harness holding generated data made every stage look gigabytes large).
    """
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class SubmissionOutcome:
    """What happened to one submission in a run."""

    submission_id: str
    member_id: str
    dataset: str
    key: str
    status: SubmissionStatus
    counts: Counts
    report_key: str
    periods: tuple[str, ...]
    message: str | None = None


@dataclass
class RunSummary:
    """A run's outcome, for the CLI's summary and the ledger's run record."""

    outcomes: list[SubmissionOutcome] = field(default_factory=list)
    published_periods: list[str] = field(default_factory=list)
    report_keys: list[str] = field(default_factory=list)
    skipped_keys: list[str] = field(default_factory=list)
    refused_keys: dict[str, str] = field(default_factory=dict)
    withdrawn_keys: list[str] = field(default_factory=list)  # live files the members deleted from the inbox
    timings: Timings = field(default_factory=dict)
    # Disclosure control per published period: period, table_name, suppressed, suppression_reason, n_cells,
    # quantity_t (the rows of `transforms.disclosure.joint.information_loss`).
    information_loss: list[dict[str, object]] = field(default_factory=list)

    @property
    def counts(self) -> Counts:
        """Rows over all submissions of the run."""
        return sum((outcome.counts for outcome in self.outcomes), Counts())

    @property
    def rows_read(self) -> int:
        """Rows read over all submissions of the run."""
        return self.counts.read

    @property
    def rows_accepted(self) -> int:
        """Rows accepted over all submissions of the run."""
        return self.counts.accepted

    @property
    def rows_quarantined(self) -> int:
        """Rows quarantined over all submissions of the run."""
        return self.counts.quarantined

    def as_dict(self) -> dict[str, object]:
        """JSON-ready summary for the ledger's runs table."""
        return {
            "submissions": {outcome.submission_id: outcome.status for outcome in self.outcomes},
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "published_periods": self.published_periods,
            "report_keys": self.report_keys,
            "skipped_keys": self.skipped_keys,
            "refused_keys": self.refused_keys,
            "withdrawn_keys": self.withdrawn_keys,
            "timings_s": {stage: round(seconds, 3) for stage, seconds in self.timings.items()},
            "information_loss": self.information_loss,
        }

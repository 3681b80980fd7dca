"""A validation batch: the one place that picks the path for waiting submissions, then judges and records them.

A batch of ordinary files is judged as one frame (`flows.stages.judge`); a lone CSV larger than a batch goes
part by part (`flows.stages.large`), so memory follows one part, not the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flows.stages.judge import judge
from flows.stages.large import judge_and_record_large
from flows.stages.receive import file_name
from flows.stages.record import record
from flows.stages.summary import SubmissionOutcome, Timings, timed
from infra.ledger import Submission
from infra.resources import Resources
from schemas import CONTRACTS, DATASET_ORDER
from schemas.outcomes import SubmissionStatus


def validate_submissions(
    resources: Resources, submission_ids: Sequence[str], *, timings: Timings | None = None
) -> list[SubmissionOutcome]:
    """Validate waiting submissions dataset by dataset, one batched GX call per dataset, and store outcomes."""
    ledger = resources.ledger
    submissions = [s for s in ledger.get_submissions(submission_ids) if s.status == SubmissionStatus.RECEIVED]
    outcomes: list[SubmissionOutcome] = []
    for dataset in DATASET_ORDER:
        batch = [submission for submission in submissions if submission.dataset == dataset]
        if not batch:
            continue
        if len(batch) == 1 and is_large(resources, batch[0]):
            outcome = judge_and_record_large(resources, batch[0], timings=timings)
            if outcome is not None:
                outcomes.append(outcome)
                continue
        checked = judge(resources, CONTRACTS[dataset], batch, timings=timings)
        with timed(timings, "write"):
            outcomes += record(resources, dataset, checked)
    return outcomes


def is_large(resources: Resources, submission: Submission) -> bool:
    """A CSV file larger than a validation batch: validated part by part (`flows.stages.large`)."""
    suffix = Path(file_name(submission)).suffix.lower()
    return suffix == ".csv" and submission.size > resources.settings.validation_batch_bytes

"""The outcome of validating a batch of submissions: row-level failures and the rows split in two."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import polars as pl

FAILURES_SCHEMA = pl.Schema(
    {
        "submission_id": pl.String(),
        "source_row": pl.Int64(),
        "check_id": pl.String(),
        "column": pl.String(),
        "severity": pl.String(),
        "message_en": pl.String(),
        "message_ja": pl.String(),
    }
)
SUMMARY_SCHEMA = pl.Schema(
    {
        "submission_id": pl.String(),
        "n_read": pl.UInt32(),
        "n_accepted": pl.UInt32(),
        "n_quarantined": pl.UInt32(),
        "n_warnings": pl.UInt32(),
    }
)
FAILED_CHECKS = "failed_checks"


@dataclass(frozen=True)
class ValidationResult:
    """Failures (errors and warnings) per row; accepted rows (no error) and quarantined rows (≥1 error).

    `quarantined.failed_checks` lists the error check ids of each row; warnings are in `failures` only.
    `read` counts the input rows per submission, in order of first appearance.
    """

    failures: pl.DataFrame
    accepted: pl.DataFrame
    quarantined: pl.DataFrame
    read: pl.DataFrame
    counted: pl.DataFrame | None = None  # this result's summary when it was cut from a batch's (see `of`)

    def summary(self) -> pl.DataFrame:
        """Per submission: rows read, accepted, quarantined, and warning records; read = accepted + quarantined."""
        return self._summary

    @cached_property
    def _summary(self) -> pl.DataFrame:
        # Computed once for a batch; a submission's result cut from it (`of`) carries its rows of it.
        if self.counted is not None:
            return self.counted
        counts = [
            self.accepted.group_by("submission_id").len("n_accepted"),
            self.quarantined.group_by("submission_id").len("n_quarantined"),
            self.failures.filter(pl.col("severity") == "warning").group_by("submission_id").len("n_warnings"),
        ]
        summary = self.read.select("submission_id", "n_read")
        for count in counts:
            summary = summary.join(count, on="submission_id", how="left", maintain_order="left")
        summary = summary.with_columns(pl.col("n_accepted", "n_quarantined", "n_warnings").fill_null(0)).cast(
            SUMMARY_SCHEMA
        )
        lost = summary.filter(pl.col("n_read") != pl.col("n_accepted") + pl.col("n_quarantined"))
        if not lost.is_empty():
            msg = f"rows lost in validation (read != accepted + quarantined): {lost.rows(named=True)}"
            raise RuntimeError(msg)
        return summary

    def of(self, submission_id: str) -> ValidationResult:
        """The result narrowed to one submission of the batch (cheap: the batch is split once)."""
        empty = ValidationResult(
            failures=self.failures.clear(),
            accepted=self.accepted.clear(),
            quarantined=self.quarantined.clear(),
            read=self.read.clear(),
        )
        return self._by_submission.get(submission_id, empty)

    @cached_property
    def _by_submission(self) -> dict[str, ValidationResult]:
        # One pass per frame instead of a filter of the whole batch per submission (quadratic in the batch).
        def split(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
            parts = frame.partition_by("submission_id", as_dict=True, maintain_order=True)
            return {str(key[0]): part for key, part in parts.items()}

        failures, accepted, quarantined, read, summaries = (
            split(frame) for frame in (self.failures, self.accepted, self.quarantined, self.read, self.summary())
        )
        return {
            submission_id: ValidationResult(
                failures=failures.get(submission_id, self.failures.clear()),
                accepted=accepted.get(submission_id, self.accepted.clear()),
                quarantined=quarantined.get(submission_id, self.quarantined.clear()),
                read=read[submission_id],
                counted=summaries[submission_id],
            )
            for submission_id in read
        }

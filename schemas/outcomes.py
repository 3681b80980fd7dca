"""What became of a submission: its status, and its rows counted (read = accepted + quarantined, always).

One enum and one counts type for the ledger, the members' reports, the flows and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class SubmissionStatus(StrEnum):
    """Where a submission stands; the values are what the ledger stores and the reports show."""

    RECEIVED = "received"  # recorded, waiting for validation
    VALID = "valid"  # every row accepted (warnings allowed); in core, not yet published
    PARTIALLY_VALID = "partially_valid"  # some rows quarantined, the rest in core; not yet published
    REJECTED = "rejected"  # nothing accepted: the file could not be read, or every row failed
    PUBLISHED = "published"  # its periods were republished with its rows
    SUPERSEDED = "superseded"  # a newer file of the member holds its rows' place
    WITHDRAWING = "withdrawing"  # the member took the file back; its rows leave core, its periods republish next
    WITHDRAWN = "withdrawn"  # the member took the file back, and its periods were republished without it


VALIDATED: Final = (SubmissionStatus.VALID, SubmissionStatus.PARTIALLY_VALID, SubmissionStatus.REJECTED)
# Rows in the warehouse (or about to be), so a newer file can supersede them.
LIVE: Final = (SubmissionStatus.VALID, SubmissionStatus.PARTIALLY_VALID, SubmissionStatus.PUBLISHED)
PUBLISHABLE: Final = (SubmissionStatus.VALID, SubmissionStatus.PARTIALLY_VALID)
# Statuses of submissions whose rows were accepted at some time (for when a member first had targets).
ACCEPTED_ONCE: Final = (*LIVE, SubmissionStatus.SUPERSEDED)


@dataclass(frozen=True)
class Counts:
    """Rows of a submission (or a run): read, accepted, quarantined, and warnings on accepted rows.

    Nothing is silently lost: a count whose read rows are not accepted + quarantined cannot be made.

    >>> Counts(read=3, accepted=2, quarantined=1) + Counts(read=1, accepted=1, quarantined=0, warnings=1)
    Counts(read=4, accepted=3, quarantined=1, warnings=1)
    >>> Counts(read=3, accepted=1, quarantined=1)
    Traceback (most recent call last):
    ...
    ValueError: 3 rows read but 1 accepted + 1 quarantined = 2; no row may be lost
    """

    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    warnings: int = 0

    def __post_init__(self) -> None:
        if self.read != self.accepted + self.quarantined:
            msg = (
                f"{self.read} rows read but {self.accepted} accepted + {self.quarantined} quarantined"
                f" = {self.accepted + self.quarantined}; no row may be lost"
            )
            raise ValueError(msg)

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            read=self.read + other.read,
            accepted=self.accepted + other.accepted,
            quarantined=self.quarantined + other.quarantined,
            warnings=self.warnings + other.warnings,
        )

    @property
    def status(self) -> SubmissionStatus:
        """The status these counts give a validated file: valid, partially valid or rejected.

        >>> Counts(read=0).status, Counts(read=2, accepted=1, quarantined=1).status
        (<SubmissionStatus.VALID: 'valid'>, <SubmissionStatus.PARTIALLY_VALID: 'partially_valid'>)
        """
        if self.quarantined == 0:
            return SubmissionStatus.VALID
        return SubmissionStatus.PARTIALLY_VALID if self.accepted > 0 else SubmissionStatus.REJECTED

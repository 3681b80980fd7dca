"""Great Expectations suites built from the contracts, and the validation report a member reads."""

from __future__ import annotations

from expectations.result import ValidationResult
from expectations.validate import validate

__all__ = ["ValidationResult", "validate"]

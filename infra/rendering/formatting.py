"""How the public pages write a number: rates as percent, quantities in tonnes with thousands separators."""

from __future__ import annotations

import math
from typing import Any


def format_value(column: str, value: Any) -> str:
    """A table or legend value: `–` when missing, `12.5%` for a `*_rate` column, `1,234.5` otherwise."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if column.endswith("_rate"):
        return f"{value * 100:.1f}%"
    return f"{value:,.1f}"

"""The period grammar: which spellings members may use and what they normalise to.

Normalised codes are `2024` (calendar year), `FY2024` (Japanese fiscal year, April 2024 to
March 2025) and `2024-05` (month). `2024年度` and era forms such as `令和6年度` become `FY2024`.
"""

from __future__ import annotations

from typing import Final

GRAINS: Final = ("year", "fiscal_year", "month")

# Gregorian year of each era's first year (元年).
ERAS: Final[dict[str, int]] = {"令和": 2019, "平成": 1989, "昭和": 1926, "R": 2019, "H": 1989, "S": 1926}

YEAR_PATTERN: Final = r"^(\d{4})年?$"
FISCAL_YEAR_PATTERN: Final = r"^(?:FY\s?(\d{4})|(\d{4})\s?年度|(\d{4})\s?FY)$"
MONTH_PATTERN: Final = r"^(\d{4})[-/.年](\d{1,2})月?$"
ERA_FISCAL_YEAR_PATTERN: Final = r"^(令和|平成|昭和|R|H|S)\s?(元|\d{1,2})\s?年度$"

MIN_YEAR: Final = 1950
MAX_YEAR: Final = 2100

EXAMPLES: Final = ("2024", "FY2024", "2024-05", "2024年度", "令和6年度")

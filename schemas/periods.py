"""The period grammar: which spellings members may use and what they normalise to.

Normalised codes are `2024` (calendar year), `FY2024` (Japanese fiscal year, April 2024 to
March 2025) and `2024-05` (month). `2024年度` and era forms such as `令和6年度` become `FY2024`, and so do
the abbreviations offices write (`R6`, `R6年度`, `R06`, `令6`, `令和6`): an era year without 年度 is a fiscal year.
"""

from __future__ import annotations

from typing import Final

GRAINS: Final = ("year", "fiscal_year", "month")

# Gregorian year of each era's first year (元年), by its name, its one-character and its Latin abbreviation.
ERAS: Final[dict[str, int]] = {
    "令和": 2019,
    "平成": 1989,
    "昭和": 1926,
    "令": 2019,
    "平": 1989,
    "昭": 1926,
    "R": 2019,
    "H": 1989,
    "S": 1926,
}
# The last year of an era that has ended (平成31年度 is FY2019; 平成32 never was).
ERA_LAST_YEARS: Final[dict[str, int]] = {"平成": 31, "平": 31, "H": 31, "昭和": 64, "昭": 64, "S": 64}

YEAR_PATTERN: Final = r"^(\d{4})年?$"
FISCAL_YEAR_PATTERN: Final = r"^(?:FY\s?(\d{4})|(\d{4})\s?年度|(\d{4})\s?FY)$"
MONTH_PATTERN: Final = r"^(\d{4})[-/.年](\d{1,2})月?$"
# 年度 may be left out (`R6`, `令和6`), never replaced by 年: `令和6年` is a calendar year, and is not read.
ERA_FISCAL_YEAR_PATTERN: Final = r"^(令和|平成|昭和|令|平|昭|R|H|S)\s?(元|\d{1,2})(?:\s?年度)?$"

MIN_YEAR: Final = 1950
MAX_YEAR: Final = 2100

EXAMPLES: Final = ("2024", "FY2024", "2024-05", "2024年度", "令和6年度", "R6", "R6年度", "令6", "H30年度")

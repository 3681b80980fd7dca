"""How a cell is read as a code: invisible characters removed, then NFKC.

Codes, ids, units, periods, numbers and dates are read this way; free text (notes, process names) is kept as the
member wrote it. `transforms.normalize` reads cells with these expressions and the member's report says, cell
by cell, where a cell was read as something other than what it literally says (`expectations.notes`).
"""

from __future__ import annotations

import unicodedata
from typing import Final

import polars as pl

# Format characters (Unicode category Cf): zero-width space U+200B, zero-width (non-)joiner, word joiner U+2060,
# a BOM U+FEFF inside a cell, soft hyphen U+00AD, direction marks. Invisible in Excel, they come with text
# pasted from web pages and make `corp-x` and `corp-x\u200b` two different ids.
INVISIBLE: Final = r"\p{Cf}"


def invisible_characters(text: str) -> tuple[str, ...]:
    """The invisible (format) characters in `text`, each once, named as a member can look them up.

    Examples:
        >>> invisible_characters("corp-x\u200b\u200b\ufeff")
        ('U+200B ZERO WIDTH SPACE', 'U+FEFF ZERO WIDTH NO-BREAK SPACE')

    """
    found = dict.fromkeys(char for char in text if unicodedata.category(char) == "Cf")
    return tuple(f"U+{ord(char):04X} {unicodedata.name(char, 'FORMAT CHARACTER')}" for char in found)


def without_invisible(text: str) -> str:
    """`text` without its invisible (format) characters, as `clean_text` removes them."""
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def clean_text(value: pl.Expr) -> pl.Expr:
    """A code's text: invisible characters removed, NFKC-normalised and stripped, with empty text as null.

    Examples:
        >>> import polars as pl
        >>> pl.select(clean_text(pl.lit(pl.Series(["　ＡＢ１ ", "corp-x\u200b", " ", None])))).to_series().to_list()
        ['AB1', 'corp-x', None, None]

    """
    text = value.str.replace_all(INVISIBLE, "").str.normalize("NFKC").str.strip_chars()
    return pl.when(text.str.len_chars() > 0).then(text)


def strip_text(value: pl.Expr) -> pl.Expr:
    """Free text as the member wrote it, surrounding spaces stripped, with empty text as null.

    Examples:
        >>> import polars as pl
        >>> pl.select(strip_text(pl.lit(pl.Series(["　①番ライン ²　", " ", None])))).to_series().to_list()
        ['①番ライン ²', None, None]

    """
    text = value.str.strip_chars()
    return pl.when(text.str.len_chars() > 0).then(text)


def lower_code(value: pl.Expr) -> pl.Expr:
    """Cleaned text as a lower-case code, inner spaces as `_` (`Energy Recovery` -> `energy_recovery`).

    Spaces around the `.` of a `group.leaf` code are dropped (`Plastics. PET` -> `plastics.pet`).
    """
    code = clean_text(value).str.to_lowercase().str.replace_all(r"\s*\.\s*", ".")
    return code.str.replace_all(r"\s+", "_")

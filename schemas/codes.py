"""How a cell is read as a code: invisible characters removed, NFKC, and the labels a code is known by.

Codes, ids, units, periods, numbers and dates are read this way; free text (notes, process names) is kept as the
member wrote it. `transforms.normalize` reads cells with these expressions and the member's report says, cell
by cell, where a cell was read as something other than what it literally says (`expectations.notes`).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Final

import polars as pl

from schemas import products as p
from schemas import vocabulary as v
from schemas.contract import Column
from schemas.projects import PROJECT_ROLES, PROJECT_THEMES
from schemas.reference import DENOMINATORS, ROADMAP_INDICATORS

# Format characters (Unicode category Cf): zero-width space U+200B, zero-width (non-)joiner, word joiner U+2060,
# a BOM U+FEFF inside a cell, soft hyphen U+00AD, direction marks. Invisible in Excel, they come with text
# pasted from web pages and make `corp-x` and `corp-x\u200b` two different ids.
INVISIBLE: Final = r"\p{Cf}"
# What a label's spelling may vary by: case, width (NFKC), and spaces, `_`, `-` and `・` between its words.
_FOLDED_AWAY: Final = r"[\s_\-・]"
# How alike a written value and a code or label must be to be offered as "did you mean" (difflib's ratio).
CLOSE_CODE_CUTOFF: Final = 0.6
CLOSE_CODE_MARGIN: Final = 0.1
MAX_CLOSE_CODES: Final = 3
MAX_REMEMBERED_TEXTS: Final = 10_000  # distinct texts whose closest codes a reader keeps


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


def folded(value: pl.Expr) -> pl.Expr:
    """How labels are compared: cleaned, lower case, without spaces, `_`, `-` or `・` (`使用 ・ 消費` is `使用・消費`).

    Examples:
        >>> import polars as pl
        >>> written = pl.Series(["使用 ・ 消費", "Return-to-Nature", "ｴﾈﾙｷﾞｰ回収"])
        >>> pl.select(folded(pl.lit(written))).to_series().to_list()
        ['使用消費', 'returntonature', 'エネルギー回収']

    """
    return clean_text(value).str.to_lowercase().str.replace_all(_FOLDED_AWAY, "")


def _unspaced(value: pl.Expr) -> pl.Expr:
    """How unit spellings are compared: cleaned, without spaces, case kept (`千 トン` = `千トン`; `KT` is not `kt`)."""
    return clean_text(value).str.replace_all(r"\s", "")


def _fold(texts: list[str], *, case_sensitive: bool = False) -> list[str]:
    """The keys of plain strings, by the expression cells are compared with, so a label's key is a cell's."""
    fold = _unspaced if case_sensitive else folded
    return pl.select(fold(pl.lit(pl.Series(texts, dtype=pl.String)))).to_series().to_list()


# --- labels ---------------------------------------------------------------------------------------

# Every vocabulary whose codes carry labels. A column's vocabulary is matched to the one holding all its codes
# that carry any (the metric-ton spelling `MT` is a unit spelling, not a unit: it carries none).
_LABELLED: Final[tuple[tuple[v.Term, ...], ...]] = (
    v.STAGES,
    (*v.MATERIAL_GROUPS, *v.MATERIAL_LEAVES),
    v.MATERIAL_GROUPS,
    (*p.PRODUCT_GROUPS, *p.PRODUCT_LEAVES),
    v.UNITS,
    v.MEMBER_KINDS,
    v.QUALITIES,
    v.DISCLOSURE_CLASSES,
    v.INDICATORS,
    PROJECT_ROLES,
    PROJECT_THEMES,
    ROADMAP_INDICATORS,
    (*ROADMAP_INDICATORS, *DENOMINATORS),
)


# The vocabularies members may write by name as well as by code: stages, materials, product categories, units and
# member kinds. A disclosure class is a member's consent, and indicators, qualities, project roles and themes are
# written as codes: their names only help "did you mean".
_READ_BY_NAME: Final[tuple[frozenset[str], ...]] = tuple(
    frozenset(term.code for term in terms)
    for terms in (
        v.STAGES,
        (*v.MATERIAL_GROUPS, *v.MATERIAL_LEAVES),
        v.MATERIAL_GROUPS,
        (*p.PRODUCT_GROUPS, *p.PRODUCT_LEAVES),
        v.UNITS,
        v.MEMBER_KINDS,
    )
)


def _terms(codes: tuple[str, ...]) -> tuple[v.Term, ...]:
    """The terms of a column's codes: the largest labelled vocabulary within them, and bare terms for the rest."""
    within = [terms for terms in _LABELLED if {term.code for term in terms} <= set(codes)]
    known = {term.code: term for term in max(within, key=len, default=())}
    return tuple(known.get(code, v.Term(code, "", "")) for code in codes if code not in v.STORED_UNITS)


@dataclass(frozen=True)
class CodeReader:
    """How one column's cells are read as its codes, and what a member who wrote something else is offered.

    A cell is its code when its cleaned text is one (lower-cased, or, for units, spelled exactly as the unit
    table has it); else it is read through a spelling variant (`千 トン`, `return-to-nature`) or, for the
    vocabularies written by name, a label (`回収`, `Final disposal (landfill)`), with a note; else it stays as
    cleaned text and the vocabulary check names it, offering the closest codes.
    """

    column: str
    terms: tuple[v.Term, ...]  # the allowed codes with their labels, for the report's appendix
    exact: Mapping[str, str]  # cleaned text -> code, read silently
    labels: Mapping[str, str]  # folded spelling variant or label -> code, read with a note
    candidates: Mapping[str, tuple[str, ...]]  # folded spelling -> codes, for "did you mean"
    case_sensitive: bool
    # What `close_codes` found per text written: a batch's wrong cells repeat a few texts, each costing difflib
    # a pass over every spelling.
    _close: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _read(self, value: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
        """The cleaned text, the code it is exactly, and the code it names through a label or variant."""
        cleaned = clean_text(value) if self.case_sensitive else lower_code(value)
        key = _unspaced(value) if self.case_sensitive else folded(value)
        exact = cleaned.replace_strict(self.exact, default=None, return_dtype=pl.String)
        return cleaned, exact, key.replace_strict(self.labels, default=None, return_dtype=pl.String)

    def label_code(self, value: pl.Expr) -> pl.Expr:
        """The code a cell names through a label or variant; null when it is a code, or names none."""
        _, exact, label = self._read(value)
        return pl.when(exact.is_null()).then(label)

    def code(self, value: pl.Expr) -> pl.Expr:
        """The code a cell names, or its cleaned text when it names none (so the vocabulary check shows it)."""
        cleaned, exact, label = self._read(value)
        return pl.coalesce(exact, label, cleaned)

    def close_codes(self, written: str) -> tuple[str, ...]:
        """The codes closest to what a member wrote (by their codes, labels and spellings), best first.

        Examples:
            >>> from schemas import FLOWS
            >>> code_reader(FLOWS.column("target_stage")).close_codes("colection")
            ('collection',)
            >>> code_reader(FLOWS.column("target_stage")).close_codes("最終処分場")
            ('landfill',)
            >>> code_reader(FLOWS.column("unit")).close_codes("mT")
            ('Mt', 't')

        """
        found = self._close.get(written)
        if found is None:
            if len(self._close) >= MAX_REMEMBERED_TEXTS:
                self._close.clear()
            found = self._close[written] = self._closest(written)
        return found

    def _closest(self, written: str) -> tuple[str, ...]:
        [key] = _fold([written])
        if not key:
            return ()
        near = difflib.get_close_matches(key, list(self.candidates), n=MAX_CLOSE_CODES * 2, cutoff=CLOSE_CODE_CUTOFF)
        scores = [difflib.SequenceMatcher(None, key, match).ratio() for match in near]
        # Only the codes about as close as the closest: `colection` is collection, not production too.
        near = [match for match, score in zip(near, scores, strict=True) if score >= scores[0] - CLOSE_CODE_MARGIN]
        found = (v.STORED_UNITS.get(code, code) for match in near for code in self.candidates[match])
        return tuple(dict.fromkeys(found))[:MAX_CLOSE_CODES]

    def describe(self, code: str) -> str:
        """A code with its labels, as a message shows it: `collection (回収 / Collection)`."""
        term = next((term for term in self.terms if term.code == code), None)
        names = [] if term is None else list(dict.fromkeys(name for name in (term.label_ja, term.label_en) if name))
        return f"{code} ({' / '.join(names)})" if names else code


def _unique_keys(pairs: list[tuple[str, str]], *, column: str) -> dict[str, str]:
    """Compared spelling -> code; a spelling naming two codes is a mistake in the vocabulary."""
    codes: dict[str, set[str]] = {}
    for key, code in pairs:
        codes.setdefault(key, set()).add(code)
    ambiguous = {key: sorted(found) for key, found in codes.items() if len(found) > 1}
    if ambiguous:
        msg = f"labels of {column} name more than one code once folded: {ambiguous}"
        raise ValueError(msg)
    return {key: found.pop() for key, found in codes.items() if key}


@cache
def code_reader(column: Column) -> CodeReader | None:
    """How `column`'s cells are read as codes; None for a column without a vocabulary.

    Examples:
        >>> import polars as pl
        >>> from schemas import FLOWS
        >>> reader = code_reader(FLOWS.column("target_stage"))
        >>> cells = pl.Series(["回収", "最終処分", "Final disposal (landfill)", "Sorting", "回収場"])
        >>> pl.select(reader.code(pl.lit(cells))).to_series().to_list()
        ['collection', 'landfill', 'landfill', 'sorting', '回収場']
        >>> pl.select(reader.label_code(pl.lit(cells))).to_series().to_list()
        ['collection', 'landfill', 'landfill', None, None]

    """
    codes = column.vocabulary or column.warn_vocabulary
    if not codes:
        return None
    terms = _terms(codes)
    # Units are spelled exactly as the unit table has them (Mt megatonnes, MT metric tons); other codes in any case.
    case_sensitive = set(codes) == set(v.UNIT_CODES)
    exact = dict(v.UNIT_SPELLINGS) if case_sensitive else {code.lower(): code for code in codes}
    names = [(name, term.code) for term in terms for name in (term.label_ja, term.label_en) if name]
    by_name = frozenset(term.code for term in terms) in _READ_BY_NAME
    read = [*exact.items(), *(names if by_name else [])]
    keys = _fold([text for text, _ in read], case_sensitive=case_sensitive)
    labels = _unique_keys(list(zip(keys, (code for _, code in read), strict=True)), column=column.name)
    pairs = [*exact.items(), *names]
    texts, named = [text for text, _ in pairs], [code for _, code in pairs]
    # "Did you mean" looks past case, even for units: `mT` may be Mt or MT, and the member is asked which.
    candidates: dict[str, tuple[str, ...]] = {}
    for key, code in zip(_fold(texts), named, strict=True):
        candidates[key] = tuple(dict.fromkeys((*candidates.get(key, ()), code)))
    return CodeReader(column.name, terms, exact, labels, candidates, case_sensitive)

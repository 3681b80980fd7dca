"""Hypothesis strategies for the tables members fill in, before they are saved as a file.

A `Table` is what a member typed: a header row and rows of cell values, for one dataset of the registry
(`schemas.datasets.DATASET_SPECS`). Headers use the contract's codes and Japanese names (upper-cased,
full-width, padded as offices write them), leave optional columns out, add columns the contract does not
know (担当者, 予備, blank), and sometimes name one column twice or leave a required one out: `flaws` says
which, so a test knows the file must be refused. Values are mostly valid, sometimes blank or junk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl
from hypothesis import strategies as st

from schemas.contract import Column, Contract
from schemas.datasets import DATASET_SPECS

MEMBER_ID = "city-a"
# Characters every format can hold, CP932 included: ASCII, kana and the kanji of the contracts' own names.
_JAPANESE = "".join(
    sorted(
        {char for spec in DATASET_SPECS.values() for column in spec.contract.columns for header in column.headers_ja
         for char in header if ord(char) > 0x7F and char.encode("cp932", errors="ignore").decode("cp932") == char}
        | set("あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん")
        | set("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン")
        | set("家庭系事業回収委託本庁舎分市内全域月火水木金土日年度令和　、。（）・")
    )
)  # fmt: skip
SAFE_TEXT = st.text(alphabet=st.sampled_from([chr(code) for code in range(0x20, 0x7F)] + list(_JAPANESE)), max_size=12)
# Beyond CP932: accents, emoji, a stray BOM, a line break inside a value (CSV quotes it).
WIDE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r"), max_size=12
) | (st.sampled_from(["Renée", "♻️", "\ufeffx", "一行目\n二行目", "𠮷野家"]))
UNKNOWN_HEADERS = ("担当者", "確認欄", "予備", "No.", "社内コード", "更新日時", "")


@dataclass(frozen=True)
class Formula:
    """A formula typed in a cell (`=I2/1000`); a workbook saved by a program keeps no result for it."""

    text: str


@dataclass
class Table:
    """What a member typed: a header (None for a blank cell) and rows of values, and what is wrong with it."""

    dataset: str
    header: list[str | None]
    rows: list[list[object]]
    flaws: list[str] = field(default_factory=list)  # reasons the reader must refuse the file

    @property
    def contract(self) -> Contract:
        """The dataset's contract."""
        return DATASET_SPECS[self.dataset].contract

    def read_positions(self) -> dict[str, int]:
        """Where the reader takes each contract column from: the first header naming it."""
        positions: dict[str, int] = {}
        for index, name in enumerate(self.header):
            column = self.contract.column_for_header(name) if name else None
            if column is not None:
                positions.setdefault(column, index)
        return positions


def now_and_then(draw: st.DrawFn, one_in: int) -> bool:
    """True about once in `one_in` draws: a middle value of the range, which Hypothesis favours no more than any
    other (it favours the ends, and starts from the smallest examples, which should be ordinary files)."""
    return bool(draw(st.integers(0, one_in - 1)) == one_in // 2)


def _full_width(text: str) -> str:
    return "".join(
        chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else "\u3000" if char == " " else char for char in text
    )


def _spellings(column: Column) -> st.SearchStrategy[str]:
    """The ways an office writes a column's name: a contract name, cased, full-width or padded."""
    name = st.sampled_from(column.headers)
    return st.one_of(
        name,
        name,
        name.map(str.upper),
        name.map(_full_width),
        name.map(lambda text: f" {text}\u3000"),
    )


_FLOATS = ["12", "0.5", "1,200", "1250.5", "３．５", "0"]
_INTS = ["2020", "2024", "2030", "２０２４"]
_DATES = ["2024-04-01", "2025-03-31", "2024/4/1", "令和6年4月1日"]
_BOOLEANS = ["true", "false", "はい", "いいえ", "TRUE"]


def _valid_texts(column: Column) -> list[str]:
    if column.name == "member_id":
        return [MEMBER_ID, " city-a ", "CITY-A"]
    if column.vocabulary:
        return list(column.vocabulary[:12])
    if column.dtype.is_float():
        return _FLOATS
    if column.dtype.is_integer():
        return _INTS
    if column.dtype == pl.Date():
        return _DATES
    if column.dtype == pl.Boolean():
        return _BOOLEANS
    return [column.example or "記入例", "家庭系", "FY2024", "JP-40"]


def _typed(column: Column) -> st.SearchStrategy[object]:
    """A value as a spreadsheet or a typed file holds it: numbers, dates and booleans, not text."""
    if column.dtype.is_float():
        return st.one_of(st.integers(-10, 10**9), st.floats(-1e9, 1e12, allow_nan=False, allow_infinity=False))
    if column.dtype.is_integer():
        return st.integers(1990, 2060)
    if column.dtype == pl.Date():
        return st.one_of(st.dates(date(1990, 1, 1), date(2060, 12, 31)), st.just(datetime(2024, 4, 1, 9, 30)))
    if column.dtype == pl.Boolean():
        return st.booleans()
    return st.sampled_from(_valid_texts(column))


def cell_values(column: Column | None, *, text: st.SearchStrategy[str]) -> st.SearchStrategy[object]:
    """One cell of a column (None: a column the contract does not know): mostly valid, else blank or junk."""
    if column is None:
        return st.one_of(st.none(), text, st.integers(0, 999))
    return st.one_of(
        st.sampled_from(_valid_texts(column)),
        st.sampled_from(_valid_texts(column)),
        _typed(column),
        st.sampled_from([None, "", " ", "\u3000", "-", "N/A", "=1+1"]),
        text,
    )


@st.composite
def tables(draw: st.DrawFn, dataset: str, *, text: st.SearchStrategy[str] = SAFE_TEXT) -> Table:
    """A table of `dataset` as a member fills it in; `flaws` names what makes the reader refuse it."""
    contract = DATASET_SPECS[dataset].contract
    flaws: list[str] = []
    named: list[tuple[str | None, Column | None]] = []
    for column in contract.submitted_columns:
        keep = not now_and_then(draw, 40) if column.required else draw(st.booleans())
        if keep:
            named.append((draw(_spellings(column)), column))
        elif column.required:
            flaws.append(f"no {column.name} column")
    if named and now_and_then(draw, 20):
        spelled, column = draw(st.sampled_from([pair for pair in named if pair[1] is not None]))
        named.append((draw(_spellings(column).filter(lambda other: other != spelled)), column))
        flaws.append(f"{column.name} named twice")  # type: ignore[union-attr]
    for _ in range(draw(st.integers(0, 3))):
        named.append((draw(st.sampled_from(UNKNOWN_HEADERS)) or None, None))
    order = draw(st.permutations(range(len(named))))
    named = [named[index] for index in order]
    if not any(name and name.strip() for name, _ in named):
        flaws.append("no header")
    rows = [
        [draw(cell_values(column, text=text)) for _, column in named]
        for _ in range(draw(st.integers(0, 6)))
    ]  # fmt: skip
    if rows and named and now_and_then(draw, 8):  # a program's workbook: formulas where Excel shows values
        for _ in range(draw(st.integers(1, 3))):
            row, column = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(named) - 1))
            rows[row][column] = Formula(f"=I{row + 2}/1000")
    if rows and now_and_then(draw, 8):
        rows.insert(draw(st.integers(0, len(rows))), [None] * len(named))  # a blank row in the middle
    return Table(dataset, [name for name, _ in named], rows, flaws)

"""The Polars fast path for CSV reads exactly what the row-by-row reader reads, or steps aside."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from infra.readers import RawTable, csv_fast, csv_rows, read_table
from infra.readers.limits import DEFAULT_LIMITS, Limits
from schemas import FLOWS
from schemas.errors import FileRejected

REQUIRED = list(FLOWS.required_columns)
OPTIONAL = [column for column in FLOWS.read_schema if column not in REQUIRED]
# Characters where the two readers could disagree: quotes, separators, line breaks, Unicode spaces
# (U+3000 and U+001C are whitespace to Python's strip, U+200B is not), a NUL.
ALPHABET = ["a", "1", "あ", "施", " ", "\u3000", "\x1c", "\u200b", "\t", '"', ",", "\n", "\r", "\x00"]


def slow(text: str, limits: Limits) -> RawTable | str:
    try:
        return csv_rows.read_csv_rows(text, "utf-8", FLOWS, "f.csv", limits)
    except FileRejected as rejected:
        return str(rejected)


def assert_same(fast: RawTable, expected: RawTable) -> None:
    assert_frame_equal(fast.frame, expected.frame)
    assert (fast.format, fast.encoding, fast.ignored_columns, fast.n_rows, fast.n_blank_rows) == (
        expected.format,
        expected.encoding,
        expected.ignored_columns,
        expected.n_rows,
        expected.n_blank_rows,
    )


def quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    """A header naming the required columns (and maybe others, blanks, duplicates), then odd rows."""
    names = draw(st.permutations([*REQUIRED, *draw(st.lists(st.sampled_from([*OPTIONAL, "extra", "", " "])))]))
    width = len(names)
    cell = st.text(alphabet=st.sampled_from(ALPHABET[:9]), max_size=4)
    wild = st.text(alphabet=st.sampled_from(ALPHABET), max_size=6)
    tame = draw(st.booleans())  # half the files avoid what makes the fast path step aside
    rows = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        count = draw(st.sampled_from([width, width, width, 0, width - 1, *([] if tame else [width + 1])]))
        cells = [draw(st.one_of(cell, cell.map(quoted), *([] if tame else [wild]))) for _ in range(count)]
        rows.append(",".join(cells))
    newline = draw(st.sampled_from(["\n", "\r\n", *([] if tame else ["\r"])]))
    text = newline.join([",".join(names), *rows])
    return text + draw(st.sampled_from(["", newline, newline * 2]))


def test_fast_path_reads_the_same_table_or_steps_aside() -> None:
    taken: list[bool] = []

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        text=st.one_of(
            csv_texts(), st.text(alphabet=st.sampled_from(ALPHABET), max_size=40).map(",".join(REQUIRED).__add__)
        ),
        limits=st.sampled_from([DEFAULT_LIMITS, Limits(max_rows=4, max_field_chars=3, max_line_chars=120)]),
    )
    def check(text: str, limits: Limits) -> None:
        expected = slow(text, limits)
        fast = csv_fast.read_csv_fast(text.encode("utf-8"), "utf-8", FLOWS, "f.csv", limits)
        taken.append(fast is not None)
        if fast is not None:
            assert isinstance(expected, RawTable), expected
            assert_same(fast, expected)

    check()
    # The comparison means something only if the fast path read many of the texts itself.
    assert sum(taken) >= 50, f"fast path taken {sum(taken)} times in {len(taken)}"


def test_fast_path_reads_plain_and_quoted_files_with_line_numbers_and_blanks() -> None:
    header = ",".join(REQUIRED) + ",,note"
    row = ",".join(f"v{index}" for index in range(len(REQUIRED)))
    text = f'{header}\r\n{row},,"a, ""b"""\r\n\r\n \u3000,,\r\n{row},x,\r\n'
    fast = csv_fast.read_csv_fast(text.encode("utf-8"), "utf-8", FLOWS, "f.csv", DEFAULT_LIMITS)
    assert fast is not None
    # Lines 2 and 5 hold records; line 3 is empty and line 4 holds only spaces: two blank rows.
    assert fast.frame["source_row"].to_list() == [2, 5]
    assert fast.frame["note"].to_list() == ['a, "b"', None]
    assert (fast.n_rows, fast.n_blank_rows, fast.ignored_columns) == (2, 2, (f"(unnamed column {len(REQUIRED) + 1})",))
    expected = slow(text, DEFAULT_LIMITS)
    assert isinstance(expected, RawTable)
    assert_same(fast, expected)


@pytest.mark.parametrize(
    "tail",
    [
        '"two\nlines"\n',  # a quoted line break shifts later rows
        "x\rnext\n",  # a lone CR ends a line for Python's csv
        'say "hi"\n',  # a quote inside an unquoted field
        '"a"b\n',  # text after a closing quote: Python's strict csv rejects it
        "nul\x00\n",
    ],
)
def test_fast_path_steps_aside_for_what_only_the_row_reader_reads_exactly(tail: str) -> None:
    text = ",".join(REQUIRED) + "\n" + ",".join(["v"] * (len(REQUIRED) - 1)) + "," + tail
    assert csv_fast.read_csv_fast(text.encode("utf-8"), "utf-8", FLOWS, "f.csv", DEFAULT_LIMITS) is None


def test_read_table_takes_the_fast_path_for_cp932(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_rows(*args: object) -> RawTable:
        raise AssertionError("the row-by-row reader was used")

    monkeypatch.setattr(csv_rows, "read_csv_rows", no_rows)
    header = ",".join(REQUIRED)
    row = ",".join(["施設"] * len(REQUIRED))
    path = tmp_path / "flows.csv"
    path.write_bytes(f"{header}\r\n{row}\r\n{row}\r\n".encode("cp932"))
    table = read_table(path, FLOWS)
    assert (table.encoding, table.n_rows, table.frame["source_row"].to_list()) == ("cp932", 2, [2, 3])
    assert table.frame[REQUIRED[0]].to_list() == ["施設", "施設"]


def test_whitespace_set_is_pythons() -> None:
    everything = "".join(char for char in map(chr, range(0x110000)) if char.isspace())
    assert everything == csv_fast.PY_WHITESPACE

"""Reading a CSV in chunks gives exactly what read_table gives, or steps aside (None)."""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from infra.readers import CsvChunks, RawTable, csv_fast, read_csv_chunks, read_table
from infra.readers.limits import DEFAULT_LIMITS, Limits
from schemas import FLOWS
from schemas.errors import FileRejected

REQUIRED = list(FLOWS.required_columns)
OPTIONAL = [column for column in FLOWS.read_schema if column not in REQUIRED]
# All of these encode in CP932 (U+3000 as 0x8140, U+001C as itself); kanji and kana straddle small blocks.
TAME = ["a", "1", "あ", "施", "設", "ｱ", " ", "\u3000", "\x1c", "\t", ","]
WILD = ['"', "\n", "\r", "\x00"]
SMALL_LIMITS = Limits(max_rows=9, max_field_chars=3, max_line_chars=120)


def quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


def concatenated(chunks: CsvChunks) -> pl.DataFrame:
    return pl.concat(list(chunks.frames()))


def assert_same(chunks: CsvChunks, expected: RawTable) -> None:
    assert_frame_equal(concatenated(chunks), expected.frame)
    assert (chunks.encoding, chunks.ignored_columns, chunks.n_rows, chunks.n_blank_rows) == (
        expected.encoding,
        expected.ignored_columns,
        expected.n_rows,
        expected.n_blank_rows,
    )


@st.composite
def csv_texts(draw: st.DrawFn) -> tuple[str, bool]:
    """A header naming the required columns (maybe others, unnamed ones), then rows; and whether it is tame."""
    extra = draw(st.lists(st.sampled_from([*OPTIONAL, "extra", "", " "]), max_size=3))
    names = draw(st.permutations([*REQUIRED, *extra]))
    width = len(names)
    tame = draw(st.booleans())  # tame files avoid what makes the fast path step aside
    cell = st.text(alphabet=st.sampled_from(TAME[:-1]), max_size=4)
    with_comma = st.text(alphabet=st.sampled_from(TAME), max_size=4).map(quoted)
    wild = st.text(alphabet=st.sampled_from(TAME + WILD), max_size=6)
    rows = []
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        count = draw(st.sampled_from([width, width, width, 0, width - 1, *([] if tame else [width + 1])]))
        cells = [draw(st.one_of(cell, with_comma, *([] if tame else [wild]))) for _ in range(count)]
        rows.append(",".join(cells))
    newline = draw(st.sampled_from(["\n", "\r\n", *([] if tame else ["\r"])]))
    text = newline.join([",".join(names), *rows]) + draw(st.sampled_from(["", newline, newline * 2]))
    return text, tame


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return text.encode(encoding)


def test_chunks_equal_read_table_or_step_aside() -> None:
    taken: list[bool] = []

    @settings(
        max_examples=400, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(
        drawn=csv_texts(),
        encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932"]),
        limits=st.sampled_from([DEFAULT_LIMITS, SMALL_LIMITS]),
        chunk_rows=st.integers(min_value=1, max_value=7),
        block_bytes=st.sampled_from([1, 2, 3, 7, 16, 64]),
        chunk_bytes=st.sampled_from([1, 30, 1 << 20]),
    )
    def check(
        drawn: tuple[str, bool], encoding: str, limits: Limits, chunk_rows: int, block_bytes: int, chunk_bytes: int
    ) -> None:
        text, tame = drawn
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            path = root / "flows.csv"
            path.write_bytes(encode(text, encoding))
            try:
                expected: RawTable | None = read_table(path, FLOWS, limits=limits)
            except FileRejected:
                expected = None
            chunks = read_csv_chunks(
                path,
                FLOWS,
                workdir=root / "work",
                limits=limits,
                chunk_rows=chunk_rows,
                block_bytes=block_bytes,
                chunk_bytes=chunk_bytes,
            )
            taken.append(chunks is not None)
            if chunks is not None:
                assert expected is not None, "read_table rejects a file read in chunks"
                assert_same(chunks, expected)
                assert all(frame.height <= chunk_rows for frame in chunks.frames())
            elif expected is not None and tame:
                # A plain file the whole-file fast path reads must be read in chunks too.
                body = text.encode("utf-8")
                whole = csv_fast.read_csv_fast(body, expected.encoding or "", FLOWS, "flows.csv", limits)
                assert whole is None, "a plain file the fast path reads was not read in chunks"
            if chunks is None or chunks.work_file is None:
                assert not any((root / "work").glob("*")), "a work file was left behind"

    check()
    # The generator must keep reaching the chunked path, not only its refusals: 78 and 89 of 400 were seen, so
    # the floor is set below both (it used to be 100 and failed at random).
    assert sum(taken) >= 50, f"read in chunks {sum(taken)} times in {len(taken)}"


HEADER = ",".join(REQUIRED)


def row(value: str) -> str:
    return ",".join([value] * len(REQUIRED))


def test_cp932_character_split_across_blocks(tmp_path: Path) -> None:
    data = f"{HEADER}\r\n{row('施設')}\r\n{row('ｱ')}\r\n".encode("cp932")
    split = data.index("施".encode("cp932")) + 1  # the first block ends after the lead byte of 施
    path = _write(tmp_path, data)
    chunks = read_csv_chunks(path, FLOWS, workdir=tmp_path / "w", block_bytes=split, chunk_rows=1)
    assert chunks is not None
    assert (chunks.encoding, chunks.n_rows, chunks.n_blank_rows, chunks.ignored_columns) == ("cp932", 2, 0, ())
    frames = list(chunks.frames())
    assert [frame["source_row"].to_list() for frame in frames] == [[2], [3]]
    assert [frame[REQUIRED[0]].to_list() for frame in frames] == [["施設"], ["ｱ"]]
    assert chunks.work_file is not None
    assert chunks.work_file.parent == tmp_path / "w"
    assert chunks.work_file.read_bytes().decode("utf-8").startswith(f"{HEADER}\r\n{row('施設')}\r\n")
    assert_same(chunks, read_table(path, FLOWS))


def _write(root: Path, data: bytes) -> Path:
    path = root / "in.csv"
    path.write_bytes(data)
    return path


def test_chunks_keep_line_numbers_blank_rows_and_unnamed_columns(tmp_path: Path) -> None:
    # Line 1 header (one unnamed column at the end), lines 2-3 rows, line 4 blank, line 5 spaces,
    # line 6 a row with a value in the unnamed column, line 7 a row.
    lines = [f"{HEADER},", f"{row('a')},", f"{row('b')},", "", " ,\u3000", f"{row('c')},x", row("d")]
    path = _write(tmp_path, ("\n".join(lines) + "\n").encode("utf-8"))
    chunks = read_csv_chunks(path, FLOWS, workdir=tmp_path / "w", chunk_rows=2, block_bytes=16)
    assert chunks is not None
    frames = list(chunks.frames())
    # Slices of two lines: 2-3, 4-5 (both blank: no frame), 6-7.
    assert [frame["source_row"].to_list() for frame in frames] == [[2, 3], [6, 7]]
    assert [frame[REQUIRED[0]].to_list() for frame in frames] == [["a", "b"], ["c", "d"]]
    assert (chunks.encoding, chunks.n_rows, chunks.n_blank_rows) == ("utf-8", 4, 2)
    assert chunks.ignored_columns == (f"(unnamed column {len(REQUIRED) + 1})",)
    assert (chunks.text_file, chunks.work_file) == (path, None)
    assert_same(chunks, read_table(path, FLOWS))


def test_frames_can_be_read_twice(tmp_path: Path) -> None:
    body = "\r\n".join([HEADER, *(row(str(number)) for number in range(5))])
    path = _write(tmp_path, codecs.BOM_UTF8 + body.encode("utf-8"))
    chunks = read_csv_chunks(path, FLOWS, workdir=tmp_path / "w", chunk_rows=2)
    assert chunks is not None
    first, second = list(chunks.frames()), list(chunks.frames())
    assert [frame["source_row"].to_list() for frame in first] == [[2, 3], [4, 5], [6]]
    assert [frame[REQUIRED[0]].to_list() for frame in first] == [["0", "1"], ["2", "3"], ["4"]]
    assert len(second) == len(first)
    for one, other in zip(first, second, strict=True):
        assert_frame_equal(one, other)
    assert chunks.encoding == "utf-8-sig"


def test_a_file_with_only_a_header_gives_one_empty_frame(tmp_path: Path) -> None:
    chunks = read_csv_chunks(_write(tmp_path, HEADER.encode()), FLOWS, workdir=tmp_path / "w")
    assert chunks is not None
    frames = list(chunks.frames())
    assert [frame.height for frame in frames] == [0]
    assert frames[0].columns == ["source_row", *FLOWS.read_schema]
    assert chunks.n_rows == 0


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"member_id,other\n1,2\n",  # required columns missing
        f"{HEADER}\n{row('a')},x\n".encode(),  # a row with more fields than the header
        f"{HEADER}\n{row('a')}\n".encode() + b"\xff\xfe",  # neither UTF-8 nor CP932
        f"{HEADER}\n{row('施設')}\n".encode("cp932") + b"a\x80\n",  # CP932 with a stray byte
        codecs.BOM_UTF8 + f"{HEADER}\n".encode() + "施".encode("cp932") + b"\n",  # BOM, then not UTF-8
        codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le"),
        b"PK\x03\x04" + HEADER.encode(),
    ],
)
def test_a_file_read_table_rejects_is_not_read_in_chunks(tmp_path: Path, data: bytes) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(FileRejected):
        read_table(path, FLOWS)
    assert read_csv_chunks(path, FLOWS, workdir=tmp_path / "w", block_bytes=5) is None
    assert list((tmp_path / "w").glob("*")) == []


def test_too_many_lines_is_not_read_in_chunks(tmp_path: Path) -> None:
    # Four lines (the last one blank) against a limit of three lines.
    path = _write(tmp_path, f"{HEADER}\n{row('a')}\n{row('b')}\n\n".encode())
    limits = Limits(max_rows=3)
    with pytest.raises(FileRejected):
        read_table(path, FLOWS, limits=limits)
    assert read_csv_chunks(path, FLOWS, workdir=tmp_path / "w", limits=limits, chunk_rows=1) is None
    assert read_csv_chunks(path, FLOWS, workdir=tmp_path / "w", limits=Limits(max_rows=4), chunk_rows=1) is not None


def test_a_quoted_line_break_steps_aside(tmp_path: Path) -> None:
    path = _write(tmp_path, f"{HEADER}\n{row('a')}\n{row(quoted('two' + chr(10) + 'lines'))}\n".encode())
    table = read_table(path, FLOWS)  # the row-by-row reader reads it
    assert table.frame["source_row"].to_list() == [2, 3]
    assert read_csv_chunks(path, FLOWS, workdir=tmp_path / "w", chunk_rows=1) is None


def test_cp932_that_reads_as_latin1_is_not_read_in_chunks(tmp_path: Path) -> None:
    path = _write(tmp_path, f"{HEADER}\n{row('Renée')}\n".encode("latin-1"))
    with pytest.raises(FileRejected):
        read_table(path, FLOWS)
    assert read_csv_chunks(path, FLOWS, workdir=tmp_path / "w") is None
    assert list((tmp_path / "w").glob("*")) == []

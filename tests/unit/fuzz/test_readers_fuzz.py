"""Fuzzing every reader: whatever the bytes, the outcome is a clean RawTable or a clear `FileRejected`."""

from __future__ import annotations

import io
import json
import math
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from infra.readers import SOURCE_ROW, RawTable, read_table
from infra.readers.limits import Limits
from schemas import CONTRACTS, FLOWS
from schemas.contract import Contract
from schemas.errors import FileRejected
from tests.unit.fuzz.support import FUZZ, FuzzStats, fuzz_stats

FILE = "submitted"
# Small limits so "too big" examples are cheap to generate; default limits are tested in tests/unit/security.
SMALL = Limits(max_rows=500, max_columns=60, max_field_chars=2_000, max_line_chars=20_000, max_json_depth=8)
SPECIALS = [",", '"', '""', "\n", "\r\n", "\r", "\x00", "\ufeff", "\t", ";", "=1+1", "@SUM(A1)", "−", "ｃｉｔｙ", " "]
ENCODINGS = ["utf-8", "utf-8-sig", "cp932", "utf-16", "latin-1", "euc-jp", "utf-32"]


def read(directory: Path, data: bytes, extension: str, stats: FuzzStats, *, contract: Contract = FLOWS) -> None:
    """Read fuzzed bytes and check a clean result is well formed."""
    path = directory / f"fuzz{extension}"
    path.write_bytes(data)
    name = f"{FILE}{extension}"
    outcome = stats.attempt(lambda: read_table(path, contract, name=name, limits=SMALL), file=name)
    if isinstance(outcome, FileRejected):
        return
    assert_well_formed(outcome, contract)


def assert_well_formed(table: RawTable, contract: Contract) -> None:
    """A clean result has the contract's text columns, one unique positive source row per row, and no lost rows."""
    assert table.frame.columns == [SOURCE_ROW, *contract.read_schema]
    assert table.frame.schema[SOURCE_ROW] == pl.Int64()
    assert all(dtype == pl.String() for name, dtype in table.frame.schema.items() if name != SOURCE_ROW)
    assert table.n_rows == table.frame.height
    rows = table.frame.get_column(SOURCE_ROW)
    assert rows.n_unique() == rows.len()
    assert table.frame.is_empty() or rows.min() >= 1  # type: ignore[operator]


cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(SPECIALS),
    st.sampled_from(["city-a", "FY2024", "plastics", "use", "collection", "12", "t", "1e400", "-0", "NaN"]),
    st.integers(min_value=1_500, max_value=2_100).map(lambda n: "x" * n),  # around SMALL.max_field_chars
)
# Valid headers come up most often, so the examples reach the rows and not only the header check.
headers = st.one_of(
    st.just(list(FLOWS.read_schema)),
    st.just(list(FLOWS.read_schema)),
    st.permutations(list(FLOWS.read_schema)),
    st.lists(st.one_of(st.sampled_from(list(FLOWS.read_schema)), st.text(max_size=8)), max_size=15),
    st.integers(min_value=55, max_value=3_000).map(lambda n: [*FLOWS.read_schema, *(f"c{i}" for i in range(n))]),
)


def test_random_bytes_in_every_format(tmp_path: Path) -> None:
    with fuzz_stats("readers.random_bytes") as stats:

        @FUZZ
        @given(
            extension=st.sampled_from([".csv", ".xlsx", ".parquet", ".jsonl", ".ndjson"]),
            prefix=st.sampled_from([b"", b"PK\x03\x04", b"PAR1", b"\xef\xbb\xbf", b"\xff\xfe", b"{", b"%PDF"]),
            data=st.binary(max_size=3_000),
        )
        def check(extension: str, prefix: bytes, data: bytes) -> None:
            read(tmp_path, prefix + data, extension, stats)

        check()
    assert stats.tried >= 60
    assert stats.crashed == 0


def test_csv_ragged_truncated_and_wrongly_encoded(tmp_path: Path) -> None:
    with fuzz_stats("readers.csv") as stats:

        @FUZZ
        @given(
            header=headers,
            rows=st.lists(st.lists(cells, max_size=12), max_size=8),
            quote=st.booleans(),
            newline=st.sampled_from(["\n", "\r\n", "\r"]),
            encoding=st.sampled_from(ENCODINGS),
            cut=st.one_of(st.none(), st.integers(min_value=0)),
        )
        def check(
            header: list[str], rows: list[list[str]], quote: bool, newline: str, encoding: str, cut: int | None
        ) -> None:
            if quote:
                buffer = io.StringIO()
                import csv

                csv.writer(buffer, lineterminator=newline).writerows([header, *rows])
                text = buffer.getvalue()
            else:  # naive join: unquoted commas, quotes and newlines make ragged and broken records
                text = newline.join(",".join(row) for row in [header, *rows])
            data = text.encode(encoding, errors="replace")
            if cut is not None:
                data = data[: cut % (len(data) + 1)]
            read(tmp_path, data, ".csv", stats)

        check()
    assert stats.crashed == 0
    assert stats.clean > 0  # the strategy also reaches the happy path
    assert stats.rejected > 0


def _xlsx_value(value: object) -> object:
    if isinstance(value, str):
        # openpyxl refuses control characters when writing; a member's Excel cannot hold them either.
        return "".join(char for char in value if char >= " " or char in "\t\n\r")
    return value


xlsx_cells = st.one_of(
    st.none(),
    cells.map(_xlsx_value),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1)),
    st.sampled_from(["=1/0", "=SUM(A1:A3)", "=A2&B2", '=HYPERLINK("http://x","y")', "=NA()"]),
)


def _workbook_bytes(header: list[str], rows: list[list[object]], merges: list[tuple[int, int]], sheets: int) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [header, *rows]:
        sheet.append([_xlsx_value(value) for value in row])
    for start_row, start_column in merges:
        sheet.merge_cells(
            start_row=start_row, start_column=start_column, end_row=start_row + 1, end_column=start_column + 2
        )
    for index in range(sheets - 1):
        workbook.create_sheet(f"extra{index}").append(["x", 1])
    if sheets == 0:
        workbook.remove(sheet)
        workbook.create_sheet("only").append([])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_formulas_merged_cells_and_corrupted_parts(tmp_path: Path) -> None:
    with fuzz_stats("readers.xlsx") as stats:

        @FUZZ
        @given(
            header=headers.filter(lambda names: len(names) < 200),
            rows=st.lists(st.lists(xlsx_cells, max_size=10), max_size=6),
            merges=st.lists(st.tuples(st.integers(1, 6), st.integers(1, 8)), max_size=3),
            sheets=st.sampled_from([1, 1, 1, 2, 0]),
            damage=st.sampled_from(["none", "none", "none", "truncate", "flip", "sheet_xml", "strings_xml"]),
            noise=st.binary(min_size=1, max_size=200),
            position=st.integers(min_value=0),
        )
        def check(
            header: list[str],
            rows: list[list[object]],
            merges: list[tuple[int, int]],
            sheets: int,
            damage: str,
            noise: bytes,
            position: int,
        ) -> None:
            data = _workbook_bytes(header, rows, merges, sheets)
            if damage == "truncate":
                data = data[: position % len(data)]
            elif damage == "flip":
                at = position % len(data)
                data = data[:at] + noise + data[at + len(noise) :]
            elif damage in ("sheet_xml", "strings_xml"):
                part = "xl/worksheets/sheet1.xml" if damage == "sheet_xml" else "xl/sharedStrings.xml"
                data = _replace_part(data, part, noise, position)
            read(tmp_path, data, ".xlsx", stats)

        check()
    assert stats.crashed == 0
    assert stats.clean > 0


def _replace_part(data: bytes, part: str, noise: bytes, position: int) -> bytes:
    """The workbook with one XML part damaged: noise spliced in at some position."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == part:
                at = position % (len(content) + 1)
                content = content[:at] + noise + content[at:]
            target.writestr(info.filename, content)
    return buffer.getvalue()


plain_columns = st.sampled_from(
    [
        pl.Series([1, None, 3], dtype=pl.Int64()),
        pl.Series([1.5, float("nan"), float("inf")]),
        pl.Series([1e300, -0.0, 2.0]),
        pl.Series(["a", None, "x" * 2_500]),
        pl.Series([True, False, None]),
        pl.Series([date(2024, 4, 1), None, date(1, 1, 1)]),
        pl.Series([datetime(2024, 4, 1), datetime(2024, 4, 1, 12, 30), None]),
        pl.Series(["x", "y", "x"], dtype=pl.Categorical()),
        pl.Series([None, None, None], dtype=pl.Null()),
    ]
)
odd_columns = st.sampled_from(
    [
        pl.Series([[1, 2], [], None]),
        pl.Series([{"a": 1}, {"a": None}, None]),
        pl.Series([b"\x00\xff", b"ok", None], dtype=pl.Binary()),
        pl.Series([timedelta(days=1), None, timedelta(0)]),
        pl.Series([time(1, 2), None, time(0)]),
    ]
)


def test_parquet_odd_types_and_corruption(tmp_path: Path) -> None:
    with fuzz_stats("readers.parquet") as stats:

        @FUZZ
        @given(
            names=st.one_of(
                st.just(list(FLOWS.read_schema)[:9]),
                st.lists(
                    st.one_of(st.sampled_from(list(FLOWS.read_schema)), st.text(min_size=1, max_size=6)),
                    min_size=1,
                    max_size=9,
                    unique_by=lambda name: name,
                ),
            ),
            columns=st.one_of(
                st.lists(plain_columns, min_size=9, max_size=9),
                st.lists(st.one_of(plain_columns, odd_columns), min_size=9, max_size=9),
            ),
            cut=st.one_of(st.none(), st.none(), st.integers(min_value=0)),
        )
        def check(names: list[str], columns: list[pl.Series], cut: int | None) -> None:
            frame = pl.DataFrame([column.alias(name) for name, column in zip(names, columns, strict=False)])
            buffer = io.BytesIO()
            frame.write_parquet(buffer)
            data = buffer.getvalue()
            if cut is not None:
                data = data[: cut % len(data)]
            read(tmp_path, data, ".parquet", stats)

        check()
    assert stats.crashed == 0
    assert stats.clean > 0


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=10),
        st.sampled_from(["city-a", "FY2024", "x" * 2_500]),
    ),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10))
json_records = st.fixed_dictionaries(
    dict.fromkeys(FLOWS.required_columns, json_scalars),
    optional={
        **dict.fromkeys(set(FLOWS.read_schema) - set(FLOWS.required_columns), json_scalars),
        "extra": json_values,
    },
).map(json.dumps)
json_lines = st.one_of(
    json_records,
    st.dictionaries(st.sampled_from(list(FLOWS.read_schema)), json_values, max_size=12).map(json.dumps),
    json_values.map(json.dumps),
    st.integers(min_value=1, max_value=20_000).map(lambda n: "[" * n + "]" * n),  # deep nesting
    st.integers(min_value=1, max_value=20_000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.integers(min_value=4_000, max_value=6_000).map(lambda n: '{"quantity": ' + "9" * n + "}"),  # int digit limit
    st.sampled_from(['{"quantity": NaN}', '{"quantity": -Infinity}', '{"a": 1, "a": 2}', "{", "", "\x00", "null"]),
    st.integers(min_value=61, max_value=400).map(lambda n: json.dumps({f"k{i}": i for i in range(n)})),
    st.text(max_size=30),
)


def test_jsonl_nested_huge_and_malformed_lines(tmp_path: Path) -> None:
    with fuzz_stats("readers.jsonl") as stats:

        @FUZZ
        @given(
            lines=st.lists(json_lines, max_size=6),
            encoding=st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp932"]),
            newline=st.sampled_from(["\n", "\r\n"]),
        )
        def check(lines: list[str], encoding: str, newline: str) -> None:
            data = newline.join(lines).encode(encoding, errors="replace")
            read(tmp_path, data, ".jsonl", stats)

        check()
    assert stats.crashed == 0
    assert stats.clean > 0


def test_every_contract_survives_a_valid_header_with_fuzzed_values(tmp_path: Path) -> None:
    """Targets and progress (other required columns) on the CSV path, so their headers are reached too."""
    with fuzz_stats("readers.contracts") as stats:

        @FUZZ
        @given(
            dataset=st.sampled_from(sorted(CONTRACTS)),
            rows=st.lists(st.lists(cells, max_size=13), max_size=5),
        )
        def check(dataset: str, rows: list[list[str]]) -> None:
            contract = CONTRACTS[dataset]
            text = "\n".join(",".join(row) for row in [list(contract.read_schema), *rows])
            read(tmp_path, text.encode("utf-8"), ".csv", stats, contract=contract)

        check()
    assert stats.crashed == 0
    assert stats.clean > 0


def test_nan_never_reaches_the_frame_as_a_float(tmp_path: Path) -> None:
    """A worked example next to the fuzzing: JSON NaN and huge floats are read as text a member recognises."""
    path = tmp_path / "nan.jsonl"
    base = '"member_id": "city-a", "period": "FY2024", "material": "paper", "source_stage": "use", '
    base += '"target_stage": "collection", "unit": "t"'
    path.write_text(f'{{{base}, "quantity": NaN}}\n{{{base}, "quantity": 1e400}}\n', encoding="utf-8")
    table = read_table(path, FLOWS, limits=SMALL)
    values = table.frame.get_column("quantity").to_list()
    assert values == ["nan", "inf"]
    assert not any(isinstance(value, float) and math.isnan(value) for value in values)

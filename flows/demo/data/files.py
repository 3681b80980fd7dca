"""How demo members write their files: formats, file names in the inbox layout, and the spellings they use.

Every file's bytes depend on its data only (fixed XLSX time stamps), so the same seed gives the same files.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import polars as pl

from schemas import CONTRACTS
from schemas import vocabulary as v

# Fixed time stamp inside XLSX files, so that the same seed gives the same bytes.
_XLSX_TIME = datetime(2025, 4, 1, 9, 0, 0)

FileFormat = Literal["csv", "csv_bom", "xlsx", "parquet", "jsonl"]


@dataclass(frozen=True)
class DemoFile:
    """One file a demo member submits, and what the pipeline should make of it."""

    member_id: str
    dataset: str
    path: Path
    expectation: str
    # The day the file arrived in the partnership's history (None: the demo's own day). Targets take effect,
    # and follow-ups count, from the day their file arrived, so the demo replays them on their days.
    received_on: date | None = None


# --- spelling: periods, units, digits -------------------------------------------------------------

PeriodStyle = Literal["fy", "nendo", "reiwa"]
_REIWA_FIRST_YEAR = 2019
FULL_WIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")


def period_text(year: int, style: PeriodStyle) -> str:
    """A fiscal year as members write it: FY2024, 2024年度 or 令和6年度."""
    if style == "fy":
        return f"FY{year}"
    if style == "nendo":
        return f"{year}年度"
    return f"令和{year - _REIWA_FIRST_YEAR + 1}年度"


def quantity_text(quantity_t: float, unit: str) -> str:
    """A tonnage written in the member's unit, without trailing zeros."""
    factor = v.UNIT_TO_TONNES[v.UNIT_SPELLINGS[unit]]
    decimals = max(0, 3 + round(math.log10(factor)))
    text = f"{quantity_t / factor:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- writing files --------------------------------------------------------------------------------

EXTENSIONS: dict[FileFormat, str] = {
    "csv": "csv",
    "csv_bom": "csv",
    "xlsx": "xlsx",
    "parquet": "parquet",
    "jsonl": "jsonl",
}


def _typed(frame: pl.DataFrame, dataset: str) -> pl.DataFrame:
    """Numeric columns as numbers, as a spreadsheet, Parquet or JSON file would hold them."""
    schema = CONTRACTS[dataset].schema
    return frame.with_columns(pl.col(name).cast(schema[name]) for name in frame.columns if schema[name].is_numeric())


def _xlsx_bytes(frame: pl.DataFrame) -> bytes:
    """An XLSX workbook of one sheet with fixed time stamps, so that its bytes depend on the data only."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    workbook.properties.creator = "junkan demo"
    workbook.properties.created = _XLSX_TIME
    workbook.properties.modified = _XLSX_TIME
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    # zipfile stamps each entry with the current time; rewrite the entries with a fixed one.
    fixed = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_XLSX_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()


def write_file(frame: pl.DataFrame, path: Path, dataset: str, file_format: FileFormat) -> None:
    """Write a member's file in its format (numbers typed where the format holds types)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if file_format == "csv":
        frame.write_csv(path)
    elif file_format == "csv_bom":
        frame.write_csv(path, include_bom=True)
    elif file_format == "xlsx":
        path.write_bytes(_xlsx_bytes(_typed(frame, dataset)))
    elif file_format == "parquet":
        _typed(frame, dataset).write_parquet(path)
    else:
        _typed(frame, dataset).write_ndjson(path)


def submission_path(directory: Path, member_id: str, dataset: str, file_name: str) -> Path:
    """Where a member's file goes: the inbox layout `<member_id>/<dataset>/<file>`."""
    return directory / member_id / dataset / file_name

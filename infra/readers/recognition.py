"""Which dataset a member's file holds, recognised from its header, for uploads that do not say.

Cheap by design: only the first rows are looked at (a CSV's first lines, each sheet's first rows of a workbook),
matched to every contract's headers as the readers match them (`header_layout`). A file is recognised only when
exactly one dataset has every required column and names the most of its columns; otherwise None, and the member
picks the dataset.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Mapping, Sequence

from infra.readers.common import header_layout
from infra.readers.encoding import detect_encoding
from schemas.contract import Contract
from schemas.errors import FileRejected

HEADER_ROWS = 20  # rows of each sheet where a header may start
SAMPLE_BYTES = 64 * 1024


def recognise_dataset(name: str, data: bytes, contracts: Mapping[str, Contract]) -> str | None:
    """The one dataset among `contracts` whose required columns the file's header names, else None."""
    scores: dict[str, int] = {}
    for headers in _candidate_headers(name, data):
        for dataset, contract in contracts.items():
            layout = header_layout(headers, contract)
            if layout.is_complete:
                scores[dataset] = max(scores.get(dataset, 0), len(layout.positions))
    if not scores:
        return None
    best = max(scores.values())
    winners = [dataset for dataset, score in scores.items() if score == best]
    return winners[0] if len(winners) == 1 else None


def _candidate_headers(name: str, data: bytes) -> Iterator[Sequence[str | None]]:
    lowered = name.lower()
    try:
        if lowered.endswith((".xlsx", ".xlsm")):
            yield from _workbook_rows(data)
        elif lowered.endswith((".csv", ".txt")):
            yield from _csv_rows(data, name)
    except (FileRejected, zipfile.BadZipFile, ValueError, KeyError, OSError, csv.Error):
        return  # unreadable here: the judging path says why, with row and column


def _csv_rows(data: bytes, name: str) -> Iterator[Sequence[str | None]]:
    sample = data[:SAMPLE_BYTES]
    cut = sample.rfind(b"\n")
    text, _ = detect_encoding(sample[: cut + 1] if cut > 0 else sample, file=name)
    yield from list(csv.reader(io.StringIO(text)))[:HEADER_ROWS]


def _workbook_rows(data: bytes) -> Iterator[Sequence[str | None]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows(max_row=HEADER_ROWS, values_only=True):
                yield [None if value is None else str(value) for value in row]
    finally:
        book.close()

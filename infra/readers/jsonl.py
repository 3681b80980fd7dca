"""Read a JSON Lines file: one flat JSON object per line, values as text."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import polars as pl

from infra.readers.common import SOURCE_ROW, RawTable, cell_text
from infra.readers.encoding import reject_undecodable
from infra.readers.limits import Limits, check_json_line, over_limit, too_many_columns
from infra.readers.named_columns import from_named_columns
from schemas.contract import Contract
from schemas.errors import FileRejected


def _json_text(value: object, *, file: str, line: int, key: str) -> str | None:
    if isinstance(value, dict | list):
        raise FileRejected(
            file,
            f"line {line}: the value of {key!r} is a nested object or list; give a plain value",
            f"{line}行目: {key} の値が入れ子（オブジェクトまたは配列）です。単一の値にしてください",
            row=line,
            column=key,
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return cell_text(value)
    return None if value is None else str(value)


def read_jsonl(path: Path, contract: Contract, file: str, limits: Limits) -> RawTable:
    """Read a JSON Lines file as text columns of `contract`."""
    data = path.read_bytes()
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        error.start += bom
        raise reject_undecodable(file, data, error, "UTF-8") from None
    records: list[dict[str, str | None]] = []
    lines: list[int] = []
    keys: dict[str, None] = {}
    blank = 0
    # Split on \n only: str.splitlines would also split on characters JSON allows inside strings.
    for number, line in enumerate(text.split("\n"), start=1):
        if number > limits.max_rows:
            raise over_limit(
                file, "max_rows", number, what_en="the number of lines", what_ja="行数", row=number, limits=limits
            )
        if not line.strip():
            blank += 1
            continue
        check_json_line(line, file, number, limits)
        record = _json_record(line, file=file, line_number=number)
        keys.update(dict.fromkeys(record))
        if len(keys) > limits.max_columns:
            raise too_many_columns(
                list(keys),
                contract,
                file,
                limits,
                row=number,
                what_en=f"distinct keys up to line {number}",
                what_ja=f"{number}行目までのキーの種類数",
            )
        records.append(record)
        lines.append(number)
    if not records:
        raise FileRejected(
            file,
            "the file is empty: it has no JSON object, so its columns cannot be checked; put one object per line",
            "ファイルが空です（JSONオブジェクトがありません）。1行に1つのオブジェクトを入れてください",
        )
    blank -= text.endswith("\n")  # the final newline ends the last line; it is not a blank line
    frame = pl.DataFrame(
        {key: [record.get(key) for record in records] for key in keys},
        schema={key: pl.String() for key in keys},
    )
    table = from_named_columns(
        frame, contract, file, source_row=pl.Series(SOURCE_ROW, lines), file_format="jsonl", limits=limits
    )
    return RawTable(table.frame, "jsonl", None, table.ignored_columns, table.n_rows, blank)


def _json_record(line: str, *, file: str, line_number: int) -> dict[str, str | None]:
    """One JSON Lines record as text values, or reject the file naming the line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise FileRejected(
            file,
            f"line {line_number} is not valid JSON ({error.msg} at character {error.colno}); "
            "each line must be one JSON object",
            f"{line_number}行目がJSONとして正しくありません（{error.colno}文字目: {error.msg}）。"
            "各行を1つのJSONオブジェクトにしてください",
            row=line_number,
        ) from None
    except (ValueError, RecursionError) as error:  # e.g. an integer of more than 4,300 digits
        raise FileRejected(
            file,
            f"line {line_number} cannot be read as JSON ({str(error)[:200]}); give plain values: text, numbers "
            "of usual length, true/false or null",
            f"{line_number}行目をJSONとして読めません（{str(error)[:200]}）。文字・通常の長さの数値・true/false・null "
            "の値にしてください",
            row=line_number,
        ) from None
    if not isinstance(record, dict):
        raise FileRejected(
            file,
            f'line {line_number} is not a JSON object; each line must be one object such as {{"member_id": "..."}}',
            f'{line_number}行目がJSONオブジェクトではありません。各行を {{"member_id": "..."}} '
            "のような1つのオブジェクトにしてください",
            row=line_number,
        )
    return {str(key): _json_text(value, file=file, line=line_number, key=str(key)) for key, value in record.items()}

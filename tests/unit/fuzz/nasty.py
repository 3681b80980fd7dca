"""Hand-made hostile files, shared by the isolation fuzz test and the limit tests."""

from __future__ import annotations

import io
import zipfile

import polars as pl

from schemas import FLOWS

HEADER = ",".join(FLOWS.read_schema)
_VALID = {"member_id": "city-a", "period": "FY2024", "material": "plastics.pet", "source_stage": "use",
          "target_stage": "collection", "quantity": "80", "unit": "t"}  # fmt: skip


def valid_row(**values: str) -> str:
    """One valid flow as a CSV line, optional columns empty unless given; follows the contract's columns."""
    return ",".join({**_VALID, **values}.get(name, "") for name in FLOWS.read_schema)


VALID_ROW = valid_row()


def zip_bomb(*, entry_bytes: int = 20 << 20) -> bytes:
    """An .xlsx-named zip whose one sheet part inflates ~1000x: zeros compress to almost nothing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            chunk = b"\0" * (1 << 20)
            for _ in range(entry_bytes // len(chunk)):
                part.write(chunk)
    return buffer.getvalue()


def truncated_parquet() -> bytes:
    """A Parquet file cut in half: footer gone."""
    buffer = io.BytesIO()
    pl.DataFrame({name: ["x"] * 50 for name in FLOWS.read_schema}).write_parquet(buffer)
    data = buffer.getvalue()
    return data[: len(data) // 2]


NASTY: dict[str, bytes] = {
    "random.csv": bytes(range(256)) * 8,
    "nul.csv": f"{HEADER}\n{VALID_ROW}\0\0\0\n".encode(),
    "ragged.csv": f'{HEADER}\n"unterminated,{VALID_ROW}\n'.encode(),
    "utf16.csv": f"{HEADER}\n{VALID_ROW}\n".encode("utf-16"),
    "wide.csv": (HEADER + "".join(f",c{i}" for i in range(3_000)) + "\n" + VALID_ROW + "\n").encode(),
    "long_field.csv": f"{HEADER}\n{valid_row(note='x' * 200_000)}\n".encode(),
    "empty.csv": b"",
    "bomb.xlsx": zip_bomb(),
    "not_a_zip.xlsx": b"PK\x03\x04" + b"\xff" * 100,
    "deep.jsonl": ("[" * 100_000 + "]" * 100_000 + "\n").encode(),
    "huge_int.jsonl": ('{"quantity": ' + "9" * 5_000 + "}\n").encode(),
    "cut.parquet": truncated_parquet(),
}

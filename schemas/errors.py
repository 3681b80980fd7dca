"""Errors a member or operator sees: they name the file, row and column and say what to do."""

from __future__ import annotations


class FileRejected(Exception):
    """The whole file cannot be read as its dataset (not a table, wrong encoding, missing columns)."""

    def __init__(
        self, file: str, message_en: str, message_ja: str, *, row: int | None = None, column: str | None = None
    ) -> None:
        self.file = file
        self.message_en = message_en
        self.message_ja = message_ja
        self.row = row
        self.column = column
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message_en}")

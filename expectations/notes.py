"""What a member is told about cells read as something other than what they literally say.

A label read as its code (`回収` as `collection`) and invisible characters removed from a code or an id do not
set a row aside, but they are never silent: each is a warning on its row and column in the member's report.
They are found in the member's text with the expressions normalisation reads it with (`schemas.codes`), so the
report says exactly what was read.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import polars as pl

from schemas.codes import INVISIBLE, CodeReader, code_reader, invisible_characters, without_invisible
from schemas.contract import Column, Contract

NOTES_SCHEMA = pl.Schema(
    {
        "source_row": pl.Int64(),
        "check_id": pl.String(),
        "column": pl.String(),
        "severity": pl.String(),
        "message_en": pl.String(),
        "message_ja": pl.String(),
    }
)
_WRITTEN = "_written"
SUBMISSION_ID = "submission_id"


def cell_notes(contract: Contract, raw: pl.DataFrame) -> pl.DataFrame:
    """One warning per cell of `raw` (the member's text, with `source_row`) read as other than written.

    In row order; within a row, in the contract's column order, invisible characters before labels. When `raw`
    holds the rows of several files (a `submission_id` column), the notes carry it: one pass for a whole batch.

    Examples:
        >>> import polars as pl
        >>> from schemas import FLOWS
        >>> raw = pl.DataFrame({"source_row": [2, 3], "target_stage": ["回収", "use"], "note": ["①\u200b", None]})
        >>> [(row, check_id)] = cell_notes(FLOWS, raw).select("source_row", "check_id").rows()  # ① is free text
        >>> (row, check_id)
        (2, 'target_stage.label')

    """
    found: list[pl.DataFrame] = []
    carried = [SUBMISSION_ID] if SUBMISSION_ID in raw.columns else []
    suspects = _suspects(contract, raw)
    for position, column in enumerate(contract.submitted_columns):
        if column.name not in suspects:
            continue
        distinct = raw.select(pl.col(column.name).cast(pl.String).alias(_WRITTEN)).unique().drop_nulls()
        reader = code_reader(column)
        messages = _invisible_messages(column, distinct)
        if reader is not None:
            messages += _label_messages(column, reader, distinct)
        if not messages:
            continue
        said = pl.DataFrame(
            messages, schema=[_WRITTEN, "check_id", "message_en", "message_ja", "_order"], orient="row"
        ).with_columns(pl.col("_order") + 2 * position, column=pl.lit(column.name))
        rows = raw.select(*carried, "source_row", pl.col(column.name).cast(pl.String).alias(_WRITTEN))
        found.append(rows.join(said, on=_WRITTEN, how="inner").drop(_WRITTEN))
    if not found:
        return pl.DataFrame(schema={**dict.fromkeys(carried, pl.String()), **NOTES_SCHEMA})
    notes = pl.concat(found).sort(*carried, "source_row", "_order", maintain_order=True)
    return notes.select(
        *carried,
        pl.col("source_row").cast(pl.Int64),
        "check_id",
        "column",
        pl.lit("warning").alias("severity"),
        "message_en",
        "message_ja",
    )


def _suspects(contract: Contract, raw: pl.DataFrame) -> set[str]:
    """The columns of `raw` with a cell that may be read as other than written, in one cheap pass.

    Almost every file writes its codes as codes: a column whose cells are all exactly codes (or blank) needs no
    closer look, and a code holds no invisible character.
    """
    plain = _plain_cells(contract)
    if not (present := {name: cells for name, cells in plain.items() if name in raw.columns}):
        return set()
    found = raw.select(**{name: cells.all() for name, cells in present.items()}).row(0, named=True)
    return {name for name, all_plain in found.items() if not all_plain}


@cache
def _plain_cells(contract: Contract) -> dict[str, pl.Expr]:
    """Per column that is not free text: whether a cell is blank, exactly a code, or (without codes) visible only."""
    plain = {}
    for column in contract.submitted_columns:
        if column.is_free_text:
            continue
        value = pl.col(column.name).cast(pl.String)
        reader = code_reader(column)
        written = ~value.str.contains(INVISIBLE) if reader is None else value.is_in(list(reader.exact))
        plain[column.name] = value.is_null() | written
    return plain


def _invisible_messages(column: Column, distinct: pl.DataFrame) -> list[tuple[str, str, str, str, int]]:
    """The note for each distinct value holding invisible characters, which reading it removed."""
    written = distinct.filter(pl.col(_WRITTEN).str.contains(INVISIBLE)).get_column(_WRITTEN).to_list()
    notes = []
    for text in written:
        names = ", ".join(invisible_characters(text))
        read = unicodedata.normalize("NFKC", without_invisible(text)).strip()
        notes.append(
            (
                text,
                f"{column.name}.invisible",
                f"{column.name} {text!r} holds invisible characters ({names}); they were removed and the cell was "
                f"read as {read!r}. Text copied from web pages often carries them: retype the cell to remove this "
                "warning",
                f"{column.name} の {text!r} に見えない文字（{names}）が含まれていたため取り除き、{read!r} として"
                "読みました。Webページなどからコピーした文字によく含まれます。セルを入力し直せばこの警告は出ません",
                0,
            )
        )
    return notes


def _label_messages(column: Column, reader: CodeReader, distinct: pl.DataFrame) -> list[tuple[str, str, str, str, int]]:
    """The note for each distinct value read as a code through one of its labels or spelling variants."""
    read = distinct.with_columns(reader.label_code(pl.col(_WRITTEN)).alias("_code")).drop_nulls("_code")
    return [
        (
            text,
            f"{column.name}.label",
            f"{column.name} {text!r} was read as the code {reader.describe(code)}; write the code itself to remove "
            "this warning",
            f"{column.name} の {text!r} をコード {reader.describe(code)} として読みました。"
            "コードで記入すればこの警告は出ません",
            1,
        )
        for text, code in read.iter_rows()
    ]

"""The `subtotal` rule: rows that are subtotals or totals of other rows of their file are set aside, not summed.

`schemas.subtotals` says what marks such a row: a text cell that says 合計, 小計, 計, 総計 or Total (alone, or as a
label with a short qualifier), or a material group's row equal to the sum of two or more of its own materials in
the same flow of the file. Judged by Polars over whole files (a large file's parts one at a time, holding only
the label rows, the group rows and the sums of the material rows), each failure with a message of its own that
names the row, the column and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from expectations.plan import ROW_INDEX, SOURCE_ROW, SUBMISSION_ID
from schemas.contract import Contract, Rule
from schemas.subtotals import (
    MAX_QUALIFIER_CHARS,
    MAX_QUALIFIER_WORDS,
    MIN_SUMMED_ROWS,
    SUBTOTAL_LABEL_WORDS_EN,
    SUBTOTAL_LABEL_WORDS_JA,
    SUBTOTAL_WORDS,
    SUM_TOLERANCE,
)
from schemas.workbooks import SHEET_ROW_STRIDE

FOUND = pl.Schema(
    {
        SUBMISSION_ID: pl.String(),
        SOURCE_ROW: pl.Int64(),
        "column": pl.String(),
        "message_en": pl.String(),
        "message_ja": pl.String(),
    }
)
FAILURES = pl.Schema(
    {
        ROW_INDEX: pl.UInt32(),
        "check_id": pl.String(),
        "column": pl.String(),
        "severity": pl.String(),
        "message_en": pl.String(),
        "message_ja": pl.String(),
    }
)
# One flow, as a subtotal sums it: the file, member, period, region, stages and product (blank: none named), so the
# materials of a refrigerator are never taken for a subtotal of an air conditioner's.
_PRODUCT = "_product"
FLOW = (SUBMISSION_ID, "member_id", "period", "region", "source_stage", "target_stage", _PRODUCT)
MAX_ROWS_NAMED = 10
_SEPARATOR = r"[\s\p{P}\p{S}]"
_WORD = r"[^\s\p{P}\p{S}]+"
_JA = "|".join(SUBTOTAL_LABEL_WORDS_JA)
_EN = "|".join(sorted({r"[\s-]*".join(re.split(r"[ -]", word)) for word in SUBTOTAL_LABEL_WORDS_EN}, key=len)[::-1])
_LABELS = (
    rf"^(?:{_JA})(?:{_SEPARATOR}+[^。]{{0,{MAX_QUALIFIER_CHARS}}})?$",
    rf"^[^。]{{0,{MAX_QUALIFIER_CHARS}}}(?:{_JA})$",
    rf"^(?:{_EN})(?:{_SEPARATOR}+{_WORD}){{0,{MAX_QUALIFIER_WORDS}}}$",
    rf"^(?:{_WORD}{_SEPARATOR}+){{0,{MAX_QUALIFIER_WORDS}}}(?:{_EN})$",
)


def subtotal_rule(contract: Contract) -> Rule | None:
    """The contract's `subtotal` rule, if it has one."""
    return next((rule for rule in contract.rules if rule.kind == "subtotal"), None)


def is_subtotal_label(text: pl.Expr) -> pl.Expr:
    """Whether a text cell says the row is a subtotal or total: the word alone, or clearly as a label.

    Examples:
        >>> import polars as pl
        >>> cells = ["合計", "【合 計】", "計", "合計（紙類）", "紙類 小計", "紙類合計", "Total", "Paper subtotal",
        ...          "計量器", "推計", "合計は別表のとおりです。", "合計特殊出生率", "totally", None]
        >>> pl.select(is_subtotal_label(pl.Series(cells))).to_series().to_list()
        [True, True, True, True, True, True, True, True, False, False, False, False, False, False]

    """
    cell = text.str.normalize("NFKC").str.to_lowercase().str.strip_chars()
    bare = cell.str.replace_all(_SEPARATOR, "")
    trimmed = cell.str.replace_all(rf"^{_SEPARATOR}+|{_SEPARATOR}+$", "")
    labelled = [trimmed.str.contains(pattern) for pattern in _LABELS]
    return (bare.is_in(list(SUBTOTAL_WORDS)) | pl.any_horizontal(labelled)).fill_null(value=False)


def find_subtotals(contract: Contract, parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """The rows of whole files that are subtotals, with why: submission_id, source_row, column and the messages.

    `parts` hold normalised rows (with `submission_id` and `source_row`) of one or more files, in any number of
    parts; a file's rows may be spread over several.
    """
    if subtotal_rule(contract) is None:
        return pl.DataFrame(schema=FOUND)
    texts = [column for column in contract.submitted_columns if column.dtype == pl.String()]
    headers = {column.name: (column.headers_ja or (column.name,))[0] for column in texts}
    labelled: list[pl.DataFrame] = []
    groups: list[pl.DataFrame] = []
    sums: list[pl.DataFrame] = []
    for part in parts:
        # The first text column (in the contract's order) that says the row is a total; each distinct text is
        # judged once (text repeats a lot, and most columns hold no label at all).
        said: pl.Expr = pl.lit(None, dtype=pl.String)
        for column in reversed(texts):
            labels = _labels(part, column.name)
            if labels:
                said = pl.when(pl.col(column.name).is_in(labels)).then(pl.lit(column.name)).otherwise(said)
        marked = part.select(SUBMISSION_ID, SOURCE_ROW, said.alias("column")).filter(pl.col("column").is_not_null())
        product = pl.col("product_category") if "product_category" in part.columns else pl.lit(None, pl.String)
        part = part.with_columns(product.fill_null("").alias(_PRODUCT))
        rows = part
        if marked.height:
            labelled.append(part.join(marked, on=[SUBMISSION_ID, SOURCE_ROW], how="inner"))
            rows = part.join(marked, on=[SUBMISSION_ID, SOURCE_ROW], how="anti")
        rows = rows.filter(
            pl.all_horizontal([pl.col(name).is_not_null() for name in (*FLOW, "material", "quantity_t")])
        )
        is_leaf = pl.col("material").str.contains(".", literal=True)
        groups.append(rows.filter(~is_leaf).select(*FLOW, SOURCE_ROW, "material", "quantity_t"))
        sums.append(
            rows.filter(is_leaf)
            .group_by(*FLOW, pl.col("material").str.extract(r"^([^.]+)", 1).alias("_group"))
            .agg(
                pl.col("quantity_t").sum().alias("_sum"),
                pl.len().alias("_n"),
                pl.col(SOURCE_ROW).sort().head(MAX_ROWS_NAMED).alias("_rows"),  # the rows a message names
            )
        )
    found = [_label_messages(pl.concat(labelled, how="vertical_relaxed"), headers)] if labelled else []
    if sums and groups:
        totals = (
            pl.concat(sums)
            .group_by(*FLOW, "_group")
            .agg(
                pl.col("_sum").sum(),
                pl.col("_n").sum(),
                pl.col("_rows").explode().sort().head(MAX_ROWS_NAMED).alias("_rows"),
            )
            .filter(pl.col("_n") >= MIN_SUMMED_ROWS, pl.col("_sum") > 0)
        )
        equal = (pl.col("quantity_t") - pl.col("_sum")).abs() <= SUM_TOLERANCE * pl.col("_sum").abs().clip(1.0)
        keys = [*FLOW, "_group"]
        matched = (
            pl.concat(groups)
            .join(totals.drop("_rows"), left_on=[*FLOW, "material"], right_on=keys, how="inner")
            .filter(equal)
            .join(totals.select(*keys, "_rows"), left_on=[*FLOW, "material"], right_on=keys, how="left")
        )
        found.append(_sum_messages(matched))
    if not found:
        return pl.DataFrame(schema=FOUND)
    return pl.concat(found).unique([SUBMISSION_ID, SOURCE_ROW], keep="first", maintain_order=True)


def subtotal_failures(contract: Contract, indexed: pl.DataFrame, *, found: pl.DataFrame | None = None) -> pl.DataFrame:
    """Failures of the `subtotal` rule on rows of `indexed` (with `_row`), as the suite's failures are shaped.

    `found` are the subtotals of the whole files `indexed` is part of (`find_subtotals`); by default `indexed` is
    taken as whole files.
    """
    rule = subtotal_rule(contract)
    if rule is None or indexed.is_empty():
        return pl.DataFrame(schema=FAILURES)
    found = find_subtotals(contract, [indexed]) if found is None else found
    return (
        indexed.select(ROW_INDEX, SUBMISSION_ID, SOURCE_ROW)
        .join(found, on=[SUBMISSION_ID, SOURCE_ROW], how="inner", maintain_order="left")
        .select(
            ROW_INDEX,
            pl.lit(rule.id).alias("check_id"),
            "column",
            pl.lit(rule.severity).alias("severity"),
            "message_en",
            "message_ja",
        )
        .cast(FAILURES)
    )


def _labels(part: pl.DataFrame, column: str) -> list[str]:
    """The distinct texts of a column that say their row is a total (none when the part lacks the column)."""
    if column not in part.columns:
        return []
    values = part.select(pl.col(column).drop_nulls().unique())
    return values.filter(is_subtotal_label(pl.col(column))).get_column(column).to_list()


def _row(source_row: int) -> int:
    """The row number a member sees in its sheet (`schemas.workbooks`)."""
    return source_row % SHEET_ROW_STRIDE


def _label_messages(rows: pl.DataFrame, headers: dict[str, str]) -> pl.DataFrame:
    records = []
    for row in rows.iter_rows(named=True):
        column = row["column"]
        header, value, number = headers[column], row[column], _row(row[SOURCE_ROW])
        records.append(
            (
                row[SUBMISSION_ID],
                row[SOURCE_ROW],
                column,
                f"row {number} is a subtotal or total, not data: its column {column} ({header}) says {value!r}; "
                "junkan adds the rows up itself, so this row was set aside and the rows it sums count",
                f"{number}行目は小計・合計の行で、データではありません（{header}（{column}）列が「{value}」）。"
                "junkan が行を集計するため、この行は保留し、内訳の行を集計します",
            )
        )
    return pl.DataFrame(records, schema=FOUND, orient="row")


def _sum_messages(rows: pl.DataFrame) -> pl.DataFrame:
    records = []
    for row in rows.iter_rows(named=True):
        number = _row(row[SOURCE_ROW])
        items = [str(_row(one)) for one in row["_rows"]]
        more = " …" if row["_n"] > len(items) else ""
        named, named_ja = ", ".join(items) + more, "・".join(items) + more
        flow = f"{row['source_stage']} → {row['target_stage']}, {row['period']}, {row['region']}"
        records.append(
            (
                row[SUBMISSION_ID],
                row[SOURCE_ROW],
                "quantity",
                f"row {number} is a subtotal, not data: columns material and quantity give {row['material']} "
                f"{row['quantity_t']:g} t, the sum of its materials in rows {named} of the same flow ({flow}); "
                "this row was set aside so that they are not counted twice",
                f"{number}行目は小計の行で、データではありません: 品目（material）・数量（quantity）列の "
                f"{row['material']} {row['quantity_t']:g} t は、同じフロー（{flow}）の {named_ja} 行目の内訳素材の"
                "合計と同じです。二重に数えないよう、この行を保留しました",
            )
        )
    return pl.DataFrame(records, schema=FOUND, orient="row")

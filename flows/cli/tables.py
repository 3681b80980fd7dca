"""`junkan sql | contract`: the published tables and the data dictionary."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from flows.cli.common import OutputFormat, fail, open_resources

if TYPE_CHECKING:
    pass


def sql(
    query: Annotated[str, typer.Argument(help="SELECT … FROM mart.indicators (tables core.* and mart.*)")],
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Query the published tables with SQL (an operator's tool)."""
    import polars as pl

    resources = open_resources()
    try:
        result = resources.warehouse.sql(query)
    except Exception as error:  # noqa: BLE001 (polars raises several SQL error types; the operator needs the text)
        raise fail(str(error)) from None
    finally:
        resources.close()
    if output is OutputFormat.csv:
        sys.stdout.write(result.write_csv())
    elif output is OutputFormat.json:
        typer.echo(json.dumps(result.to_dicts(), ensure_ascii=False, default=str, indent=2))
    else:
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, fmt_str_lengths=60):
            typer.echo(str(result))


def contract(
    output: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output")] = None,
) -> None:
    """Print the bilingual data dictionary (docs/contract.md) generated from the contracts."""
    from schemas import CONTRACTS
    from schemas.docs import render_contract_markdown

    text = render_contract_markdown(tuple(CONTRACTS.values()))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")


def register(app: typer.Typer) -> None:
    """Add these commands to the junkan app."""
    app.command("sql")(sql)
    app.command("contract")(contract)

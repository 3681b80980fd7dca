"""Slices of a warehouse table: `{column: values}` matches typed to the table's schema.

A slice becomes Polars membership expressions (for the rows in hand) and a pyiceberg row filter (for the rows
in the table), so `Warehouse.replace` deletes exactly the rows it rewrites.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from pyiceberg.expressions import AlwaysTrue, And, BooleanExpression, In, Or


def typed_match(
    table: str, match: Mapping[str, Sequence[str]] | None, expected: pl.Schema
) -> dict[str, tuple[pl.DataType, list[Any]]]:
    """Each match column with its type and its values converted to that type (e.g. '2024' to 2024 for a year)."""
    typed: dict[str, tuple[pl.DataType, list[Any]]] = {}
    for column, values in (match or {}).items():
        if column not in expected:
            msg = f"{table} has no column {column!r} to match on; columns are: {', '.join(expected)}"
            raise ValueError(msg)
        if isinstance(values, str) or not values:
            msg = f"{table}: match on {column!r} needs a non-empty list of values, got {values!r}"
            raise ValueError(msg)
        if any(value is None for value in values):
            msg = f"{table}: match on {column!r} cannot contain None"
            raise ValueError(msg)
        dtype = expected[column]
        try:
            converted = pl.Series(column, [str(value) for value in values], dtype=pl.String()).cast(dtype, strict=True)
        except pl.exceptions.InvalidOperationError as error:
            msg = f"{table}: match values {list(values)!r} are not valid {dtype} for column {column!r}"
            raise ValueError(msg) from error
        typed[column] = (dtype, sorted(set(converted.to_list())))
    return typed


def membership(typed: Mapping[str, tuple[pl.DataType, list[Any]]]) -> list[pl.Expr]:
    """Polars expressions: a row's value is among the slice's, column by column."""
    return [pl.col(column).is_in(pl.Series(values, dtype=dtype).implode()) for column, (dtype, values) in typed.items()]


def balanced_or(expressions: Sequence[BooleanExpression]) -> BooleanExpression:
    """The union of slices as a balanced tree.

    pyiceberg visits expressions recursively, so a chain of thousands of `Or`s (one slice per member of a
    large batch) would exceed Python's recursion limit.
    """
    if len(expressions) == 1:
        return expressions[0]
    middle = len(expressions) // 2
    return Or(balanced_or(expressions[:middle]), balanced_or(expressions[middle:]))


def expression(typed: Mapping[str, tuple[pl.DataType, list[Any]]]) -> BooleanExpression:
    """The pyiceberg row filter of one slice (the whole table when it matches on nothing)."""
    predicates: list[BooleanExpression] = [In(term=column, literals=values) for column, (_, values) in typed.items()]
    return functools.reduce(And, predicates) if predicates else AlwaysTrue()


def describe(match: Mapping[str, Sequence[str]]) -> str:
    """A slice in words, for error messages."""
    return " and ".join(f"{column} in {list(values)}" for column, values in match.items()) or "the whole table"

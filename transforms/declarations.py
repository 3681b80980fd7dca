"""Declarations of recycled content as core rows: what a claim is accepted as.

A mass-balance or third-party-verified claim is only as good as its certificate: without one (its name and link) the
contract warns and the row is kept as self-declared, and a row that says nothing is self-declared too.
"""

from __future__ import annotations

import polars as pl

from schemas.declarations import MASS_BALANCE, SELF_DECLARED, THIRD_PARTY_VERIFIED


def settle_claims(declarations: pl.LazyFrame) -> pl.LazyFrame:
    """`assurance` as accepted: self_declared when blank, or when a claim lacks its certificate's name or link.

    Examples:
        >>> import polars as pl
        >>> rows = pl.LazyFrame(
        ...     {
        ...         "chain_of_custody": ["mass_balance", "segregated", "segregated", None],
        ...         "assurance": ["self_declared", "third_party_verified", "third_party_verified", None],
        ...         "certificate_name": [None, "ISCC PLUS 123", None, None],
        ...         "certificate_url": [None, "https://example.org/123.pdf", None, None],
        ...     }
        ... )
        >>> settle_claims(rows).collect()["assurance"].to_list()
        ['self_declared', 'third_party_verified', 'self_declared', 'self_declared']

    """
    claims = (pl.col("chain_of_custody") == MASS_BALANCE) | (pl.col("assurance") == THIRD_PARTY_VERIFIED)
    certified = pl.col("certificate_name").is_not_null() & pl.col("certificate_url").is_not_null()
    unsupported = claims.fill_null(value=False) & ~certified
    return declarations.with_columns(
        pl.when(unsupported | pl.col("assurance").is_null())
        .then(pl.lit(SELF_DECLARED))
        .otherwise(pl.col("assurance"))
        .alias("assurance")
    )

"""What the period report says under each table: how many values disclosure control withheld, why, and for whom.

Read from `mart.publication_summary` (counts only, published tonnes): never a member's name, only the kinds of
members whose confidential figures the withheld values protect.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas import vocabulary as v

# Why a value is withheld, in the words a reader needs.
REASONS: dict[str, tuple[str, str]] = {
    "few_contributors": ("非公開の会員が3者未満", "fewer than 3 confidential members"),
    "dominance": ("上位2者が大半を占める", "two members hold most of it"),
    "revision": ("前回公表からの改訂が少数の会員によるもの", "its change since the last release is a few members' own"),
    "secondary": ("他の秘匿値の逆算防止", "to stop other withheld values being worked out"),
}


@dataclass(frozen=True)
class WithheldNote:
    """One table's disclosure figures for a period: values withheld of all, by reason, and whom they protect."""

    table: str
    n_values: int
    n_withheld: int
    reasons: tuple[tuple[str, str, int], ...]  # (label ja, label en, values)
    protected_ja: str
    protected_en: str
    headline_values: int
    headline_withheld: int

    @property
    def headline_all_withheld(self) -> bool:
        """Whether the table's headline (all materials, whole country) is withheld in every value."""
        return self.headline_values > 0 and self.headline_withheld == self.headline_values


def _kinds(protected: str | None) -> tuple[str, str]:
    """`company:3,university:1` as Japanese and English labels with counts."""
    if not protected:
        return "", ""
    labels = v.labels(v.MEMBER_KINDS)
    parts = [item.split(":", 1) for item in protected.split(",") if ":" in item]
    terms = [(labels.get(kind, v.Term(kind, kind, kind)), count) for kind, count in parts]
    return (
        "、".join(f"{term.label_ja} {count}" for term, count in terms),
        ", ".join(f"{term.label_en.lower()} {count}" for term, count in terms),
    )


def withheld_notes(summary: pl.DataFrame | None, period: str) -> dict[str, WithheldNote]:
    """Each table's note for one period, from `mart.publication_summary` rows; empty when not published.

    Examples
    --------
    >>> import polars as pl
    >>> summary = pl.DataFrame({"period": ["FY2024"] * 2, "table_name": ["mart.indicators"] * 2,
    ...     "suppressed": [False, True], "suppression_reason": [None, "few_contributors"], "n_cells": [10, 2],
    ...     "headline_cells": [6, 0], "protected_kinds": [None, "company:1"]})
    >>> note = withheld_notes(summary, "FY2024")["mart.indicators"]
    >>> (note.n_withheld, note.n_values, note.protected_en, note.headline_all_withheld)
    (2, 12, 'company 1', False)

    """
    if summary is None or summary.is_empty():
        return {}
    notes = {}
    for (table,), rows in summary.filter(pl.col("period") == period).group_by("table_name", maintain_order=True):
        withheld = rows.filter(pl.col("suppressed"))
        reasons = tuple(
            (*REASONS.get(str(reason), (str(reason), str(reason))), int(n))
            for reason, n in withheld.select("suppression_reason", "n_cells").sort("suppression_reason").rows()
        )
        kinds = withheld.get_column("protected_kinds").drop_nulls()
        protected_ja, protected_en = _kinds(kinds[0] if kinds.len() else None)
        notes[str(table)] = WithheldNote(
            table=str(table),
            n_values=int(rows.get_column("n_cells").sum()),
            n_withheld=int(withheld.get_column("n_cells").sum()),
            reasons=reasons,
            protected_ja=protected_ja,
            protected_en=protected_en,
            headline_values=int(rows.get_column("headline_cells").fill_null(0).sum()),
            headline_withheld=int(withheld.get_column("headline_cells").fill_null(0).sum()),
        )
    return notes

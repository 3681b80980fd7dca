"""The period report says under each table how many values were withheld, why, and whose figures they protect."""

from __future__ import annotations

import polars as pl

from infra.rendering.disclosure_notes import withheld_notes
from infra.rendering.period_report import PUBLICATION_SUMMARY_TABLE, build_period_report
from schemas.tables import TABLES
from tests.unit.infra.test_period_report import example_tables


def summary(rows: list[tuple[str, bool, str | None, int, int, str | None]]) -> pl.DataFrame:
    """mart.publication_summary rows of FY2024: (table, suppressed, reason, values, headline values, kinds)."""
    return pl.DataFrame(
        [
            {
                "period": "FY2024",
                "table_name": table,
                "suppressed": suppressed,
                "suppression_reason": reason,
                "n_cells": n,
                "quantity_t": None,
                "headline_cells": headline,
                "headline_t": None,
                "protected_kinds": kinds,
            }
            for table, suppressed, reason, n, headline, kinds in rows
        ],
        schema=TABLES[PUBLICATION_SUMMARY_TABLE],
    )


def test_each_table_says_how_many_values_are_withheld_why_and_for_which_kinds() -> None:
    notes = withheld_notes(
        summary(
            [
                ("mart.indicators", False, None, 90, 6, None),
                ("mart.indicators", True, "few_contributors", 7, 0, "company:2,university:1"),
                ("mart.indicators", True, "secondary", 3, 0, "company:2,university:1"),
                ("mart.sankey_links", False, None, 18, 18, None),
            ]
        ),
        "FY2024",
    )
    indicators = notes["mart.indicators"]
    assert (indicators.n_withheld, indicators.n_values) == (10, 100)
    assert [(en, n) for _, en, n in indicators.reasons] == [
        ("fewer than 3 confidential members", 7),
        ("to stop other withheld values being worked out", 3),
    ]
    assert (indicators.protected_ja, indicators.protected_en) == ("企業 2、大学 1", "company 2, university 1")
    assert not indicators.headline_all_withheld
    assert notes["mart.sankey_links"].n_withheld == 0


def test_a_headline_withheld_in_every_value_says_whose_confidentiality_requires_it() -> None:
    tables = example_tables() | {
        PUBLICATION_SUMMARY_TABLE: summary(
            [
                ("mart.indicators", False, None, 40, 0, None),
                ("mart.indicators", True, "dominance", 4, 4, "company:3"),
                ("mart.indicators", True, "secondary", 2, 2, "company:3"),
            ]
        )
    }
    html = build_period_report(period="FY2024", tables=tables, language="en")
    assert "6 of 46 values withheld" in html
    assert 'class="note withheld headline-withheld"' in html
    assert "Every national all-materials value is withheld, to protect the confidential figures of: company 3." in html
    assert "corp" not in html.lower()  # kinds, never names


def test_a_report_without_the_summary_has_no_notes() -> None:
    html = build_period_report(period="FY2024", tables=example_tables())
    assert "disclosure-note" not in html

"""`mart.recycled_content`: mass-weighted shares worked by hand, and a lone declarant that no total gives back."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy.optimize import linprog

from transforms.disclosure.joint import suppress_publication
from transforms.recycled_content import DECLARATION_TABLES, compute_recycled_content, declaration_cells

TABLE = "mart.recycled_content"
TONNES = ("net_mass_t", "recycled_pre_consumer_t", "recycled_post_consumer_t", "third_party_verified_t")


def declarations(rows: list[tuple[str, str, str, float, float, float, str]]) -> pl.LazyFrame:
    """core.declarations rows of FY2024: (member, product, material, net t, pre, post, assurance)."""
    member, product, material, net, pre, post, assurance = (list(column) for column in zip(*rows, strict=True))
    n = len(rows)
    return pl.LazyFrame(
        {
            "member_id": member,
            "period": ["FY2024"] * n,
            "period_start": [date(2024, 4, 1)] * n,
            "period_end": [date(2025, 3, 31)] * n,
            "grain": ["fiscal_year"] * n,
            "product_category": product,
            "material": material,
            "material_group": [code.split(".")[0] for code in material],
            "net_mass_t": net,
            "recycled_pre_consumer_share": pre,
            "recycled_post_consumer_share": post,
            "assurance": assurance,
        }
    )


def test_shares_are_weighted_by_mass_at_every_product_and_material_level() -> None:
    rows = [
        ("a", "appliances.refrigerator", "plastics.pp", 100.0, 0.10, 0.20, "self_declared"),
        ("b", "appliances.refrigerator", "plastics.pp", 300.0, 0.00, 0.30, "third_party_verified"),
        ("c", "appliances.washing_machine", "plastics.pp", 100.0, 0.05, 0.15, "third_party_verified"),
        ("c", "appliances.washing_machine", "metals.ferrous", 400.0, 0.00, 0.50, "self_declared"),
    ]

    table = compute_recycled_content(declaration_cells(declarations(rows))).collect()

    rows_of = {
        ("leaf", "appliances.refrigerator", "leaf", "plastics.pp"),
        ("group", "appliances", "group", "plastics"),
        ("all", "all", "all", "all"),
    }
    level = pl.concat_list("product_level", "product_category", "material_level", "material")
    picked = table.filter(level.list.join("|").is_in(["|".join(key) for key in rows_of])).select(
        "product_category",
        "material",
        *TONNES,
        "recycled_pre_consumer_share",
        "recycled_post_consumer_share",
        "third_party_verified_share",
        "contributors",
    )
    # Refrigerators' PP: 400 t; pre 10 t; post 20 + 90 t; verified b's 90 t of the 120 t recycled. The plain mean of
    # the members' post-consumer shares would be 0.25, not 110 / 400.
    # Appliances' plastics: 500 t; pre 10 + 5; post 110 + 15; verified 90 + 20 of 140.
    # Everything: 900 t; pre 15; post 125 + 200; verified 110 of 340.
    expected = pl.DataFrame(
        [
            ("appliances.refrigerator", "plastics.pp", 400.0, 10.0, 110.0, 90.0, 10 / 400, 110 / 400, 90 / 120, 2),
            ("appliances", "plastics", 500.0, 15.0, 125.0, 110.0, 15 / 500, 125 / 500, 110 / 140, 3),
            ("all", "all", 900.0, 15.0, 325.0, 110.0, 15 / 900, 325 / 900, 110 / 340, 3),
        ],
        schema=picked.schema,
        orient="row",
    )
    assert_frame_equal(picked.sort("product_category", descending=True), expected, check_exact=False, rel_tol=1e-12)


# Three PET-bottle makers, and one can maker alone in its product and material.
POPULATION = [
    ("a", "packaging.pet_bottle", "plastics.pet", 100.0, 0.05, 0.20, "third_party_verified"),
    ("b", "packaging.pet_bottle", "plastics.pet", 110.0, 0.00, 0.25, "self_declared"),
    ("c", "packaging.pet_bottle", "plastics.pet", 120.0, 0.05, 0.30, "third_party_verified"),
    ("d", "packaging.aluminium_can", "metals.aluminium", 150.0, 0.10, 0.60, "third_party_verified"),
]


def _level(value: str, level: str, code: str) -> bool:
    """Whether a cell's code counts in a row at `level` naming `value` (by the table's definition)."""
    return {"leaf": code == value, "group": code.split(".")[0] == value, "all": value == "all"}[level]


def _feasible_range(published: pl.DataFrame, cells: pl.DataFrame, target: int) -> tuple[float, float]:
    """The attacker's range for base cell `target` (its tonnes), from every published value and x ≥ 0.

    The equations are written from the table's definition, not from the production code: a row's net mass sums the
    net cells of its product and material; pre- and post-consumer tonnes their own cells; the verified tonnes the
    pre- and post-consumer cells that are verified.
    """
    measure_of = {
        "net_mass_t": {"net"},
        "recycled_pre_consumer_t": {"pre_consumer"},
        "recycled_post_consumer_t": {"post_consumer"},
        "third_party_verified_t": {"pre_consumer", "post_consumer"},
    }
    rows, values = [], []
    for row in published.iter_rows(named=True):
        for column, measures in measure_of.items():
            if row[column] is None:
                continue
            coefficients = [
                1.0
                if cell["measure"] in measures
                and (column != "third_party_verified_t" or cell["is_verified"])
                and _level(row["product_category"], row["product_level"], cell["product_category"])
                and _level(row["material"], row["material_level"], cell["material"])
                else 0.0
                for cell in cells.iter_rows(named=True)
            ]
            rows.append(coefficients)
            values.append(row[column])
    equations, right = np.array(rows), np.array(values)
    objective = np.zeros(cells.height)
    objective[target] = 1.0
    bounds = [(0, None)] * cells.height
    low = linprog(objective, A_eq=equations, b_eq=right, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=equations, b_eq=right, bounds=bounds, method="highs")
    assert low.status == 0
    assert high.status == 0
    return float(low.fun), float(-high.fun)


def _lone_cells(cells: pl.DataFrame) -> list[tuple[int, float]]:
    """(index, tonnes) of the can maker's cells that hold tonnes."""
    indexed = cells.with_row_index("_index")
    lone = indexed.filter((pl.col("product_category") == "packaging.aluminium_can") & (pl.col("quantity_t") > 0))
    return [(int(index), float(tonnes)) for index, tonnes in lone.select("_index", "quantity_t").iter_rows()]


def test_a_lone_declarant_is_withheld_and_no_published_total_gives_it_back() -> None:
    member_cells = declaration_cells(declarations(POPULATION)).collect()
    # The attacker's unknowns: the base cells, every member confidential.
    cells = (
        member_cells.group_by(list(DECLARATION_TABLES.base_keys))
        .agg(pl.col("quantity_t").sum())
        .sort(list(DECLARATION_TABLES.base_keys))
    )

    published = suppress_publication(member_cells.lazy(), linked=DECLARATION_TABLES).tables[TABLE]

    own = published.filter(product_category="packaging.aluminium_can", material="metals.aluminium")
    assert own.get_column("suppression_reason").to_list() == ["few_contributors"]
    assert own.select(*TONNES).null_count().row(0) == (1, 1, 1, 1)
    assert published.filter(product_level="all", material_level="all").get_column("contributors").to_list() == [4]
    for index, tonnes in _lone_cells(cells):
        low, high = _feasible_range(published, cells, index)
        assert low <= 0.9 * tonnes + 1e-6, (index, low, high, tonnes)
        assert high >= 1.1 * tonnes - 1e-6, (index, low, high, tonnes)


def test_withholding_only_the_lone_declarants_own_rows_would_give_it_back() -> None:
    """The attacker above can fail: primary suppression alone leaves the can maker's tonnes exact."""
    member_cells = declaration_cells(declarations(POPULATION)).collect()
    cells = (
        member_cells.group_by(list(DECLARATION_TABLES.base_keys))
        .agg(pl.col("quantity_t").sum())
        .sort(list(DECLARATION_TABLES.base_keys))
    )
    built = compute_recycled_content(member_cells.lazy()).collect()
    lone = pl.col("contributors") == 1
    primary_only = built.with_columns(pl.when(lone).then(None).otherwise(pl.col(name)).alias(name) for name in TONNES)

    (index, tonnes), *_ = _lone_cells(cells)
    assert _feasible_range(primary_only, cells, index) == pytest.approx((tonnes, tonnes))

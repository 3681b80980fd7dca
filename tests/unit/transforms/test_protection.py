"""Secondary suppression on small linear systems worked out by hand."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from transforms.disclosure.protection import ProtectionProblem, protect


def problem(
    rows: list[list[float]],
    base: list[float],
    targets: list[tuple[int, float]],
    absent: list[list[float]] | None = None,
) -> ProtectionProblem:
    """One cell per value (row); `absent` are sums known to be 0."""
    n = len(base)
    return ProtectionProblem(
        values=sparse.csr_matrix(np.array(rows, dtype=float)),
        owner=np.arange(len(rows)),
        absent=sparse.csr_matrix(np.array(absent or [], dtype=float).reshape(-1, n)),
        base=np.array(base),
        targets=targets,
    )


def test_a_lone_hidden_child_hides_its_smallest_sibling_not_the_total() -> None:
    # cells a 70 (sensitive, ±10 t), b 30, c 200; total a + b + c = 300. Moving a by ±10 needs one other
    # published value to move; b (30 t) is cheaper than c (200 t) or the total (300 t).
    rows = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]
    hidden = protect(problem(rows, [70, 30, 200], [(0, 10.0)]), np.array([True, False, False, False]))
    assert hidden.tolist() == [True, True, False, False]


def test_a_value_no_published_value_depends_on_needs_nothing_more() -> None:
    rows = [[1, 0], [0, 1]]  # two unrelated cells
    hidden = protect(problem(rows, [5, 50], [(0, 1.0)]), np.array([True, False]))
    assert hidden.tolist() == [True, False]


def test_a_sibling_too_small_to_give_back_the_protection_downwards_needs_a_third() -> None:
    # a 70 needs ±20; a up 20 needs 20 t down elsewhere under the total, and b holds 5 t only (b ≥ 0),
    # so c gives the rest and is hidden as well.
    rows = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]
    hidden = protect(problem(rows, [70, 5, 100], [(0, 20.0)]), np.array([True, False, False, False]))
    assert hidden.tolist() == [True, True, True, False]


def test_a_sum_known_to_be_zero_pins_its_cells() -> None:
    # a 70 (±10) with b = 0 t known from an absent link: b cannot take the change, so the total is hidden.
    rows = [[1, 0], [0, 1], [1, 1]]
    hidden = protect(problem(rows, [70, 0], [(0, 10.0)], absent=[[0, 1]]), np.array([True, False, False]))
    assert hidden.tolist() == [True, False, True]


def test_a_deviation_stays_in_its_blocks() -> None:
    # The first test's cells, with b (30 t) in another block than a and c: the deviation may not move b, so c
    # takes the change instead of the cheaper b.
    rows = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]
    blocked = ProtectionProblem(**{**vars(problem(rows, [70, 30, 200], [(0, 10.0)])), "blocks": np.array([0, 1, 0])})
    hidden = protect(blocked, np.array([True, False, False, False]))
    assert hidden.tolist() == [True, False, True, False]

"""Secondary suppression on a linear system: the published values to hide so that sensitive values stay protected.

The attacker knows every equation and that the base cells are non-negative; each sensitive value must keep
its protection interval inside the attacker's feasible range.

The certificate of protection is a set of *deviations*: changes `y` of the base cells (x + y ≥ 0, absent
values kept at 0) that leave every published value as it is and move a sensitive value by its protection, up
or down. While one exists for each sensitive value and direction, the attacker's feasible range holds the
interval. `protect` finds them value by value with an LP (HiGHS through scipy) and hides what they must move.
This is the classic one-LP-per-sensitive-cell heuristic, not the exact joint MILP: a cell hidden for one
value is free for every later one, so later deviations run through it. Trying to publish secondary cells
again afterwards found none on the demo: nearly every deviation runs through the few hidden totals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

logger = logging.getLogger(__name__)

_TOLERANCE = 1e-9  # a value moved by less than this (in units of the largest base cell) is not moved
_REACHED = 1 - 1e-6  # a deviation reaching this share of the protection counts as reaching it
# Tighter than HiGHS's default (1e-7), so that a published value a deviation holds is held to _TOLERANCE.
_LP_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


class NoDeviationError(RuntimeError):
    """No change of the base cells moves a value by its protection while keeping the known sums."""


@dataclass(frozen=True)
class ProtectionProblem:
    """The published values as sums of base cells, what they are, and which need protecting by how much.

    `values` has one row per published value over the base cells; `owner[i]` is the cell (table row) value i
    belongs to, hidden or published whole; `absent` are sums the attacker knows to be 0; `targets` are
    (value index, protection in tonnes) pairs.
    """

    values: sparse.csr_matrix
    owner: np.ndarray
    absent: sparse.csr_matrix
    base: np.ndarray
    targets: list[tuple[int, float]]
    # A label per base cell (its material group): a value's deviation moves only the cells of the blocks its
    # own cells are in. Any deviation protects; this one is found in a far smaller LP. None: one block.
    blocks: np.ndarray | None = None
    # The most each value can be whatever the base cells (a count of members: the row's members); None: no bound.
    ceiling: np.ndarray | None = None
    # Values that are differences (a value's change between two releases) and may go below 0: no floor at 0.
    signed: np.ndarray | None = None
    # Base cells the attacker knows exactly (only public members contribute): no deviation moves them.
    fixed: np.ndarray | None = None
    # What hiding each value costs; None: one per value plus its share of the largest (fewest values first).
    cost: np.ndarray | None = None
    # A deviation found within its blocks that moves a published value costing this much or more is looked for
    # again across every block, and the cheaper kept: a group alone in its confidential part is then protected by
    # another small group rather than by the all-materials total. None: never.
    dear: float | None = None
    # Earlier releases fixed some sums: a value they already pinned down has no deviation left, and nothing this
    # release hides can give it one. It is logged and the others protected (True), rather than nothing published.
    known_before: bool = False


@dataclass
class _Deviation:
    vector: np.ndarray
    moves: np.ndarray  # values @ vector


def protect(problem: ProtectionProblem, hidden: np.ndarray) -> np.ndarray:
    """Cells to hide (primary ones given in `hidden`) so that every target has its interval; a new array."""
    hidden = hidden.copy()
    if problem.base.size == 0 or not problem.targets:
        return hidden
    solver = _Solver(problem)
    # How far the deviations so far move each value up and down: a deviation stays valid as more is hidden,
    # so a value one of them already moves far enough needs no LP of its own.
    moved_up, moved_down = np.zeros(problem.owner.size), np.zeros(problem.owner.size)
    current = problem.values @ solver.base
    for value, protection in sorted(problem.targets, key=lambda target: (-target[1], target[0])):
        # Down, a value can go no lower than 0 (a count of 0 is protected upwards only); up, no higher than its
        # ceiling (a count of all the row's members, downwards only).
        room_up = np.inf if problem.ceiling is None else float(problem.ceiling[value]) / solver.scale - current[value]
        room_down = np.inf if problem.signed is not None and problem.signed[value] else float(current[value])
        needs = (min(protection / solver.scale, room_up), min(protection / solver.scale, room_down))
        for direction, need in zip((1.0, -1.0), needs, strict=True):
            if need <= _TOLERANCE or (moved_up[value] if direction > 0 else -moved_down[value]) >= need * _REACHED:
                continue
            try:
                deviation = solver.deviation(value, direction * need, hidden)
            except NoDeviationError:
                if not problem.known_before:
                    raise
                logger.warning(
                    "value %d: earlier releases already fixed it; nothing this release hides protects it", value
                )
                continue
            hidden[problem.owner[np.abs(deviation.moves) > _TOLERANCE]] = True
            np.maximum(moved_up, deviation.moves, out=moved_up)
            np.minimum(moved_down, deviation.moves, out=moved_down)
    return hidden


class _Solver:
    """Deviations by LP over one problem, scaled so that the largest base cell is 1."""

    def __init__(self, problem: ProtectionProblem) -> None:
        self.problem = problem
        self.scale = max(float(problem.base.max(initial=0.0)), 1.0)
        self.base = problem.base / self.scale
        if problem.cost is None:
            sizes = np.abs(problem.values @ self.base)
            # Hiding a value costs one, plus its share of the largest: fewest cells first, then least tonnage.
            self.weights = 1.0 + sizes / max(float(sizes.max(initial=0.0)), 1e-12)
        else:
            self.weights = problem.cost
        self.fixed = np.zeros(self.base.size, dtype=bool) if problem.fixed is None else problem.fixed
        self.pinned = (np.asarray(abs(problem.absent).sum(axis=0)).ravel() > 0) | self.fixed
        self.values_csc = problem.values.tocsc()
        self.absent_csc = problem.absent.tocsc()

    def deviation(self, value: int, need: float, hidden: np.ndarray) -> _Deviation:
        """The cheapest deviation moving `value` by `need` (scaled); the published values it moves must be hidden.

        Cells no published value uses move first, with no LP: they change nothing published.
        """
        problem = self.problem
        row = problem.values.getrow(value)
        published = ~hidden[problem.owner]
        used = np.asarray(abs(problem.values[published]).sum(axis=0)).ravel() > 0
        free = ~(used | self.pinned)
        room = np.where(free[row.indices], np.inf if need > 0 else self.base[row.indices], 0.0)
        if float((room * np.abs(row.data)).sum()) >= abs(need):
            vector = _along_free_cells(row, room, need, problem.base.size)
            return _Deviation(vector, problem.values @ vector)
        try:
            vector, cost = self._solve(row, need, published, self._movable(row))
        except NoDeviationError:
            # Sums that no hiding can release (an earlier release's published values) may close every deviation
            # inside the value's own blocks: look across every block.
            vector, cost = self._solve(row, need, published, np.arange(self.base.size))
            return _Deviation(vector, problem.values @ vector)
        moves = problem.values @ vector
        if problem.blocks is not None and problem.dear is not None:
            moves_dear = np.any(published & (np.abs(moves) > _TOLERANCE) & (self.weights >= problem.dear))
            if moves_dear:
                wide, wide_cost = self._solve(row, need, published, np.arange(self.base.size))
                if wide_cost < cost:
                    vector, moves = wide, problem.values @ wide
        return _Deviation(vector, moves)

    def _movable(self, row: sparse.csr_matrix) -> np.ndarray:
        """The base cells a deviation of `row`'s value may move: those in the blocks of its own cells."""
        blocks = self.problem.blocks
        if blocks is None:
            return np.arange(self.base.size)
        return np.flatnonzero(np.isin(blocks, blocks[row.indices]))

    def _solve(
        self, row: sparse.csr_matrix, need: float, published: np.ndarray, movable: np.ndarray
    ) -> tuple[np.ndarray, float]:
        """The LP: min Σ cost · (up + down) s.t. published·y = up − down, absent·y = 0, row·y = need, y ≥ −x.

        y moves the `movable` cells only (the others stay at 0), so only the published and absent values over
        those cells are constraints; returns y and its cost. Always feasible: with every published value free
        to move, the cells of `row` alone can move it (up without bound, down to 0 — a protection is never more
        than the value; a fixed cell, with no confidential part, holds nothing to protect and stays put).
        """
        values = self.values_csc[:, movable].tocsr()
        touched = np.flatnonzero(published & (np.diff(values.indptr) > 0))
        kept = values[touched]
        absent = self.absent_csc[:, movable].tocsr()
        absent = absent[np.flatnonzero(np.diff(absent.indptr) > 0)]
        n_kept, n_movable, n_absent = kept.shape[0], movable.size, absent.shape[0]
        identity = sparse.identity(n_kept, format="csr")
        equalities = sparse.vstack(
            [
                sparse.hstack([kept, -identity, identity]),
                sparse.hstack([absent, sparse.csr_matrix((n_absent, 2 * n_kept))]),
                sparse.hstack([row.tocsc()[:, movable], sparse.csr_matrix((1, 2 * n_kept))]),
            ],
            format="csc",
        )
        right = np.zeros(equalities.shape[0])
        right[-1] = need
        weights = self.weights[touched]
        cost = np.concatenate([np.zeros(n_movable), weights, weights])
        lower = np.concatenate([-self.base[movable], np.zeros(2 * n_kept)])
        upper = np.concatenate([np.where(self.fixed[movable], 0.0, np.inf), np.full(2 * n_kept, np.inf)])
        bounds = np.column_stack([lower, upper])
        result = linprog(cost, A_eq=equalities, b_eq=right, bounds=bounds, method="highs", options=_LP_OPTIONS)
        if result.status != 0:
            msg = f"disclosure control's LP found no protecting deviation ({result.message}); nothing was published"
            raise NoDeviationError(msg)
        vector = np.zeros(self.base.size)
        vector[movable] = result.x[:n_movable]
        return vector, float(result.fun)


def _along_free_cells(row: sparse.csr_matrix, room: np.ndarray, need: float, n_base: int) -> np.ndarray:
    """A deviation moving a value by `need` through cells nothing published depends on."""
    vector = np.zeros(n_base)
    remaining = abs(need)
    for index, coefficient, available in zip(row.indices, row.data, room, strict=True):
        if available <= 0 or remaining <= 0:
            continue
        step = min(available, remaining / abs(coefficient))
        vector[index] = np.sign(need) * np.sign(coefficient) * step
        remaining -= step * abs(coefficient)
    return vector

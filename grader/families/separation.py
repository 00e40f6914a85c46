"""Directions of recession: data along which a regression likelihood keeps increasing, so that no MLE exists.

With a full-rank design, a convex negative log-likelihood has no minimiser exactly when some direction b ≠ 0
never makes it increase. In logistic and multinomial logistic regression these are the separations of the classes
(Albert & Anderson, 1984): along b, no observation's own class loses ground to any other class. In Poisson
regression they are the b with X·b ≤ 0 everywhere and X·b = 0 wherever the count is positive. Either way they form
a cone {b : A b ≥ 0}, one row of A per constraint, and a linear programme over the box |b| ≤ 1 finds a nonzero
member or proves there is none.

With up to 10^6 observations the programme starts from a sample of the rows and adds the rows its solution
violates (constraint generation). The sample's cone contains the full cone, so an empty sample cone settles the
question at once, which is the usual case; a direction is reported only after it is checked against every row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from .design import null_space, transpose_times

# Rows are scaled so their entries are at most 1 in size, and b lies in the box: values are O(1) or zero.
_VALUE_TOL = 1e-7  # a margin or row value below this counts as zero
_FEASIBILITY_TOL = 1e-9  # a row value this far below zero violates the constraint
_MAX_ROUNDS = 40
_TIGHT_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10, "time_limit": 60.0}
_DEFAULT_OPTIONS = {"time_limit": 60.0}


@dataclass(frozen=True)
class Separation:
    """A direction (parameters' layout, largest |element| = 1) along which the likelihood increases forever."""

    direction: np.ndarray
    complete: bool  # every observation strictly on its side, none on the boundary
    n_tied: int  # observations on the boundary


@dataclass(frozen=True)
class _Cone:
    rows: Callable[[np.ndarray], np.ndarray]  # rows of A for the given constraint indices
    values: Callable[[np.ndarray], np.ndarray]  # A b for every constraint, in index order
    objective: np.ndarray  # the sum of the rows of A: positive along any nonzero member of the cone
    start: np.ndarray  # constraint indices of the first sample


def class_separation(X: np.ndarray, y: np.ndarray, n_classes: int) -> Separation | None:
    """A separation of the classes y in 0..K-1 by linear predictors X·B (class 0's column fixed at 0), or None.

    The direction has the layout of beta: shape (d,) for K = 2 (logistic), (d, K-1) otherwise. Each observation
    i contributes K-1 constraints, x_i·(B_{y_i} - B_k) ≥ 0 for every other class k.
    """
    n, d = X.shape
    k1 = n_classes - 1
    labels = y.astype(np.intp)
    scale = np.maximum(X.max(axis=0), -X.min(axis=0))  # largest |x_ij| per column, positive as X has full rank

    def rows(index: np.ndarray) -> np.ndarray:
        obs, r = np.divmod(index, k1)
        mine = labels[obs]
        other = r + (r >= mine)
        x = X[obs] / scale
        out = np.zeros((index.size, d, k1))
        at = np.arange(index.size)
        has_own, has_other = mine >= 1, other >= 1
        out[at[has_own], :, mine[has_own] - 1] += x[has_own]
        out[at[has_other], :, other[has_other] - 1] -= x[has_other]
        return out.reshape(index.size, d * k1)

    def values(b: np.ndarray) -> np.ndarray:
        predictors = np.zeros((n, n_classes))
        predictors[:, 1:] = X @ (b.reshape(d, k1) / scale[:, None])
        mine = predictors[np.arange(n), labels]
        return (mine[:, None] - predictors)[labels[:, None] != np.arange(n_classes)]

    # Row of observation i summed over its constraints: x_i in its own column K-1 times, minus x_i in the others.
    objective = np.column_stack(
        [transpose_times(X, n_classes * (labels == k).astype(float) - 1.0) for k in range(1, n_classes)]
    )
    objective = (objective / scale[:, None]).ravel()
    sample = _class_sample(labels, n_classes, budget=max(100, 10 * d * k1))
    start = (sample[:, None] * k1 + np.arange(k1)).ravel()
    cone = _Cone(rows, values, objective, start)

    b = _search(cone, margin=False)
    if b is None:
        return None
    slack = values(b)
    complete = bool(slack.min() > _FEASIBILITY_TOL)
    if not complete:
        ties = np.flatnonzero(slack <= _FEASIBILITY_TOL)
        strict = _search(_Cone(rows, values, objective, np.union1d(start, ties[:1000])), margin=True)
        if strict is not None:
            b, slack, complete = strict, values(strict), True
    tied = (np.abs(slack) <= _FEASIBILITY_TOL).reshape(n, k1).any(axis=1)
    direction = b.reshape(d, k1) / scale[:, None]
    return Separation(_normalised(direction[:, 0] if k1 == 1 else direction), complete, int(tied.sum()))


def count_recession(X: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """A direction b ≠ 0 with X·b ≤ 0 for every row and X·b = 0 wherever y > 0 (largest |b_j| = 1), or None."""
    positive = np.flatnonzero(y > 0)
    d = X.shape[1]
    if positive.size:
        # Positive counts whose rows span R^d leave no room for a direction: settle that on a sample first.
        sample = positive[np.unique(np.linspace(0, positive.size - 1, min(positive.size, 20 * d)).astype(np.intp))]
        if null_space(X[sample]).shape[1] == 0:
            return None
        basis = null_space(X[positive])
        if basis.shape[1] == 0:
            return None
    else:
        basis = np.eye(d)
    # Only the zero counts constrain a direction b = basis·u inside that null space: X·b ≤ 0 there.
    zeros = X[y == 0] @ basis
    zscale = np.maximum(zeros.max(axis=0, initial=0.0), -zeros.min(axis=0, initial=0.0))
    zscale = np.where(zscale > 0.0, zscale, 1.0)
    a = -zeros / zscale
    start = np.unique(np.linspace(0, a.shape[0] - 1, min(a.shape[0], max(100, 10 * d))).astype(np.intp))
    cone = _Cone(lambda index: a[index], lambda u: a @ u, a.sum(axis=0), start)
    u = _search(cone, margin=False)
    if u is None:
        return None
    return _normalised(basis @ (u / zscale))


def format_direction(direction: np.ndarray) -> str:
    """(0, 1, -0.5) for a vector; [[...], [...]] row by row for a matrix."""
    if direction.ndim == 1:
        return "(" + ", ".join(f"{v:.4g}" for v in direction) + ")"
    return "[" + ", ".join(format_direction(row) for row in direction) + "]"


def _normalised(direction: np.ndarray) -> np.ndarray:
    direction = direction / np.max(np.abs(direction))
    # Entries at rounding level are zeros of the exact direction; "-0" would only confuse a reader.
    direction[np.abs(direction) < 1e-9] = 0.0
    return direction + 0.0


def _class_sample(labels: np.ndarray, n_classes: int, budget: int) -> np.ndarray:
    """Up to ``budget`` observations, evenly spread within each class so that rare classes are represented."""
    picks = []
    for c in range(n_classes):
        members = np.flatnonzero(labels == c)
        take = min(members.size, max(1, budget // n_classes))
        picks.append(members[np.linspace(0, members.size - 1, take).astype(np.intp)])
    return np.unique(np.concatenate(picks))


def _search(cone: _Cone, *, margin: bool) -> np.ndarray | None:
    """A b with largest |b_j| = 1, A b ≥ 0 and A b ≠ 0 (margin: A b > 0 everywhere), or None when there is none.

    Each round solves the programme on the active rows only, a relaxation: if even it finds nothing, nothing
    exists; otherwise its solution is checked against every row, and the rows it violates most join the active set.
    """
    largest = np.max(np.abs(cone.objective))
    if not largest > 0.0:  # rows summing to 0: any b in the cone has every row value 0, so b = 0
        return None
    objective = cone.objective / largest
    active = np.unique(cone.start)
    for _ in range(_MAX_ROUNDS):
        solution = _solve(cone.rows(active), objective, margin=margin)
        if solution is None:
            return None
        b, margin_found = solution
        # A nonzero member of the cone can be scaled up until it meets the box, so the optimum of a programme
        # whose cone is not {0} has some |b_j| = 1; anything well inside the box is b = 0 up to rounding.
        size = np.max(np.abs(b))
        if size < 0.5 or (margin and margin_found <= _VALUE_TOL):
            return None
        b = b / size
        slack = cone.values(b)
        # A margin direction needs every row at least half the margin it was found with on the active rows.
        floor = margin_found / (2 * size) if margin else -_FEASIBILITY_TOL
        violated = np.flatnonzero(slack < floor)
        if violated.size == 0:
            return b if slack.max() > _VALUE_TOL else None
        worst = violated[np.argsort(slack[violated], kind="stable")[: max(active.size, 100)]]
        grown = np.union1d(active, worst)
        if grown.size == active.size:  # the programme's own tolerance: no progress possible, claim nothing
            return None
        active = grown
    return None


def _solve(a: np.ndarray, objective: np.ndarray, *, margin: bool) -> tuple[np.ndarray, float] | None:
    """b maximising objective·b (margin: the smallest row value t), subject to a b ≥ 0 (≥ t) and |b| ≤ 1; and t."""
    k, m = a.shape
    if margin:
        cost = np.zeros(m + 1)
        cost[-1] = -1.0
        a_ub = np.hstack([-a, np.ones((k, 1))])
        bounds = [(-1.0, 1.0)] * m + [(0.0, 1.0)]
    else:
        cost, a_ub, bounds = -objective, -a, [(-1.0, 1.0)] * m
    for options in (_TIGHT_OPTIONS, _DEFAULT_OPTIONS):
        # Tight tolerances keep the solution's rows exact; when HiGHS cannot meet them it reports numerical
        # difficulties, and its default tolerances then do (the check against every row follows anyway).
        result = linprog(cost, A_ub=a_ub, b_ub=np.zeros(k), bounds=bounds, method="highs", options=options)
        if result.status == 0:
            return np.asarray(result.x[:m], dtype=float), float(result.x[m]) if margin else 0.0
    return None

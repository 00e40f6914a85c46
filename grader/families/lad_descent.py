"""The second, independent LAD method: IRLS from least squares, finished exactly by descent along edges.

It shares nothing with the linear program but the definition of S(beta) = sum |y_i - x_i beta|, so the fit can
check that it finds no smaller S. IRLS (weights 1 / |r_i|) approaches the minimiser but, for LAD, only slowly;
its d smallest residuals name a starting vertex (d rows interpolated exactly). From a vertex with rows B, each
step solves X_B'a_B = -X_N's_N: if every |a_i| <= 1 no edge descends and the vertex is optimal; otherwise the edge
that releases the row with the largest |a_i| descends, and S along it is a weighted sum of |ratio - t|, minimised
exactly at a weighted median (the step of the Barrodale-Roberts simplex method for L1 fitting).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .least_absolute_deviations import independent_rows, residuals

IRLS_ITERATIONS = 10
MAX_EDGES = 500
# |a_i| up to 1 + this counts as within the box: a_B carries rounding from the sums over n rows.
_BOX_SLACK = 1e-9


@dataclass(frozen=True)
class DescentResult:
    beta: np.ndarray
    objective: float  # S(beta)
    iterations: int  # IRLS iterations plus edges walked
    optimal: bool  # the final vertex passed its own optimality test
    message: str


def lad_by_edge_descent(X: np.ndarray, y: np.ndarray) -> DescentResult:
    beta = _irls(X, y)
    r, _ = residuals(X, y, beta)
    rows = independent_rows(X, np.argsort(np.abs(r), kind="stable"))
    if rows is None:
        return DescentResult(beta, float(np.sum(np.abs(r))), IRLS_ITERATIONS, False, "no starting vertex")
    for edge in range(MAX_EDGES + 1):
        basis = X[rows]
        beta = np.linalg.solve(basis, y[rows])
        r = y - X @ beta
        r[rows] = 0.0
        objective = float(np.sum(np.abs(r)))
        a = np.linalg.solve(basis.T, -(X.T @ np.sign(r)))
        leaving = int(np.argmax(np.abs(a)))
        if abs(a[leaving]) <= 1.0 + _BOX_SLACK:
            return DescentResult(beta, objective, IRLS_ITERATIONS + edge, True, "optimal vertex")
        if edge == MAX_EDGES:
            break
        target = np.zeros(X.shape[1])
        target[leaving] = -np.sign(a[leaving])
        slopes = X @ np.linalg.solve(basis, target)
        slopes[rows] = target  # exactly: the other basis rows stay interpolated, the leaving one moves off
        entering = _line_minimum(r, slopes)
        if entering is None or entering in rows:  # degenerate vertex: stop rather than risk cycling
            return DescentResult(beta, objective, IRLS_ITERATIONS + edge, False, "stalled at a degenerate vertex")
        rows = rows.copy()
        rows[leaving] = entering
    return DescentResult(beta, objective, IRLS_ITERATIONS + MAX_EDGES, False, f"no optimum in {MAX_EDGES} edges")


def _line_minimum(r: np.ndarray, slopes: np.ndarray) -> int | None:
    """The row i whose kink t = r_i / slopes_i > 0 minimises sum_j |r_j - t slopes_j|, or None if S does not
    descend from t = 0. The slope in t starts negative and rises by 2 |slopes_j| at each kink passed; only the
    nearest kinks are sorted (a partial sort, widened until the slope turns), not all n.
    """
    moving = np.flatnonzero(slopes)
    ratio = r[moving] / slopes[moving]
    weight = np.abs(slopes[moving])
    ahead = ratio > 0
    slope = float(weight[~ahead].sum() - weight[ahead].sum())
    if not slope < 0:
        return None
    ratio, weight, moving = ratio[ahead], weight[ahead], moving[ahead]
    count = min(64, ratio.size)
    while True:
        nearest = np.argpartition(ratio, count - 1)[:count] if count < ratio.size else np.arange(ratio.size)
        nearest = nearest[np.argsort(ratio[nearest], kind="stable")]
        turned = np.flatnonzero(slope + 2.0 * np.cumsum(weight[nearest]) >= 0)
        if turned.size:
            return int(moving[nearest[turned[0]]])
        if count == ratio.size:  # unreachable in exact arithmetic: the slope ends at +sum |slopes|
            return None
        count = min(4 * count, ratio.size)


def _irls(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    r = y - X @ beta
    # Weights capped where |r| is tiny: the cap only keeps the weighted normal equations well posed.
    floor = max(1e-6 * float(np.mean(np.abs(r))), np.finfo(float).tiny)
    for _ in range(IRLS_ITERATIONS):
        weights = 1.0 / np.maximum(np.abs(r), floor)
        beta = np.linalg.solve(X.T @ (weights[:, None] * X), X.T @ (weights * y))
        r = y - X @ beta
    return beta

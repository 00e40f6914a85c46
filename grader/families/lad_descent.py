"""The second, independent LAD method: IRLS from least squares, finished exactly by descent along edges.

It shares nothing with the linear program but the definition of S(beta) = sum |y_i - x_i beta|, so the fit can
check that it finds no smaller S. IRLS (weights 1 / |r_i|) approaches the minimiser but, for LAD, only slowly;
its d smallest residuals name a starting vertex (d rows interpolated exactly). From a vertex with rows B, each
step solves X_B'a_B = -X_N's_N: if every |a_i| <= 1 no edge descends and the vertex is optimal; otherwise the edge
that releases the row with the largest |a_i| descends, and S along it is a weighted sum of |ratio - t|, minimised
exactly at a weighted median (the step of the Barrodale-Roberts simplex method for L1 fitting).

Each edge is a pass over the data, and at n = 10^6, d = 10 the walk takes about a hundred of them. Above
FULL_WALK_ROWS rows it therefore walks on fewer: first on a fixed random subsample (to its exact optimum), then
on the rows whose residual is small there, the others merged by the sign of their residual into one linear term
(rows that stay on one side of the fit add sign(r_i) (y_i - x_i beta), linear in beta). When every merged row
keeps its sign at the reduced optimum, that optimum is the full one; rows that changed sides join the walk and
it goes on. The final vertex passes the optimality test on all rows, or the walk continues on all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .least_absolute_deviations import independent_rows, residuals

IRLS_ITERATIONS = 10
MAX_EDGES = 500
# Above this many rows the walk starts on a subsample and goes on over the rows near the fit (module docstring).
FULL_WALK_ROWS = 5_000
# |a_i| up to 1 + this counts as within the box: a_B carries rounding from the sums over n rows.
_BOX_SLACK = 1e-9
_BAND_ROUNDS = 8


@dataclass(frozen=True)
class DescentResult:
    beta: np.ndarray
    objective: float  # S(beta)
    iterations: int  # IRLS iterations plus edges walked
    optimal: bool  # the final vertex passed its own optimality test
    message: str


@dataclass
class _Walk:
    """Where a walk ended: its vertex, the edges it took, and whether that vertex passed the optimality test."""

    rows: np.ndarray  # indices into the full data of the d rows the vertex interpolates
    edges: int = 0
    optimal: bool = False
    message: str = ""


def lad_by_edge_descent(X: np.ndarray, y: np.ndarray) -> DescentResult:
    n, d = X.shape
    if n <= FULL_WALK_ROWS:
        return _finish(X, y, _start_and_walk(X, y), IRLS_ITERATIONS)
    sample = _subsample(n, min(n, int(np.sqrt(d) * n ** (2.0 / 3.0))))
    walk = _start_and_walk(X[sample], y[sample])
    if walk.rows.size == 0:
        return _finish(X, y, _start_and_walk(X, y), 2 * IRLS_ITERATIONS)
    walk.rows = sample[walk.rows]
    edges = walk.edges
    keep = min(n, 2 * sample.size)
    for _ in range(_BAND_ROUNDS):
        beta = np.linalg.solve(X[walk.rows], y[walk.rows])
        r = y - X @ beta
        r[walk.rows] = 0.0
        kept = np.zeros(n, dtype=bool)
        kept[np.argpartition(np.abs(r), keep - 1)[:keep]] = True
        kept[walk.rows] = True
        signs = np.where(kept, 0.0, np.sign(r))
        settled = False
        while not settled:
            walk = _walk(X, y, kept, signs @ X, walk.rows)
            edges += walk.edges
            if not walk.optimal:
                break
            r = y - X @ np.linalg.solve(X[walk.rows], y[walk.rows])
            wrong = signs * r < 0
            settled = not wrong.any()
            if wrong.sum() > keep // 10:  # the band was too narrow: draw a wider one around this vertex
                break
            kept |= wrong
            signs[wrong] = 0.0
        if settled or keep == n:
            break
        keep = min(n, 2 * keep)
    # The test on every row decides; should it fail (rounding, or the rounds ran out), walk on all rows.
    final = _walk(X, y, np.ones(n, dtype=bool), np.zeros(d), walk.rows)
    final.edges += edges
    return _finish(X, y, final, IRLS_ITERATIONS)


def _subsample(n: int, m: int) -> np.ndarray:
    """m of the n rows, sorted, drawn with a fixed seed: the same data always take the same path."""
    return np.sort(np.random.default_rng(1).choice(n, size=m, replace=False))


def _start_and_walk(X: np.ndarray, y: np.ndarray) -> _Walk:
    """IRLS, its d smallest residuals as the starting vertex, and the walk from there over every row."""
    beta = _irls(X, y)
    r, _ = residuals(X, y, beta)
    rows = independent_rows(X, np.argsort(np.abs(r), kind="stable"))
    if rows is None:
        return _Walk(np.zeros(0, dtype=np.intp), message="no starting vertex")
    return _walk(X, y, np.ones(X.shape[0], dtype=bool), np.zeros(X.shape[1]), rows)


def _finish(X: np.ndarray, y: np.ndarray, walk: _Walk, irls: int) -> DescentResult:
    if walk.rows.size == 0:
        beta = _irls(X, y)
        return DescentResult(beta, float(np.sum(np.abs(y - X @ beta))), irls, False, walk.message)
    beta = np.linalg.solve(X[walk.rows], y[walk.rows])
    r = y - X @ beta
    r[walk.rows] = 0.0
    return DescentResult(beta, float(np.sum(np.abs(r))), irls + walk.edges, walk.optimal, walk.message)


def _walk(X: np.ndarray, y: np.ndarray, kept: np.ndarray, pull: np.ndarray, rows: np.ndarray) -> _Walk:
    """Descend from the vertex ``rows`` (indices into X, all of them kept) on sum_kept |r_i| - pull'beta."""
    index = np.flatnonzero(kept)
    Xk, yk = (X, y) if index.size == X.shape[0] else (X[index], y[index])
    position = np.searchsorted(index, rows)  # the vertex's rows within the kept ones
    rows = position.copy()
    for edge in range(MAX_EDGES + 1):
        basis = Xk[rows]
        beta = np.linalg.solve(basis, yk[rows])
        r = yk - Xk @ beta
        r[rows] = 0.0
        a = np.linalg.solve(basis.T, -(np.sign(r) @ Xk + pull))
        leaving = int(np.argmax(np.abs(a)))
        if abs(a[leaving]) <= 1.0 + _BOX_SLACK:
            return _Walk(index[rows], edge, True, "optimal vertex")
        if edge == MAX_EDGES:
            break
        target = np.zeros(X.shape[1])
        target[leaving] = -np.sign(a[leaving])
        direction = np.linalg.solve(basis, target)
        slopes = Xk @ direction
        slopes[rows] = target  # exactly: the other basis rows stay interpolated, the leaving one moves off
        entering = _line_minimum(r, slopes, -float(pull @ direction))
        if entering is None:  # only with merged rows: their pull outweighs the kept rows along this edge
            return _Walk(index[rows], edge, False, "no minimum along an edge of the reduced problem")
        if entering in rows:  # degenerate vertex: stop rather than risk cycling
            return _Walk(index[rows], edge, False, "stalled at a degenerate vertex")
        rows = rows.copy()
        rows[leaving] = entering
    return _Walk(index[rows], MAX_EDGES, False, f"no optimum in {MAX_EDGES} edges")


def _line_minimum(r: np.ndarray, slopes: np.ndarray, offset: float = 0.0) -> int | None:
    """The row i whose kink t = r_i / slopes_i > 0 minimises sum_j |r_j - t slopes_j| + offset t, or None if
    that does not descend from t = 0 or keeps descending past every kink (possible only when the offset, the
    merged rows' pull, outweighs the rest). The slope in t starts negative and rises by 2 |slopes_j| at each kink
    passed; only the nearest kinks are sorted (a partial sort, widened until the slope turns), not all n.
    """
    moving = np.flatnonzero(slopes)
    ratio = r[moving] / slopes[moving]
    weight = np.abs(slopes[moving])
    ahead = ratio > 0
    slope = float(weight[~ahead].sum() - weight[ahead].sum()) + offset
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
        if count == ratio.size:  # without an offset unreachable in exact arithmetic: the slope ends at +sum |slopes|
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

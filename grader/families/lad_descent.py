"""LAD by smoothing and descent along edges: the fit's primary method, and the linear program's second method.

It shares nothing with the linear program but the definition of S(beta) = sum |y_i - x_i beta|, so the fit can
check that it finds no smaller S. The exact part is a walk along the edges of S: from a vertex with rows B (d rows
interpolated exactly), solve X_B'a_B = -X_N's_N; if every |a_i| <= 1 no edge descends and the vertex is optimal;
otherwise the edge that releases the row with the largest |a_i| descends, and S along it is a weighted sum of
|ratio - t|, minimised exactly at a weighted median (the step of the Barrodale-Roberts simplex method for L1).

On thousands of rows the walk needs 4 to 6 d edges, each a pass over the rows, from almost any vertex, even one
close to the optimum (IRLS for a start saves few). What shortens it is a start whose d smallest residuals already
name the rows the optimum interpolates. Smoothing gives one (Madsen & Nielsen, 1993): Newton steps on the Huber
function sum rho_g(r_i), quadratic for |r| < g and linear beyond, with g shrunk from the median |r_i| to about
the (2d)-th smallest, so that the rows inside the quadratic zone close in on those rows. A few steps, each a
least-squares solve on the rows inside the zone, leave the walk a few edges (at d = 10 and 10^4 rows, about 10
instead of 90). With ties, edges can have length 0 and lead back to a vertex already left: the walk stops there,
and reports that it did not show optimality (the fit's certificate, or the linear program, then decides).

Above FULL_WALK_ROWS rows neither runs on every row. A subsample (a fixed low-discrepancy draw) is smoothed to an
approximate fit; the rows whose residual is small there form a band, the others are merged by the sign of their
residual into one linear term (rows that stay on one side of the fit add sign(r_i) (y_i - x_i beta), linear in
beta), and smoothing and the walk run on the band. When every merged row keeps its sign at the band's optimum,
that optimum is the full one: the band's dual a, with a_i = sign(r_i) on the merged rows, is a dual certificate
for all rows (which the fit checks again on every row, independently). Rows that changed sides join the band and
it goes on; should the rounds not settle, the walk continues on all rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dgesv, dposv

from .least_absolute_deviations import independent_rows

MAX_EDGES = 500
# Above this many rows smoothing and the walk run on a band of rows near an approximate fit (module docstring).
FULL_WALK_ROWS = 3_000
# Smoothing: the quadratic zone starts with this fraction of the rows and keeps SMOOTHING_SHRINK of them a step,
# down to SMOOTHING_END_ROWS_PER_COLUMN * d rows. Fewer, larger shrinks cost fewer steps; the walk absorbs the
# rougher start at small d, where its edges are cheap.
SMOOTHING_START = 0.5
SMOOTHING_SHRINK = 0.15
SMOOTHING_END_ROWS_PER_COLUMN = 2
# The subsample only has to place the band: its smoothing stops with this fraction of its rows in the zone.
SUBSAMPLE_SMOOTHING_END = 0.1
# The band's rows sit near the subsample's fit already: its zone starts with this fraction of the band per column,
# at most BAND_SMOOTHING_START. More for large d, where each edge saved is a costly one.
BAND_SMOOTHING_START_PER_COLUMN = 0.027
BAND_SMOOTHING_START = 0.2
# Subsample size SUBSAMPLE_ROWS_PER_COLUMN * d * sqrt(n). Its fit is off by about 1 / sqrt(subsample) of the
# residual scale, which changes the sign of about n sqrt(d / subsample) rows: the band holds BAND_MARGIN times that.
SUBSAMPLE_ROWS_PER_COLUMN = 4.0
BAND_MARGIN = 3.0
# |a_i| up to 1 + this counts as within the box: a_B carries rounding from the sums over n rows.
_BOX_SLACK = 1e-9
_BAND_ROUNDS = 8
# Kinks sorted beyond the estimate of how many the line search passes (_line_minimum).
_SPARE_KINKS = 32
_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
_SINGULAR = "singular vertex"


@dataclass(frozen=True)
class DescentResult:
    beta: np.ndarray
    objective: float  # S(beta)
    iterations: int  # smoothing steps plus edges walked
    optimal: bool  # the final vertex passed its own optimality test (on every row, see the module docstring)
    message: str


@dataclass
class _Walk:
    """Where a walk ended: its vertex, the edges it took, and whether that vertex passed the optimality test."""

    rows: np.ndarray  # indices of the d rows the vertex interpolates
    edges: int = 0
    optimal: bool = False
    message: str = ""


def lad_by_edge_descent(X: np.ndarray, y: np.ndarray) -> DescentResult:
    """A LAD minimiser: a vertex found by smoothing and the walk, on a band of rows above FULL_WALK_ROWS rows
    (module docstring). ``optimal`` says whether it passed the walk's own test on every row."""
    n, d = X.shape
    none = np.zeros(d)
    if n <= FULL_WALK_ROWS:
        return _on_every_row(np.ascontiguousarray(X), y, 0)
    m, keep = band_sizes(n, d)
    sample = _subsample(n, m)
    Xs, ys = X[sample], y[sample]
    beta, steps = _smoothed(Xs, ys, None, _least_squares(Xs, ys), SMOOTHING_START, SUBSAMPLE_SMOOTHING_END)
    # The band: the rows within the subsample's keep / n quantile of |residual|, about keep of them.
    quantile = min(Xs.shape[0] - 1, int(Xs.shape[0] * keep / n))
    width = float(np.partition(np.abs(ys - Xs @ beta), quantile)[quantile])
    r = y - X @ beta
    kept = (np.abs(r) <= width).nonzero()[0]  # with every residual that is 0 (none is merged without a sign)
    if kept.size <= d:
        kept = None
    edges = 0
    rows: np.ndarray | None = None
    walk = _Walk(np.zeros(0, dtype=np.intp), message="no starting vertex")
    for _ in range(_BAND_ROUNDS):
        signs = np.sign(r)
        if kept is None:
            signs[np.abs(r).argpartition(keep - 1)[:keep]] = 0.0
            # Every row is either kept or merged with a sign: a row whose residual is 0 here is kept too.
            kept = (signs == 0.0).nonzero()[0]
        signs[kept] = 0.0
        pull = signs @ X
        settled = False
        resume = None  # the vertex to walk on from, when only a few rows joined the band
        while True:
            Xk, yk = X[kept], y[kept]
            if resume is None:
                start = min(BAND_SMOOTHING_START, BAND_SMOOTHING_START_PER_COLUMN * d)
                beta, more = _smoothed(Xk, yk, pull, beta, start, 0.0)
                steps += more
                walk = _walk_from(Xk, yk, pull, beta)
            else:
                walk = _walk(Xk, yk, pull, resume)
            edges += walk.edges
            if walk.rows.size == 0:
                break
            rows = kept[walk.rows]
            beta = _vertex(X, y, rows)
            r = y - X @ beta
            r[rows] = 0.0
            if not walk.optimal:
                break
            wrong = (signs * r < 0).nonzero()[0]
            settled = wrong.size == 0
            if settled or wrong.size > keep // 10:  # many: draw a wider band around this vertex instead
                break
            # A few rows that changed sides barely move the optimum: walk on from this vertex (its rows keep their
            # places in the band). Many: smooth again, from it.
            resume = walk.rows if wrong.size <= d else None
            kept = np.concatenate([kept, wrong])
            pull = pull - signs[wrong] @ X[wrong]
            signs[wrong] = 0.0
        if settled:
            return _result(beta, r, steps + edges, True, walk.message)
        if keep >= n or rows is None:
            break
        keep = min(n, 2 * max(keep, kept.size))
        kept = None
    if rows is None:
        return _on_every_row(X, y, steps)
    # The band rounds did not settle (or the walk on a band stalled): walk on every row from where they ended.
    final = _walk(X, y, none, rows)
    final.edges += edges
    return _finish(X, y, final, steps)


def band_sizes(n: int, d: int) -> tuple[int, int]:
    """The number of rows subsampled for the approximate fit, and of rows in the band around it (about)."""
    m = min(n, int(SUBSAMPLE_ROWS_PER_COLUMN * d * math.sqrt(n)))
    return m, max(min(n, int(BAND_MARGIN * n * math.sqrt(d / m))), d + 1)


def _subsample(n: int, m: int) -> np.ndarray:
    """About m of the n rows, spread over them by the golden-ratio sequence, which no periodic pattern in the
    rows lines up with; the same data always take the same path."""
    return (np.modf(np.arange(1, m + 1) * _GOLDEN)[0] * n).astype(np.intp)


def _on_every_row(X: np.ndarray, y: np.ndarray, steps: int) -> DescentResult:
    """Smoothing from least squares, then the walk, both on every row; ``steps`` taken before count too."""
    none = np.zeros(X.shape[1])
    beta, more = _smoothed(X, y, None, _least_squares(X, y), SMOOTHING_START, 0.0)
    return _finish(X, y, _walk_from(X, y, none, beta), steps + more)


def _least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Where smoothing starts: the normal equations suffice (smoothing corrects the start), lstsq if they fail."""
    _, beta, info = dposv(X.T @ X, y @ X)
    return beta if info == 0 else np.linalg.lstsq(X, y, rcond=None)[0]


def _smoothed(
    X: np.ndarray, y: np.ndarray, pull: np.ndarray | None, beta: np.ndarray, start: float, end: float
) -> tuple[np.ndarray, int]:
    """Approximately minimise sum |r_i| - pull'beta (pull None: 0) by Newton steps on its Huber smoothing (module
    docstring).

    rho_g(r) = r^2 / (2 g) for |r| <= g, |r| - g / 2 beyond: the gradient in beta is -clip(r, -g, g)'X / g - pull,
    the Hessian X_A'X_A / g over the rows A inside the zone. g is the j-th smallest |r_i|, j going from the
    fraction ``start`` of the rows to ``end`` (at least SMOOTHING_END_ROWS_PER_COLUMN * d). The step length comes
    from the derivative along the step at its end: the full step if it still descends there, else the secant root.
    Returns beta and the number of steps; stops early when the zone's rows do not determine beta.
    """
    n, d = X.shape
    r = y - X @ beta
    last = min(max(SMOOTHING_END_ROWS_PER_COLUMN * d, int(end * n)), n - 1)
    j = max(int(start * n), last)
    steps = 0
    while True:
        distance = np.abs(r)
        zone = float(np.partition(distance, j)[j])
        if not zone > 0:
            break
        inside = X.compress(distance < zone, axis=0)
        # g times the negative gradient; the Newton step solves X_A'X_A step = that.
        rhs = np.minimum(np.maximum(r, -zone), zone) @ X
        if pull is not None:
            rhs += zone * pull
        _, delta, info = dposv(inside.T @ inside, rhs)
        if info != 0:
            break
        steps += 1
        shift = X @ delta
        moved = r - shift
        descent = float(rhs @ delta)  # -g times the derivative at the start of the step: > 0
        at_end = float(np.minimum(np.maximum(moved, -zone), zone) @ shift)
        if pull is not None:
            at_end += zone * float(pull @ delta)
        if at_end >= 0:
            beta, r = beta + delta, moved
        else:
            t = descent / (descent - at_end)
            beta, r = beta + t * delta, r - t * shift
        if j == last:
            break
        j = max(int(j * SMOOTHING_SHRINK), last)
    return beta, steps


def _walk_from(X: np.ndarray, y: np.ndarray, pull: np.ndarray, beta: np.ndarray) -> _Walk:
    """The walk from the vertex of the d smallest residuals at beta (the first d independent rows by |r|)."""
    d = X.shape[1]
    distance = np.abs(y - X @ beta)
    nearest = distance.argpartition(d)[: d + 1] if distance.size > d + 1 else np.arange(distance.size)
    rows = nearest[distance[nearest].argsort()][:d]
    if rows.size == d:
        walk = _walk(X, y, pull, rows)
        if walk.message != _SINGULAR or walk.edges > 0:
            return walk
    rows = independent_rows(X, np.argsort(distance, kind="stable"))
    if rows is None:
        return _Walk(np.zeros(0, dtype=np.intp), message="no starting vertex")
    return _walk(X, y, pull, rows)


def _inverse(basis: np.ndarray) -> np.ndarray | None:
    """basis^-1 by LU with partial pivoting, or None when it is singular. LAPACK's gesv directly: at d <= 10
    numpy's wrapper costs more than the factorisation, and the fit's other small solves use the same routine."""
    _, _, inverse, info = dgesv(basis, np.eye(basis.shape[0]))
    return inverse if info == 0 and np.isfinite(inverse).all() else None


def _finish(X: np.ndarray, y: np.ndarray, walk: _Walk, steps: int) -> DescentResult:
    if walk.rows.size == 0:
        beta = _least_squares(X, y)
        return _result(beta, y - X @ beta, steps, False, walk.message)
    beta = _vertex(X, y, walk.rows)
    r = y - X @ beta
    r[walk.rows] = 0.0
    return _result(beta, r, steps + walk.edges, walk.optimal, walk.message)


def _vertex(X: np.ndarray, y: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The beta that interpolates ``rows`` exactly (LU with partial pivoting, as numpy's solve, without its cost)."""
    _, _, beta, info = dgesv(X[rows], y[rows])
    if info != 0:
        raise np.linalg.LinAlgError(f"the rows {rows.tolist()} of a vertex are linearly dependent")
    return beta


def _result(beta: np.ndarray, r: np.ndarray, iterations: int, optimal: bool, message: str) -> DescentResult:
    return DescentResult(beta, float(np.abs(r).sum()), iterations, optimal, message)


def _walk(X: np.ndarray, y: np.ndarray, pull: np.ndarray, rows: np.ndarray) -> _Walk:
    """Descend from the vertex ``rows`` on sum |r_i| - pull'beta (pull: the merged rows, see the module docstring)."""
    rows = np.array(rows, dtype=np.intp)
    visited = {frozenset(rows.tolist())}
    with np.errstate(divide="ignore", invalid="ignore"):  # _line_minimum divides by slopes that may be 0
        for edge in range(MAX_EDGES + 1):
            inverse = _inverse(X[rows])
            if inverse is None:
                return _Walk(rows, edge, False, _SINGULAR)
            r = y - X @ (inverse @ y[rows])
            r[rows] = 0.0
            # X_B'a_B = -(X_N's_N + pull), as a row vector: a_B' = -(s'X + pull') X_B^-1. Here a = -a_B.
            a = (np.sign(r) @ X + pull) @ inverse
            magnitude = np.abs(a)
            leaving = int(magnitude.argmax())
            if magnitude[leaving] <= 1.0 + _BOX_SLACK:
                return _Walk(rows, edge, True, "optimal vertex")
            if edge == MAX_EDGES:
                break
            # Along the edge the other basis rows stay interpolated and the leaving one moves off by -sign(a) t.
            step = 1.0 if a[leaving] > 0 else -1.0
            direction = step * inverse[:, leaving]
            slopes = X @ direction
            slopes[rows] = 0.0
            slopes[rows[leaving]] = step
            entering = _line_minimum(r, slopes, -float(pull @ direction))
            if entering is None:  # only with merged rows: their pull outweighs the band's rows along this edge
                return _Walk(rows, edge, False, "no minimum along an edge of the reduced problem")
            if entering in rows:  # degenerate vertex: stop rather than risk cycling
                return _Walk(rows, edge, False, "stalled at a degenerate vertex")
            rows[leaving] = entering
            # Ties make vertices degenerate: edges of length 0, along which the walk could circle for ever.
            basis = frozenset(rows.tolist())
            if basis in visited:
                return _Walk(rows, edge + 1, False, "returned to a vertex it had left (degenerate data)")
            visited.add(basis)
    return _Walk(rows, MAX_EDGES, False, f"no optimum in {MAX_EDGES} edges")


def _line_minimum(r: np.ndarray, slopes: np.ndarray, offset: float = 0.0) -> int | None:
    """The row i whose kink t = r_i / slopes_i > 0 minimises sum_j |r_j - t slopes_j| + offset t, or None if
    that does not descend from t = 0 or keeps descending past every kink (possible only when the offset, the
    merged rows' pull, outweighs the rest). The slope in t starts negative and rises by 2 |slopes_j| at each kink
    passed; only the nearest kinks are sorted (a partial sort, as many as kinks of typical weight need to turn the
    slope, and more if they do not), not all of them. The caller silences the divisions by slopes of 0.
    """
    ratio = r / slopes  # rows that do not move give nan (0 / 0) or +-inf, and have weight 0 either way
    ahead = (ratio > 0).nonzero()[0]
    weight = np.abs(slopes)
    weight_ahead = weight[ahead]
    slope = float(weight.sum() - 2.0 * weight_ahead.sum()) + offset
    if not slope < 0 or ahead.size == 0:
        return None
    ratio = ratio[ahead]
    typical = max(float(weight_ahead.mean()), np.finfo(float).tiny)
    count = min(ratio.size, int(min(-0.5 * slope / typical, ratio.size)) + _SPARE_KINKS)
    while True:
        nearest = ratio.argpartition(count - 1)[:count] if count < ratio.size else np.arange(ratio.size)
        nearest = nearest[ratio[nearest].argsort()]
        turn = int(weight_ahead[nearest].cumsum().searchsorted(-0.5 * slope))
        if turn < count:
            return int(ahead[nearest[turn]])
        if count == ratio.size:  # without an offset unreachable in exact arithmetic: the slope ends at +sum |slopes|
            return None
        count = min(4 * count, ratio.size)

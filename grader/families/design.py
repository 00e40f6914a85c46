"""Design matrices of the regression families: reading X and y, the full-column-rank check, least squares.

X is the full design matrix (n rows, d columns; the caller adds any intercept column). Rank is judged on X with
its columns scaled to unit length, so a column's units do not matter: a column is a linear combination of the
others when the smallest singular value of the scaled X is below RANK_TOL times the largest.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.linalg.lapack import dpotrf, dpotri, dpotrs

from ..errors import DataError
from ..messages import Message
from .data_checks import float_array
from .derived import remembered

# Singular-value ratio of the column-scaled X below which a column counts as a combination of the others: well
# above rounding (1e-16 times a modest factor), well below real designs (a raw degree-5 polynomial in x ~ U(0, 10)
# has 4e-4). Designs between pass this check; if the fit's Hessian is then too ill-conditioned, verification says so.
RANK_TOL = 1e-9
# The Gram matrix X'X is cheap (one pass over X), but squares the condition number and carries rounding of order
# eps * (its largest eigenvalue): an eigenvalue ratio above this proves full rank; below it a QR decides.
_GRAM_SCREEN = 1e-8
# Least squares by the normal equations loses cond(X)^2 eps per solve; below this condition number of the scaled
# X'X (cond(X) below 1e4) each refinement divides the error by at least 1 / (cond eps) = 1e8, so _REFINEMENTS
# solves reach rounding level; above it, or when they do not, an SVD decides.
_NORMAL_EQUATIONS_MAX = 1e8
_REFINEMENTS = 4
# The likelihood hooks stream through X in blocks of about this many elements: the temporaries (eta, weights, the
# weighted copy of the block) then stay in the cache instead of being n-long arrays in main memory, which halves the
# cost of a Hessian at n = 10^6.
_BLOCK_ELEMENTS = 1 << 16


def regression_arrays(arrays: dict[str, Any], order: Literal["C", "F"] = "C") -> tuple[np.ndarray, np.ndarray]:
    """X (2-D) and y (1-D, one value per row of X) as clean read-only float arrays, or a DataError.

    ``order`` "F" stores X column by column, for families whose likelihood passes weight X's rows and form X'WX:
    that runs several times faster on contiguous columns (X * w[:, None] on a row-major X of 10^4 x 2 costs as
    much as the rest of a logistic evaluation). The copy costs a transposition (20 ms at 10^6 x 10).
    """
    X = float_array("X", arrays["X"], ndim=2, order=order)
    y = float_array("y", arrays["y"], ndim=1)
    if y.shape[0] != X.shape[0]:
        raise DataError("y_length_mismatch", y_values=y.shape[0], x_rows=X.shape[0])
    return X, y


def row_blocks(X: np.ndarray) -> Iterator[slice]:
    """Consecutive slices of X's rows, each small enough for its temporaries to stay in the cache."""
    n = X.shape[0]
    step = block_rows(X)
    return (slice(start, min(start + step, n)) for start in range(0, n, step))


def block_rows(X: np.ndarray) -> int:
    """The number of rows in the largest of ``row_blocks(X)``."""
    n, d = X.shape
    return min(n, max(1024, _BLOCK_ELEMENTS // max(d, 1)))


def transpose_times(X: np.ndarray, v: np.ndarray) -> np.ndarray:
    """X' v: at once for a column-major X; block by block for a row-major one, where numpy's single X.T @ v is
    several times slower."""
    if X.flags.f_contiguous or X.shape[0] <= block_rows(X):
        return v @ X
    out = np.zeros(X.shape[1])
    for rows in row_blocks(X):
        out += v[rows] @ X[rows]
    return out


def require_rows(X: np.ndarray, needed: int, purpose: str) -> None:
    """Refuse an X with fewer than ``needed`` rows; ``purpose`` says what they are needed for."""
    n, d = X.shape
    if n < needed:
        raise DataError("design_too_few_rows", rows=n, columns=d, needed=needed, purpose=purpose)


def gram(X: np.ndarray) -> np.ndarray:
    """X'X (read-only), computed once per validated X: the rank check, the linear family's Hessian, its closed
    form and its start all need it, and at n = 10^6 it costs a pass over X."""

    def compute() -> np.ndarray:
        product = X.T @ X  # numpy recognises the transpose and runs a symmetric rank-k update
        product.flags.writeable = False
        return product

    return remembered(X, "gram", compute)


def require_full_rank(X: np.ndarray) -> None:
    """Refuse an X whose columns are linearly dependent, naming a column and the combination it equals."""
    factor = _scaled_factor(X)
    if factor.condition_bound < 1.0 / _GRAM_SCREEN:
        return
    scale = factor.norms
    zero = np.flatnonzero(scale == 0.0)
    if zero.size:
        raise DataError("design_zero_column", column=int(zero[0]))
    null = null_space(X, gram(X))
    if null.shape[1] == 0:
        return
    d = X.shape[1]
    # A null vector b says sum_k b_k * column_k = 0; b_k * |column_k| is the weight column k carries. Name the
    # last column with real weight: for a duplicated column or a dummy-variable trap, the one added last.
    b = null[:, 0]
    weights = np.abs(b * scale)
    j = int(np.flatnonzero(weights >= 0.5 * weights.max())[-1])
    terms = tuple((k, float(-b[k] / b[j])) for k in range(d) if k != j and weights[k] > 1e-6 * weights.max())
    raise DataError(
        "design_collinear", rank=d - null.shape[1], columns=d, column=j, combination=_linear_combination(terms),
        terms=terms,
    )


def _linear_combination(terms: tuple[tuple[int, float], ...]) -> str:
    """The combination of (column, coefficient) terms as text, e.g. "2·column 0 − 0.5·column 3"."""
    text = ""
    for k, c in terms:
        sign = "−" if c < 0 else "+"
        term = f"{abs(c):.4g}·column {k}"
        text = (f"−{term}" if c < 0 else term) if not text else f"{text} {sign} {term}"
    return text or "0"


def null_space(X: np.ndarray, product: np.ndarray | None = None) -> np.ndarray:
    """A basis of the numerical null space of X: columns b with X b ≈ 0, shape (d, d - rank).

    ``product`` is X'X when the caller has it. Each b is scaled so that the vector of b_k * |column k| has unit
    length; a column of zeros is in the null space.
    """
    d = X.shape[1]
    if product is None:
        product = X.T @ X
    if gram_proves_full_rank(product):
        return np.empty((d, 0))
    # Column lengths from the diagonal of X'X: the same sums of squares, without another pass over X.
    norms = np.sqrt(product.diagonal())
    scale = np.where(norms > 0.0, norms, 1.0)
    r = np.linalg.qr(X / scale, mode="r")
    _, singular, vt = np.linalg.svd(r, full_matrices=True)
    singular = np.concatenate([singular, np.zeros(d - singular.size)])
    dependent = singular <= RANK_TOL * singular[0]
    return vt[dependent].T / scale[:, None]


def gram_proves_full_rank(product: np.ndarray) -> bool:
    """Whether X'X alone proves X has full column rank: the Gram matrix of X's columns scaled to unit length is so
    well conditioned that rounding cannot have made a singular matrix look like it."""
    return _Factor.of(product).condition_bound < 1.0 / _GRAM_SCREEN


@dataclass(frozen=True)
class _Factor:
    """The Cholesky factor of S = X'X with its diagonal scaled to 1 (the Gram matrix of the unit-length columns),
    and an upper bound on S's condition number: d trace(S^-1) >= lambda_max / lambda_min, since lambda_max <=
    trace(S) = d and 1 / lambda_min <= trace(S^-1). Two LAPACK calls; exact eigenvalues cost several times more,
    and the bound is at most d^2 times too large, which only sends a few more designs to the QR."""

    norms: np.ndarray  # column lengths, from the diagonal of X'X
    lower: np.ndarray | None  # the Cholesky factor of S; None when S is not numerically positive definite
    condition_bound: float  # inf when there is no factor
    inverse_diagonal: np.ndarray | None = None  # diag(S^-1), when there is a factor

    @staticmethod
    def of(product: np.ndarray) -> _Factor:
        norms = np.sqrt(product.diagonal())
        if not norms.min() > 0.0:
            return _Factor(norms, None, np.inf)
        lower, info = dpotrf(product / np.outer(norms, norms), lower=1)
        if info != 0:
            return _Factor(norms, None, np.inf)
        inverse, info = dpotri(lower, lower=1)
        trace = float(inverse.diagonal().sum())
        if info != 0 or not trace > 0.0:
            return _Factor(norms, None, np.inf)
        return _Factor(norms, lower, norms.size * trace, inverse.diagonal().copy())


def least_squares(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """The least-squares coefficients and the residual sum of squares, independently of any likelihood."""
    solution = solve_least_squares(X, y)
    return solution.beta, solution.rss


@dataclass(frozen=True)
class LeastSquares:
    """A least-squares solution with what a verification of it needs."""

    beta: np.ndarray
    residuals: np.ndarray
    rss: float
    # The correction (X'X)^-1 X'r computed at the final beta: how far a further refinement, which is the Newton step
    # of the residual sum of squares, would still move it.
    next_step: np.ndarray
    gram_inverse_diagonal: np.ndarray  # diag((X'X)^-1), for standard errors
    condition_number: float  # of X'X with its diagonal scaled to 1, or an upper bound on it (the normal equations)
    method: str  # a Message (grader.fit_texts): which solver found it


def solve_least_squares(X: np.ndarray, y: np.ndarray) -> LeastSquares:
    """Least squares on X with full column rank, with the step a further refinement would take.

    With well-conditioned columns (condition bound of the scaled X'X below _NORMAL_EQUATIONS_MAX) by a Cholesky
    factorisation of X'X, refined with residuals computed from X itself until a correction no longer changes the
    fitted values: a handful of passes over X, against an SVD that costs 150 ms at n = 10^6. Refinement makes
    X'(y - X beta) = 0 to rounding, whatever the error of the first solve. Otherwise, or if refinement stalls, by
    an SVD of X with unit-length columns (lstsq's cut-off for small singular values is relative to the largest, so
    a column in units of 1e7 would otherwise cost the others their last six digits), refined once the same way.
    """
    factor = _scaled_factor(X)
    if factor.lower is not None and factor.condition_bound < _NORMAL_EQUATIONS_MAX:
        solution = _refined_normal_equations(X, y, factor)
        if solution is not None:
            return solution
    norms = np.where(factor.norms > 0.0, factor.norms, 1.0)
    u, singular, vt = np.linalg.svd(X / norms, full_matrices=False)
    if not singular[-1] > 0.0:
        raise DataError("design_dependent_columns")

    def solve(v: np.ndarray) -> np.ndarray:  # (X'X)^-1 X'v
        return (vt.T @ ((u.T @ v) / singular)) / norms

    beta = solve(y)
    residuals = y - X @ beta
    beta = beta + solve(residuals)
    residuals = y - X @ beta
    return LeastSquares(
        beta, residuals, float(residuals @ residuals), solve(residuals),
        ((vt.T / singular) ** 2).sum(axis=1) / norms**2, float((singular[0] / singular[-1]) ** 2),
        Message("least_squares_svd"),
    )


def _refined_normal_equations(X: np.ndarray, y: np.ndarray, factor: _Factor) -> LeastSquares | None:
    """The normal equations by the Cholesky factor of the scaled X'X, refined; None if refinement stalls."""
    norms, lower = factor.norms, factor.lower
    beta = np.zeros(X.shape[1])
    residuals, previous, settled = y, 0.0, False
    tiny = 4 * np.finfo(float).eps
    for _ in range(_REFINEMENTS + 1):
        correction = dpotrs(lower, transpose_times(X, residuals) / norms, lower=1)[0] / norms
        if settled:  # the step at the final beta, for the caller's stationarity check
            assert factor.inverse_diagonal is not None  # a factor that has a Cholesky factor has its inverse
            return LeastSquares(
                beta, residuals, float(residuals @ residuals), correction,
                factor.inverse_diagonal / norms**2, factor.condition_bound, Message("least_squares_cholesky"),
            )
        beta = beta + correction
        residuals = y - X @ beta
        # Sizes in the metric of the unit-length columns, i.e. of the fitted values. Refinement contracts by about
        # size / previous per step, so the error left after this correction is about size^2 / previous.
        scaled = correction * norms
        size = math.sqrt(scaled @ scaled)
        contraction = min(size / previous, 1.0) if previous > 0.0 else float(size > 0.0)  # first solve: 1
        scaled = beta * norms
        settled = size * contraction <= tiny * math.sqrt(scaled @ scaled)
        previous = size
    return None


def _scaled_factor(X: np.ndarray) -> _Factor:
    """X'X's _Factor, computed once per validated X (the rank check and the least squares both use it)."""
    return remembered(X, "scaled gram factor", lambda: _Factor.of(gram(X)))

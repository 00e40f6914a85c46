"""Design matrices of the regression families: reading X and y, the full-column-rank check, least squares.

X is the full design matrix (n rows, d columns; the caller adds any intercept column). Rank is judged on X with
its columns scaled to unit length, so a column's units do not matter: a column is a linear combination of the
others when the smallest singular value of the scaled X is below RANK_TOL times the largest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import DataError
from .data_checks import float_array

# Singular-value ratio of the column-scaled X below which a column counts as a combination of the others: well
# above rounding (1e-16 times a modest factor), well below real designs (a raw degree-5 polynomial in x ~ U(0, 10)
# has 4e-4). Designs between pass this check; if the fit's Hessian is then too ill-conditioned, verification says so.
RANK_TOL = 1e-9
# The Gram matrix X'X is cheap (one pass over X), but squares the condition number and carries rounding of order
# eps * (its largest eigenvalue): an eigenvalue ratio above this proves full rank; below it a QR decides.
_GRAM_SCREEN = 1e-8
# The likelihood hooks stream through X in blocks of about this many elements: the temporaries (eta, weights, the
# weighted copy of the block) then stay in the cache instead of being n-long arrays in main memory, which halves the
# cost of a Hessian at n = 10^6.
_BLOCK_ELEMENTS = 1 << 16


def regression_arrays(arrays: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """X (2-D) and y (1-D, one value per row of X) as clean read-only float arrays, or a DataError."""
    X = float_array("X", arrays["X"], ndim=2)
    y = float_array("y", arrays["y"], ndim=1)
    if y.shape[0] != X.shape[0]:
        raise DataError(f"y has {y.shape[0]} values but X has {X.shape[0]} rows: y needs one value per row of X")
    return X, y


def row_blocks(X: np.ndarray) -> Iterator[slice]:
    """Consecutive slices of X's rows, each small enough for its temporaries to stay in the cache."""
    n, d = X.shape
    step = max(1024, _BLOCK_ELEMENTS // max(d, 1))
    return (slice(start, min(start + step, n)) for start in range(0, n, step))


def transpose_times(X: np.ndarray, v: np.ndarray) -> np.ndarray:
    """X' v, block by block: for a tall C-ordered X, numpy's single X.T @ v is several times slower."""
    out = np.zeros(X.shape[1])
    for rows in row_blocks(X):
        out += v[rows] @ X[rows]
    return out


def require_rows(X: np.ndarray, needed: int, purpose: str) -> None:
    """Refuse an X with fewer than ``needed`` rows; ``purpose`` says what they are needed for."""
    n, d = X.shape
    if n < needed:
        raise DataError(
            f"X has {n} row(s) and {d} column(s): at least {needed} observations are needed {purpose}"
        )


def require_full_rank(X: np.ndarray) -> None:
    """Refuse an X whose columns are linearly dependent, naming a column and the combination it equals."""
    scale = column_norms(X)
    zero = np.flatnonzero(scale == 0.0)
    if zero.size:
        raise DataError(f"X is rank-deficient: column {int(zero[0])} is all zeros")
    null = null_space(X)
    if null.shape[1] == 0:
        return
    d = X.shape[1]
    # A null vector b says sum_k b_k * column_k = 0; b_k * |column_k| is the weight column k carries. Name the
    # last column with real weight: for a duplicated column or a dummy-variable trap, the one added last.
    b = null[:, 0]
    weights = np.abs(b * scale)
    j = int(np.flatnonzero(weights >= 0.5 * weights.max())[-1])
    combination = _linear_combination(
        {k: float(-b[k] / b[j]) for k in range(d) if k != j and weights[k] > 1e-6 * weights.max()}
    )
    rank = d - null.shape[1]
    raise DataError(
        f"X is rank-deficient (rank {rank} < {d} columns): column {j} is a linear combination of the others "
        f"(column {j} ≈ {combination}), so the coefficients are not identifiable; drop a column or change the design"
    )


def _linear_combination(coefficients: dict[int, float]) -> str:
    """The combination as text, e.g. "2·column 0 − 0.5·column 3"."""
    text = ""
    for k, c in coefficients.items():
        sign = "−" if c < 0 else "+"
        term = f"{abs(c):.4g}·column {k}"
        text = (f"−{term}" if c < 0 else term) if not text else f"{text} {sign} {term}"
    return text or "0"


def column_norms(X: np.ndarray) -> np.ndarray:
    """The Euclidean length of each column."""
    return np.sqrt(np.einsum("ij,ij->j", X, X))


def null_space(X: np.ndarray) -> np.ndarray:
    """A basis of the numerical null space of X: columns b with X b ≈ 0, shape (d, d - rank).

    Each b is scaled so that the vector of b_k * |column k| has unit length; a column of zeros is in the null space.
    """
    d = X.shape[1]
    norms = column_norms(X)
    scale = np.where(norms > 0.0, norms, 1.0)
    gram = (X.T @ X) / np.outer(scale, scale)
    eigenvalues = np.linalg.eigvalsh(gram)
    if eigenvalues[0] > _GRAM_SCREEN * eigenvalues[-1]:
        return np.empty((d, 0))
    r = np.linalg.qr(X / scale, mode="r")
    _, singular, vt = np.linalg.svd(r, full_matrices=True)
    singular = np.concatenate([singular, np.zeros(d - singular.size)])
    dependent = singular <= RANK_TOL * singular[0]
    return vt[dependent].T / scale[:, None]


def least_squares(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """The least-squares coefficients (by an SVD, independent of any likelihood) and the residual sum of squares."""
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    residuals = y - X @ beta
    return beta, float(residuals @ residuals)

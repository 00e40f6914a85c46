"""Multinomial logistic (softmax) regression: classes y_i in 0..K-1, class 0 the reference.

P(y_i = k) = exp(x_i·beta_k) / (1 + sum_l exp(x_i·beta_l)) for k = 1..K-1, with beta_k the k-th column of beta
(shape d x (K-1)); class 0's linear predictor is fixed at 0. K is max(y) + 1, and every class must occur.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DataError
from ..messages import Message
from . import scratch
from .base import Data, FusedFamily, Param, Params
from .count_data import require_counts
from .design import block_rows, regression_arrays, require_full_rank, require_rows, row_blocks, transpose_times
from .domains import REAL
from .glm import normal_equations_solve, symmetric, weighted_gram
from .separation import class_separation, format_direction


class MultinomialLogistic(FusedFamily):
    """nll(beta) = sum_i [log(1 + sum_k exp(eta_ik)) - eta_i,y_i] with eta = X beta and eta_i0 = 0.

    beta is laid out row-major: theta index j (K-1) + k is beta[j, k], covariate j in class k+1's predictor.
    """

    id = "multinomial_logistic"
    data_names = ("X", "y")
    params = (Param("beta", REAL),)
    convex = True  # each row adds (diag(p) - p p') ⊗ x x' to the Hessian, positive semi-definite

    def param_shapes(self, data: Data) -> dict[str, tuple[int, ...]]:
        return {"beta": (data["X"].shape[1], _n_classes(data) - 1)}

    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        X, y = regression_arrays(arrays, order="F")  # column-major: see regression_arrays
        require_counts("y", y, minimum=0, what="class labels 0..K-1")
        n = y.size
        k = int(y.max()) + 1
        if k < 2:
            raise DataError("multinomial_one_class")
        if k > n:
            raise DataError("multinomial_too_many_classes", last_class=k - 1, classes=k, n=n)
        missing = np.flatnonzero(np.bincount(y.astype(np.intp), minlength=k) == 0)
        if missing.size:
            listed = ", ".join(str(int(c)) for c in missing[:10]) + (" ..." if missing.size > 10 else "")
            raise DataError("multinomial_missing_classes", last_class=k - 1, classes=k, missing=listed)
        d = X.shape[1]
        require_rows(X, d, f"to estimate {d} coefficient(s) per class")
        require_full_rank(X)
        return {"X": X, "y": y}

    # Predictors and probabilities are held class by class, shape (K-1, rows): each class's values are then
    # contiguous, and sums and maxima over classes are elementwise operations instead of slow short-axis reductions.
    @staticmethod
    def _passes(
        params: Params, data: Data, *, nll: bool = False, grad: bool = False, hess: bool = False
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """The requested quantities in one pass over X, sharing the predictors and the softmax; each is computed by
        the same operations whichever others are requested, so the fused hook equals the separate ones."""
        X, y, beta = data["X"], data["y"], params["beta"]
        n = X.shape[0]
        d, k1 = beta.shape
        # Temporaries live in per-thread scratch arrays (see scratch): fresh ones can cost page faults at n = 10^4.
        rows = block_rows(X)
        work, weighted = scratch.vectors(_VECTORS * k1 + 4, rows), scratch.matrix(rows, d)
        if rows == n:  # one block: no bookkeeping, which at n = 200 costs as much as the arithmetic
            total, g, h = _block_terms(X, y, beta, nll, grad, hess, work, weighted)
        else:
            total, g, h = 0.0, None, None
            for block in row_blocks(X):
                m = block.stop - block.start
                block_total, block_g, block_h = _block_terms(
                    X[block], y[block], beta, nll, grad, hess, work[:, :m], weighted[:m]
                )
                total += block_total
                g = block_g if g is None else g + block_g
                h = block_h if h is None else h + block_h
        gradient = np.zeros(d * k1) if g is None else g.T.ravel()
        if h is None:
            return total, gradient, np.zeros((d * k1, d * k1))
        for k in range(k1):
            for l in range(k + 1, k1):
                h[:, l, :, k] = h[:, k, :, l].T
        return total, gradient, symmetric(h.reshape(d * k1, d * k1))

    def _explain_failure(self, data: Data) -> Message | None:
        # A linear programme over the rows, run only when Newton failed: a verified optimum proves there is none.
        X, y = data["X"], data["y"]
        separation = class_separation(X, y, _n_classes(data))
        if separation is None:
            return None
        direction = format_direction(separation.direction)
        if separation.complete:
            return Message("multinomial_complete_separation", direction=direction)
        return Message("multinomial_quasi_separation", direction=direction, tied=separation.n_tied)

    def _start(self, data: Data) -> Params:
        # Newton's first iterate from beta = 0, where every class has probability 1/K: there the Hessian is
        # (diag(p) - p p') ⊗ X'X with p = 1/K, whose first factor has the inverse K (I + 1 1'), and the gradient
        # X'(1/K - Y) (Y the indicators of classes 1..K-1). The step costs products X'Y and a solve with X'X
        # (remembered from the rank check) instead of a pass over the likelihood: Newton starts an iteration
        # further on. Zero if X'X cannot be solved.
        X, y = data["X"], data["y"]
        k = _n_classes(data)
        indicators = (y == np.arange(1.0, k)[:, None]) - 1.0 / k
        beta = normal_equations_solve(X, np.column_stack([transpose_times(X, row) for row in indicators]))
        if beta is None:
            return {"beta": np.zeros((X.shape[1], k - 1))}
        return {"beta": k * (beta + beta.sum(axis=1, keepdims=True))}

    def _example_data(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        # Three classes from two covariates, as in the seed notebook's softmax exercise.
        n = int(rng.integers(60, 100))
        X = np.column_stack([np.ones(n), rng.uniform(-2.0, 2.0, size=(n, 2))])
        beta = np.array([[0.3, -0.2], [0.8, -0.5], [-0.4, 0.6]])
        eta = np.column_stack([np.zeros(n), X @ beta])
        p = np.exp(eta - eta.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        y = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1).astype(float)
        # The first d rows once more in every class: whatever direction B ≠ 0, one of those rows ranks some class
        # strictly below another, and its copy in the lower class contradicts B; no separation, whatever the draw.
        d = X.shape[1]
        extra_y = np.repeat(np.arange(3.0), d)
        return {"X": np.vstack([X, np.tile(X[:d], (3, 1))]), "y": np.concatenate([y, extra_y])}


def _n_classes(data: Data) -> int:
    return int(data["y"].max()) + 1


# Per-class temporaries of a block, each (K-1, rows): the predictors, the probabilities and the residuals.
_VECTORS = 3


def _block_terms(
    X: np.ndarray,
    y: np.ndarray,
    beta: np.ndarray,
    nll: bool,
    grad: bool,
    hess: bool,
    work: np.ndarray,
    weighted: np.ndarray,
) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    """These rows' nll, gradient (K-1, d) and Hessian blocks (k, l), l >= k, of an array (d, K-1, d, K-1); None for
    what was not asked. ``work`` holds _VECTORS (K-1) + 4 vectors of a block's length, ``weighted`` a block's
    shape."""
    d, k1 = beta.shape
    eta, p, residuals = work[:k1], work[k1 : 2 * k1], work[2 * k1 : 3 * k1]
    log_normaliser, shift, reference, weight = work[3 * k1 :]
    np.matmul(beta.T, X.T, out=eta)
    _softmax(eta, log_normaliser, p, shift, reference)
    total, g, h = 0.0, None, None
    if nll or grad:
        np.equal(y, np.arange(1.0, k1 + 1.0)[:, None], out=residuals)  # indicators of classes 1..K-1 (not 0)
    if nll:
        total = float(log_normaliser.sum() - np.vdot(residuals, eta))
    if grad:
        g = np.subtract(p, residuals, out=residuals) @ X
    if hess:
        h = np.empty((d, k1, d, k1))
        np.negative(log_normaliser, out=reference)
        np.exp(reference, out=reference)  # class 0's probability
        for k in range(k1):
            # Block (k, l) is X' diag(p_k (delta_kl - p_l)) X, with 1 - p_k summed from the other classes'
            # probabilities: exact when p_k is close to 1.
            np.copyto(weight, reference)
            for other in range(k1):
                if other != k:
                    weight += p[other]
            weight *= p[k]
            h[:, k, :, k] = weighted_gram(X, weight, weighted)
            for l in range(k + 1, k1):
                np.multiply(p[k], p[l], out=weight)
                np.negative(weight, out=weight)
                h[:, k, :, l] = weighted_gram(X, weight, weighted)
    return total, g, h


def _softmax(
    eta: np.ndarray, log_normaliser: np.ndarray, p: np.ndarray, shift: np.ndarray, reference: np.ndarray
) -> None:
    """log(1 + sum_k exp(eta_k)) per column of eta (K-1, rows) into ``log_normaliser``, and the probabilities of
    classes 1..K-1 into ``p``; ``shift`` and ``reference`` are scratch."""
    np.max(eta, axis=0, out=shift)
    np.maximum(shift, 0.0, out=shift)
    np.subtract(eta, shift, out=p)
    np.exp(p, out=p)
    np.sum(p, axis=0, out=log_normaliser)
    np.negative(shift, out=reference)
    log_normaliser += np.exp(reference, out=reference)  # class 0's term, shifted like the others
    np.log(log_normaliser, out=log_normaliser)
    log_normaliser += shift
    np.subtract(eta, log_normaliser, out=p)
    np.exp(p, out=p)

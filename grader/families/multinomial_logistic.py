"""Multinomial logistic (softmax) regression: classes y_i in 0..K-1, class 0 the reference.

P(y_i = k) = exp(x_i·beta_k) / (1 + sum_l exp(x_i·beta_l)) for k = 1..K-1, with beta_k the k-th column of beta
(shape d x (K-1)); class 0's linear predictor is fixed at 0. K is max(y) + 1, and every class must occur.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DataError
from .base import Data, Family, Param, Params
from .count_data import require_counts
from .design import regression_arrays, require_full_rank, require_rows, row_blocks
from .domains import REAL
from .separation import class_separation, format_direction


class MultinomialLogistic(Family):
    """nll(beta) = sum_i [log(1 + sum_k exp(eta_ik)) - eta_i,y_i] with eta = X beta and eta_i0 = 0.

    beta is laid out row-major: theta index j (K-1) + k is beta[j, k], covariate j in class k+1's predictor.
    """

    id = "multinomial_logistic"
    data_names = ("X", "y")
    params = (Param("beta", REAL),)

    def param_shapes(self, data: Data) -> dict[str, tuple[int, ...]]:
        return {"beta": (data["X"].shape[1], _n_classes(data) - 1)}

    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        X, y = regression_arrays(arrays)
        require_counts("y", y, minimum=0, what="class labels 0..K-1")
        n = y.size
        k = int(y.max()) + 1
        if k < 2:
            raise DataError("every y is 0: multinomial logistic regression needs at least two classes, 0 and 1")
        if k > n:
            raise DataError(
                f"max(y) = {k - 1} implies {k} classes 0..{k - 1}, but there are only {n} observations: "
                "every class must occur in y"
            )
        missing = np.flatnonzero(np.bincount(y.astype(np.intp), minlength=k) == 0)
        if missing.size:
            listed = ", ".join(str(int(c)) for c in missing[:10]) + (" ..." if missing.size > 10 else "")
            raise DataError(
                f"y has classes 0..{k - 1} (K = max(y) + 1 = {k}), but class(es) {listed} never occur: "
                "every class must occur in y, so number the classes 0..K-1 without gaps"
            )
        d = X.shape[1]
        require_rows(X, d, f"to estimate {d} coefficient(s) per class")
        require_full_rank(X)
        return {"X": X, "y": y}

    # Predictors and probabilities are held class by class, shape (K-1, rows): each class's values are then
    # contiguous, and sums and maxima over classes are elementwise operations instead of slow short-axis reductions.
    def _nll(self, params: Params, data: Data) -> float:
        X, y, beta = data["X"], data["y"], params["beta"]
        total = 0.0
        for rows in row_blocks(X):
            eta = beta.T @ X[rows].T
            log_normaliser, _ = _softmax(eta)
            total += float(log_normaliser.sum() - np.vdot(_one_hot(y[rows], beta.shape[1]), eta))
        return total

    def _grad(self, params: Params, data: Data) -> np.ndarray:
        X, y, beta = data["X"], data["y"], params["beta"]
        g = np.zeros((beta.shape[1], beta.shape[0]))
        for rows in row_blocks(X):
            block = X[rows]
            _, p = _softmax(beta.T @ block.T)
            g += (p - _one_hot(y[rows], beta.shape[1])) @ block
        return g.T.ravel()

    def _hess(self, params: Params, data: Data) -> np.ndarray:
        X, beta = data["X"], params["beta"]
        d, k1 = beta.shape
        h = np.zeros((d, k1, d, k1))
        for rows in row_blocks(X):
            block = X[rows]
            log_normaliser, p = _softmax(beta.T @ block.T)
            reference = np.exp(-log_normaliser)
            for k in range(k1):
                # 1 - p_k summed from the other classes' probabilities: exact when p_k is close to 1.
                rest = reference + p[np.arange(k1) != k].sum(axis=0)
                # Block (k, l) is X' diag(p_k (delta_kl - p_l)) X; each weight has one sign, so the block is ±A'A
                # with A = sqrt(|weight|) X, which numpy computes as a symmetric rank-k update.
                a = block * np.sqrt(p[k] * rest)[:, None]
                h[:, k, :, k] += a.T @ a
                for l in range(k + 1, k1):
                    a = block * np.sqrt(p[k] * p[l])[:, None]
                    h[:, k, :, l] -= a.T @ a
        for k in range(k1):
            for l in range(k + 1, k1):
                h[:, l, :, k] = h[:, k, :, l].T
        return h.reshape(d * k1, d * k1)

    def _mle_problem(self, data: Data) -> str | None:
        X, y = data["X"], data["y"]
        separation = class_separation(X, y, _n_classes(data))
        if separation is None:
            return None
        b = format_direction(separation.direction)
        along = (
            f"along B = {b} (rows: columns of X; columns: classes 1..K-1; class 0's predictor fixed at 0)"
        )
        if separation.complete:
            return (
                f"the classes are perfectly separated by the linear predictors: {along}, every observation's own "
                "class gains on every other class, so the likelihood keeps increasing as beta moves along B and "
                "no MLE exists (complete separation)"
            )
        return (
            f"quasi-complete separation of the classes: {along}, no observation's own class loses ground to any "
            f"other class, and {separation.n_tied} observation(s) tie with another class; the likelihood keeps "
            "increasing as beta moves along B, so no MLE exists"
        )

    def _start(self, data: Data) -> Params:
        return {"beta": np.zeros((data["X"].shape[1], _n_classes(data) - 1))}

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


def _one_hot(y: np.ndarray, k1: int) -> np.ndarray:
    """Indicators of classes 1..K-1, shape (K-1, rows); class 0, the reference, has none."""
    return (y == np.arange(1.0, k1 + 1.0)[:, None]).astype(float)


def _softmax(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log(1 + sum_k exp(eta_k)) per column of eta (K-1, rows), and the probabilities of classes 1..K-1."""
    shift = np.maximum(eta.max(axis=0), 0.0)
    log_normaliser = shift + np.log(np.exp(-shift) + np.exp(eta - shift).sum(axis=0))
    return log_normaliser, np.exp(eta - log_normaliser)

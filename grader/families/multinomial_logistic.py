"""Multinomial logistic (softmax) regression: classes y_i in 0..K-1, class 0 the reference.

P(y_i = k) = exp(x_i·beta_k) / (1 + sum_l exp(x_i·beta_l)) for k = 1..K-1, with beta_k the k-th column of beta
(shape d x (K-1)); class 0's linear predictor is fixed at 0. K is max(y) + 1, and every class must occur.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DataError
from .base import Data, FusedFamily, Param, Params
from .count_data import require_counts
from . import scratch
from .design import block_rows, regression_arrays, require_full_rank, require_rows, row_blocks
from .domains import REAL
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
    @staticmethod
    def _passes(
        params: Params, data: Data, *, nll: bool = False, grad: bool = False, hess: bool = False
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """The requested quantities in one pass over X, sharing the predictors and the softmax; each is computed by
        the same operations whichever others are requested, so the fused hook equals the separate ones."""
        X, y, beta = data["X"], data["y"], params["beta"]
        d, k1 = beta.shape
        total, g, h = 0.0, np.zeros((k1, d)), np.zeros((d, k1, d, k1))
        classes = np.arange(1.0, k1 + 1.0)[:, None]
        # Temporaries live in per-thread scratch arrays (see scratch): fresh ones cost page faults at n = 10^4.
        largest = block_rows(X)
        buffers = scratch.arrays(*[(k1, largest)] * 3, *[(largest,)] * 4)
        per_class, per_row = buffers[:3], buffers[3:]
        for rows in row_blocks(X):
            block = X[rows]
            m = block.shape[0]
            eta, p, work = (array[:, :m] for array in per_class)
            log_normaliser, *spare = (array[:m] for array in per_row)
            np.matmul(beta.T, block.T, out=eta)
            _softmax(eta, log_normaliser, p, spare)
            if nll or grad:
                np.equal(y[rows], classes, out=work)  # indicators of classes 1..K-1; class 0 has none
            if nll:
                total += float(log_normaliser.sum() - np.vdot(work, eta))
            if grad:
                np.subtract(p, work, out=work)
                g += work @ block
            if hess:
                _add_hessian(h, block, log_normaliser, p, spare)
        if hess:
            for k in range(k1):
                for l in range(k + 1, k1):
                    h[:, l, :, k] = h[:, k, :, l].T
        return total, g.T.ravel(), h.reshape(d * k1, d * k1)

    def _explain_failure(self, data: Data) -> str | None:
        # A linear programme over the rows, run only when Newton failed: a verified optimum proves there is none.
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


def _softmax(eta: np.ndarray, log_normaliser: np.ndarray, p: np.ndarray, spare: list[np.ndarray]) -> None:
    """log(1 + sum_k exp(eta_k)) per column of eta (K-1, rows) into ``log_normaliser``, and the probabilities of
    classes 1..K-1 into ``p``; two of ``spare`` are scratch."""
    shift, reference = spare[0], spare[1]
    np.max(eta, axis=0, out=shift)
    np.maximum(shift, 0.0, out=shift)
    np.subtract(eta, shift, out=p)
    np.exp(p, out=p)
    np.sum(p, axis=0, out=log_normaliser)
    np.negative(shift, out=reference)
    np.exp(reference, out=reference)  # class 0's term, shifted like the others
    log_normaliser += reference
    np.log(log_normaliser, out=log_normaliser)
    log_normaliser += shift
    np.subtract(eta, log_normaliser, out=p)
    np.exp(p, out=p)


def _add_hessian(
    h: np.ndarray, block: np.ndarray, log_normaliser: np.ndarray, p: np.ndarray, spare: list[np.ndarray]
) -> None:
    """Add the rows' terms to the blocks (k, l), l >= k, of h (shape d, K-1, d, K-1); ``spare`` is scratch."""
    k1 = p.shape[0]
    reference, rest, weight = spare
    np.negative(log_normaliser, out=reference)
    np.exp(reference, out=reference)
    a = scratch.matrix(*block.shape)
    for k in range(k1):
        # 1 - p_k summed from the other classes' probabilities: exact when p_k is close to 1.
        np.copyto(rest, reference)
        for other in range(k1):
            if other != k:
                rest += p[other]
        # Block (k, l) is X' diag(p_k (delta_kl - p_l)) X; each weight has one sign, so the block is ±A'A with
        # A = sqrt(|weight|) X, which numpy computes as a symmetric rank-k update.
        np.multiply(p[k], rest, out=weight)
        np.sqrt(weight, out=weight)
        np.multiply(block, weight[:, None], out=a)
        h[:, k, :, k] += a.T @ a
        for l in range(k + 1, k1):
            np.multiply(p[k], p[l], out=weight)
            np.sqrt(weight, out=weight)
            np.multiply(block, weight[:, None], out=a)
            h[:, k, :, l] -= a.T @ a

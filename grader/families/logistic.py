"""Logistic regression: 0/1 outcomes y with P(y_i = 1) = expit(x_i·beta), X the full design matrix."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from ..messages import Message
from . import scratch
from .base import Data, FusedFamily, Param, Params
from .data_checks import require_binary
from .design import block_rows, regression_arrays, require_full_rank, require_rows, row_blocks, transpose_times
from .domains import REAL
from .glm import normal_equations_solve, symmetric, weighted_gram
from .separation import class_separation, format_direction


class Logistic(FusedFamily):
    """nll(beta) = sum_i log(1 + exp(-s_i x_i·beta)) with s_i = 2 y_i - 1; no closed form.

    The observed information is X' diag(p(1-p)) X, the same as the expected one (canonical link).
    """

    id = "logistic"
    data_names = ("X", "y")
    params = (Param("beta", REAL),)
    convex = True  # the Hessian X' diag(p (1 - p)) X is positive semi-definite at every beta

    def param_shapes(self, data: Data) -> dict[str, tuple[int, ...]]:
        return {"beta": (data["X"].shape[1],)}

    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        X, y = regression_arrays(arrays, order="F")  # column-major: see regression_arrays
        require_binary("y", y)
        d = X.shape[1]
        require_rows(X, d, f"to estimate {d} coefficient(s)")
        require_full_rank(X)
        return {"X": X, "y": y}

    @staticmethod
    def _passes(
        params: Params, data: Data, *, nll: bool = False, grad: bool = False, hess: bool = False
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """The requested quantities in one pass over X, sharing eta = X beta and exp(-|eta|); each is computed by
        the same operations whichever others are requested, so the fused hook equals the separate ones."""
        X, y, beta = data["X"], data["y"], params["beta"]
        n, d = X.shape
        # Temporaries live in per-thread scratch arrays (see scratch): fresh ones can cost page faults at n = 10^4.
        rows = block_rows(X)
        work, weighted = scratch.vectors(_VECTORS, rows), scratch.matrix(rows, d)
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
        return total, (np.zeros(d) if g is None else g), (np.zeros((d, d)) if h is None else symmetric(h))

    def _mle_problem(self, data: Data) -> Message | None:
        y = data["y"]
        n = y.size
        ones = int(y.sum())
        if ones in (0, n):
            which = "the only observation is" if n == 1 else f"all {n} observations of y are"
            return Message("logistic_no_mle", which=which, n=n, value=1 if ones else 0)
        return None

    def _explain_failure(self, data: Data) -> Message | None:
        # A linear programme over the rows (about 2 ms at n = 200): run only when Newton failed, since a verified
        # interior optimum already proves that no separation exists.
        X, y = data["X"], data["y"]
        separation = class_separation(X, y, 2)
        if separation is None:
            return None
        direction = format_direction(separation.direction)
        if separation.complete:
            return Message("logistic_complete_separation", direction=direction)
        return Message("logistic_quasi_separation", direction=direction, tied=separation.n_tied, n=y.size)

    def _start(self, data: Data) -> Params:
        # Newton's first iterate from beta = 0, where every p is 1/2: there the Hessian is X'X / 4 (remembered from
        # the rank check) and the gradient X'(1/2 - y), so the step costs one product X'y instead of a pass over
        # the likelihood, and Newton starts an iteration further on. Zero if X'X cannot be solved.
        X, y = data["X"], data["y"]
        beta = normal_equations_solve(X, transpose_times(X, 4.0 * y - 2.0))
        return {"beta": np.zeros(X.shape[1]) if beta is None else beta}

    def _example_data(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        n = int(rng.integers(40, 80))
        X = np.column_stack([np.ones(n), rng.uniform(-2.0, 2.0, size=(n, 2))])
        beta = np.array([-0.5, 0.8, -0.4])
        y = (rng.random(n) < expit(X @ beta)).astype(float)
        # The first d rows again with the other label: in every direction b some row has x·b ≠ 0, and one of its
        # two copies then contradicts b, so no separation exists and the MLE is interior whatever the draw.
        d = X.shape[1]
        return {"X": np.vstack([X, X[:d]]), "y": np.concatenate([y, 1.0 - y[:d]])}



# Per-row temporaries of a block: eta, exp(-|eta|), and three for the expressions built from them.
_VECTORS = 5


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
    """The nll, gradient and Hessian terms of these rows (None for what was not asked); ``work`` holds _VECTORS
    vectors of a block's length, ``weighted`` a block's shape."""
    eta, small, first, second, third = work
    np.matmul(X, beta, out=eta)
    # exp(-|eta|) never overflows: the small term of every expression below.
    np.abs(eta, out=small)
    np.negative(small, out=small)
    np.exp(small, out=small)
    total, g, h = 0.0, None, None
    if nll:
        # log(1 + exp(eta)) - y eta as max(eta, 0) - y eta + log1p(exp(-|eta|)): no overflow, the first two terms
        # exact (y is 0 or 1), and small terms keep their digits.
        np.maximum(eta, 0.0, out=first)
        first -= np.multiply(y, eta, out=second)
        first += np.log1p(small, out=second)
        total = float(first.sum())
    if not (grad or hess):
        return total, g, h
    # r = 1 / (1 + exp(-|eta|)) and q = exp(-|eta|) r, the smaller of p and 1 - p; p (1 - p) = q r. No overflow,
    # and no 1 - p rounding to 0.
    reciprocal = np.add(small, 1.0, out=first)
    np.divide(1.0, reciprocal, out=reciprocal)
    q = np.multiply(small, reciprocal, out=small)
    if hess:
        h = weighted_gram(X, np.multiply(q, reciprocal, out=second), weighted)
    if grad:
        # p - y = 1 - y - q for eta >= +0 and q - y below: exact to rounding even where p is within 1e-10 of y
        # (1 / (1 + e) - 1 would keep no digits of it).
        np.copysign(q, eta, out=q)
        residual = np.subtract(~np.signbit(eta), y, out=third)  # 1 - y or -y, exactly
        residual -= q
        g = residual @ X
    return total, g, h

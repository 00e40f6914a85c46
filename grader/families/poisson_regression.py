"""Poisson regression (log link): counts y_i ~ Poisson(exp(x_i·beta)), X the full design matrix."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..messages import Message
from . import scratch
from .base import Data, FusedFamily, Param, Params
from .count_data import log_factorial_sum, require_counts
from .design import (
    block_rows,
    regression_arrays,
    require_full_rank,
    require_rows,
    row_blocks,
    transpose_times,
)
from .domains import REAL
from .glm import normal_equations_solve, symmetric, weighted_gram
from .separation import count_recession, format_direction


class PoissonRegression(FusedFamily):
    """nll(beta) = sum_i exp(eta_i) - y_i eta_i + log(y_i!) with eta = X beta; no closed form.

    The observed information is X' diag(exp(eta)) X (canonical link).
    """

    id = "poisson_regression"
    data_names = ("X", "y")
    params = (Param("beta", REAL),)
    convex = True  # the Hessian X' diag(exp(eta)) X is positive semi-definite at every beta

    def param_shapes(self, data: Data) -> dict[str, tuple[int, ...]]:
        return {"beta": (data["X"].shape[1],)}

    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        X, y = regression_arrays(arrays, order="F")  # column-major: see regression_arrays
        require_counts("y", y, minimum=0, what="counts")
        d = X.shape[1]
        require_rows(X, d, f"to estimate {d} coefficient(s)")
        require_full_rank(X)
        return {"X": X, "y": y}

    @staticmethod
    def _passes(
        params: Params, data: Data, *, nll: bool = False, grad: bool = False, hess: bool = False
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """The requested quantities in one pass over X, sharing eta = X beta and mu = exp(eta); each is computed by
        the same operations whichever others are requested, so the fused hook equals the separate ones."""
        X, y, beta = data["X"], data["y"], params["beta"]
        n, d = X.shape
        # Temporaries live in per-thread scratch arrays (see scratch): fresh ones can cost page faults at n = 10^4.
        rows = block_rows(X)
        work, weighted = scratch.vectors(3, rows), scratch.matrix(rows, d)
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
        if nll:
            total += log_factorial_sum(y)
        return total, (np.zeros(d) if g is None else g), (np.zeros((d, d)) if h is None else symmetric(h))

    def _mle_problem(self, data: Data) -> Message | None:
        # All counts 0 is the one case worth the linear programme up front: a direction usually exists.
        return None if data["y"].any() else self._explain_failure(data)

    def _explain_failure(self, data: Data) -> Message | None:
        # Run only when Newton failed (and for all-zero counts): a verified optimum proves no direction exists.
        X, y = data["X"], data["y"]
        direction = count_recession(X, y)
        if direction is None:
            return None
        b = format_direction(direction)
        eta = X @ direction
        falling = int(np.sum(eta < -1e-9 * np.max(np.abs(eta))))
        if not y.any():
            return Message("poisson_regression_all_zero", n=y.size, direction=b, falling=falling)
        return Message("poisson_regression_zeros_fitted", direction=b, falling=falling)

    def _start(self, data: Data) -> Params:
        # The least-squares fit of log(y + 1/2) on X: the right scale of the means from the start, which beta = 0
        # (all means 1) lacks when the counts are large. The normal equations suffice for a start (X'X is
        # remembered from the rank check).
        X, y = data["X"], data["y"]
        beta = normal_equations_solve(X, transpose_times(X, np.log(y + 0.5)))
        # A wild extrapolation would start where exp(eta) is useless.
        if beta is None or not np.abs(X @ beta).max() < 50.0:
            beta = np.zeros(X.shape[1])
        return {"beta": beta}

    def _example_data(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        # Mutation counts against an exposure covariate: log mean = 0.5 + 0.3 x.
        n = int(rng.integers(30, 70))
        X = np.column_stack([np.ones(n), rng.uniform(-2.0, 2.0, n)])
        y = rng.poisson(np.exp(X @ np.array([0.5, 0.3]))).astype(float)
        # Positive counts at two distinct rows span R^2, which rules out every direction of recession.
        y[:2] = np.maximum(y[:2], 1.0)
        return {"X": X, "y": y}


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
    """These rows' sum of mu - y eta, gradient X'(mu - y) and Hessian X' diag(mu) X (None for what was not asked);
    ``work`` holds three vectors of a block's length, ``weighted`` a block's shape."""
    eta, mu, residual = work
    np.matmul(X, beta, out=eta)
    np.exp(eta, out=mu)
    total, g, h = 0.0, None, None
    if nll:
        total = float(mu.sum() - y @ eta)
    if grad:
        g = np.subtract(mu, y, out=residual) @ X
    if hess:
        h = weighted_gram(X, mu, weighted)
    return total, g, h

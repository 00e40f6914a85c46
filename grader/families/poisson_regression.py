"""Poisson regression (log link): counts y_i ~ Poisson(exp(x_i·beta)), X the full design matrix."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Data, Family, Param, Params
from .count_data import log_factorial_sum, require_counts
from .design import regression_arrays, require_full_rank, require_rows, row_blocks, transpose_times
from .domains import REAL
from .separation import count_recession, format_direction


class PoissonRegression(Family):
    """nll(beta) = sum_i exp(eta_i) - y_i eta_i + log(y_i!) with eta = X beta; no closed form.

    The observed information is X' diag(exp(eta)) X (canonical link).
    """

    id = "poisson_regression"
    data_names = ("X", "y")
    params = (Param("beta", REAL),)

    def param_shapes(self, data: Data) -> dict[str, tuple[int, ...]]:
        return {"beta": (data["X"].shape[1],)}

    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        X, y = regression_arrays(arrays)
        require_counts("y", y, minimum=0, what="counts")
        d = X.shape[1]
        require_rows(X, d, f"to estimate {d} coefficient(s)")
        require_full_rank(X)
        return {"X": X, "y": y}

    def _nll(self, params: Params, data: Data) -> float:
        X, y, beta = data["X"], data["y"], params["beta"]
        total = log_factorial_sum(y)
        for rows in row_blocks(X):
            eta = X[rows] @ beta
            total += float(np.exp(eta).sum() - y[rows] @ eta)
        return total

    def _grad(self, params: Params, data: Data) -> np.ndarray:
        X, y, beta = data["X"], data["y"], params["beta"]
        g = np.zeros(X.shape[1])
        for rows in row_blocks(X):
            block = X[rows]
            g += (np.exp(block @ beta) - y[rows]) @ block
        return g

    def _hess(self, params: Params, data: Data) -> np.ndarray:
        X, beta = data["X"], params["beta"]
        h = np.zeros((X.shape[1], X.shape[1]))
        for rows in row_blocks(X):
            block = X[rows]
            # X' diag(mu) X as A'A with A = sqrt(mu) X: a symmetric rank-k update, half the work of a general product.
            a = block * np.exp(0.5 * (block @ beta))[:, None]
            h += a.T @ a
        return h

    def _mle_problem(self, data: Data) -> str | None:
        X, y = data["X"], data["y"]
        direction = count_recession(X, y)
        if direction is None:
            return None
        b = format_direction(direction)
        eta = X @ direction
        falling = int(np.sum(eta < -1e-9 * np.max(np.abs(eta))))
        if not y.any():
            return (
                f"all {y.size} counts in y are 0: along b = {b}, X·b ≤ 0 for every observation (< 0 for {falling}), "
                "so the likelihood keeps increasing as beta moves along b (the fitted means fall to 0) and no MLE "
                "exists"
            )
        return (
            f"the zero counts can be fitted exactly: along b = {b}, X·b = 0 at every positive count and X·b < 0 "
            f"at {falling} zero count(s), so the likelihood keeps increasing as beta moves along b (those fitted "
            "means fall to 0) and no MLE exists"
        )

    def _start(self, data: Data) -> Params:
        # The least-squares fit of log(y + 1/2) on X: the right scale of the means from the start, which beta = 0
        # (all means 1) lacks when the counts are large. The normal equations suffice for a start (lstsq on the
        # small Gram matrix, which tolerates its being numerically singular).
        X, y = data["X"], data["y"]
        beta = np.linalg.lstsq(X.T @ X, transpose_times(X, np.log(y + 0.5)), rcond=None)[0]
        eta = X @ beta
        if not np.all(np.abs(eta) < 50.0):  # a wild extrapolation would start where exp(eta) is useless
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


"""Linear regression with normal errors: y_i = x_i·beta + e_i, e_i ~ N(0, sigma^2), X the full design matrix."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .base import Data, Family, Param, Params
from .design import (
    least_squares,
    null_space,
    regression_arrays,
    require_full_rank,
    require_rows,
    transpose_times,
)
from .domains import POSITIVE, REAL

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class Linear(Family):
    """nll(beta, sigma) = n/2 log(2 pi sigma^2) + RSS(beta) / (2 sigma^2).

    The MLE is the least-squares beta and sigma = sqrt(RSS / n): the divisor is n, not the n - d of the unbiased
    variance estimate (statsmodels' scale).
    """

    id = "linear"
    data_names = ("X", "y")
    params = (Param("beta", REAL), Param("sigma", POSITIVE))

    def param_shapes(self, data: Data) -> dict[str, tuple[int, ...]]:
        return {"beta": (data["X"].shape[1],), "sigma": ()}

    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        X, y = regression_arrays(arrays)
        d = X.shape[1]
        require_rows(X, d + 1, f"to estimate {d} coefficient(s) and sigma")
        require_full_rank(X)
        return {"X": X, "y": y}

    @staticmethod
    def _residuals(params: Params, data: Data) -> np.ndarray:
        return data["y"] - data["X"] @ params["beta"]

    def _nll(self, params: Params, data: Data) -> float:
        r = self._residuals(params, data)
        sigma = params["sigma"]
        return r.size * (_HALF_LOG_2PI + np.log(sigma)) + (r @ r) / (2.0 * sigma**2)

    def _grad(self, params: Params, data: Data) -> np.ndarray:
        r = self._residuals(params, data)
        sigma = params["sigma"]
        rss = r @ r
        g_beta = -transpose_times(data["X"], r) / sigma**2
        return np.append(g_beta, r.size / sigma - rss / sigma**3)

    def _hess(self, params: Params, data: Data) -> np.ndarray:
        X = data["X"]
        r = self._residuals(params, data)
        sigma = params["sigma"]
        d = X.shape[1]
        h = np.empty((d + 1, d + 1))
        h[:d, :d] = (X.T @ X) / sigma**2
        h[:d, d] = h[d, :d] = 2.0 * transpose_times(X, r) / sigma**3
        h[d, d] = -r.size / sigma**2 + 3.0 * (r @ r) / sigma**4
        return h

    def _closed_form(self, data: Data) -> Params:
        beta, rss = least_squares(data["X"], data["y"])
        return {"beta": beta, "sigma": math.sqrt(rss / data["y"].size)}

    def _mle_problem(self, data: Data) -> str | None:
        X, y = data["X"], data["y"]
        # X has full rank, so [X y] loses rank exactly when y is a combination of X's columns: all residuals 0.
        if null_space(np.column_stack([X, y])).shape[1] == 0:
            return None
        return (
            "y is an exact linear combination of the columns of X (every residual of the least-squares fit is 0 "
            "up to rounding): the MLE of sigma is 0, on the boundary of sigma > 0, so no interior maximum exists"
        )

    def _start(self, data: Data) -> Params:
        # Least squares on every other row, and the sigma that is optimal for that beta: near the optimum, so both
        # optimisers need half the iterations they need from beta = 0 (trust-exact's radius starts at 1 and must
        # grow to |beta|), yet not the closed form, which the optimum is checked against. The normal equations of
        # the half are cheap, and lstsq on the tiny Gram matrix copes if the half alone is rank-deficient.
        X, y = data["X"], data["y"]
        half_X, half_y = X[::2], y[::2]
        beta = np.linalg.lstsq(half_X.T @ half_X, half_X.T @ half_y, rcond=None)[0]
        r = y - X @ beta
        sigma = float(np.sqrt(r @ r / y.size))
        if not (np.isfinite(sigma) and sigma > 0.0):  # cannot happen once _mle_problem has excluded exact fits
            beta, sigma = np.zeros(X.shape[1]), float(np.sqrt(y @ y / y.size))
        return {"beta": beta, "sigma": sigma}

    def _example_data(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        # The seed notebook's protein concentration: y = 2 + 3 x + N(0, 2^2), x ~ U(0, 10).
        n = int(rng.integers(20, 60))
        x = rng.uniform(0.0, 10.0, n)
        X = np.column_stack([np.ones(n), x])
        return {"X": X, "y": 2.0 + 3.0 * x + rng.normal(0.0, 2.0, n)}

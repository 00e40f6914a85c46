"""Logistic regression: 0/1 outcomes y with P(y_i = 1) = expit(x_i·beta), X the full design matrix."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from .base import Data, Family, Param, Params
from .data_checks import require_values
from .design import regression_arrays, require_full_rank, require_rows, row_blocks
from .domains import REAL
from .separation import class_separation, format_direction


class Logistic(Family):
    """nll(beta) = sum_i log(1 + exp(-s_i x_i·beta)) with s_i = 2 y_i - 1; no closed form.

    The observed information is X' diag(p(1-p)) X, the same as the expected one (canonical link).
    """

    id = "logistic"
    data_names = ("X", "y")
    params = (Param("beta", REAL),)

    def param_shapes(self, data: Data) -> dict[str, tuple[int, ...]]:
        return {"beta": (data["X"].shape[1],)}

    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        X, y = regression_arrays(arrays)
        require_values("y", y, (0.0, 1.0))
        d = X.shape[1]
        require_rows(X, d, f"to estimate {d} coefficient(s)")
        require_full_rank(X)
        return {"X": X, "y": y}

    def _nll(self, params: Params, data: Data) -> float:
        X, y, beta = data["X"], data["y"], params["beta"]
        total = 0.0
        for rows in row_blocks(X):
            # log(1 + exp(z)) with z = -s*eta, written so that exp never overflows and small terms keep their digits.
            z = (1.0 - 2.0 * y[rows]) * (X[rows] @ beta)
            total += float(np.maximum(z, 0.0).sum() + np.log1p(np.exp(-np.abs(z))).sum())
        return total

    def _grad(self, params: Params, data: Data) -> np.ndarray:
        X, y, beta = data["X"], data["y"], params["beta"]
        g = np.zeros(X.shape[1])
        for rows in row_blocks(X):
            block = X[rows]
            g += (expit(block @ beta) - y[rows]) @ block
        return g

    def _hess(self, params: Params, data: Data) -> np.ndarray:
        X, beta = data["X"], params["beta"]
        h = np.zeros((X.shape[1], X.shape[1]))
        for rows in row_blocks(X):
            block = X[rows]
            # sqrt(p (1 - p)) = exp(-|eta|/2) / (1 + exp(-|eta|)): no overflow, and no 1 - p rounding to 0.
            half = np.exp(-0.5 * np.abs(block @ beta))
            # X' W X as A'A with A = sqrt(W) X: numpy computes A.T @ A as a symmetric rank-k update, half the work.
            a = block * (half / (1.0 + half * half))[:, None]
            h += a.T @ a
        return h

    def _mle_problem(self, data: Data) -> str | None:
        X, y = data["X"], data["y"]
        n = y.size
        ones = int(y.sum())
        if ones in (0, n):
            value = 1 if ones else 0
            which = "the only observation is" if n == 1 else f"all {n} observations of y are"
            return (
                f"{which} {value}: the likelihood keeps increasing as the fitted probabilities approach {value}, "
                "so no MLE exists"
            )
        separation = class_separation(X, y, 2)
        if separation is None:
            return None
        b = format_direction(separation.direction)
        if separation.complete:
            return (
                f"the classes are perfectly separated by the linear predictor: with b = {b}, X·b > 0 for every "
                "y = 1 and X·b < 0 for every y = 0, so the likelihood keeps increasing as beta moves along b and "
                "no MLE exists (complete separation)"
            )
        return (
            f"quasi-complete separation of the classes: with b = {b}, X·b ≥ 0 for every y = 1 and X·b ≤ 0 for "
            f"every y = 0, with X·b = 0 at {separation.n_tied} of the {n} observations; the likelihood keeps "
            "increasing as beta moves along b, so no MLE exists"
        )

    def _start(self, data: Data) -> Params:
        return {"beta": np.zeros(data["X"].shape[1])}

    def _example_data(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        n = int(rng.integers(40, 80))
        X = np.column_stack([np.ones(n), rng.uniform(-2.0, 2.0, size=(n, 2))])
        beta = np.array([-0.5, 0.8, -0.4])
        y = (rng.random(n) < expit(X @ beta)).astype(float)
        # The first d rows again with the other label: in every direction b some row has x·b ≠ 0, and one of its
        # two copies then contradicts b, so no separation exists and the MLE is interior whatever the draw.
        d = X.shape[1]
        return {"X": np.vstack([X, X[:d]]), "y": np.concatenate([y, 1.0 - y[:d]])}


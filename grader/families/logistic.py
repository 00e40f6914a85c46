"""Logistic regression: 0/1 outcomes y with P(y_i = 1) = expit(x_i·beta), X the full design matrix."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from .base import Data, FusedFamily, Param, Params
from .data_checks import require_values
from . import scratch
from .design import block_rows, regression_arrays, require_full_rank, require_rows, row_blocks
from .domains import REAL
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
        require_values("y", y, (0.0, 1.0))
        d = X.shape[1]
        require_rows(X, d, f"to estimate {d} coefficient(s)")
        require_full_rank(X)
        return {"X": X, "y": y}

    @staticmethod
    def _passes(
        params: Params, data: Data, *, nll: bool = False, grad: bool = False, hess: bool = False
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """The requested quantities in one pass over X, sharing eta = X beta and exp(-|eta|/2); each is computed
        by the same operations whichever others are requested, so the fused hook equals the separate ones."""
        X, y, beta = data["X"], data["y"], params["beta"]
        d = X.shape[1]
        total, g, h = 0.0, np.zeros(d), np.zeros((d, d))
        # Temporaries live in per-thread scratch arrays (see scratch): fresh ones cost page faults at n = 10^4.
        buffers = scratch.vectors(5, block_rows(X))
        for rows in row_blocks(X):
            block = X[rows]
            eta, half, small, work, residual = (buffer[: block.shape[0]] for buffer in buffers)
            np.matmul(block, beta, out=eta)
            # exp(-|eta|/2) never overflows; its square is exp(-|eta|), the small term of every expression below.
            np.abs(eta, out=half)
            half *= -0.5
            np.exp(half, out=half)
            np.multiply(half, half, out=small)
            if nll:
                # log(1 + exp(z)) with z = -s*eta, s = 2y - 1, as max(z, 0) + log1p(exp(-|z|)): no overflow, and
                # small terms keep their digits.
                np.multiply(y[rows], -2.0, out=work)
                work += 1.0
                work *= eta
                np.maximum(work, 0.0, out=work)
                total += float(work.sum())
                np.log1p(small, out=work)
                total += float(work.sum())
            if not (grad or hess):
                continue
            np.add(small, 1.0, out=work)
            if grad:
                # p - y with q = exp(-|eta|) / (1 + exp(-|eta|)), the smaller of p and 1 - p: p - y = 1 - y - q for
                # eta >= +0 and q - y below. Exact to rounding even where p is within 1e-10 of y (1 / (1 + e) - 1
                # would keep no digits of it), and a quarter of the cost of scipy's expit.
                np.divide(small, work, out=small)  # q; small is not needed again
                np.copysign(small, eta, out=small)
                np.subtract(~np.signbit(eta), y[rows], out=residual)  # 1 - y or -y, exactly
                residual -= small
                g += residual @ block
            if hess:
                # sqrt(p (1 - p)) = exp(-|eta|/2) / (1 + exp(-|eta|)): no overflow, and no 1 - p rounding to 0.
                # X' W X as A'A with A = sqrt(W) X: numpy computes A.T @ A as a symmetric rank-k update.
                np.divide(half, work, out=half)
                a = np.multiply(block, half[:, None], out=scratch.matrix(*block.shape))
                h += a.T @ a
        return total, g, h

    def _mle_problem(self, data: Data) -> str | None:
        y = data["y"]
        n = y.size
        ones = int(y.sum())
        if ones in (0, n):
            value = 1 if ones else 0
            which = "the only observation is" if n == 1 else f"all {n} observations of y are"
            return (
                f"{which} {value}: the likelihood keeps increasing as the fitted probabilities approach {value}, "
                "so no MLE exists"
            )
        return None

    def _explain_failure(self, data: Data) -> str | None:
        # A linear programme over the rows (about 2 ms at n = 200): run only when Newton failed, since a verified
        # interior optimum already proves that no separation exists.
        X, y = data["X"], data["y"]
        separation = class_separation(X, y, 2)
        if separation is None:
            return None
        b = format_direction(separation.direction)
        n = y.size
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


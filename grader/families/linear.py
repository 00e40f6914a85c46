"""Linear regression with normal errors: y_i = x_i·beta + e_i, e_i ~ N(0, sigma^2), X the full design matrix."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..messages import Message
from ..verification import HESSIAN_COND_MAX, ROUNDING_ULPS, STATIONARY_SE_TOL, STEP_REL_TOL, Verification
from .base import Data, ExactSolution, FusedFamily, Param, Params
from .design import (
    gram,
    gram_proves_full_rank,
    least_squares,
    null_space,
    regression_arrays,
    require_full_rank,
    require_rows,
    solve_least_squares,
    transpose_times,
)
from .domains import POSITIVE, REAL

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
CONVEXITY_CERTIFICATE = Message("certificate_gaussian_convex")


class Linear(FusedFamily):
    """nll(beta, sigma) = n/2 log(2 pi sigma^2) + RSS(beta) / (2 sigma^2).

    The MLE is the least-squares beta and sigma = sqrt(RSS / n): the divisor is n, not the n - d of the unbiased
    variance estimate (statsmodels' scale).

    The key is that closed form (``_exact_fit``), proven the MLE rather than trusted: written in gamma = beta /
    sigma and phi = 1 / sigma, nll = n ln sqrt(2 pi) - n ln phi + |phi y - X gamma|^2 / 2 is strictly convex when
    [X y] has full column rank (which ``_mle_problem`` establishes), so a point where the analytic gradient
    vanishes, with a positive-definite Hessian, is the unique global minimum. (``fit`` runs Newton on the
    likelihood only for a family without such an exact method; a test checks that it reaches the same key.)
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
    def _passes(
        params: Params, data: Data, *, nll: bool = False, grad: bool = False, hess: bool = False
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """The requested quantities from the residuals r, their sum of squares and X'r, each computed once (and
        X'X once per data set): the same operations whichever are requested, so the fused hook equals the rest."""
        X, beta, sigma = data["X"], params["beta"], params["sigma"]
        n, d = X.shape
        r = data["y"] - X @ beta
        rss = r @ r
        cross = transpose_times(X, r) if grad or hess else None
        value, g, h = 0.0, np.empty(0), np.empty((0, 0))
        if nll:
            value = n * (_HALF_LOG_2PI + np.log(sigma)) + rss / (2.0 * sigma**2)
        if grad:
            g = np.append(-cross / sigma**2, n / sigma - rss / sigma**3)
        if hess:
            h = np.empty((d + 1, d + 1))
            h[:d, :d] = gram(X) / sigma**2
            h[:d, d] = h[d, :d] = 2.0 * cross / sigma**3
            h[d, d] = -n / sigma**2 + 3.0 * rss / sigma**4
        return value, g, h

    def _closed_form(self, data: Data) -> Params:
        beta, rss = least_squares(data["X"], data["y"])
        return {"beta": beta, "sigma": math.sqrt(rss / data["y"].size)}

    def _exact_fit(self, data: Data) -> ExactSolution | None:
        # The closed form, and the evidence that it is a strict stationary point of the likelihood: the gradient
        # there, and the Newton step in standard errors, from the same factorisation of X'X the solve used. At the
        # optimum the Hessian is [[X'X, 2 X'r / sigma], [2 r'X / sigma, 2n]] / sigma^2: definite exactly when its
        # Schur complement 2n - 4 r'X (X'X)^-1 X'r / sigma^2 is positive (X'r is rounding, so it is about 2n).
        X, y = data["X"], data["y"]
        fit = solve_least_squares(X, y)
        n, d = X.shape
        sigma = math.sqrt(fit.rss / n)
        cross = transpose_times(X, fit.residuals)
        variance = sigma * sigma
        theta, gradient, se, step = np.empty(d + 1), np.empty(d + 1), np.empty(d + 1), np.empty(d + 1)
        theta[:d], theta[d] = fit.beta, sigma
        # sigma = sqrt(RSS / n) zeroes d nll / d sigma = n / sigma - RSS / sigma^3 up to rounding.
        gradient[:d], gradient[d] = cross / -variance, n / sigma - fit.rss / (variance * sigma)
        se[:d], se[d] = np.sqrt(fit.gram_inverse_diagonal) * sigma, sigma / math.sqrt(2.0 * n)
        step[:d], step[d] = fit.next_step, gradient[d] * variance / (2.0 * n)
        explained = float(cross @ fit.next_step)  # r'X (X'X)^-1 X'r: rounding at a stationary beta
        schur = 2.0 * n - 4.0 * explained / variance
        allowed = np.maximum(STATIONARY_SE_TOL * se, ROUNDING_ULPS * np.spacing(np.abs(theta)))
        problems: list[Message] = []
        # The unit-diagonal Hessian is X'X scaled to unit diagonal, bordered by a 1 and rounding: its condition
        # number is that of the scaled X'X, which the solve measured or bounded.
        if not (schur > 0.0 and fit.condition_number < HESSIAN_COND_MAX):
            problems.append(
                Message("linear_hessian_ill_conditioned", condition=fit.condition_number, limit=HESSIAN_COND_MAX)
            )
        elif not (np.abs(step) <= allowed).all():
            worst = int(np.argmax(np.abs(step) / allowed))
            label = self.element_labels(data)[worst]
            problems.append(Message(
                "closed_form_not_stationary", label=label, step=float(step[worst]),
                step_se=float(abs(step[worst]) / se[worst]), tolerance=STATIONARY_SE_TOL,
            ))
        elif not (np.abs(step) <= STEP_REL_TOL * np.maximum(np.abs(theta), se)).all():
            problems.append(Message("closed_form_step_above_rounding"))
        verification = Verification(
            grad_norm=float(np.linalg.norm(gradient)),
            hessian_definite=not problems or schur > 0.0,
            closed_form_max_rel_diff=None,
            second_method_max_rel_diff=None,
            passed=not problems,
            problems=tuple(problems),
            newton_decrement=math.sqrt((max(explained, 0.0) + 2.0 * n * step[d] ** 2) / variance),
            certificate=None if problems else CONVEXITY_CERTIFICATE,
        )
        return ExactSolution(
            theta=theta,
            se=se,
            iterations=0,
            method=Message("closed_form_fit_certified", solver=fit.method, certificate=CONVEXITY_CERTIFICATE),
            verification=verification,
        )

    def _mle_problem(self, data: Data) -> Message | None:
        X, y = data["X"], data["y"]
        # X has full rank, so [X y] loses rank exactly when y is a combination of X's columns: all residuals 0.
        # The Gram matrix of [X y] is X'X (remembered) bordered by X'y and y'y, two cheap passes; it settles the
        # usual case, and the QR of [X y] the rest.
        d = X.shape[1]
        bordered = np.empty((d + 1, d + 1))
        bordered[:d, :d] = gram(X)
        bordered[:d, d] = bordered[d, :d] = transpose_times(X, y)
        bordered[d, d] = y @ y
        if gram_proves_full_rank(bordered) or null_space(np.column_stack([X, y])).shape[1] == 0:
            return None
        return Message("linear_no_mle")

    def _start(self, data: Data) -> Params:
        # Least squares on half the rows, and the sigma that is optimal for that beta: near the optimum, so both
        # optimisers need half the iterations they need from beta = 0 (trust-exact's radius starts at 1 and must
        # grow to |beta|), yet not the closed form, which the optimum is checked against. The normal equations of
        # the half are cheap, and lstsq on the tiny Gram matrix copes if the half alone is rank-deficient.
        X, y = data["X"], data["y"]
        half = max(X.shape[1], y.size // 2)  # the first half of the rows: a contiguous block, cheap to multiply
        half_X, half_y = X[:half], y[:half]
        beta = np.linalg.lstsq(half_X.T @ half_X, transpose_times(half_X, half_y), rcond=None)[0]
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

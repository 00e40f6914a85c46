"""Binomial: k successes out of n trials per observation, one success probability p shared by all of them."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DataError
from ..messages import Message
from .base import Data, Family, Param, Params
from .count_data import log_factorial_sum, log_tangent_gap, require_counts
from .data_checks import float_array
from .domains import UNIT_INTERVAL


class Binomial(Family):
    """nll(p) = -sum ln C(n_i, k_i) - K ln p - (N - K) ln(1 - p) with K = sum k, N = sum n; the MLE is K / N.

    ``k`` and ``n`` are numbers or 1-D arrays of equal length; a single number is shared by every observation
    (k = [3, 5, 4] with n = 10). The validated data hold both as 1-D arrays of the same length, one per observation.
    """

    id = "binomial"
    data_names = ("k", "n")
    params = (Param("p", UNIT_INTERVAL),)
    convex = True  # the nll's second derivative k / p^2 + (n - k) / (1 - p)^2 is positive

    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        k = _number_or_vector("k", arrays["k"])
        n = _number_or_vector("n", arrays["n"])
        if k.size != n.size and 1 not in (k.size, n.size):
            raise DataError("binomial_lengths_differ", k_size=k.size, n_size=n.size)
        k, n = (_frozen(np.broadcast_to(a, (max(k.size, n.size),))) for a in (k, n))
        require_counts("n", n, minimum=1, what="numbers of trials")
        require_counts("k", k, minimum=0, what="numbers of successes")
        over = k > n
        if over.any():
            i = int(np.argmax(over))
            raise DataError(
                "binomial_successes_exceed_trials", count=int(over.sum()), index=i, k=float(k[i]), n=float(n[i])
            )
        return {"k": k, "n": n}

    @staticmethod
    def _counts(data: Data) -> tuple[float, float]:
        successes = float(data["k"].sum())
        return successes, float(data["n"].sum()) - successes

    @staticmethod
    def _log_coefficients(data: Data) -> float:
        k, n = data["k"], data["n"]
        return log_factorial_sum(n) - log_factorial_sum(k) - log_factorial_sum(n - k)

    def _nll(self, params: Params, data: Data) -> float:
        # -ln C - K ln p - (N - K) ln(1 - p) written as nll(q) + K gap(p / q) + (N - K) gap((1 - p) / (1 - q))
        # with q = K / N (the linear parts of the two gaps cancel). With 10^6 trials the direct form subtracts terms
        # of 1e6 from an nll of 7, and its rounding hides the last Newton steps from the line search. Only the
        # value is centred: the derivatives, and so the optimum, do not use q.
        p = params["p"]
        successes, failures = self._counts(data)
        constant = self._log_coefficients(data)
        if not (successes and failures):  # q on the boundary: the direct form, where 0 ln 0 = 0
            return -(constant + successes * np.log(p) + failures * np.log1p(-p))
        q, q_failure = successes / (successes + failures), failures / (successes + failures)  # 1 - q, precisely
        at_q = -(constant + successes * np.log(q) + failures * np.log(q_failure))
        gap_successes = log_tangent_gap(p / q, (p - q) / q)
        gap_failures = log_tangent_gap((1.0 - p) / q_failure, (q - p) / q_failure)
        return at_q + successes * gap_successes + failures * gap_failures

    def _grad(self, params: Params, data: Data) -> np.ndarray:
        p = params["p"]
        successes, failures = self._counts(data)
        return np.array([-successes / p + failures / (1.0 - p)])

    def _hess(self, params: Params, data: Data) -> np.ndarray:
        p = params["p"]
        successes, failures = self._counts(data)
        return np.array([[successes / p**2 + failures / (1.0 - p) ** 2]])

    def _closed_form(self, data: Data) -> Params:
        successes, failures = self._counts(data)
        return {"p": successes / (successes + failures)}

    def _mle_problem(self, data: Data) -> Message | None:
        successes, failures = self._counts(data)
        if successes and failures:
            return None
        outcome, value = ("successes", 1) if successes else ("failures", 0)
        return Message("binomial_no_mle", trials=int(successes + failures), outcome=outcome, value=value)

    def _example_data(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        rows = int(rng.integers(5, 15))
        n = rng.integers(5, 30, size=rows)
        k = rng.binomial(n, rng.uniform(0.25, 0.75))
        # One row of no successes and one of all successes guarantee an interior MLE whatever the draw.
        k[0], k[1] = 0, n[1]
        return {"k": k.astype(float), "n": n.astype(float)}


def _number_or_vector(name: str, value: Any) -> np.ndarray:
    try:
        ndim = np.ndim(value)
    except (TypeError, ValueError):
        ndim = 1  # a ragged list: float_array says why it cannot be read
    if ndim > 1:
        raise DataError("binomial_not_vector", name=name, shape=np.shape(value))
    return _frozen(np.atleast_1d(float_array(name, value, ndim=ndim)))


def _frozen(array: np.ndarray) -> np.ndarray:
    copy = np.array(array, dtype=np.float64)
    copy.flags.writeable = False
    return copy

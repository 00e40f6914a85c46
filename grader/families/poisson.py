"""Poisson: independent counts x with mean lam."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..messages import Message
from .base import Data, Family, Param, Params
from .count_data import log_factorial_sum, log_tangent_gap, require_counts
from .data_checks import float_array
from .domains import POSITIVE


class Poisson(Family):
    """nll(lam) = n lam - S ln lam + sum ln(x_i!) with S = sum x; the MLE is S / n when S > 0."""

    id = "poisson"
    data_names = ("x",)
    params = (Param("lam", POSITIVE),)
    convex = True  # the nll's second derivative sum(x) / lam^2 is never negative

    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        x = float_array("x", arrays["x"], ndim=1)
        require_counts("x", x, minimum=0, what="counts (0, 1, 2, ...)")
        return {"x": x}

    @staticmethod
    def _summary(data: Data) -> tuple[int, float]:
        x = data["x"]
        return x.size, float(x.sum())

    def _nll(self, params: Params, data: Data) -> float:
        # n lam - S ln lam + sum ln x! written as nll(m) + S gap(lam / m) with m = S / n. For counts near 1e7 the
        # direct form adds terms of 1e9 to an nll of 10, and its rounding (1e-7) hides the last Newton steps from
        # the line search. Only the value is centred: the derivatives, and so the optimum, do not use m.
        lam = params["lam"]
        n, total = self._summary(data)
        if total == 0:
            return n * lam + log_factorial_sum(data["x"])
        mean = total / n
        at_mean = total - total * np.log(mean) + log_factorial_sum(data["x"])
        return at_mean + total * log_tangent_gap(lam / mean, (lam - mean) / mean)

    def _grad(self, params: Params, data: Data) -> np.ndarray:
        n, total = self._summary(data)
        return np.array([n - total / params["lam"]])

    def _hess(self, params: Params, data: Data) -> np.ndarray:
        _, total = self._summary(data)
        return np.array([[total / params["lam"] ** 2]])

    def _closed_form(self, data: Data) -> Params:
        n, total = self._summary(data)
        return {"lam": total / n}

    def _mle_problem(self, data: Data) -> Message | None:
        n, total = self._summary(data)
        if total > 0:
            return None
        which = "the only count is" if n == 1 else f"all {n} counts are"
        return Message("poisson_no_mle", which=which, n=n)

    def _start(self, data: Data) -> Params:
        # On the data's scale (counts near 1e6 would take Newton many halvings from lam = 1), not the closed form.
        return {"lam": float(np.median(data["x"])) + 0.5}

    def _example_data(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        n = int(rng.integers(20, 60))
        x = rng.poisson(rng.uniform(0.5, 8.0), size=n)
        x[0] = max(int(x[0]), 1)  # a positive count guarantees an interior MLE
        return {"x": x.astype(float)}

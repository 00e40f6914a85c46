"""Bernoulli: independent 0/1 observations y with success probability p."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..messages import Message
from .base import Data, Family, Param, Params
from .data_checks import float_array, require_binary
from .domains import UNIT_INTERVAL


class Bernoulli(Family):
    """nll(p) = -(k ln p + (n - k) ln(1 - p)) with k = sum(y); the MLE is k / n when 0 < k < n."""

    id = "bernoulli"
    data_names = ("y",)
    params = (Param("p", UNIT_INTERVAL),)
    convex = True  # the nll's second derivative k / p^2 + (n - k) / (1 - p)^2 is positive

    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        y = float_array("y", arrays["y"], ndim=1)
        require_binary("y", y)
        return {"y": y}

    @staticmethod
    def _counts(data: Data) -> tuple[float, float]:
        y = data["y"]
        k = float(y.sum())
        return k, y.size - k

    def _nll(self, params: Params, data: Data) -> float:
        p = params["p"]
        ones, zeros = self._counts(data)
        # log1p(-p) keeps precision for small p, where 1 - p rounds away the information.
        return -(ones * np.log(p) + zeros * np.log1p(-p))

    def _grad(self, params: Params, data: Data) -> np.ndarray:
        p = params["p"]
        ones, zeros = self._counts(data)
        return np.array([-ones / p + zeros / (1.0 - p)])

    def _hess(self, params: Params, data: Data) -> np.ndarray:
        p = params["p"]
        ones, zeros = self._counts(data)
        return np.array([[ones / p**2 + zeros / (1.0 - p) ** 2]])

    def _closed_form(self, data: Data) -> Params:
        ones, zeros = self._counts(data)
        return {"p": ones / (ones + zeros)}

    def _mle_problem(self, data: Data) -> Message | None:
        ones, zeros = self._counts(data)
        if ones and zeros:
            return None
        n = int(ones + zeros)
        which = "the only observation is" if n == 1 else f"all {n} observations are"
        return Message("bernoulli_no_mle", which=which, n=n, value=1 if ones else 0)

    def _example_data(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        n = int(rng.integers(20, 60))
        y = (rng.random(n) < rng.uniform(0.25, 0.75)).astype(float)
        # Guarantee both outcomes, so the MLE is interior whatever the draw.
        y[:2] = (0.0, 1.0)
        return {"y": y}

"""Exponential: independent non-negative waiting times x with rate lambda (named ``rate``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DataError
from ..messages import Message
from .base import Data, Family, Param, Params
from .data_checks import float_array
from .domains import POSITIVE


class Exponential(Family):
    """nll(rate) = -n ln rate + rate S with S = sum x; the MLE is n / S = 1 / mean(x) when S > 0.

    x = 0 is allowed: the density rate * exp(-rate x) is defined and positive at 0 (scipy's expon agrees), and
    recorded waiting times rounded to a whole unit do contain zeros. Only data that are all 0 lack an MLE.
    """

    id = "exponential"
    data_names = ("x",)
    params = (Param("rate", POSITIVE),)
    convex = True  # the nll's second derivative n / rate^2 is positive

    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        x = float_array("x", arrays["x"], ndim=1)
        negative = x < 0
        if negative.any():
            i = int(np.argmax(negative))
            raise DataError("exponential_negative", count=int(negative.sum()), value=float(x[i]), index=i)
        return {"x": x}

    @staticmethod
    def _summary(data: Data) -> tuple[int, float]:
        x = data["x"]
        return x.size, float(x.sum())

    def _nll(self, params: Params, data: Data) -> float:
        rate = params["rate"]
        n, total = self._summary(data)
        return -n * np.log(rate) + rate * total

    def _grad(self, params: Params, data: Data) -> np.ndarray:
        n, total = self._summary(data)
        return np.array([-n / params["rate"] + total])

    def _hess(self, params: Params, data: Data) -> np.ndarray:
        n, _ = self._summary(data)
        return np.array([[n / params["rate"] ** 2]])

    def _closed_form(self, data: Data) -> Params:
        n, total = self._summary(data)
        return {"rate": n / total}

    def _mle_problem(self, data: Data) -> Message | None:
        n, total = self._summary(data)
        if total > 0:
            return None
        which = "the only observation is" if n == 1 else f"all {n} observations are"
        return Message("exponential_no_mle", which=which, n=n)

    def _start(self, data: Data) -> Params:
        # On the data's scale (times near 1e8 would take Newton many halvings from rate = 1), not the closed
        # form: ln 2 / median is the rate whose median is the data's median. The median may be 0; the maximum not.
        x = data["x"]
        median = float(np.median(x))
        return {"rate": float(np.log(2.0)) / (median if median > 0 else float(x.max()))}

    def _example_data(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        n = int(rng.integers(20, 60))
        return {"x": rng.exponential(1.0 / rng.uniform(0.3, 3.0), size=n)}

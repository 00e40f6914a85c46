"""Normal: independent observations x with mean mu and standard deviation sigma."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..messages import Message
from .base import Data, Family, Param, Params
from .data_checks import float_array
from .domains import POSITIVE, REAL

_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)
# Below this sigma / |mu| the data vary only in their last few digits: mu is known to half a rounding unit, which
# moves sigma by (eps |mu| / sigma)^2 relative, near the verification's 1e-8 once the ratio is near 1e-12.
_MIN_RELATIVE_SPREAD = 1e-11


class Normal(Family):
    """nll(mu, sigma) = n ln(2 pi) / 2 + n ln sigma + S / (2 sigma^2) with S = sum (x - mu)^2.

    The MLE is mu = mean(x) and sigma = sqrt(mean((x - mu)^2)): the divisor is n, not n - 1.
    """

    id = "normal"
    data_names = ("x",)
    params = (Param("mu", REAL), Param("sigma", POSITIVE))

    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        return {"x": float_array("x", arrays["x"], ndim=1)}

    @staticmethod
    def _moments(params: Params, data: Data) -> tuple[int, float, float]:
        """n, sum (x - mu) and sum (x - mu)^2: the nll and its derivatives depend on the data only through them."""
        deviations = data["x"] - params["mu"]
        return deviations.size, float(deviations.sum()), float(deviations @ deviations)

    def _nll(self, params: Params, data: Data) -> float:
        sigma = params["sigma"]
        n, _, squares = self._moments(params, data)
        return n * (_HALF_LOG_TWO_PI + np.log(sigma)) + squares / (2.0 * sigma**2)

    def _grad(self, params: Params, data: Data) -> np.ndarray:
        sigma = params["sigma"]
        n, total, squares = self._moments(params, data)
        return np.array([-total / sigma**2, n / sigma - squares / sigma**3])

    def _hess(self, params: Params, data: Data) -> np.ndarray:
        sigma = params["sigma"]
        n, total, squares = self._moments(params, data)
        cross = 2.0 * total / sigma**3
        return np.array([[n / sigma**2, cross], [cross, -n / sigma**2 + 3.0 * squares / sigma**4]])

    def _closed_form(self, data: Data) -> Params:
        x = data["x"]
        mu = float(np.mean(x))
        # Deviations from the mean, not mean(x^2) - mu^2: the latter cancels catastrophically when |mu| >> sigma.
        deviations = x - mu
        return {"mu": mu, "sigma": math.sqrt(float(deviations @ deviations) / x.size)}

    def _mle_problem(self, data: Data) -> Message | None:
        x = data["x"]
        if np.all(x == x[0]):
            which = "the only observation is" if x.size == 1 else f"all {x.size} observations equal"
            return Message("normal_no_mle", which=which, n=x.size, value=float(x[0]))
        mle = self._closed_form(data)
        mu, sigma = float(mle["mu"]), float(mle["sigma"])
        if sigma < _MIN_RELATIVE_SPREAD * abs(mu):
            return Message(
                "normal_spread_below_precision", sigma=sigma, ratio=sigma / abs(mu), mu=abs(mu),
                threshold=_MIN_RELATIVE_SPREAD,
            )
        return None

    def _start(self, data: Data) -> Params:
        # Robust location and scale (median, mean absolute deviation from it scaled to sigma for normal data):
        # on the data's own scale, so Newton starts within reach whether x is near 1e8 or spread by 1e-6, and
        # deliberately not the closed form. The scale is positive whenever x has two distinct values.
        x = data["x"]
        centre = float(np.median(x))
        spread = float(np.mean(np.abs(x - centre))) * math.sqrt(math.pi / 2.0)
        return {"mu": centre, "sigma": spread if spread > 0 else 1.0}

    def _example_data(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        n = int(rng.integers(20, 60))
        return {"x": rng.normal(rng.uniform(-3.0, 3.0), rng.uniform(0.5, 2.0), size=n)}

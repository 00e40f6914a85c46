"""A family's negative log-likelihood seen through the unconstrained coordinates z (theta = g(z) elementwise).

With x = g(z): grad_z = g'(z) * grad_x and hess_z = diag(g') H_x diag(g') + diag(g''(z) * grad_x).
Trial points of an optimiser may leave the representable domain (expit(40) rounds to 1); such points get an
nll of +inf, which every step-acceptance rule rejects, instead of a warning or an exception.
"""

from __future__ import annotations

import numpy as np

from .families import Data, Family


class UnconstrainedObjective:
    def __init__(self, family: Family, data: Data):
        self.family = family
        self.data = data
        self._domains = family.element_domains(data)

    def to_z(self, theta: np.ndarray) -> np.ndarray:
        return np.array([d.to_unconstrained(t) for d, t in zip(self._domains, theta, strict=True)], dtype=float)

    def to_theta(self, z: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # exp(800) -> inf marks the point as outside, see interior()
            return np.array([d.from_unconstrained(v) for d, v in zip(self._domains, z, strict=True)], dtype=float)

    def interior(self, theta: np.ndarray) -> bool:
        return all(bool(d.contains(t)) for d, t in zip(self._domains, theta, strict=True))

    def _derivatives(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(over="ignore"):
            pairs = [d.derivatives(v) for d, v in zip(self._domains, z, strict=True)]
        return np.array([p[0] for p in pairs], dtype=float), np.array([p[1] for p in pairs], dtype=float)

    def value(self, z: np.ndarray) -> float:
        theta = self.to_theta(z)
        if not self.interior(theta):
            return np.inf
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            f = float(self.family._nll(self.family._unpack(theta, self.data), self.data))
        return f if np.isfinite(f) else np.inf

    def gradient(self, z: np.ndarray) -> np.ndarray:
        theta = self.to_theta(z)
        if not self.interior(theta):
            return np.full(z.shape, np.nan)
        first, _ = self._derivatives(z)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            return first * self._natural_gradient(theta)

    def hessian(self, z: np.ndarray) -> np.ndarray:
        theta = self.to_theta(z)
        if not self.interior(theta):
            return np.full((z.size, z.size), np.nan)
        first, second = self._derivatives(z)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            params = self.family._unpack(theta, self.data)
            g = np.asarray(self.family._grad(params, self.data), dtype=float)
            h = np.asarray(self.family._hess(params, self.data), dtype=float)
            return first[:, None] * h * first[None, :] + np.diag(second * g)

    def _natural_gradient(self, theta: np.ndarray) -> np.ndarray:
        params = self.family._unpack(theta, self.data)
        return np.asarray(self.family._grad(params, self.data), dtype=float)

    def describe(self) -> str:
        """The coordinates the optimiser moves in, e.g. "logit p" or "mu, log sigma"."""
        return ", ".join(
            param.name if param.domain.transform == "identity" else f"{param.domain.transform} {param.name}"
            for param in self.family.params
        )

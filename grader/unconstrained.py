"""A family's negative log-likelihood seen through the unconstrained coordinates z (theta = g(z) elementwise).

With x = g(z): grad_z = g'(z) * grad_x and hess_z = diag(g') H_x diag(g') + diag(g''(z) * grad_x).
Trial points of an optimiser may leave the representable domain (expit(40) rounds to 1); such points get an
nll of +inf, which every step-acceptance rule rejects, instead of a warning or an exception.

Each likelihood hook is a pass over the data (at n = 10^6 a Hessian costs tens of milliseconds), and a fit asks
for the same point several times: the Hessian in z needs the natural gradient too, scipy asks for the value,
gradient and Hessian of one point separately, the second method's stopping test and the verification look at
points already evaluated. The objective therefore remembers the hooks' results for the last few points it saw
(per instance, i.e. per fit; the values are exactly those a fresh call would return).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from .families import Data, Family
from .families.domains import Domain

# Points remembered: a Newton iteration or a trust-region step touches at most two or three.
_CACHE_POINTS = 8


class UnconstrainedObjective:
    def __init__(self, family: Family, data: Data):
        self.family = family
        self.data = data
        self._domains = family.element_domains(data)
        # Elements of one parameter share a domain: map each run of equal domains with one vectorised call.
        self._runs: list[tuple[slice, Domain]] = []
        start = 0
        for i in range(1, len(self._domains) + 1):
            if i == len(self._domains) or self._domains[i] is not self._domains[start]:
                self._runs.append((slice(start, i), self._domains[start]))
                start = i
        self._cache: OrderedDict[tuple[str, bytes], Any] = OrderedDict()

    def to_z(self, theta: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        return self._map(theta, lambda domain, part: domain.to_unconstrained(part))

    def to_theta(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        with np.errstate(over="ignore"):  # exp(800) -> inf marks the point as outside, see interior()
            return self._map(z, lambda domain, part: domain.from_unconstrained(part))

    def _map(self, values: np.ndarray, function: Callable[[Domain, np.ndarray], np.ndarray]) -> np.ndarray:
        out = np.empty(len(self._domains), dtype=float)
        for where, domain in self._runs:
            out[where] = function(domain, values[where])
        return out

    def interior(self, theta: np.ndarray) -> bool:
        return all(bool(np.all(domain.contains(theta[where]))) for where, domain in self._runs)

    def _derivatives(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        first, second = np.empty(z.size), np.empty(z.size)
        with np.errstate(over="ignore"):
            for where, domain in self._runs:
                first[where], second[where] = domain.derivatives(z[where])
        return first, second

    def _remember(self, kind: str, z: np.ndarray, compute: Callable[[], Any]) -> Any:
        key = (kind, np.ascontiguousarray(z, dtype=float).tobytes())
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = compute()
        self._cache[key] = value
        if len(self._cache) > 3 * _CACHE_POINTS:
            self._cache.popitem(last=False)
        return value

    def _hook(self, kind: str, z: np.ndarray) -> Any:
        """The family's _nll, _grad or _hess at theta = g(z), computed once per point; None outside the domain."""

        def compute() -> Any:
            theta = self.to_theta(z)
            if not self.interior(theta):
                return None
            hook = {"nll": self.family._nll, "grad": self.family._grad, "hess": self.family._hess}[kind]
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                value = hook(self.family._unpack(theta, self.data), self.data)
            if kind == "nll":
                return float(value)
            value = np.asarray(value, dtype=float)
            value.flags.writeable = False  # shared by every caller that asks for this point
            return value

        return self._remember(kind, z, compute)

    def natural_nll(self, z: np.ndarray) -> float | None:
        """The nll at theta = g(z) as the family computes it (may be inf or nan); None outside the domain."""
        return self._hook("nll", z)

    def natural_gradient(self, z: np.ndarray) -> np.ndarray | None:
        """The nll's gradient in the natural parametrisation at theta = g(z); None outside the domain."""
        value = self._hook("grad", z)
        return None if value is None else np.atleast_1d(value)

    def natural_hessian(self, z: np.ndarray) -> np.ndarray | None:
        """The nll's Hessian in the natural parametrisation at theta = g(z); None outside the domain."""
        value = self._hook("hess", z)
        return None if value is None else np.atleast_2d(value)

    def value(self, z: np.ndarray) -> float:
        f = self.natural_nll(z)
        return f if f is not None and np.isfinite(f) else np.inf

    def gradient(self, z: np.ndarray) -> np.ndarray:
        g = self.natural_gradient(z)
        if g is None:
            return np.full(z.shape, np.nan)
        first, _ = self._derivatives(z)
        with np.errstate(over="ignore", invalid="ignore"):
            return first * g

    def hessian(self, z: np.ndarray) -> np.ndarray:
        g, h = self.natural_gradient(z), self.natural_hessian(z)
        if g is None or h is None:
            return np.full((z.size, z.size), np.nan)
        first, second = self._derivatives(z)
        with np.errstate(over="ignore", invalid="ignore"):
            return first[:, None] * h * first[None, :] + np.diag(second * g)

    def describe(self) -> str:
        """The coordinates the optimiser moves in, e.g. "logit p" or "mu, log sigma"."""
        return ", ".join(
            param.name if param.domain.transform == "identity" else f"{param.domain.transform} {param.name}"
            for param in self.family.params
        )

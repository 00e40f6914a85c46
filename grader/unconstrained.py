"""A family's negative log-likelihood seen through the unconstrained coordinates z (theta = g(z) elementwise).

With x = g(z): grad_z = g'(z) * grad_x and hess_z = diag(g') H_x diag(g') + diag(g''(z) * grad_x).
Trial points of an optimiser may leave the representable domain (expit(40) rounds to 1); such points get an
nll of +inf, which every step-acceptance rule rejects, instead of a warning or an exception. When every parameter
lives on the real line (the regression families), z is theta and the map, its derivatives and the domain test
are skipped: at n = 200 they cost more than the likelihood itself.

Each likelihood hook is a pass over the data (at n = 10^6 a Hessian costs tens of milliseconds), and a fit asks
for the same point several times: the Hessian in z needs the natural gradient too, scipy asks for the value,
gradient and Hessian of one point separately, the second method's stopping test and the verification look at
points already evaluated. The objective therefore remembers the hooks' results for the last few points it saw
(per instance, i.e. per fit; the values are exactly those a fresh call would return). ``evaluate``, Newton's call,
asks for the gradient and Hessian with or without the value at once, through the family's fused hooks (one pass
over the data sharing eta); where z is theta it remembers nothing, since Newton keeps what it needs of each point.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .families import Data, Family
from .families.domains import Domain

# Points remembered: a Newton iteration or a trust-region step touches at most two or three.
_CACHE_POINTS = 8
# Which of the three hooks: the index into a point's remembered values.
_NLL, _GRAD, _HESS = 0, 1, 2
_KINDS = (_NLL, _GRAD, _HESS)
_MISSING = object()


class UnconstrainedObjective:
    def __init__(self, family: Family, data: Data):
        self.family = family
        self.data = data
        self.shapes = family.param_shapes(data)  # computed once: a family may derive them from the data
        # Elements of one parameter share a domain: each parameter's run is mapped with one vectorised call.
        self._runs: list[tuple[slice, Domain]] = []
        self._size = 0
        for name, shape in self.shapes.items():
            size = math.prod(shape)
            self._runs.append((slice(self._size, self._size + size), family.domain(name)))
            self._size += size
        self.identity = all(domain.transform == "identity" for _, domain in self._runs)
        # Convex in z: where z is theta, exactly when the family's nll is convex in theta.
        self.convex = self.identity and family.convex
        self._hooks = (family._nll, family._grad, family._hess)
        self._fused = type(family)._nll_grad_hess is not Family._nll_grad_hess
        self._points: dict[bytes, list[Any]] = {}  # in insertion order: the oldest is dropped first

    def to_z(self, theta: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        if self.identity:
            return theta.copy()
        return self._map(theta, lambda domain, part: domain.to_unconstrained(part))

    def to_theta(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        if self.identity:
            return z.copy()
        with np.errstate(over="ignore"):  # exp(800) -> inf marks the point as outside, see interior()
            return self._map(z, lambda domain, part: domain.from_unconstrained(part))

    def _map(self, values: np.ndarray, function: Callable[[Domain, np.ndarray], np.ndarray]) -> np.ndarray:
        out = np.empty(self._size, dtype=float)
        for where, domain in self._runs:
            out[where] = function(domain, values[where])
        return out

    def interior(self, theta: np.ndarray) -> bool:
        if self.identity:
            return bool(np.isfinite(theta).all())
        return all(bool(np.all(domain.contains(theta[where]))) for where, domain in self._runs)

    def _derivatives(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        first, second = np.empty(z.size), np.empty(z.size)
        with np.errstate(over="ignore"):
            for where, domain in self._runs:
                first[where], second[where] = domain.derivatives(z[where])
        return first, second

    def _natural(self, kinds: tuple[int, ...], z: np.ndarray) -> list[Any]:
        """The family's _nll, _grad and/or _hess (kinds 0, 1, 2) at theta = g(z), each computed once per point;
        None outside the domain. The gradient comes back 1-D and the Hessian 2-D, read-only: they are shared."""
        point = z.tobytes() if z.dtype == float and z.flags.c_contiguous else np.ascontiguousarray(z, float).tobytes()
        known = self._points.get(point)
        if known is None:
            known = self._points[point] = [_MISSING, _MISSING, _MISSING]
            if len(self._points) > _CACHE_POINTS:
                del self._points[next(iter(self._points))]  # the oldest point
        missing = [kind for kind in kinds if known[kind] is _MISSING]
        if missing:
            self._compute(known, missing, z)
        return [known[kind] for kind in kinds]

    def _compute(self, known: list[Any], missing: list[int], z: np.ndarray) -> None:
        theta = z if self.identity else self.to_theta(z)  # _unpack copies what the hooks see
        if not self.interior(theta):
            known[:] = [None, None, None]
            return
        params = self.family._unpack(theta, self.data, self.shapes)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            if self._fused and len(missing) > 1:
                computed = dict(enumerate(self.family._nll_grad_hess(params, self.data)))
            else:
                computed = {kind: self._hooks[kind](params, self.data) for kind in missing}
        for kind, value in computed.items():
            if known[kind] is not _MISSING:  # already remembered: keep the value every caller has seen
                continue
            if kind == _NLL:
                known[kind] = float(value)
            else:
                # The hooks return fresh arrays: frozen in place (no copy), the gradient 1-D, the Hessian 2-D.
                array = np.asarray(value, dtype=float)
                if array.ndim != kind:
                    array = np.array(array, ndmin=kind)
                array.flags.writeable = False
                known[kind] = array

    def natural(self, z: np.ndarray) -> tuple[float | None, np.ndarray | None, np.ndarray | None]:
        """The nll, gradient and Hessian in the natural parametrisation at theta = g(z); None outside the domain."""
        nll, gradient, hessian = self._natural(_KINDS, z)
        return nll, gradient, hessian

    def natural_nll(self, z: np.ndarray) -> float | None:
        """The nll at theta = g(z) as the family computes it (may be inf or nan); None outside the domain."""
        return self._natural((_NLL,), z)[0]

    def natural_gradient(self, z: np.ndarray) -> np.ndarray | None:
        """The nll's gradient in the natural parametrisation at theta = g(z); None outside the domain."""
        return self._natural((_GRAD,), z)[0]

    def natural_hessian(self, z: np.ndarray) -> np.ndarray | None:
        """The nll's Hessian in the natural parametrisation at theta = g(z); None outside the domain."""
        return self._natural((_HESS,), z)[0]

    def value(self, z: np.ndarray) -> float:
        f = self.natural_nll(z)
        return f if f is not None and math.isfinite(f) else math.inf

    def gradient(self, z: np.ndarray) -> np.ndarray:
        return self._in_z(z, None, self.natural_gradient(z), None)[1]

    def hessian(self, z: np.ndarray) -> np.ndarray:
        if self.identity:  # no chain rule, so no gradient needed
            h = self.natural_hessian(z)
            return np.full((z.size, z.size), np.nan) if h is None else h
        return self._in_z(z, None, self.natural_gradient(z), self.natural_hessian(z))[2]

    def evaluate(self, z: np.ndarray, value: bool = True) -> tuple[Any, np.ndarray, np.ndarray]:
        """Value, gradient and Hessian in z at once (+inf and NaN arrays outside the domain); the value is None when
        ``value`` is False and the objective did not compute it.

        When z is theta (every parameter on the real line) this is one call of the family's fused hook and nothing
        else, its arrays the caller's own: Newton evaluates each point once and keeps what it needs, and at n = 200
        the bookkeeping of remembering points would cost as much as the pass itself. Otherwise the point is
        remembered like any other, and the arrays are read-only.
        """
        if not self.identity:
            return self._in_z(z, *self._natural(_KINDS, z))
        size = z.size
        if not math.isfinite(z.sum()) and not np.isfinite(z).all():  # a finite sum settles it at less cost
            return math.inf, np.full(size, np.nan), np.full((size, size), np.nan)
        params = self.family._unpack(z, self.data, self.shapes)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            if value:
                f, g, h = self.family._nll_grad_hess(params, self.data)
            else:
                f, (g, h) = None, self.family._grad_hess(params, self.data)
        g, h = np.asarray(g, dtype=float), np.asarray(h, dtype=float)
        if g.shape != (size,) or h.shape != (size, size):  # a family with one scalar parameter
            g, h = g.reshape(size), h.reshape(size, size)
        if f is not None:
            f = float(f)
            if not math.isfinite(f):
                f = math.inf
        return f, g, h

    def _in_z(self, z: np.ndarray, f: Any, g: Any, h: Any) -> tuple[float, np.ndarray, np.ndarray]:
        value = f if f is not None and math.isfinite(f) else math.inf
        if g is None:
            return value, np.full(z.shape, np.nan), np.full((z.size, z.size), np.nan)
        if self.identity:
            return value, g, np.full((z.size, z.size), np.nan) if h is None else h
        first, second = self._derivatives(z)
        with np.errstate(over="ignore", invalid="ignore"):
            gradient = first * g
            if h is None:
                return value, gradient, np.full((z.size, z.size), np.nan)
            return value, gradient, first[:, None] * h * first[None, :] + np.diag(second * g)

    def describe(self) -> str:
        """The coordinates the optimiser moves in, e.g. "logit p" or "mu, log sigma"."""
        return ", ".join(
            param.name if param.domain.transform == "identity" else f"{param.domain.transform} {param.name}"
            for param in self.family.params
        )

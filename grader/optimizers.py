"""The two optimisers of a fit, both in unconstrained z with analytic derivatives, never finite differences.

``newton_minimize`` (the primary) is Newton's method with safeguards: the Hessian's eigenvalues are floored so
every step is a descent direction; a backtracking line search rejects steps that raise the nll (or leave the
domain, where the objective is +inf); iterations are capped. Convergence is a Newton step below STEP_TOL relative
to z, after which one more step reaches machine precision.

``trust_exact_minimize`` (the second method) is scipy's exact trust-region method from the same start; the
verification compares the two optima.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from .unconstrained import UnconstrainedObjective

STEP_TOL = 1e-10
MAX_ITERATIONS = 200
_MAX_HALVINGS = 60
_ARMIJO = 1e-4
# Relative floor for Hessian eigenvalues when the Hessian is not positive definite away from the optimum.
_EIGEN_FLOOR = 1e-8
# A trust-region stop that scipy calls a failure still counts when the point is stationary to this (per observation).
STATIONARY_TOL_PER_OBS = 1e-8
# Near the optimum the nll changes by less than its rounding error; accept steps within that noise.
_NOISE = 16 * np.finfo(float).eps


@dataclass(frozen=True)
class OptimizerResult:
    z: np.ndarray
    iterations: int
    converged: bool
    message: str


def newton_minimize(objective: UnconstrainedObjective, z0: np.ndarray) -> OptimizerResult:
    z = np.array(z0, dtype=float)
    f = objective.value(z)
    if not np.isfinite(f):
        return OptimizerResult(z, 0, False, "the negative log-likelihood is not finite at the starting point")
    for iteration in range(1, MAX_ITERATIONS + 1):
        g, h = objective.gradient(z), objective.hessian(z)
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(h))):
            return OptimizerResult(z, iteration - 1, False, "the gradient or Hessian is not finite")
        step, positive_definite = _newton_step(g, h)
        small = bool(np.all(np.abs(step) <= STEP_TOL * (1.0 + np.abs(z))))
        t = 1.0
        for _ in range(_MAX_HALVINGS):
            candidate = z - t * step
            f_new = objective.value(candidate)
            if f_new <= f - _ARMIJO * t * float(g @ step) + _NOISE * abs(f):
                break
            t /= 2
        else:
            if small and positive_definite:
                return OptimizerResult(z, iteration - 1, True, "converged (final step within rounding)")
            return OptimizerResult(z, iteration - 1, False, "the line search found no decrease")
        z, f = candidate, f_new
        if small and positive_definite:
            return OptimizerResult(z, iteration, True, "converged")
    return OptimizerResult(z, MAX_ITERATIONS, False, f"no convergence in {MAX_ITERATIONS} iterations")


def _newton_step(g: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, bool]:
    """H^-1 g with H's eigenvalues floored at a positive value, and whether H was positive definite."""
    eigenvalues, vectors = np.linalg.eigh((h + h.T) / 2)
    scale = max(float(np.max(np.abs(eigenvalues))), 1e-300)
    positive_definite = bool(eigenvalues.min() > 0)
    floored = np.maximum(np.abs(eigenvalues), _EIGEN_FLOOR * scale)
    return vectors @ ((vectors.T @ g) / floored), positive_definite


def trust_exact_minimize(objective: UnconstrainedObjective, z0: np.ndarray, n: int) -> OptimizerResult:
    """The second method: scipy's exact trust-region minimiser, run from the same start, checked against Newton."""
    # Gradients of an nll summed over n observations carry rounding noise proportional to n.
    gtol = 1e-10 * max(1.0, float(n))
    # scipy's trust-region arithmetic meets the +inf trial values outside the domain; those steps are rejected.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = minimize(
            objective.value,
            np.array(z0, dtype=float),
            jac=objective.gradient,
            hess=objective.hessian,
            method="trust-exact",
            options={"gtol": gtol, "maxiter": MAX_ITERATIONS},
        )
    z = np.asarray(result.x, dtype=float)
    if result.success:
        return OptimizerResult(z, int(result.nit), True, str(result.message))
    # At the optimum the predicted and actual reductions are both rounding noise, and scipy may stop with
    # "A bad approximation caused failure to predict improvement" although it is there. What counts is the
    # stationarity of the point it returned, judged like the primary's, in the same units.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        final_gradient = objective.gradient(z)
    tolerance = STATIONARY_TOL_PER_OBS * max(1.0, float(n))
    stationary = bool(np.all(np.isfinite(final_gradient))) and float(np.linalg.norm(final_gradient)) <= tolerance
    return OptimizerResult(z, int(result.nit), stationary, str(result.message))

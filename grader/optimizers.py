"""The two optimisers of a fit, both in unconstrained z with analytic derivatives, never finite differences.

``newton_minimize`` (the primary) is Newton's method with safeguards: the Hessian's eigenvalues are floored so
every step is a descent direction; the full step is taken when it decreases the nll enough (Armijo), and only
otherwise does a backtracking line search shorten it (rejecting steps that raise the nll or leave the domain, where
the objective is +inf); iterations are capped. For a convex objective (the regression families) a full step is
accepted on the gradient at its end, which proves the decrease without comparing values, so the nll is computed
only where a step needs the comparison and at the point Newton stops at. Convergence is a Newton step below
STEP_TOL relative to z, after which one more step reaches machine precision, or, at a point already that close, a
step too small to matter (below _NEGLIGIBLE_SE standard errors), which is then not taken. Newton hands back the
value, gradient and Hessian of the point it stops at, which the fit verifies without another pass.

``trust_exact_minimize`` (the second method) is scipy's exact trust-region method from the same start, stopped by
the verification's scale-free stationarity test; the verification compares the two optima.

Both ask the objective for values, gradients and Hessians, each at most once per point (see ``unconstrained``), so
the second method's stopping test and the verification cost no extra pass over the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dposv
from scipy.optimize import OptimizeResult, minimize

from .messages import Message
from .unconstrained import UnconstrainedObjective
from .verification import is_stationary, near_optimum

STEP_TOL = 1e-10
# A Newton step at most this many standard errors is not worth taking (the verification asks for 1e-6).
_NEGLIGIBLE_SE = 1e-12
MAX_ITERATIONS = 200
_MAX_HALVINGS = 60
_ARMIJO = 1e-4
# Relative floor for Hessian eigenvalues when the Hessian is not positive definite away from the optimum.
_EIGEN_FLOOR = 1e-8
# Near the optimum the nll changes by less than its rounding error; accept steps within that noise.
_NOISE = 16 * np.finfo(float).eps
# A Newton step of at most 0.01 standard errors (squared decrement 1e-4) is taken without comparing nll values.
_TRUSTED_DECREMENT = 1e-4


@dataclass(frozen=True)
class OptimizerResult:
    z: np.ndarray
    iterations: int
    converged: bool
    message: str  # a Message: why it stopped
    # Newton's: the objective's value, gradient and Hessian in z at z, which it evaluated (None from trust-exact).
    value: float | None = None
    gradient: np.ndarray | None = None
    hessian: np.ndarray | None = None


def newton_minimize(
    objective: UnconstrainedObjective, z0: np.ndarray, max_iterations: int = MAX_ITERATIONS, done: int = 0
) -> OptimizerResult:
    """Newton from z0, counting iterations from ``done`` (a run resumed where an earlier one stopped) up to
    ``max_iterations`` in all."""
    z = np.array(z0, dtype=float)
    # The gradient and Hessian of each trial point come from one pass over the data, with the value when it is
    # needed: nearly every full Newton step is accepted, and then the next iteration needs them there anyway. For
    # a convex objective most steps are accepted on the gradient at their end (see below), and the nll, a third of
    # a logistic pass, is computed only for the steps that need it and for the point Newton stops at.
    lazy = objective.convex
    f: float | None
    f, g, h = objective.evaluate(z, value=not lazy)

    def value_at_z() -> float:
        return objective.value(z) if f is None else f

    def result(iterations: int, converged: bool, message: str) -> OptimizerResult:
        return OptimizerResult(z, iterations, converged, message, value_at_z(), g, h)

    if f is None and not math.isfinite(g.sum() + h.sum()):
        f = value_at_z()  # the message must say whether the value itself is finite
    if f is not None and not math.isfinite(f):
        return result(done, False, Message("optimizer_start_not_finite"))
    for iteration in range(done + 1, max_iterations + 1):
        step, positive_definite = _newton_step(g, h)
        slope = float(g @ step)
        # A NaN or infinity in g or in H's lower triangle (the part read) makes the step, hence the slope, not
        # finite: only then is the elementwise test needed.
        if not math.isfinite(slope) and not (np.isfinite(g).all() and np.isfinite(h).all()):
            return result(iteration - 1, False, Message("optimizer_derivatives_not_finite"))
        # Small: every |step_i| at most STEP_TOL (1 + |z_i|), with H positive definite (so it heads for a minimum).
        small = positive_definite and bool((np.abs(step) - STEP_TOL * np.abs(z)).max() <= STEP_TOL)
        if small and np.max(np.abs(step) * np.sqrt(h.diagonal())) <= _NEGLIGIBLE_SE:
            # The step left is small next to z and a negligible fraction of a standard error (|step_i| sqrt(H_ii)
            # bounds step_i in its standard errors from above): z is the optimum to that precision, and taking
            # the step would only cost one more evaluation of the likelihood.
            return result(iteration - 1, True, Message("optimizer_converged"))
        candidate = z - step
        # With H positive definite, slope = g'H^-1 g is the squared Newton decrement: the step in standard errors,
        # squared. Below _TRUSTED_DECREMENT the predicted decrease can be smaller than the rounding noise of the nll
        # (residuals 1e-4 of y ~ 1e3 carry relative errors of 1e-9), so comparing values would reject good steps at
        # random; there, deep inside Newton's region of quadratic convergence, the full step is taken as it is.
        # Otherwise the full step is taken when it decreases the nll enough, as nearly every step does; the line
        # search runs only when it does not.
        trusted = positive_definite and 0.0 <= slope <= _TRUSTED_DECREMENT
        f_new: float | None
        f_new, g_new, h_new = objective.evaluate(candidate, value=not lazy or trusted or small)
        if f_new is not None:
            accepted = (trusted and f_new < math.inf) or _sufficient_decrease(f_new, value_at_z(), 1.0, slope)
        else:
            # Convexity gives f(z) >= f(candidate) + g_new'(z - candidate) = f(candidate) + g_new'step: a gradient
            # at the candidate with g_new'step >= _ARMIJO slope proves Armijo's decrease without either value (the
            # step stopped short of the minimum along its line, as Newton's steps towards a GLM's optimum do).
            accepted = positive_definite and slope > 0.0 and float(g_new @ step) >= _ARMIJO * slope
            if not accepted:
                f_new = objective.value(candidate)
                accepted = _sufficient_decrease(f_new, value_at_z(), 1.0, slope)
        if not accepted:
            f = value_at_z()
            t = 1.0
            for _ in range(_MAX_HALVINGS - 1):
                t /= 2
                candidate = z - t * step
                f_new = objective.value(candidate)
                if _sufficient_decrease(f_new, f, t, slope):
                    break
            else:
                if small:
                    return result(iteration - 1, True, Message("optimizer_converged_within_rounding"))
                return result(iteration - 1, False, Message("optimizer_no_decrease"))
            f_new, g_new, h_new = objective.evaluate(candidate)
        z, f, g, h = candidate, f_new, g_new, h_new
        if small:
            return result(iteration, True, Message("optimizer_converged"))
    return result(max_iterations, False, Message("optimizer_iteration_limit", iterations=max_iterations))


def _sufficient_decrease(f_new: float, f: float, t: float, slope: float) -> bool:
    """Armijo's condition for the step t * step, with the rounding noise of the nll allowed (False for inf, nan)."""
    return f_new <= f - _ARMIJO * t * slope + _NOISE * abs(f)


def _newton_step(g: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, bool]:
    """H^-1 g, and whether H is positive definite; where it is not, H's eigenvalues are floored at a positive value.

    Both are judged on S = D H D with D = diag(|H_ii|)^-1/2, not on H: parameters on different scales (mu near
    1e3 with sigma = 1e-6 gives curvatures 1e12 n and 2 n) must not look ill-conditioned, or the floor cuts the
    steps of the flat coordinate thousands of times short. S has the same definiteness as H and a unit diagonal.
    A Cholesky factorisation settles definiteness at a fraction of an eigendecomposition's cost; the eigenvalues
    are needed only when it fails or a pivot shows an eigenvalue of S below the floor (each pivot bounds the
    smallest eigenvalue from above). Cholesky's rounding does not depend on a diagonal scaling (the factor of S is
    D L, to rounding, for H = L L'), so H itself is factorised, and S's pivots are L_ii^2 / H_ii.
    """
    # LAPACK's dposv: the Cholesky factor and the solution in one call, info > 0 when H is not positive definite.
    # Only the lower triangle is read, by dposv and by eigh alike: H need not be symmetric to the last bit.
    factor, solution, info = dposv(h, g, lower=1)
    if info == 0:
        pivots = factor.diagonal()
        if (pivots * pivots / h.diagonal()).min() > _EIGEN_FLOOR:
            return solution, True
    if not (np.isfinite(g).all() and np.isfinite(h).all()):  # no eigenvalues to be had: a step that says so
        return np.full(g.shape, np.nan), False
    d = _diagonal_scale(h)
    eigenvalues, vectors = np.linalg.eigh(h * (d[:, None] * d))
    scale = max(float(np.max(np.abs(eigenvalues))), 1e-300)
    positive_definite = bool(eigenvalues.min() > 0)
    floored = np.maximum(np.abs(eigenvalues), _EIGEN_FLOOR * scale)
    return d * (vectors @ ((vectors.T @ (d * g)) / floored)), positive_definite


def trust_exact_minimize(objective: UnconstrainedObjective, z0: np.ndarray, n: int) -> OptimizerResult:
    """The second method: scipy's exact trust-region minimiser, run from the same start, checked against Newton.

    ``n`` is unused (kept for callers): the stopping rules are scale-free, in standard errors, not per observation.
    """
    z0 = np.array(z0, dtype=float)
    # scipy's trust region is a ball, and its subproblem tolerances are relative to the Hessian's norm: with
    # curvatures of 1e18 (mu of normal data spread by 1e-9) next to 1 (log sigma) it cannot move the flat
    # coordinate. It works in w with z = z0 + scale * w, where the Hessian at the start has a unit diagonal.
    start_hessian = objective.hessian(z0)
    scale = _diagonal_scale(start_hessian)
    # scipy starts with a trust radius of 1 (about one standard error at the start, in w) and at most doubles it per
    # step: an optimum thousands of standard errors away (n = 10^6) cost a dozen steps just to widen the region. It
    # starts instead at the length of the Newton step from z0, which lets it take full steps at once; a step that
    # predicts badly still shrinks the region as usual.
    radius = _newton_step_length(scale * objective.gradient(z0), scale[:, None] * start_hessian * scale[None, :])

    def to_z(w: np.ndarray) -> np.ndarray:
        return z0 + scale * w

    # scipy's gradient tolerance is absolute, in the units of the data: for mu of normal data with sigma = 1e8 any
    # gtol that n allows stops half a standard error short, and for sigma = 1e-6 none is reachable. So the gradient
    # test is off (gtol = 0) and the callback stops at the primary's scale-free stationarity instead.
    def stop_when_stationary(intermediate_result: OptimizeResult) -> None:
        point = _natural_derivatives(objective, to_z(np.asarray(intermediate_result.x, dtype=float)))
        if point is not None and is_stationary(*point):
            raise StopIteration

    # scipy's trust-region arithmetic meets the +inf trial values outside the domain; those steps are rejected.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = minimize(
            lambda w: objective.value(to_z(w)),
            np.zeros_like(z0),
            jac=lambda w: scale * objective.gradient(to_z(w)),
            hess=lambda w: scale[:, None] * objective.hessian(to_z(w)) * scale[None, :],
            method="trust-exact",
            callback=stop_when_stationary,
            # scipy caps the radius at 1000 units of w, about 1000 standard errors at the start: a log-rate that
            # starts 3 units from its optimum is 3000 of them away for 10^6 observations.
            options={
                "gtol": 0.0,
                "maxiter": MAX_ITERATIONS,
                "max_trust_radius": np.inf,
                "initial_trust_radius": radius,
            },
        )
    z = to_z(np.asarray(result.x, dtype=float))
    # Near the optimum the predicted and actual reductions are both rounding noise of the nll, and scipy may stop
    # with "A bad approximation caused failure to predict improvement" before the callback's test holds: a method
    # that compares nll values resolves the optimum only to about sqrt(eps * |nll|) standard errors. Its point
    # counts when it is that close, as the verification's comparison of the two methods allows.
    point = _natural_derivatives(objective, z)
    converged = point is not None and near_optimum(*point)
    return OptimizerResult(z, int(result.nit), converged, Message("scipy_said", text=str(result.message)))


def _newton_step_length(g: np.ndarray, h: np.ndarray) -> float:
    """|H^-1 g|, or scipy's default radius 1 when that is smaller, not finite or H is singular."""
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            length = float(np.linalg.norm(np.linalg.solve(h, g)))
        except np.linalg.LinAlgError:
            return 1.0
    return length if np.isfinite(length) and length > 1.0 else 1.0


def _diagonal_scale(hessian: np.ndarray) -> np.ndarray:
    """1 / sqrt(|H_ii|), or 1 where that is not a positive finite number."""
    diagonal = np.abs(hessian.diagonal())
    if 0.0 < diagonal.min() and diagonal.max() < np.inf:  # the usual case, without the masks
        return 1.0 / np.sqrt(diagonal)
    usable = np.isfinite(diagonal) & (diagonal > 0)
    return np.where(usable, 1.0 / np.sqrt(np.where(usable, diagonal, 1.0)), 1.0)


def _natural_derivatives(objective: UnconstrainedObjective, z: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """theta, the nll's gradient and Hessian in the natural parametrisation at z; None outside or if not finite.

    The objective remembers the points it evaluated: the stopping test at scipy's accepted point costs no pass
    over the data.
    """
    gradient, hessian = objective.natural_gradient(z), objective.natural_hessian(z)
    if gradient is None or hessian is None:
        return None
    if not (np.all(np.isfinite(gradient)) and np.all(np.isfinite(hessian))):
        return None
    return objective.to_theta(z), gradient, hessian

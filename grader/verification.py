"""The checks a fit must pass before its values may serve as keys, and the report they produce.

Differences between two estimates are measured relative to max(|a|, |b|, se): a coefficient whose true value is
0 has no meaningful relative precision of its own, but its standard error gives the scale that matters.

Stationarity is judged by the Newton step in standard errors, not by the gradient norm: each element of
H^-1 g (H the observed information) must be at most STATIONARY_SE_TOL of its standard error, which does not depend
on the units of the data or on n. (This is the gradient scaled by standard errors; the Newton decrement
sqrt(g^T H^-1 g), reported with the verification, bounds every element's ratio from above.) An absolute gradient
tolerance is not scale-free: for normal data spread by 1e-6 around 1e3 the gradient in mu is n / sigma^2 = 1e12 n
per unit of mu, so one rounding unit of mu (1e-13) already gives |g| = 0.1 n. There even the step in standard errors
can exceed the tolerance (1e-13 is 2e-6 standard errors at n = 1e5): an element whose Newton step is within a few
rounding units of its value cannot be improved in double precision and also counts as stationary.

The Hessian must be safely positive definite: its condition number, judged with its diagonal scaled to 1 so that
the units of the parameters do not count (a covariate in units of 1e7 is as good as one in units of 1), below
HESSIAN_COND_MAX. Every quantity above comes from one Cholesky factorisation of the Hessian (see Curvature), which
the fit computes once and reuses for its standard errors.

The optimum must also be confirmed independently: by the family's closed form, by a certificate (for a convex
nll the checks above already prove a global minimum), or by a second method. The second method (scipy's
trust-exact) accepts or rejects steps by comparing nll values, which carry rounding errors of about eps |nll|; it
therefore resolves the optimum only to about sqrt(eps |nll|) standard errors (2.5e-5 for 10^6 normal
observations). Its agreement with Newton is judged relative to max(|a|, |b|, se) or, failing that,
in standard errors with a tolerance above that floor.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dpotrf, dtrtri

from .messages import Message

# How far, in its standard errors, a further Newton step may still move each element of an optimum.
STATIONARY_SE_TOL = 1e-6
# A Newton step this many rounding units of the estimate (or less) is below what double precision can resolve.
ROUNDING_ULPS = 8.0
# A further Newton step (natural parametrisation) must be negligible next to the estimate and its uncertainty.
STEP_REL_TOL = 1e-8
CLOSED_FORM_REL_TOL = 1e-8
SECOND_METHOD_REL_TOL = 1e-6
# The second method may also stop this many standard errors (Mahalanobis distance) from Newton's optimum.
SECOND_METHOD_SE_TOL = 1e-3
# Beyond this condition number of D H D (H with its diagonal scaled to 1, see Curvature) the observed information
# is numerically singular: standard errors are meaningless.
HESSIAN_COND_MAX = 1e13
_TINY = np.finfo(float).tiny


@dataclass(frozen=True)
class Verification:
    grad_norm: float
    hessian_definite: bool
    closed_form_max_rel_diff: float | None
    second_method_max_rel_diff: float | None
    passed: bool
    problems: tuple[str, ...]  # Messages (grader.fit_texts), so the web app can word them in any language
    newton_decrement: float | None = None  # sqrt(g^T H^-1 g) at the optimum; None when H is not definite
    # A proof that the optimum is the global one without a second method, e.g. for a convex nll; None if none holds.
    # A Message from the fits (a plain str only where a test builds a report by hand).
    certificate: str | None = None

    def __post_init__(self) -> None:
        if self.passed == bool(self.problems):
            raise ValueError("a verification passes exactly when it lists no problems")


@dataclass(frozen=True)
class Curvature:
    """What the verification needs of a Hessian H, from one Cholesky factorisation H = L L'.

    Conditioning is judged on S = D H D, D = diag(H_ii)^-1/2: S has a unit diagonal and the definiteness of H, and
    its condition number does not depend on the parameters' units (a covariate measured in units of 1e7 multiplies
    a row and column of H by 1e7, a condition number of 1e14, and leaves S unchanged). H itself is factorised:
    Cholesky's rounding does not depend on a diagonal scaling (S's computed factor is D L), so solves with L are as
    accurate as S's conditioning allows, and S^-1 = D^-1 H^-1 D^-1 gives what is needed of S. A fit computes this
    once for its final Hessian and passes it to ``verify`` and to its standard errors.
    """

    inverse_factor: np.ndarray | None  # L^-1 (lower triangular); None when H is not positive definite
    se: np.ndarray | None  # sqrt(diag(H^-1)); None when H is not positive definite
    safe: bool  # positive definite, with S's condition number below HESSIAN_COND_MAX

    @staticmethod
    def of(hessian: np.ndarray) -> Curvature | None:
        """H's Curvature, or None when a diagonal element is not positive (H is then not positive definite) or an
        element is not finite.

        S's condition number is at most d trace(S^-1) (its largest eigenvalue is at most trace(S) = d, and 1 over
        its smallest at most trace(S^-1) = sum_i H_ii (H^-1)_ii), which settles safety without eigenvalues; only a
        matrix that bound cannot clear pays for them.
        """
        hessian = np.asarray(hessian, dtype=float)
        diagonal = hessian.diagonal()
        # A finite sum settles that every element is finite; only one that overflowed needs the elementwise test.
        if not (diagonal.min() > 0 and (math.isfinite(hessian.sum()) or np.isfinite(hessian).all())):
            return None
        # Only the lower triangle is read: H need not be symmetric to the last bit.
        factor, info = dpotrf(hessian, lower=1, clean=1)
        if info != 0:
            return Curvature(None, None, False)
        inverse, info = dtrtri(factor, lower=1)
        if info != 0:  # pragma: no cover - a successful Cholesky factor has a positive diagonal
            return Curvature(None, None, False)
        variances = (inverse * inverse).sum(axis=0)  # diag(H^-1) = diag(L^-T L^-1): L^-1's columns' sums of squares
        safe = diagonal.size * float(variances @ diagonal) < HESSIAN_COND_MAX
        if not safe:
            scale = 1.0 / np.sqrt(diagonal)
            eigenvalues = np.linalg.eigvalsh(hessian * (scale[:, None] * scale), UPLO="L")
            safe = bool(eigenvalues[0] > 0 and eigenvalues[-1] < HESSIAN_COND_MAX * eigenvalues[0])
        return Curvature(inverse, np.sqrt(variances), safe)

    @property
    def definite(self) -> bool:
        return self.inverse_factor is not None

    def newton_step(self, gradient: np.ndarray) -> tuple[np.ndarray, float]:
        """H^-1 g, the Newton step, and sqrt(g^T H^-1 g), the Newton decrement: both from w = L^-1 g, since
        H^-1 g = L^-T w and g^T H^-1 g = w^T w."""
        assert self.inverse_factor is not None, "only a positive-definite Hessian has a Newton step"
        whitened = self.inverse_factor @ gradient
        return whitened @ self.inverse_factor, math.sqrt(float(whitened @ whitened))

    def solve(self, gradient: np.ndarray) -> np.ndarray:
        """H^-1 g: the Newton step."""
        return self.newton_step(gradient)[0]

    def standard_errors(self) -> np.ndarray:
        """sqrt(diag(H^-1))."""
        assert self.se is not None, "only a positive-definite Hessian has standard errors"
        return self.se

    def decrement(self, gradient: np.ndarray) -> float:
        """sqrt(g^T H^-1 g)."""
        return self.newton_step(gradient)[1]


def _safe(hessian: np.ndarray) -> Curvature | None:
    found = Curvature.of(hessian)
    return found if found is not None and found.safe else None


def standard_errors(hessian: np.ndarray) -> np.ndarray | None:
    """sqrt(diag(H^-1)) for a positive-definite, well-conditioned H (judged on D H D, see Curvature); else None."""
    found = _safe(hessian)
    return None if found is None else found.standard_errors()


def newton_decrement(gradient: np.ndarray, hessian: np.ndarray) -> float | None:
    """sqrt(g^T H^-1 g): how many standard errors a Newton step moves; None unless H is positive definite."""
    found = Curvature.of(hessian)
    return None if found is None or not found.definite else found.decrement(gradient)


def stationarity_ratio(theta: np.ndarray, gradient: np.ndarray, hessian: np.ndarray) -> np.ndarray | None:
    """Each element's Newton step over what it may be: STATIONARY_SE_TOL se, or ROUNDING_ULPS rounding units.

    Stationary means every ratio is at most 1. None unless H is positive definite and well conditioned.
    """
    found = _safe(hessian)
    if found is None:
        return None
    return np.abs(found.solve(gradient)) / _allowed_step(np.abs(theta), found.standard_errors())


def _allowed_step(magnitude: np.ndarray, se: np.ndarray) -> np.ndarray:
    """How far a Newton step may move each element of an optimum of these magnitudes and standard errors."""
    return np.maximum(STATIONARY_SE_TOL * se, ROUNDING_ULPS * np.spacing(magnitude))


def is_stationary(theta: np.ndarray, gradient: np.ndarray, hessian: np.ndarray) -> bool:
    """Whether theta is a maximiser of the likelihood to the precision the data and double precision allow."""
    ratio = stationarity_ratio(theta, gradient, hessian)
    return ratio is not None and bool(np.all(ratio <= 1.0))


def newton_step_rel(theta: np.ndarray, gradient: np.ndarray, hessian: np.ndarray) -> float:
    """How far a further Newton step would move theta, relative to max(|theta|, se); inf unless H is definite."""
    found = _safe(hessian)
    if found is None:
        return float("inf")
    return max_rel_diff(theta - found.solve(gradient), theta, found.standard_errors())


def se_distance(a: np.ndarray, b: np.ndarray, hessian: np.ndarray) -> float:
    """sqrt((a - b)^T H (a - b)): how many standard errors apart two estimates are, in the metric of H."""
    delta = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    return float(np.sqrt(max(float(delta @ hessian @ delta), 0.0)))


def near_optimum(theta: np.ndarray, gradient: np.ndarray, hessian: np.ndarray) -> bool:
    """Whether a point of the second method is as close to stationary as the verification can ask of it."""
    found = Curvature.of(hessian)
    if found is None or not found.definite:
        return False
    if found.decrement(gradient) <= SECOND_METHOD_SE_TOL:
        return True
    return found.safe and max_rel_diff(theta - found.solve(gradient), theta, found.standard_errors()) <= (
        SECOND_METHOD_REL_TOL
    )


def max_rel_diff(a: np.ndarray, b: np.ndarray, se: np.ndarray | None) -> float:
    scale = np.maximum(np.abs(a), np.abs(b))
    if se is not None:
        scale = np.maximum(scale, se)
    return float((np.abs(np.subtract(a, b)) / np.maximum(scale, _TINY)).max())


def verify(
    *,
    labels: Sequence[str] | Callable[[], Sequence[str]],
    theta: np.ndarray,
    gradient: np.ndarray,
    hessian: np.ndarray,
    n: int,
    converged: bool,
    optimizer_message: str,
    closed_form: np.ndarray | None,
    second: np.ndarray | None = None,
    second_message: str | None = None,
    certificate: str | None = None,
    curvature: Curvature | None = None,
) -> Verification:
    """Judge the optimum ``theta`` (natural parametrisation) of the primary optimiser.

    Besides being stationary with a safely positive-definite Hessian, the optimum must be confirmed independently:
    by agreement with the closed form, by a second method (``second``, None with ``second_message`` saying why
    when it failed; ``second_message`` None when it did not run), or by a ``certificate``: a family's proof that
    such a point is the global minimum (a convex nll), which holds exactly when the checks above pass.
    ``labels`` names the elements of theta in messages; a function returning them is called only for a message.
    ``curvature`` is ``Curvature.of(hessian)`` when the caller has it (a fit reuses it for its standard errors).
    ``n`` is no longer used: every criterion is scale-free; it stays in the signature for the callers.
    """
    problems: list[Message] = []
    if not converged:
        problems.append(Message("optimizer_not_converged", reason=optimizer_message))

    grad_norm = math.sqrt(float(gradient @ gradient))
    found = Curvature.of(hessian) if curvature is None else curvature
    safe = found is not None and found.safe
    se = None
    decrement = None
    if found is None or not found.safe:
        problems.append(_not_safely_definite(hessian))
    else:
        se = found.standard_errors()
        step, decrement = found.newton_step(gradient)
        size = np.abs(step)
        # Both tests below compare the step with at least STEP_REL_TOL se (the stricter tolerance): a step within
        # that of every standard error passes both, the usual case at a converged optimum, settled at once.
        if not (size / se).max() <= STEP_REL_TOL:
            magnitude = np.abs(theta)
            ratio = size / _allowed_step(magnitude, se)
            if not ratio.max() <= 1.0:
                worst = int(np.argmax(ratio))
                problems.append(Message(
                    "optimum_not_stationary", label=_labels(labels)[worst], step=float(step[worst]),
                    step_se=float(abs(step[worst]) / se[worst]), tolerance=STATIONARY_SE_TOL, decrement=decrement,
                    grad_norm=grad_norm,
                ))
            # max_rel_diff(theta - step, theta, se), with the quantities at hand (se > 0, so no scale is 0).
            step_rel = float((size / np.maximum(np.maximum(magnitude, np.abs(theta - step)), se)).max())
            if not step_rel <= STEP_REL_TOL:
                problems.append(Message("newton_step_not_negligible", step_rel=step_rel))

    # A certificate's premises are the checks above (converged, stationary, Hessian positive definite).
    certified = certificate if certificate is not None and not problems else None

    closed_diff = None
    if closed_form is not None:
        closed_diff = max_rel_diff(theta, closed_form, se)
        if not closed_diff <= CLOSED_FORM_REL_TOL:
            problems.append(_disagreement("disagrees_with_closed_form", _labels(labels), theta, closed_form, se))

    second_diff = None
    if second is None and second_message is None:
        if closed_form is None and certificate is None:
            problems.append(Message("nothing_confirms_optimum"))
    elif second is None:
        problems.append(Message("second_method_failed", reason=second_message))
    else:
        second_diff = max_rel_diff(theta, second, se)
        if not (second_diff <= SECOND_METHOD_REL_TOL or se_distance(theta, second, hessian) <= SECOND_METHOD_SE_TOL):
            problems.append(_disagreement("disagrees_with_second_method", _labels(labels), theta, second, se))

    return Verification(
        grad_norm=grad_norm,
        hessian_definite=safe,
        closed_form_max_rel_diff=closed_diff,
        second_method_max_rel_diff=second_diff,
        passed=not problems,
        problems=tuple(problems),
        newton_decrement=decrement,
        certificate=certified,
    )


def _labels(labels: Sequence[str] | Callable[[], Sequence[str]]) -> Sequence[str]:
    return labels() if callable(labels) else labels


def _not_safely_definite(hessian: np.ndarray) -> Message:
    """The problem of a Hessian that is not safely positive definite, with its eigenvalues (only on failure)."""
    hessian = np.asarray(hessian, dtype=float)
    if not np.isfinite(hessian).all():
        return Message("hessian_not_finite")
    eigenvalues = np.linalg.eigvalsh((hessian + hessian.T) / 2)
    extremes = {"smallest": float(eigenvalues.min()), "largest": float(eigenvalues.max())}
    diagonal = hessian.diagonal()
    if diagonal.min() > 0:
        scale = 1.0 / np.sqrt(diagonal)
        scaled = np.linalg.eigvalsh(((hessian + hessian.T) / 2) * (scale[:, None] * scale))
        if scaled[0] > 0:
            return Message(
                "hessian_ill_conditioned", **extremes, condition=float(scaled[-1] / scaled[0]), limit=HESSIAN_COND_MAX
            )
    return Message("hessian_not_definite", **extremes)


def _disagreement(
    code: str, labels: Sequence[str], theta: np.ndarray, reference: np.ndarray, se: np.ndarray | None
) -> Message:
    # The worst element relative to its own scale: mu near 1e5 may differ by more, in absolute terms, than a
    # sigma near 1e-8 that is wrong in its sixth digit.
    diffs = [max_rel_diff(theta[i : i + 1], reference[i : i + 1], None if se is None else se[i : i + 1])
             for i in range(theta.size)]
    worst = int(np.argmax(diffs))
    return Message(
        code, label=labels[worst], value=float(theta[worst]), reference=float(reference[worst]),
        difference=diffs[worst],
    )

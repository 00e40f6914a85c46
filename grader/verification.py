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
HESSIAN_COND_MAX. Every quantity above comes from one eigendecomposition of that scaled Hessian.

The optimum must also be confirmed independently: by the family's closed form, by a certificate (for a convex
nll the checks above already prove a global minimum), or by a second method. The second method (scipy's
trust-exact) accepts or rejects steps by comparing nll values, which carry rounding errors of about eps |nll|; it
therefore resolves the optimum only to about sqrt(eps |nll|) standard errors (2.5e-5 for 10^6 normal
observations). Its agreement with Newton is judged relative to max(|a|, |b|, se) or, failing that,
in standard errors with a tolerance above that floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


@dataclass(frozen=True)
class Verification:
    grad_norm: float
    hessian_definite: bool
    closed_form_max_rel_diff: float | None
    second_method_max_rel_diff: float | None
    passed: bool
    problems: tuple[str, ...]
    newton_decrement: float | None = None  # sqrt(g^T H^-1 g) at the optimum; None when H is not definite
    # A proof that the optimum is the global one without a second method, e.g. for a convex nll; None if none holds.
    certificate: str | None = None

    def __post_init__(self) -> None:
        if self.passed == bool(self.problems):
            raise ValueError("a verification passes exactly when it lists no problems")


@dataclass(frozen=True)
class Curvature:
    """What the verification needs of a Hessian H, from one eigendecomposition of S = D H D, D = diag(H_ii)^-1/2.

    S has a unit diagonal and the definiteness of H, and its condition number does not depend on the parameters'
    units: a covariate measured in units of 1e7 multiplies a row and column of H by 1e7 (a condition number of
    1e14) and leaves S unchanged. Conditioning is therefore judged on S. Solves with H go through S as well,
    which keeps their accuracy at what S's conditioning allows.
    """

    scale: np.ndarray  # the diagonal of D
    eigenvalues: np.ndarray  # of S, ascending
    vectors: np.ndarray

    @property
    def safe(self) -> bool:
        """Positive definite, with S's condition number below HESSIAN_COND_MAX."""
        low, high = self.eigenvalues[0], self.eigenvalues[-1]
        return bool(low > 0 and high < HESSIAN_COND_MAX * low)

    def solve(self, gradient: np.ndarray) -> np.ndarray:
        """H^-1 g: the Newton step."""
        return self.scale * (self.vectors @ ((self.vectors.T @ (self.scale * gradient)) / self.eigenvalues))

    def standard_errors(self) -> np.ndarray:
        """sqrt(diag(H^-1)), computed without forming the inverse."""
        return self.scale * np.sqrt((self.vectors**2) @ (1.0 / self.eigenvalues))

    def decrement(self, gradient: np.ndarray) -> float:
        """sqrt(g^T H^-1 g)."""
        return float(np.sqrt(np.sum((self.vectors.T @ (self.scale * gradient)) ** 2 / self.eigenvalues)))


# The last Hessian asked about and its answer, replaced as one tuple (so threads never see a mixed pair).
_last: tuple[bytes, Curvature | None] = (b"", None)


def curvature(hessian: np.ndarray) -> Curvature | None:
    """H's Curvature, or None when a diagonal element is not positive (H is then not positive definite).

    The last answer is remembered: a fit asks for the same Hessian's standard errors, step and decrement in turn.
    """
    global _last
    hessian = np.asarray(hessian, dtype=float)
    key = hessian.tobytes() + str(hessian.shape).encode()
    remembered = _last
    if remembered[0] == key:
        return remembered[1]
    diagonal = hessian.diagonal()
    result = None
    if np.all(diagonal > 0) and np.all(np.isfinite(hessian)):
        scale = 1.0 / np.sqrt(diagonal)
        eigenvalues, vectors = np.linalg.eigh(((hessian + hessian.T) / 2) * np.outer(scale, scale))
        result = Curvature(scale, eigenvalues, vectors)
    _last = (key, result)
    return result


def _safe(hessian: np.ndarray) -> Curvature | None:
    found = curvature(hessian)
    return found if found is not None and found.safe else None


def standard_errors(hessian: np.ndarray) -> np.ndarray | None:
    """sqrt(diag(H^-1)) for a positive-definite, well-conditioned H (judged on D H D, see Curvature); else None."""
    found = _safe(hessian)
    return None if found is None else found.standard_errors()


def newton_decrement(gradient: np.ndarray, hessian: np.ndarray) -> float | None:
    """sqrt(g^T H^-1 g): how many standard errors a Newton step moves; None unless H is positive definite."""
    found = curvature(hessian)
    if found is None or not found.eigenvalues[0] > 0:
        return None
    return found.decrement(gradient)


def stationarity_ratio(theta: np.ndarray, gradient: np.ndarray, hessian: np.ndarray) -> np.ndarray | None:
    """Each element's Newton step over what it may be: STATIONARY_SE_TOL se, or ROUNDING_ULPS rounding units.

    Stationary means every ratio is at most 1. None unless H is positive definite and well conditioned.
    """
    found = _safe(hessian)
    if found is None:
        return None
    allowed = np.maximum(STATIONARY_SE_TOL * found.standard_errors(), ROUNDING_ULPS * np.spacing(np.abs(theta)))
    return np.abs(found.solve(gradient)) / allowed


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
    decrement = newton_decrement(gradient, hessian)
    if decrement is None:
        return False
    return decrement <= SECOND_METHOD_SE_TOL or newton_step_rel(theta, gradient, hessian) <= SECOND_METHOD_REL_TOL


def max_rel_diff(a: np.ndarray, b: np.ndarray, se: np.ndarray | None) -> float:
    scale = np.maximum(np.abs(a), np.abs(b))
    if se is not None:
        scale = np.maximum(scale, se)
    scale = np.maximum(scale, np.finfo(float).tiny)
    return float(np.max(np.abs(a - b) / scale))


def verify(
    *,
    labels: list[str],
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
) -> Verification:
    """Judge the optimum ``theta`` (natural parametrisation) of the primary optimiser.

    Besides being stationary with a safely positive-definite Hessian, the optimum must be confirmed independently:
    by agreement with the closed form, by a second method (``second``, None with ``second_message`` saying why
    when it failed; ``second_message`` None when it did not run), or by a ``certificate``: a family's proof that
    such a point is the global minimum (a convex nll), which holds exactly when the checks above pass.
    ``n`` is no longer used: every criterion is scale-free; it stays in the signature for the callers.
    """
    problems: list[str] = []
    if not converged:
        problems.append(f"the optimiser did not converge: {optimizer_message}")

    grad_norm = float(np.linalg.norm(gradient))
    found = _safe(hessian)
    se = None if found is None else found.standard_errors()
    definite = se is not None
    decrement = None
    if found is None or se is None:  # (se is None exactly when found is; both named for the type checker)
        eigenvalues = np.linalg.eigvalsh((hessian + hessian.T) / 2)
        scaled = curvature(hessian)
        condition = "" if scaled is None or not scaled.eigenvalues[0] > 0 else (
            f"; condition number {scaled.eigenvalues[-1] / scaled.eigenvalues[0]:.3g} with its diagonal scaled to 1, "
            f"above {HESSIAN_COND_MAX:g}"
        )
        problems.append(
            "the Hessian of the negative log-likelihood is not safely positive definite at the optimum "
            f"(eigenvalues from {eigenvalues.min():.3g} to {eigenvalues.max():.3g}{condition}), so the maximum is "
            "not strict and standard errors are undefined"
        )
    else:
        decrement = found.decrement(gradient)
        step = found.solve(gradient)
        allowed = np.maximum(STATIONARY_SE_TOL * se, ROUNDING_ULPS * np.spacing(np.abs(theta)))
        ratio = np.abs(step) / allowed
        if not np.all(ratio <= 1.0):
            worst = int(np.argmax(ratio))
            problems.append(
                f"the optimum is not stationary: a further Newton step would move {labels[worst]} by "
                f"{step[worst]:.3g}, {abs(step[worst]) / se[worst]:.3g} standard errors (tolerance "
                f"{STATIONARY_SE_TOL:g}; Newton decrement {decrement:.3g}, gradient norm {grad_norm:.3g})"
            )
        step_rel = max_rel_diff(theta - step, theta, se)
        if not step_rel <= STEP_REL_TOL:
            problems.append(f"a further Newton step would still move the estimate by {step_rel:.3g} (relative)")

    # A certificate's premises are the checks above (converged, stationary, Hessian positive definite).
    certified = certificate if certificate is not None and not problems else None

    closed_diff = None
    if closed_form is not None:
        closed_diff = max_rel_diff(theta, closed_form, se)
        if not closed_diff <= CLOSED_FORM_REL_TOL:
            problems.append(_disagreement("the closed form", labels, theta, closed_form, se))

    second_diff = None
    if second is None and second_message is None:
        if closed_form is None and certificate is None:
            problems.append("nothing confirms the optimum: no closed form, no certificate and no second method")
    elif second is None:
        problems.append(f"the second method (trust-exact) failed: {second_message}")
    else:
        second_diff = max_rel_diff(theta, second, se)
        if not (second_diff <= SECOND_METHOD_REL_TOL or se_distance(theta, second, hessian) <= SECOND_METHOD_SE_TOL):
            problems.append(_disagreement("the second method (trust-exact)", labels, theta, second, se))

    return Verification(
        grad_norm=grad_norm,
        hessian_definite=definite,
        closed_form_max_rel_diff=closed_diff,
        second_method_max_rel_diff=second_diff,
        passed=not problems,
        problems=tuple(problems),
        newton_decrement=decrement,
        certificate=certified,
    )


def _disagreement(
    other: str, labels: list[str], theta: np.ndarray, reference: np.ndarray, se: np.ndarray | None
) -> str:
    # The worst element relative to its own scale: mu near 1e5 may differ by more, in absolute terms, than a
    # sigma near 1e-8 that is wrong in its sixth digit.
    diffs = [max_rel_diff(theta[i : i + 1], reference[i : i + 1], None if se is None else se[i : i + 1])
             for i in range(theta.size)]
    worst = int(np.argmax(diffs))
    return (
        f"the optimum disagrees with {other}: {labels[worst]} = {theta[worst]!r} vs {reference[worst]!r} "
        f"(relative difference {diffs[worst]:.3g})"
    )

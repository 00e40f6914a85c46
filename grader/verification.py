"""The checks a fit must pass before its values may serve as keys, and the report they produce.

Differences between two estimates are measured relative to max(|a|, |b|, se): a coefficient whose true value is
0 has no meaningful relative precision of its own, but its standard error gives the scale that matters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Mean gradient per observation: the summed gradient's rounding noise grows with n.
GRAD_TOL_PER_OBS = 1e-6
# A further Newton step (natural parametrisation) must be negligible next to the estimate and its uncertainty.
STEP_REL_TOL = 1e-8
CLOSED_FORM_REL_TOL = 1e-8
SECOND_METHOD_REL_TOL = 1e-6
# Beyond this condition number the observed information is numerically singular: standard errors are meaningless.
HESSIAN_COND_MAX = 1e13


@dataclass(frozen=True)
class Verification:
    grad_norm: float
    hessian_definite: bool
    closed_form_max_rel_diff: float | None
    second_method_max_rel_diff: float | None
    passed: bool
    problems: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.passed == bool(self.problems):
            raise ValueError("a verification passes exactly when it lists no problems")


def standard_errors(hessian: np.ndarray) -> np.ndarray | None:
    """sqrt(diag(H^-1)) for a positive-definite, well-conditioned H; None otherwise."""
    eigenvalues, vectors = np.linalg.eigh((hessian + hessian.T) / 2)
    if not (eigenvalues.min() > 0 and eigenvalues.max() < HESSIAN_COND_MAX * eigenvalues.min()):
        return None
    # diag(V diag(1/lambda) V^T), computed without forming the inverse.
    return np.sqrt((vectors**2) @ (1.0 / eigenvalues))


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
    second: np.ndarray | None,
    second_message: str,
) -> Verification:
    """Judge the optimum ``theta`` (natural parametrisation) of the primary optimiser."""
    problems: list[str] = []
    if not converged:
        problems.append(f"the optimiser did not converge: {optimizer_message}")

    grad_norm = float(np.linalg.norm(gradient))
    grad_tol = GRAD_TOL_PER_OBS * max(1, n)
    if not grad_norm <= grad_tol:
        problems.append(f"the gradient norm at the optimum is {grad_norm:.3g}, above the tolerance {grad_tol:.3g}")

    se = standard_errors(hessian)
    definite = se is not None
    if not definite:
        eigenvalues = np.linalg.eigvalsh((hessian + hessian.T) / 2)
        problems.append(
            "the Hessian of the negative log-likelihood is not safely positive definite at the optimum "
            f"(eigenvalues from {eigenvalues.min():.3g} to {eigenvalues.max():.3g}), so the maximum is not "
            "strict and standard errors are undefined"
        )
    else:
        step = np.linalg.solve(hessian, gradient)
        step_rel = max_rel_diff(theta - step, theta, se)
        if not step_rel <= STEP_REL_TOL:
            problems.append(f"a further Newton step would still move the estimate by {step_rel:.3g} (relative)")

    closed_diff = None
    if closed_form is not None:
        closed_diff = max_rel_diff(theta, closed_form, se)
        if not closed_diff <= CLOSED_FORM_REL_TOL:
            problems.append(_disagreement("the closed form", labels, theta, closed_form, closed_diff))

    second_diff = None
    if second is None:
        problems.append(f"the second method (trust-exact) failed: {second_message}")
    else:
        second_diff = max_rel_diff(theta, second, se)
        if not second_diff <= SECOND_METHOD_REL_TOL:
            problems.append(_disagreement("the second method (trust-exact)", labels, theta, second, second_diff))

    return Verification(
        grad_norm=grad_norm,
        hessian_definite=definite,
        closed_form_max_rel_diff=closed_diff,
        second_method_max_rel_diff=second_diff,
        passed=not problems,
        problems=tuple(problems),
    )


def _disagreement(other: str, labels: list[str], theta: np.ndarray, reference: np.ndarray, diff: float) -> str:
    worst = int(np.argmax(np.abs(theta - reference)))
    return (
        f"the optimum disagrees with {other}: {labels[worst]} = {theta[worst]!r} vs {reference[worst]!r} "
        f"(relative difference {diff:.3g})"
    )

"""``fit``: the verified maximum-likelihood fit of a family to data, which every estimation key is read from.

A smooth fit is Newton's method (``optimizers``) from the family's start, then the verification: a stationary
point (the next Newton step a negligible fraction of a standard error) with a safely positive-definite Hessian,
confirmed independently by the closed form where one exists, by convexity where the family's nll is convex (such a
point is then the unique global minimum), and otherwise by a second optimiser (scipy's trust-exact), which also
runs whenever a confirmed fit fails, to tell a wrong closed form from a wrong optimum. The verification judges
the point Newton stopped at with the value, gradient and Hessian Newton computed there, and one factorisation of
that Hessian serves the verification and the standard errors.

Existence is proven by the same verification: an interior stationary point with a positive-definite Hessian is a
maximum. So the costly diagnoses of data without an MLE (the separation linear programmes) run only when a fit
fails or Newton is still going after _PATIENCE iterations, to name the cause; the cheap checks run up front.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .errors import KeyVerificationError
from .families import Data, Family, Params, get_family
from .families.base import ExactSolution
from .messages import Message
from .optimizers import MAX_ITERATIONS, newton_minimize, trust_exact_minimize
from .unconstrained import UnconstrainedObjective
from .verification import Curvature, Verification, verify

# Where an unconverged optimiser has run off to in the unconstrained coordinates, e.g. expit(30) = 1 - 1e-13 or
# exp(30) = 1e13: no estimate anyone would report lives there, so the likelihood has no interior maximum.
_RUNAWAY_Z = 30.0
# Proves a verified optimum global for a family whose nll is convex in its natural parameters (Family.convex).
CONVEX_CERTIFICATE = Message("certificate_convex_nll")
# Newton iterations before a fit that has not converged asks the family why (see fit).
_PATIENCE = 25


@dataclass(frozen=True)
class FitResult:
    """A fit that passed verification. Scalar parameters are floats, vector ones read-only arrays."""

    family: str
    params: Params
    loglik: float  # maximised log-likelihood, natural log, all constants included
    se: Params  # from the observed information (an exact-fit family documents its own); keys and shapes of params
    converged: bool
    grad_norm: float  # norm of the nll gradient at the optimum, natural parametrisation
    iterations: int
    method: str  # a Message (grader.fit_texts) from the grader's own methods
    n: int
    verification: Verification

    @property
    def mean_nll(self) -> float:
        return -self.loglik / self.n


def fit(family_id: str, /, **data: ArrayLike) -> FitResult:
    """Maximise the likelihood of ``family_id`` for ``data`` and verify the optimum.

    Raises DataError for unusable data or an unknown family, KeyVerificationError when the MLE does not exist in
    the interior of the parameter domain or the optimum fails verification. A family whose likelihood is not smooth
    supplies its own exact method and verification (``Family._exact_fit``); the same rules apply to its result.
    """
    family = get_family(family_id)
    clean = family.validate_data(**data)
    problem = family._mle_problem(clean)
    if problem is not None:
        raise KeyVerificationError.from_message(problem)
    exact = family._exact_fit(clean)
    if exact is not None:  # a likelihood that is not smooth, e.g. Laplace: the family's own exact method
        return _exact_result(family_id, family, clean, exact)

    objective = UnconstrainedObjective(family, clean)
    n = family.n_obs(clean)
    z0 = objective.to_z(family.start(clean))
    primary = newton_minimize(objective, z0, _PATIENCE)
    if not primary.converged and primary.iterations == _PATIENCE:
        # Newton usually converges in under ten steps; one that is still going is often running off along a
        # direction of recession (a separation), which the family's diagnosis names at once. If it finds none,
        # Newton carries on from where it stopped.
        explanation = family._explain_failure(clean)
        if explanation:
            raise KeyVerificationError.from_message(explanation)
        primary = newton_minimize(objective, primary.z, MAX_ITERATIONS, done=_PATIENCE)
    theta = objective.to_theta(primary.z)
    if not objective.interior(theta) or (not primary.converged and np.abs(primary.z).max() > _RUNAWAY_Z):
        raise _failure(family, clean, _edge_message(family, clean, theta, primary.z, primary.converged))

    # Inside the domain these are finite for a converged fit; a rare overflow becomes an error naming it. Newton
    # evaluated this point last: where z is theta it hands back what it found there, and otherwise the objective
    # remembers the point.
    if objective.identity:
        nll, gradient, hessian = primary.value, primary.gradient, primary.hessian
    else:
        nll, gradient, hessian = objective.natural(primary.z)
    # (A finite sum settles that every element is finite; only one that is not needs the elementwise tests.)
    if not math.isfinite(nll + gradient.sum() + hessian.sum()) and not (
        math.isfinite(nll) and np.isfinite(gradient).all() and np.isfinite(hessian).all()
    ):
        params = family._unpack(theta, clean, objective.shapes)
        for what, value in (("negative log-likelihood", nll), ("gradient", gradient), ("Hessian", hessian)):
            family._finite(what, lambda *_, value=value: value, params, clean)

    closed = family._closed_form(clean)
    # One factorisation of the Hessian serves the verification and the standard errors.
    curvature = Curvature.of(hessian)
    evidence = {
        "labels": lambda: family.element_labels(clean),  # needed only for a message
        "theta": theta,
        "gradient": gradient,
        "hessian": hessian,
        "n": n,
        "converged": primary.converged,
        "optimizer_message": primary.message,
        "closed_form": None if closed is None else family.pack(closed, clean),
        "certificate": CONVEX_CERTIFICATE if family.convex else None,
        "curvature": curvature,
    }
    # The optimum needs independent confirmation: the closed form, or the convexity certificate (both free next to
    # the fit), else a second optimiser. When a confirmed fit still fails, the second optimiser runs as well, to
    # tell a wrong closed form from a wrong optimum.
    verification = None
    if evidence["closed_form"] is not None or evidence["certificate"] is not None:
        verification = verify(**evidence)
    if verification is None or not verification.passed:
        second = trust_exact_minimize(objective, z0, n)
        second_theta = objective.to_theta(second.z) if second.converged else None
        verification = verify(**evidence, second=second_theta, second_message=second.message)
    if not verification.passed:
        failed = Message("fit_failed_verification", family=family_id, problems=tuple(verification.problems))
        raise _failure(family, clean, failed, verification)

    assert curvature is not None and curvature.safe  # verification passed, so the Hessian is positive definite
    return FitResult(
        family=family_id,
        params=_public(family._unpack(theta, clean, objective.shapes)),
        loglik=-nll,
        se=_public(family._unpack(curvature.standard_errors(), clean, objective.shapes)),
        converged=primary.converged,
        grad_norm=verification.grad_norm,
        iterations=primary.iterations,
        method=_newton_method(objective.describe(), verification.certificate),
        n=n,
        verification=verification,
    )


def _newton_method(parametrisation: str, certificate: str | None) -> Message:
    """How a Newton fit was found and proven, e.g. "newton on (logit p); verified by certificate (...)"."""
    if certificate:
        return Message("newton_fit_certified", parametrisation=parametrisation, certificate=certificate)
    return Message("newton_fit", parametrisation=parametrisation)


def _public(params: Params) -> Params:
    """Family.unpack's form of the hooks' params: Python floats for scalars (arrays are read-only copies)."""
    return {name: float(value) if np.ndim(value) == 0 else value for name, value in params.items()}


def _edge_message(family: Family, data: Data, theta: np.ndarray, z: np.ndarray, converged: bool) -> Message:
    """Which parameter ran to the edge of its domain (or off to infinity), for the error."""
    labels = family.element_labels(data)
    for i, domain in enumerate(family.element_domains(data)):
        if not domain.contains(theta[i]) or (not converged and abs(z[i]) > _RUNAWAY_Z):
            return Message(
                "likelihood_increases_to_edge", label=labels[i], condition=domain.describe(labels[i]),
                value=float(theta[i]),
            )
    raise AssertionError("called for a point inside the domain")  # pragma: no cover


def _failure(
    family: Family, data: Data, message: Message, verification: Verification | None = None
) -> KeyVerificationError:
    """The error for a failed fit: the family's diagnosis of the data (e.g. a separation) when it has one, since
    that names the cause, else what the optimiser or the verification saw. Either way the error takes the
    message's own code, so the cause is what a translation words."""
    return KeyVerificationError.from_message(family._explain_failure(data) or message, verification=verification)


def _exact_result(family_id: str, family: Family, data: Data, exact: ExactSolution) -> FitResult:
    """The FitResult of a family's exact method, under the same rule: a failed verification never becomes a key."""
    report = exact.verification
    if not report.passed:
        raise KeyVerificationError(
            "fit_failed_verification", report, family=family_id, problems=tuple(report.problems)
        )
    params = family._unpack(exact.theta, data)
    nll = float(family._finite("negative log-likelihood", family._nll, params, data))
    return FitResult(
        family=family_id,
        params=family.unpack(exact.theta, data),
        loglik=-nll,
        se=family.unpack(exact.se, data),
        converged=True,
        grad_norm=report.grad_norm,
        iterations=exact.iterations,
        method=exact.method,
        n=family.n_obs(data),
        verification=report,
    )

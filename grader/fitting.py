"""``fit``: the verified maximum-likelihood fit of a family to data, which every estimation key is read from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .errors import KeyVerificationError
from .families import Data, Family, Params, get_family
from .families.base import ExactSolution
from .optimizers import newton_minimize, trust_exact_minimize
from .unconstrained import UnconstrainedObjective
from .verification import Verification, standard_errors, verify

# Where an unconverged optimiser has run off to in the unconstrained coordinates, e.g. expit(30) = 1 - 1e-13 or
# exp(30) = 1e13: no estimate anyone would report lives there, so the likelihood has no interior maximum.
_RUNAWAY_Z = 30.0


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
    method: str
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
        raise KeyVerificationError(problem)
    exact = family._exact_fit(clean)
    if exact is not None:  # a likelihood that is not smooth, e.g. Laplace: the family's own exact method
        return _exact_result(family_id, family, clean, exact)

    objective = UnconstrainedObjective(family, clean)
    n = family.n_obs(clean)
    z0 = objective.to_z(family.start(clean))
    primary = newton_minimize(objective, z0)
    theta = objective.to_theta(primary.z)
    labels = family.element_labels(clean)
    for i, domain in enumerate(family.element_domains(clean)):
        if not domain.contains(theta[i]) or (not primary.converged and abs(primary.z[i]) > _RUNAWAY_Z):
            raise KeyVerificationError(
                f"the likelihood keeps increasing as {labels[i]} approaches the edge of its domain "
                f"({domain.describe(labels[i])}): the optimiser reached {labels[i]} = {float(theta[i])!r} without "
                "converging, so no interior maximum exists"
            )

    params = family._unpack(theta, clean)
    # Inside the domain these are finite for a converged fit; _finite turns a rare overflow into an error. The
    # objective has usually evaluated this point already (the last line search), and computes each at most once.
    at = primary.z
    nll = float(family._finite("negative log-likelihood", lambda *_: objective.natural_nll(at), params, clean))
    gradient = np.atleast_1d(family._finite("gradient", lambda *_: objective.natural_gradient(at), params, clean))
    hessian = np.atleast_2d(family._finite("Hessian", lambda *_: objective.natural_hessian(at), params, clean))

    closed = family._closed_form(clean)
    second = trust_exact_minimize(objective, z0, n)
    second_theta = objective.to_theta(second.z) if second.converged else None
    verification = verify(
        labels=labels,
        theta=theta,
        gradient=gradient,
        hessian=hessian,
        n=n,
        converged=primary.converged,
        optimizer_message=primary.message,
        closed_form=None if closed is None else family.pack(closed, clean),
        second=second_theta,
        second_message=second.message,
    )
    if not verification.passed:
        raise KeyVerificationError(
            f"the {family_id} fit failed verification: {'; '.join(verification.problems)}", verification
        )

    se = standard_errors(hessian)
    assert se is not None  # verification passed, so the Hessian is positive definite
    return FitResult(
        family=family_id,
        params=family.unpack(theta, clean),
        loglik=-nll,
        se=family.unpack(se, clean),
        converged=primary.converged,
        grad_norm=verification.grad_norm,
        iterations=primary.iterations,
        method=f"newton on ({objective.describe()})",
        n=n,
        verification=verification,
    )


def _exact_result(family_id: str, family: Family, data: Data, exact: ExactSolution) -> FitResult:
    """The FitResult of a family's exact method, under the same rule: a failed verification never becomes a key."""
    report = exact.verification
    if not report.passed:
        raise KeyVerificationError(f"the {family_id} fit failed verification: {'; '.join(report.problems)}", report)
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

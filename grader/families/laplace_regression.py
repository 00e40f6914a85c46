"""Laplace regression: y_i = x_i beta + e_i with e_i ~ Laplace(0, scale), density exp(-|e| / b) / (2 b).

nll(beta, b) = n ln(2 b) + S(beta) / b with S(beta) = sum |y_i - x_i beta|. The MLE of beta is the
least-absolute-deviations (median regression) fit and b = S(beta) / n, the mean absolute residual. S is not
differentiable where a residual is zero, and the optimum always sits on such kinks, so Newton does not apply: the
fit is exact, a vertex found by smoothing and descent along edges (``lad_descent``), and verified by its own
evidence.
The proof of optimality is the LP dual certificate: a in [-1, 1]^n with X'a = 0 and no duality gap, checked on
every row, shows by weak duality that no beta has a smaller S, however beta was found. Uniqueness is the
certificate's margin (the minimum is strict). That proof is the key's verification (``Verification.certificate``).
When it fails, the linear program (``least_absolute_deviations``) decides instead, and the descent serves as its
second, independent method: it must not find a smaller S and, when both are certified, must find the same beta.

Derivatives: off the kinks, the gradient in beta is -sum sign(r_i) x_i / b and the beta-block of the Hessian is 0.
On a kink (a residual zero to rounding) ``_grad`` gives the smallest element of the subdifferential, which is 0
exactly at the optimum, so "gradient norm at the optimum" keeps its meaning.

Standard errors: the observed information in beta does not exist (S is piecewise linear). They use the asymptotic
LAD covariance, Var(beta) = (X'X)^-1 / (4 f(0)^2) with f(0) = 1 / (2 b) for Laplace errors, i.e. b^2 (X'X)^-1,
evaluated at b; and se(b) = b / sqrt(n) from the information n / b^2 for the scale, which is smooth.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.linalg.lapack import dposv

from ..errors import KeyVerificationError
from ..messages import Message
from ..verification import CLOSED_FORM_REL_TOL, SECOND_METHOD_REL_TOL, Verification, max_rel_diff, standard_errors
from .base import Data, ExactSolution, Family, Param, Params
from .design import gram, gram_proves_full_rank, regression_arrays, require_full_rank, require_rows
from .domains import POSITIVE, REAL
from . import lad_descent, least_absolute_deviations
from .lad_descent import DescentResult, lad_by_edge_descent
from .least_absolute_deviations import (
    Certificate,
    certify,
    flat_segment,
    lad_by_linear_programming,
    min_norm_subgradient,
    residuals,
    weighted_median,
)

_PROOF = Message("lad_dual_proof")
_CERTIFICATE = Message("certificate_lad_dual")
# The second method may not beat the LP's S by more than rounding: this many units of sum_i |y_i| + |x_i||beta|,
# the size of the terms each residual is computed from (large next to S when y sits far from 0).
_OBJECTIVE_ULPS = 64.0
# The subgradient the certificate gives, relative to (sum_i |x_i| + n) / b: rounding only, at a true optimum.
_SUBGRADIENT_REL_TOL = 1e-9
# Below this eigenvalue ratio of the column-scaled X'X, least squares is solved by an SVD, not normal equations.
_GRAM_COND_MIN = 1e-8
# The quick test that the data are not all on a plane (_off_a_plane): a residual sum of squares above this fraction
# of y'y, a hundred times its rounding error at most, puts them off any plane.
_PLANE_CHECK_REL_TOL = 1e-6


class LaplaceRegression(Family):
    """nll(beta, scale) = n ln(2 scale) + sum |y - X beta| / scale; X is the full design matrix."""

    id = "laplace_regression"
    data_names = ("X", "y")
    params = (Param("beta", REAL), Param("scale", POSITIVE))

    def param_shapes(self, data: Data) -> dict[str, tuple[int, ...]]:
        return {"beta": (data["X"].shape[1],), "scale": ()}

    def _check_data(self, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
        # Column-major: the fit's passes over every row (X beta, s'X) run faster on contiguous columns, and the
        # rows it gathers into a band come out row-major either way.
        X, y = regression_arrays(arrays, order="F")
        d = X.shape[1]
        require_rows(X, d + 1, f"to estimate {d} coefficient(s) and the scale")
        require_full_rank(X)
        return {"X": X, "y": y}

    def _nll(self, params: Params, data: Data) -> float:
        b = params["scale"]
        r = data["y"] - data["X"] @ params["beta"]
        return r.size * np.log(2.0 * b) + np.abs(r).sum() / b

    def _subgradient(self, params: Params, data: Data) -> tuple[np.ndarray, float]:
        """The (minimum-norm sub)gradient of S in beta, and S."""
        r, zero = residuals(data["X"], data["y"], np.asarray(params["beta"]))
        return min_norm_subgradient(data["X"], r, zero), float(np.sum(np.abs(r)))

    def _grad(self, params: Params, data: Data) -> np.ndarray:
        b, n = params["scale"], data["y"].size
        g, total = self._subgradient(params, data)
        return np.r_[g / b, n / b - total / b**2]

    def _hess(self, params: Params, data: Data) -> np.ndarray:
        b, n = params["scale"], data["y"].size
        g, total = self._subgradient(params, data)
        d = g.size
        h = np.zeros((d + 1, d + 1))
        h[:d, d] = h[d, :d] = -g / b**2
        h[d, d] = -n / b**2 + 2.0 * total / b**3
        return h

    def _closed_form(self, data: Data) -> Params | None:
        """With one column x, S(beta) = sum |x_i| |y_i / x_i - beta|: beta is a weighted median (when unique)."""
        X, y = data["X"], data["y"]
        if X.shape[1] != 1:
            return None
        x = X[:, 0]
        used = x != 0  # rows with x_i = 0 add |y_i| whatever beta is
        index, unique = weighted_median(y[used] / x[used], np.abs(x[used]))
        if not unique:
            return None
        beta = np.array([y[used][index] / x[used][index]])
        return {"beta": beta, "scale": float(np.mean(np.abs(y - x * beta[0])))}

    def _mle_problem(self, data: Data) -> Message | None:
        X, y = data["X"], data["y"]
        if _off_a_plane(X, y):
            return None
        _, zero = residuals(X, y, _least_squares(X, y))
        if not zero.all():
            return None
        return Message("laplace_no_mle", n=y.size)

    def _example_data(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        # Continuous Laplace noise: ties among residuals have probability 0, so the LAD fit is unique.
        n, d = int(rng.integers(30, 60)), int(rng.integers(2, 4))
        X = np.column_stack([np.ones(n), rng.normal(0.0, 1.0, size=(n, d - 1))])
        y = X @ rng.uniform(-2.0, 2.0, size=d) + rng.laplace(0.0, rng.uniform(0.5, 2.0), size=n)
        return {"X": X, "y": y}

    def _exact_fit(self, data: Data) -> ExactSolution:
        X, y = data["X"], data["y"]
        n = X.shape[0]
        # Smoothing + edge descent first: it ends on the same exact vertex as the linear program, many times faster
        # at every n. When the dual certificate proves that vertex optimal and unique, it is the key, whoever
        # found it; otherwise the linear program decides as before, with the descent as its second method.
        try:
            descent: DescentResult | str = lad_by_edge_descent(X, y)
        except np.linalg.LinAlgError as error:
            descent = str(error)
        if isinstance(descent, DescentResult):
            theta, se, certificate, report = self._verified(data, descent.beta, None)
            if report.passed:
                walked = n > lad_descent.FULL_WALK_ROWS
                solver = Message("lad_solver_descent_reduced" if walked else "lad_solver_descent")
                return ExactSolution(
                    theta=theta,
                    se=se,
                    iterations=descent.iterations,
                    method=Message("lad_fit", solver=solver, proof=_PROOF),
                    verification=report,
                )
        beta, lp_iterations = lad_by_linear_programming(X, y)
        theta, se, certificate, report = self._verified(data, beta, descent)
        reduced = n > least_absolute_deviations.FULL_LP_ROWS
        solver = Message("lad_solver_linear_program_reduced" if reduced else "lad_solver_linear_program")
        return ExactSolution(
            theta=theta,
            se=se,
            iterations=lp_iterations,
            method=Message("lad_fit" if report.certificate else "lad_fit_with_second_method", solver=solver,
                           proof=_PROOF),
            verification=report,
        )

    def _verified(
        self, data: Data, beta: np.ndarray, second: DescentResult | str | None
    ) -> tuple[np.ndarray, np.ndarray, Certificate, Verification]:
        """theta, se, the dual certificate and the verification of a LAD beta; ``second`` is the other method's
        result (or why it failed), compared when the certificate does not prove beta optimal and unique."""
        X, y = data["X"], data["y"]
        n, d = X.shape
        certificate = certify(X, y, beta)
        total = certificate.objective
        b = total / n
        if not b > 0:  # _mle_problem catches exact fits first; this guards a fit exact only to rounding
            raise KeyVerificationError("lad_scale_zero")
        theta = np.append(beta, b)
        problems: list[Message] = []
        if not certificate.optimal:
            problems.append(Message(
                "lad_no_certificate", margin=float(certificate.margin), dual_residual=float(certificate.dual_residual),
                duality_gap=float(certificate.duality_gap),
            ))
        elif not certificate.unique:
            problems.append(_not_unique(X, y, beta, total))

        se = _standard_errors(X, b)
        if se is None:
            problems.append(Message("lad_gram_singular"))

        subgradient = np.append(certificate.subgradient / b, n / b - total / b**2)
        grad_norm = float(np.linalg.norm(subgradient))
        grad_tol = _SUBGRADIENT_REL_TOL * (certificate.design_size + n) / b
        if certificate.optimal and not grad_norm <= grad_tol:
            problems.append(Message("lad_subgradient_too_large", norm=grad_norm, limit=float(grad_tol)))

        closed = self._closed_form(data)
        closed_diff = None
        if closed is not None:
            closed_diff = max_rel_diff(theta, self.pack(closed, data), se)
            if not closed_diff <= CLOSED_FORM_REL_TOL:
                problems.append(Message("lad_disagrees_with_weighted_median", difference=closed_diff))

        # A certificate of optimality and uniqueness proves the key whatever found it; the second method is then
        # redundant. Without one it is compared, to tell a failure of the primary from data without a unique
        # minimum.
        proven = certificate.optimal and certificate.unique and not problems
        second_diff = None
        if not proven and second is not None:
            second_diff = _compare(second, y, X, theta, total, se, certificate.unique, problems)
        verification = Verification(
            grad_norm=grad_norm,
            # The analogue of a definite Hessian: the minimum in beta is strict (sharp), n / b^2 > 0 in b.
            hessian_definite=certificate.unique and se is not None,
            closed_form_max_rel_diff=closed_diff,
            second_method_max_rel_diff=second_diff,
            passed=not problems,
            problems=tuple(problems),
            certificate=_CERTIFICATE if proven else None,
        )
        return theta, se if se is not None else np.full(d + 1, np.nan), certificate, verification


def _compare(
    second: DescentResult | str,
    y: np.ndarray,
    X: np.ndarray,
    theta: np.ndarray,
    total: float,
    se: np.ndarray | None,
    unique: bool,
    problems: list[Message],
) -> float | None:
    """Smoothing + edge descent as the second method: no smaller S, nor (both certified) another beta, than the LP."""
    if isinstance(second, str):
        problems.append(Message("lad_second_method_failed", reason=second))
        return None
    magnitude = float(np.sum(np.abs(y) + np.abs(X) @ np.abs(theta[:-1])))
    if second.objective < total - _OBJECTIVE_ULPS * np.finfo(float).eps * magnitude:
        problems.append(Message("lad_second_method_smaller_sum", second=float(second.objective), first=float(total)))
    other = np.r_[second.beta, second.objective / y.size]
    diff = max_rel_diff(theta, other, se)
    if unique and second.optimal and not diff <= SECOND_METHOD_REL_TOL:
        problems.append(Message("lad_disagrees_with_second_method", difference=diff))
    return diff


def _standard_errors(X: np.ndarray, b: float) -> np.ndarray | None:
    """b sqrt(diag((X'X)^-1)) for beta (the asymptotic LAD covariance, see the module docstring), b / sqrt(n) for b.

    X'X is the one the rank check formed (``design.gram``); ``standard_errors`` judges it with its diagonal scaled
    to 1, so only a truly ill-conditioned design, not columns in different units, counts as singular.
    """
    unit = standard_errors(gram(X))
    return None if unit is None else np.append(b * unit, b / np.sqrt(X.shape[0]))


def _off_a_plane(X: np.ndarray, y: np.ndarray) -> bool:
    """A cheap proof that the observations do not all lie on a plane y = X beta: the least-squares residual sum of
    squares y'y - y'X (X'X)^-1 X'y is far above its rounding error. X'X is the one the rank check formed; trusted
    only when it proves full rank by itself (its rounding then stays below 1e-8 of y'y). False proves nothing: the
    full check decides then."""
    product = gram(X)
    if not gram_proves_full_rank(product):
        return False
    moment = y @ X
    total = float(y @ y)
    _, beta, info = dposv(product, moment)
    return info == 0 and total - float(moment @ beta) > _PLANE_CHECK_REL_TOL * total


def _least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The least-squares beta, by the normal equations refined once (X'r of the first solve's residuals).

    The refinement leaves the residuals of an exact fit at rounding level, as an SVD does, at a tenth of its cost
    for n = 10^6; the SVD decides when the column-scaled X'X is too ill-conditioned for the normal equations.
    """
    gram = X.T @ X
    norms = np.sqrt(np.diag(gram))
    eigenvalues = np.linalg.eigvalsh(gram / np.outer(norms, norms))
    if not eigenvalues[0] > _GRAM_COND_MIN * eigenvalues[-1]:
        return np.linalg.lstsq(X, y, rcond=None)[0]
    beta = np.linalg.solve(gram, y @ X)
    return beta + np.linalg.solve(gram, (y - X @ beta) @ X)


def _not_unique(X: np.ndarray, y: np.ndarray, beta: np.ndarray, total: float) -> Message:
    end = flat_segment(X, y, beta)
    if end is None:
        return Message("lad_not_unique_to_rounding", total=float(total))
    # The segment's ends are vectors: written out once here, as notation that reads the same in every language.
    return Message("lad_not_unique_segment", start=_vector(beta), end=_vector(end), total=float(total))


def _vector(values: np.ndarray) -> str:
    return "[" + ", ".join(f"{v:.6g}" for v in values) + "]"


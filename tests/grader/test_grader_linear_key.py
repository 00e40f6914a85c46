"""The linear key is the closed form, proven the MLE by stationarity, a definite Hessian and convexity."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import statsmodels.api as sm

import grader
from grader.errors import KeyVerificationError
from grader.families import get_family, linear
from grader.families.design import solve_least_squares


def protein(seed: int, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """The seed notebook's protein concentration: y = 2 + 3 t + N(0, 2^2), t ~ U(0, 10)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, 10.0, n)
    return np.column_stack([np.ones(n), t]), 2.0 + 3.0 * t + rng.normal(0.0, 2.0, n)


@pytest.mark.parametrize("seed", range(4))
def test_closed_form_key_equals_newton_on_the_likelihood(seed, monkeypatch):
    X, y = protein(seed)
    key = grader.fit("linear", X=X, y=y)
    assert key.method.startswith("closed form") and key.iterations == 0
    # Without its exact method the fit is Newton on (beta, log sigma), confirmed by the closed form.
    monkeypatch.setattr(linear.Linear, "_exact_fit", lambda self, data: None)
    newton = grader.fit("linear", X=X, y=y)
    assert newton.method.startswith("newton") and newton.verification.closed_form_max_rel_diff <= 1e-10
    np.testing.assert_allclose(key.params["beta"], newton.params["beta"], rtol=1e-12)
    assert key.params["sigma"] == pytest.approx(newton.params["sigma"], rel=1e-12)
    assert key.loglik == pytest.approx(newton.loglik, rel=1e-14)
    np.testing.assert_allclose(key.se["beta"], newton.se["beta"], rtol=1e-9)
    assert key.se["sigma"] == pytest.approx(newton.se["sigma"], rel=1e-9)


def test_standard_errors_are_those_of_the_observed_information():
    X, y = protein(7)
    key = grader.fit("linear", X=X, y=y)
    theta = np.append(key.params["beta"], key.params["sigma"])
    hessian = get_family("linear").hess(theta, {"X": X, "y": y})
    covariance = np.linalg.inv(hessian)
    np.testing.assert_allclose(np.append(key.se["beta"], key.se["sigma"]), np.sqrt(np.diag(covariance)), rtol=1e-9)
    report = key.verification
    assert report.passed and report.hessian_definite and "strictly convex" in report.certificate
    assert report.grad_norm < 1e-9 and report.newton_decrement < 1e-9


@pytest.mark.parametrize("low", [30.0, 100.0])
def test_ill_conditioned_design_is_solved_by_the_svd_and_matches_ols(low):
    # A raw quadratic in x ~ U(low, low + 1): the column-scaled X'X has a condition number of 3e9 and 4e11, too
    # much for the normal equations (and for Newton on the likelihood, which stalls), yet below the 1e13 at which
    # standard errors lose their meaning.
    rng = np.random.default_rng(3)
    x = rng.uniform(low, low + 1.0, 80)
    X = np.column_stack([np.ones_like(x), x, x**2])
    y = 1.0 + 0.5 * x + 1e-3 * x**2 + rng.normal(0.0, 1.0, x.size)
    assert solve_least_squares(X, y).method.startswith("singular value decomposition")
    result = grader.fit("linear", X=X, y=y)
    assert "singular value decomposition" in result.method and result.verification.passed
    ols = sm.OLS(y, X).fit()
    np.testing.assert_allclose(result.params["beta"], ols.params, rtol=1e-6)
    assert result.params["sigma"] ** 2 == pytest.approx(ols.ssr / x.size, rel=1e-9)
    np.testing.assert_allclose(result.se["beta"], ols.bse * np.sqrt((x.size - 3) / x.size), rtol=1e-6)


def test_a_design_too_collinear_for_standard_errors_is_refused():
    rng = np.random.default_rng(4)
    x = rng.uniform(1000.0, 1001.0, 80)
    X = np.column_stack([np.ones_like(x), x, x**2])
    with pytest.raises(KeyVerificationError, match="too nearly collinear"):
        grader.fit("linear", X=X, y=x + rng.normal(0.0, 1.0, x.size))


def test_a_closed_form_that_is_not_stationary_is_refused(monkeypatch):
    X, y = protein(2)
    real = solve_least_squares

    def off_by_a_tenth_of_a_standard_error(X, y):
        fit = real(X, y)
        delta = 0.1 * np.sqrt(fit.gram_inverse_diagonal * fit.rss / y.size)
        beta = fit.beta + delta
        residuals = y - X @ beta
        # The step back to the optimum is -delta: what the refinement would report at this beta.
        return dataclasses.replace(
            fit, beta=beta, residuals=residuals, rss=float(residuals @ residuals), next_step=-delta
        )

    monkeypatch.setattr(linear, "solve_least_squares", off_by_a_tenth_of_a_standard_error)
    with pytest.raises(KeyVerificationError, match="not stationary: a further Newton step would move beta"):
        grader.fit("linear", X=X, y=y)


def test_an_exact_fit_has_no_mle_before_any_solve(monkeypatch):
    X, _ = protein(1)
    monkeypatch.setattr(linear, "solve_least_squares", lambda X, y: pytest.fail("the key must not be computed"))
    with pytest.raises(KeyVerificationError, match="exact linear combination"):
        grader.fit("linear", X=X, y=X @ [2.0, 3.0])

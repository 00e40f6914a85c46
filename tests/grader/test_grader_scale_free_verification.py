"""Verification and optimisers judge optima in standard errors, not in the units of the data.

Each case is a legitimate fit that an absolute gradient tolerance, scipy's absolute gtol and ball-shaped trust
region, or an unscaled eigenvalue floor used to reject (or accept wrongly); the expected values are numpy's mean
and standard deviation of the same data.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm

import grader
from grader.verification import STATIONARY_SE_TOL, is_stationary, verify


@pytest.mark.parametrize("seed", [3, 10, 11])
def test_a_million_normal_draws_centred_on_zero(seed):
    # mu is about one se from 0, so agreement is judged against se, where trust-exact (which compares nll values
    # of order 1e6) resolves only ~1e-5 standard errors. The verification must accept that, not the key be lost.
    x = np.random.default_rng(seed).normal(0.0, 1.0, 10**6)
    result = grader.fit("normal", x=x)
    assert result.params["mu"] == pytest.approx(x.mean(), rel=1e-9, abs=1e-9 * result.se["mu"])
    assert result.params["sigma"] == pytest.approx(x.std(), rel=1e-9)


@pytest.mark.parametrize(
    ("centre", "spread", "size"),
    [(1e8, 1.0, 1000), (1e8, 1e6, 1000), (0.0, 1e8, 10**5), (1e3, 1e-6, 1000), (1e3, 1e-6, 10**5), (-5e7, 3e-3, 500)],
)
def test_normal_verifies_at_extreme_scales(centre, spread, size):
    x = centre + np.random.default_rng(12).normal(0.0, spread, size)
    result = grader.fit("normal", x=x)
    assert result.params["mu"] == pytest.approx(x.mean(), rel=1e-12, abs=1e-9 * result.se["mu"])
    deviations = x - x.mean()
    assert result.params["sigma"] == pytest.approx(math.sqrt(deviations @ deviations / size), rel=1e-9)
    assert result.verification.passed


def test_tiny_spread_passes_although_the_gradient_is_large_in_absolute_terms():
    # One rounding unit of mu near 1e3 is 1e-13, which is 0.1 n in gradient units when sigma is 1e-6: the old
    # absolute tolerance (1e-6 per observation) refused this correct key; the Newton decrement does not.
    x = 1e3 + np.random.default_rng(13).normal(0.0, 1e-6, 1000)
    result = grader.fit("normal", x=x)
    assert result.grad_norm > 1e-6 * x.size
    assert result.verification.newton_decrement is not None
    assert result.verification.passed


def test_a_point_half_a_standard_error_off_is_not_stationary_however_small_its_gradient():
    # sigma = 1e8: mu half an se from the optimum has a gradient of 1.6e-7, which the old absolute tolerance
    # (1e-6 per observation, 1e-3 here) passed.
    x = np.random.default_rng(14).normal(0.0, 1e8, 1000)
    family = grader.FAMILIES["normal"]()
    mu, sigma = x.mean(), x.std()
    theta = np.array([mu + 0.5 * sigma / math.sqrt(x.size), sigma])
    gradient, hessian = family.grad(theta, {"x": x}), family.hess(theta, {"x": x})
    assert np.linalg.norm(gradient) < 1e-6 * x.size
    report = verify(labels=["mu", "sigma"], theta=theta, gradient=gradient, hessian=hessian, n=x.size,
                    converged=True, optimizer_message="", closed_form=None, second=theta, second_message="")
    assert not report.passed
    assert report.newton_decrement == pytest.approx(0.5, rel=1e-3) and report.newton_decrement > STATIONARY_SE_TOL
    assert any("not stationary" in problem for problem in report.problems)


@pytest.mark.parametrize("x", [[0.0, 1e-9], [1.5, 1.5 + 1e-9, 1.5 + 3e-9], [1e3, 1e3 + 1e-6]])
def test_two_or_three_points_a_billionth_apart(x):
    # Curvatures of 1e18 in mu next to 1 in log sigma: scipy's trust-exact could not move log sigma at all until
    # its coordinates were scaled by the Hessian's diagonal at the start.
    result = grader.fit("normal", x=x)
    assert result.params["mu"] == pytest.approx(np.mean(x), rel=1e-12)
    assert result.params["sigma"] == pytest.approx(np.std(x), rel=1e-9)


def test_an_estimate_at_the_last_representable_digit_is_stationary():
    # mu = 1e3 with se = 1e-13: its Newton step (a tenth of a rounding unit) is 0.1 se, but no double is closer.
    theta = np.array([1e3, 1e-11])
    hessian = np.diag([1e26, 2e22])
    step_in_mu = 0.1 * np.spacing(1e3)
    assert is_stationary(theta, np.array([1e26 * step_in_mu, 0.0]), hessian)
    assert not is_stationary(theta, np.array([1e26 * 100 * np.spacing(1e3), 0.0]), hessian)
    # Where the estimate has digits to spare, the tolerance is STATIONARY_SE_TOL standard errors.
    theta, hessian = np.array([2.0, 1.0]), np.diag([1e4, 2e4])
    se = 1 / math.sqrt(1e4)
    assert is_stationary(theta, np.array([1e4 * 0.9 * STATIONARY_SE_TOL * se, 0.0]), hessian)
    assert not is_stationary(theta, np.array([1e4 * 1.1 * STATIONARY_SE_TOL * se, 0.0]), hessian)


@pytest.mark.parametrize("family_id", ["logistic", "poisson_regression", "linear"])
def test_a_covariate_in_units_of_1e7_verifies(family_id):
    # Measured in units of 1e7, the covariate's curvature is 1e14 times the intercept's: a condition number of
    # 1e14 for the raw Hessian, which the old limit (1e13, in raw units) refused, though nothing is ill-posed. The
    # expected values are statsmodels' fit on the covariate in its natural units, rescaled.
    rng = np.random.default_rng(15)
    n = 400
    x = rng.normal(size=n)
    natural = np.column_stack([np.ones(n), x])
    if family_id == "logistic":
        y = (rng.random(n) < 1 / (1 + np.exp(0.5 - 0.8 * x))).astype(float)
        reference = sm.Logit(y, natural).fit(disp=0)
    elif family_id == "poisson_regression":
        y = rng.poisson(np.exp(0.3 + 0.5 * x)).astype(float)
        reference = sm.GLM(y, natural, family=sm.families.Poisson()).fit(tol=1e-13)
    else:
        y = 1.0 + 2.0 * x + rng.normal(size=n)
        reference = sm.OLS(y, natural).fit()
    result = grader.fit(family_id, X=np.column_stack([np.ones(n), 1e7 * x]), y=y)
    assert result.verification.passed
    np.testing.assert_allclose(result.params["beta"], reference.params / [1.0, 1e7], rtol=1e-8)
    if family_id != "linear":  # statsmodels' OLS standard errors use n - d, not the MLE's n
        np.testing.assert_allclose(result.se["beta"], reference.bse / [1.0, 1e7], rtol=1e-6)


def test_a_nearly_collinear_design_still_fails_the_conditioning_check():
    # Column 2 is column 1 plus noise of 1e-8 of its size: full rank by the design check (singular-value ratio
    # above 1e-9), but its scaled Hessian has a condition number near 1e16, beyond what the key can resolve.
    rng = np.random.default_rng(16)
    n = 300
    x = rng.normal(size=n)
    X = np.column_stack([np.ones(n), x, x + 1e-8 * rng.normal(size=n)])
    with pytest.raises(grader.KeyVerificationError, match="not safely positive definite"):
        grader.fit("linear", X=X, y=1.0 + x + rng.normal(size=n))


def test_conditioning_is_judged_with_the_diagonal_scaled_to_one():
    theta, gradient = np.array([1e-7, 1.0]), np.zeros(2)
    unequal_units = verify(labels=["a", "b"], theta=theta, gradient=gradient, hessian=np.diag([1e16, 1.0]), n=10,
                           converged=True, optimizer_message="", closed_form=None, certificate="convex")
    assert unequal_units.passed
    nearly_singular = np.array([[1.0, 1.0 - 1e-14], [1.0 - 1e-14, 1.0]])
    report = verify(labels=["a", "b"], theta=theta, gradient=gradient, hessian=nearly_singular, n=10,
                    converged=True, optimizer_message="", closed_form=None, certificate="convex")
    assert not report.passed and "not safely positive definite" in report.problems[0]


@pytest.mark.parametrize("seed", [1, 3, 7])
def test_residuals_a_millionth_of_y_converge(seed):
    # y near 1e3 with residuals near 1e-4: each residual carries a relative rounding error near 1e-9, so the nll's
    # rounding noise (1e-6) exceeds the decrease the last Newton steps in log sigma predict. Comparing nll values
    # rejected those steps at random, and the fit ended "without converging" (the key was refused). The expected
    # values are the SVD least squares on unit-length columns.
    rng = np.random.default_rng(seed)
    n = 3000
    X = np.column_stack([np.ones(n), rng.normal(0.0, 5.0, n), rng.normal(0.0, 150.0, n), rng.normal(0.0, 4.0, n)])
    y = X @ np.array([140.0, 70.0, 2.7, -390.0]) + rng.normal(0.0, 1e-4, n)
    result = grader.fit("linear", X=X, y=y)
    norms = np.linalg.norm(X, axis=0)
    beta = np.linalg.lstsq(X / norms, y, rcond=None)[0] / norms
    assert result.converged and result.verification.passed
    np.testing.assert_allclose(result.params["beta"], beta, rtol=1e-12)
    residuals = y - X @ beta
    assert result.params["sigma"] == pytest.approx(math.sqrt(residuals @ residuals / n), rel=1e-6)

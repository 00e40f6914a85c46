"""Verification and optimisers judge optima in standard errors, not in the units of the data.

Each case is a legitimate fit that an absolute gradient tolerance, scipy's absolute gtol and ball-shaped trust
region, or an unscaled eigenvalue floor used to reject (or accept wrongly); the expected values are numpy's mean
and standard deviation of the same data.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

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

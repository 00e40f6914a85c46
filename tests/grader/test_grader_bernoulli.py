"""Bernoulli: fits against hand-computed values and statsmodels, boundary data, and bad data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.special import expit

import grader

WEATHER_15 = [1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1]  # the homework survey: 9 "yes" of 15
WORKED_10 = [1, 0, 1, 0, 1, 1, 1, 1, 0, 1]  # the lecture's worked example: 7 "yes" of 10


def test_weather_survey_fit_matches_the_hand_computation():
    result = grader.fit("bernoulli", y=WEATHER_15)
    assert abs(result.params["p"] - 0.6) <= 1e-9
    assert result.loglik == pytest.approx(9 * math.log(0.6) + 6 * math.log(0.4), rel=1e-12)
    assert result.se["p"] == pytest.approx(math.sqrt(0.6 * 0.4 / 15), rel=1e-9)
    assert result.n == 15
    assert result.mean_nll == pytest.approx(-(9 * math.log(0.6) + 6 * math.log(0.4)) / 15, rel=1e-12)
    assert result.converged and result.iterations >= 1
    assert "logit p" in result.method
    report = result.verification
    assert report.passed and report.problems == ()
    assert report.hessian_definite
    assert report.closed_form_max_rel_diff is not None and report.closed_form_max_rel_diff <= 1e-8
    # Confirmed by the closed form and by convexity, so the second optimiser does not run.
    assert report.second_method_max_rel_diff is None
    assert report.certificate is not None and report.certificate.startswith("convex nll")
    assert result.grad_norm == report.grad_norm <= 1e-6 * 15


def test_worked_example_seven_of_ten():
    result = grader.fit("bernoulli", y=WORKED_10)
    assert abs(result.params["p"] - 0.7) <= 1e-9
    assert result.loglik == pytest.approx(7 * math.log(0.7) + 3 * math.log(0.3), rel=1e-12)


def test_booleans_and_numpy_arrays_are_accepted_and_not_modified():
    y = np.array(WEATHER_15, dtype=bool)
    result = grader.fit("bernoulli", y=y)
    assert abs(result.params["p"] - 0.6) <= 1e-9
    assert y.flags.writeable and y.sum() == 9


@pytest.mark.parametrize("seed", [11, 12])
def test_agrees_with_statsmodels_intercept_only_logit(seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(250) < 0.35).astype(float)
    reference = sm.Logit(y, np.ones((y.size, 1))).fit(disp=0)
    p = float(expit(reference.params[0]))
    result = grader.fit("bernoulli", y=y)
    assert result.params["p"] == pytest.approx(p, rel=1e-7)
    assert result.loglik == pytest.approx(reference.llf, rel=1e-9)
    # statsmodels reports the se of logit p; the delta method carries it to p.
    assert result.se["p"] == pytest.approx(p * (1 - p) * float(reference.bse[0]), rel=1e-6)


@pytest.mark.parametrize(("ones", "n"), [(1, 10_000), (9_999, 10_000)])
def test_extreme_imbalance_converges_without_warnings(ones, n):
    y = np.zeros(n)
    y[:ones] = 1.0
    result = grader.fit("bernoulli", y=y)
    p = ones / n
    assert result.params["p"] == pytest.approx(p, rel=1e-9)
    assert result.loglik == pytest.approx(ones * math.log(p) + (n - ones) * math.log1p(-p), rel=1e-10)
    assert result.se["p"] == pytest.approx(math.sqrt(p * (1 - p) / n), rel=1e-8)
    assert result.converged and result.verification.passed


@pytest.mark.parametrize(
    ("y", "message"),
    [
        ([1] * 15, "all 15 observations are 1: the MLE p̂ = 1 lies on the boundary of 0 < p < 1"),
        ([0] * 7, "all 7 observations are 0: the MLE p̂ = 0 lies on the boundary of 0 < p < 1"),
        ([1], "the only observation is 1: the MLE p̂ = 1 lies on the boundary"),
    ],
)
def test_all_equal_outcomes_have_no_interior_maximum(y, message):
    with pytest.raises(grader.KeyVerificationError, match=message) as caught:
        grader.fit("bernoulli", y=y)
    assert "no interior maximum exists" in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"y": []}, r"y is empty"),
        ({"y": np.array([[1, 0], [0, 1]])}, r"y must be a 1-D array; got shape \(2, 2\)"),
        ({"y": 1}, r"y must be a 1-D array; got shape \(\)"),
        ({"y": [1, 0, np.nan]}, r"non-finite value\(s\) \(NaN or infinity\), the first at index 2"),
        ({"y": [1, 0, np.inf]}, r"non-finite"),
        ({"y": [1, 0, 2, 0.5]}, r"y must contain only 0 and 1; found 2 other value\(s\), the first 2 at index 2"),
        ({"y": [1, -1]}, r"only 0 and 1"),
        ({"y": ["1", "0"]}, r"y must contain numbers"),
        ({"y": [1 + 0j, 0]}, r"y must contain numbers"),
        ({"y": [[1], [0, 1]]}, r"cannot be read"),
        ({}, r"bernoulli takes the data y; missing: y"),
        ({"y": [1, 0], "x": [1, 2]}, r"unexpected: x"),
        ({"x": [1, 0]}, r"missing: y; unexpected: x"),
    ],
)
def test_bad_data_raises_data_error_saying_what_is_wrong(data, message):
    with pytest.raises(grader.DataError, match=message):
        grader.fit("bernoulli", **data)


@pytest.mark.parametrize("family_id", ["Bernoulli", "logit", "", "bernoulli "])
def test_unknown_family_lists_the_known_ones(family_id):
    with pytest.raises(grader.DataError, match=r"unknown family .*; known families: .*bernoulli"):
        grader.fit(family_id, y=WEATHER_15)


def test_public_nll_grad_hess_at_known_points():
    family = grader.FAMILIES["bernoulli"]()
    data = {"y": WEATHER_15}
    assert family.nll([0.6], data) == pytest.approx(-(9 * math.log(0.6) + 6 * math.log(0.4)), rel=1e-14)
    assert family.grad([0.5], data)[0] == pytest.approx(-9 / 0.5 + 6 / 0.5, rel=1e-14)
    assert family.hess([0.6], data)[0, 0] == pytest.approx(15 / (0.6 * 0.4), rel=1e-12)
    assert family.closed_form(data) == {"p": 0.6}
    assert family.mle_problem(data) is None
    assert "boundary" in family.mle_problem({"y": [0, 0]})


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1, 1.5, np.inf])
def test_theta_outside_the_unit_interval_is_refused(p):
    family = grader.FAMILIES["bernoulli"]()
    with pytest.raises(grader.ParameterError, match=r"p must satisfy 0 < p < 1"):
        family.nll([p], {"y": WEATHER_15})


def test_overflowing_curvature_is_an_error_not_a_warning():
    family = grader.FAMILIES["bernoulli"]()
    # 9 / p**2 exceeds the largest double for p = 1e-200.
    with pytest.raises(grader.ParameterError, match="Hessian .* is not finite"):
        family.hess([1e-200], {"y": WEATHER_15})
    assert family.nll([1e-200], {"y": WEATHER_15}) == pytest.approx(-9 * math.log(1e-200), rel=1e-12)


@pytest.mark.parametrize("n", [10, 15, 40, 1000])
def test_every_interior_count_has_a_verified_key(n):
    # Regression: scipy's trust-exact stopped "unable to predict improvement" at the optimum for 5, 7, 8, 10 of 15,
    # and the verification rejected a correct key. Every interior k/n must verify, and equal k/n.
    for k in range(1, n, max(1, n // 40)):
        y = np.array([1.0] * k + [0.0] * (n - k))
        fit = grader.fit("bernoulli", y=y)
        assert fit.verification.passed
        assert fit.params["p"] == pytest.approx(k / n, rel=1e-10)

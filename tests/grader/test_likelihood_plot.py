"""The likelihood plot's grid: its values against closed-form log-likelihoods, its range, and the student's point."""

from __future__ import annotations

import math

import numpy as np
import pytest

import grader
from grader.likelihood_plot import CURVE_POINTS, SURFACE_POINTS, likelihood_grid

# 8 "yes" of 15: the closed-form MLE is 8/15, not a round number.
SURVEY = np.array([1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0], dtype=float)
K, N = 8, 15
SAMPLE = np.array([4.1, 5.3, 3.8, 6.0, 4.9, 5.5, 4.4, 5.1, 6.3, 3.9, 4.7, 5.8])


def bernoulli_loglik(p):
    return K * np.log(p) + (N - K) * np.log(1 - p)


def normal_loglik(mu, sigma, x=SAMPLE):
    mu, sigma = np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float)
    squares = ((x[:, None] - mu.ravel()[None, :]) ** 2).sum(axis=0).reshape(mu.shape)
    return -x.size / 2 * np.log(2 * np.pi) - x.size * np.log(sigma) - squares / (2 * sigma**2)


@pytest.fixture(scope="module")
def survey_fit():
    return grader.fit("bernoulli", y=SURVEY)


@pytest.fixture(scope="module")
def sample_fit():
    return grader.fit("normal", x=SAMPLE)


def test_bernoulli_curve_equals_the_closed_form_log_likelihood(survey_fit):
    grid = likelihood_grid("bernoulli", {"y": SURVEY}, survey_fit, ["p"])
    p = grid.axes[0].values
    assert grid.loglik.shape == p.shape == (CURVE_POINTS,)
    np.testing.assert_allclose(grid.loglik, bernoulli_loglik(p), rtol=1e-10)
    assert grid.axes[0].label == "p" and grid.held_at_mle == ()


def test_curve_peaks_at_the_mle_within_one_grid_step(survey_fit):
    grid = likelihood_grid("bernoulli", {"y": SURVEY}, survey_fit, ["p"])
    p = grid.axes[0].values
    step = p[1] - p[0]
    assert abs(p[np.argmax(grid.loglik)] - K / N) <= step
    assert grid.max_loglik == pytest.approx(float(bernoulli_loglik(K / N)), rel=1e-10)
    assert np.nanmax(grid.loglik) <= grid.max_loglik + 1e-9


def test_the_range_is_four_standard_errors_either_side_when_the_domain_allows():
    y = np.array([1.0] * 40 + [0.0] * 60)  # p̂ = 0.4, SE = sqrt(0.4 * 0.6 / 100) = 0.049: 0.204 to 0.596
    fit = grader.fit("bernoulli", y=y)
    se = math.sqrt(0.4 * 0.6 / 100)
    grid = likelihood_grid("bernoulli", {"y": y}, fit, ["p"])
    lo, hi = grid.axes[0].values[[0, -1]]
    assert grid.axes[0].se == pytest.approx(se, rel=1e-6)
    assert lo == pytest.approx(0.4 - 4 * se, rel=1e-6) and hi == pytest.approx(0.4 + 4 * se, rel=1e-6)


def test_domain_clipping_keeps_p_strictly_inside_zero_and_one():
    y = np.array([1.0] + [0.0] * 9)  # p̂ = 0.1, SE 0.095: MLE - 4 SE is far below 0
    fit = grader.fit("bernoulli", y=y)
    grid = likelihood_grid("bernoulli", {"y": y}, fit, ["p"])
    lo, hi = grid.axes[0].values[[0, -1]]
    assert 0 < lo < 0.1 < hi < 1
    assert hi == pytest.approx(0.1 + 4 * math.sqrt(0.1 * 0.9 / 10), rel=1e-6)
    assert np.isfinite(grid.loglik).all()


def test_sigma_stays_positive_for_a_tiny_sample():
    x = np.array([1.0, 2.0, 4.0])  # n = 3: SE(sigma) = sigma / sqrt(6), 4 SE reach below 0
    fit = grader.fit("normal", x=x)
    grid = likelihood_grid("normal", {"x": x}, fit, ["mu", "sigma"])
    assert grid.axes[1].values[0] > 0
    assert np.isfinite(grid.loglik).all()


def test_normal_surface_equals_the_closed_form_and_peaks_at_the_mle(sample_fit):
    grid = likelihood_grid("normal", {"x": SAMPLE}, sample_fit, ["mu", "sigma"])
    mu, sigma = grid.axes[0].values, grid.axes[1].values
    assert grid.loglik.shape == (SURFACE_POINTS, SURFACE_POINTS)
    MU, SIGMA = np.meshgrid(mu, sigma)
    np.testing.assert_allclose(grid.loglik, normal_loglik(MU, SIGMA), rtol=1e-10)
    row, column = np.unravel_index(np.argmax(grid.loglik), grid.loglik.shape)
    mu_hat = SAMPLE.mean()
    sigma_hat = math.sqrt(((SAMPLE - mu_hat) ** 2).mean())  # divisor n
    assert abs(mu[column] - mu_hat) <= mu[1] - mu[0]
    assert abs(sigma[row] - sigma_hat) <= sigma[1] - sigma[0]
    assert grid.held_at_mle == ()


def test_one_parameter_of_two_holds_the_other_at_its_mle(sample_fit):
    grid = likelihood_grid("normal", {"x": SAMPLE}, sample_fit, ["sigma"])
    sigma_hat = math.sqrt(((SAMPLE - SAMPLE.mean()) ** 2).mean())
    assert grid.held_at_mle == ("mu",)
    np.testing.assert_allclose(
        grid.loglik, normal_loglik(np.full(CURVE_POINTS, SAMPLE.mean()), grid.axes[0].values), rtol=1e-10
    )
    assert grid.axes[0].mle == pytest.approx(sigma_hat, rel=1e-8)


def test_regression_coefficients_by_their_element_labels():
    rng = np.random.default_rng(7)
    t = rng.uniform(0, 10, 30)
    X = np.column_stack([np.ones_like(t), t])
    y = 2.0 + 0.5 * t + rng.normal(0, 1, t.size)
    fit = grader.fit("linear", X=X, y=y)
    grid = likelihood_grid("linear", {"X": X, "y": y}, fit, ["beta[1]"], [0.6])
    b1 = grid.axes[0].values
    beta0, sigma = fit.params["beta"][0], fit.params["sigma"]
    rss = ((y[:, None] - beta0 - t[:, None] * b1[None, :]) ** 2).sum(axis=0)
    expected = -t.size / 2 * np.log(2 * np.pi * sigma**2) - rss / (2 * sigma**2)
    np.testing.assert_allclose(grid.loglik, expected, rtol=1e-10)
    assert grid.held_at_mle == ("beta[0]", "sigma")


def test_a_near_student_point_widens_the_view(survey_fit):
    grid = likelihood_grid("bernoulli", {"y": SURVEY}, survey_fit, ["p"], [0.98])
    assert grid.student_on_plot
    assert grid.axes[0].values[0] < 0.98 < grid.axes[0].values[-1] < 1
    assert grid.student_loglik == pytest.approx(float(bernoulli_loglik(0.98)), rel=1e-10)


def test_a_student_point_some_standard_errors_away_is_inside_the_view(sample_fit):
    se_mu = sample_fit.se["mu"]
    student = (SAMPLE.mean() + 10 * se_mu, 0.8)
    grid = likelihood_grid("normal", {"x": SAMPLE}, sample_fit, ["mu", "sigma"], student)
    assert grid.student_on_plot
    for axis, value in zip(grid.axes, student, strict=True):
        assert axis.values[0] < value < axis.values[-1]
    assert grid.student_loglik == pytest.approx(float(normal_loglik(student[0], student[1])), rel=1e-10)


@pytest.mark.parametrize("student", [(1.5,), (0.0,), (-0.2,)])
def test_a_student_point_outside_the_domain_is_off_the_plot(survey_fit, student):
    grid = likelihood_grid("bernoulli", {"y": SURVEY}, survey_fit, ["p"], student)
    assert not grid.student_on_plot and grid.student_loglik is None
    assert grid.student == student
    assert 0 < grid.axes[0].values[0] and grid.axes[0].values[-1] < 1  # the view did not follow it


def test_a_student_point_far_beyond_twenty_standard_errors_is_off_the_plot(sample_fit):
    far = SAMPLE.mean() + 25 * sample_fit.se["mu"]
    grid = likelihood_grid("normal", {"x": SAMPLE}, sample_fit, ["mu"], [far])
    assert not grid.student_on_plot
    assert grid.axes[0].values[-1] < far
    assert grid.axes[0].values[-1] == pytest.approx(SAMPLE.mean() + 4 * sample_fit.se["mu"], rel=1e-8)


def test_unknown_elements_and_wrong_lengths_are_refused(survey_fit, sample_fit):
    with pytest.raises(grader.ParameterError, match="no parameter 'q'"):
        likelihood_grid("bernoulli", {"y": SURVEY}, survey_fit, ["q"])
    with pytest.raises(grader.ParameterError, match="one or two"):
        likelihood_grid("normal", {"x": SAMPLE}, sample_fit, [])
    with pytest.raises(grader.ParameterError, match="2 value"):
        likelihood_grid("normal", {"x": SAMPLE}, sample_fit, ["mu"], [1.0, 2.0])


@pytest.mark.parametrize("family_id", sorted(grader.FAMILIES))
def test_every_family_peaks_at_its_mle(family_id):
    family = grader.FAMILIES[family_id]()
    data = family.example_data(np.random.default_rng(11))
    fit = grader.fit(family_id, **data)
    labels = family.element_labels(data)
    grid = likelihood_grid(family_id, data, fit, labels[:2])
    assert np.isfinite(grid.loglik).all()
    peak = np.unravel_index(np.argmax(grid.loglik), grid.loglik.shape)[::-1]  # columns follow the first axis
    for axis, index in zip(grid.axes, peak, strict=True):
        assert abs(axis.values[index] - axis.mle) <= axis.values[1] - axis.values[0]
    assert grid.loglik.max() <= fit.loglik + 1e-9 * abs(fit.loglik)
    assert not grid.loglik.flags.writeable

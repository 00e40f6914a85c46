"""Key specs: every valid form resolves to the right number; anything else is a KeySpecError listing the valid ones."""

from __future__ import annotations

import math

import numpy as np
import pytest

import grader

WEATHER_15 = [1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1]


@pytest.fixture(scope="module")
def weather():
    return grader.fit("bernoulli", y=WEATHER_15)


def synthetic_fit(loglik: float = -12.5) -> grader.FitResult:
    """A fit with vector and matrix parameters, as the regression families will produce."""
    beta = np.array([1.5, -2.0, 0.25])
    gamma = np.arange(6.0).reshape(2, 3)
    report = grader.Verification(1e-12, True, None, 1e-12, True, ())
    return grader.FitResult(
        family="synthetic",
        params={"beta": beta, "gamma": gamma, "sigma": 2.0},
        loglik=loglik,
        se={"beta": abs(beta) / 10, "gamma": gamma / 100, "sigma": 0.125},
        converged=True,
        grad_norm=1e-12,
        iterations=5,
        method="newton",
        n=20,
        verification=report,
    )


def test_scalar_specs_of_the_weather_survey(weather):
    loglik = 9 * math.log(0.6) + 6 * math.log(0.4)
    assert grader.key_value(weather, "mle.p") == pytest.approx(0.6, rel=1e-9)
    assert grader.key_value(weather, "se.p") == pytest.approx(math.sqrt(0.24 / 15), rel=1e-9)
    assert grader.key_value(weather, "loglik") == pytest.approx(loglik, rel=1e-12)
    assert grader.key_value(weather, "mean_nll") == pytest.approx(-loglik / 15, rel=1e-12)
    assert grader.key_value(weather, "likelihood") == pytest.approx(0.6**9 * 0.4**6, rel=1e-10)
    assert all(type(grader.key_value(weather, spec)) is float for spec in ("mle.p", "loglik", "likelihood"))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("mle.beta[0]", 1.5),
        ("mle.beta[1]", -2.0),
        ("mle.beta[2]", 0.25),
        ("se.beta[1]", 0.2),
        ("mle.gamma[1,2]", 5.0),
        ("mle.gamma[0, 1]", 1.0),
        ("se.gamma[1,0]", 0.03),
        ("mle.sigma", 2.0),
        ("se.sigma", 0.125),
        ("mean_nll", 12.5 / 20),
    ],
)
def test_indexed_specs(spec, expected):
    assert grader.key_value(synthetic_fit(), spec) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("mle.beta", "beta takes 1 index"),
        ("mle.beta[3]", "out of range"),
        ("mle.gamma[1]", "gamma takes 2 index"),
        ("mle.gamma[2,0]", "out of range"),
        ("mle.sigma[0]", "sigma takes no index"),
        ("mle.beta[-1]", "grammar"),
        ("mle.beta[0]x", "grammar"),
        ("mle.beta[0][1]", "grammar"),
        ("mle.delta", "no parameter 'delta'"),
        ("se.delta[0]", "no parameter 'delta'"),
        ("MLE.sigma", "grammar"),
        ("mle.Sigma", "grammar"),
        ("mle sigma", "grammar"),
        (" loglik", "grammar"),
        ("loglik ", "grammar"),
        ("log_lik", "grammar"),
        ("", "grammar"),
        ("__import__('os')", "grammar"),
        ("mle.sigma; loglik", "grammar"),
        ("mle.__class__", "no parameter '__class__'"),
    ],
)
def test_invalid_specs_name_the_problem_and_list_valid_specs(spec, reason):
    with pytest.raises(grader.KeySpecError, match=reason) as caught:
        grader.key_value(synthetic_fit(), spec)
    message = str(caught.value)
    for valid in ("loglik", "mean_nll", "likelihood", "mle.beta[0..2]", "mle.gamma[0..1,0..2]", "se.sigma"):
        assert valid in message


def test_spec_must_be_a_string(weather):
    with pytest.raises(grader.KeySpecError, match="must be a string"):
        grader.key_value(weather, None)


def test_key_spec_error_is_a_value_error(weather):
    with pytest.raises(ValueError):
        grader.key_value(weather, "mle.q")


@pytest.mark.parametrize("loglik", [-800.0, 800.0])
def test_likelihood_outside_double_precision_is_refused(loglik):
    with pytest.raises(grader.KeyVerificationError, match="use loglik or mean_nll"):
        grader.key_value(synthetic_fit(loglik), "likelihood")
    assert grader.key_value(synthetic_fit(loglik), "loglik") == loglik

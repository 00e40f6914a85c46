"""Wrong estimators are computed from the same data and recognised; every expected value is computed here
independently of the grader (closed forms with numpy, statsmodels)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm

import grader
from grader.checking import LikelyMistake, Tolerance, check_number, check_vector, combine_scores
from grader.misconceptions import _DETECTORS, MISCONCEPTIONS, likely_mistakes
from grader.penalised import l2_penalised_fit

SURVEY = np.array([1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1], dtype=float)  # 9 yes of 15


def verdict_for(family: str, spec: str, answer: float, **data) -> grader.Verdict:
    fitted = grader.fit(family, **data)
    key = grader.key_value(fitted, spec)
    return check_number(answer, key, Tolerance(), likely_mistakes(fitted, spec, data))


def seed_regression(n: int = 100, seed: int = 42):
    """The seed notebook's protein-concentration data: y = 2 + 3x + N(0, 2²), x ~ U(0, 10)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, n)
    y = 2.0 + 3.0 * x + rng.normal(0, 2.0, n)
    return np.column_stack([np.ones(n), x]), y


def seed_logistic(n: int = 200, seed: int = 42):
    """The seed notebook's biomarker data: P(ill) = expit(−1 + 0.8 x), x ~ U(−5, 5)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-5, 5, n)
    y = rng.binomial(1, 1 / (1 + np.exp(-(-1.0 + 0.8 * x)))).astype(float)
    return np.column_stack([np.ones(n), x]), y


def test_every_misconception_has_one_detector_and_two_languages():
    assert sorted(d[0] for d in _DETECTORS) == sorted(MISCONCEPTIONS)
    for misconception in MISCONCEPTIONS.values():
        assert misconception.en.strip() and misconception.ru.strip()
        assert any("а" <= ch <= "я" for ch in misconception.ru.lower())


# ----- one-sample families ----------------------------------------------------------------------------------

def test_the_other_outcomes_share_is_named():
    verdict = verdict_for("bernoulli", "mle.p", 0.4, y=SURVEY)  # 6 "no" of 15
    assert not verdict.correct and verdict.misconception == "complement_probability"
    assert verdict_for("bernoulli", "mle.p", 0.6, y=SURVEY).correct
    plain_wrong = verdict_for("bernoulli", "mle.p", 0.5, y=SURVEY)
    assert not plain_wrong.correct and plain_wrong.misconception is None and plain_wrong.code == "incorrect"


def test_a_mistake_that_lands_on_the_key_is_correct():
    half = np.array([1, 0] * 5, dtype=float)  # p̂ = 0.5 = 1 − p̂
    verdict = verdict_for("bernoulli", "mle.p", 0.5, y=half)
    assert verdict.correct and verdict.misconception is None


def test_log10_sign_and_mean_of_the_survey_loglik():
    loglik = 9 * math.log(0.6) + 6 * math.log(0.4)
    assert verdict_for("bernoulli", "loglik", round(loglik, 4), y=SURVEY).correct
    decimal = 9 * math.log10(0.6) + 6 * math.log10(0.4)
    assert verdict_for("bernoulli", "loglik", decimal, y=SURVEY).misconception == "log10_instead_of_ln"
    assert verdict_for("bernoulli", "loglik", -loglik, y=SURVEY).misconception == "sign_flipped"
    assert verdict_for("bernoulli", "loglik", loglik / 15, y=SURVEY).misconception == "mean_instead_of_sum"
    assert verdict_for("bernoulli", "mean_nll", -loglik, y=SURVEY).misconception == "sum_instead_of_mean"


def test_sample_standard_deviation_and_variance_for_sigma():
    x = np.random.default_rng(3).normal(10.0, 2.0, 25)
    assert verdict_for("normal", "mle.sigma", np.std(x), x=x).correct
    assert verdict_for("normal", "mle.sigma", np.std(x, ddof=1), x=x).misconception == "sigma_n_minus_1"
    assert verdict_for("normal", "mle.sigma", np.var(x), x=x).misconception == "variance_instead_of_sigma"


def test_mean_waiting_time_for_the_rate():
    x = np.random.default_rng(4).exponential(2.5, 40)
    assert verdict_for("exponential", "mle.rate", 1 / np.mean(x), x=x).correct
    assert verdict_for("exponential", "mle.rate", np.mean(x), x=x).misconception == "mean_instead_of_rate"


# ----- regression families ----------------------------------------------------------------------------------

def test_linear_sigma_with_n_minus_p_and_the_mse():
    X, y = seed_regression()
    ols = sm.OLS(y, X).fit()
    rss = float(np.sum(ols.resid**2))
    n = len(y)
    assert verdict_for("linear", "mle.sigma", math.sqrt(rss / n), X=X, y=y).correct
    assert verdict_for("linear", "mle.sigma", math.sqrt(rss / (n - 2)), X=X, y=y).misconception == "sigma_n_minus_p"
    assert verdict_for("linear", "mle.sigma", rss / n, X=X, y=y).misconception == "variance_instead_of_sigma"


def test_slope_of_a_fit_without_intercept():
    X, y = seed_regression()
    through_origin = float(np.sum(X[:, 1] * y) / np.sum(X[:, 1] ** 2))
    verdict = verdict_for("linear", "mle.beta[1]", through_origin, X=X, y=y)
    assert verdict.misconception == "no_intercept"
    # The intercept itself has no "without intercept" counterpart.
    fitted = grader.fit("linear", X=X, y=y)
    assert all(m.misconception != "no_intercept" for m in likely_mistakes(fitted, "mle.beta[0]", {"X": X, "y": y}))


def test_penalised_logistic_fit_satisfies_its_own_optimality_condition():
    X, y = seed_logistic()
    beta = l2_penalised_fit(X, y, inverse_strength=1.0, unpenalised=0)
    p = 1 / (1 + np.exp(-(X @ beta)))
    gradient = X.T @ (p - y) + np.array([0.0, 1.0]) * beta  # independent: the penalised score equations
    assert np.linalg.norm(gradient) < 1e-8


def test_scikit_learn_default_is_recognised_where_the_mle_is_asked():
    X, y = seed_logistic()
    mle = sm.Logit(y, X).fit(disp=0).params
    penalised = l2_penalised_fit(X, y, inverse_strength=1.0, unpenalised=0)
    # The seed's n = 200 example: the default penalty moves the slope by far more than 3 significant figures.
    relative_shift = abs(penalised[1] - mle[1]) / abs(mle[1])
    assert 0.002 < relative_shift < 0.05
    verdict = verdict_for("logistic", "mle.beta[1]", float(penalised[1]), X=X, y=y)
    assert verdict.misconception == "l2_penalised_logistic"
    assert verdict_for("logistic", "mle.beta[1]", float(mle[1]), X=X, y=y).correct


# ----- vectors and several parts ----------------------------------------------------------------------------

def test_vector_partial_credit_and_a_shared_misconception():
    keys = [2.0, 3.0, 4.0]
    assert check_vector([2.0, 3.0, 4.0], keys).score == 1.0
    partly = check_vector([2.0, 3.0, 9.0], keys)
    assert partly.score == pytest.approx(2 / 3) and partly.code == "partly_correct"
    mistakes = [[LikelyMistake("no_intercept", 5.0)], [LikelyMistake("no_intercept", 6.0)], []]
    named = check_vector([5.0, 6.0, 4.0], keys, Tolerance(), mistakes)
    assert named.score == pytest.approx(1 / 3) and named.misconception == "no_intercept"
    mixed = check_vector([5.0, 7.0, 4.0], keys, Tolerance(), mistakes)
    assert mixed.misconception is None
    with pytest.raises(ValueError):
        check_vector([1.0], keys)


def test_weighted_parts():
    assert combine_scores([1.0, 0.0], [3.0, 1.0]) == pytest.approx(0.75)
    assert combine_scores([0.5], [2.0]) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        combine_scores([1.0], [0.0])


def test_the_seed_notebooks_own_example():
    # The notebook's data, drawn as it draws them: np.random.seed(42), the protein data (n = 100), then the
    # biomarker data (n = 200). Its sklearn default fit sits about 0.8-1 % from the MLE: far outside 3 s.f.
    legacy = np.random.RandomState(42)
    x_protein = legacy.uniform(0, 10, 100)
    legacy.normal(0, 2.0, 100)
    assert x_protein.shape == (100,)
    x = legacy.uniform(-5, 5, 200)
    y = legacy.binomial(1, 1 / (1 + np.exp(-(-1.0 + 0.8 * x)))).astype(float)
    X = np.column_stack([np.ones(200), x])
    mle = sm.Logit(y, X).fit(disp=0).params
    penalised = l2_penalised_fit(X, y, inverse_strength=1.0, unpenalised=0)
    shift = np.abs(penalised - mle) / np.abs(mle)
    assert np.all((0.005 < shift) & (shift < 0.015))
    for j in (0, 1):
        verdict = verdict_for("logistic", f"mle.beta[{j}]", float(round(penalised[j], 3)), X=X, y=y)
        assert verdict.misconception == "l2_penalised_logistic"

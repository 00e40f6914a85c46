"""The one-sample families (binomial, normal, Poisson, exponential): fits against textbook formulas, scipy.stats
log-densities and statsmodels, boundary data, bad data, large samples and extreme scales.

Expected values come from independent sources: numpy summaries for the closed forms, scipy.stats for the
log-likelihoods, the textbook standard errors, statsmodels' intercept-only models.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit

import grader


def draws(family_id: str, seed: int, size: int = 200) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    if family_id == "binomial":
        n = rng.integers(1, 25, size=size)
        return {"k": rng.binomial(n, 0.35), "n": n}
    if family_id == "normal":
        return {"x": rng.normal(-1.5, 2.5, size=size)}
    if family_id == "poisson":
        return {"x": rng.poisson(3.2, size=size)}
    return {"x": rng.exponential(1 / 0.7, size=size)}


def by_formula(family_id: str, data: dict[str, np.ndarray]) -> dict[str, float]:
    """The MLE by the textbook formula, with numpy: K/N, the mean and the SD with divisor n, the mean, 1/mean."""
    if family_id == "binomial":
        k, n = np.broadcast_arrays(data["k"], data["n"])
        return {"p": k.sum() / n.sum()}
    x = np.asarray(data["x"], dtype=float)
    if family_id == "normal":
        return {"mu": x.mean(), "sigma": x.std(ddof=0)}
    if family_id == "poisson":
        return {"lam": x.mean()}
    return {"rate": 1 / x.mean()}


def scipy_loglik(family_id: str, data: dict[str, np.ndarray], params: dict[str, float]) -> float:
    if family_id == "binomial":
        return float(stats.binom.logpmf(data["k"], data["n"], params["p"]).sum())
    x = data["x"]
    if family_id == "normal":
        return float(stats.norm.logpdf(x, params["mu"], params["sigma"]).sum())
    if family_id == "poisson":
        return float(stats.poisson.logpmf(x, params["lam"]).sum())
    return float(stats.expon.logpdf(x, scale=1 / params["rate"]).sum())


ONE_SAMPLE = ["binomial", "normal", "poisson", "exponential"]


# ------------------------------------------------------------------------------------------ the lecture's coin
def test_the_lectures_coin_six_heads_in_ten():
    result = grader.fit("binomial", k=6, n=10)
    assert abs(result.params["p"] - 0.6) <= 1e-9
    loglik = math.log(math.comb(10, 6)) + 6 * math.log(0.6) + 4 * math.log(0.4)
    assert result.loglik == pytest.approx(loglik, rel=1e-12)
    assert result.se["p"] == pytest.approx(math.sqrt(0.6 * 0.4 / 10), rel=1e-9)
    assert result.n == 1  # one binomial observation; the likelihood is one factor
    assert "logit p" in result.method and result.verification.passed


# --------------------------------------------------------------------- closed forms, scipy log-likelihoods, se
@pytest.mark.parametrize("family_id", ONE_SAMPLE)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fit_matches_the_textbook_formula_and_scipy_loglik(family_id, seed):
    data = draws(family_id, seed)
    result = grader.fit(family_id, **data)
    expected = by_formula(family_id, data)
    assert set(result.params) == set(expected)
    for name, value in expected.items():
        assert result.params[name] == pytest.approx(value, rel=1e-9)
    assert result.loglik == pytest.approx(scipy_loglik(family_id, data, expected), rel=1e-10)
    assert result.verification.closed_form_max_rel_diff <= 1e-9


@pytest.mark.parametrize("seed", [3, 4])
def test_standard_errors_are_the_textbook_ones(seed):
    data = draws("binomial", seed)
    p, trials = by_formula("binomial", data)["p"], data["n"].sum()
    assert grader.fit("binomial", **data).se["p"] == pytest.approx(math.sqrt(p * (1 - p) / trials), rel=1e-8)

    x = draws("normal", seed)["x"]
    sigma = x.std()
    se = grader.fit("normal", x=x).se
    assert se["mu"] == pytest.approx(sigma / math.sqrt(x.size), rel=1e-8)
    assert se["sigma"] == pytest.approx(sigma / math.sqrt(2 * x.size), rel=1e-8)

    x = draws("poisson", seed)["x"]
    assert grader.fit("poisson", x=x).se["lam"] == pytest.approx(math.sqrt(x.mean() / x.size), rel=1e-8)

    x = draws("exponential", seed)["x"]
    rate = 1 / x.mean()
    assert grader.fit("exponential", x=x).se["rate"] == pytest.approx(rate / math.sqrt(x.size), rel=1e-8)


# ----------------------------------------------------------------------------------------------- statsmodels
def test_normal_agrees_with_statsmodels_ols_on_a_constant():
    x = draws("normal", 5)["x"]
    reference = sm.OLS(x, np.ones((x.size, 1))).fit()
    result = grader.fit("normal", x=x)
    assert result.params["mu"] == pytest.approx(float(reference.params[0]), rel=1e-10)
    # OLS's llf profiles sigma^2 = SSR / n, the MLE: it is the normal family's maximised log-likelihood.
    assert result.params["sigma"] == pytest.approx(math.sqrt(reference.ssr / x.size), rel=1e-10)
    assert result.loglik == pytest.approx(reference.llf, rel=1e-12)


def test_poisson_agrees_with_statsmodels_intercept_only_glm():
    x = draws("poisson", 6)["x"]
    reference = sm.GLM(x, np.ones((x.size, 1)), family=sm.families.Poisson()).fit()
    result = grader.fit("poisson", x=x)
    lam = math.exp(float(reference.params[0]))
    assert result.params["lam"] == pytest.approx(lam, rel=1e-8)
    assert result.loglik == pytest.approx(reference.llf, rel=1e-10)
    # The se of log lam, carried to lam by the delta method.
    assert result.se["lam"] == pytest.approx(lam * float(reference.bse[0]), rel=1e-6)


def test_binomial_agrees_with_statsmodels_grouped_logit_glm():
    data = draws("binomial", 7)
    k, n = data["k"], data["n"]
    reference = sm.GLM(np.column_stack([k, n - k]), np.ones((k.size, 1)), family=sm.families.Binomial()).fit()
    result = grader.fit("binomial", **data)
    p = float(expit(reference.params[0]))
    assert result.params["p"] == pytest.approx(p, rel=1e-8)
    assert result.loglik == pytest.approx(reference.llf, rel=1e-10)
    assert result.se["p"] == pytest.approx(p * (1 - p) * float(reference.bse[0]), rel=1e-6)


def test_exponential_agrees_with_statsmodels_gamma_glm_of_shape_one():
    x = draws("exponential", 8)["x"]
    # The exponential is the gamma with shape 1: a log-link gamma GLM with its scale fixed at 1.
    glm = sm.GLM(x, np.ones((x.size, 1)), family=sm.families.Gamma(link=sm.families.links.Log()))
    reference = glm.fit(scale=1.0)
    result = grader.fit("exponential", x=x)
    rate = math.exp(-float(reference.params[0]))
    assert result.params["rate"] == pytest.approx(rate, rel=1e-8)
    assert result.loglik == pytest.approx(reference.llf, rel=1e-10)
    assert result.se["rate"] == pytest.approx(rate * float(reference.bse[0]), rel=1e-6)


# ----------------------------------------------------------------------------------------- data conventions
@pytest.mark.parametrize(
    ("k", "n", "p"),
    [
        ([3, 5, 4], 10, 12 / 30),  # one n shared by every observation
        (2, [4, 6, 5], 6 / 15),  # one k shared by every observation
        ([0, 7, 1], [5, 10, 1], 8 / 16),
        (np.array([2, 3]), np.array([4]), 5 / 8),  # a length-1 array is shared like a number
        (np.int64(6), np.float32(10), 0.6),
    ],
)
def test_binomial_takes_numbers_or_arrays(k, n, p):
    result = grader.fit("binomial", k=k, n=n)
    assert result.params["p"] == pytest.approx(p, rel=1e-10)
    k_, n_ = np.broadcast_arrays(np.atleast_1d(k).astype(float), np.atleast_1d(n).astype(float))
    assert result.n == k_.size
    assert result.loglik == pytest.approx(float(stats.binom.logpmf(k_, n_, p).sum()), rel=1e-11)


def test_exponential_accepts_zero_waiting_times():
    # The density rate * exp(-rate x) is defined (and equal to rate) at x = 0; rounded times contain zeros.
    x = [0.0, 1.0, 2.0, 0.0, 2.0]
    result = grader.fit("exponential", x=x)
    assert result.params["rate"] == pytest.approx(1.0, rel=1e-10)
    assert result.loglik == pytest.approx(float(stats.expon.logpdf(x).sum()), rel=1e-12)


def test_inputs_are_not_modified():
    k, n = np.array([1, 2, 3]), np.array([4, 4, 4])
    x = np.array([1.0, 2.0, 4.0])
    for family_id, data in [("binomial", {"k": k, "n": n}), ("normal", {"x": x}), ("exponential", {"x": x})]:
        grader.fit(family_id, **data)
    assert k.flags.writeable and list(k) == [1, 2, 3] and list(x) == [1.0, 2.0, 4.0]


# ---------------------------------------------------------------------------------------------- bad data
@pytest.mark.parametrize(
    ("family_id", "data", "message"),
    [
        ("binomial", {"k": [], "n": []}, r"k is empty"),
        ("binomial", {"k": [[1, 2]], "n": 5}, r"k must be a number or a 1-D array; got shape \(1, 2\)"),
        ("binomial", {"k": [1, 2], "n": [3, 4, 5]}, r"k and n must have the same length.*got 2 and 3"),
        ("binomial", {"k": [1, np.nan], "n": 5}, r"k contains 1 non-finite value\(s\).*index 1"),
        ("binomial", {"k": [1, 2], "n": [3, np.inf]}, r"n contains 1 non-finite"),
        ("binomial", {"k": [1, -1], "n": 5}, r"k must contain whole numbers of successes, at least 0; found 1 "
                                            r"below 0 value\(s\), the first -1 at index 1"),
        ("binomial", {"k": [1, 1.5], "n": 5}, r"k must contain whole .* non-integer value\(s\), the first 1.5"),
        ("binomial", {"k": [0, 1], "n": [0, 2]}, r"n must contain whole numbers of trials, at least 1.*first 0"),
        ("binomial", {"k": [2, 7, 9], "n": [5, 5, 10]}, r"k must not exceed n: 1 observation\(s\) .* index 1 "
                                                         r"with k = 7 and n = 5"),
        ("binomial", {"k": ["6"], "n": 10}, r"k must contain numbers"),
        ("binomial", {"k": 6}, r"binomial takes the data k, n; missing: n"),
        ("normal", {"x": []}, r"x is empty"),
        ("normal", {"x": [[1.0, 2.0]]}, r"x must be a 1-D array; got shape \(1, 2\)"),
        ("normal", {"x": 3.0}, r"x must be a 1-D array; got shape \(\)"),
        ("normal", {"x": [1.0, np.nan, 2.0]}, r"non-finite value\(s\) \(NaN or infinity\), the first at index 1"),
        ("normal", {"x": [1.0, -np.inf]}, r"non-finite"),
        ("normal", {"y": [1.0, 2.0]}, r"missing: x; unexpected: y"),
        ("poisson", {"x": [2, -1, 3]}, r"x must contain whole counts \(0, 1, 2, ...\), at least 0; found 1 below 0"),
        ("poisson", {"x": [2, 0.5, 3]}, r"found 1 non-integer value\(s\), the first 0.5 at index 1"),
        ("poisson", {"x": [2, np.nan]}, r"non-finite"),
        ("poisson", {"x": []}, r"x is empty"),
        ("poisson", {"x": [1 + 1j]}, r"x must contain numbers"),
        ("exponential", {"x": [1.0, -0.5, 2.0]}, r"x must contain non-negative values .* found 1 negative "
                                                 r"value\(s\), the first -0.5 at index 1"),
        ("exponential", {"x": [1.0, np.inf]}, r"non-finite"),
        ("exponential", {"x": np.ones((2, 2))}, r"x must be a 1-D array"),
    ],
)
def test_bad_data_raises_data_error_saying_what_is_wrong(family_id, data, message):
    with pytest.raises(grader.DataError, match=message):
        grader.fit(family_id, **data)


# ------------------------------------------------------------------------------------ no interior maximum
@pytest.mark.parametrize(
    ("family_id", "data", "message"),
    [
        ("binomial", {"k": [0, 0, 0], "n": [3, 5, 2]}, r"all 10 trials are failures: the MLE p̂ = 0 lies on the "
                                                       r"boundary of 0 < p < 1"),
        ("binomial", {"k": [4, 2], "n": [4, 2]}, r"all 6 trials are successes: the MLE p̂ = 1"),
        ("binomial", {"k": 10, "n": 10}, r"all 10 trials are successes"),
        ("normal", {"x": [2.5, 2.5, 2.5]}, "all 3 observations equal 2.5: fewer than 2 distinct values make the "
                                           "MLE sigma\u0302 = 0"),
        ("normal", {"x": [7.0]}, r"the only observation is 7: fewer than 2 distinct values"),
        ("poisson", {"x": [0, 0, 0, 0]}, r"all 4 counts are 0: the MLE lam̂ = 0 lies on the boundary of lam > 0"),
        ("poisson", {"x": [0]}, r"the only count is 0"),
        ("exponential", {"x": [0.0, 0.0]}, r"all 2 observations are 0: the likelihood grows without bound as "
                                           r"rate → ∞"),
    ],
)
def test_data_without_an_interior_maximum_are_named(family_id, data, message):
    with pytest.raises(grader.KeyVerificationError, match=message) as caught:
        grader.fit(family_id, **data)
    assert str(caught.value).endswith("so no interior maximum exists")
    assert grader.FAMILIES[family_id]().mle_problem(data) == str(caught.value)


# --------------------------------------------------------------------------------- large samples, extremes
@pytest.mark.parametrize("family_id", ONE_SAMPLE)
def test_a_million_draws_converge_without_warnings(family_id):
    data = draws(family_id, 9, size=10**6)
    result = grader.fit(family_id, **data)  # filterwarnings = error: a RuntimeWarning would fail here
    assert result.converged and result.verification.passed
    for name, value in by_formula(family_id, data).items():
        assert result.params[name] == pytest.approx(value, rel=1e-9)


def test_a_million_coin_tosses_as_one_binomial_observation():
    result = grader.fit("binomial", k=600_000, n=10**6)
    assert result.params["p"] == pytest.approx(0.6, rel=1e-12)
    assert result.loglik == pytest.approx(float(stats.binom.logpmf(600_000, 10**6, 0.6)), rel=1e-9)


@pytest.mark.parametrize(
    ("family_id", "data", "loglik_rel"),
    [
        # Counts near 1e8: the nll of about 1e4 is a sum of terms of about 1e12 (lam n, S ln lam, sum ln x!), so
        # both it and scipy's sum of per-count log-pmfs carry rounding of about 1e-8 of it.
        ("poisson", {"x": np.random.default_rng(15).poisson(1e8, 1000)}, 1e-7),
        ("poisson", {"x": np.random.default_rng(16).poisson(0.01, 10**5)}, 1e-10),
        ("exponential", {"x": np.random.default_rng(17).exponential(1e-8, 1000)}, 1e-10),
        ("exponential", {"x": np.random.default_rng(18).exponential(1e9, 1000)}, 1e-10),
        ("binomial", {"k": np.random.default_rng(19).binomial(20, 0.001, 10**5), "n": 20}, 1e-10),
        # Few observations of large counts: an nll of about 10 made of terms of 1e9 (lam n, S ln lam, ln x!, or
        # ln C(n, k) and k ln p), whose rounding hid the last Newton steps until the nll was centred at the MLE.
        ("poisson", {"x": [19_750_123]}, 1e-7),
        ("poisson", {"x": np.random.default_rng(20).poisson(3e6, 10)}, 1e-7),
        ("binomial", {"k": 310_072, "n": 4_189_369}, 1e-8),
        ("binomial", {"k": [24_498, 23_840], "n": 2_177_166}, 1e-8),
    ],
)
def test_counts_and_times_verify_at_extreme_scales(family_id, data, loglik_rel):
    result = grader.fit(family_id, **data)
    for name, value in by_formula(family_id, data).items():
        assert result.params[name] == pytest.approx(value, rel=1e-9)
    assert result.loglik == pytest.approx(scipy_loglik(family_id, data, result.params), rel=loglik_rel)


def test_normal_data_varying_only_in_their_last_digits_are_refused():
    x = 1e5 + np.array([0.0, 1.0, 2.0, 3.0]) * np.spacing(1e5)  # sigma / mu is about 1.6e-16
    with pytest.raises(grader.KeyVerificationError, match=r"x varies only in its last digits .* subtract a round "):
        grader.fit("normal", x=x)
    centred = grader.fit("normal", x=x - 1e5)  # the remedy the message suggests
    assert centred.params["sigma"] == pytest.approx(np.std(x - 1e5), rel=1e-12)


@pytest.mark.parametrize(
    ("family_id", "data", "thetas"),
    [
        # Near the MLE, far below it and far above it: the centred nll agrees with scipy everywhere.
        ("poisson", {"x": [3, 0, 7, 2]}, [3.0, 3.0001, 1e-7, 1.2, 9.0, 1e6]),
        ("binomial", {"k": [3, 0, 7], "n": [10, 4, 9]}, [10 / 23, 0.4348, 1e-9, 0.15, 0.9, 1 - 1e-9]),
    ],
)
def test_centred_nll_equals_scipy_far_from_the_optimum(family_id, data, thetas):
    family = grader.FAMILIES[family_id]()
    name = family.param_names[0]
    for theta in thetas:
        expected = -scipy_loglik(family_id, {k: np.asarray(v) for k, v in data.items()}, {name: theta})
        assert family.nll([theta], data) == pytest.approx(expected, rel=1e-12), theta


# -------------------------------------------------------------------------------------- public derivatives
def test_public_nll_grad_hess_at_known_points():
    normal = grader.FAMILIES["normal"]()
    x = [1.0, 2.0, 4.0]  # sum (x - 2)^2 = 5
    assert normal.nll([2.0, 2.0], {"x": x}) == pytest.approx(
        -float(stats.norm.logpdf(x, 2.0, 2.0).sum()), rel=1e-14
    )
    np.testing.assert_allclose(normal.grad([2.0, 2.0], {"x": x}), [-1 / 4, 3 / 2 - 5 / 8], rtol=1e-14)
    np.testing.assert_allclose(normal.hess([2.0, 2.0], {"x": x}), [[3 / 4, 1 / 4], [1 / 4, -3 / 4 + 15 / 16]])
    poisson = grader.FAMILIES["poisson"]()
    assert poisson.grad([2.0], {"x": [1, 3, 4]})[0] == pytest.approx(3 - 8 / 2, rel=1e-14)
    assert poisson.hess([2.0], {"x": [1, 3, 4]})[0, 0] == pytest.approx(8 / 4, rel=1e-14)
    exponential = grader.FAMILIES["exponential"]()
    assert exponential.grad([0.5], {"x": [1.0, 3.0]})[0] == pytest.approx(-2 / 0.5 + 4, rel=1e-14)
    binomial = grader.FAMILIES["binomial"]()
    assert binomial.hess([0.5], {"k": 6, "n": 10})[0, 0] == pytest.approx(6 / 0.25 + 4 / 0.25, rel=1e-14)
    assert binomial.closed_form({"k": [1, 2], "n": 4}) == {"p": 3 / 8}

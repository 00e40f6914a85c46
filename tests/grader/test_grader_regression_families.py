"""Regression families (linear, logistic, poisson_regression, multinomial_logistic): keys against statsmodels and
scipy's densities, data without an MLE (separation, exact fits), rank-deficient designs and other bad data."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit

import grader
import grader.families.separation as separation

REGRESSIONS = ["linear", "logistic", "poisson_regression", "multinomial_logistic"]


def protein(seed: int, n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The seed notebook's protein concentration over time: y = 2 + 3 x + N(0, 2^2), x ~ U(0, 10)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 10.0, n)
    return np.column_stack([np.ones(n), x]), 2.0 + 3.0 * x + rng.normal(0.0, 2.0, n)


def biomarker(seed: int, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """The notebook's sick/healthy classification: P(sick) = expit(-1 + 0.8 x), biomarker x ~ U(-5, 5)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-5.0, 5.0, n)
    return np.column_stack([np.ones(n), x]), (rng.random(n) < expit(-1.0 + 0.8 * x)).astype(float)


def mutations(seed: int, n: int = 150) -> tuple[np.ndarray, np.ndarray]:
    """Mutation counts against exposure and age: log mean = 0.2 + 0.5 exposure - 0.3 age."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.uniform(0.0, 3.0, n), rng.normal(0.0, 1.0, n)])
    return X, rng.poisson(np.exp(X @ [0.2, 0.5, -0.3])).astype(float)


def three_classes(seed: int, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Softmax classes 0, 1, 2 from two covariates, class 0 the reference."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    eta = np.column_stack([np.zeros(n), X @ np.array([[0.3, -0.5], [1.0, -0.7], [-0.6, 0.9]])])
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    return X, (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1).astype(float)


# ------------------------------------------------------------------------------------------ keys vs statsmodels
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_matches_ols_with_the_mle_sigma(seed):
    X, y = protein(seed)
    n, p = X.shape
    ols = sm.OLS(y, X).fit()
    result = grader.fit("linear", X=X, y=y)
    np.testing.assert_allclose(result.params["beta"], ols.params, rtol=1e-8)
    # The MLE divides the residual sum of squares by n; statsmodels' scale divides it by n - p.
    assert result.params["sigma"] ** 2 == pytest.approx(ols.ssr / n, rel=1e-8)
    assert ols.scale == pytest.approx(ols.ssr / (n - p), rel=1e-12)
    assert result.loglik == pytest.approx(ols.llf, rel=1e-10)  # statsmodels' llf uses the MLE sigma as well
    # Observed information at the MLE: beta's block is X'X / sigma_mle^2, so the se are OLS's times sqrt((n-p)/n).
    np.testing.assert_allclose(result.se["beta"], ols.bse * np.sqrt((n - p) / n), rtol=1e-8)
    assert result.se["sigma"] == pytest.approx(result.params["sigma"] / np.sqrt(2 * n), rel=1e-8)
    assert result.method.startswith("closed form") and "strictly convex" in result.verification.certificate


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_logistic_matches_statsmodels_logit(seed):
    X, y = biomarker(seed)
    reference = sm.Logit(y, X).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    result = grader.fit("logistic", X=X, y=y)
    np.testing.assert_allclose(result.params["beta"], reference.params, rtol=1e-8)
    assert result.loglik == pytest.approx(reference.llf, rel=1e-10)
    np.testing.assert_allclose(result.se["beta"], reference.bse, rtol=1e-8)
    assert result.verification.passed and result.verification.closed_form_max_rel_diff is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_poisson_regression_matches_statsmodels_glm(seed):
    X, y = mutations(seed)
    reference = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-13, maxiter=100)
    result = grader.fit("poisson_regression", X=X, y=y)
    np.testing.assert_allclose(result.params["beta"], reference.params, rtol=1e-8)
    assert result.loglik == pytest.approx(reference.llf, rel=1e-10)
    np.testing.assert_allclose(result.se["beta"], reference.bse, rtol=1e-8)


@pytest.mark.parametrize("seed", [0, 1])
def test_multinomial_logistic_matches_statsmodels_mnlogit(seed):
    X, y = three_classes(seed)
    reference = sm.MNLogit(y, X).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    result = grader.fit("multinomial_logistic", X=X, y=y)
    assert result.params["beta"].shape == (3, 2)  # d x (K - 1): column k is class k + 1 against class 0
    np.testing.assert_allclose(result.params["beta"], reference.params, rtol=1e-8)
    assert result.loglik == pytest.approx(reference.llf, rel=1e-10)
    np.testing.assert_allclose(result.se["beta"], reference.bse, rtol=1e-8)
    assert grader.key_value(result, "mle.beta[2,1]") == pytest.approx(reference.params[2, 1], rel=1e-8)


def test_multinomial_logistic_with_two_classes_is_logistic():
    X, y = biomarker(5)
    binary = grader.fit("logistic", X=X, y=y)
    softmax = grader.fit("multinomial_logistic", X=X, y=y)
    np.testing.assert_allclose(softmax.params["beta"][:, 0], binary.params["beta"], rtol=1e-9)
    np.testing.assert_allclose(softmax.se["beta"][:, 0], binary.se["beta"], rtol=1e-8)
    assert softmax.loglik == pytest.approx(binary.loglik, rel=1e-12)


def test_logliks_include_every_constant():
    X, y = protein(3)
    fit = grader.fit("linear", X=X, y=y)
    expected = stats.norm.logpdf(y, X @ fit.params["beta"], fit.params["sigma"]).sum()
    assert fit.loglik == pytest.approx(expected, rel=1e-12)

    X, y = mutations(3)
    fit = grader.fit("poisson_regression", X=X, y=y)
    assert fit.loglik == pytest.approx(stats.poisson.logpmf(y, np.exp(X @ fit.params["beta"])).sum(), rel=1e-12)

    X, y = biomarker(3)
    fit = grader.fit("logistic", X=X, y=y)
    assert fit.loglik == pytest.approx(stats.bernoulli.logpmf(y, expit(X @ fit.params["beta"])).sum(), rel=1e-12)

    X, y = three_classes(3)
    fit = grader.fit("multinomial_logistic", X=X, y=y)
    eta = np.column_stack([np.zeros(len(y)), X @ fit.params["beta"]])
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    assert fit.loglik == pytest.approx(np.log(p[np.arange(len(y)), y.astype(int)]).sum(), rel=1e-12)


def test_lists_and_integer_arrays_are_accepted_and_not_modified():
    X, y = biomarker(4)
    as_lists = grader.fit("logistic", X=X.tolist(), y=y.astype(int).tolist())
    y_bool = y.astype(bool)
    as_bool = grader.fit("logistic", X=X, y=y_bool)
    np.testing.assert_array_equal(as_lists.params["beta"], as_bool.params["beta"])
    assert y_bool.flags.writeable and X.flags.writeable
    assert not as_lists.params["beta"].flags.writeable


# ---------------------------------------------------------------------------------- no MLE: KeyVerificationError
def _line(x, y):
    return {"X": np.column_stack([np.ones(len(x)), x]), "y": np.asarray(y, dtype=float)}


def _with_dummy(rng, n, active_rows):
    dummy = np.zeros(n)
    dummy[active_rows] = 1.0
    return np.column_stack([np.ones(n), rng.normal(size=n), dummy])


def test_logistic_separation_is_named_with_its_direction():
    x = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    with pytest.raises(grader.KeyVerificationError, match=r"perfectly separated .* b = \(0, 1\), X·b > 0 for every"):
        grader.fit("logistic", **_line(x, x > 0))
    ties = np.array([-2.0, -1.0, 0.0, 0.0, 1.0, 2.0])
    with pytest.raises(grader.KeyVerificationError, match=r"quasi-complete separation .* X·b = 0 at 2 of the 6"):
        grader.fit("logistic", **_line(ties, [0, 0, 0, 1, 1, 1]))


def test_logistic_dummy_seen_only_in_one_class_is_quasi_complete_separation():
    rng = np.random.default_rng(7)
    X = _with_dummy(rng, 60, slice(0, 6))
    y = (rng.random(60) < 0.5).astype(float)
    y[:6] = 0.0  # every row with the dummy set is a 0: its coefficient runs off to minus infinity
    y[6:8] = (0.0, 1.0)
    with pytest.raises(grader.KeyVerificationError, match=r"quasi-complete separation .* b = \(0, 0, -1\)"):
        grader.fit("logistic", X=X, y=y)


@pytest.mark.parametrize(("value", "n"), [(1, 20), (0, 7)])
def test_logistic_with_a_single_outcome_has_no_mle(value, n):
    X = np.column_stack([np.ones(n), np.arange(n, dtype=float)])
    with pytest.raises(grader.KeyVerificationError, match=rf"all {n} observations of y are {value}: .*no MLE exists"):
        grader.fit("logistic", X=X, y=np.full(n, value))


def test_as_many_rows_as_coefficients_is_always_separable():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(3, 3))
    with pytest.raises(grader.KeyVerificationError, match="perfectly separated"):
        grader.fit("logistic", X=X, y=[0, 1, 1])


def test_multinomial_separation_complete_and_quasi_complete():
    rng = np.random.default_rng(9)
    x = rng.uniform(-3.0, 3.0, 120)
    ordered = (x > -1.0).astype(float) + (x > 1.0)
    with pytest.raises(grader.KeyVerificationError, match=r"perfectly separated .*complete separation"):
        grader.fit("multinomial_logistic", **_line(x, ordered))
    # Classes 0 and 1 overlap, but class 2 alone is cut off by x > 1.
    mixed = (rng.random(120) < 0.5).astype(float)
    mixed[x > 1.0] = 2.0
    with pytest.raises(grader.KeyVerificationError, match=r"quasi-complete separation of the classes: along B = \["):
        grader.fit("multinomial_logistic", **_line(x, mixed))


def test_poisson_regression_without_an_mle():
    rng = np.random.default_rng(10)
    X = np.column_stack([np.ones(30), rng.normal(size=30)])
    with pytest.raises(grader.KeyVerificationError, match=r"all 30 counts in y are 0: .*no MLE exists"):
        grader.fit("poisson_regression", X=X, y=np.zeros(30))
    X = _with_dummy(rng, 40, slice(0, 5))
    y = rng.poisson(2.0, 40).astype(float)
    y[:5] = 0.0
    y[5:7] = 1.0
    message = r"zero counts can be fitted exactly: along b = \(0, 0, -1\), X·b = 0 at every positive count and X·b < 0"
    with pytest.raises(grader.KeyVerificationError, match=message + r" at 5 zero count"):
        grader.fit("poisson_regression", X=X, y=y)


def test_poisson_regression_with_all_zero_counts_but_no_escape_direction_has_an_mle():
    # Without an intercept, X·b ≤ 0 at both rows forces b = 0: nll = e^b + e^-b is minimal at b = 0.
    fit = grader.fit("poisson_regression", X=[[1.0], [-1.0]], y=[0, 0])
    assert abs(fit.params["beta"][0]) <= 1e-12
    assert fit.loglik == pytest.approx(-2.0, rel=1e-12)


def test_linear_exact_fit_has_no_interior_mle():
    x = np.linspace(0.0, 10.0, 12)
    with pytest.raises(grader.KeyVerificationError, match=r"exact linear combination .*MLE of sigma is 0"):
        grader.fit("linear", **_line(x, 2.0 + 3.0 * x))
    with pytest.raises(grader.KeyVerificationError, match="exact linear combination"):
        grader.fit("linear", **_line(x, np.zeros(12)))


def test_separation_is_found_among_many_rows():
    rng = np.random.default_rng(11)
    X = np.column_stack([np.ones(100_000), rng.normal(size=(100_000, 4))])
    y = (X @ [0.3, 1.0, -0.5, 0.2, 0.8] > 0).astype(float)
    with pytest.raises(grader.KeyVerificationError, match="perfectly separated"):
        grader.fit("logistic", X=X, y=y)


def test_a_separable_sample_does_not_hide_the_rows_that_overlap(monkeypatch):
    # Separated at x = 0 except three rows of 10^5: the first linear programme sees a small sample that is (almost
    # surely) separable; checking its direction against every row must bring the three in and end with "none".
    n = 100_000
    rng = np.random.default_rng(14)
    x = rng.uniform(-1.0, 1.0, n)
    y = (x > 0).astype(float)
    y[rng.choice(np.flatnonzero(x > 0.2), 3, replace=False)] = 0.0
    solved = []
    original = separation._solve

    def counting(*args, **kwargs):
        solved.append(args[0].shape[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(separation, "_solve", counting)
    X = np.column_stack([np.ones(n), x])
    assert separation.class_separation(X, y, 2) is None
    assert len(solved) >= 2 and solved[-1] > solved[0]
    monkeypatch.undo()
    fit = grader.fit("logistic", X=X, y=y)
    assert fit.verification.passed and fit.params["beta"][1] > 10


# --------------------------------------------------------------------------------------------- bad data: DataError
def _good(family_id):
    return {"linear": protein, "logistic": biomarker, "poisson_regression": mutations,
            "multinomial_logistic": three_classes}[family_id](0, 40)


@pytest.mark.parametrize("family_id", REGRESSIONS)
def test_rank_deficient_designs_are_refused_naming_the_column(family_id):
    X, y = _good(family_id)
    d = X.shape[1]
    message = (
        rf"rank-deficient \(rank {d} < {d + 1} columns\): column {d} is a linear combination of the others "
        rf"\(column {d} ≈ 1·column 1\)"
    )
    with pytest.raises(grader.DataError, match=message):
        grader.fit(family_id, X=np.column_stack([X, X[:, 1]]), y=y)
    shifted = np.column_stack([X, 2.0 + 0.5 * X[:, 1]])  # a linear combination of the intercept and column 1
    with pytest.raises(grader.DataError, match=r"≈ 2·column 0 \+ 0.5·column 1\)"):
        grader.fit(family_id, X=shifted, y=y)
    nearly = np.column_stack([X, X[:, 1] * (1.0 + 1e-14 * np.arange(len(y)) / len(y))])
    with pytest.raises(grader.DataError, match="rank-deficient"):
        grader.fit(family_id, X=nearly, y=y)
    with pytest.raises(grader.DataError, match=r"rank-deficient: column 1 is all zeros"):
        grader.fit(family_id, X=np.column_stack([X[:, :1], np.zeros(len(y)), X[:, 1:]]), y=y)


def test_dummy_variable_trap_names_the_last_dummy():
    rng = np.random.default_rng(12)
    male = (rng.random(50) < 0.5).astype(float)
    X = np.column_stack([np.ones(50), male, 1.0 - male])
    with pytest.raises(grader.DataError, match=r"column 2 ≈ 1·column 0 − 1·column 1"):
        grader.fit("linear", X=X, y=rng.normal(size=50))


@pytest.mark.parametrize(
    ("family_id", "data", "message"),
    [
        ("logistic", {"X": [1.0, 2.0, 3.0], "y": [0, 1, 0]}, r"X must be a 2-D array; got shape \(3,\)"),
        ("logistic", {"X": np.ones((3, 1)), "y": [[0], [1], [0]]}, r"y must be a 1-D array"),
        ("linear", {"X": np.ones((5, 1)), "y": np.ones(4)}, r"y has 4 values but X has 5 rows"),
        ("linear", {"X": np.empty((0, 2)), "y": []}, r"X is empty"),
        ("linear", {"X": [[1.0, np.nan], [1.0, 2.0]], "y": [1.0, 2.0]}, r"X contains 1 non-finite .* index \(0, 1\)"),
        ("poisson_regression", {"X": np.ones((2, 1)), "y": [1.0, np.inf]}, r"y contains 1 non-finite"),
        ("linear", {"X": [["a", "b"]], "y": [1.0]}, r"X must contain numbers"),
        ("linear", {"X": np.ones((2, 2))}, r"linear takes the data X, y; missing: y"),
        ("linear", {"X": [[1.0, 0.0], [1.0, 1.0]], "y": [1.0, 2.0]},
         r"X has 2 row\(s\) and 2 column\(s\): at least 3 observations are needed to estimate 2 coefficient\(s\) and "
         r"sigma"),
        ("logistic", {"X": np.ones((3, 4)), "y": [0, 1, 0]}, r"at least 4 observations are needed"),
        ("logistic", {"X": np.ones((3, 1)), "y": [0, 1, 2]}, r"y must contain only 0 and 1; found 1 other .* index 2"),
        ("poisson_regression", {"X": np.ones((3, 1)), "y": [1, -1, 2]}, r"whole counts, at least 0; .*below 0"),
        ("poisson_regression", {"X": np.ones((3, 1)), "y": [1, 0.5, 2]}, r"1 non-integer value\(s\), the first 0.5"),
        ("multinomial_logistic", {"X": np.ones((4, 1)), "y": [0, 1, 3, 3]},
         r"y has classes 0..3 \(K = max\(y\) \+ 1 = 4\), but class\(es\) 2 never occur"),
        ("multinomial_logistic", {"X": np.ones((3, 1)), "y": [0, 0, 0]}, r"needs at least two classes"),
        ("multinomial_logistic", {"X": np.ones((3, 1)), "y": [0, 1, 1e9]}, r"only 3 observations"),
        ("multinomial_logistic", {"X": np.ones((3, 1)), "y": [0, 1, 1.5]}, r"non-integer"),
    ],
)
def test_bad_data_raises_data_error_saying_what_is_wrong(family_id, data, message):
    with pytest.raises(grader.DataError, match=message):
        grader.fit(family_id, **data)


# --------------------------------------------------------------------------------------------- numerics and scale
def test_extreme_linear_predictors_give_finite_values_without_warnings():
    logistic = grader.FAMILIES["logistic"]()
    data = {"X": [[1.0], [1.0]], "y": [1.0, 0.0]}
    # log(1 + e^-1000) + log(1 + e^1000) = 1000 to double precision; a naive log(expit) would give inf.
    assert logistic.nll([1000.0], data) == pytest.approx(1000.0, rel=1e-15)
    np.testing.assert_allclose(logistic.grad([1000.0], data), [1.0], rtol=1e-15)
    assert logistic.hess([1000.0], data)[0, 0] == 0.0  # p (1 - p) underflows to 0 without a warning
    softmax = grader.FAMILIES["multinomial_logistic"]()
    assert softmax.nll([1000.0], data) == pytest.approx(1000.0, rel=1e-15)
    poisson = grader.FAMILIES["poisson_regression"]()
    with pytest.raises(grader.ParameterError, match="negative log-likelihood of poisson_regression is not finite"):
        poisson.nll([1000.0], {"X": [[1.0]], "y": [1.0]})


def test_logistic_with_a_million_rows_and_ten_columns_verifies():
    rng = np.random.default_rng(13)
    n, d = 1_000_000, 10
    X = np.column_stack([np.ones(n), rng.normal(size=(n, d - 1))])
    truth = np.linspace(-0.5, 0.5, d)
    y = (rng.random(n) < expit(X @ truth)).astype(float)
    fit = grader.fit("logistic", X=X, y=y)
    beta = fit.params["beta"]
    assert fit.verification.passed and fit.converged
    assert np.all(np.abs(beta - truth) <= 6 * fit.se["beta"])
    # Independently of the family's hooks: the score equations hold to within a 1e-6 fraction of a standard error.
    p = expit(X @ beta)
    score = X.T @ (y - p)
    information = X.T @ (X * (p * (1 - p))[:, None])
    assert np.sqrt(score @ np.linalg.solve(information, score)) <= 1e-6

"""Laplace regression (least absolute deviations): exact fits against independent references.

References: brute force over all vertices (a LAD minimiser interpolates d observations, so for d <= 2 and small n
every candidate can be tried), the median, the primal linear program (the formulation our code does not solve),
statsmodels QuantReg, and a dual certificate rebuilt here from the residual signs alone.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import sparse
from scipy.optimize import linprog, minimize

import grader
from grader.families import lad_descent, laplace_regression
from grader.families.base import ExactSolution
from grader.families.bernoulli import Bernoulli
from grader.verification import Verification


def design(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    return np.column_stack([np.ones(n), rng.normal(0.0, 1.0, size=(n, d - 1))])


def brute_force(X: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """The smallest sum of |residuals| over every beta that interpolates d rows, and every beta attaining it."""
    n, d = X.shape
    best, minimisers = math.inf, []
    for rows in itertools.combinations(range(n), d):
        sub = X[list(rows)]
        if abs(np.linalg.det(sub)) < 1e-12:
            continue
        beta = np.linalg.solve(sub, y[list(rows)])
        total = float(np.sum(np.abs(y - X @ beta)))
        if total < best - 1e-9:
            best, minimisers = total, [beta]
        elif total <= best + 1e-9:
            minimisers.append(beta)
    return best, minimisers


def primal_lp(X: np.ndarray, y: np.ndarray, objective_row: np.ndarray | None = None, cap: float | None = None):
    """min 1'(u + v) s.t. X beta + u - v = y, u, v >= 0, or (objective_row given) min objective_row'beta over
    the betas whose sum of |residuals| is at most ``cap``."""
    n, d = X.shape
    identity = sparse.eye(n, format="csc")
    A_eq = sparse.hstack([sparse.csc_matrix(X), identity, -identity], format="csc")
    loss = np.r_[np.zeros(d), np.ones(2 * n)]
    bounds = [(None, None)] * d + [(0.0, None)] * (2 * n)
    if objective_row is None:
        return linprog(loss, A_eq=A_eq, b_eq=y, bounds=bounds, method="highs")
    c = np.r_[objective_row, np.zeros(2 * n)]
    return linprog(c, A_eq=A_eq, b_eq=y, A_ub=loss[None, :], b_ub=[cap], bounds=bounds, method="highs")


def laplace_loglik(total: float, n: int) -> float:
    b = total / n
    return -(n * math.log(2.0 * b) + n)


# ------------------------------------------------------------------------------------------ closed forms, d <= 2
def test_intercept_only_with_odd_n_is_the_median():
    y = np.random.default_rng(1).laplace(3.0, 2.0, size=21)
    result = grader.fit("laplace_regression", X=np.ones((21, 1)), y=y)
    median = float(np.median(y))
    b = float(np.mean(np.abs(y - median)))
    assert result.params["beta"][0] == pytest.approx(median, abs=1e-12)
    assert result.params["scale"] == pytest.approx(b, rel=1e-12)
    assert result.loglik == pytest.approx(-(21 * math.log(2 * b) + 21), rel=1e-12)
    # Asymptotic LAD covariance b^2 (X'X)^-1 = b^2 / n, and b / sqrt(n) for the scale.
    assert result.se["beta"][0] == pytest.approx(b / math.sqrt(21), rel=1e-10)
    assert result.se["scale"] == pytest.approx(b / math.sqrt(21), rel=1e-10)
    assert result.verification.closed_form_max_rel_diff is not None
    assert result.verification.closed_form_max_rel_diff <= 1e-8


def test_one_slope_without_intercept_matches_brute_force():
    rng = np.random.default_rng(2)
    x = rng.uniform(-3.0, 3.0, size=17)
    y = 1.7 * x + rng.laplace(0.0, 1.0, size=17)
    total, minimisers = brute_force(x[:, None], y)
    assert len(minimisers) == 1
    result = grader.fit("laplace_regression", X=x[:, None], y=y)
    assert result.params["beta"][0] == pytest.approx(minimisers[0][0], rel=1e-12)
    assert result.params["scale"] == pytest.approx(total / 17, rel=1e-12)


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_line_fit_matches_brute_force_over_all_pairs(seed):
    rng = np.random.default_rng(seed)
    X = design(rng, 25, 2)
    y = X @ np.array([1.0, -2.0]) + rng.laplace(0.0, 1.5, size=25)
    total, minimisers = brute_force(X, y)
    result = grader.fit("laplace_regression", X=X, y=y)
    np.testing.assert_allclose(result.params["beta"], minimisers[0], rtol=1e-10, atol=1e-12)
    assert result.params["scale"] * 25 == pytest.approx(total, rel=1e-12)
    assert result.loglik == pytest.approx(laplace_loglik(total, 25), rel=1e-12)
    assert result.converged and result.verification.passed and result.verification.hessian_definite
    # The descent found it and the dual certificate proved it; the linear program was not needed.
    assert "descent along edges" in result.method and "dual certificate" in result.method
    assert result.verification.certificate.startswith("LP dual certificate")


# ------------------------------------------------------------------------------------- larger fits, other tools
@pytest.mark.parametrize("seed", [6, 7])
def test_agrees_with_the_primal_linear_program_and_statsmodels_quantreg(seed):
    rng = np.random.default_rng(seed)
    X = design(rng, 400, 5)
    y = X @ rng.normal(0.0, 2.0, size=5) + rng.laplace(0.0, 1.0, size=400)
    result = grader.fit("laplace_regression", X=X, y=y)
    total = result.params["scale"] * 400

    primal = primal_lp(X, y)
    assert primal.status == 0
    assert total == pytest.approx(primal.fun, rel=1e-9)

    reference = sm.QuantReg(y, X).fit(q=0.5, p_tol=1e-10, max_iter=5000)
    np.testing.assert_allclose(result.params["beta"], reference.params, atol=1e-5)
    # QuantReg is iterative: it can only come close to the minimum from above.
    assert total <= float(np.sum(np.abs(y - X @ reference.params))) + 1e-9


def test_seed_task_outliers_pull_least_squares_but_not_least_absolute_deviations():
    # Seed 000, task 1: the protein-concentration line y = 2 + 3 x + noise, n = 100, with a few gross outliers.
    rng = np.random.default_rng(42)
    x = rng.uniform(0.0, 10.0, 100)
    y = 2.0 + 3.0 * x + rng.normal(0.0, 2.0, 100)
    y[np.argsort(x)[-5:]] -= 40.0  # the five latest readings fail low, as a saturated sensor would
    X = np.column_stack([np.ones(100), x])
    total, minimisers = brute_force(X, y)
    result = grader.fit("laplace_regression", X=X, y=y)
    np.testing.assert_allclose(result.params["beta"], minimisers[0], rtol=1e-10)
    assert result.params["scale"] * 100 == pytest.approx(total, rel=1e-12)

    least_squares = np.linalg.lstsq(X, y, rcond=None)[0]
    lad_error = np.abs(result.params["beta"] - [2.0, 3.0])
    ols_error = np.abs(least_squares - [2.0, 3.0])
    assert np.all(lad_error < 0.5)  # LAD stays with the 95 good points
    assert ols_error[1] > 1.0 and ols_error[0] > 3.0  # least squares tilts the line towards the outliers


def test_d10_n10000_is_exact_and_the_seed_notebook_approach_is_not():
    rng = np.random.default_rng(10)
    n, d = 10_000, 10
    X = np.column_stack([np.ones(n), rng.uniform(0.0, 10.0, size=(n, d - 1))])
    y = X @ rng.uniform(-3.0, 3.0, size=d) + rng.laplace(0.0, 2.0, size=n)
    result = grader.fit("laplace_regression", X=X, y=y)
    beta = result.params["beta"]

    # The dual certificate, rebuilt here: a_i = sign(r_i) off the d interpolated rows, a on them from X'a = 0.
    r = y - X @ beta
    on = np.argsort(np.abs(r))[:d]
    assert np.max(np.abs(r[on])) <= 1e-9 and np.sort(np.abs(r))[d] > 1e-9
    a = np.sign(r)
    a[on] = 0.0
    a[on] = np.linalg.solve(X[on].T, -(X.T @ a))
    assert np.max(np.abs(a[on])) < 1.0  # strictly inside: the minimiser is unique
    assert np.max(np.abs(X.T @ a)) <= 1e-9 * n
    assert float(y @ a) == pytest.approx(float(np.sum(np.abs(r))), rel=1e-12)  # no duality gap

    # The seed notebook: L-BFGS-B on a hand-written nll, no gradient, from zeros.
    def seed_nll(params: np.ndarray) -> float:
        scale = params[-1]
        return n * np.log(2 * scale) + np.sum(np.abs(y - X @ params[:-1])) / scale

    seed = minimize(seed_nll, np.r_[np.zeros(d), 1.0], method="L-BFGS-B", bounds=[(None, None)] * d + [(0.01, None)])
    ours = -result.loglik
    assert ours == pytest.approx(seed_nll(np.r_[beta, result.params["scale"]]), rel=1e-14)
    assert ours <= seed.fun
    # Far beyond rounding (about 1e-9 here): the seed approach stops short of the optimum.
    assert seed.fun - ours > 1e-4
    assert np.max(np.abs(seed.x[:-1] - beta)) > 1e-4


# ------------------------------------------------------------------------------------------------ non-uniqueness
def segment_ends(message: str) -> tuple[np.ndarray, np.ndarray]:
    found = re.search(r"segment from \[([^\]]*)\] to \[([^\]]*)\]", message)
    assert found, message
    start, end = (np.array([float(v) for v in part.split(",")]) for part in found.groups())
    return start, end


def test_even_n_intercept_only_is_not_unique():
    with pytest.raises(grader.KeyVerificationError, match="not unique") as caught:
        grader.fit("laplace_regression", X=np.ones((6, 1)), y=[5.0, 1.0, 4.0, 2.0, 3.0, 7.0])
    ends = sorted(float(end[0]) for end in segment_ends(str(caught.value)))
    assert ends == [3.0, 4.0]  # the two middle values: every beta between them is a median
    report = caught.value.verification
    assert not report.passed and not report.hessian_definite


def test_a_non_unique_regression_names_a_segment_of_minimisers():
    # Group 0 has four observations, group 1 two: neither group's median is unique.
    X = np.column_stack([np.ones(6), [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]])
    y = np.array([1.0, 2.0, 3.0, 4.0, 6.0, 8.0])
    total, minimisers = brute_force(X, y)
    assert len(minimisers) > 1
    with pytest.raises(grader.KeyVerificationError, match="least-absolute-deviations fit is not unique") as caught:
        grader.fit("laplace_regression", X=X, y=y)
    start, end = segment_ends(str(caught.value))
    assert not np.allclose(start, end)
    for beta in (start, end, (start + end) / 2):
        assert float(np.sum(np.abs(y - X @ beta))) == pytest.approx(total, rel=1e-5)


def optimal_face_is_a_point(X: np.ndarray, y: np.ndarray) -> bool:
    """Independent check: minimise and maximise each coefficient over the optimal set (2d primal LPs)."""
    best = primal_lp(X, y).fun
    d = X.shape[1]
    for j in range(d):
        row = np.eye(d)[j]
        low = primal_lp(X, y, row, best * (1 + 1e-9) + 1e-12).fun
        high = -primal_lp(X, y, -row, best * (1 + 1e-9) + 1e-12).fun
        if high - low > 1e-3:  # the data are on a grid of 1: a real segment is far longer
            return False
    return True


def test_uniqueness_is_decided_like_the_face_linear_programs():
    rng = np.random.default_rng(12)
    outcomes = set()
    for _ in range(16):
        n = int(rng.integers(6, 16))
        X = np.column_stack([np.ones(n), rng.integers(0, 3, n)])
        y = rng.integers(0, 8, n).astype(float)
        if np.linalg.matrix_rank(X) < 2:
            continue
        unique = optimal_face_is_a_point(X, y)
        outcomes.add(unique)
        if unique:
            assert grader.fit("laplace_regression", X=X, y=y).verification.hessian_definite
        else:
            with pytest.raises(grader.KeyVerificationError, match="not unique"):
                grader.fit("laplace_regression", X=X, y=y)
    assert outcomes == {True, False}  # both cases were exercised


# ------------------------------------------------------------------------------------- derivatives, errors, hook
def test_gradient_is_the_smallest_subgradient_on_a_kink():
    family = grader.FAMILIES["laplace_regression"]()
    data = {"X": np.ones((5, 1)), "y": np.array([1.0, 2.0, 3.0, 4.0, 10.0])}
    b = 2.0
    # At beta = 2: one residual below, three above, one zero: d S / d beta is in [-2 - 1, -2 + 1]; its smallest
    # element is -1. S = 1 + 0 + 1 + 2 + 8 = 12.
    np.testing.assert_allclose(family.grad(np.array([2.0, b]), data), [-1.0 / b, 5 / b - 12 / b**2], rtol=1e-12)
    # At the median, 3, zero is a subgradient.
    np.testing.assert_allclose(family.grad(np.array([3.0, b]), data)[0], 0.0, atol=1e-15)


def _laplace_60(seed: int = 16) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = design(rng, 60, 3)
    return X, X @ np.array([1.0, 0.5, -0.5]) + rng.laplace(0.0, 1.0, 60)


def test_a_wrong_descent_fails_the_certificate_and_the_linear_program_decides(monkeypatch):
    # Stand-in for a broken descent: least squares, a point that interpolates nothing and is not the LAD optimum.
    def least_squares(X, y):
        beta = np.linalg.lstsq(X, y, rcond=None)[0]
        return lad_descent.DescentResult(beta, float(np.sum(np.abs(y - X @ beta))), 1, True, "stand-in")

    monkeypatch.setattr(laplace_regression, "lad_by_edge_descent", least_squares)
    X, y = _laplace_60()
    result = grader.fit("laplace_regression", X=X, y=y)
    assert "HiGHS linear program" in result.method and result.verification.passed
    assert result.params["scale"] * 60 == pytest.approx(primal_lp(X, y).fun, rel=1e-12)


def test_a_wrong_linear_program_solution_fails_the_certificate_and_the_second_method(monkeypatch):
    # Both methods broken: the linear program returns least squares, the descent a point near the optimum that is
    # no vertex. Neither is certified, so no key; the descent's smaller S exposes the linear program's answer.
    real_descent = lad_descent.lad_by_edge_descent

    def off_vertex(X, y):
        found = real_descent(X, y)
        beta = found.beta + 1e-3
        return lad_descent.DescentResult(beta, float(np.sum(np.abs(y - X @ beta))), 1, False, "stand-in")

    def least_squares(X, y):
        return np.linalg.lstsq(X, y, rcond=None)[0], 1

    monkeypatch.setattr(laplace_regression, "lad_by_edge_descent", off_vertex)
    monkeypatch.setattr(laplace_regression, "lad_by_linear_programming", least_squares)
    X, y = _laplace_60()
    with pytest.raises(grader.KeyVerificationError, match="no optimality certificate") as caught:
        grader.fit("laplace_regression", X=X, y=y)
    assert "the second method (smoothing + edge descent) found a smaller sum of |residuals|" in str(caught.value)
    assert not caught.value.verification.hessian_definite


def test_perfect_fit_has_no_interior_scale():
    X = design(np.random.default_rng(13), 12, 3)
    with pytest.raises(grader.KeyVerificationError, match="scale is 0, on the boundary"):
        grader.fit("laplace_regression", X=X, y=X @ np.array([1.0, 2.0, -0.5]))


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (np.ones(5), np.arange(5.0), "X must be a 2-D array"),
        (np.ones((5, 1)), np.ones((5, 1)), "y must be a 1-D array"),
        (np.ones((5, 1)), np.arange(4.0), "y has 4 values but X has 5 rows"),
        (np.ones((2, 2)), np.arange(2.0), "at least 3 observations are needed to estimate 2 coefficient"),
        (np.column_stack([np.ones(6), np.arange(6.0), 2 * np.arange(6.0)]), np.arange(6.0), "column 2 is a linear"),
        (np.column_stack([np.ones(6), [0, 1, np.nan, 3, 4, 5]]), np.arange(6.0), "X contains 1 non-finite"),
        (np.ones((3, 1)), [1.0, np.inf, 2.0], "y contains 1 non-finite"),
        (np.column_stack([np.ones(4), np.zeros(4)]), np.arange(4.0), "column 1 is all zeros"),
        (np.zeros((0, 1)), np.zeros(0), "X is empty"),
        (np.ones((3, 1)), ["a", "b", "c"], "y must contain numbers"),
    ],
)
def test_bad_data_is_refused(X, y, message):
    with pytest.raises(grader.DataError, match=message):
        grader.fit("laplace_regression", X=X, y=y)


def test_standard_errors_are_the_asymptotic_lad_ones():
    rng = np.random.default_rng(14)
    X = design(rng, 80, 3)
    y = X @ np.array([0.5, 1.0, -1.0]) + rng.laplace(0.0, 0.7, 80)
    result = grader.fit("laplace_regression", X=X, y=y)
    b = result.params["scale"]
    np.testing.assert_allclose(result.se["beta"], b * np.sqrt(np.diag(np.linalg.inv(X.T @ X))), rtol=1e-10)
    assert result.se["scale"] == pytest.approx(b / math.sqrt(80), rel=1e-12)
    assert grader.key_value(result, "se.beta[2]") == pytest.approx(result.se["beta"][2], rel=1e-15)


def test_columns_in_very_different_units_fit_and_rescale_exactly():
    rng = np.random.default_rng(15)
    X = np.column_stack([np.ones(30), rng.uniform(0.0, 1.0, (30, 2))])
    y = X @ np.array([1.0, 2.0, -3.0]) + rng.laplace(0.0, 1.0, 30)
    units = np.array([1.0, 1e4, 1e-3])  # e.g. metres against micrometres against kilometres
    total, minimisers = brute_force(X * units, y)
    result = grader.fit("laplace_regression", X=X * units, y=y)
    np.testing.assert_allclose(result.params["beta"], minimisers[0], rtol=1e-9)
    plain = grader.fit("laplace_regression", X=X, y=y)
    np.testing.assert_allclose(result.params["beta"] * units, plain.params["beta"], rtol=1e-9)
    np.testing.assert_allclose(result.se["beta"] * units, plain.se["beta"], rtol=1e-9)
    assert result.params["scale"] == pytest.approx(plain.params["scale"], rel=1e-12)


class ExactBernoulli(Bernoulli):
    """A smooth family that nevertheless supplies its own exact fit: fit must use it."""

    id = "exact_bernoulli"
    passes = True

    def _exact_fit(self, data):
        p = float(np.mean(data["y"]))
        problems = () if self.passes else ("a problem the family found",)
        report = Verification(0.0, True, 0.0, None, passed=not problems, problems=problems)
        return ExactSolution(np.array([p]), np.array([math.sqrt(p * (1 - p) / data["y"].size)]), 0, "count", report)


class FailingExactBernoulli(ExactBernoulli):
    id = "failing_exact_bernoulli"
    passes = False


def test_fit_uses_a_family_exact_method_and_its_verification(monkeypatch):
    monkeypatch.setitem(grader.FAMILIES, ExactBernoulli.id, ExactBernoulli)
    monkeypatch.setitem(grader.FAMILIES, FailingExactBernoulli.id, FailingExactBernoulli)
    y = [1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1]
    result = grader.fit("exact_bernoulli", y=y)
    assert result.method == "count" and result.iterations == 0 and result.converged
    assert result.params["p"] == 0.6 and result.loglik == pytest.approx(9 * math.log(0.6) + 6 * math.log(0.4))
    assert "newton" in grader.fit("bernoulli", y=y).method  # families without the hook are untouched
    with pytest.raises(grader.KeyVerificationError, match="failed verification: a problem the family found") as c:
        grader.fit("failing_exact_bernoulli", y=y)
    assert c.value.verification is not None and not c.value.verification.passed

"""Laplace regression on many rows: the reduced linear program, the reduced edge descent, the duality-gap proof.

Above FULL_LP_ROWS / FULL_WALK_ROWS rows both LAD methods solve reduced problems (rows near a preliminary fit,
the rest merged by the sign of their residual); the descent starts its walk from a Huber-smoothed fit. The
thresholds are lowered here so that small data sets take the large-n paths; the references are the primal linear
program (a formulation our code does not solve) and a dual certificate rebuilt in the test from the residual signs.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

import grader
from grader.families import lad_descent, laplace_regression, least_absolute_deviations


def laplace_data(seed: int, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.uniform(0.0, 10.0, n), rng.normal(0.0, 1.0, size=(n, d - 2))])
    y = X @ rng.uniform(-3.0, 3.0, d) + rng.laplace(0.0, 2.0, n)
    y[rng.random(n) < 0.05] += 30.0  # gross outliers, as in the seed notebook's task
    return X, y


def primal_minimum(X: np.ndarray, y: np.ndarray) -> float:
    """min sum |y - X beta| by the primal LP: min 1'(u + v) s.t. X beta + u - v = y, u, v >= 0."""
    n, d = X.shape
    identity = sparse.eye(n, format="csc")
    result = linprog(
        np.r_[np.zeros(d), np.ones(2 * n)],
        A_eq=sparse.hstack([sparse.csc_matrix(X), identity, -identity], format="csc"),
        b_eq=y,
        bounds=[(None, None)] * d + [(0.0, None)] * (2 * n),
        method="highs",
    )
    assert result.status == 0
    return float(result.fun)


def certified_unique(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> bool:
    """The dual certificate rebuilt from the residual signs: |a| < 1 on the d interpolated rows, X'a = 0."""
    d = X.shape[1]
    r = y - X @ beta
    on = np.argsort(np.abs(r))[:d]
    a = np.sign(r)
    a[on] = 0.0
    a[on] = np.linalg.solve(X[on].T, -(X.T @ a))
    return bool(np.max(np.abs(a[on])) < 1.0 and np.max(np.abs(X.T @ a)) <= 1e-9 * X.shape[0])


@pytest.fixture
def small_thresholds(monkeypatch):
    monkeypatch.setattr(least_absolute_deviations, "FULL_LP_ROWS", 100)
    monkeypatch.setattr(lad_descent, "FULL_WALK_ROWS", 100)


@pytest.mark.parametrize(("seed", "n", "d"), [(1, 1500, 2), (2, 2500, 5), (3, 3000, 10)])
def test_reduced_methods_find_the_exact_optimum(small_thresholds, seed, n, d):
    X, y = laplace_data(seed, n, d)
    best = primal_minimum(X, y)
    beta_lp, _ = least_absolute_deviations.lad_by_linear_programming(X, y)
    descent = lad_descent.lad_by_edge_descent(X, y)
    assert descent.optimal
    for beta in (beta_lp, descent.beta):
        assert float(np.sum(np.abs(y - X @ beta))) == pytest.approx(best, rel=1e-10)
        assert certified_unique(X, y, beta)
    np.testing.assert_allclose(beta_lp, descent.beta, rtol=1e-10, atol=1e-12)


def test_fit_through_the_reduced_paths_names_its_proof(small_thresholds):
    X, y = laplace_data(4, 2000, 4)
    result = grader.fit("laplace_regression", X=X, y=y)
    assert result.verification.passed and result.verification.hessian_definite
    assert "merged by their residual signs" in result.method and "dual certificate" in result.method
    assert result.params["scale"] * 2000 == pytest.approx(primal_minimum(X, y), rel=1e-10)
    # Proven optimal and unique by the dual certificate, so the second method does not run (the test above checks
    # that it finds the same optimum on these paths).
    assert result.verification.certificate.startswith("LP dual certificate")
    assert result.verification.second_method_max_rel_diff is None


def test_reduced_lp_recovers_from_a_poor_preliminary_fit(monkeypatch, small_thresholds):
    # The preliminary LP on the subsample is replaced by a fit far off the optimum: many merged rows then get
    # the wrong sign, the band must be redrawn and widened, and the result must still be the exact optimum.
    real = least_absolute_deviations._dual_lp
    calls = []

    def poor_first(X, y, pull):
        beta, iterations = real(X, y, pull)
        calls.append(X.shape[0])
        return (beta + 2.0 if len(calls) == 1 else beta), iterations

    monkeypatch.setattr(least_absolute_deviations, "_dual_lp", poor_first)
    X, y = laplace_data(5, 3000, 3)
    beta, _ = least_absolute_deviations.lad_by_linear_programming(X, y)
    assert len(calls) > 2  # the bad guess cost extra rounds
    assert float(np.sum(np.abs(y - X @ beta))) == pytest.approx(primal_minimum(X, y), rel=1e-10)
    assert certified_unique(X, y, beta)


def test_reduced_descent_recovers_from_an_unrepresentative_subsample(monkeypatch, small_thresholds):
    # The descent's subsample is taken from the first rows only, where y carries an offset the other rows lack:
    # the subsample optimum is far from the full one and merged rows change sides.
    X, y = laplace_data(6, 2500, 3)
    y[:300] += 8.0
    monkeypatch.setattr(lad_descent, "_subsample", lambda n, m: np.arange(m))
    result = lad_descent.lad_by_edge_descent(X, y)
    assert result.optimal
    assert result.objective == pytest.approx(primal_minimum(X, y), rel=1e-10)
    assert certified_unique(X, y, result.beta)


def test_the_duality_gap_rejects_a_certificate_built_on_misread_residuals(monkeypatch):
    # If nonzero residuals were taken for zeros, a could be chosen freely on them: the box and X'a = 0 would then
    # hold at a beta that is not optimal. The gap S(beta) - y'a, computed from the plain sums, exposes it.
    X, y = laplace_data(7, 200, 3)
    beta = np.linalg.lstsq(X, y, rcond=None)[0]  # least squares: not the LAD optimum
    honest = least_absolute_deviations.certify(X, y, beta)
    assert not honest.optimal
    monkeypatch.setattr(least_absolute_deviations, "_ZERO_ULPS", 1e15)  # every |r| < ~1e-1 * scale is "zero"
    misread = least_absolute_deviations.certify(X, y, beta)
    assert misread.zero.sum() > X.shape[1]
    assert misread.margin > 0 and misread.dual_residual <= least_absolute_deviations.DUAL_RESIDUAL_TOL
    assert misread.duality_gap > least_absolute_deviations.DUALITY_GAP_TOL
    assert not misread.optimal


def test_certificate_of_the_optimum_has_no_duality_gap():
    X, y = laplace_data(8, 500, 4)
    result = grader.fit("laplace_regression", X=X, y=y)
    certificate = least_absolute_deviations.certify(X, y, result.params["beta"])
    assert certificate.optimal and certificate.unique
    assert certificate.duality_gap <= 1e-14


@pytest.mark.parametrize("scale", [1.0, 1e-5])
def test_exact_fit_is_refused_on_many_rows_and_with_an_ill_conditioned_design(scale):
    # Many rows take the normal equations (refined once); columns 1 and 2 almost collinear take the SVD.
    rng = np.random.default_rng(9)
    n = 20_000
    x = rng.uniform(0.0, 10.0, n)
    X = np.column_stack([np.ones(n), x, x + scale * rng.normal(0.0, 1.0, n)])
    with pytest.raises(grader.KeyVerificationError, match="scale is 0, on the boundary"):
        grader.fit("laplace_regression", X=X, y=X @ np.array([1.0, 2.0, -0.5]))


def tied_data(seed: int, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Covariates and responses on a coarse grid (many ties among the residuals) with gross outliers."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), np.round(rng.uniform(0.0, 10.0, size=(n, d - 1)), 1)])
    y = np.round(X @ rng.uniform(-3.0, 3.0, d) + rng.laplace(0.0, 2.0, n), 1)
    y[rng.random(n) < 0.05] += 30.0
    return X, y


@pytest.mark.parametrize(("seed", "n", "d"), [(11, 1200, 2), (12, 2000, 3), (13, 2500, 6)])
def test_band_walk_from_a_smoothed_subsample_fit_matches_the_primal_lp_with_ties(small_thresholds, seed, n, d):
    # Ties make vertices degenerate (several residuals 0 at once, edges of length 0): the descent must still end
    # on a minimiser, or say it did not; it never claims a vertex the dual certificate rejects.
    X, y = tied_data(seed, n, d)
    best = primal_minimum(X, y)
    descent = lad_descent.lad_by_edge_descent(X, y)
    certificate = least_absolute_deviations.certify(X, y, descent.beta)
    if descent.optimal:
        assert certificate.optimal
    if certificate.optimal:
        assert descent.objective == pytest.approx(best, rel=1e-10)
    # The fit decides either way: a key equal to the LP's minimum, or a refusal naming non-uniqueness.
    try:
        result = grader.fit("laplace_regression", X=X, y=y)
    except grader.KeyVerificationError as error:
        assert "not unique" in str(error)
    else:
        assert result.params["scale"] * n == pytest.approx(best, rel=1e-10)


@pytest.mark.parametrize("d", [2, 10])
def test_default_paths_at_ten_thousand_rows_end_on_the_linear_programs_vertex(d):
    # The benchmark's size with the real thresholds: subsample, band, smoothing and walk, then the certificate on
    # every row. The reference is HiGHS's dual LP (on the rows near its own preliminary fit), an independent method.
    X, y = laplace_data(14 + d, 10_000, d)
    result = grader.fit("laplace_regression", X=X, y=y)
    assert "merged by their residual signs" in result.method and "Huber smoothing" in result.method
    beta_lp, _ = least_absolute_deviations.lad_by_linear_programming(X, y)
    np.testing.assert_allclose(result.params["beta"], beta_lp, rtol=1e-10, atol=1e-12)
    assert certified_unique(X, y, result.params["beta"])


def test_a_rare_category_missing_from_the_subsample_still_gives_the_exact_optimum(small_thresholds):
    # A dummy column that is 1 on a handful of rows only: the subsample (and a band) can miss them, so smoothing
    # meets a singular system; the descent must fall back and still reach the optimum the primal LP finds.
    X, y = laplace_data(15, 3000, 3)
    X[:, 2] = 0.0
    X[[5, 1700, 2900], 2] = 1.0
    y[[5, 1700, 2900]] += 4.0
    descent = lad_descent.lad_by_edge_descent(X, y)
    assert descent.objective == pytest.approx(primal_minimum(X, y), rel=1e-10)
    result = grader.fit("laplace_regression", X=X, y=y)
    assert result.params["scale"] * 3000 == pytest.approx(primal_minimum(X, y), rel=1e-10)


def test_the_subsample_covers_a_periodic_design():
    # Rows cycle through 7 groups: an evenly strided subsample whose stride is a multiple of 7 would see one group
    # only. The golden-ratio draw sees every group, in about equal numbers.
    n, m = 7 * 3000, 700
    rows = lad_descent._subsample(n, m)
    assert rows.min() >= 0 and rows.max() < n and np.unique(rows).size >= 0.99 * m
    counts = np.bincount(rows % 7, minlength=7)
    assert counts.min() >= 0.8 * m / 7


def test_smoothing_lands_next_to_the_optimum_and_the_walk_finishes_it():
    # Huber smoothing is only a start, but a close one: its S is within a fraction of a percent of the minimum,
    # and the walk from its d smallest residuals ends on the exact vertex.
    X, y = laplace_data(16, 3000, 5)
    none = np.zeros(5)
    start = lad_descent._least_squares(X, y)
    beta, steps = lad_descent._smoothed(X, y, none, start, lad_descent.SMOOTHING_START, 0.0)
    best = primal_minimum(X, y)
    assert steps >= 2
    assert float(np.sum(np.abs(y - X @ beta))) <= best * 1.001
    assert float(np.sum(np.abs(y - X @ start))) > best * 1.01  # least squares, pulled by the outliers, is not
    walk = lad_descent._walk_from(X, y, none, beta)
    assert walk.optimal
    vertex = np.linalg.solve(X[walk.rows], y[walk.rows])
    assert float(np.sum(np.abs(y - X @ vertex))) == pytest.approx(best, rel=1e-10)
    assert certified_unique(X, y, vertex)


def test_the_walk_stops_when_degenerate_edges_lead_back_to_a_vertex():
    # Many tied residuals: steps of length 0 can bring the walk back to a basis it left. It must stop there (not
    # walk MAX_EDGES edges) and not claim optimality it has not shown; the dual certificate then decides.
    rng = np.random.default_rng(17)
    stops = set()
    for _ in range(40):
        n, d = 30, 5
        X = np.column_stack([np.ones(n), rng.integers(0, 3, size=(n, d - 1))]).astype(float)
        y = rng.integers(0, 6, n).astype(float)
        if np.linalg.matrix_rank(X) < d:
            continue
        descent = lad_descent.lad_by_edge_descent(X, y)
        assert descent.iterations < lad_descent.MAX_EDGES
        stops.add(descent.message)
        certificate = least_absolute_deviations.certify(X, y, descent.beta)
        if descent.optimal:
            assert certificate.optimal
        if certificate.optimal:
            assert descent.objective == pytest.approx(primal_minimum(X, y), rel=1e-10, abs=1e-9)
    assert "optimal vertex" in stops and len(stops) > 1  # degenerate stops were exercised too


# -------------------------------------------------------------------------------------------- fast paths, checked
def test_the_quick_plane_test_proves_only_what_holds():
    # _off_a_plane may say "off a plane" only for data that are: noisy data pass it, exact fits (also with nearly
    # collinear columns, where X'X cannot vouch for itself) must reach the full check, which names the problem.
    rng = np.random.default_rng(18)
    n = 500
    x = rng.uniform(0.0, 10.0, n)
    for X in (np.column_stack([np.ones(n), x]), np.column_stack([np.ones(n), x, x + 1e-6 * rng.normal(size=n)])):
        beta = np.arange(1.0, X.shape[1] + 1.0)
        noisy = grader.FAMILIES["laplace_regression"]().validate_data(X=X, y=X @ beta + rng.laplace(size=n))
        exact = grader.FAMILIES["laplace_regression"]().validate_data(X=X, y=X @ beta)
        assert laplace_regression._off_a_plane(noisy["X"], noisy["y"]) == (X.shape[1] == 2)
        assert not laplace_regression._off_a_plane(exact["X"], exact["y"])
        assert "no interior maximum" in grader.FAMILIES["laplace_regression"]().mle_problem(exact)


def test_certificate_helpers_match_their_plain_definitions():
    rng = np.random.default_rng(19)
    for matrix in (rng.normal(size=(3, 3)), np.ones((3, 3)), rng.normal(size=(7, 3)), np.zeros((2, 2)),
                   rng.normal(size=(1, 3)), np.column_stack([np.ones(4), [1.0, 1.0, 1.0, 1.0 + 1e-14]])):
        assert least_absolute_deviations._rank(matrix) == np.linalg.matrix_rank(matrix)
    absolute = np.abs(rng.normal(size=(50, 4)))
    expected = absolute.max(axis=1)
    np.testing.assert_array_equal(least_absolute_deviations._row_maxima(absolute), expected)
    np.testing.assert_array_equal(least_absolute_deviations._row_maxima(np.asfortranarray(absolute)), expected)
    X, y = laplace_data(16, 60, 3)
    beta = lad_descent.lad_by_edge_descent(X, y).beta
    certificate = least_absolute_deviations.certify(X, y, beta)
    assert certificate.objective == pytest.approx(float(np.sum(np.abs(y - X @ beta))), rel=1e-15)
    assert certificate.design_size == pytest.approx(float(np.sum(np.abs(X))), rel=1e-15)

"""The machinery that makes keys cheap must not change what they are: remembered data-derived values, scratch
arrays, the least squares by refined normal equations, the rank check's condition bound, Newton's Cholesky step.

Expected values come from numpy's SVD-based lstsq and eigvalsh, scipy's expit, and closed forms.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
from scipy.special import expit

import grader
from grader.families import derived, scratch
from grader.families.design import _Factor, gram, least_squares, require_full_rank
from grader.optimizers import _newton_step


# ------------------------------------------------------------------------------------------------ remembered
def frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=float)
    array.flags.writeable = False
    return array


def test_a_value_is_remembered_for_a_frozen_array_and_forgotten_with_it():
    calls = []
    array = frozen(np.arange(5.0))

    def compute(values=array):
        calls.append(1)
        return float(values.sum())

    assert derived.remembered(array, "sum", compute) == 10.0
    assert derived.remembered(array, "sum", compute) == 10.0
    assert len(calls) == 1
    del compute  # its default argument holds the array too
    key = (id(array), "sum")
    assert key in derived._remembered
    del array
    gc.collect()
    assert key not in derived._remembered


@pytest.mark.parametrize("make", [lambda: np.arange(5.0), lambda: frozen(np.arange(10.0))[::2]])
def test_an_array_that_can_change_is_never_remembered(make):
    # A writeable array, or a view whose base someone else may write to.
    array = make()
    calls = []
    for _ in range(2):
        derived.remembered(array, "sum", lambda: calls.append(1))
    assert len(calls) == 2


def test_the_gram_matrix_of_validated_data_is_computed_once_and_read_only():
    family = grader.FAMILIES["linear"]()
    rng = np.random.default_rng(30)
    data = family.validate_data(X=np.column_stack([np.ones(50), rng.normal(size=50)]), y=rng.normal(size=50))
    first = gram(data["X"])
    assert gram(data["X"]) is first and not first.flags.writeable
    np.testing.assert_allclose(first, data["X"].T @ data["X"], rtol=1e-14)


# --------------------------------------------------------------------------------------------------- scratch
def test_scratch_vectors_of_one_call_do_not_overlap_and_the_matrix_is_separate():
    vectors = scratch.vectors(3, 7)
    matrix = scratch.matrix(7, 2)
    for i, vector in enumerate(vectors):
        vector[...] = i
    matrix[...] = -1.0
    for i, vector in enumerate(vectors):
        assert np.all(vector == i)
    assert vectors.shape == (3, 7) and vectors.flags.c_contiguous and matrix.flags.f_contiguous


def test_scratch_grows_and_is_reused():
    small = scratch.vectors(2, 10)
    large = scratch.vectors(2, 10_000)
    again = scratch.vectors(2, 10)
    assert large.shape == (2, 10_000) and np.shares_memory(large, again)
    assert small.shape == (2, 10)


# ------------------------------------------------------------------------------------- logistic gradient digits
@pytest.mark.parametrize(("eta", "y"), [(30.0, 1.0), (-30.0, 0.0), (30.0, 0.0), (-30.0, 1.0), (-0.0, 0.0), (0.0, 1.0)])
def test_the_logistic_gradient_keeps_its_digits_where_p_is_close_to_y(eta, y):
    # One observation with x = 1: the gradient is p - y. Near p = y it is about 1e-13, and 1 / (1 + e) - 1 would
    # keep only three digits of it.
    gradient = grader.FAMILIES["logistic"]().grad([eta], {"X": [[1.0]], "y": [y]})
    expected = expit(eta) if y == 0.0 else -expit(-eta)  # 1 - expit(eta) = expit(-eta), each to full precision
    assert gradient[0] == pytest.approx(expected, rel=4e-16)


# ------------------------------------------------------------------------------------------------ least squares
@pytest.mark.parametrize("scale", [1.0, 1e-6, 1e7])
@pytest.mark.parametrize("seed", [31, 32])
def test_least_squares_by_refined_normal_equations_matches_the_svd(seed, scale):
    rng = np.random.default_rng(seed)
    n = 500
    x = rng.uniform(0.0, 10.0, n)
    # A raw cubic: column-scaled condition number near 1e4, within the normal equations' range.
    X = frozen(np.column_stack([np.ones(n), x, x**2, scale * x**3]))
    y = frozen(X @ [1.0, -2.0, 0.5, 0.1 / scale] + rng.normal(size=n))
    beta, rss = least_squares(X, y)
    # The SVD on unit-length columns: on the raw X, lstsq's relative cut-off costs the small columns digits.
    norms = np.linalg.norm(X, axis=0)
    reference = np.linalg.lstsq(X / norms, y, rcond=None)[0] / norms
    np.testing.assert_allclose(beta, reference, rtol=1e-10)
    assert rss == pytest.approx(float(np.sum((y - X @ reference) ** 2)), rel=1e-12)


def test_least_squares_of_an_ill_conditioned_design_falls_back_to_the_svd(monkeypatch):
    rng = np.random.default_rng(33)
    n = 300
    x = rng.normal(size=n)
    X = frozen(np.column_stack([np.ones(n), x, x + 1e-6 * rng.normal(size=n)]))  # condition number near 1e13
    y = frozen(1.0 + x + rng.normal(size=n))
    called = []
    real = np.linalg.svd

    def svd(*args, **kwargs):
        called.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(np.linalg, "svd", svd)
    beta, rss = least_squares(X, y)
    assert called
    monkeypatch.undo()
    reference, (reference_rss,), *_ = np.linalg.lstsq(X, y, rcond=None)
    np.testing.assert_allclose(X @ beta, X @ reference, rtol=1e-9, atol=1e-8)
    assert rss == pytest.approx(reference_rss, rel=1e-9)


# ------------------------------------------------------------------------------------------------- rank check
@pytest.mark.parametrize("seed", range(5))
def test_the_condition_bound_is_an_upper_bound(seed):
    rng = np.random.default_rng(40 + seed)
    d = int(rng.integers(2, 12))
    X = rng.normal(size=(200, d)) @ np.diag(10.0 ** rng.uniform(-4, 4, d))
    X[:, -1] += rng.uniform(0.5, 1.0) * X[:, 0] * np.abs(X[:, -1]).max() / np.abs(X[:, 0]).max()
    product = X.T @ X
    norms = np.sqrt(np.diag(product))
    eigenvalues = np.linalg.eigvalsh(product / np.outer(norms, norms))
    bound = _Factor.of(product).condition_bound
    assert eigenvalues[-1] / eigenvalues[0] <= bound * (1 + 1e-8) <= d**2 * eigenvalues[-1] / eigenvalues[0] * 1.01


def test_a_design_the_bound_cannot_settle_goes_to_the_qr():
    # Column 2 = column 1 + 1e-6 noise: condition bound far above the screen, rank still full (singular-value
    # ratio about 1e-6, above RANK_TOL): the QR must accept it, as it must refuse an exact copy.
    rng = np.random.default_rng(45)
    x = rng.normal(size=100)
    require_full_rank(np.column_stack([np.ones(100), x, x + 1e-6 * rng.normal(size=100)]))
    with pytest.raises(grader.DataError, match="rank-deficient"):
        require_full_rank(np.column_stack([np.ones(100), x, x]))


# ---------------------------------------------------------------------------------------------- Newton's step
def test_the_cholesky_step_is_the_newton_step_and_an_indefinite_hessian_takes_the_floored_one():
    rng = np.random.default_rng(46)
    a = rng.normal(size=(20, 4)) * [1e3, 1.0, 1e-2, 2.0]  # curvatures from 1e6 to 1e-4: scaled, a fine Hessian
    h, g = a.T @ a, rng.normal(size=4)
    step, definite = _newton_step(g, h)
    assert definite
    np.testing.assert_allclose(step, np.linalg.solve(h, g), rtol=1e-10)
    indefinite = np.diag([2.0, -1.0])
    step, definite = _newton_step(np.array([1.0, 1.0]), indefinite)
    assert not definite
    np.testing.assert_allclose(step, [0.5, 1.0])  # |eigenvalues| used: a descent direction

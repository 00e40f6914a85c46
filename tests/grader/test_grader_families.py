"""Registry-wide checks: every family's hooks exist, its derivatives match finite differences, its fit verifies.

The finite differences live here only; the grader itself never uses them.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import grader
from grader.families import Family, _build_registry

FAMILY_IDS = sorted(grader.FAMILIES)


def family_and_data(family_id: str, seed: int) -> tuple[Family, dict[str, np.ndarray]]:
    family = grader.FAMILIES[family_id]()
    return family, family.example_data(np.random.default_rng(seed))


def random_interior_theta(family: Family, data: dict[str, np.ndarray], rng: np.random.Generator, spread: float):
    """A random point inside every parameter's domain; ``spread`` widens the draw towards the boundaries."""
    z = rng.normal(0.0, spread, size=family.n_params(data))
    return np.array([d.from_unconstrained(v) for d, v in zip(family.element_domains(data), z, strict=True)])


def steps(family: Family, data: dict[str, np.ndarray], theta: np.ndarray) -> np.ndarray:
    """Finite-difference steps small next to each element's size and to its distance from the domain's edge.

    Differences are divided by the step actually taken (plus - minus), which rounding makes differ from 2h when
    theta is large next to h, as for p = 1 - 3e-7.
    """
    domains = family.element_domains(data)
    lower = np.array([d.lower for d in domains])
    upper = np.array([d.upper for d in domains])
    scale = np.minimum.reduce([1.0 + np.abs(theta), theta - lower, upper - theta])
    return 1e-5 * scale


def shifted(theta: np.ndarray, i: int, h: float) -> tuple[np.ndarray, np.ndarray]:
    plus, minus = theta.copy(), theta.copy()
    plus[i] += h
    minus[i] -= h
    return plus, minus


def fd_gradient(family: Family, data, theta: np.ndarray) -> np.ndarray:
    h = steps(family, data, theta)
    out = np.empty_like(theta)
    for i in range(theta.size):
        plus, minus = shifted(theta, i, h[i])
        out[i] = (family.nll(plus, data) - family.nll(minus, data)) / (plus[i] - minus[i])
    return out


def fd_hessian(family: Family, data, theta: np.ndarray) -> np.ndarray:
    h = steps(family, data, theta)
    columns = []
    for i in range(theta.size):
        plus, minus = shifted(theta, i, h[i])
        columns.append((family.grad(plus, data) - family.grad(minus, data)) / (plus[i] - minus[i]))
    return np.column_stack(columns)


def assert_close_to_fd(analytic: np.ndarray, numeric: np.ndarray) -> None:
    scale = max(1.0, float(np.max(np.abs(analytic))))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-7 * scale)


@pytest.mark.parametrize("family_id", FAMILY_IDS)
def test_registry_entry_is_a_complete_family(family_id):
    cls = grader.FAMILIES[family_id]
    assert cls.id == family_id
    assert re.fullmatch(r"[a-z][a-z0-9_]*", family_id)
    assert issubclass(cls, Family)
    assert not cls.__abstractmethods__
    for hook in ("_nll", "_grad", "_hess", "_check_data", "_example_data"):
        assert getattr(cls, hook) is not getattr(Family, hook), f"{family_id} does not implement {hook}"
    assert cls.params and len(set(cls().param_names)) == len(cls.params)
    assert cls.data_names


def test_registry_has_no_aliases():
    classes = list(grader.FAMILIES.values())
    assert len(set(classes)) == len(classes)


def test_registry_refuses_duplicate_and_non_lowercase_ids():
    bernoulli = grader.FAMILIES["bernoulli"]
    with pytest.raises(TypeError, match="used by both"):
        _build_registry((bernoulli, bernoulli))

    class Shouting(bernoulli):
        id = "Bernoulli"

    with pytest.raises(TypeError, match="lowercase"):
        _build_registry((Shouting,))


@pytest.mark.parametrize("family_id", FAMILY_IDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_and_hessian_match_finite_differences(family_id, seed):
    family, data = family_and_data(family_id, seed)
    rng = np.random.default_rng(100 + seed)
    for _ in range(4):
        theta = random_interior_theta(family, data, rng, spread=1.5)
        assert_close_to_fd(family.grad(theta, data), fd_gradient(family, data, theta))
        assert_close_to_fd(family.hess(theta, data), fd_hessian(family, data, theta))


@pytest.mark.parametrize("family_id", FAMILY_IDS)
@pytest.mark.parametrize("z", [-15.0, 15.0])
def test_derivatives_near_the_domain_edges(family_id, z):
    # Far out in the unconstrained coordinates: p = expit(±15), sigma = exp(±15), ... still inside the domain.
    family, data = family_and_data(family_id, 3)
    domains = family.element_domains(data)
    theta = np.array([d.from_unconstrained(np.float64(z)) for d in domains])
    assert_close_to_fd(family.grad(theta, data), fd_gradient(family, data, theta))
    assert_close_to_fd(family.hess(theta, data), fd_hessian(family, data, theta))


CONVEX_IDS = [family_id for family_id in FAMILY_IDS if grader.FAMILIES[family_id].convex]


@pytest.mark.parametrize("family_id", CONVEX_IDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_family_declared_convex_is_convex_at_random_points(family_id, seed):
    # The convexity certificate replaces a second optimiser for these families, so the claim is checked twice:
    # the analytic Hessian is positive semi-definite, and (independently of it) the nll at the midpoint of two
    # random points is at most the mean of its values there (Jensen), near the optimum and far from it.
    family, data = family_and_data(family_id, seed)
    rng = np.random.default_rng(200 + seed)
    for spread in (0.5, 2.0, 6.0):
        for _ in range(5):
            a = random_interior_theta(family, data, rng, spread)
            b = random_interior_theta(family, data, rng, spread)
            eigenvalues = np.linalg.eigvalsh(family.hess(a, data))
            assert eigenvalues.min() >= -1e-12 * np.abs(eigenvalues).max()
            ends = (family.nll(a, data) + family.nll(b, data)) / 2
            assert family.nll((a + b) / 2, data) <= ends + 1e-12 * abs(ends)


@pytest.mark.parametrize("family_id", FAMILY_IDS)
def test_the_fused_hook_returns_exactly_what_the_separate_hooks_return(family_id):
    # The optimiser asks for all three at once and the verification for them one by one: they must be the same.
    family, data = family_and_data(family_id, 10)
    rng = np.random.default_rng(10)
    for spread in (0.5, 3.0):
        theta = random_interior_theta(family, data, rng, spread)
        params = family._unpack(theta, data)
        nll, gradient, hessian = family._nll_grad_hess(params, data)
        assert nll == family._nll(params, data)
        np.testing.assert_array_equal(gradient, family._grad(params, data))
        np.testing.assert_array_equal(hessian, family._hess(params, data))
        # Newton's evaluations without a value: the same gradient and Hessian.
        gradient_only, hessian_only = family._grad_hess(params, data)
        np.testing.assert_array_equal(gradient_only, gradient)
        np.testing.assert_array_equal(hessian_only, hessian)


@pytest.mark.parametrize("family_id", FAMILY_IDS)
def test_hessian_is_symmetric(family_id):
    family, data = family_and_data(family_id, 4)
    theta = random_interior_theta(family, data, np.random.default_rng(4), spread=1.0)
    h = family.hess(theta, data)
    np.testing.assert_allclose(h, h.T, rtol=1e-12)


@pytest.mark.parametrize("family_id", FAMILY_IDS)
@pytest.mark.parametrize("seed", [5, 6])
def test_fit_of_example_data_verifies_and_matches_closed_form(family_id, seed):
    family, data = family_and_data(family_id, seed)
    result = grader.fit(family_id, **data)
    assert result.verification.passed and result.converged
    assert result.verification.hessian_definite
    closed = family.closed_form(data)
    if closed is not None:
        for name, value in closed.items():
            np.testing.assert_allclose(result.params[name], value, rtol=1e-8)
    # The maximised log-likelihood is the nll at the optimum, and the optimum is a stationary point.
    theta = family.pack(result.params, data)
    assert result.loglik == pytest.approx(-family.nll(theta, data), rel=1e-12)
    assert np.linalg.norm(family.grad(theta, data)) <= 1e-6 * result.n


@pytest.mark.parametrize("family_id", FAMILY_IDS)
def test_pack_and_unpack_are_inverse(family_id):
    family, data = family_and_data(family_id, 7)
    theta = random_interior_theta(family, data, np.random.default_rng(7), spread=1.0)
    params = family.unpack(theta, data)
    assert tuple(params) == family.param_names
    np.testing.assert_array_equal(family.pack(params, data), theta)


@pytest.mark.parametrize("family_id", FAMILY_IDS)
def test_public_methods_refuse_theta_of_the_wrong_shape_or_outside_the_domain(family_id):
    family, data = family_and_data(family_id, 8)
    k = family.n_params(data)
    with pytest.raises(grader.ParameterError, match="shape"):
        family.nll(np.zeros(k + 1), data)
    with pytest.raises(grader.ParameterError, match="shape"):
        family.grad(np.zeros((k, 1)), data)
    bad = family.start(data).copy()
    bad[0] = np.nan
    with pytest.raises(grader.ParameterError, match=family.element_labels(data)[0].split("[")[0]):
        family.hess(bad, data)


@pytest.mark.parametrize("family_id", FAMILY_IDS)
def test_public_methods_validate_the_data(family_id):
    family, data = family_and_data(family_id, 9)
    with pytest.raises(grader.DataError, match="unexpected: extra"):
        family.nll(family.start(data), {**data, "extra": np.ones(3)})

"""Newton's lean path for the convex regression families: full steps accepted on the gradient at their end, the nll
computed only where a step or the result needs it, the line search only when a full step fails, a start one Newton
step from beta = 0, and one factorisation of the final Hessian for the verification and the standard errors.

Expected optima come from statsmodels; expected Newton steps, standard errors and decrements from numpy's dense
solves of the family's own Hessian.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.special import expit, gammaln

import grader
from grader import verification
from grader.families import get_family
from grader.optimizers import newton_minimize
from grader.unconstrained import UnconstrainedObjective
from grader.verification import HESSIAN_COND_MAX, Curvature, verify


def logistic_data(n: int = 400, seed: int = 61) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.uniform(-5.0, 5.0, n)])
    return {"X": X, "y": (rng.random(n) < expit(X @ [-1.0, 0.8])).astype(float)}


def poisson_data(n: int = 400, seed: int = 62) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.uniform(-2.0, 2.0, n)])
    return {"X": X, "y": rng.poisson(np.exp(X @ [0.5, 0.3])).astype(float)}


def multinomial_data(n: int = 400, seed: int = 63) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.uniform(-2.0, 2.0, n), rng.normal(size=n)])
    eta = np.column_stack([np.zeros(n), X @ [[0.3, -0.2], [0.8, -0.5], [0.1, 0.4]]])
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    return {"X": X, "y": (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1).clip(0, 2).astype(float)}


STATSMODELS = {
    "logistic": (logistic_data, lambda d: sm.Logit(d["y"], d["X"]).fit(disp=0, tol=1e-12).params),
    "poisson_regression": (
        poisson_data, lambda d: sm.GLM(d["y"], d["X"], family=sm.families.Poisson()).fit(tol=1e-13).params
    ),
    "multinomial_logistic": (multinomial_data, lambda d: sm.MNLogit(d["y"], d["X"]).fit(disp=0, tol=1e-12).params),
}


class CountingValues:
    """An objective that counts the nll-only evaluations: the line search and the value checks use them."""

    def __init__(self, objective: UnconstrainedObjective):
        self.objective = objective
        self.convex = objective.convex
        self.values = 0
        self.without_value = 0

    def evaluate(self, z, value=True):
        self.without_value += not value
        return self.objective.evaluate(z, value)

    def value(self, z):
        self.values += 1
        return self.objective.value(z)


def objective_for(family_id: str, data: dict[str, np.ndarray]) -> tuple[UnconstrainedObjective, np.ndarray]:
    family = get_family(family_id)
    clean = family.validate_data(**data)
    objective = UnconstrainedObjective(family, clean)
    return objective, objective.to_z(family.start(clean))


@pytest.mark.parametrize("family_id", sorted(STATSMODELS))
def test_full_steps_from_the_start_need_no_line_search_and_reach_statsmodels(family_id):
    make, reference = STATSMODELS[family_id]
    data = make()
    objective, z0 = objective_for(family_id, data)
    counting = CountingValues(objective)
    result = newton_minimize(counting, z0)
    assert result.converged and objective.convex
    # Every step was taken in full, certified by the gradient at its end or trusted near the optimum: no value
    # was computed for a comparison, and the early steps skipped the nll altogether.
    assert counting.values == 0 and counting.without_value >= 1
    expected = np.ravel(reference(data))
    np.testing.assert_allclose(result.z, expected, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(np.ravel(grader.fit(family_id, **data).params["beta"]), expected, rtol=1e-8, atol=1e-10)
    # The value Newton hands back is the nll at its point, as the family computes it.
    assert result.value == objective.family._nll(objective.family._unpack(result.z, objective.data), objective.data)


@pytest.mark.parametrize(
    ("family_id", "start"),
    [("logistic", [10.0, -10.0]), ("logistic", [-5.0, 5.0]), ("poisson_regression", [-3.0, 2.0])],
)
def test_a_start_whose_full_steps_fail_takes_the_line_search_and_converges(family_id, start):
    # From a saturated logistic start the Hessian is nearly zero and the full step overshoots by orders of
    # magnitude; the line search must shorten it, and Newton still ends at the optimum.
    make, reference = STATSMODELS[family_id]
    data = make()
    objective, _ = objective_for(family_id, data)
    counting = CountingValues(objective)
    result = newton_minimize(counting, np.array(start))
    assert result.converged
    assert counting.values > 1  # the values of a rejected full step, then of the halvings
    np.testing.assert_allclose(result.z, reference(data), rtol=1e-8, atol=1e-10)


def test_an_objective_that_is_not_convex_compares_values_at_every_step():
    family = get_family("normal")
    data = family.validate_data(x=np.random.default_rng(64).normal(3.0, 2.0, 300))
    objective = UnconstrainedObjective(family, data)
    counting = CountingValues(objective)
    result = newton_minimize(counting, objective.to_z(family.start(data)))
    assert not objective.convex and result.converged
    assert counting.without_value == 0


@pytest.mark.parametrize("family_id", ["logistic", "multinomial_logistic"])
def test_the_start_is_newtons_first_step_from_zero(family_id):
    family = get_family(family_id)
    data = family.validate_data(**STATSMODELS[family_id][0]())
    zero = np.zeros(family.n_params(data))
    newton_step = np.linalg.solve(family.hess(zero, data), family.grad(zero, data))
    np.testing.assert_allclose(family.start(data), -newton_step, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------------------------- the final Hessian
def random_hessian(rng: np.random.Generator, d: int, scales: np.ndarray) -> np.ndarray:
    a = rng.normal(size=(3 * d, d)) * scales
    return a.T @ a


@pytest.mark.parametrize("seed", range(4))
def test_one_factorisation_gives_the_step_the_standard_errors_and_the_decrement(seed):
    rng = np.random.default_rng(70 + seed)
    d = int(rng.integers(1, 8))
    hessian = random_hessian(rng, d, 10.0 ** rng.uniform(-4, 4, d))
    gradient = rng.normal(size=d)
    curvature = Curvature.of(hessian)
    assert curvature is not None and curvature.safe
    step, decrement = curvature.newton_step(gradient)
    np.testing.assert_allclose(step, np.linalg.solve(hessian, gradient), rtol=1e-9)
    np.testing.assert_allclose(curvature.standard_errors(), np.sqrt(np.diag(np.linalg.inv(hessian))), rtol=1e-9)
    assert decrement == pytest.approx(np.sqrt(gradient @ np.linalg.solve(hessian, gradient)), rel=1e-9)


@pytest.mark.parametrize(("condition", "safe"), [(1e12, True), (4e12, True), (3e13, False)])
def test_conditioning_is_decided_exactly_where_the_cheap_bound_cannot(condition, safe):
    # Unit diagonal, eigenvalues from 2 / (1 + condition) to 2 condition / (1 + condition): the bound d trace(S^-1)
    # is about 2 condition, above HESSIAN_COND_MAX for the middle case, where the eigenvalues must decide.
    rotation = np.array([[1.0, 1.0], [1.0, -1.0]]) / np.sqrt(2.0)
    eigenvalues = np.array([2.0 / (1.0 + condition), 2.0 * condition / (1.0 + condition)])
    hessian = rotation @ np.diag(eigenvalues) @ rotation.T
    curvature = Curvature.of(hessian)
    assert curvature is not None and curvature.definite
    assert curvature.safe is safe
    report = verify(labels=["a", "b"], theta=np.ones(2), gradient=np.zeros(2), hessian=hessian, n=10, converged=True,
                    optimizer_message="", closed_form=None, certificate="convex")
    assert report.passed is safe
    if not safe:
        assert f"above {HESSIAN_COND_MAX:g}" in report.problems[0]


def test_the_verification_keeps_no_hidden_state_and_a_given_factorisation_changes_nothing():
    assert not hasattr(verification, "_last")
    rng = np.random.default_rng(75)
    hessian = random_hessian(rng, 3, np.ones(3))
    gradient = 1e-9 * rng.normal(size=3)
    evidence = {"labels": lambda: ["a", "b", "c"], "theta": np.ones(3), "gradient": gradient, "hessian": hessian,
                "n": 10, "converged": True, "optimizer_message": "", "closed_form": None, "certificate": "convex"}
    assert verify(**evidence) == verify(**evidence, curvature=Curvature.of(hessian))


def test_labels_are_computed_only_for_a_message():
    asked = []

    def labels():
        asked.append(True)
        return ["a"]

    hessian = np.array([[4.0]])
    passed = verify(labels=labels, theta=np.array([2.0]), gradient=np.zeros(1), hessian=hessian, n=10,
                    converged=True, optimizer_message="", closed_form=None, certificate="convex")
    assert passed.passed and not asked
    failed = verify(labels=labels, theta=np.array([2.0]), gradient=np.array([1.0]), hessian=hessian, n=10,
                    converged=True, optimizer_message="", closed_form=None, certificate="convex")
    assert not failed.passed and asked and "would move a by" in failed.problems[0]


# ----------------------------------------------------------------------------------------- passes in row blocks
def dense_terms(family_id: str, X: np.ndarray, y: np.ndarray, beta: np.ndarray):
    """The nll (without constants), gradient and Hessian by the textbook formulas, all rows at once."""
    if family_id == "logistic":
        p = expit(X @ beta)
        nll = float(np.sum(np.logaddexp(0.0, X @ beta) - y * (X @ beta)))
        return nll, X.T @ (p - y), X.T @ (X * (p * (1 - p))[:, None])
    if family_id == "poisson_regression":
        mu = np.exp(X @ beta)
        return float(np.sum(mu - y * (X @ beta))), X.T @ (mu - y), X.T @ (X * mu[:, None])
    eta = np.column_stack([np.zeros(len(y)), X @ beta])
    p = np.exp(eta - eta.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    k1 = beta.shape[1]
    indicators = (y[:, None] == np.arange(1, k1 + 1)).astype(float)
    nll = float(np.sum(np.log(np.exp(eta).sum(axis=1)) - np.sum(indicators * eta[:, 1:], axis=1)))
    gradient = (X.T @ (p[:, 1:] - indicators)).ravel()
    blocks = [[X.T @ (X * (p[:, k + 1] * ((k == l) - p[:, l + 1]))[:, None]) for l in range(k1)] for k in range(k1)]
    hessian = np.einsum("klij->ikjl", np.array(blocks)).reshape(X.shape[1] * k1, X.shape[1] * k1)
    return nll, gradient, hessian


@pytest.mark.parametrize("family_id", sorted(STATSMODELS))
def test_a_pass_over_several_row_blocks_adds_up_to_the_textbook_formulas(family_id):
    # 50 000 rows of 3 columns are three row blocks; the Hessian's blocks are general products, symmetrised once.
    family = get_family(family_id)
    data = family.validate_data(**STATSMODELS[family_id][0](n=50_000, seed=80))
    beta = family.start(data) * 0.7 + 0.05
    params = family._unpack(beta, data)
    nll, gradient, hessian = family._nll_grad_hess(params, data)
    expected_nll, expected_gradient, expected_hessian = dense_terms(family_id, data["X"], data["y"], params["beta"])
    if family_id == "poisson_regression":
        expected_nll += float(np.sum(gammaln(data["y"] + 1.0)))
    assert nll == pytest.approx(expected_nll, rel=1e-12)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-9, atol=1e-9 * np.abs(expected_gradient).max())
    np.testing.assert_allclose(hessian, expected_hessian, rtol=1e-12)
    np.testing.assert_array_equal(hessian, hessian.T)

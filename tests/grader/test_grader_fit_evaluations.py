"""How much work a smooth fit does: each likelihood hook runs at most once per point, and the second method takes
full steps from the start even when the optimum is thousands of standard errors away (n = 10^5).

Expected values come from the family's own hooks called directly, and from counting the calls.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

import grader
from grader.families.logistic import Logistic
from grader.families.normal import Normal
from grader.optimizers import newton_minimize, trust_exact_minimize
from grader.unconstrained import UnconstrainedObjective


class CountingLogistic(Logistic):
    id = "counting_logistic"

    def __init__(self):
        self.points: dict[str, list[bytes]] = {"nll": [], "grad": [], "hess": []}

    def _nll(self, params, data):
        self.points["nll"].append(np.asarray(params["beta"]).tobytes())
        return super()._nll(params, data)

    def _grad(self, params, data):
        self.points["grad"].append(np.asarray(params["beta"]).tobytes())
        return super()._grad(params, data)

    def _hess(self, params, data):
        self.points["hess"].append(np.asarray(params["beta"]).tobytes())
        return super()._hess(params, data)

    def _nll_grad_hess(self, params, data):
        # The fused hook computes all three in one pass: a point for each kind.
        for points in self.points.values():
            points.append(np.asarray(params["beta"]).tobytes())
        return super()._nll_grad_hess(params, data)

    def _grad_hess(self, params, data):
        # Newton's evaluations that need no value: a point for the gradient and the Hessian.
        for kind in ("grad", "hess"):
            self.points[kind].append(np.asarray(params["beta"]).tobytes())
        return super()._grad_hess(params, data)


def logistic_data(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.uniform(-5.0, 5.0, n), rng.normal(0.0, 1.0, n)])
    return {"X": X, "y": (rng.random(n) < expit(X @ np.array([-1.0, 0.8, 0.3]))).astype(float)}


def test_objective_values_are_the_hooks_and_each_runs_once_per_point():
    family = CountingLogistic()
    data = family.validate_data(**logistic_data(300))
    objective = UnconstrainedObjective(family, data)
    z = np.array([-0.5, 0.4, 0.1])
    params = {"beta": z}
    hessian, gradient, value = objective.hessian(z), objective.gradient(z), objective.value(z)
    objective.hessian(z.copy()), objective.natural_gradient(z), objective.natural_nll(z)
    assert {kind: len(points) for kind, points in family.points.items()} == {"nll": 1, "grad": 1, "hess": 1}
    # beta lives on the real line, so z-space and natural derivatives coincide.
    np.testing.assert_array_equal(hessian, Logistic._hess(family, params, data))
    np.testing.assert_array_equal(gradient, Logistic._grad(family, params, data))
    assert value == Logistic._nll(family, params, data)
    objective.value(z + 1e-3)
    assert len(family.points["nll"]) == 2  # a new point is a new evaluation


def test_a_point_outside_the_domain_is_never_evaluated():
    family = Normal()
    data = family.validate_data(x=[1.0, 2.0, 4.0])
    objective = UnconstrainedObjective(family, data)
    outside = np.array([0.0, 800.0])  # sigma = exp(800) overflows to inf: not in sigma > 0
    assert objective.value(outside) == np.inf
    assert np.all(np.isnan(objective.gradient(outside))) and np.all(np.isnan(objective.hessian(outside)))
    assert objective.natural_gradient(outside) is None


def test_a_fit_never_evaluates_a_hook_twice_at_the_same_point(monkeypatch):
    monkeypatch.setitem(grader.FAMILIES, CountingLogistic.id, CountingLogistic)
    instances = []
    real_get = grader.fitting.get_family

    def get_family(family_id):
        family = real_get(family_id)
        instances.append(family)
        return family

    monkeypatch.setattr(grader.fitting, "get_family", get_family)
    data = logistic_data(2000)
    result = grader.fit("counting_logistic", **data)
    assert result.verification.passed
    points = instances[0].points
    for kind in ("nll", "grad", "hess"):
        assert points[kind] and len(points[kind]) == len(set(points[kind])), kind
    # The nll is computed only where a step or the result needs it: not at every point.
    assert len(points["nll"]) < len(points["grad"])
    reference = grader.fit("logistic", **data)
    np.testing.assert_array_equal(result.params["beta"], reference.params["beta"])


@pytest.mark.parametrize("seed", [2, 3])
def test_second_method_takes_full_steps_when_the_optimum_is_far(seed):
    # From beta = 0 the logistic optimum is hundreds of standard errors away at n = 10^5. With scipy's default
    # trust radius (1 unit, one standard error at the start) trust-exact spent a dozen steps only widening it.
    family = Logistic()
    data = family.validate_data(**logistic_data(100_000, seed))
    objective = UnconstrainedObjective(family, data)
    z0 = objective.to_z(family.start(data))
    newton = newton_minimize(objective, z0)
    second = trust_exact_minimize(objective, z0, 100_000)
    assert newton.converged and second.converged
    assert second.iterations <= newton.iterations
    np.testing.assert_allclose(second.z, newton.z, rtol=1e-6)

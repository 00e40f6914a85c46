"""What confirms a key besides Newton's own checks: the closed form, the convexity certificate or a second optimiser;
and the separation diagnosis, which runs only when a fit fails.

Expected values come from closed forms (numpy means) and statsmodels; the counterexamples to convexity are
computed by hand from the Hessian's formula.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.special import expit

import grader
import grader.fitting as fitting
from grader.families.normal import Normal
from grader.verification import verify

def logistic_data(n: int = 300, seed: int = 21) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.uniform(-5.0, 5.0, n), rng.normal(size=n)])
    return {"X": X, "y": (rng.random(n) < expit(X @ [-1.0, 0.8, 0.3])).astype(float)}


def poisson_data(n: int = 300, seed: int = 22) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.uniform(-2.0, 2.0, n)])
    return {"X": X, "y": rng.poisson(np.exp(X @ [0.5, 0.3])).astype(float)}


def multinomial_data(n: int = 300, seed: int = 23) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.uniform(-2.0, 2.0, n)])
    eta = np.column_stack([np.zeros(n), X @ [[0.3, -0.2], [0.8, -0.5]]])
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    return {"X": X, "y": (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1).clip(0, 2).astype(float)}


class NoSecondMethod(Exception):
    pass


@pytest.fixture
def no_second_method(monkeypatch):
    def refuse(*args, **kwargs):
        raise NoSecondMethod

    monkeypatch.setattr(fitting, "trust_exact_minimize", refuse)


@pytest.mark.parametrize(
    ("family_id", "data", "reference"),
    [
        ("logistic", logistic_data(), lambda d: sm.Logit(d["y"], d["X"]).fit(disp=0).params),
        ("poisson_regression", poisson_data(),
         lambda d: sm.GLM(d["y"], d["X"], family=sm.families.Poisson()).fit(tol=1e-13).params),
        ("multinomial_logistic", multinomial_data(), lambda d: sm.MNLogit(d["y"], d["X"]).fit(disp=0).params),
    ],
)
def test_a_convex_family_is_certified_without_a_second_optimiser(no_second_method, family_id, data, reference):
    result = grader.fit(family_id, **data)
    report = result.verification
    assert report.passed and report.second_method_max_rel_diff is None and report.closed_form_max_rel_diff is None
    assert report.certificate == fitting.CONVEX_CERTIFICATE
    assert "verified by certificate (convex nll" in result.method
    np.testing.assert_allclose(np.ravel(result.params["beta"]), np.ravel(reference(data)), rtol=1e-7, atol=1e-9)


def test_a_closed_form_family_is_confirmed_by_its_closed_form_without_a_second_optimiser(no_second_method):
    x = np.random.default_rng(24).normal(3.0, 2.0, 500)
    result = grader.fit("normal", x=x)
    report = result.verification
    assert report.passed and report.closed_form_max_rel_diff <= 1e-12
    assert report.second_method_max_rel_diff is None and report.certificate is None  # normal is not convex
    assert result.params["mu"] == pytest.approx(x.mean(), rel=1e-12)


class NormalWithoutClosedForm(Normal):
    """A family with neither a closed form nor a convexity certificate: only a second optimiser confirms it."""

    id = "normal_without_closed_form"

    def _closed_form(self, data):
        return None

    def _mle_problem(self, data):  # Normal's own check uses its closed form; these data have an interior MLE
        return None


def test_a_family_without_closed_form_or_certificate_runs_the_second_optimiser(monkeypatch):
    monkeypatch.setitem(grader.FAMILIES, NormalWithoutClosedForm.id, NormalWithoutClosedForm)
    x = np.random.default_rng(25).normal(-1.0, 0.5, 400)
    result = grader.fit(NormalWithoutClosedForm.id, x=x)
    report = result.verification
    assert report.passed and report.certificate is None and report.closed_form_max_rel_diff is None
    assert report.second_method_max_rel_diff is not None and report.second_method_max_rel_diff <= 1e-6
    assert result.params["sigma"] == pytest.approx(x.std(), rel=1e-10)


def test_nothing_to_confirm_an_optimum_fails_verification():
    theta, hessian = np.array([2.0]), np.array([[4.0]])
    report = verify(labels=["b"], theta=theta, gradient=np.zeros(1), hessian=hessian, n=10, converged=True,
                    optimizer_message="", closed_form=None)
    assert not report.passed and "nothing confirms the optimum" in report.problems[0]
    certified = verify(labels=["b"], theta=theta, gradient=np.zeros(1), hessian=hessian, n=10, converged=True,
                       optimizer_message="", closed_form=None, certificate="convex")
    assert certified.passed and certified.certificate == "convex"


def test_a_certificate_is_not_granted_when_its_premises_fail():
    # Half a standard error from the optimum: not stationary, so convexity proves nothing about this point.
    theta, hessian = np.array([2.0]), np.array([[4.0]])
    report = verify(labels=["b"], theta=theta, gradient=np.array([1.0]), hessian=hessian, n=10, converged=True,
                    optimizer_message="", closed_form=None, certificate="convex")
    assert not report.passed and report.certificate is None
    indefinite = verify(labels=["a", "b"], theta=np.ones(2), gradient=np.zeros(2), hessian=np.diag([1.0, -1.0]),
                        n=10, converged=True, optimizer_message="", closed_form=None, certificate="convex")
    assert not indefinite.passed and indefinite.certificate is None


@pytest.mark.parametrize("family_id", ["normal", "linear"])
def test_the_families_not_declared_convex_are_not_convex(family_id):
    # In sigma the nll n log sigma + S / (2 sigma^2) has second derivative -n / sigma^2 + 3 S / sigma^4, negative
    # once sigma^2 > 3 S / n: a stationary point there would prove nothing, so these families keep a confirmation.
    family = grader.FAMILIES[family_id]()
    assert not family.convex
    data = family.example_data(np.random.default_rng(26))
    theta = family.start(data)
    theta[-1] *= 10.0  # sigma ten times its start, so sigma^2 is about 100 S / n
    assert np.linalg.eigvalsh(family.hess(theta, data)).min() < 0


# ------------------------------------------------------------------------------- separation: only when a fit fails
@pytest.mark.parametrize(
    ("family_id", "module", "function", "data"),
    [
        ("logistic", "grader.families.logistic", "class_separation", logistic_data()),
        ("multinomial_logistic", "grader.families.multinomial_logistic", "class_separation", multinomial_data()),
        ("poisson_regression", "grader.families.poisson_regression", "count_recession", poisson_data()),
    ],
)
def test_a_successful_fit_never_runs_the_separation_programme(monkeypatch, family_id, module, function, data):
    # A verified interior optimum with a positive-definite Hessian proves the MLE exists: no separation to look for.
    def refuse(*args, **kwargs):
        raise AssertionError("the linear programme ran on data with an MLE")

    monkeypatch.setattr(f"{module}.{function}", refuse)
    assert grader.fit(family_id, **data).verification.passed


def test_the_public_diagnosis_still_names_a_separation():
    x = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    data = {"X": np.column_stack([np.ones(6), x]), "y": (x > 0).astype(float)}
    logistic = grader.FAMILIES["logistic"]()
    assert "perfectly separated" in logistic.mle_problem(data)
    with pytest.raises(grader.KeyVerificationError) as caught:
        grader.fit("logistic", **data)
    assert str(caught.value) == logistic.mle_problem(data)
    assert logistic.mle_problem(logistic_data()) is None


def test_a_slow_fit_without_separation_carries_on(monkeypatch):
    # Newton asks for the diagnosis after a few iterations; when there is no separation it must continue, not fail.
    asked = []
    logistic = grader.FAMILIES["logistic"]
    original = logistic._explain_failure

    def explain(self, data):
        asked.append(True)
        return original(self, data)

    monkeypatch.setattr(fitting, "_PATIENCE", 1)
    monkeypatch.setattr(logistic, "_explain_failure", explain)
    data = logistic_data(seed=27)
    result = grader.fit("logistic", **data)
    assert asked and result.verification.passed and result.iterations > 1
    np.testing.assert_allclose(result.params["beta"], sm.Logit(data["y"], data["X"]).fit(disp=0).params, rtol=1e-7)

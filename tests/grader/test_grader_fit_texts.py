"""The fits' methods, certificates and verification problems are Messages: a stable code and parameters behind the
English text the grader has always given, so the web app can word them in the teacher's language."""

from __future__ import annotations

import ast
import copy
import json
import pickle
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

import grader
from grader.families import get_family, lad_descent, laplace_regression, least_absolute_deviations
from grader.fit_texts import FIT_TEMPLATES
from grader.messages import Message
from grader.verification import verify

GRADER = Path(grader.__file__).resolve().parent
CONVEX = "convex nll: a stationary point with a positive-definite Hessian is the global minimum"
GAUSSIAN = (
    "the Gaussian nll is strictly convex in (beta / sigma, 1 / sigma) when [X y] has full column rank, so its "
    "stationary point is the unique global maximum of the likelihood"
)
LAD_PROOF = (
    "optimality proven by the LP dual certificate (a in [-1, 1]^n with X'a = 0 and no duality gap, checked on "
    "every row), uniqueness by its margin"
)
LAD_CERTIFICATE = (
    "LP dual certificate: a in [-1, 1]^n with X'a = 0 and no duality gap proves the sum of |residuals| minimal, its "
    "margin proves the minimiser unique"
)


def test_every_fit_code_is_used_by_the_grader():
    used = set()
    for path in GRADER.rglob("*.py"):
        if path.name in ("fit_texts.py", "error_texts.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                used.add(node.value)
    assert set(FIT_TEMPLATES) - used == set()


def _design(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=n)
    return np.column_stack([np.ones(n), x]), x


def _catalogue_fits() -> dict[str, grader.FitResult]:
    rng = np.random.default_rng(5)
    n = 80
    X, x = _design(rng, n)
    logits = np.column_stack([np.zeros(n), 0.3 + 0.8 * x, -0.2 - 0.5 * x])
    chance = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    classes = (rng.random(n)[:, None] > np.cumsum(chance, axis=1)).sum(axis=1).clip(0, 2).astype(float)
    return {
        "bernoulli": grader.fit("bernoulli", y=(rng.random(n) < 0.4).astype(float)),
        "normal": grader.fit("normal", x=rng.normal(3.0, 2.0, n)),
        "logistic": grader.fit("logistic", X=X, y=(rng.random(n) < 1 / (1 + np.exp(-x))).astype(float)),
        "poisson_regression": grader.fit("poisson_regression", X=X, y=rng.poisson(np.exp(0.3 + 0.5 * x))),
        "multinomial_logistic": grader.fit("multinomial_logistic", X=X, y=classes),
        "linear": grader.fit("linear", X=X, y=1.0 + 2.0 * x + rng.normal(size=n)),
        "laplace_regression": grader.fit("laplace_regression", X=X, y=1.0 + x + rng.laplace(size=n)),
    }


@pytest.fixture(scope="module")
def catalogue_fits() -> dict[str, grader.FitResult]:
    return _catalogue_fits()


@pytest.mark.parametrize(("family_id", "parametrisation"), [
    ("bernoulli", "logit p"), ("logistic", "beta"), ("poisson_regression", "beta"), ("multinomial_logistic", "beta"),
])
def test_a_convex_newton_fit_names_its_parametrisation_and_certificate(catalogue_fits, family_id, parametrisation):
    result = catalogue_fits[family_id]
    assert result.method == f"newton on ({parametrisation}); verified by certificate ({CONVEX})"
    assert isinstance(result.method, Message) and result.method.code == "newton_fit_certified"
    assert result.method.params["parametrisation"] == parametrisation  # notation: a plain string
    certificate = result.method.params["certificate"]
    assert isinstance(certificate, Message) and certificate.code == "certificate_convex_nll"
    assert result.verification.certificate == CONVEX and result.verification.certificate.code == certificate.code


def test_a_newton_fit_without_certificate_has_its_own_code(catalogue_fits):
    result = catalogue_fits["normal"]
    assert result.method == "newton on (mu, log sigma)" and result.method.code == "newton_fit"
    assert dict(result.method.params) == {"parametrisation": "mu, log sigma"}
    assert result.verification.certificate is None


def test_the_linear_closed_form_nests_its_solver_and_certificate(catalogue_fits):
    result = catalogue_fits["linear"]
    assert result.method == f"closed form (normal equations by Cholesky, refined); verified by certificate ({GAUSSIAN})"
    assert result.method.code == "closed_form_fit_certified"
    assert result.method.params["solver"].code == "least_squares_cholesky"
    assert result.method.params["certificate"].code == "certificate_gaussian_convex"
    assert result.verification.certificate.code == "certificate_gaussian_convex"


def test_an_ill_conditioned_linear_fit_names_the_singular_value_decomposition():
    rng = np.random.default_rng(3)
    x = rng.uniform(100.0, 101.0, 80)
    X = np.column_stack([np.ones_like(x), x, x**2])
    result = grader.fit("linear", X=X, y=1.0 + 0.5 * x + rng.normal(0.0, 1.0, x.size))
    assert result.method.startswith("closed form (singular value decomposition, refined); verified by certificate")
    assert result.method.params["solver"].code == "least_squares_svd"


def test_the_lad_descent_names_its_solver_and_proof(catalogue_fits):
    result = catalogue_fits["laplace_regression"]
    assert result.method == (
        "exact least absolute deviations: Huber smoothing, then descent along edges to a vertex (Barrodale-Roberts "
        f"steps); {LAD_PROOF}; scale = mean |residual|"
    )
    assert result.method.code == "lad_fit"
    assert result.method.params["solver"].code == "lad_solver_descent"
    assert result.method.params["proof"].code == "lad_dual_proof"
    assert result.verification.certificate == LAD_CERTIFICATE
    assert result.verification.certificate.code == "certificate_lad_dual"


def _least_squares_descent(X, y):
    """A stand-in for a broken descent (least squares is not the LAD optimum): the linear program decides."""
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    return lad_descent.DescentResult(beta, float(np.sum(np.abs(y - X @ beta))), 1, True, "stand-in")


@pytest.mark.parametrize(("by_linear_program", "reduced", "solver"), [
    (True, False, "lad_solver_linear_program"),
    (True, True, "lad_solver_linear_program_reduced"),
    (False, True, "lad_solver_descent_reduced"),
])
def test_each_lad_path_has_its_solver_code(monkeypatch, by_linear_program, reduced, solver):
    if by_linear_program:
        monkeypatch.setattr(laplace_regression, "lad_by_edge_descent", _least_squares_descent)
    n = 2000 if reduced else 60
    monkeypatch.setattr(least_absolute_deviations, "FULL_LP_ROWS", 100)
    monkeypatch.setattr(lad_descent, "FULL_WALK_ROWS", 100)
    rng = np.random.default_rng(16)
    X, x = _design(rng, n)
    result = grader.fit("laplace_regression", X=X, y=1.0 + 2.0 * x + rng.laplace(size=n))
    assert result.method.code == "lad_fit" and result.method.params["solver"].code == solver
    assert ("HiGHS linear program" in result.method) == by_linear_program
    assert ("merged by their residual signs" in result.method) == reduced
    assert result.method.endswith(f"; {LAD_PROOF}; scale = mean |residual|")


def test_a_failed_verification_lists_messages_with_numbers():
    # H = 4 and g = 1: the Newton step is g / H = 0.25, the standard error 1 / sqrt(H) = 0.5, so the step is half a
    # standard error, and the decrement sqrt(g^2 / H) = 0.5; the closed form 2.5 differs from 2 by 0.5 / 2.5.
    report = verify(labels=["b"], theta=np.array([2.0]), gradient=np.array([1.0]), hessian=np.array([[4.0]]), n=10,
                    converged=False, optimizer_message="iteration limit", closed_form=np.array([2.5]))
    assert not report.passed and all(isinstance(problem, Message) for problem in report.problems)
    assert [problem.code for problem in report.problems] == [
        "optimizer_not_converged", "optimum_not_stationary", "newton_step_not_negligible",
        "disagrees_with_closed_form",
    ]
    converged, stationary, step, disagreement = (dict(problem.params) for problem in report.problems)
    assert converged == {"reason": "iteration limit"}
    assert stationary["label"] == "b" and stationary["step"] == pytest.approx(0.25)
    assert stationary["step_se"] == pytest.approx(0.5) and stationary["decrement"] == pytest.approx(0.5)
    assert stationary["grad_norm"] == pytest.approx(1.0) and stationary["tolerance"] == 1e-6
    assert step["step_rel"] == pytest.approx(0.125)  # 0.25 / max(|2|, |1.75|, se 0.5)
    assert disagreement == {"label": "b", "value": 2.0, "reference": 2.5, "difference": pytest.approx(0.2)}
    numbers = [value for problem in report.problems[1:] for name, value in problem.params.items() if name != "label"]
    assert all(type(value) is float for value in numbers)  # plain floats: JSON and any formatting take them
    assert report.problems[1].startswith("the optimum is not stationary: a further Newton step would move b by 0.25")
    assert report.problems[3] == "the optimum disagrees with the closed form: b = 2.0 vs 2.5 (relative difference 0.2)"


def test_a_hessian_that_is_not_safely_definite_reports_its_eigenvalues():
    indefinite = verify(labels=["a", "b"], theta=np.ones(2), gradient=np.zeros(2), hessian=np.diag([1.0, -1.0]), n=10,
                        converged=True, optimizer_message="", closed_form=None, second=None, second_message="no way")
    assert [problem.code for problem in indefinite.problems] == ["hessian_not_definite", "second_method_failed"]
    assert dict(indefinite.problems[0].params) == {"smallest": -1.0, "largest": 1.0}
    assert indefinite.problems[1] == "the second method (trust-exact) failed: no way"
    nearly_singular = np.array([[1.0, 1.0 - 1e-14], [1.0 - 1e-14, 1.0]])
    report = verify(labels=["a", "b"], theta=np.ones(2), gradient=np.zeros(2), hessian=nearly_singular, n=10,
                    converged=True, optimizer_message="", closed_form=None, certificate="convex")
    problem = report.problems[0]
    assert problem.code == "hessian_ill_conditioned" and problem.params["limit"] == 1e13
    assert problem.params["condition"] == pytest.approx(2e14, rel=0.1)  # eigenvalues 2 and 1e-14
    assert f"condition number {problem.params['condition']:.3g} with its diagonal scaled to 1, above 1e+13" in problem
    unconfirmed = verify(labels=["a"], theta=np.ones(1), gradient=np.zeros(1), hessian=np.array([[np.inf]]), n=10,
                         converged=True, optimizer_message="", closed_form=None)
    assert [problem.code for problem in unconfirmed.problems] == ["hessian_not_finite", "nothing_confirms_optimum"]


def test_the_linear_closed_form_reports_collinear_columns():
    rng = np.random.default_rng(16)
    n = 300
    x = rng.normal(size=n)
    family = get_family("linear")
    data = family.validate_data(X=np.column_stack([np.ones(n), x, x + 1e-8 * rng.normal(size=n)]),
                                y=1.0 + x + rng.normal(size=n))
    report = family._exact_fit(data).verification
    assert [problem.code for problem in report.problems] == ["linear_hessian_ill_conditioned"]
    assert report.problems[0].params["condition"] > 1e13 and report.problems[0].params["limit"] == 1e13
    assert "not safely positive definite" in report.problems[0] and report.certificate is None


def test_a_lad_fit_that_is_not_unique_names_the_segment():
    # Four observations of a constant: every beta between the middle two, 2 and 3, minimises sum |y - beta| = 4.
    family = get_family("laplace_regression")
    data = family.validate_data(X=np.ones((4, 1)), y=np.array([1.0, 2.0, 3.0, 4.0]))
    report = family._exact_fit(data).verification
    codes = [problem.code for problem in report.problems]
    assert "lad_not_unique_segment" in codes
    segment = report.problems[codes.index("lad_not_unique_segment")]
    assert segment.params["total"] == pytest.approx(4.0)
    assert {segment.params["start"], segment.params["end"]} == {"[2]", "[3]"}
    assert "every beta on the segment from" in segment


def test_reports_survive_asdict_copy_pickle_and_json(catalogue_fits):
    failed = verify(labels=["b"], theta=np.array([2.0]), gradient=np.array([1.0]), hessian=np.array([[4.0]]), n=10,
                    converged=False, optimizer_message="stuck", closed_form=np.array([2.5]))
    for report in (failed, catalogue_fits["bernoulli"].verification):
        copied = asdict(report)  # what exercises.keys.verification_report stores
        pairs = zip((*report.problems, report.certificate), (*copied["problems"], copied["certificate"]), strict=True)
        for original, kept in pairs:
            if original is None:
                continue
            assert isinstance(kept, Message) and kept == original and kept.code == original.code
            assert dict(kept.params) == dict(original.params)
        stored = json.loads(json.dumps(copied))
        assert stored["problems"] == [str(problem) for problem in report.problems]
    method = catalogue_fits["bernoulli"].method
    for again in (copy.deepcopy(method), pickle.loads(pickle.dumps(method))):
        assert again == method and again.code == "newton_fit_certified"
        assert again.params["certificate"].code == "certificate_convex_nll"
    assert json.dumps({"method": method}) == json.dumps({"method": str(method)})

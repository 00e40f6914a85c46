"""The regression exercises of the catalogue (seed 000's notebook and its self-study tasks), graded end to end.

For 50 variant seeds per exercise: the variant's data are built, its key computed and cached as the web app caches
it (a JSON round trip), and every part is answered the way a student would type it (6 significant figures), with
values computed here independently of the grader: statsmodels (OLS, Logit, GLM, MNLogit, QuantReg) or closed forms
from the data. Every correct answer earns full marks; the known wrong estimators (σ with n − p, the MSE for σ, an
L2-penalised logistic fit as scikit-learn's default gives, the fit without the intercept, the least-squares slope
where the least-absolute-deviations slope is asked...) earn 0, and the feedback names the misconception wherever
the grader has a name for it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.special import expit, gammaln

import grader
from exercises import build_dataset, compute_key, load_exercise
from exercises.answers import KeyContext, check_answer, combined_score, read_answer
from exercises.data import Dataset
from exercises.keys import ComputedKey
from exercises.schema import ChoicePart, ExerciseDefinition

from ..conftest import CATALOGUE

SEEDS = [f"catalogue-b-{i}" for i in range(50)]


@cache
def definition_of(slug: str) -> ExerciseDefinition:
    return load_exercise(CATALOGUE / slug).definition


def typed(value: float) -> str:
    """A number as a careful student types it: six significant figures."""
    return f"{value:.6g}"


@dataclass(frozen=True)
class Variant:
    definition: ExerciseDefinition
    dataset: Dataset
    context: KeyContext

    def column(self, name: str) -> np.ndarray:
        return self.dataset.columns[name]

    def design(self, *names: str) -> np.ndarray:
        return np.column_stack([np.ones(self.dataset.n_rows), *(self.column(name) for name in names)])

    def grade(self, part_name: str, raw: str) -> grader.Verdict:
        part = next(p for p in self.definition.parts if p.name == part_name)
        return check_answer(part, read_answer(part, raw, self.definition), self.context)

    def assert_full_marks(self, answers: dict[str, str]) -> None:
        """Every part answered (choices with their correct options): each part and the whole earn full marks."""
        assert set(answers) | set(self.correct_choices()) == {p.name for p in self.definition.parts}
        answers = {**answers, **self.correct_choices()}
        verdicts = []
        for part in self.definition.parts:
            verdict = self.grade(part.name, answers[part.name])
            assert verdict.score == 1.0 and verdict.correct, (part.name, answers[part.name], verdict.message)
            verdicts.append(verdict)
        assert combined_score(verdicts, self.definition.parts) == 1.0

    def assert_wrong(self, part_name: str, raw: str, misconception: str | None) -> None:
        verdict = self.grade(part_name, raw)
        assert verdict.score == 0.0 and not verdict.correct, (part_name, raw, verdict.message)
        assert verdict.misconception == misconception, (part_name, raw, verdict.message)

    def assert_wrong_unless_close(self, part_name: str, wrong: float, right: float, misconception: str) -> None:
        """A wrong estimator that happens to land within the part's tolerance of the key is graded correct (the
        documented rule: the fit without the intercept when the intercept is close to 0); otherwise it scores 0 and
        the mistake is named."""
        part = next(p for p in self.definition.parts if p.name == part_name)
        assert part.tolerance.sig_figs == 3 and part.tolerance.abs is None and part.tolerance.rel is None
        half_unit = 0.5 * 10.0 ** (math.floor(math.log10(abs(right))) - 2)
        if abs(float(typed(wrong)) - right) <= half_unit:
            assert self.grade(part_name, typed(wrong)).correct
        else:
            self.assert_wrong(part_name, typed(wrong), misconception)

    def correct_choices(self) -> dict[str, str]:
        return {p.name: ",".join(p.correct) for p in self.definition.parts if isinstance(p, ChoicePart)}

    def assert_wrong_choices_score_zero(self) -> None:
        for part in self.definition.parts:
            if isinstance(part, ChoicePart):
                for option in part.options:
                    if option.id not in part.correct:
                        self.assert_wrong(part.name, option.id, None)


def variant(slug: str, seed: str) -> Variant:
    definition = definition_of(slug)
    dataset = build_dataset(definition, seed)
    key = compute_key(definition, dataset)
    assert key.verification["converged"] is True
    # The key as the web app caches it and reads it back for grading.
    stored = json.loads(json.dumps(key.to_json()))
    context = KeyContext(definition, dataset, stored["values"], ComputedKey.mistakes_from_json(stored), seed)
    return Variant(definition, dataset, context)


def no_intercept_slope_ls(x: np.ndarray, y: np.ndarray) -> float:
    """Least squares through the origin: y ≈ b x."""
    return float(x @ y / (x @ x))


# ----- linear-protein ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_linear_protein(seed):
    v = variant("linear-protein", seed)
    t, y = v.column("t"), v.column("protein")
    ols = sm.OLS(y, v.design("t")).fit()
    n = len(y)
    rss = float(np.sum((y - v.design("t") @ ols.params) ** 2))
    mse = rss / n
    v.assert_full_marks({"beta0": typed(ols.params[0]), "beta1": typed(ols.params[1]),
                         "sigma": typed(math.sqrt(mse)), "mse": typed(mse)})

    v.assert_wrong("sigma", typed(math.sqrt(rss / (n - 2))), "sigma_n_minus_p")  # statsmodels' own scale
    v.assert_wrong("sigma", typed(math.sqrt(rss / (n - 1))), "sigma_n_minus_1")
    v.assert_wrong("sigma", typed(mse), "variance_instead_of_sigma")
    v.assert_wrong_unless_close("beta1", no_intercept_slope_ls(t, y), ols.params[1], "no_intercept")
    v.assert_wrong("mse", typed(math.sqrt(mse)), None)  # σ̂ where the MSE is asked
    v.assert_wrong("mse", typed(rss / (n - 2)), None)
    v.assert_wrong("mse", typed(rss), None)
    v.assert_wrong_choices_score_zero()


# ----- logistic-biomarker -----------------------------------------------------------------------------------------

def l2_penalised_logistic(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """scikit-learn's default LogisticRegression() (C = 1, intercept not penalised): it minimises
    Σ logloss + ½ β₁², i.e. the mean logloss + β₁² / (2n), which is statsmodels' elastic net with L1_wt = 0.

    Coordinate descent stops some 1e-5 short, too far for 3 significant figures of an intercept near 0: a few
    Newton steps on the same objective finish the job."""
    n = len(y)
    fitted = sm.GLM(y, X, family=sm.families.Binomial()).fit_regularized(
        method="elastic_net", alpha=np.array([0.0, 1.0 / n]), L1_wt=0.0, cnvrg_tol=1e-12, maxiter=1000)
    beta = np.asarray(fitted.params, dtype=float)
    penalty = np.array([0.0, 1.0])
    for _ in range(20):
        p = expit(X @ beta)
        gradient = X.T @ (p - y) + penalty * beta
        if np.linalg.norm(gradient) < 1e-12:
            break
        hessian = X.T @ ((p * (1 - p))[:, None] * X) + np.diag(penalty)
        beta = beta - np.linalg.solve(hessian, gradient)
    assert np.linalg.norm(X.T @ (expit(X @ beta) - y) + penalty * beta) < 1e-9
    assert np.allclose(beta, fitted.params, rtol=1e-3, atol=1e-3)
    return beta


@pytest.mark.parametrize("seed", SEEDS)
def test_logistic_biomarker(seed):
    v = variant("logistic-biomarker", seed)
    x, y = v.column("biomarker"), v.column("disease")
    X = v.design("biomarker")
    logit = sm.Logit(y, X).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    b0, b1 = logit.params
    p = expit(X @ logit.params)
    bce = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert bce == pytest.approx(-logit.llf / len(y), rel=1e-10)
    p_at_2 = float(expit(b0 + 2 * b1))
    v.assert_full_marks({"beta0": typed(b0), "beta1": typed(b1), "beta": f"{typed(b0)}; {typed(b1)}",
                         "bce": typed(bce), "p_at_2": typed(p_at_2)})
    assert v.grade("p_at_2", f"{typed(100 * p_at_2)}%").correct

    penalised = l2_penalised_logistic(X, y)
    v.assert_wrong_unless_close("beta1", penalised[1], b1, "l2_penalised_logistic")
    v.assert_wrong_unless_close("beta0", penalised[0], b0, "l2_penalised_logistic")
    v.assert_wrong("beta", f"{typed(penalised[0])}; {typed(penalised[1])}", "l2_penalised_logistic")
    through_origin = sm.Logit(y, x[:, None]).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    v.assert_wrong_unless_close("beta1", through_origin.params[0], b1, "no_intercept")
    v.assert_wrong("bce", typed(bce * len(y)), "sum_instead_of_mean")
    v.assert_wrong("bce", typed(bce / math.log(10)), "log10_instead_of_ln")
    v.assert_wrong("bce", typed(-bce), "sign_flipped")
    v.assert_wrong("p_at_2", typed(b0 + 2 * b1), None)  # the log-odds, not the probability
    v.assert_wrong("p_at_2", typed(1 - p_at_2), None)  # P(healthy)
    v.assert_wrong_choices_score_zero()


# ----- mse-vs-mae-outliers ----------------------------------------------------------------------------------------

def least_absolute_deviations(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.asarray(sm.QuantReg(y, X).fit(q=0.5, p_tol=1e-10, max_iter=5000).params)


@pytest.mark.parametrize("seed", SEEDS)
def test_mse_vs_mae_outliers(seed):
    v = variant("mse-vs-mae-outliers", seed)
    t, y = v.column("t"), v.column("protein")
    X = v.design("t")
    ols = np.asarray(sm.OLS(y, X).fit().params)
    lad = least_absolute_deviations(X, y)
    mae = float(np.mean(np.abs(y - X @ lad)))
    v.assert_full_marks({"slope_mse": typed(ols[1]), "slope_mae": typed(lad[1]), "mae_at_lad": typed(mae)})

    # The upward outliers pull the least-squares line and hardly move the median line: a task with two answers.
    v.assert_wrong("slope_mae", typed(ols[1]), None)
    v.assert_wrong("slope_mse", typed(lad[1]), None)
    v.assert_wrong("mae_at_lad", typed(np.mean(np.abs(y - X @ ols))), None)  # the MAE of the least-squares line
    v.assert_wrong("mae_at_lad", typed(np.sum(np.abs(y - X @ lad))), None)
    v.assert_wrong_unless_close("slope_mae", least_absolute_deviations(t[:, None], y)[0], lad[1], "no_intercept")
    v.assert_wrong_unless_close("slope_mse", no_intercept_slope_ls(t, y), ols[1], "no_intercept")
    v.assert_wrong_choices_score_zero()


# ----- multiclass-softmax -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_multiclass_softmax(seed):
    v = variant("multiclass-softmax", seed)
    y = v.column("label")
    X = v.design("x1", "x2")
    mnlogit = sm.MNLogit(y, X).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    beta = np.asarray(mnlogit.params)  # 3 x 2: rows 1, x1, x2; columns classes 1 and 2 against class 0
    eta = np.column_stack([np.zeros(len(y)), X @ beta])
    log_p = eta - np.logaddexp.reduce(eta, axis=1, keepdims=True)
    cce = float(-np.mean(log_p[np.arange(len(y)), y.astype(int)]))
    assert cce == pytest.approx(-mnlogit.llf / len(y), rel=1e-10)
    point = np.array([1.0, 0.5, -1.0])
    eta_point = np.concatenate([[0.0], point @ beta])
    p_point = np.exp(eta_point) / np.exp(eta_point).sum()
    v.assert_full_marks({"intercept_class1": typed(beta[0, 0]), "x1_class1": typed(beta[1, 0]),
                         "x2_class2": typed(beta[2, 1]), "cce": typed(cce), "p_class2": typed(p_point[2])})

    through_origin = np.asarray(sm.MNLogit(y, X[:, 1:]).fit(disp=0, method="newton", tol=1e-12, maxiter=100).params)
    v.assert_wrong_unless_close("x1_class1", through_origin[0, 0], beta[1, 0], "no_intercept")
    v.assert_wrong_unless_close("x2_class2", through_origin[1, 1], beta[2, 1], "no_intercept")
    v.assert_wrong("cce", typed(cce * len(y)), "sum_instead_of_mean")
    v.assert_wrong("cce", typed(cce / math.log(10)), "log10_instead_of_ln")
    v.assert_wrong("p_class2", typed(p_point[1]), None)  # another class
    # The reference class forgotten: a softmax over classes 1 and 2 only.
    v.assert_wrong("p_class2", typed(expit(eta_point[2] - eta_point[1])), None)
    v.assert_wrong_choices_score_zero()


# ----- poisson-mutations ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_poisson_mutations(seed):
    v = variant("poisson-mutations", seed)
    x, y = v.column("exposure"), v.column("mutations")
    X = v.design("exposure")
    glm = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-12, maxiter=100)
    b0, b1 = glm.params
    mu = np.exp(X @ glm.params)
    loss_terms = mu - y * np.log(mu)
    loss = float(np.mean(loss_terms + gammaln(y + 1)))  # the full negative log-likelihood per observation
    assert loss == pytest.approx(-glm.llf / len(y), rel=1e-10)
    v.assert_full_marks({"beta0": typed(b0), "beta1": typed(b1), "poisson_loss": typed(loss),
                         "mean_at_1": typed(math.exp(b0 + b1))})

    # Without ln(y!) (PyTorch's PoissonNLLLoss): the same beta, another value, which the prompt rules out.
    v.assert_wrong("poisson_loss", typed(np.mean(loss_terms)), None)
    v.assert_wrong("poisson_loss", typed(loss * len(y)), "sum_instead_of_mean")
    v.assert_wrong("poisson_loss", typed(loss / math.log(10)), "log10_instead_of_ln")
    through_origin = sm.GLM(y, x[:, None], family=sm.families.Poisson()).fit(tol=1e-12, maxiter=100)
    v.assert_wrong_unless_close("beta1", through_origin.params[0], b1, "no_intercept")
    v.assert_wrong("mean_at_1", typed(b0 + b1), None)  # the log of the mean

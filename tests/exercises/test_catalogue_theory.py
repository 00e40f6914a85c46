"""Catalogue group C: the theory items 41-49, the sample-size effect, and the LMS cost and gradient descent.

Every key is checked against a value computed here without the code under test: closed forms from the data read
with ``tomllib``, statsmodels, or loops written out by hand. Choice keys that state a numerical fact (an underflow,
a diverging step, the 1/sqrt(n) law) are checked against that fact too.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from exercises import KeyContext, build_dataset, check_answer, check_keys, compute_key, load_exercise, read_answer
from exercises.answers import PENDING_REVIEW, option_order
from exercises.schema import ChoicePart, LoadedExercise, Part

from ..conftest import CATALOGUE, REPO

THEORY = sorted(CATALOGUE.glob("theory-4[1-9]-*"))
SAMPLE_SIZE = CATALOGUE / "sample-size-effect"
LMS = CATALOGUE / "lms-gradient-descent"
SEEDS = [f"group-c-{i}" for i in range(3)]
SIZES = [20, 50, 100, 500, 1000]


# ----- helpers ---------------------------------------------------------------------------------------------------

class Variant:
    """One student's instance of an exercise: its data, its computed key, and a way to grade typed answers."""

    def __init__(self, folder: Path, seed: str = "group-c"):
        self.loaded: LoadedExercise = load_exercise(folder, relative_to=REPO)
        self.definition = self.loaded.definition
        self.seed = seed
        self.dataset = build_dataset(self.definition, seed)
        self.key = compute_key(self.definition, self.dataset)
        self.context = KeyContext(self.definition, self.dataset, self.key.values, self.key.mistakes, seed)

    def part(self, name: str) -> Part:
        return next(p for p in self.definition.parts if p.name == name)

    def grade(self, name: str, raw: str):
        part = self.part(name)
        return check_answer(part, read_answer(part, raw, self.definition), self.context)

    def score(self, name: str, raw: str) -> float:
        return self.grade(name, raw).score


def raw_toml(folder: Path) -> dict[str, Any]:
    return tomllib.loads((folder / "exercise.toml").read_text(encoding="utf-8"))


def column(folder: Path, name: str) -> np.ndarray:
    """A fixed data column read straight from the file, not through the loader."""
    return np.array(next(c["values"] for c in raw_toml(folder)["data"]["columns"] if c["name"] == name), dtype=float)


def typed(*values: float) -> str:
    return "; ".join(f"{v:.6g}" for v in values)


def theory(item: int) -> Path:
    [folder] = [f for f in THEORY if f.name.startswith(f"theory-{item}-")]
    return folder


def choice_parts(loaded: LoadedExercise) -> list[ChoicePart]:
    return [p for p in loaded.definition.parts if isinstance(p, ChoicePart)]


ALL_CHOICE_FOLDERS = [*THEORY, SAMPLE_SIZE, LMS]


# ----- the theory items as a whole -------------------------------------------------------------------------------

def test_one_exercise_per_theory_item_41_to_49():
    items = [int(re.match(r"theory-(\d+)-[a-z0-9-]+$", f.name).group(1)) for f in THEORY]
    assert items == list(range(41, 50))


@pytest.mark.parametrize("folder", THEORY, ids=lambda f: f.name)
def test_theory_exercise_loads_and_computes_its_keys(folder: Path):
    loaded = load_exercise(folder, relative_to=REPO)
    definition = loaded.definition
    assert definition.slug == folder.name and definition.topic == "mle-theory"
    computed = [p for p in definition.parts if p.kind in ("number", "vector", "formula")]
    graded = [p for p in definition.parts if p.kind != "text"]
    texts = [p for p in definition.parts if p.kind == "text"]
    assert graded, "every question has an auto-graded part"
    assert len(texts) == 1 and texts[0].rubric.ru and texts[0].rubric.en
    for part in choice_parts(loaded):
        assert 3 <= len(part.options) <= 5
    if not computed:  # a question without a computed part has no model and no data
        assert definition.model is None and not definition.models and definition.data is None
    for key in check_keys(loaded, SEEDS):
        for part in definition.parts:
            value = key.values[part.name]
            if part.kind in ("number", "vector"):
                assert np.isfinite(value).all()
            else:
                assert value is None  # choices and texts have fixed keys; a formula's key is a function
        assert key.verification["converged"] is True


@pytest.mark.parametrize("folder", ALL_CHOICE_FOLDERS, ids=lambda f: f.name)
def test_the_correct_choice_scores_1_and_every_wrong_option_0(folder: Path):
    variant = Variant(folder)
    parts = choice_parts(variant.loaded)
    assert parts
    for part in parts:
        correct = list(part.correct)
        wrong = [o.id for o in part.options if o.id not in correct]
        assert wrong
        # the order of the ticked options does not matter
        assert variant.score(part.name, ",".join(reversed(correct))) == 1.0
        for option in wrong:
            verdict = variant.grade(part.name, option)
            assert (verdict.score, verdict.correct) == (0.0, False), (part.name, option)
        if not part.multiple:
            continue
        k = len(correct)
        assert k >= 2
        # partial credit: each correct option found earns 1/k, each wrong one ticked takes 1/k away, never below 0
        for missing in correct:
            assert variant.score(part.name, ",".join(c for c in correct if c != missing)) == pytest.approx((k - 1) / k)
        for extra in wrong:
            assert variant.score(part.name, ",".join([*correct, extra])) == pytest.approx((k - 1) / k)
        for right, extra in zip(correct, wrong, strict=False):
            assert variant.score(part.name, f"{right},{extra}") == 0.0
        everything = ",".join(o.id for o in part.options)
        assert variant.score(part.name, everything) == pytest.approx(max(0.0, (k - len(wrong)) / k))


@pytest.mark.parametrize("folder", ALL_CHOICE_FOLDERS, ids=lambda f: f.name)
def test_option_order_is_stable_per_seed_and_differs_between_seeds(folder: Path):
    loaded = load_exercise(folder)
    for part in choice_parts(loaded):
        assert part.shuffle
        orders = set()
        for i in range(20):
            seed = f"student-{i}"
            order = [o.id for o in option_order(part, seed)]
            assert order == [o.id for o in option_order(part, seed)]
            assert sorted(order) == sorted(o.id for o in part.options)
            orders.add(tuple(order))
        assert len(orders) > 1, part.name


@pytest.mark.parametrize("folder", [*THEORY, SAMPLE_SIZE], ids=lambda f: f.name)
def test_text_parts_wait_for_the_teacher(folder: Path):
    variant = Variant(folder)
    for part in variant.definition.parts:
        if part.kind == "text":
            verdict = variant.grade(part.name, "The data are fixed and the parameter varies.")
            assert (verdict.code, verdict.score, verdict.correct) == (PENDING_REVIEW, 0.0, False)


# ----- the computed parts of the theory items --------------------------------------------------------------------

def test_42_probability_of_the_sequence_and_the_share_of_heads():
    folder = theory(42)
    variant = Variant(folder)
    tosses = column(folder, "toss")
    n, k = tosses.size, int(tosses.sum())
    assert variant.score("probability_fair", typed(0.5**n)) == 1.0
    assert variant.score("probability_fair", f"1/{2**n}") == 1.0
    assert variant.score("probability_fair", typed(math.comb(n, k) * 0.5**n)) == 0.0  # the binomial count
    assert variant.score("p_hat", f"{k}/{n}") == 1.0
    assert variant.grade("p_hat", typed(1 - k / n)).misconception == "complement_probability"


def test_43_log_likelihood_formula_of_the_survey():
    folder = theory(43)
    variant = Variant(folder)
    answers = column(folder, "answer")
    n, k = answers.size, int(answers.sum())
    assert variant.score("loglik", f"{k}*ln(p) + {n - k}*ln(1-p)") == 1.0
    assert variant.score("loglik", f"ln(p^{k} (1-p)^{n - k})") == 1.0
    assert variant.score("loglik", f"{n - k}*ln(p) + {k}*ln(1-p)") == 0.0
    assert variant.score("loglik", f"{k}*lg(p) + {n - k}*lg(1-p)") == 0.0
    assert variant.score("loglik", f"p^{k} (1-p)^{n - k}") == 0.0  # the likelihood, not its logarithm


def test_44_the_numbers_behind_the_choices():
    assert np.float64(0.5) ** 2000 == 0.0  # the product underflows in float64 ...
    assert math.prod([0.5] * 2000) == 0.0
    assert 2000 * math.log(0.5) == pytest.approx(-1386.3, abs=0.05)  # ... its logarithm does not
    assert 2000 * math.log10(0.5) == pytest.approx(-602, abs=0.1)  # the log10 distractor


def test_45_score_function_and_the_poisson_estimate():
    folder = theory(45)
    variant = Variant(folder)
    calls = column(folder, "calls")
    total, n = calls.sum(), calls.size
    assert variant.score("score", f"{total:g}/lam - {n}") == 1.0
    assert variant.score("score", f"{total:g}/λ - {n}") == 1.0
    assert variant.score("score", f"{total:g}/lam") == 0.0
    assert variant.score("score", f"{total:g}*ln(lam) - {n}*lam") == 0.0  # the log-likelihood itself
    assert variant.score("lam_hat", typed(total / n)) == 1.0
    assert variant.score("lam_hat", typed(n / total)) == 0.0


def test_46_normal_log_likelihood_formula_and_estimates():
    folder = theory(46)
    variant = Variant(folder)
    x = column(folder, "length")
    n = x.size
    squares = " + ".join(f"({v:g}-mu)^2" for v in x)
    full = f"-{n}/2*ln(2*pi) - {n}*ln(sigma) - ({squares})/(2*sigma^2)"
    assert variant.score("loglik", full) == 1.0
    assert variant.score("loglik", full.replace("mu", "μ").replace("sigma", "σ")) == 1.0
    assert variant.score("loglik", f"-{n}*ln(sigma) - ({squares})/(2*sigma^2)") == 0.0  # the constant dropped
    assert variant.score("loglik", f"-{n}/2*ln(2*pi) - {n}*ln(sigma) - ({squares})/(2*sigma)") == 0.0
    assert variant.score("mu_hat", typed(x.mean())) == 1.0
    assert variant.score("sigma_hat", typed(x.std(ddof=0))) == 1.0
    assert variant.grade("sigma_hat", typed(x.std(ddof=1))).misconception == "sigma_n_minus_1"


def test_47_linear_regression_estimates_match_statsmodels():
    folder = theory(47)
    variant = Variant(folder)
    dose, response = column(folder, "dose"), column(folder, "response")
    ols = sm.OLS(response, sm.add_constant(dose)).fit()
    n = dose.size
    assert variant.score("beta", typed(*ols.params)) == 1.0
    assert variant.score("beta", typed(ols.params[0], 0.0)) == 0.5
    assert variant.score("sigma_hat", typed(math.sqrt(ols.ssr / n))) == 1.0
    unbiased = variant.grade("sigma_hat", typed(math.sqrt(ols.ssr / (n - 2))))
    assert (unbiased.score, unbiased.misconception) == (0.0, "sigma_n_minus_p")


def test_48_logistic_log_likelihood_at_given_weights():
    folder = theory(48)
    variant = Variant(folder)
    hours, passed = column(folder, "hours"), column(folder, "passed")
    w0, w1 = raw_toml(folder)["parts"][0]["key"]["at"]["beta"]
    loglik = 0.0
    for x, y in zip(hours, passed, strict=True):
        p = 1 / (1 + math.exp(-(w0 + w1 * x)))
        loglik += y * math.log(p) + (1 - y) * math.log(1 - p)
    assert variant.score("loglik_at_w", typed(loglik)) == 1.0
    assert variant.score("loglik_at_w", typed(-loglik / hours.size)) == 0.0  # the BCE, not the log-likelihood
    assert variant.score("loglik_at_w", typed(-loglik)) == 0.0


# ----- sample-size effect ----------------------------------------------------------------------------------------

def test_sample_size_models_fit_the_first_rows_of_one_sample_of_1000():
    definition = load_exercise(SAMPLE_SIZE).definition
    assert definition.data.parameters["n"] == 1000
    assert {name: model.rows for name, model in definition.models.items()} == {f"n{n}": n for n in SIZES}
    assert all(model.inputs["X"] == ["1", "t"] for model in definition.models.values())


def test_sample_size_keys_are_the_statsmodels_slopes_and_mle_standard_errors_over_50_variants():
    slopes_n20 = set()
    for i in range(50):
        variant = Variant(SAMPLE_SIZE, seed=f"sample-size-{i}")
        t, protein = variant.dataset.columns["t"], variant.dataset.columns["protein"]
        assert t.size == 1000
        se = {}
        for n in SIZES:
            ols = sm.OLS(protein[:n], sm.add_constant(t[:n])).fit()
            se[n] = ols.bse[1] * math.sqrt((n - 2) / n)
            assert variant.score(f"slope_n{n}", typed(ols.params[1])) == 1.0
            assert variant.score(f"se_n{n}", typed(se[n])) == 1.0
            if n <= 100:  # above that the n - 2 divisor changes the third significant figure only at times
                assert variant.score(f"se_n{n}", typed(ols.bse[1])) == 0.0
        slopes_n20.add(round(variant.key.values["slope_n20"], 6))
        # the standard error falls roughly like 1/sqrt(n): the choice's key
        assert math.sqrt(50) / 2 <= se[20] / se[1000] <= 2 * math.sqrt(50)
        assert variant.score("scaling", "inverse_sqrt") == 1.0
    assert len(slopes_n20) == 50  # every variant has data of its own


# ----- LMS cost and gradient descent -----------------------------------------------------------------------------

def lms_by_hand(x: np.ndarray, y: np.ndarray, alpha: float, steps: int, factor: float = 1.0) -> list[list[float]]:
    """Gradient descent on J = 1/2 sum (theta0 + theta1 x - y)^2 from (0, 0), written out observation by
    observation; ``factor`` = 2 is the gradient of the sum of squares without the 1/2."""
    theta = [0.0, 0.0]
    iterates = [list(theta)]
    for _ in range(steps):
        grad = [0.0, 0.0]
        for xi, yi in zip(x, y, strict=True):
            residual = theta[0] + theta[1] * xi - yi
            grad[0] += factor * residual
            grad[1] += factor * residual * xi
        theta = [theta[0] - alpha * grad[0], theta[1] - alpha * grad[1]]
        iterates.append(list(theta))
    return iterates


def test_lms_cost_and_the_first_two_iterates_computed_by_hand():
    variant = Variant(LMS)
    x, y = column(LMS, "x"), column(LMS, "y")
    assert 5 <= x.size <= 8
    keys = {p["name"]: p["key"] for p in raw_toml(LMS)["parts"] if "key" in p}
    assert keys["cost_at_zero"] == {"quantity": "lms_cost", "at": {"theta": [0, 0]}}
    alpha = keys["theta_1"]["alpha"]
    assert keys["theta_2"]["alpha"] == alpha and (keys["theta_1"]["steps"], keys["theta_2"]["steps"]) == (1, 2)

    cost = sum((0.0 - yi) ** 2 for yi in y) / 2
    assert variant.score("cost_at_zero", typed(cost)) == 1.0
    assert variant.score("cost_at_zero", typed(2 * cost)) == 0.0  # without the 1/2

    _, first, second = lms_by_hand(x, y, alpha, 2)
    assert variant.score("theta_1", typed(*first)) == 1.0
    assert variant.score("theta_2", typed(*second)) == 1.0
    _, first_doubled, second_doubled = lms_by_hand(x, y, alpha, 2, factor=2.0)
    assert variant.score("theta_1", typed(*first_doubled)) == 0.0
    assert variant.score("theta_2", typed(*second_doubled)) == 0.0
    assert variant.score("theta_2", typed(*first)) == 0.0  # one step where two are asked


def test_lms_step_converges_and_the_doubled_gradient_diverges():
    x, y = column(LMS, "x"), column(LMS, "y")
    alpha = next(p for p in raw_toml(LMS)["parts"] if p["name"] == "theta_1")["key"]["alpha"]
    least_squares = sm.OLS(y, sm.add_constant(x)).fit().params
    np.testing.assert_allclose(lms_by_hand(x, y, alpha, 3000)[-1], least_squares, rtol=1e-9)
    far = np.array(lms_by_hand(x, y, alpha, 200, factor=2.0)[-1])
    assert np.abs(far - least_squares).max() > 1e6  # the key of the choice "without_half"
    assert Variant(LMS).score("without_half", "diverges") == 1.0


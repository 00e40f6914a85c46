"""Catalogue group A: the weather surveys, six heads in ten tosses and a normal sample, graded end to end.

For every exercise and 50 variant seeds (a fixed table gives the same data each time; the loop still runs), the
test builds the variant's data and key, then types answers the way a student would: the right answer composed here
from the data (counts, exact sums, closed forms), never read from the key, must score 1; each known wrong answer
must score 0 and, where the grader knows the mistake, be named.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pytest

import grader
from exercises import KeyContext, build_dataset, check_answer, compute_key, load_exercise, read_answer
from exercises.schema import ExerciseDefinition

from ..conftest import CATALOGUE, REPO

SEEDS = [f"catalogue-surveys-{i}" for i in range(50)]
SURVEYS = ("weather-10", "weather-15", "weather-survey-random")
GENERATED = ("weather-survey-random", "normal-sample")


@dataclass(frozen=True)
class Variant:
    definition: ExerciseDefinition
    columns: dict[str, np.ndarray]
    key_values: dict
    context: KeyContext

    def grade(self, part_name: str, raw: str) -> grader.Verdict:
        part = next(p for p in self.definition.parts if p.name == part_name)
        return check_answer(part, read_answer(part, raw, self.definition), self.context)

    def assert_right(self, part_name: str, raw: str) -> None:
        verdict = self.grade(part_name, raw)
        assert (verdict.score, verdict.correct) == (1.0, True), (part_name, raw, verdict.message)

    def assert_wrong(self, part_name: str, raw: str, *, code: str | None = None,
                     misconception: str | None = None) -> None:
        verdict = self.grade(part_name, raw)
        assert (verdict.score, verdict.correct) == (0.0, False), (part_name, raw, verdict.message)
        if code is not None:
            assert verdict.code == code, (part_name, raw, verdict.code)
        assert verdict.misconception == misconception, (part_name, raw, verdict.misconception)


def variants(slug: str) -> Iterator[Variant]:
    definition = load_exercise(CATALOGUE / slug, relative_to=REPO).definition
    for seed in SEEDS:
        dataset = build_dataset(definition, seed)
        key = compute_key(definition, dataset)
        assert key.verification["converged"] is True
        context = KeyContext(definition, dataset, key.values, key.mistakes, seed)
        yield Variant(definition, dataset.columns, key.values, context)


def part_names(slug: str) -> list[str]:
    return [part.name for part in load_exercise(CATALOGUE / slug, relative_to=REPO).definition.parts]


# ----- the weather surveys: likelihood, log-likelihood, derivative, p-hat ----------------------------------------

# (respondents, "yes" answers) of the fixed tables; the generated one has its own per seed.
FIXED_COUNTS = {"weather-10": (10, 7), "weather-15": (15, 9)}


@pytest.mark.parametrize("slug", SURVEYS)
def test_the_survey_steps_are_graded_from_the_counts_of_the_table(slug):
    assert part_names(slug) == ["likelihood", "loglik", "score", "p_hat"]
    for index, variant in enumerate(variants(slug)):
        answers = variant.columns["answer"]
        assert set(np.unique(answers)) <= {0.0, 1.0}
        n, k = answers.size, int(answers.sum())
        if slug in FIXED_COUNTS:
            assert (n, k) == FIXED_COUNTS[slug]
        else:
            assert 12 <= n <= 40 and 0 < k < n
        assert variant.key_values["p_hat"] == pytest.approx(k / n, rel=1e-12)

        variant.assert_right("likelihood", f"p^{k}*(1-p)^{n - k}")
        variant.assert_right("loglik", f"{k}*ln(p) + {n - k}*ln(1-p)")
        variant.assert_right("score", f"{k}/p - {n - k}/(1-p)")
        variant.assert_right("p_hat", f"{k}/{n}")
        variant.assert_right("p_hat", f"{k / n:.4f}".replace(".", ","))
        variant.assert_right("p_hat", f"{100 * k / n:.3f}%")
        if index == 0:  # other spellings of the same functions (the reading does not depend on the data)
            variant.assert_right("likelihood", f"p^{k}(1-p)^{n - k}")  # implicit multiplication, as on paper
            variant.assert_right("loglik", f"ln(p^{k}*(1-p)^{n - k})")
            variant.assert_right("score", f"({k} - {n}*p)/(p*(1-p))")

        # The probability of this table answer by answer has no binomial coefficient: with it, it is another number.
        variant.assert_wrong("likelihood", f"{math.comb(n, k)}*p^{k}*(1-p)^{n - k}", code="incorrect")
        variant.assert_wrong("loglik", f"{k}*log10(p) + {n - k}*log10(1-p)", code="incorrect")
        variant.assert_wrong("loglik", f"ln({math.comb(n, k)}) + {k}*ln(p) + {n - k}*ln(1-p)",
                             code="differs_by_constant")
        variant.assert_wrong("score", f"{k}/p + {n - k}/(1-p)", code="incorrect")
        if 2 * k != n:  # with as many "no" as "yes" answers, swapping the counts changes nothing
            variant.assert_wrong("loglik", f"{n - k}*ln(p) + {k}*ln(1-p)", code="incorrect")
            variant.assert_wrong("p_hat", f"{(n - k) / n:.6f}", misconception="complement_probability")


def test_weather_15_keeps_its_part_p_hat_after_the_new_steps():
    definition = load_exercise(CATALOGUE / "weather-15", relative_to=REPO).definition
    assert definition.uuid == "33cad30c-9253-4c20-a3a5-6a69163f36dd" and definition.slug == "weather-15"
    p_hat = definition.parts[-1]
    assert (p_hat.name, p_hat.kind, p_hat.key, p_hat.allow_percent, p_hat.tolerance.sig_figs) == (
        "p_hat", "number", "mle.p", True, 3)
    assert [part.kind for part in definition.parts[:-1]] == ["formula"] * 3


# ----- six heads in ten tosses -----------------------------------------------------------------------------------

def test_six_heads_probability_likelihood_and_estimate():
    assert part_names("coin-six-heads") == ["probability_fair", "likelihood", "p_hat", "probability_or_likelihood"]
    wrong_options = ["probability_of_p", "integrates_to_one", "fair_means_half"]
    for index, variant in enumerate(variants("coin-six-heads")):
        n, k = int(variant.columns["tosses"][0]), int(variant.columns["heads"][0])
        assert (n, k) == (10, 6)
        ways = math.comb(n, k)  # 210 sequences with six heads

        # 6 heads in 10 tosses in any order: C(10, 6) / 2^10.
        variant.assert_right("probability_fair", f"{ways}/{2**n}")
        variant.assert_right("probability_fair", f"{ways / 2**n:.4g}")
        variant.assert_right("probability_fair", f"{100 * ways / 2**n:.2f}%")
        # One particular sequence: 1 / 2^10, a different question than the one asked.
        variant.assert_wrong("probability_fair", f"1/{2**n}", code="incorrect")
        variant.assert_wrong("probability_fair", f"{k}/{n}", code="incorrect")

        variant.assert_right("likelihood", f"{ways}*p^{k}*(1-p)^{n - k}")
        if index == 0:
            variant.assert_right("likelihood", f"{math.factorial(n)}/({math.factorial(k)}*{math.factorial(n - k)})"
                                               f" * p^{k} * (1-p)^{n - k}")
        variant.assert_wrong("likelihood", f"p^{k}*(1-p)^{n - k}", code="incorrect")  # the coefficient is missing

        variant.assert_right("p_hat", f"{k}/{n}")
        variant.assert_right("p_hat", f"{100 * k // n}%")
        variant.assert_wrong("p_hat", f"{n - k}/{n}", misconception="complement_probability")
        variant.assert_wrong("p_hat", "0.5", code="incorrect")

        variant.assert_right("probability_or_likelihood", "roles_swap")
        for option in wrong_options:
            variant.assert_wrong("probability_or_likelihood", option, code="incorrect")


# ----- a normal sample -------------------------------------------------------------------------------------------

def exact_sums(x: np.ndarray) -> tuple[Decimal, Decimal]:
    """Sum x_i and sum x_i^2 exactly, as a student adds numbers with two decimals."""
    cents = np.round(x * 100).astype(np.int64)
    assert np.array_equal(cents / 100, x), "the data must have at most two decimals"
    return Decimal(int(cents.sum())) / 100, Decimal(int((cents**2).sum())) / 10_000


def test_normal_sample_log_likelihood_and_estimates():
    assert part_names("normal-sample") == ["loglik", "mu_hat", "sigma_hat"]
    for variant in variants("normal-sample"):
        x = variant.columns["x"]
        n = x.size
        assert 15 <= n <= 40
        s1, s2 = exact_sums(x)
        mean = float(s1) / n
        squares = float(np.sum((x - mean) ** 2))
        sigma, sigma_unbiased = math.sqrt(squares / n), math.sqrt(squares / (n - 1))
        assert variant.key_values["mu_hat"] == pytest.approx(mean, rel=1e-9)
        assert variant.key_values["sigma_hat"] == pytest.approx(sigma, rel=1e-7)

        constant = f"-{n}/2*ln(2*pi)"
        sum_of_squares = f"({s2} - 2*mu*{s1} + {n}*mu^2)"
        variant.assert_right("loglik", f"{constant} - {n}*ln(sigma) - {sum_of_squares}/(2*sigma^2)")
        variant.assert_right("loglik", f"-{n}*ln(sqrt(2π)σ) - ({s2} - 2μ*{s1} + {n}μ^2)/(2σ^2)")
        variant.assert_wrong("loglik", f"-{n}/2*log10(2*pi) - {n}*log10(sigma) - {sum_of_squares}/(2*sigma^2)",
                             code="incorrect")
        # Without the constant -n/2 ln(2 pi): right shape, but not the log-likelihood the part asks for.
        variant.assert_wrong("loglik", f"-{n}*ln(sigma) - {sum_of_squares}/(2*sigma^2)", code="differs_by_constant")
        variant.assert_wrong("loglik", f"{constant} - {n}*ln(sigma) - {sum_of_squares}/sigma^2", code="incorrect")

        variant.assert_right("mu_hat", f"{mean:.6g}")
        variant.assert_right("sigma_hat", f"{sigma:.6g}")
        variant.assert_right("sigma_hat", f"{sigma:.4g}".replace(".", ","))
        variant.assert_wrong("sigma_hat", f"{sigma_unbiased:.6g}", misconception="sigma_n_minus_1")
        if abs(sigma**2 - sigma) > 0.01 * sigma:  # sigma^2 is sigma itself near 1
            variant.assert_wrong("sigma_hat", f"{sigma**2:.6g}", misconception="variance_instead_of_sigma")


# ----- per-student data ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("slug", GENERATED)
def test_generated_data_are_the_same_for_a_seed_and_differ_between_seeds(slug):
    definition = load_exercise(CATALOGUE / slug, relative_to=REPO).definition
    tables = [build_dataset(definition, seed).to_json()["columns"] for seed in SEEDS]
    again = [build_dataset(definition, seed).to_json()["columns"] for seed in SEEDS]
    assert again == tables
    assert len({repr(table) for table in tables}) == len(SEEDS)
    sizes = {len(next(iter(table.values()))) for table in tables}
    assert len(sizes) > 5  # the number of rows is drawn per variant too

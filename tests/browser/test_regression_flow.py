"""A student works through the linear regression of the catalogue in the browser: downloads the data, answers with
a known mistake (σ with n − 2), sees the mistake named and the likelihood plot, answers right, uses up the attempts
and reads the page in Russian.

The answers are computed here from the downloaded CSV with numpy's least squares, independently of the grader:
σ̂ = √(RSS / n) and MSE = RSS / n; the mistake divides RSS by n − 2 (what statsmodels calls the scale).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from exercises import load_exercise

from ..conftest import CATALOGUE
from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser

EXERCISE = "linear-protein"
TITLE_EN = "Protein concentration: least squares as maximum likelihood"
TITLE_RU = "Концентрация белка: МНК как метод максимального правдоподобия"
PARTS = load_exercise(CATALOGUE / EXERCISE).definition.parts
# The grader's sentence for this mistake, as the exercise's feedback quotes it.
N_MINUS_P = "You divided the residual sum of squares by n − p"


@dataclass(frozen=True)
class Answers:
    beta0: float
    beta1: float
    sigma: float
    mse: float
    sigma_n_minus_2: float


def least_squares(path: Path) -> tuple[int, Answers]:
    """The number of rows of the downloaded CSV and the estimates from it."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    t = np.array([float(row["t"]) for row in rows])
    y = np.array([float(row["protein"]) for row in rows])
    design = np.column_stack([np.ones_like(t), t])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    rss = float(np.sum((y - design @ beta) ** 2))
    n = len(y)
    return n, Answers(float(beta[0]), float(beta[1]), math.sqrt(rss / n), rss / n, math.sqrt(rss / (n - 2)))


def typed(value: float) -> str:
    return f"{value:.6g}"


def score_without(*wrong: str) -> str:
    """The score the page should show, in whole percent, when the parts named are wrong and all others right."""
    total = sum(part.weight for part in PARTS)
    right = sum(part.weight for part in PARTS if part.name not in wrong)
    return f"score {100 * right / total:.0f}%"


def answer(page, answers: Answers, sigma: float) -> None:
    """Fill in every part as a student would (numbers with six significant figures, the true statements) and send."""
    page.get_by_label("Intercept").fill(typed(answers.beta0))
    page.get_by_label("Slope").fill(typed(answers.beta1))
    page.get_by_label("of the noise standard deviation").fill(typed(sigma))
    page.get_by_label("The MSE at the optimum").fill(typed(answers.mse))
    page.locator("label.choice-option", has_text="so it decreases as the residual sum of squares").click()
    page.locator("label.choice-option", has_text="independent, identically distributed").click()
    page.get_by_role("button", name="Check my answer").click()
    page.locator("#feedback").wait_for()


def wait_for_plot(page) -> None:
    """The likelihood plot under the feedback is a real picture the browser decoded, not a broken image."""
    plot = page.locator(".likelihood-plot img")
    plot.wait_for()
    page.wait_for_function("document.querySelector('.likelihood-plot img').complete")
    assert plot.evaluate("img => img.naturalWidth") > 0


def test_regression_wrong_then_right_then_out_of_attempts_then_russian(page, live_site):
    log_in(page, live_site, live_site.other_student_email)
    page.get_by_role("link", name="Week 1: the likelihood").click()
    page.get_by_role("link", name=TITLE_EN).click()
    page.wait_for_selector(".math[data-rendered=katex] .katex")
    assert page.get_by_role("heading", name=TITLE_EN).is_visible()
    assert page.get_by_text("Attempts left: 3 of 3").is_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data (CSV)").click()
    assert download.value.suggested_filename == f"{EXERCISE}-data.csv"
    n, right = least_squares(Path(download.value.path()))
    assert page.locator(".data-table tbody tr").count() == n  # the file holds the data the page shows
    assert typed(right.sigma_n_minus_2) != typed(right.sigma)

    # σ with n − 2: graded wrong, the mistake named under that part, everything else right.
    answer(page, right, sigma=right.sigma_n_minus_2)
    feedback = page.locator("#feedback")
    assert feedback.get_by_text(score_without("sigma")).is_visible()
    sigma_verdict = feedback.locator("li", has_text="noise standard deviation")
    assert sigma_verdict.get_by_text("incorrect", exact=True).is_visible()
    assert sigma_verdict.get_by_text(N_MINUS_P).is_visible()
    assert feedback.get_by_text("correct", exact=True).count() == len(PARTS) - 1
    assert page.get_by_text("Attempts left: 2 of 3").is_visible()
    wait_for_plot(page)
    screenshot(page, "exercise-regression-misconception")

    answer(page, right, sigma=right.sigma)
    assert feedback.get_by_text("score 100%").is_visible()
    assert feedback.get_by_text("correct", exact=True).count() == len(PARTS)
    assert feedback.get_by_text(N_MINUS_P).count() == 0
    assert page.get_by_text("Attempts left: 1 of 3").is_visible()
    wait_for_plot(page)
    screenshot(page, "exercise-regression-correct")

    # The last attempt: afterwards there is no form to send, and the page says why.
    answer(page, right, sigma=right.mse)  # σ² for σ: one more named mistake
    assert page.get_by_text("Attempts left: 0 of 3").is_visible()
    assert page.locator("#answer-form").count() == 0
    assert page.get_by_role("button", name="Check my answer").count() == 0
    assert page.get_by_text("You have used all attempts for this exercise.").is_visible()
    assert feedback.get_by_text("take the square root").is_visible()
    screenshot(page, "exercise-no-attempts-left")

    page.get_by_role("button", name="RU").click()
    page.get_by_role("heading", name=TITLE_RU).wait_for()
    page.wait_for_selector(".math[data-rendered=katex] .katex")
    assert page.get_by_role("heading", name="Ваши данные").is_visible()
    assert page.get_by_text("Вы использовали все попытки для этого задания.").is_visible()
    assert page.get_by_role("link", name="Скачать мои данные (CSV)").is_visible()
    # The feedback on the last attempt, now in Russian: the mistake named in the grader's Russian sentence.
    assert feedback.get_by_text("извлеките корень").is_visible()
    wait_for_plot(page)
    screenshot(page, "exercise-regression-ru")

"""Which likelihood plot fits a submission (the model and the parameters drawn), and how a surface is drawn."""

from __future__ import annotations

import numpy as np
import pytest

import grader
from exercises import load_exercise
from grader.likelihood_plot import likelihood_grid
from webapp.services import plots

from ..conftest import CATALOGUE

# ----- which plot fits -------------------------------------------------------------------------------------------


def definition(slug: str):
    return load_exercise(CATALOGUE / slug).definition


@pytest.mark.parametrize(
    "slug, answers, family, elements, student",
    [
        ("weather-15", {"p_hat": 0.6}, "bernoulli", ("p",), (0.6,)),
        ("normal-sample", {"mu_hat": 20.5, "sigma_hat": 3.25}, "normal", ("mu", "sigma"), (20.5, 3.25)),
        ("linear-protein", {"beta0": 1.0, "beta1": 2.0, "sigma": 0.5}, "linear", ("beta[0]", "beta[1]"), (1.0, 2.0)),
        (
            "multiclass-softmax",
            {"intercept_class1": 0.1, "x1_class1": 0.2},
            "multinomial_logistic",
            ("beta[0,0]", "beta[1,0]"),
            (0.1, 0.2),
        ),
        ("mse-vs-mae-outliers", {"slope_mse": 1.5, "slope_mae": 1.2}, "linear", ("beta[1]",), (1.5,)),
    ],
)
def test_the_plot_follows_the_parameters_the_parts_ask(slug, answers, family, elements, student):
    choice = plots.choose_plot(definition(slug), answers)
    assert choice is not None
    assert (choice.family, choice.elements, choice.student) == (family, elements, student)


def test_a_vector_part_gives_its_components():
    choice = plots.choose_plot(definition("logistic-biomarker"), {"beta": [-1.5, 0.75]})
    assert choice is not None and choice.elements == ("beta[0]", "beta[1]") and choice.student == (-1.5, 0.75)


def test_a_missing_value_leaves_the_plot_without_a_student_point():
    choice = plots.choose_plot(definition("normal-sample"), {"mu_hat": 20.5})
    assert choice is not None and choice.elements == ("mu", "sigma") and choice.student is None


@pytest.mark.parametrize("slug", ["theory-41-likelihood-function", "theory-44-why-take-the-log"])
def test_no_plot_for_theory_items(slug):
    assert plots.choose_plot(definition(slug), {}) is None


@pytest.mark.parametrize(
    "wrong, elements, student",
    [
        ({"sigma"}, ("sigma", "beta[0]"), (0.5, 1.0)),  # σ wrong, the βs right: σ against the first β
        ({"beta1"}, ("beta[1]", "beta[0]"), (2.0, 1.0)),
        ({"beta1", "sigma"}, ("beta[1]", "sigma"), (2.0, 0.5)),  # both wrong ones, in the parts' order
        (set(), ("beta[0]", "beta[1]"), (1.0, 2.0)),  # all right: the first two asked
    ],
)
def test_the_plot_shows_the_parameters_answered_wrongly_first(wrong, elements, student):
    answers = {"beta0": 1.0, "beta1": 2.0, "sigma": 0.5}
    choice = plots.choose_plot(definition("linear-protein"), answers, wrong)
    assert choice is not None
    assert (choice.elements, choice.student) == (elements, student)


def test_the_model_with_a_wrong_answer_is_drawn():
    # The MSE-against-MAE exercise asks one slope of each model: the wrong one decides which model is drawn.
    answers = {"slope_mse": 1.5, "slope_mae": 1.2}
    assert plots.choose_plot(definition("mse-vs-mae-outliers"), answers, {"slope_mae"}).family == "laplace_regression"
    assert plots.choose_plot(definition("mse-vs-mae-outliers"), answers, {"slope_mse"}).family == "linear"


def test_a_surface_puts_contours_close_together_near_the_top():
    """A normal sample's (mu, sigma) surface renders, with levels dense near the maximum: a point one standard error
    from the MLE (a drop of about 0.5 in the log-likelihood) is several contours below the top, not on the same one."""
    rng = np.random.default_rng(7)
    x = rng.normal(20.0, 3.0, 200)
    fit = grader.fit("normal", x=x)
    grid = likelihood_grid("normal", {"x": x}, fit, ["mu", "sigma"])
    levels = plots._peak_levels(np.ma.masked_invalid(grid.loglik))
    assert np.all(np.diff(levels) > 0)
    assert levels[0] == pytest.approx(np.nanmin(grid.loglik)) and levels[-1] == pytest.approx(np.nanmax(grid.loglik))
    one_se_drop = 0.5  # the log-likelihood falls by about 1/2 at one standard error from the MLE in one direction
    assert np.sum(levels > levels[-1] - one_se_drop) >= 5
    svg = plots.render_svg(grid, plots.PlotText(), reveal=False).decode()
    assert svg.startswith("<?xml") and "Log-likelihood" in svg

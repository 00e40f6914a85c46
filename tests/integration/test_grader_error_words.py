"""Every grader error code has a sentence for teachers, in English and in Russian, that fits the error's params.

The params come from real errors the grader raises here (and, for the few that data cannot easily provoke, from a
Message built as the raise site builds it), so a sentence that reads a param the error lacks fails here, not on a
teacher's page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest
from flask_babel import force_locale

import grader
from grader.error_texts import ERROR_TEMPLATES
from grader.families import POSITIVE, REAL, UNIT_INTERVAL
from grader.likelihood_plot import likelihood_grid
from grader.messages import Message
from webapp.teach.grader_error_words import GRADER_ERROR_WORDS

from ..grader.test_grader_verification import UncheckedBernoulli, WrongClosedForm

ONES = np.ones(6)
X1 = np.arange(6.0)
LINE = np.column_stack([ONES, X1])




def _raised(action: Callable[[], Any]) -> Message:
    with pytest.raises(ValueError) as caught:
        action()
    return caught.value.message


def _fit_key(spec: str, family: str = "bernoulli", **data: Any) -> Callable[[], Any]:
    return lambda: grader.key_value(grader.fit(family, **(data or {"y": [0, 1, 1]})), spec)


def _samples() -> dict[str, Message]:
    """One Message per error code: the message of a real error wherever data can provoke one."""
    normal = grader.FAMILIES["normal"]()
    linear_fit = grader.fit("linear", X=LINE, y=X1 + np.sin(X1))
    normal_fit = grader.fit("normal", x=X1)
    actions: list[Callable[[], Any]] = [
        lambda: grader.fit("normal", x=[[1, 2], [3]]),
        lambda: grader.fit("normal", x=["a", "b"]),
        lambda: grader.fit("normal", x=[[1.0, 2.0]]),
        lambda: grader.fit("linear", X=[1.0, 2.0], y=[1.0, 2.0]),
        lambda: grader.fit("normal", x=[]),
        lambda: grader.fit("linear", X=[[1.0, 2.0], [1.0, np.nan]], y=[1.0, 2.0]),
        lambda: grader.fit("bernoulli", y=[0, 1, 2]),
        lambda: grader.fit("poisson", x=[1, 2.5]),
        lambda: grader.fit("binomial", k=[0, 1], n=[0, 2]),
        lambda: grader.fit("linear", X=np.ones((2, 1)), w=[1.0]),
        lambda: grader.fit("bernouli", y=[1]),
        lambda: grader.fit("binomial", k=[1, 2, 3], n=[5, 5]),
        lambda: grader.fit("binomial", k=[1, 7], n=[5, 5]),
        lambda: grader.fit("binomial", k=[[1, 2]], n=5),
        lambda: grader.fit("exponential", x=[1.0, -2.5]),
        lambda: grader.fit("multinomial_logistic", X=np.ones((3, 1)), y=[0, 0, 0]),
        lambda: grader.fit("multinomial_logistic", X=np.ones((3, 1)), y=[0, 1, 5]),
        lambda: grader.fit("multinomial_logistic", X=np.ones((4, 1)), y=[0, 1, 3, 3]),
        lambda: grader.fit("linear", X=np.ones((3, 1)), y=[1.0, 2.0]),
        lambda: grader.fit("linear", X=np.ones((2, 2)), y=[1.0, 2.0]),
        lambda: grader.fit("linear", X=np.column_stack([ONES, np.zeros(6)]), y=X1),
        lambda: grader.fit("linear", X=np.column_stack([ONES, X1, 2 * X1 - 1]), y=X1**2),
        lambda: normal.pack({"mu": 1.0}, {}),
        lambda: normal.pack({}, {}),
        lambda: normal.pack({"mu": [1.0, 2.0], "sigma": 1.0}, {}),
        lambda: normal.nll([[1], [2, 3]], {"x": X1}),
        lambda: normal.nll([1.0], {"x": X1}),
        lambda: normal.nll_at(np.ones((3, 3)), normal.validate_data(x=X1)),
        lambda: normal.nll([1.0, -0.5], {"x": X1}),
        lambda: grader.FAMILIES["bernoulli"]().grad([1e-320], {"y": [0, 1]}),
        lambda: grader.fit("bernoulli", y=[1, 1, 1]),
        lambda: grader.fit("binomial", k=[0, 0], n=5),
        lambda: grader.fit("normal", x=[2.5, 2.5]),
        lambda: grader.fit("normal", x=[1e8, 1e8 + 1e-6, 1e8 - 1e-6]),
        lambda: grader.fit("poisson", x=[0, 0]),
        lambda: grader.fit("exponential", x=[0.0]),
        lambda: grader.fit("linear", X=LINE, y=1 + 2 * X1),
        lambda: grader.fit("laplace_regression", X=LINE, y=1 + 2 * X1),
        lambda: grader.fit("logistic", X=LINE, y=ONES),
        lambda: grader.fit("logistic", X=LINE, y=(X1 > 2.5).astype(float)),
        lambda: grader.fit("logistic", X=np.column_stack([ONES, [-2, -1, 0, 0, 1, 2]]), y=[0, 0, 0, 1, 1, 1]),
        lambda: grader.fit("multinomial_logistic", X=LINE, y=[0, 0, 1, 1, 2, 2]),
        lambda: grader.fit("multinomial_logistic", X=LINE, y=[0, 0, 1, 0, 1, 2]),
        lambda: grader.fit("poisson_regression", X=LINE, y=np.zeros(6)),
        lambda: grader.fit("poisson_regression", X=np.column_stack([ONES, X1 > 2]), y=[0, 0, 0, 1, 2, 3]),
        lambda: grader.fit(UncheckedBernoulli.id, y=[1] * 15),
        lambda: grader.fit(WrongClosedForm.id, y=[1, 0, 0, 1, 1]),
        lambda: grader.parse_key_spec(3),
        lambda: grader.parse_key_spec("mle.q["),
        _fit_key("mle q"),
        _fit_key("mle.q"),
        _fit_key("mle.p[0]"),
        lambda: grader.key_value(linear_fit, "mle.beta"),
        lambda: grader.key_value(linear_fit, "mle.beta[5]"),
        lambda: grader.key_value(grader.fit("normal", x=np.arange(5000.0) * 1e3), "likelihood"),
        lambda: likelihood_grid("normal", {"x": X1}, normal_fit, ("mu", "mu")),
        lambda: likelihood_grid("normal", {"x": X1}, normal_fit, ("nu",)),
        lambda: likelihood_grid("normal", {"x": X1}, normal_fit, ("mu",), student=(1.0, 2.0)),
        lambda: grader.gradient_descent(np.ones((2, 1)), [1, 2], [0], -1.0, 3),
        lambda: grader.gradient_descent(np.ones((2, 1)), [1, 2], [0], 0.1, 2.5),
        lambda: grader.gradient_descent(np.ones((2, 1)), [1, 2], [0, 1], 0.1, 2),
    ]
    samples: dict[str, Message] = {}
    for action in actions:
        message = _raised(action)
        samples.setdefault(message.code, message)
        for value in message.params.values():  # the Messages inside: the details of wrong names, a domain
            for inner in value if isinstance(value, tuple) else (value,):
                if isinstance(inner, Message) and inner.code in ERROR_TEMPLATES:
                    samples.setdefault(inner.code, inner)
    for domain in (REAL, POSITIVE, UNIT_INTERVAL):
        message = domain.describe("theta")
        samples.setdefault(message.code, message)
    # Hard to provoke with data: built as their raise sites build them.
    for message in (Message("penalised_fit_not_converged"), Message("lad_scale_zero"),
                    Message("design_dependent_columns"),
                    Message("lad_linear_program_failed", reason="Numerical difficulties encountered."),
                    Message("poisson_no_mle", which="the only count is", n=1)):
        samples.setdefault(message.code, message)
    return samples


@pytest.fixture(scope="module")
def samples() -> dict[str, Message]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(grader.FAMILIES, UncheckedBernoulli.id, UncheckedBernoulli)
        patch.setitem(grader.FAMILIES, WrongClosedForm.id, WrongClosedForm)
        return _samples()


def _worded(message: Message) -> str:
    """The message in the current locale, its Message params worded first, as the editor's describer does."""
    return GRADER_ERROR_WORDS[message.code](_params(message.params)) if message.code in GRADER_ERROR_WORDS \
        else str(message)  # a fit problem: words of another table


def _params(params: Mapping[str, Any]) -> dict[str, Any]:
    def one(value: Any) -> Any:
        if isinstance(value, Message):
            return _worded(value)
        if isinstance(value, tuple) and value and all(isinstance(item, Message) for item in value):
            return "; ".join(_worded(item) for item in value)
        return value

    return {name: one(value) for name, value in params.items()}


def test_every_error_code_has_a_sentence_and_nothing_else_does():
    assert set(GRADER_ERROR_WORDS) == set(ERROR_TEMPLATES)


def test_the_samples_cover_every_code(samples):
    assert sorted(set(ERROR_TEMPLATES) - set(samples)) == []


def _has_cyrillic(text: str) -> bool:
    return any("а" <= ch <= "я" or ch == "ё" for ch in text.lower())


@pytest.mark.parametrize("code", sorted(ERROR_TEMPLATES))
def test_each_sentence_fits_its_params_in_english_and_russian(app, samples, code):
    message = samples[code]
    with app.test_request_context():
        with force_locale("en"):
            english = _worded(message)
        with force_locale("ru"):
            russian = _worded(message)
    for text in (english, russian):
        assert text and "%(" not in text and "{" not in text
    assert not _has_cyrillic(english)
    assert _has_cyrillic(russian) and russian != english


def test_a_sentence_uses_the_numbers_of_its_error(app, samples):
    # Real values reach the sentence: the position and the offending value of y = [0, 1, 2].
    with app.test_request_context(), force_locale("ru"):
        binary = _worded(samples["data_not_binary"])
        collinear = _worded(samples["design_collinear"])
        missing = _worded(samples["data_names_wrong"])
    assert "«y»" in binary and "2, в позиции 2" in binary
    assert "столбец 2 ≈ −1·столбец 0 + 2·столбец 1" in collinear
    assert "не хватает y" in missing and "w этой моделью не используется" in missing

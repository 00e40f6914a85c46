"""The fits' verification reports in the teacher's language: a sentence for every code the grader gives a method,
a certificate or a verification problem."""

from __future__ import annotations

import json
from string import Formatter
from typing import Any

import numpy as np
import pytest
from flask_babel import force_locale

import grader
from exercises.keys import verification_report
from grader.fit_texts import FIT_TEMPLATES
from grader.messages import Message
from grader.verification import verify
from webapp.teach.fit_words import FIT_WORDS

# A value for every parameter of the templates, as the grader passes them: notation and reasons as strings, numbers
# as numbers; a nested Message arrives already worded (here a stand-in sentence).
SAMPLE: dict[str, Any] = {
    "parametrisation": "mu, log sigma", "certificate": "CERTIFICATE", "solver": "SOLVER", "proof": "PROOF",
    "reason": "iteration limit", "smallest": -1.5, "largest": 2.0, "condition": 1.99e14, "limit": 1e13,
    "label": "beta[1]", "step": 0.25, "step_se": 0.5, "tolerance": 1e-6, "decrement": 0.5, "grad_norm": 1.0,
    "step_rel": 0.125, "value": 2.0, "reference": 2.5, "difference": 0.2, "margin": -0.125, "dual_residual": 3e-9,
    "duality_gap": 0.75, "total": 12.5, "start": "[2, 0.5]", "end": "[3, 0.5]", "norm": 0.0015, "second": 1.5,
    "first": 2.25, "iterations": 100, "text": "A bad approximation caused failure to predict improvement.",
}
NOTATION = ("parametrisation", "label", "start", "end", "certificate", "solver", "proof")


def _params(code: str) -> dict[str, Any]:
    return {name: SAMPLE[name] for _, name, _, _ in Formatter().parse(FIT_TEMPLATES[code]) if name}


def _words(message: Any) -> Any:
    """A Message in the current language, its nested Messages worded first, as the editor words a report."""
    if isinstance(message, tuple):
        return "; ".join(_words(item) for item in message)
    if not isinstance(message, Message):
        return message
    return FIT_WORDS[message.code]({name: _words(value) for name, value in message.params.items()})


def test_every_fit_code_has_words():
    assert set(FIT_WORDS) == set(FIT_TEMPLATES)


@pytest.mark.parametrize("code", sorted(FIT_TEMPLATES))
def test_each_code_reads_in_english_and_in_russian(app, code):
    params = _params(code)
    with app.test_request_context():
        with force_locale("en"):
            english = FIT_WORDS[code](params)
        with force_locale("ru"):
            russian = FIT_WORDS[code](params)
    assert english and russian and english != russian
    assert any("а" <= ch <= "я" for ch in russian.lower()) and not any("а" <= ch <= "я" for ch in english.lower())
    assert "%(" not in english and "%(" not in russian
    for name in NOTATION:  # notation and nested sentences go in as they are
        if name in params:
            assert params[name] in english and params[name] in russian


def test_numbers_are_written_in_the_readers_notation(app):
    params = _params("optimum_not_stationary")
    with app.test_request_context():
        with force_locale("en"):
            english = FIT_WORDS["optimum_not_stationary"](params)
        with force_locale("ru"):
            russian = FIT_WORDS["optimum_not_stationary"](params)
            condition = FIT_WORDS["hessian_ill_conditioned"](_params("hessian_ill_conditioned"))
            disagreement = FIT_WORDS["disagrees_with_closed_form"](
                {"label": "p", "value": 0.6000000000000001, "reference": 0.6, "difference": 3.7e-16})
    assert "0.25" in english and "10⁻⁶" in english
    assert "0,25" in russian and "0,5" in russian and "10⁻⁶" in russian
    assert "1,99·10¹⁴" in condition and "10¹³" in condition and "−1,5" not in condition and "-1,5" in condition
    # Two estimates that disagree show every digit: the difference may be in the last one.
    assert "0,6000000000000001" in disagreement and "3,7·10⁻¹⁶" in disagreement


def _bernoulli() -> grader.FitResult:
    return grader.fit("bernoulli", y=[1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1])


def test_a_real_fit_and_failure_are_worded_through_their_nested_messages(app):
    fit = _bernoulli()
    failed = verify(labels=["p"], theta=np.array([0.6]), gradient=np.array([1.0]),
                           hessian=np.array([[4.0]]), n=15, converged=True, optimizer_message="",
                           closed_form=np.array([0.5]))
    with app.test_request_context():
        with force_locale("ru"):
            method = _words(fit.method)
            certificate = _words(fit.verification.certificate)
            problems = _words(failed.problems)
        with force_locale("en"):
            english = _words(fit.method)
    assert method.startswith("Метод Ньютона в координатах (logit p)") and certificate in method
    assert certificate.startswith("минус логарифм правдоподобия выпуклый")
    assert "точка не стационарна" in problems and "оптимум расходится с решением в явном виде" in problems
    assert english.startswith("Newton's method in the coordinates (logit p)") and "convex" in english


def test_the_stored_verification_report_keeps_its_codes_and_is_json():
    # exercises.keys.verification_report copies the report with dataclasses.asdict: the Messages must survive it
    # (the editor's preview words them), and the report must still be JSON for the database.
    report = verification_report(_bernoulli())
    assert isinstance(report["method"], Message) and report["method"].code == "newton_fit_certified"
    assert isinstance(report["certificate"], Message) and report["certificate"].code == "certificate_convex_nll"
    stored = json.loads(json.dumps(report))
    assert stored["method"] == str(report["method"]) and stored["certificate"] == str(report["certificate"])

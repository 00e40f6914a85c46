"""The editor's problems in the teacher's language: every code of the exercise format, the grader and the form has
a sentence, the tables do not overlap, and in the Russian interface a refused definition reads in Russian down to
the grader's cause (checked on real refusals through the editor)."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

import grader
from exercises import GENERATORS
from exercises.format_texts import FORMAT_TEMPLATES, FormatMessage
from grader.messages import TEMPLATES as GRADER_TEMPLATES
from webapp.models import Role
from webapp.rendering import reader_number
from webapp.services.authoring_draft import FieldProblem
from webapp.teach.fit_words import FIT_WORDS
from webapp.teach.grader_error_words import GRADER_ERROR_WORDS
from webapp.teach.problem_words import FORM_WORDS, FORMAT_WORDS, describe_problem, worded

from ..conftest import log_in
from .authoring_helpers import NEW, RU, counts_form, field_message, send

CYRILLIC = re.compile("[а-яё]", re.I)


def _grader_cause() -> grader.Message:
    try:
        grader.fit("bernoulli", y=[1.0, 1.0, 1.0])  # every answer yes: p-hat = 1 lies on the edge, no key
    except grader.KeyVerificationError as error:
        return error.message
    raise AssertionError("the grader gave a key for data without an interior MLE")


CAUSE = _grader_cause()

# Parameters of each format code as its raise site passes them (the English template is filled with them too, so a
# sample that misses one of its names fails below).
SAMPLES = {
    "uuid_form": {"example": "0b8c1c44-4f0a-4a43-9d1e-5f0c2a9c1d11", "value": "abc"},
    "uuid_case": {"uuid": "0b8c1c44-4f0a-4a43-9d1e-5f0c2a9c1d11"},
    "level_missing": {"values": [2.0, 3.5]},
    "column_lengths": {"lengths": {"x": 3, "y": 4}},
    "duplicate_column_names": {"names": "x"},
    "duplicate_variable_names": {"names": "p"},
    "duplicate_option_ids": {"names": "a"},
    "duplicate_part_names": {"names": "p_hat"},
    "range_order": {"given": [5.0, 1.0]},
    "correct_unknown": {"unknown": "c", "options": "a, b"},
    "single_choice_one_correct": {},
    "model_and_models": {},
    "input_column_missing": {"column": "z", "available": "x, y"},
    "input_without_data": {"column": "z"},
    "key_needs_model": {"kind": "number"},
    "unknown_model": {"model": "wls", "models": "ols, lad"},
    "key_model_needed": {"first": "ols"},
    "unknown_generator": {"generator": "dice", "generators": "bernoulli_survey, normal_sample"},
    "unknown_generator_parameter": {"generator": "bernoulli_survey", "name": "q", "parameters": "n, p"},
    "generator_columns": {"generator": "bernoulli_survey", "columns": "respondent, answer", "missing": "age"},
    "no_fittable_draw": {"draws": 50, "generator": "bernoulli_survey", "cause": CAUSE},
    "unknown_family": {"family": "gamma", "families": "bernoulli, poisson"},
    "key_unverifiable": {"cause": CAUSE},
    "grader_refused": {"cause": CAUSE},
    "unknown_quantity": {"cause": CAUSE, "others": "mse, mae"},
    "residual_needs_regression": {"quantity": "mse"},
    "function_in_number_part": {"quantity": "loglik_function"},
    "component_needed": {"size": 2},
    "component_too_large": {"size": 2},
    "vector_key_kind": {},
    "no_vector_parameter": {"family": "linear", "name": "gamma"},
    "at_needed": {},
    "design_row_needed": {},
    "design_row_length": {"coefficients": 2, "given": 3},
    "category_range": {"last": 2},
    "mean_response_needs_regression": {"family": "poisson"},
    "needs_design_matrix": {"quantity": "gradient_descent"},
    "lms_theta": {"columns": 2, "example": "[0, 0]"},
    "gradient_descent_settings": {},
    "start_length": {"given": 1, "columns": 2},
    "gradient_descent_diverges": {},
    "formula_quantity": {"quantities": "loglik_function, likelihood_function"},
    "variable_not_parameter": {"parameter": "q", "parameters": "p"},
    "variables_cover_parameters": {"parameters": "mu, sigma"},
    "score_one_parameter": {},
}


def test_every_format_code_has_a_sentence_and_a_sample():
    assert set(FORMAT_WORDS) == set(FORMAT_TEMPLATES) == set(SAMPLES)


def test_the_tables_of_words_share_no_code():
    tables = [FORM_WORDS, FORMAT_WORDS, GRADER_ERROR_WORDS, FIT_WORDS]
    codes = [code for table in tables for code in table]
    assert len(codes) == len(set(codes))
    assert not set(FORMAT_TEMPLATES) & set(GRADER_TEMPLATES)


@pytest.mark.parametrize("code", sorted(FORMAT_TEMPLATES))
def test_each_format_sentence_reads_in_both_languages(app, code):
    params = SAMPLES[code]
    english_of_the_format = FormatMessage(code, **params)  # the sample fits the raise site's template
    with app.test_request_context(), force_locale("en"):
        english = worded(code, params)
    with app.test_request_context(), force_locale("ru"):
        russian = worded(code, params)
    assert english and russian and english_of_the_format
    assert english != russian and CYRILLIC.search(russian) and not CYRILLIC.search(english)
    for value in params.values():  # what the teacher typed or named is in the sentence, the cause in its words
        if value is CAUSE:
            with app.test_request_context(), force_locale("ru"):
                assert worded(CAUSE.code, CAUSE.params) in russian and str(CAUSE) not in russian
        elif isinstance(value, str):
            assert value in english and value in russian


def test_a_graders_cause_is_worded_by_its_own_code(app):
    cause = CAUSE
    problem = FieldProblem("data", "key_unverifiable", {"cause": cause}, str(cause))
    with app.test_request_context(), force_locale("ru"):
        alone = worded(cause.code, cause.params)
        inside = describe_problem(problem)
    assert alone and CYRILLIC.search(alone)
    assert inside == f"На этих данных ключ не удаётся проверить: {alone}" and str(cause) not in inside


def test_an_unworded_problem_falls_back_to_the_format_words(app):
    problem = FieldProblem("slug", "some_new_pydantic_type", {}, "the detail")
    with app.test_request_context(), force_locale("ru"):
        assert describe_problem(problem) == "Сообщение формата упражнений: the detail"


# ----- through the editor, in Russian -------------------------------------------------------------------------------


@pytest.fixture
def teacher(app, make_user):
    client = app.test_client()
    log_in(client, make_user(Role.TEACHER, name="Арина Авторова"))
    return client


def test_a_wrong_option_reads_in_russian_at_the_settings_field(teacher):
    extras = 'options = [{ id = "a", ru = "да", en = "yes" }, { id = "b", ru = "нет", en = "no" }]\ncorrect = ["c"]'
    response = send(teacher, NEW, counts_form(**{
        "parts-1-kind": "choice", "parts-1-name": "sure", "parts-1-label_ru": "Уверены?", "parts-1-label_en": "Sure?",
        "parts-1-key": "", "parts-1-sig_figs": "", "parts-1-rel": "", "parts-1-abs": "", "parts-1-weight": "",
        "parts-1-extras": extras}), headers=RU)
    assert response.status_code == 422
    assert field_message(response.text, "parts-1-extras") == "correct: Варианта c нет; есть варианты a, b."


def test_an_unknown_key_reads_in_russian_with_the_graders_reason(teacher):
    response = send(teacher, NEW, counts_form(**{"parts-0-key": "mle.q"}), headers=RU)
    assert response.status_code == 422
    message = field_message(response.text, "parts-0-key")
    assert "mle.q" in message and "Другие величины: mse, mae" in message
    assert "invalid key spec" not in message and "valid specs" not in message


def test_a_missing_at_reads_in_russian(teacher):
    response = send(teacher, NEW, counts_form(**{"parts-0-key": '{ quantity = "likelihood_at" }'}), headers=RU)
    assert response.status_code == 422
    assert field_message(response.text, "parts-0-key") == "at: Задайте значения параметров, например at = { p = 0.5 }."


def test_a_generator_reads_in_russian_down_to_its_description(teacher):
    response = send(teacher, NEW, counts_form(**{
        "data_source": "generator", "table": "", "generator": "bernoulli_survey", "parameters": "q = 0.5",
        "models-0-family": "bernoulli", "models-0-inputs": "y = answer", "parts-0-key": "mle.p",
        "columns-0-name": "respondent", "columns-1-name": "answer"}), headers=RU)
    assert response.status_code == 422
    assert field_message(response.text, "parameters") == \
        "q: У генератора bernoulli_survey нет параметра «q»; его параметры: n, p."
    assert GENERATORS["bernoulli_survey"].describe("ru") in response.text
    assert GENERATORS["bernoulli_survey"].describe("en") not in response.text


def test_the_verification_of_the_fit_reads_in_russian(teacher):
    response = send(teacher, NEW, counts_form(), headers=RU)
    assert response.status_code == 200
    rows = dict(re.findall(r'<tr><th scope="row">([^<]*)</th><td>(.*?)</td></tr>', response.text, re.S))
    method, certificate = rows["Метод"], rows["Сертификат"]
    # Newton's method on log lambda, proven by the convexity of the Poisson nll, in Russian with the notation kept.
    assert "log lam" in method and CYRILLIC.search(method) and CYRILLIC.search(certificate)
    assert "newton on" not in method and "verified by certificate" not in method
    assert "convex nll" not in certificate
    # the numbers of the check in the reader's notation: a decimal comma and a power of ten
    assert re.fullmatch(r"0|\d,\d·10⁻[⁰¹²³⁴⁵⁶⁷⁸⁹]+", rows["Норма градиента в оптимуме"]), rows


@pytest.mark.parametrize("value, spec, russian, english", [
    (1.7e-12, ".1e", "1,7·10⁻¹²", "1.7·10⁻¹²"),
    (1.99e14, ".3g", "1,99·10¹⁴", "1.99·10¹⁴"),
    (0.25, ".3g", "0,25", "0.25"),
    (1e-6, ".3g", "10⁻⁶", "10⁻⁶"),
    (2.0, "r", "2,0", "2.0"),
    (0.0, ".1e", "0", "0"),
    (float("-inf"), ".3g", "−∞", "−∞"),
])
def test_numbers_are_written_in_the_readers_notation(app, value, spec, russian, english):
    with app.test_request_context(), force_locale("ru"):
        assert reader_number(value, spec) == russian
    with app.test_request_context(), force_locale("en"):
        assert reader_number(value, spec) == english

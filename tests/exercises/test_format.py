"""The exercise format beyond fixed data and numbers: generated data, several models, computed quantities,
and the part kinds' reading and checking. Definitions are built in the test from dicts, as the TOML would give."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from pydantic import ValidationError
from scipy.special import expit

import grader
from exercises import (
    DataGenerationError, ExerciseDefinition, KeyContext, build_dataset, check_answer, compute_key, model_inputs,
    option_order, read_answer, vector_length,
)
from exercises.loader import describe_errors

UUID = "7d1f1c3e-8f7a-4f57-9d55-3b1c2e0c9a11"
TEXT = {"ru": "т", "en": "t"}


def definition(**fields) -> ExerciseDefinition:
    base = {"uuid": UUID, "slug": "x", "title": TEXT, "topic": "t"}
    return ExerciseDefinition.model_validate({**base, **fields})


def number(name, key, **extra):
    return {"kind": "number", "name": name, "label": TEXT, "key": key, **extra}


PROTEIN = {"source": "generated", "generator": "protein_time", "parameters": {"n": [20, 30]},
           "columns": [{"name": "t", "label": TEXT}, {"name": "protein", "label": TEXT}]}
LINEAR = {"family": "linear", "inputs": {"X": ["1", "t"], "y": "protein"}}


def context(spec: ExerciseDefinition, seed: str = "s") -> KeyContext:
    dataset = build_dataset(spec, seed)
    key = compute_key(spec, dataset)
    return KeyContext(spec, dataset, key.values, key.mistakes, seed)


# ------------------------------------------------------------------------------------------- generated data
def test_generated_data_is_reproducible_per_seed_and_differs_between_seeds():
    spec = definition(data=PROTEIN, model=LINEAR, parts=[number("b1", "mle.beta[1]")])
    first, again, other = build_dataset(spec, "a"), build_dataset(spec, "a"), build_dataset(spec, "b")
    np.testing.assert_array_equal(first.columns["protein"], again.columns["protein"])
    assert first.n_rows != other.n_rows or not np.array_equal(first.columns["t"], other.columns["t"])
    assert 20 <= first.n_rows <= 30 and set(first.columns) == {"t", "protein"}


def test_a_draw_without_an_mle_is_replaced_by_the_next_draw_of_the_same_seed():
    # n = 3 with p = 0.95: most draws are all "yes", which has no interior MLE; every accepted draw has both.
    survey = {"source": "generated", "generator": "bernoulli_survey", "parameters": {"n": 3, "p": 0.95},
              "columns": [{"name": "answer", "label": TEXT}]}
    spec = definition(data=survey, model={"family": "bernoulli", "inputs": {"y": "answer"}},
                      parts=[number("p", "mle.p")])
    for seed in map(str, range(20)):
        answers = build_dataset(spec, seed).columns["answer"]
        assert 0 < answers.sum() < 3


def test_a_generator_that_never_gives_usable_data_is_reported():
    survey = {"source": "generated", "generator": "bernoulli_survey", "parameters": {"n": 2, "p": 1.0},
              "columns": [{"name": "answer", "label": TEXT}]}
    spec = definition(data=survey, model={"family": "bernoulli", "inputs": {"y": "answer"}},
                      parts=[number("p", "mle.p")])
    with pytest.raises(DataGenerationError, match="50 draws of bernoulli_survey"):
        build_dataset(spec, "s")


@pytest.mark.parametrize("change, field, fragment", [
    ({"generator": "nope"}, "data.generator", "unknown generator 'nope'"),
    ({"parameters": {"m": 3}}, "data.parameters.m", "no parameter 'm'"),
    ({"columns": [{"name": "z", "label": TEXT}]}, "data.columns", "not z"),
])
def test_generator_mistakes_name_the_field(change, field, fragment):
    spec = definition(data={**PROTEIN, **change}, parts=[{"kind": "text", "name": "w", "label": TEXT,
                                                           "rubric": TEXT}])
    with pytest.raises(DataGenerationError, match=fragment) as caught:
        build_dataset(spec, "s")
    assert caught.value.field == field


def test_the_design_matrix_has_the_intercept_and_the_model_its_rows():
    spec = definition(data=PROTEIN, models={"all": LINEAR, "first": {**LINEAR, "rows": 10}},
                      parts=[number("b1", {"model": "first", "quantity": "mle.beta[1]"})])
    dataset = build_dataset(spec, "s")
    full, first = model_inputs(spec.models["all"], dataset), model_inputs(spec.models["first"], dataset)
    np.testing.assert_array_equal(full["X"][:, 0], 1.0)
    np.testing.assert_array_equal(full["X"][:, 1], dataset.columns["t"])
    assert first["X"].shape == (10, 2) and first["y"].shape == (10,)
    ols = sm.OLS(dataset.columns["protein"][:10], full["X"][:10]).fit()
    assert compute_key(spec, dataset).values["b1"] == pytest.approx(ols.params[1], rel=1e-10)


# ------------------------------------------------------------------------------------------- schema rules
@pytest.mark.parametrize("fields, field, fragment", [
    ({"model": LINEAR, "models": {"a": LINEAR}}, "models", "not both"),
    ({"model": None, "models": {"a": LINEAR, "b": LINEAR}}, "parts[0].key", "name one"),
    ({"model": None, "models": {"a": LINEAR}, "parts": [number("b1", {"model": "c", "quantity": "mle.p"})]},
     "parts[0].key.model", "no model named 'c'"),
    ({"model": {**LINEAR, "inputs": {"X": ["1", "time"], "y": "protein"}}}, "model.inputs.X", "'time'"),
    ({"model": None, "parts": [number("b1", "mle.beta[1]")]}, "parts[0].key", "add a [model]"),
])
def test_schema_problems_name_the_field(fields, field, fragment):
    raw = {"uuid": UUID, "slug": "x", "title": TEXT, "topic": "t", "data": PROTEIN, "model": LINEAR,
           "parts": [number("b1", "mle.beta[1]")], **fields}
    raw = {k: v for k, v in raw.items() if v is not None}
    with pytest.raises(ValidationError) as caught:
        ExerciseDefinition.model_validate(raw)
    found = list(describe_errors(caught.value))
    assert any(path == field and fragment in message for path, message in found), found


def test_a_choice_must_name_existing_options():
    options = [{"id": "a", **TEXT}, {"id": "b", **TEXT}]
    with pytest.raises(ValidationError) as caught:
        definition(parts=[{"kind": "choice", "name": "c", "label": TEXT, "options": options, "correct": ["z"]}])
    assert any(path == "parts[0].correct" and "names option(s) z" in message
               for path, message in describe_errors(caught.value))


# ------------------------------------------------------------------------------------------- computed quantities
def test_residual_quantities_likelihood_at_and_mean_response_match_independent_computations():
    parts = [number("mse", "mse"), number("p2", {"quantity": "mean_response", "x": [1, 2]}),
             number("at", {"quantity": "likelihood_at", "at": {"p": 0.5}, "model": "survey"}),
             number("logat", {"quantity": "loglik_at", "at": {"p": 0.5}, "model": "survey"})]
    parts[0]["key"] = {"quantity": "mse", "model": "line"}
    parts[1]["key"]["model"] = "logit"
    data = {"source": "fixed", "columns": [
        {"name": "x", "label": TEXT, "values": [-2, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3]},
        {"name": "y", "label": TEXT, "values": [0, 0, 1, 0, 1, 0, 1, 1, 0, 1]},
        {"name": "z", "label": TEXT, "values": [1.2, 2.1, 2.4, 3.3, 3.2, 4.4, 4.6, 5.7, 5.8, 6.9]},
    ]}
    spec = definition(data=data, parts=parts, models={
        "line": {"family": "linear", "inputs": {"X": ["1", "x"], "y": "z"}},
        "logit": {"family": "logistic", "inputs": {"X": ["1", "x"], "y": "y"}},
        "survey": {"family": "bernoulli", "inputs": {"y": "y"}},
    })
    dataset = build_dataset(spec, "s")
    values = compute_key(spec, dataset).values
    X = np.column_stack([np.ones(10), dataset.columns["x"]])
    ols = sm.OLS(dataset.columns["z"], X).fit()
    assert values["mse"] == pytest.approx(ols.ssr / 10, rel=1e-10)
    logit = sm.Logit(dataset.columns["y"], X).fit(disp=0, tol=1e-12)
    assert values["p2"] == pytest.approx(expit(logit.params @ [1, 2]), rel=1e-8)
    assert values["at"] == pytest.approx(0.5**10, rel=1e-12)  # one sequence of 10 answers, not C(10, k)
    assert values["logat"] == pytest.approx(10 * math.log(0.5), rel=1e-12)


def test_gradient_descent_keys_and_vector_length():
    data = {"source": "fixed", "columns": [{"name": "x", "label": TEXT, "values": [1, 2, 3, 4]},
                                           {"name": "y", "label": TEXT, "values": [3, 5, 7.5, 9]}]}
    gd = {"quantity": "gradient_descent", "alpha": 0.01, "steps": 2, "start": [0, 0]}
    spec = definition(data=data, model={"family": "linear", "inputs": {"X": ["1", "x"], "y": "y"}}, parts=[
        {"kind": "vector", "name": "theta2", "label": TEXT, "key": gd},
        {"kind": "vector", "name": "beta", "label": TEXT, "key": "mle.beta"},
        number("cost", {"quantity": "lms_cost", "at": {"theta": [0, 0]}}),
    ])
    key = compute_key(spec, build_dataset(spec, "s"))
    theta = np.zeros(2)
    X, y = np.column_stack([np.ones(4), [1, 2, 3, 4]]), np.array([3, 5, 7.5, 9])
    for _ in range(2):
        theta = theta + 0.01 * X.T @ (y - X @ theta)
    np.testing.assert_allclose(key.values["theta2"], theta, rtol=1e-14)
    assert key.values["cost"] == pytest.approx(0.5 * (9 + 25 + 56.25 + 81))
    assert [vector_length(part, spec) for part in spec.parts[:2]] == [2, 2]
    ctx = context(spec)
    right = read_answer(spec.parts[1], "; ".join(f"{v:.6g}" for v in np.linalg.lstsq(X, y, rcond=None)[0]), spec)
    assert check_answer(spec.parts[1], right, ctx).score == 1.0
    half = read_answer(spec.parts[1], f"{key.values['beta'][0]:.6g}; 0", spec)
    assert check_answer(spec.parts[1], half, ctx).score == 0.5


def test_a_diverging_rate_is_reported_at_the_alpha():
    data = {"source": "fixed", "columns": [{"name": "x", "label": TEXT, "values": [10, 20, 30]},
                                           {"name": "y", "label": TEXT, "values": [1, 2, 3.5]}]}
    spec = definition(data=data, model={"family": "linear", "inputs": {"X": ["1", "x"], "y": "y"}}, parts=[
        number("t", {"quantity": "gradient_descent", "alpha": 1.0, "steps": 500, "start": [0, 0], "component": 1})])
    with pytest.raises(Exception, match="diverges") as caught:
        compute_key(spec, build_dataset(spec, "s"))
    assert caught.value.field.endswith("alpha")


# ------------------------------------------------------------------------------------------- answer kinds
WEATHER = {"source": "fixed", "columns": [{"name": "answer", "label": TEXT, "values": [1, 1, 1, 0, 1, 0, 1, 1, 0, 1]}]}
BERNOULLI = {"family": "bernoulli", "inputs": {"y": "answer"}}


def test_formula_parts_are_checked_against_the_function_of_the_data():
    parts = [{"kind": "formula", "name": "loglik", "label": TEXT, "key": "loglik_function",
              "variables": [{"name": "p", "parameter": "p"}]},
             {"kind": "formula", "name": "score", "label": TEXT, "key": "score_function",
              "variables": [{"name": "p", "parameter": "p"}]}]
    spec = definition(data=WEATHER, model=BERNOULLI, parts=parts)
    ctx = context(spec)
    loglik, score = spec.parts

    def grade(part, text):
        return check_answer(part, read_answer(part, text, spec), ctx)

    assert grade(loglik, "7 ln(p) + 3*ln(1-p)").correct
    assert not grade(loglik, "(7*ln(p) + 3*ln(1-p)) / ln(10)").correct  # log10 instead of ln
    assert not grade(loglik, "3*ln(p) + 7*ln(1-p)").correct
    assert grade(score, "7/p - 3/(1-p)").correct
    assert not grade(score, "7/p + 3/(1-p)").correct
    with pytest.raises(grader.AnswerError):
        read_answer(loglik, "7 ln(q)", spec)


def test_choice_parts_score_single_and_multiple_answers():
    options = [{"id": i, **TEXT} for i in "abcd"]
    single = {"kind": "choice", "name": "one", "label": TEXT, "options": options, "correct": ["b"]}
    multiple = {**single, "name": "many", "correct": ["a", "c"], "multiple": True}
    spec = definition(parts=[single, multiple])
    ctx = KeyContext(spec, build_dataset(spec, "s"), {}, {}, "s")
    one, many = spec.parts
    assert check_answer(one, read_answer(one, "b", spec), ctx).score == 1.0
    assert check_answer(one, read_answer(one, "a", spec), ctx).score == 0.0
    assert check_answer(many, read_answer(many, "a,c", spec), ctx).score == 1.0
    assert check_answer(many, read_answer(many, "a", spec), ctx).score == 0.5
    assert check_answer(many, read_answer(many, "a,b", spec), ctx).score == 0.0
    for raw, code in (("", "choice_required"), ("z", "choice_unknown"), ("a,b", "choice_unknown")):
        with pytest.raises(grader.AnswerError) as caught:
            read_answer(one, raw, spec)
        assert caught.value.code == code


def test_options_are_shuffled_per_variant_and_stable():
    options = [{"id": f"o{i}", **TEXT} for i in range(6)]
    spec = definition(parts=[{"kind": "choice", "name": "c", "label": TEXT, "options": options, "correct": ["o1"]}])
    part = spec.parts[0]
    orders = {tuple(o.id for o in option_order(part, f"seed-{i}")) for i in range(10)}
    assert len(orders) > 1
    assert option_order(part, "seed-1") == option_order(part, "seed-1")
    assert sorted(o.id for o in option_order(part, "seed-1")) == [f"o{i}" for i in range(6)]


def test_text_parts_wait_for_the_teacher():
    spec = definition(parts=[{"kind": "text", "name": "w", "label": TEXT, "rubric": TEXT, "max_length": 20}])
    part = spec.parts[0]
    ctx = KeyContext(spec, build_dataset(spec, "s"), {}, {}, "s")
    assert check_answer(part, read_answer(part, " because ", spec), ctx).code == "pending_review"
    for raw, code in (("  ", "text_empty"), ("x" * 21, "too_long")):
        with pytest.raises(grader.AnswerError) as caught:
            read_answer(part, raw, spec)
        assert caught.value.code == code

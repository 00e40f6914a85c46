"""Properties of parse_number and parse_formula over arbitrary text: a value or an AnswerError, nothing else.

"Fast on every input" is asserted through structure, not time: input over the length limit is refused before any
tokenizing, nesting is bounded, and the worst nesting allowed fits in a small, fixed amount of stack.
"""

from __future__ import annotations

import math
import sys
import threading
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import grader
from grader import AnswerError, parse_formula, parse_number
from grader.formulas import formula as formula_module
from grader.formulas import lexer
from grader.formulas.tree import depth

# Derandomised so that a CI run is reproducible; no example database is written into the working tree.
PROPERTY = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

NUMBER_ALPHABET = "0123456789.,eE+-−/% _x\u00a0'∞nainf"
FORMULA_ALPHABET = "0123456789.,eE+-−*/^()² pqlnogexpsqrtabiπμσ·_[];'\"`:=lambd\u00a0"
VARIABLES = ["p", "q", "mu", "sigma"]
AT = {"p": 0.3, "q": 0.7, "mu": -1.5, "sigma": 2.0}

# Text of every kind: arbitrary Unicode, text close to each grammar, deep nesting, long runs.
any_text = st.text(max_size=200)
number_like = st.text(alphabet=NUMBER_ALPHABET, max_size=40)
formula_like = st.text(alphabet=FORMULA_ALPHABET, max_size=120)
nested = st.builds(lambda opener, n, core: opener * n + core + ")" * n * (opener.endswith("(")),
                   st.sampled_from(["(", "-", "2^", "ln(", "sqrt(", "+", "-(", "p^"]),
                   st.integers(0, 3000), st.sampled_from(["p", "2", "", "9^9^9"]))
long_text = st.builds(lambda unit, n: unit * n, st.sampled_from(["9", "p", "9^", "p*", "(p)", "é", " "]),
                      st.integers(0, 5000))


def read_number(text: str) -> None:
    try:
        value = parse_number(text)
    except AnswerError as error:
        assert error.code in grader.ANSWER_ERROR_CODES and str(error)
    else:
        assert isinstance(value, float) and math.isfinite(value)


def read_formula(text: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # evaluation must be silent too: nan and inf are values, not warnings
        try:
            formula = parse_formula(text, VARIABLES)
        except AnswerError as error:
            assert error.code in grader.ANSWER_ERROR_CODES and str(error)
            return
        assert len(text) <= lexer.MAX_LENGTH
        assert depth(formula.tree) <= 4 * lexer.MAX_DEPTH + 4
        assert isinstance(formula.describe(), str)
        value = formula(**AT)
        assert isinstance(value, float)
        values = formula(**{name: np.linspace(-3, 3, 7) for name in VARIABLES})
        assert values.shape == (7,) and values.dtype == np.float64


@PROPERTY
@given(st.one_of(any_text, number_like, nested, long_text))
def test_parse_number_returns_a_finite_float_or_an_answer_error(text):
    read_number(text)


@PROPERTY
@given(st.one_of(any_text, formula_like, nested, long_text))
def test_parse_formula_returns_a_formula_or_an_answer_error(text):
    read_formula(text)


@PROPERTY
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_number_round_trips_every_finite_float(x):
    assert parse_number(repr(x)) == x
    assert parse_number(repr(x).replace(".", ",")) == x  # the decimal comma
    assert parse_number(f"  {x!r}\u00a0") == x
    if x > 0:
        assert parse_number("\u2212" + repr(x)) == -x


@PROPERTY
@given(st.integers(-10**6, 10**6), st.integers(1, 10**6))
def test_fractions_are_the_quotient(numerator, denominator):
    assert parse_number(f"{numerator}/{denominator}") == numerator / denominator


@PROPERTY
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_a_number_is_a_constant_formula(x):
    assert parse_formula(repr(x), [])() == x


# Formulas built from the grammar, each with its value computed directly by numpy: the parser must agree.
LEAVES = [("p", lambda v: v["p"]), ("q", lambda v: v["q"]), ("2.5", lambda v: 2.5), ("pi", lambda v: np.pi),
          ("e", lambda v: np.e), ("μ", lambda v: v["mu"]), ("σ", lambda v: v["sigma"])]
FUNCTIONS = [("ln", np.log), ("log", np.log), ("exp", np.exp), ("sqrt", np.sqrt), ("abs", np.abs),
             ("log10", np.log10)]
OPERATORS = [("+", np.add), ("-", np.subtract), ("*", np.multiply), ("/", np.divide), ("^", np.power),
             ("**", np.power)]


def _combine(children):
    binary = st.builds(lambda a, op, b: (f"({a[0]}) {op[0]} ({b[0]})", lambda v: op[1](a[1](v), b[1](v))),
                       children, st.sampled_from(OPERATORS), children)
    call = st.builds(lambda f, a: (f"{f[0]}({a[0]})", lambda v: f[1](a[1](v))), st.sampled_from(FUNCTIONS), children)
    negate = st.builds(lambda a: (f"-({a[0]})", lambda v: -a[1](v)), children)
    return st.one_of(binary, call, negate)


grammar_formulas = st.recursive(st.sampled_from(LEAVES), _combine, max_leaves=12)


@PROPERTY
@given(grammar_formulas)
def test_generated_formulas_evaluate_as_written_and_their_reading_reads_back_the_same(pair):
    text, reference = pair
    assume(len(text) <= lexer.MAX_LENGTH)
    formula = parse_formula(text, VARIABLES)
    points = {name: np.linspace(0.1, 3, 9) * (-1 if name == "mu" else 1) for name in VARIABLES}
    with np.errstate(all="ignore"):
        expected = reference(points)
    np.testing.assert_array_equal(formula(**points), np.broadcast_to(expected, (9,)))
    shown = formula.describe()
    again = parse_formula(shown, VARIABLES)
    np.testing.assert_array_equal(again(**points), formula(**points))
    assert again.describe() == shown


@pytest.mark.parametrize("text", ["p" * 501, "(" * 10**6, "9^" * 10**6 + "9", "é" * 10**7])
def test_over_the_length_limit_nothing_is_tokenized(monkeypatch, text):
    def refuse(*args, **kwargs):
        raise AssertionError("tokenized an over-long text")

    monkeypatch.setattr(formula_module, "tokenize", refuse)
    with pytest.raises(AnswerError) as caught:
        parse_formula(text, ["p"])
    assert caught.value.code == "too_long"


def test_tokens_are_at_most_one_per_character():
    text = "9ln(p)+6ln(1-p)*p^2/sqrt(abs(q))-e·π²"
    tokens, _ = lexer.tokenize(text)
    assert len(tokens) <= len(text) + 1 and tokens[-1].kind == "end"


def _nested(kind: str, levels: int) -> str:
    """Every construct that recurses, nested ``levels`` deep."""
    if kind == "parentheses":
        return "(" * levels + "p" + ")" * levels
    if kind == "functions":
        return "ln(" * levels + "p" + ")" * levels
    if kind == "signs":
        return "-" * levels + "p"
    if kind == "powers":
        return "p^" * levels + "p"
    units = levels // 3  # each unit is a parenthesis, a sign and an exponent
    return "(-(p+1)^" * units + "q" + ")" * units


@pytest.mark.parametrize("kind", ["parentheses", "functions", "signs", "powers", "mixed"])
def test_the_deepest_formula_allowed_needs_little_stack(kind):
    text = _nested(kind, lexer.MAX_DEPTH)
    results: list[object] = []

    def work():
        try:
            formula = parse_formula(text, ["p", "q"])
            results.append((formula.describe(), formula(0.5, 0.5)))
        except BaseException as error:  # reported below: a RecursionError here is the failure tested for
            results.append(error)

    # A fresh thread starts with an empty stack; 600 frames are well under the default limit of 1000.
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(600)
    try:
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    finally:
        sys.setrecursionlimit(previous)
    assert len(results) == 1 and isinstance(results[0], tuple), results

    deeper = _nested(kind, lexer.MAX_DEPTH + (3 if kind == "mixed" else 1))
    with pytest.raises(AnswerError) as caught:
        parse_formula(deeper, ["p", "q"])
    assert caught.value.code == "formula_too_deep"

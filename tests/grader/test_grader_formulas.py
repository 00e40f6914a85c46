"""parse_formula and check_formula: what is read and how, what is refused and why, and equivalence with a key."""

from __future__ import annotations

import math
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

import grader
from grader import Formula, check_formula, parse_formula
from grader.families.domains import POSITIVE, REAL, UNIT_INTERVAL

P = np.array([0.05, 0.3, 0.5, 0.77, 0.99])
VARS = ["p", "q", "mu", "sigma", "x", "beta0", "lam"]
VALUES = {"p": 0.3, "q": 0.8, "mu": -1.25, "sigma": 2.5, "x": 0.5, "beta0": 1.5, "lam": 4.0}


def value(text: str) -> float:
    return float(parse_formula(text, VARS)(**VALUES))


# The expected values are written directly with math, from the conventional reading of each formula.
p, q, mu, sigma, x, b0, lam = (VALUES[name] for name in VARS)
READINGS = [
    ("9*ln(p) + 6*ln(1-p)", 9 * math.log(p) + 6 * math.log(1 - p)),
    ("9 ln(p) + 6 ln(1 − p)", 9 * math.log(p) + 6 * math.log(1 - p)),
    ("9ln(p)+6ln(1-p)", 9 * math.log(p) + 6 * math.log(1 - p)),
    ("p^9(1-p)^6", p**9 * (1 - p) ** 6),
    ("p^9 * (1-p)**6", p**9 * (1 - p) ** 6),
    ("p²(1-p)³", p**2 * (1 - p) ** 3),
    ("2p", 2 * p),
    ("3(1-p)", 3 * (1 - p)),
    ("p(1-p)", p * (1 - p)),
    ("(1-p)(1+p)", (1 - p) * (1 + p)),
    ("p q", p * q),
    ("-x^2", -(x**2)),
    ("-2^2", -4.0),
    ("(-2)^2", 4.0),
    ("2^3^2", 2.0**9),
    ("2**3**2", 2.0**9),
    ("2^-1", 0.5),
    ("2^-x^2", 2 ** -(x**2)),
    ("e^-x", math.exp(-x)),
    ("a/b*c".replace("a", "p").replace("b", "q").replace("c", "x"), p / q * x),
    ("p/q/x", p / q / x),
    ("1/(2p)", 1 / (2 * p)),
    ("1 - p - q", 1 - p - q),
    ("p - (q - x)", p - (q - x)),
    ("2*-3", -6.0),
    ("2--3", 5.0),
    ("+p", p),
    ("exp(p) + sqrt(q) + abs(mu)", math.exp(p) + math.sqrt(q) + abs(mu)),
    ("log(q)", math.log(q)),
    ("lg(q) + log10(q)", 2 * math.log10(q)),
    ("pi + e", math.pi + math.e),
    ("2π", 2 * math.pi),
    ("Ln(p) + LOG(p) + Exp(p) + PI + E", 2 * math.log(p) + math.exp(p) + math.pi + math.e),
    ("-ln(σ) - (x - μ)^2/(2σ^2)", -math.log(sigma) - (x - mu) ** 2 / (2 * sigma**2)),
    ("2πσ²", 2 * math.pi * sigma**2),
    ("β0 + β₀ + beta0", 3 * b0),
    ("λ", lam),
    ("µ", mu),  # the micro sign, as some keyboards type mu
    ("2·p × q", 2 * p * q),
    (".5p + 1.e0 + 6e-1 + 2E1", 0.5 * p + 1 + 0.6 + 20),
    ("2e", 2 * math.e),
    ("2e - 1", 2 * math.e - 1),
    ("2e-1", 0.2),
    ("\u00a0 p \t", p),
]


@pytest.mark.parametrize(("text", "expected"), READINGS)
def test_readings(text, expected):
    assert value(text) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("9*ln(p) + 6*log(1-p)", "9·ln(p) + 6·ln(1 − p)"),
        ("-x^2", "−(x^2)"),
        ("2^3^2", "2^(3^2)"),
        ("p/q*x", "(p/q)·x"),
        ("p/(q x)", "p/(q·x)"),
        ("p+-q", "p + (−q)"),
        ("(p+q)+x", "(p + q) + x"),
        ("e^-x", "e^(−x)"),
        ("(1-p)^6", "(1 − p)^6"),
        ("lg(p)", "log10(p)"),
        ("2 pi", "2·π"),
        ("μ", "mu"),
    ],
)
def test_describe_shows_how_the_formula_was_read(text, shown):
    assert parse_formula(text, VARS).describe() == shown


def at(position: int) -> dict[str, int]:
    return {"position": position}


REJECTED = [
    ("", "formula_empty", {}),
    (" \u00a0 ", "formula_empty", {}),
    ("p" * 501, "too_long", {"length": 501, "max_length": 500}),
    ("(" * 51 + "p" + ")" * 51, "formula_too_deep", {"max_depth": 50}),
    ("-" * 51 + "p", "formula_too_deep", {"max_depth": 50}),
    ("2^" * 51 + "2", "formula_too_deep", {"max_depth": 50}),
    ("1e999999", "overflow", {"text": "1e999999"}),
    ("1" * 400, "overflow", {"text": "1" * 400}),
    ("p; q", "unexpected_character", {"char": ";", **at(2)}),
    ("0,5p", "decimal_comma", at(2)),
    ("sin(p)", "unknown_name", {"name": "sin", "allowed": "p, ln, log, lg, log10, exp, sqrt, abs, pi, e", **at(1)}),
    ("2 P", "name_case", {"name": "P", "suggestion": "p", **at(3)}),
    ("2*", "missing_operand", at(3)),
    ("()", "missing_operand", at(2)),
    ("p + * p", "missing_operand", at(5)),
    ("2 3", "missing_operator", {"token": "3", **at(3)}),
    ("(1-p)2", "missing_operator", {"token": "2", **at(6)}),
    ("((p)", "unclosed_parenthesis", at(1)),
    ("p)", "unmatched_parenthesis", at(2)),
    ("ln p", "function_needs_parentheses", {"name": "ln", **at(1)}),
    ("2 lnp", "function_needs_parentheses", {"name": "ln", **at(3)}),
    ("ln^2(p)", "function_needs_parentheses", {"name": "ln", **at(1)}),
    ("1/2p", "ambiguous_division", at(2)),
    ("1/(2)(p)", "ambiguous_division", at(2)),
    ("e^2p", "ambiguous_exponent", at(2)),
]


@pytest.mark.parametrize(("text", "code", "params"), REJECTED)
def test_rejected_with_code_and_position(text, code, params):
    with pytest.raises(grader.AnswerError) as caught:
        parse_formula(text, ["p"])
    assert caught.value.code == code
    assert dict(caught.value.params) == params


def test_every_formula_code_is_reachable():
    formula_codes = set(grader.ANSWER_ERROR_CODES[grader.ANSWER_ERROR_CODES.index("formula_empty"):])
    assert formula_codes | {"too_long", "overflow"} == {code for _, code, _ in REJECTED}


@pytest.mark.parametrize(
    "text",
    ["__import__('os')", "().__class__", "p.__class__", "exec", "exec('1')", "eval(p)", "lambda", "lambda p: p",
     "[p]", "p;p", "`p`", "p if p else p", "p == p", "p, p", "'p'", "{p}", "p[0]", "p @ p", "p % 2", "1_000",
     "0x10", "p.real", "os.system", "\\p", "p\x00", "٣p", "ｐ", "P", "import os", "p = 1", "p!"],
)
def test_code_like_input_is_refused(text):
    with pytest.raises(grader.AnswerError):
        parse_formula(text, ["p"])


def test_no_code_evaluation_in_the_formula_package():
    source = "\n".join(path.read_text() for path in Path(grader.formulas.__file__).parent.glob("*.py"))
    # re.compile is the only compile allowed: a regular expression, not Python code.
    assert not re.search(r"(?<![.\w])(eval|exec|compile|sympify|parse_expr|__import__)\s*\(|\bast\b|\bsympy\b",
                         source)


def test_overflow_and_undefined_values_are_values_not_errors():
    assert parse_formula("9^9^9", []) () == math.inf
    assert parse_formula("2^2^2^2^2^2^2^2^2^2", [])() == math.inf
    assert math.isnan(parse_formula("ln(p)", ["p"])(p=-1.0))
    assert parse_formula("1/p", ["p"])(p=0.0) == math.inf
    assert math.isnan(parse_formula("(-8)^(1/3)", [])())


def test_call_by_name_or_position_with_broadcasting():
    formula = parse_formula("p * q", ["p", "q"])
    np.testing.assert_array_equal(formula(P, 2.0), 2 * P)
    np.testing.assert_array_equal(formula(q=P[:, None], p=P), np.outer(P, P))
    constant = parse_formula("2", ["p"])(p=P)
    np.testing.assert_array_equal(constant, np.full(5, 2.0))
    assert isinstance(formula(0.5, 0.5), float)
    for bad in (lambda: formula(0.5), lambda: formula(0.5, q=1, p=2), lambda: formula(0.5, 0.5, r=1),
                lambda: formula(1, 2, 3)):
        with pytest.raises(TypeError):
            bad()


def test_formula_is_frozen_and_pickles():
    formula = parse_formula("9 ln(p) + 6 ln(1-p)", ["p"])
    with pytest.raises(AttributeError):
        formula.text = "p"  # type: ignore[misc]
    copy = pickle.loads(pickle.dumps(formula))
    assert copy == formula and isinstance(copy, Formula)
    np.testing.assert_array_equal(copy(P), 9 * np.log(P) + 6 * np.log(1 - P))


@pytest.mark.parametrize("variables", [["ln"], ["E"], ["Pi"], ["2p"], ["p q"], ["μ"], ["p", "p"], [""], [1]])
def test_bad_variable_declarations_are_the_authors_error(variables):
    with pytest.raises(ValueError) as caught:
        parse_formula("1", variables)
    assert not isinstance(caught.value, grader.AnswerError)


def test_non_string_input_is_a_type_error():
    with pytest.raises(TypeError):
        parse_formula(0.5, ["p"])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_formula("p", "p")


# ---- check_formula -------------------------------------------------------------------------------------------

BERNOULLI_KEY = parse_formula("9*ln(p) + 6*ln(1-p)", ["p"])


def check(text: str, key=BERNOULLI_KEY, domains=None, variables=("p",), **options):
    return check_formula(parse_formula(text, list(variables)), key, domains or {"p": UNIT_INTERVAL}, **options)


@pytest.mark.parametrize("text", ["9 ln(p) + 6 ln(1-p)", "ln(p^9 (1-p)^6)", "6ln(1-p)+9ln(p)", "3(3ln(p)+2ln(1-p))",
                                  "ln(p^9) + ln((1-p)^6) + 1e-12"])
def test_equivalent_forms_are_correct(text):
    verdict = check(text)
    assert (verdict.correct, verdict.score, verdict.code) == (True, 1.0, "correct")
    assert verdict.params["points"] == 200


@pytest.mark.parametrize("text", ["9ln(p) - 6ln(1-p)", "9 lg(p) + 6 lg(1-p)", "6ln(p) + 9ln(1-p)",
                                  "9 ln(p) + 6 ln(1-p) + 1e-4 p", "p^9 (1-p)^6"])
def test_different_functions_are_incorrect_without_revealing_the_key(text):
    verdict = check(text)
    assert (verdict.correct, verdict.score, verdict.code) == (False, 0.0, "incorrect")
    point = verdict.params["point"]
    assert 0 < point["p"] < 1
    answer = float(parse_formula(text, ["p"])(point["p"]))
    assert verdict.params["value"] == answer
    assert set(verdict.params) == {"rtol", "points", "up_to_constant", "point", "value"}
    key_at_point = float(BERNOULLI_KEY(point["p"]))
    assert f"{key_at_point:.5g}" not in verdict.message and f"{key_at_point:.6g}" not in verdict.message


def test_a_missing_constant_is_named_and_accepted_when_the_exercise_allows_it():
    with_constant = f"ln({math.comb(15, 9)}) + 9 ln(p) + 6 ln(1-p)"
    assert check(with_constant).code == "differs_by_constant"
    assert not check(with_constant).correct
    verdict = check(with_constant, up_to_constant=True)
    assert verdict.correct and verdict.params["up_to_constant"] is True
    assert check("9 ln(p) + 5 ln(1-p) + 3", up_to_constant=True).code == "incorrect"


def test_undefined_where_the_key_is_defined_is_wrong():
    verdict = check("9 ln(p - 0.5) + 6 ln(1-p)")
    assert verdict.code == "formula_undefined" and not verdict.correct
    assert verdict.params["point"]["p"] <= 0.5
    assert check("9^9^9 * p").code == "formula_undefined"


def test_points_where_the_key_is_undefined_are_skipped():
    key = parse_formula("ln(2p - 1)", ["p"])
    verdict = check("ln(2p - 1)", key=key)
    assert verdict.correct and 60 < verdict.params["points"] < 140  # about half of (0, 1) has 2p - 1 > 0
    assert check("ln(abs(2p - 1))", key=key).correct  # equal wherever the key is defined
    with pytest.raises(ValueError, match="finite at only"):
        check("p", key=parse_formula("ln(p - 2)", ["p"]))


def test_two_variables_with_a_callable_key_and_interval_domains():
    data = np.array([1.2, 0.7, 2.9, 1.6])

    def key(mu, sigma):
        residuals = data[:, None] - mu
        return np.sum(-np.log(sigma) - residuals**2 / (2 * sigma**2), axis=0) - 2 * np.log(2 * np.pi)

    rss = "(1.2-μ)^2 + (0.7-μ)^2 + (2.9-μ)^2 + (1.6-μ)^2"
    domains = {"mu": (-10, 10), "sigma": POSITIVE}
    student = parse_formula(f"-4 ln(σ) - ({rss})/(2σ²) - 2ln(2π)", ["mu", "sigma"])
    assert check_formula(student, key, domains).correct
    n_minus_one = parse_formula(f"-4 ln(σ) - ({rss})/(2σ²) - 2ln(2π) + 0.01σ", ["mu", "sigma"])
    assert check_formula(n_minus_one, key, {"mu": REAL, "sigma": (0, math.inf)}).code == "incorrect"


def test_tiny_likelihood_values_are_compared_relatively():
    key = parse_formula("p^50 (1-p)^50", ["p"])  # values down to about 1e-100: no absolute tolerance may swamp them
    assert check("exp(50 ln(p) + 50 ln(1-p))", key=key).correct
    assert not check("p^50 (1-p)^51", key=key).correct


def test_a_key_crossing_zero_allows_rounding_at_the_crossing():
    key = parse_formula("(x - 1.3)^3", ["x"])
    expanded = "x^3 - 3.9x^2 + 5.07x - 2.197"  # (x - 1.3)^3 multiplied out by hand
    assert check(expanded, key=key, domains={"x": REAL}, variables=("x",)).correct


def test_samples_lie_inside_open_domains_and_the_seed_fixes_them():
    seen: dict[str, np.ndarray] = {}

    def key(a, b, c, d):
        seen.update(a=a, b=b, c=c, d=d)
        return a + b + c + d

    formula = parse_formula("a + b + c + d", ["a", "b", "c", "d"])
    domains = {"a": UNIT_INTERVAL, "b": (2.0, math.inf), "c": (-math.inf, -1.0), "d": REAL}
    assert check_formula(formula, key, domains, points=500).correct
    assert np.all((seen["a"] > 0) & (seen["a"] < 1)) and np.all(seen["b"] > 2) and np.all(seen["c"] < -1)
    assert np.all(np.isfinite(seen["d"])) and seen["d"].min() < 0 < seen["d"].max()
    first = dict(seen)
    check_formula(formula, key, domains, points=500)
    assert all(np.array_equal(first[name], seen[name]) for name in first)
    check_formula(formula, key, domains, points=500, seed=1)
    assert not np.array_equal(first["a"], seen["a"])


@pytest.mark.parametrize(
    ("options", "domains"),
    [({"rtol": 0}, None), ({"rtol": math.nan}, None), ({"points": 5}, None), ({"points": 2.5}, None),
     ({}, {"q": UNIT_INTERVAL}), ({}, {"p": (1, 0)}), ({}, {"p": "0<p<1"})],
)
def test_bad_settings_are_value_errors(options, domains):
    with pytest.raises(ValueError):
        check("p", domains=domains, **options)


def test_a_key_formula_must_have_its_variables_in_the_domains():
    with pytest.raises(ValueError, match="no domain given for q"):
        check("p", key=parse_formula("p + q", ["p", "q"]))

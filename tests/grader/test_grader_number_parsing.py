"""parse_number: what students type, accepted with its value, or refused with a stable code."""

from __future__ import annotations

import pickle

import pytest

import grader

ACCEPTED = [
    ("0.6", 0.6),
    ("0,6", 0.6),
    (".6", 0.6),
    (",6", 0.6),
    ("6e-1", 0.6),
    ("6E-1", 0.6),
    ("0,6e1", 6.0),
    ("+0.6", 0.6),
    ("-0.6", -0.6),
    ("\u22120.6", -0.6),
    ("3/5", 0.6),
    ("-3/5", -0.6),
    ("\u22123/5", -0.6),
    ("3 / 5", 0.6),
    ("1.5/2.5", 0.6),
    ("0,3/0,5", 0.6),
    ("  0.6  ", 0.6),
    ("\u00a00,6\u00a0", 0.6),
    ("\t0.6\n", 0.6),
    ("6", 6.0),
    ("6.", 6.0),
    ("0.6000", 0.6),
    ("1,000", 1.0),  # one comma is a decimal separator, whatever the digits after it
    ("1.000", 1.0),
    ("0", 0.0),
    ("1e308", 1e308),
    ("1e-400", 0.0),
    ("0." + "6" * 98, 0.6666666666666666),  # exactly 100 characters
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted(text, expected):
    value = grader.parse_number(text)
    assert type(value) is float
    assert value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("60%", 0.6), ("60 %", 0.6), ("12,5%", 0.125), ("\u221260%", -0.6), ("0.6", 0.6), ("3/5", 0.6)],
)
def test_accepted_with_percent(text, expected):
    assert grader.parse_number(text, allow_percent=True) == pytest.approx(expected, rel=1e-15)


REJECTED = [
    ("", "empty"),
    ("   ", "empty"),
    ("\u00a0\u202f", "empty"),
    ("nan", "not_finite"),
    ("NaN", "not_finite"),
    ("-nan", "not_finite"),
    ("inf", "not_finite"),
    ("-Infinity", "not_finite"),
    ("\u221e", "not_finite"),
    ("1e309", "overflow"),
    ("-1e309", "overflow"),
    ("1e300/1e-300", "overflow"),
    ("abc", "not_a_number"),
    ("0.6abc", "not_a_number"),
    ("1..2", "not_a_number"),
    ("0.6.", "not_a_number"),
    ("--1", "not_a_number"),
    ("+-1", "not_a_number"),
    ("- 0.6", "not_a_number"),
    ("1e", "not_a_number"),
    ("e5", "not_a_number"),
    ("1 0", "not_a_number"),
    ("0.6 0.7", "not_a_number"),
    ("(0.6)", "not_a_number"),
    ("\u0663", "not_a_number"),  # ARABIC-INDIC DIGIT THREE: float() would accept it
    ("\uff16", "not_a_number"),  # FULLWIDTH DIGIT SIX
    ("3/-5", "not_a_number"),
    ("3/", "not_a_number"),
    ("/5", "not_a_number"),
    ("1,000.5", "thousands_separator"),
    ("1.000,5", "thousands_separator"),
    ("-1,000.5", "thousands_separator"),
    ("1 000", "thousands_separator"),
    ("1\u00a0000", "thousands_separator"),
    ("1 000,5", "thousands_separator"),
    ("1,000,000", "thousands_separator"),
    ("1.000.000", "thousands_separator"),
    ("0x10", "hex_not_allowed"),
    ("0X1F", "hex_not_allowed"),
    ("1_000", "underscore_not_allowed"),
    ("0.6_0", "underscore_not_allowed"),
    ("3/0", "division_by_zero"),
    ("0/0", "division_by_zero"),
    ("3/0.0", "division_by_zero"),
    ("3/0e5", "division_by_zero"),
    ("1/2/3", "multiple_slashes"),
    ("60%", "percent_not_allowed"),
    ("0." + "6" * 99, "too_long"),
]


@pytest.mark.parametrize(("text", "code"), REJECTED)
def test_rejected_with_code(text, code):
    with pytest.raises(grader.AnswerError) as caught:
        grader.parse_number(text)
    error = caught.value
    assert error.code == code
    assert error.code in grader.ANSWER_ERROR_CODES
    assert str(error) and isinstance(error, ValueError)


@pytest.mark.parametrize(("text", "code"), [("3/5%", "not_a_number"), ("%", "not_a_number"), ("60%%", "not_a_number")])
def test_rejected_with_percent_allowed(text, code):
    with pytest.raises(grader.AnswerError) as caught:
        grader.parse_number(text, allow_percent=True)
    assert caught.value.code == code


def test_codes_are_stable_and_all_reachable():
    # The number codes come first and never change; the formula parser's codes follow them.
    number_codes = grader.ANSWER_ERROR_CODES[:11]
    assert number_codes == (
        "empty",
        "too_long",
        "not_a_number",
        "not_finite",
        "overflow",
        "thousands_separator",
        "division_by_zero",
        "multiple_slashes",
        "percent_not_allowed",
        "hex_not_allowed",
        "underscore_not_allowed",
    )
    assert {code for _, code in REJECTED} == set(number_codes)


def test_messages_and_params():
    with pytest.raises(grader.AnswerError) as caught:
        grader.parse_number("x" * 150)
    assert str(caught.value) == "The answer is too long (150 characters; at most 100 are allowed)."
    assert dict(caught.value.params) == {"length": 150, "max_length": 100}

    with pytest.raises(grader.AnswerError) as caught:
        grader.parse_number(" 1,000.5 ")
    assert dict(caught.value.params) == {"text": "1,000.5"}
    assert "'1,000.5'" in str(caught.value) and "thousands separator" in str(caught.value)

    with pytest.raises(grader.AnswerError) as caught:
        grader.parse_number("nan")
    assert str(caught.value) == "'nan' is not a finite number: NaN and infinity are not accepted."


def test_params_are_read_only_and_errors_survive_pickling():
    with pytest.raises(grader.AnswerError) as caught:
        grader.parse_number("3/0")
    with pytest.raises(TypeError):
        caught.value.params["text"] = "changed"
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.code, dict(copy.params), str(copy)) == ("division_by_zero", {"text": "3/0"}, "'3/0' divides by zero.")


def test_unknown_code_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown answer error code"):
        grader.AnswerError("no_such_code")


def test_non_string_is_a_type_error():
    with pytest.raises(TypeError):
        grader.parse_number(0.6)

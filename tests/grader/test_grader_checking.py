"""check_number and Tolerance: the significant-figure rule, rel/abs tolerances, and verdicts that hide the key."""

from __future__ import annotations

import math

import pytest

import grader
from grader import Tolerance, Verdict, check_number

TWO_THIRDS = 2 / 3


@pytest.mark.parametrize(
    ("answer", "key", "correct"),
    [
        # Key 0.6: half a unit in the 3rd significant figure is 0.0005.
        (0.6, 0.6, True),
        (0.60, 0.6, True),
        (0.6000001, 0.6, True),
        (0.6004, 0.6, True),
        (0.6005, 0.6, True),  # exactly on the rounding boundary
        (0.601, 0.6, False),
        (0.59, 0.6, False),
        (0.7, 0.6, False),
        (-0.6, 0.6, False),
        # Key 2/3 = 0.666...: 0.667 rounds correctly, 0.67 has too few digits, 0.666 is truncated.
        (0.667, TWO_THIRDS, True),
        (0.6667, TWO_THIRDS, True),
        (0.66667, TWO_THIRDS, True),
        (0.67, TWO_THIRDS, False),
        (0.666, TWO_THIRDS, False),
        # Negative keys: the same rule on |key|.
        (-0.6, -0.6, True),
        (-0.601, -0.6, False),
        (-0.667, -TWO_THIRDS, True),
        (-0.666, -TWO_THIRDS, False),
        # Magnitudes far from 1: the unit follows the key's own leading digit.
        (12300.0, 12345.678, True),
        (12350.0, 12345.678, True),
        (12400.0, 12345.678, False),
        (0.00123, 0.00123456, True),
        (0.00124, 0.00123456, False),
        (1004.0, 1000.0, True),
        (1006.0, 1000.0, False),
        (0.001004, 0.001, True),
        (0.001006, 0.001, False),
        (1.00, 0.9996, True),  # 0.9996 rounds to 1.00: the unit is that of the key (0.001), not of 1.00
        (9.21e-21, 9.2134e-21, True),
        (9.22e-21, 9.2134e-21, False),
    ],
)
def test_three_significant_figures_by_default(answer, key, correct):
    assert check_number(answer, key).correct is correct


@pytest.mark.parametrize(
    ("answer", "sig_figs", "correct"),
    [(0.67, 2, True), (0.7, 2, False), (0.7, 1, True), (0.667, 4, False), (0.6667, 4, True)],
)
def test_other_numbers_of_significant_figures(answer, sig_figs, correct):
    assert check_number(answer, TWO_THIRDS, Tolerance(sig_figs=sig_figs)).correct is correct


def test_key_zero():
    # No significant figures exist for 0: only an absolute tolerance can accept anything but 0 itself.
    assert check_number(0.0, 0.0).correct
    assert not check_number(1e-9, 0.0).correct
    assert check_number(5e-7, 0.0, Tolerance(abs=1e-6)).correct
    assert check_number(-1e-6, 0.0, Tolerance(sig_figs=None, abs=1e-6)).correct
    assert not check_number(2e-6, 0.0, Tolerance(abs=1e-6)).correct


def test_relative_tolerance():
    tolerance = Tolerance(sig_figs=None, rel=0.01)
    assert check_number(2.019, 2.0, tolerance).correct
    assert check_number(1.981, 2.0, tolerance).correct
    assert not check_number(2.021, 2.0, tolerance).correct
    assert not check_number(-1.99, -2.2, tolerance).correct


def test_the_most_lenient_rule_set_applies():
    assert check_number(0.609, 0.6, Tolerance(sig_figs=3, abs=0.01)).correct
    assert not check_number(0.609, 0.6, Tolerance(sig_figs=3)).correct
    assert check_number(0.6004, 0.6, Tolerance(sig_figs=3, rel=1e-6)).correct


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sig_figs": None},
        {"sig_figs": 0},
        {"sig_figs": -1},
        {"sig_figs": 16},
        {"sig_figs": 2.5},
        {"sig_figs": True},
        {"rel": -0.1},
        {"rel": 0.0},
        {"rel": math.nan},
        {"rel": math.inf},
        {"rel": "0.1"},
        {"abs": -1.0},
        {"abs": True},
    ],
)
def test_invalid_tolerances_are_refused(kwargs):
    with pytest.raises(ValueError):
        Tolerance(**kwargs)


def test_tolerance_is_frozen_with_three_significant_figures_by_default():
    tolerance = Tolerance()
    assert (tolerance.sig_figs, tolerance.rel, tolerance.abs) == (3, None, None)
    with pytest.raises(AttributeError):
        tolerance.sig_figs = 4


def test_verdict_contents():
    right = check_number(0.6, 0.6)
    assert (right.score, right.correct, right.code, right.misconception) == (1.0, True, "correct", None)
    assert right.message == "Correct: 0.6 matches the key to 3 significant figures."
    assert dict(right.params) == {"answer": 0.6, "sig_figs": 3, "rel": None, "abs": None}

    wrong = check_number(0.7, 0.6)
    assert (wrong.score, wrong.correct, wrong.code) == (0.0, False, "incorrect")
    assert wrong.message == (
        "Not correct: 0.7 differs from the expected value by more than the tolerance (3 significant figures)."
    )
    with pytest.raises(TypeError):
        wrong.params["answer"] = 0.6

    relative = check_number(2.0, 2.001, Tolerance(sig_figs=None, rel=0.01))
    assert relative.message == "Correct: 2.0 matches the key within the tolerance (relative tolerance 0.01)."


@pytest.mark.parametrize(
    ("answer", "key"),
    [(0.7, 0.6), (0.67, TWO_THIRDS), (0.666, TWO_THIRDS), (0.5, 0.123456), (-3.0, -3.14159), (1.0, 1.2345e-5)],
)
def test_a_wrong_verdict_never_reveals_the_key(answer, key):
    verdict = check_number(answer, key)
    assert not verdict.correct
    shown = verdict.message + repr(dict(verdict.params))
    for form in {repr(key), f"{key:.3g}", f"{key:.4g}", f"{key:.6g}"}:
        assert form not in shown


@pytest.mark.parametrize("score", [-0.1, 1.5, math.nan, True])
def test_verdict_score_must_lie_in_the_unit_interval(score):
    with pytest.raises(ValueError, match="score"):
        Verdict(score=score, correct=False, code="incorrect", message="x")


def test_non_finite_numbers_are_refused():
    with pytest.raises(ValueError):
        check_number(math.nan, 0.6)
    with pytest.raises(ValueError):
        check_number(0.6, math.inf)


def test_parsed_answers_feed_the_check():
    # The whole path a typed answer takes: "0,6" and "60%" and "3/5" are all the key 0.6.
    for text in ("0,6", "60%", "3/5", "\u22120.6"):
        value = grader.parse_number(text, allow_percent=True)
        assert check_number(abs(value), 0.6).correct

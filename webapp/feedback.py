"""The grader's codes in the user's language: answer-reading problems and verdicts.

The grader speaks English and stable codes; every sentence a student reads is chosen here, by code.
A test checks that every code the grader can raise has a sentence.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from flask_babel import gettext as _

ANSWER_PROBLEMS: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "empty": lambda p: _("The answer is empty: type a number."),
    "too_long": lambda p: _("The answer is too long (%(length)s characters; at most %(max_length)s are allowed).",
                            length=p.get("length"), max_length=p.get("max_length")),
    # No example numbers in these sentences: an example could coincide with some exercise's answer.
    "not_a_number": lambda p: _("“%(text)s” is not a number. Type a decimal number (with a point or a comma) or a "
                                "fraction written with “/”.", text=p.get("text")),
    "not_finite": lambda p: _("“%(text)s” is not a finite number: NaN and infinity are not accepted.",
                              text=p.get("text")),
    "overflow": lambda p: _("“%(text)s” is too large to be a number the grader can use.", text=p.get("text")),
    "thousands_separator": lambda p: _("“%(text)s” seems to contain a thousands separator. Type the number without "
                                       "one, with “.” or “,” only as the decimal separator, e.g. 1000.5.",
                                       text=p.get("text")),
    "division_by_zero": lambda p: _("“%(text)s” divides by zero.", text=p.get("text")),
    "multiple_slashes": lambda p: _("“%(text)s” has more than one “/”. A fraction is one number, “/” and another "
                                    "number.", text=p.get("text")),
    "percent_not_allowed": lambda p: _("A percentage is not accepted here: type the number itself, as a decimal or "
                                       "a fraction, without “%%”."),
    "hex_not_allowed": lambda p: _("“%(text)s” looks like a hexadecimal number: type a decimal number.",
                                   text=p.get("text")),
    "underscore_not_allowed": lambda p: _("“%(text)s” contains “_”: type the number without underscores.",
                                          text=p.get("text")),
}


def answer_problem_message(code: str, params: Mapping[str, Any]) -> str:
    describe = ANSWER_PROBLEMS.get(code)
    return describe(params) if describe else _("This answer cannot be read: check how it is written.")


def tolerance_phrase(tolerance: Mapping[str, Any]) -> str:
    if tolerance.get("sig_figs"):
        return _("rounded correctly to %(n)s significant figures or more", n=tolerance["sig_figs"])
    if tolerance.get("rel"):
        return _("within %(pct)s%% of the exact value", pct=f"{100 * tolerance['rel']:g}")
    return _("within ±%(abs)s of the exact value", abs=f"{tolerance.get('abs'):g}")


def verdict_message(verdict: Mapping[str, Any], tolerance: Mapping[str, Any]) -> str:
    rule = tolerance_phrase(tolerance)
    if verdict.get("correct"):
        return _("Correct. Any value %(rule)s is accepted.", rule=rule)
    return _("Not correct yet: the expected value is accepted %(rule)s. Check your steps: write the log-likelihood "
             "of the data, set its derivative to zero and solve for the parameter.", rule=rule)

"""The grader's codes in the user's language: answer-reading problems and verdicts.

The grader speaks English and stable codes; every sentence a student reads is chosen here, by code.
A test checks that every code the grader can raise has a sentence.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from flask_babel import gettext as _

import grader

from .rendering import current_locale

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
    # Formulas: positions count characters of the answer as typed, from 1.
    "formula_empty": lambda p: _("The answer is empty: type a formula."),
    "formula_too_deep": lambda p: _("The formula is nested too deeply: at most %(max_depth)s levels of parentheses, "
                                    "signs and powers are allowed.", max_depth=p.get("max_depth")),
    "unexpected_character": lambda p: _("“%(char)s” (position %(position)s) cannot be used in a formula.",
                                        char=p.get("char"), position=p.get("position")),
    "decimal_comma": lambda p: _("A comma (position %(position)s) cannot be used in a formula: write decimals with "
                                 "a point.", position=p.get("position")),
    "unknown_name": lambda p: _("“%(name)s” (position %(position)s) is not a variable, function or constant of this "
                                "formula. Allowed: %(allowed)s.", name=p.get("name"), position=p.get("position"),
                                allowed=p.get("allowed")),
    "name_case": lambda p: _("“%(name)s” (position %(position)s) is not defined: capital and small letters differ in "
                             "variable names. Did you mean “%(suggestion)s”?", name=p.get("name"),
                             position=p.get("position"), suggestion=p.get("suggestion")),
    "missing_operand": lambda p: _("A number, a variable, a function or “(” is missing at position %(position)s.",
                                   position=p.get("position")),
    "missing_operator": lambda p: _("An operator is missing before “%(token)s” (position %(position)s): write “*” "
                                    "for a product.", token=p.get("token"), position=p.get("position")),
    "unclosed_parenthesis": lambda p: _("The “(” at position %(position)s is never closed.",
                                        position=p.get("position")),
    "unmatched_parenthesis": lambda p: _("The “)” at position %(position)s has no matching “(”.",
                                         position=p.get("position")),
    "function_needs_parentheses": lambda p: _("The function “%(name)s” (position %(position)s) needs its argument in "
                                              "parentheses: %(name)s(…).", name=p.get("name"),
                                              position=p.get("position")),
    "ambiguous_division": lambda p: _("The product without “*” after the “/” at position %(position)s can be read "
                                      "two ways: write a/(b*c) or (a/b)*c.", position=p.get("position")),
    "ambiguous_exponent": lambda p: _("The exponent after the “^” at position %(position)s is followed by a product "
                                      "without “*”, which can be read two ways: write x^(a*b) or x^a*b.",
                                      position=p.get("position")),
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
    misconception = grader.MISCONCEPTIONS.get(verdict.get("misconception") or "")
    if misconception is not None:
        # The grader words each misconception in both languages; the sentence names the mistake, never the key.
        explanation = misconception.ru if current_locale() == "ru" else misconception.en
        return _("Not correct. %(explanation)s", explanation=explanation)
    return _("Not correct yet: the expected value is accepted %(rule)s. Check your steps: write the log-likelihood "
             "of the data, set its derivative to zero and solve for the parameter.", rule=rule)

"""The grader's codes in the user's language: answer-reading problems and verdicts.

The grader speaks English and stable codes; every sentence a student reads is chosen here, by code.
A test checks that every code the grader can raise has a sentence.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from flask_babel import gettext as _
from flask_babel import ngettext

import grader
from exercises.answers import PENDING_REVIEW
from exercises.keys import describe_key
from exercises.schema import ChoicePart, FormulaPart, Part, TextPart, VectorPart

from .rendering import current_locale
from .services.review import REVIEWED

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
    # Lists of numbers: a component's own problem comes as inner_code with its params inner.
    "vector_length": lambda p: _("Expected %(expected)s numbers separated by “;” (or each on its own line), but "
                                 "found %(count)s.", expected=p.get("expected"), count=p.get("count")),
    "vector_component": lambda p: _("Number %(index)s: %(problem)s", index=p.get("index"),
                                    problem=answer_problem_message(p.get("inner_code") or "", p.get("inner") or {})),
    # Choices and written answers.
    "choice_required": lambda p: _("No option is chosen: choose your answer."),
    "choice_unknown": lambda p: _("“%(text)s” is not one of the options offered: choose among them.",
                                  text=p.get("text")),
    "text_empty": lambda p: _("The answer is empty: write your answer."),
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


# Problems the answer form causes rather than the grader finds (``services.submit``): a choice's posted positions.
FORM_PROBLEMS: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "choice_position": lambda p: _("The choice sent is not one of the options shown (the page may be out of date): "
                                   "choose again among the options."),
    "choice_one_only": lambda p: _("Only one option can be chosen here: choose one."),
}


def answer_problem_message(code: str, params: Mapping[str, Any], kind: str | None = None) -> str:
    """Why an answer cannot be read, in the user's language; ``kind`` (the part's) words an empty list apart."""
    if code == "empty" and kind == "vector":
        return _("The answer is empty: type the numbers, separated by “;”.")
    describe = ANSWER_PROBLEMS.get(code) or FORM_PROBLEMS.get(code)
    return describe(params) if describe else _("This answer cannot be read: check how it is written.")


def tolerance_phrase(tolerance: Mapping[str, Any]) -> str:
    if tolerance.get("sig_figs"):
        return _("rounded correctly to %(n)s significant figures or more", n=tolerance["sig_figs"])
    if tolerance.get("rel"):
        return _("within %(pct)s%% of the exact value", pct=f"{100 * tolerance['rel']:g}")
    return _("within ±%(abs)s of the exact value", abs=f"{tolerance.get('abs'):g}")


# How a graded part is shown: the badge's word and colour.
CORRECT, PARTLY, PENDING, INCORRECT = "correct", "partly", "pending", "incorrect"


def verdict_status(verdict: Mapping[str, Any]) -> str:
    if verdict.get("correct"):
        return CORRECT
    if verdict.get("code") == PENDING_REVIEW:
        return PENDING
    return PARTLY if (verdict.get("score") or 0) > 0 else INCORRECT


# The badge style of each status, for every page that shows verdicts.
STATUS_BADGES = {CORRECT: "badge-ok", PARTLY: "badge-warn", PENDING: "badge-info", INCORRECT: "badge-bad"}
# Translated when asked for (a history page asks once per part and attempt): only the word needed.
_STATUS_WORDS = {CORRECT: lambda: _("correct"), PARTLY: lambda: _("partly correct"),
                 PENDING: lambda: _("awaiting the teacher"), INCORRECT: lambda: _("incorrect")}


def status_word(status: str) -> str:
    return _STATUS_WORDS[status]()


def verdict_message(verdict: Mapping[str, Any], part: Part) -> str:
    """The sentence under a graded part: what the verdict means, never the key."""
    if isinstance(part, FormulaPart):
        return _formula_message(verdict)
    if isinstance(part, ChoicePart):
        return _choice_message(verdict, part)
    if isinstance(part, TextPart):
        if verdict.get("code") == REVIEWED:
            return _reviewed_message(verdict)
        return _("Your answer is saved. Your teacher will read it and grade it; until then it counts as 0.")
    tolerance = part.tolerance.model_dump()
    if isinstance(part, VectorPart):
        return _vector_message(verdict, tolerance)
    return _number_message(verdict, tolerance, estimate="mle." in (describe_key(part) or ""))


def _reviewed_message(verdict: Mapping[str, Any]) -> str:
    """A written answer the teacher graded: the share of the part's points, and the teacher's comment if any."""
    graded = _("Graded by your teacher: %(pct)s%% of the points for this part.",
               pct=f"{round(100 * float(verdict.get('score') or 0), 2):g}")
    comment = (verdict.get("message") or "").strip()
    if not comment:
        return graded
    return " ".join((graded, _("Comment: %(comment)s", comment=comment)))


def _number_message(verdict: Mapping[str, Any], tolerance: Mapping[str, Any], *, estimate: bool) -> str:
    rule = tolerance_phrase(tolerance)
    if verdict.get("correct"):
        return _("Correct. Any value %(rule)s is accepted.", rule=rule)
    explained = _misconception(verdict)
    if explained is not None:
        return explained
    if not estimate:
        return _("Not correct yet: the expected value is accepted %(rule)s.", rule=rule)
    return _("Not correct yet: the expected value is accepted %(rule)s. Check your steps: write the log-likelihood "
             "of the data, set its derivative to zero and solve for the parameter.", rule=rule)


def _misconception(verdict: Mapping[str, Any]) -> str | None:
    misconception = grader.MISCONCEPTIONS.get(verdict.get("misconception") or "")
    if misconception is None:
        return None
    # The grader words each misconception in both languages; the sentence names the mistake, never the key.
    explanation = misconception.ru if current_locale() == "ru" else misconception.en
    return _("Not correct. %(explanation)s", explanation=explanation)


def _vector_message(verdict: Mapping[str, Any], tolerance: Mapping[str, Any]) -> str:
    rule = tolerance_phrase(tolerance)
    if verdict.get("correct"):
        return _("Correct: every number matches. Any value %(rule)s is accepted.", rule=rule)
    components = list(verdict.get("params", {}).get("components_correct") or [])
    right = sum(1 for ok in components if ok)
    wrong = ", ".join(str(i) for i, ok in enumerate(components, start=1) if not ok)
    counted = ngettext("%(num)s of %(total)s numbers is correct.", "%(num)s of %(total)s numbers are correct.",
                       right, total=len(components))
    explained = _misconception(verdict)
    if explained is not None:
        return f"{counted} {explained}"
    return " ".join((counted, _("Not correct yet: the numbers at positions %(positions)s. Any value %(rule)s is "
                                "accepted.", positions=wrong, rule=rule)))


def _formula_message(verdict: Mapping[str, Any]) -> str:
    code = verdict.get("code")
    params = verdict.get("params", {})
    if verdict.get("correct"):
        if params.get("up_to_constant"):
            return _("Correct: your formula agrees with the expected function, up to an added constant, at all "
                     "%(points)s points checked.", points=params.get("points"))
        return _("Correct: your formula agrees with the expected function at all %(points)s points checked.",
                 points=params.get("points"))
    if code == "formula_undefined":
        return _("Not correct: your formula cannot be computed (it is undefined or too large) at %(point)s, where "
                 "the expected function has a value. Check the logarithms and divisions.",
                 point=_point(params.get("point")))
    if code == "differs_by_constant":
        return _("Not correct yet: your formula differs from the expected function by the same constant everywhere. "
                 "A term that does not depend on the parameters is missing or too much.")
    if "value" in params:
        return _("Not correct: your formula is a different function. At %(point)s, for instance, it gives "
                 "%(value)s, which is not the expected value.", point=_point(params.get("point")),
                 value=_decimal(params["value"]))
    return _("Not correct: your formula is not the expected function.")


def _choice_message(verdict: Mapping[str, Any], part: ChoicePart) -> str:
    params = verdict.get("params", {})
    if verdict.get("correct"):
        return _("Correct.")
    if verdict.get("code") == "choice_partly":
        return _("Partly correct: you chose %(right)s of the %(expected)s correct options, and %(wrong)s wrong "
                 "ones.", right=params.get("right"), expected=params.get("expected"), wrong=params.get("wrong"))
    if part.multiple:
        return _("Not correct: these options are not the right set. Reread the statements one by one.")
    return _("Not correct: this is not the right option.")


def _decimal(value: float) -> str:
    text = f"{float(value):.4g}"
    return text.replace(".", ",") if current_locale() == "ru" else text


def _point(point: Mapping[str, float] | None) -> str:
    return ", ".join(f"{name} = {_decimal(value)}" for name, value in (point or {}).items())

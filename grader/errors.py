"""The grader's exceptions: every one is a ValueError, so callers can catch them as bad input."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Self

from .messages import CodedError, Message


class GraderError(CodedError):
    """A grader error with a stable ``code`` and its ``params``: ``message`` is the English text (a Message, also
    ``str(error)``), and the web app words the same code in the reader's language (grader.error_texts)."""

    @classmethod
    def from_message(cls, message: Message, /, **extra: Any) -> Self:
        """The error whose text is ``message``, e.g. a family's diagnosis of data without an MLE; ``extra`` are
        the class's own arguments (a KeyVerificationError's verification)."""
        if not isinstance(message, Message):
            raise TypeError(f"a grader error is built from a Message, not {type(message).__name__}")
        return cls(message.code, **extra, **message.params)


class DataError(GraderError):
    """The data given for a family are unusable (wrong names, shape, values), or the family id is unknown."""


class ParameterError(GraderError):
    """A parameter vector passed to a family has the wrong shape or lies outside the parameter domain."""


class KeyVerificationError(GraderError):
    """No trustworthy key exists for these data: the MLE is not interior, or the fit failed verification.

    ``verification`` holds the failed report when the fit got as far as being verified, else None.
    """

    def __init__(self, code: str, /, verification: Any = None, **params: Any):
        super().__init__(code, **params)
        self.verification = verification

    def _arguments(self) -> dict[str, Any]:
        return {"verification": self.verification, **self.params}


class KeySpecError(GraderError):
    """A key spec such as ``mle.p`` does not name a value of the fit."""


# English templates keyed by a stable code; the web app translates by code and fills in the same params.
_ANSWER_MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "empty": "The answer is empty: type a number.",
        "too_long": "The answer is too long ({length} characters; at most {max_length} are allowed).",
        "not_a_number": "'{text}' is not a number: type a decimal (with a point or a comma) or a fraction with '/'.",
        "not_finite": "'{text}' is not a finite number: NaN and infinity are not accepted.",
        "overflow": "'{text}' is too large to be represented as a number.",
        "thousands_separator": (
            "'{text}' seems to contain a thousands separator: type the number without one, "
            "with '.' or ',' only as the decimal separator, e.g. 1000.5."
        ),
        "division_by_zero": "'{text}' divides by zero.",
        "multiple_slashes": "'{text}' has more than one '/': a fraction is one number, '/', and another number.",
        "percent_not_allowed": "A percentage is not accepted here: type the number itself, without '%'.",
        "hex_not_allowed": "'{text}' looks like a hexadecimal number: type a decimal number.",
        "underscore_not_allowed": "'{text}' contains '_': type the number without underscores.",
        # Lists of numbers (parse_vector); a component's own problem is the code inner_code with its params.
        "vector_length": (
            "Expected {expected} numbers separated by ';' (or on separate lines); found {count}."
        ),
        "vector_component": "Number {index} of the list: {detail}",
        # Choices and written answers (exercises' part kinds).
        "choice_required": "No option is chosen: choose an answer.",
        "choice_unknown": "'{text}' is not one of the options.",
        "text_empty": "The answer is empty: write your answer.",
        # Formulas (grader.formulas); positions are 1-based characters of the text as typed.
        "formula_empty": "The answer is empty: type a formula.",
        "formula_too_deep": (
            "The formula is nested too deeply: at most {max_depth} levels of parentheses, signs and powers."
        ),
        "unexpected_character": "'{char}' (position {position}) cannot be used in a formula.",
        "decimal_comma": "A comma (position {position}) cannot be used in a formula: write decimals with a point.",
        "unknown_name": (
            "'{name}' (position {position}) is not a variable, function or constant of this formula. "
            "Allowed: {allowed}."
        ),
        "name_case": (
            "'{name}' (position {position}) is not defined: variable names are case-sensitive. "
            "Did you mean '{suggestion}'?"
        ),
        "missing_operand": "A number, variable, function or '(' is missing at position {position}.",
        "missing_operator": "An operator is missing before '{token}' (position {position}): write '*' for a product.",
        "unclosed_parenthesis": "The '(' at position {position} is never closed.",
        "unmatched_parenthesis": "The ')' at position {position} has no matching '('.",
        "function_needs_parentheses": (
            "The function '{name}' (position {position}) needs its argument in parentheses: {name}(...)."
        ),
        "ambiguous_division": (
            "The product without '*' after the '/' at position {position} is ambiguous: "
            "write a/(b*c) or (a/b)*c."
        ),
        "ambiguous_exponent": (
            "The exponent after the '^' at position {position} is followed by a product without '*', which is "
            "ambiguous: write x^(a*b) or x^a*b."
        ),
    }
)

ANSWER_ERROR_CODES: tuple[str, ...] = tuple(_ANSWER_MESSAGES)


class AnswerError(ValueError):
    """A student's answer cannot be read. ``code`` is stable and machine-readable, ``params`` fill the message."""

    def __init__(self, code: str, **params: Any):
        if code not in _ANSWER_MESSAGES:
            raise ValueError(f"unknown answer error code {code!r}; known codes: {', '.join(ANSWER_ERROR_CODES)}")
        self.code = code
        self.params: Mapping[str, Any] = MappingProxyType(dict(params))
        super().__init__(_ANSWER_MESSAGES[code].format(**params))

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception pickling replays ``args`` (the message) into __init__, which expects a code.
        return (_rebuild_answer_error, (self.code, dict(self.params)))


def _rebuild_answer_error(code: str, params: dict[str, Any]) -> AnswerError:
    return AnswerError(code, **params)

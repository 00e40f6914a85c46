"""Reading a number as a student types it: "0.6", "0,6", ".6", "6e-1", "3/5", "−0.6", "60%" (when asked).

The text must match a strict grammar before Python's float() sees it, because float() also accepts "nan",
"inf", "1_000" and non-ASCII digits. Text that does not match is diagnosed, so the student learns what to fix.
"""

from __future__ import annotations

import math
import re

from .errors import AnswerError

MAX_LENGTH = 100

# ASCII digits only ([0-9], not \d): \d also matches other scripts' digits, which float() would accept.
_DECIMAL = r"(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER = re.compile(rf"[+-]?{_DECIMAL}")
_UNSIGNED = re.compile(_DECIMAL)

_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity|∞)", re.IGNORECASE)
_HEX = re.compile(r"[+-]?0x.*", re.IGNORECASE)
_UNDERSCORE_DIGITS = re.compile(r"[+-]?[0-9][0-9_]*(?:[.,][0-9_]*)?(?:e[+-]?[0-9_]+)?", re.IGNORECASE)
# "1 000", "1 000,5", "1.000.000": digit groups of three after a separator; space-like separators included.
_SPACE_GROUPS = re.compile(r"[+-]?[0-9]{1,3}(?:[ \u00a0\u202f\u2009'][0-9]{3})+(?:[.,][0-9]*)?")
_DOT_GROUPS = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{3}){2,}(?:,[0-9]*)?")
_COMMA_GROUPS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3}){2,}(?:\.[0-9]*)?")


def parse_number(text: str, *, allow_percent: bool = False) -> float:
    """The finite float ``text`` denotes, or AnswerError with a stable ``code`` saying why it cannot be read."""
    if not isinstance(text, str):
        raise TypeError(f"parse_number expects a str; got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise AnswerError("too_long", length=len(text), max_length=MAX_LENGTH)
    stripped = text.strip()  # str.strip() removes every Unicode space, the non-breaking ones included
    if not stripped:
        raise AnswerError("empty")
    body = stripped.replace("\u2212", "-")  # U+2212 MINUS SIGN, as typeset and as copied from PDFs

    percent = body.endswith("%")
    if percent:
        if not allow_percent:
            raise AnswerError("percent_not_allowed", text=stripped)
        body = body[:-1].rstrip()

    slashes = body.count("/")
    if slashes > 1:
        raise AnswerError("multiple_slashes", text=stripped)
    if slashes == 1:
        if percent:  # "3/5%" is no way anyone writes a probability
            raise AnswerError("not_a_number", text=stripped)
        numerator_text, denominator_text = (part.strip() for part in body.split("/"))
        numerator = _decimal(numerator_text, stripped, signed=True)
        denominator = _decimal(denominator_text, stripped, signed=False)
        if denominator == 0:
            raise AnswerError("division_by_zero", text=stripped)
        value = numerator / denominator  # both finite, so only overflow can go wrong
        if math.isinf(value):
            raise AnswerError("overflow", text=stripped)
        return value

    value = _decimal(body, stripped, signed=True)
    return value / 100 if percent else value


VECTOR_MAX_LENGTH = 1000
_VECTOR_SEPARATORS = re.compile(r"[;\n]")


def parse_vector(text: str, length: int, *, allow_percent: bool = False) -> list[float]:
    """``length`` numbers separated by ';' or line breaks, each read by parse_number ("2,04; 2,98" is two numbers
    with decimal commas). A component that cannot be read raises AnswerError "vector_component" naming its position
    (1-based) and carrying its own code and params as ``inner_code`` and ``inner``."""
    if not isinstance(text, str):
        raise TypeError(f"parse_vector expects a str; got {type(text).__name__}")
    if len(text) > VECTOR_MAX_LENGTH:
        raise AnswerError("too_long", length=len(text), max_length=VECTOR_MAX_LENGTH)
    if not text.strip():
        raise AnswerError("empty")
    pieces = _VECTOR_SEPARATORS.split(text.strip().rstrip(";"))
    if len(pieces) != length:
        raise AnswerError("vector_length", expected=length, count=len(pieces))
    values = []
    for index, piece in enumerate(pieces, start=1):
        try:
            values.append(parse_number(piece, allow_percent=allow_percent))
        except AnswerError as error:
            raise AnswerError("vector_component", index=index, detail=str(error), inner_code=error.code,
                              inner=dict(error.params)) from error
    return values


def _decimal(body: str, shown: str, *, signed: bool) -> float:
    """A plain decimal number; ``shown`` is the student's text, quoted in messages."""
    if (_NUMBER if signed else _UNSIGNED).fullmatch(body):
        value = float(body.replace(",", "."))
        if math.isinf(value):
            raise AnswerError("overflow", text=shown)
        return value
    raise AnswerError(_diagnose(body), text=shown)


def _diagnose(body: str) -> str:
    if _NOT_FINITE.fullmatch(body):
        return "not_finite"
    if _HEX.fullmatch(body):
        return "hex_not_allowed"
    if "_" in body and _UNDERSCORE_DIGITS.fullmatch(body):
        return "underscore_not_allowed"
    unsigned = body.lstrip("+-")
    if re.fullmatch(r"[0-9]+(?:,[0-9]*\.|\.[0-9]*,)[0-9.,]*", unsigned):
        return "thousands_separator"  # both ',' and '.' between digits: "1,000.5", "1.000,5"
    if _SPACE_GROUPS.fullmatch(body) or _DOT_GROUPS.fullmatch(body) or _COMMA_GROUPS.fullmatch(body):
        return "thousands_separator"
    return "not_a_number"

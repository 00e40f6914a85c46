"""Cutting formula text into tokens, and the structural limits checked before any parsing.

Only an explicit set of characters is accepted; anything else is an AnswerError naming the character and its
position. Parentheses are matched here, so the parser never recurses deeper than MAX_DEPTH on any input.
Positions in tokens and messages are 1-based character positions in the text as the student typed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import AnswerError

MAX_LENGTH = 500
MAX_DEPTH = 50

# The decimal grammar of parse_number without the comma: in a formula a comma could only be misread.
# ASCII digits only ([0-9], not \d), as float() would also accept other scripts' digits.
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_ASCII_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_GREEK_NAME = re.compile(r"[α-ωµϕ][0-9₀-₉]*")  # one letter per name, so "2πσ" reads as 2·π·σ

_OPERATORS = {
    "+": "+", "-": "-", "\u2212": "-",  # U+2212 MINUS SIGN, as typeset and as copied from PDFs
    "*": "*", "·": "*", "×": "*", "∙": "*",
    "/": "/", "^": "^", "(": "(", ")": ")",
}
_SUPERSCRIPTS = {"²": 2.0, "³": 3.0}


@dataclass(frozen=True)
class Token:
    """kind: "number", "name", "sup" (a superscript power), an operator "+ - * / ^", "(", ")", or "end"."""

    kind: str
    text: str
    position: int
    value: float = 0.0


def check_length(text: str) -> None:
    """AnswerError when the text is too long or blank: checked before any other work, in time O(1) for the first."""
    if len(text) > MAX_LENGTH:
        raise AnswerError("too_long", length=len(text), max_length=MAX_LENGTH)
    if not text.strip():  # str.strip() removes every Unicode space, the non-breaking ones included
        raise AnswerError("formula_empty")


def tokenize(text: str) -> tuple[list[Token], dict[int, int]]:
    """The tokens of ``text`` ending with an "end" token, and for each ")" the index of its "(" token."""
    tokens: list[Token] = []
    opened: list[int] = []
    partner: dict[int, int] = {}
    i = 0
    while i < len(text):
        char = text[i]
        position = i + 1
        if char.isspace():
            i += 1
            continue
        if char == "*" and text.startswith("**", i):
            tokens.append(Token("^", "**", position))
            i += 2
            continue
        if char in _OPERATORS:
            kind = _OPERATORS[char]
            if kind == "(":
                opened.append(len(tokens))
                if len(opened) > MAX_DEPTH:
                    raise AnswerError("formula_too_deep", max_depth=MAX_DEPTH)
            elif kind == ")":
                if not opened:
                    raise AnswerError("unmatched_parenthesis", position=position)
                partner[len(tokens)] = opened.pop()
            tokens.append(Token(kind, char, position))
            i += 1
            continue
        if char in _SUPERSCRIPTS:
            tokens.append(Token("sup", char, position, _SUPERSCRIPTS[char]))
            i += 1
            continue
        match = _NUMBER.match(text, i) or _ASCII_NAME.match(text, i) or _GREEK_NAME.match(text, i)
        if match is None:
            if char == ",":
                raise AnswerError("decimal_comma", position=position)
            raise AnswerError("unexpected_character", char=char, position=position)
        word = match.group()
        if match.re is _NUMBER:
            value = float(word)  # the regex admits only plain decimals, so float() can only overflow
            if value == float("inf"):
                raise AnswerError("overflow", text=word)
            tokens.append(Token("number", word, position, value))
        else:
            tokens.append(Token("name", word.translate(_SUBSCRIPT_DIGITS), position))
        i = match.end()
    if opened:
        raise AnswerError("unclosed_parenthesis", position=tokens[opened[-1]].position)
    tokens.append(Token("end", "", len(text) + 1))
    return tokens, partner

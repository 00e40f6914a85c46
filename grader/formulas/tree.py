"""The expression tree of a parsed formula: evaluation in float64 with numpy, and a canonical reading of it.

Sums and products are n-ary nodes, so the tree is no deeper than the nesting the parser allows, however many terms
a formula has: evaluation and description recurse only that deep. Numbers are numpy float64 throughout, so a
huge power is inf rather than Python's OverflowError, and an impossible value (log of a negative) is nan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable, ClassVar, Union

import numpy as np

# Canonical function names as shown by describe(). log10 is a different function on purpose: reading it as ln
# would hide the log10-for-ln mistake that the checker should be able to name.
FUNCTIONS: Mapping[str, Callable[[np.ndarray], np.ndarray]] = {
    "ln": np.log,
    "log10": np.log10,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "abs": np.abs,
}
CONSTANTS: Mapping[str, float] = {"pi": np.pi, "e": np.e}
_CONSTANT_SYMBOLS = {"pi": "π", "e": "e"}

_SUM, _PRODUCT, _NEGATE, _POWER, _ATOM = 1, 2, 3, 4, 5
_MINUS = "\u2212"


@dataclass(frozen=True)
class Number:
    value: float
    text: str  # as typed, so the reading shows the student's own digits
    precedence: ClassVar[int] = _ATOM

    def evaluate(self, env: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.float64(self.value)

    def describe(self) -> str:
        return self.text


@dataclass(frozen=True)
class Variable:
    name: str
    precedence: ClassVar[int] = _ATOM

    def evaluate(self, env: Mapping[str, np.ndarray]) -> np.ndarray:
        return env[self.name]

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class Constant:
    name: str
    precedence: ClassVar[int] = _ATOM

    def evaluate(self, env: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.float64(CONSTANTS[self.name])

    def describe(self) -> str:
        return _CONSTANT_SYMBOLS[self.name]


@dataclass(frozen=True)
class Call:
    function: str
    argument: Node
    precedence: ClassVar[int] = _ATOM

    def evaluate(self, env: Mapping[str, np.ndarray]) -> np.ndarray:
        return FUNCTIONS[self.function](self.argument.evaluate(env))

    def describe(self) -> str:
        return f"{self.function}({self.argument.describe()})"


@dataclass(frozen=True)
class Negate:
    operand: Node
    precedence: ClassVar[int] = _NEGATE

    def evaluate(self, env: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.negative(self.operand.evaluate(env))

    def describe(self) -> str:
        # -p^2 shows as −(p^2): the reading makes plain that the sign applies after the power.
        return _MINUS + _wrap(self.operand, self.operand.precedence < _ATOM)


@dataclass(frozen=True)
class Power:
    base: Node
    exponent: Node
    precedence: ClassVar[int] = _POWER

    def evaluate(self, env: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.power(self.base.evaluate(env), self.exponent.evaluate(env))

    def describe(self) -> str:
        base = _wrap(self.base, self.base.precedence <= _POWER)
        return f"{base}^{_wrap(self.exponent, self.exponent.precedence < _ATOM)}"


@dataclass(frozen=True)
class Product:
    """factors: ("*" or "/", node) pairs, applied left to right; the first operator is always "*"."""

    factors: tuple[tuple[str, Node], ...]
    precedence: ClassVar[int] = _PRODUCT

    def evaluate(self, env: Mapping[str, np.ndarray]) -> np.ndarray:
        total = self.factors[0][1].evaluate(env)
        for operator, factor in self.factors[1:]:
            value = factor.evaluate(env)
            total = np.multiply(total, value) if operator == "*" else np.divide(total, value)
        return total

    def describe(self) -> str:
        first = self.factors[0][1]
        text = _wrap(first, first.precedence <= _PRODUCT)
        previous = "*"
        for operator, factor in self.factors[1:]:
            if operator == "*":
                if previous == "/":
                    text = f"({text})"  # a/b·c shows as (a/b)·c: c is a factor of the numerator
                text += "·" + _wrap(factor, factor.precedence <= _NEGATE)
            else:
                text += "/" + _wrap(factor, factor.precedence <= _NEGATE)
            previous = operator
        return text


@dataclass(frozen=True)
class Sum:
    """terms: ("+" or "-", node) pairs; the first sign is always "+" (a leading minus is a Negate node)."""

    terms: tuple[tuple[str, Node], ...]
    precedence: ClassVar[int] = _SUM

    def evaluate(self, env: Mapping[str, np.ndarray]) -> np.ndarray:
        total = self.terms[0][1].evaluate(env)
        for sign, term in self.terms[1:]:
            value = term.evaluate(env)
            total = np.add(total, value) if sign == "+" else np.subtract(total, value)
        return total

    def describe(self) -> str:
        first = self.terms[0][1]
        text = _wrap(first, first.precedence <= _SUM)
        for sign, term in self.terms[1:]:
            shown = _wrap(term, term.precedence <= _SUM or term.precedence == _NEGATE)
            text += f" {'+' if sign == '+' else _MINUS} {shown}"
        return text


Node = Union[Number, Variable, Constant, Call, Negate, Power, Product, Sum]


def _wrap(node: Node, parenthesise: bool) -> str:
    text = node.describe()
    return f"({text})" if parenthesise else text


def depth(node: Node) -> int:
    """The number of nodes on the longest path from ``node`` down to a leaf."""
    if isinstance(node, (Number, Variable, Constant)):
        return 1
    if isinstance(node, (Call, Negate)):
        return 1 + depth(node.argument if isinstance(node, Call) else node.operand)
    if isinstance(node, Power):
        return 1 + max(depth(node.base), depth(node.exponent))
    children = node.factors if isinstance(node, Product) else node.terms
    return 1 + max(depth(child) for _, child in children)


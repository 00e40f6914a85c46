"""parse_formula and the Formula it returns: a frozen, picklable function of named variables on numpy arrays."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .lexer import check_length, tokenize
from .parser import CONSTANT_SPELLINGS, FUNCTION_SPELLINGS, Parser
from .tree import Node

_VARIABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Formula:
    """A parsed formula. Call it with one array per variable, by name or in the order of ``variables``;
    the result is float64, broadcast over the arguments, nan where undefined and ±inf where it overflows."""

    text: str
    variables: tuple[str, ...]
    tree: Node = field(repr=False)

    def __call__(self, *args: object, **kwargs: object) -> np.ndarray:
        if len(args) > len(self.variables):
            raise TypeError(f"the formula takes {len(self.variables)} variable(s); got {len(args)} positional")
        values = dict(zip(self.variables[: len(args)], args, strict=True))
        for name, value in kwargs.items():
            if name not in self.variables:
                raise TypeError(f"{name!r} is not a variable of this formula; its variables: {self.variables}")
            if name in values:
                raise TypeError(f"{name!r} given twice")
            values[name] = value
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise TypeError(f"missing value(s) for {', '.join(missing)}")
        env = {name: np.asarray(value, dtype=np.float64) for name, value in values.items()}
        shape = np.broadcast_shapes(*(array.shape for array in env.values()))
        # Overflow to inf, 0/0 and log of a negative are answers here (nan or inf), not warnings.
        with np.errstate(all="ignore"):
            result = np.broadcast_to(np.asarray(self.tree.evaluate(env), dtype=np.float64), shape).copy()
        return result[()] if result.ndim == 0 else result

    def describe(self) -> str:
        """How the formula was read, for a preview: "9·ln(p) + 6·ln(1 − p)", "−(p^2)", "(a/b)·c", "2^(3^2)"."""
        return self.tree.describe()


def parse_formula(text: str, variables: Sequence[str]) -> Formula:
    """The Formula that ``text`` denotes in ``variables``, or AnswerError with a stable code saying why not.

    Never evaluates the text as code: a whitelist grammar builds the tree (see grader.formulas.parser).
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_formula expects a str; got {type(text).__name__}")
    names = _check_variables(variables)
    check_length(text)
    tokens, partner = tokenize(text)
    return Formula(text=text, variables=names, tree=Parser(tokens, partner, names).parse())


def _check_variables(variables: Sequence[str]) -> tuple[str, ...]:
    """The declared names: an error here is the exercise author's, so a ValueError rather than an AnswerError."""
    if isinstance(variables, str):
        raise TypeError("variables must be a sequence of names, not a single str")
    names = tuple(variables)
    for name in names:
        if not isinstance(name, str) or not _VARIABLE_NAME.fullmatch(name):
            raise ValueError(f"a variable name must be ASCII letters, digits and '_', starting with a letter: {name!r}")
        if name.casefold() in FUNCTION_SPELLINGS or name.casefold() in CONSTANT_SPELLINGS:
            raise ValueError(f"the variable name {name!r} is taken by a function or constant")
    if len(set(names)) != len(names):
        raise ValueError(f"variable names repeat: {names}")
    return names

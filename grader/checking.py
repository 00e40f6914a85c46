"""Checking a parsed numeric answer against its key under an explicit tolerance, producing a Verdict."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

# Room for the binary representation of decimal answers: 0.6005 - 0.6 is not exactly 0.0005 in floating point.
_FLOAT_SLACK = 1e-12
_MAX_SIG_FIGS = 15  # a double holds 15 to 17 significant decimal digits


@dataclass(frozen=True)
class Tolerance:
    """How far an answer may be from the key. The allowed distance is the largest one among the rules set.

    sig_figs: the key correctly rounded to this many significant figures or more, i.e. half a unit in the
    sig_figs-th significant figure of the key; rel: rel * |key|; abs: a fixed distance.
    """

    sig_figs: int | None = 3
    rel: float | None = None
    abs: float | None = None

    def __post_init__(self) -> None:
        if self.sig_figs is None and self.rel is None and self.abs is None:
            raise ValueError("a tolerance needs at least one of sig_figs, rel, abs")
        if self.sig_figs is not None:
            if not isinstance(self.sig_figs, int) or isinstance(self.sig_figs, bool):
                raise ValueError(f"sig_figs must be an int; got {self.sig_figs!r}")
            if not 1 <= self.sig_figs <= _MAX_SIG_FIGS:
                raise ValueError(f"sig_figs must be between 1 and {_MAX_SIG_FIGS}; got {self.sig_figs}")
        for name in ("rel", "abs"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number; got {value!r}")
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be positive and finite; got {value!r}")

    def width(self, key: float) -> float:
        """The largest allowed |answer - key| for this key."""
        widths = [0.0]
        if self.sig_figs is not None and key != 0:
            exponent = Decimal(key).adjusted()  # exact floor(log10|key|), immune to log10 rounding
            widths.append(0.5 * 10.0 ** (exponent - self.sig_figs + 1))
        if self.rel is not None:
            widths.append(self.rel * abs(key))
        if self.abs is not None:
            widths.append(self.abs)
        return max(widths) + _FLOAT_SLACK * abs(key)

    def describe(self) -> str:
        rules = []
        if self.sig_figs is not None:
            rules.append(f"{self.sig_figs} significant figure{'s' if self.sig_figs != 1 else ''}")
        if self.rel is not None:
            rules.append(f"relative tolerance {self.rel:g}")
        if self.abs is not None:
            rules.append(f"absolute tolerance {self.abs:g}")
        return " or ".join(rules)


@dataclass(frozen=True)
class Verdict:
    """The grade of one answer. ``message`` is English and never contains the key; ``code`` and ``params``
    let the web app build the message in another language."""

    score: float
    correct: bool
    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    misconception: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.score, bool) or not isinstance(self.score, (int, float)) or not 0 <= self.score <= 1:
            raise ValueError(f"score must be a number in [0, 1]; got {self.score!r}")
        if not isinstance(self.params, MappingProxyType):
            object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


def check_number(answer: float, key: float, tolerance: Tolerance = Tolerance()) -> Verdict:
    """Grade ``answer`` against ``key``: correct when |answer - key| <= tolerance.width(key)."""
    answer, key = float(answer), float(key)
    if not math.isfinite(answer):
        raise ValueError(f"the answer must be finite; got {answer!r}")
    if not math.isfinite(key):
        raise ValueError("the key must be finite")
    correct = abs(answer - key) <= tolerance.width(key)
    params = {"answer": answer, "sig_figs": tolerance.sig_figs, "rel": tolerance.rel, "abs": tolerance.abs}
    rules = tolerance.describe()
    if correct:
        if tolerance.rel is None and tolerance.abs is None:
            message = f"Correct: {answer!r} matches the key to {rules}."
        else:
            message = f"Correct: {answer!r} matches the key within the tolerance ({rules})."
        return Verdict(score=1.0, correct=True, code="correct", message=message, params=params)
    message = f"Not correct: {answer!r} differs from the expected value by more than the tolerance ({rules})."
    return Verdict(score=0.0, correct=False, code="incorrect", message=message, params=params)

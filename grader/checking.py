"""Checking a parsed numeric answer against its key under an explicit tolerance, producing a Verdict."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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


@dataclass(frozen=True)
class LikelyMistake:
    """What a student making the named ``misconception`` would answer (see grader.misconceptions)."""

    misconception: str
    value: float


def check_number(
    answer: float, key: float, tolerance: Tolerance = Tolerance(), mistakes: Sequence[LikelyMistake] = ()
) -> Verdict:
    """Grade ``answer`` against ``key``: correct when |answer - key| <= tolerance.width(key).

    A wrong answer that matches one of ``mistakes`` under the same tolerance names that misconception (the nearest
    one when several match); an answer that matches the key is correct whatever mistake could also produce it.
    """
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
    matched = _nearest_mistake(answer, mistakes, tolerance)
    if matched is not None:
        message = f"Not correct: {answer!r} is what the mistake '{matched}' gives on these data."
        return Verdict(score=0.0, correct=False, code="misconception", message=message, params=params,
                       misconception=matched)
    message = f"Not correct: {answer!r} differs from the expected value by more than the tolerance ({rules})."
    return Verdict(score=0.0, correct=False, code="incorrect", message=message, params=params)


def _nearest_mistake(answer: float, mistakes: Sequence[LikelyMistake], tolerance: Tolerance) -> str | None:
    matching = [(abs(answer - m.value), m.misconception) for m in mistakes
                if math.isfinite(m.value) and abs(answer - m.value) <= tolerance.width(m.value)]
    return min(matching)[1] if matching else None


def check_vector(
    answers: Sequence[float],
    keys: Sequence[float],
    tolerance: Tolerance = Tolerance(),
    mistakes: Sequence[Sequence[LikelyMistake]] | None = None,
) -> Verdict:
    """Grade a vector component by component: the score is the share of correct components (partial credit).

    ``mistakes[i]`` are the likely mistakes for component i. When every wrong component matches the same
    misconception, the verdict names it.
    """
    if len(answers) != len(keys):
        raise ValueError(f"expected {len(keys)} components; got {len(answers)}")
    if not keys:
        raise ValueError("a vector key needs at least one component")
    per_component = mistakes if mistakes is not None else [()] * len(keys)
    verdicts = [check_number(a, k, tolerance, m) for a, k, m in zip(answers, keys, per_component, strict=True)]
    correct = [v.correct for v in verdicts]
    score = sum(correct) / len(correct)
    wrong = [v for v in verdicts if not v.correct]
    named = {v.misconception for v in wrong}
    misconception = named.pop() if len(named) == 1 and wrong and wrong[0].misconception else None
    params = {"answers": [float(a) for a in answers], "components_correct": correct, "sig_figs": tolerance.sig_figs,
              "rel": tolerance.rel, "abs": tolerance.abs}
    if all(correct):
        return Verdict(score=1.0, correct=True, code="correct", message="Correct: every component matches the key.",
                       params=params)
    count = f"{sum(correct)} of {len(correct)} components are correct"
    if misconception is not None:
        return Verdict(score=score, correct=False, code="misconception", params=params, misconception=misconception,
                       message=f"Not correct: {count}; the others are what the mistake '{misconception}' gives.")
    code = "partly_correct" if any(correct) else "incorrect"
    return Verdict(score=score, correct=False, code=code, message=f"Not correct: {count}.", params=params)


def combine_scores(scores: Sequence[float], weights: Sequence[float]) -> float:
    """The weighted mean score of a multi-part question, in [0, 1]."""
    if len(scores) != len(weights) or not scores:
        raise ValueError("one weight per part, and at least one part")
    if any(w <= 0 or not math.isfinite(w) for w in weights):
        raise ValueError("weights must be positive and finite")
    total = sum(w * s for w, s in zip(weights, scores, strict=True)) / sum(weights)
    return min(1.0, max(0.0, total))

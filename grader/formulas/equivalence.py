"""check_formula: whether a student's formula is the expected function, judged at random points of the domain.

Two different analytic functions can agree only on a thin set, so a couple of hundred points drawn from the open
domain tell them apart; the seed is fixed by default so that regrading gives the same verdict.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Union

import numpy as np

from ..checking import Verdict
from ..families.domains import Domain
from .formula import Formula

DomainSpec = Union[Domain, tuple[float, float]]

MIN_DEFINED_POINTS = 10
# Where a domain is unbounded, points come from a range around 1 where a hand-written formula is well-conditioned:
# log-uniform over [0.05, 20] away from a finite end, uniform over [-5, 5] on the whole line.
_HALF_LINE_SPAN = (math.log(0.05), math.log(20.0))
_REAL_LINE_SPAN = 5.0


def check_formula(
    formula: Formula,
    key: Formula | Callable[..., Any],
    domains: Mapping[str, DomainSpec],
    *,
    rtol: float = 1e-6,
    points: int = 200,
    seed: int = 0,
    up_to_constant: bool = False,
) -> Verdict:
    """Grade ``formula`` against ``key``: a Formula, or a callable taking the formula's variables as keyword arrays.

    ``domains`` gives each variable a Domain (grader.families.domains) or an open interval (low, high); points are
    uniform on a bounded interval, log-uniform over [0.05, 20] away from the finite end of a half-line, and
    uniform over [-5, 5] on the whole line.

    Points where the key is not finite are skipped; a formula that is not finite where the key is finite is
    wrong (code "formula_undefined"). Elsewhere the two must agree to rtol * (|key| + s), s being the median of
    |key| over the points, a floor for points where the key crosses zero. With ``up_to_constant`` the formula may
    differ from the key by an additive constant (a log-likelihood without its log C(n, k) term); without it, such
    a formula is graded incorrect with the code "differs_by_constant".
    """
    if not isinstance(formula, Formula):
        raise TypeError(f"formula must be a Formula from parse_formula; got {type(formula).__name__}")
    if not callable(key):
        raise TypeError("key must be a Formula or a callable")
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float)) or not (math.isfinite(rtol) and rtol > 0):
        raise ValueError(f"rtol must be positive and finite; got {rtol!r}")
    if isinstance(points, bool) or not isinstance(points, int) or not MIN_DEFINED_POINTS <= points <= 100_000:
        raise ValueError(f"points must be an int between {MIN_DEFINED_POINTS} and 100000; got {points!r}")

    names = list(formula.variables)
    if isinstance(key, Formula):
        names += [name for name in key.variables if name not in names]
    missing = [name for name in names if name not in domains]
    if missing:
        raise ValueError(f"no domain given for {', '.join(missing)}")
    rng = np.random.default_rng(seed)
    samples = {name: _sample(domains[name], name, rng, points) for name in names}

    with np.errstate(all="ignore"):  # a key undefined at some points (log of 0) is expected, not a warning
        if isinstance(key, Formula):
            expected = key(**{name: samples[name] for name in key.variables})
        else:
            expected = key(**{name: samples[name] for name in formula.variables})
        expected = np.broadcast_to(np.asarray(expected, dtype=np.float64), (points,))
        answer = np.broadcast_to(formula(**{name: samples[name] for name in formula.variables}), (points,))

    defined = np.isfinite(expected)
    if defined.sum() < MIN_DEFINED_POINTS:
        raise ValueError(f"the key is finite at only {int(defined.sum())} of {points} sample points: "
                         "check the domains")
    settings = {"rtol": float(rtol), "points": int(defined.sum()), "up_to_constant": bool(up_to_constant)}

    undefined = np.flatnonzero(defined & ~np.isfinite(answer))
    if undefined.size:
        point = _point(samples, names, undefined[0])
        return Verdict(score=0.0, correct=False, code="formula_undefined", params={**settings, "point": point},
                       message=f"Not correct: your formula is undefined or too large to compute at {_show(point)}, "
                               "where the expected function has a value.")

    expected, answer = expected[defined], answer[defined]
    kept = np.flatnonzero(defined)
    scale = float(np.median(np.abs(expected))) or float(np.max(np.abs(expected))) or 1.0
    allowed = rtol * np.abs(expected) + rtol * scale
    with np.errstate(all="ignore"):  # answer - expected can overflow for a far-off formula: that is a mismatch
        difference = answer - expected
        offset = float(np.median(difference))
        off_by_constant = bool(np.all(np.abs(difference - offset) <= allowed))
        mismatch = np.abs(difference - offset) > allowed if up_to_constant else ~(np.abs(difference) <= allowed)

    if not mismatch.any():
        rule = " up to an additive constant" if up_to_constant else ""
        return Verdict(score=1.0, correct=True, code="correct", params=settings,
                       message=f"Correct: your formula agrees with the expected function{rule} at all "
                               f"{settings['points']} points checked (relative tolerance {rtol:g}).")
    if off_by_constant:
        return Verdict(score=0.0, correct=False, code="differs_by_constant", params=settings,
                       message="Not correct: your formula differs from the expected function by the same constant "
                               "at every point checked.")
    first = int(np.flatnonzero(mismatch)[0])
    point = _point(samples, names, kept[first])
    value = float(answer[first])
    return Verdict(score=0.0, correct=False, code="incorrect", params={**settings, "point": point, "value": value},
                   message=f"Not correct: your formula is not the expected function; for instance at {_show(point)} "
                           f"it gives {value:.6g}.")


def _sample(domain: DomainSpec, name: str, rng: np.random.Generator, size: int) -> np.ndarray:
    if isinstance(domain, Domain):
        low, high = float(domain.lower), float(domain.upper)
    else:
        try:
            low, high = (float(end) for end in domain)
        except (TypeError, ValueError):
            raise ValueError(f"the domain of {name} must be a Domain or a (low, high) pair; got {domain!r}") from None
        if not low < high:
            raise ValueError(f"the domain of {name} must have low < high; got {domain!r}")
    if math.isfinite(low) and math.isfinite(high):
        unit = rng.random(size)
        unit[unit == 0.0] = 0.5  # the domain is open: never its lower end
        return low + (high - low) * unit
    if math.isfinite(low) or math.isfinite(high):
        offset = np.exp(rng.uniform(*_HALF_LINE_SPAN, size))
        return low + offset if math.isfinite(low) else high - offset
    return rng.uniform(-_REAL_LINE_SPAN, _REAL_LINE_SPAN, size)


def _point(samples: Mapping[str, np.ndarray], names: list[str], index: int) -> dict[str, float]:
    return {name: float(samples[name][index]) for name in names}


def _show(point: Mapping[str, float]) -> str:
    return ", ".join(f"{name} = {value:.4g}" for name, value in point.items()) or "every point"

"""Count data, shared by the families whose observations are whole numbers (binomial, Poisson): the check that
values are whole and large enough, the sum of log-factorials that completes their log-likelihoods, and the gap
function that keeps their nll precise near the optimum."""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from ..errors import DataError
from .derived import remembered

# While the largest count stays below max(this, number of counts), a table of ln(v!) beats a gammaln per count.
_TABLE_MIN = 1024


def require_counts(name: str, array: np.ndarray, *, minimum: int, what: str) -> None:
    """Refuse fractional values and values below ``minimum`` in ``array`` (1-D), naming the first offender."""
    fractional = array != np.floor(array)
    if not (fractional | (array < minimum)).any():  # the usual case settled in one test
        return
    for bad, code in ((fractional, "counts_not_whole"), (array < minimum, "counts_below_minimum")):
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(
                code, name=name, what=what, minimum=minimum, count=int(bad.sum()), value=float(array[i]), index=i
            )


def log_factorial_sum(counts: np.ndarray) -> float:
    """sum ln(c!) over validated counts (whole numbers >= 0), computed once per validated array."""
    return remembered(counts, "log factorial sum", lambda: _log_factorial_sum(counts))


def _log_factorial_sum(counts: np.ndarray) -> float:
    # gammaln of 10^6 counts costs 30 ms, a histogram of small counts (the usual case) 3 ms.
    largest = float(counts.max())
    if largest < max(_TABLE_MIN, counts.size):
        histogram = np.bincount(counts.astype(np.int64))
        return float(histogram @ gammaln(np.arange(1.0, histogram.size + 1.0)))
    return float(np.sum(gammaln(counts + 1.0)))


def log_tangent_gap(t: float, u: float) -> float:
    """t - 1 - ln t (>= 0), the gap between ln t and its tangent at 1, given t and u = t - 1 computed separately.

    The count families write their nll as its value at the MLE plus count * gap(value / MLE): a sum of terms that
    vanish at the optimum, which rounding cannot swamp the way it swamps a difference of terms of 1e9. Near t = 1
    the caller's u, computed as (value - MLE) / MLE, keeps its relative precision; far from 1, t itself does.
    """
    if -0.5 <= u <= 1.0:
        return u - np.log1p(u)
    return t - 1.0 - np.log(t)

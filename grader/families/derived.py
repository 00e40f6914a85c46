"""Quantities derived from a validated data array (X'X, a sum of log-factorials), remembered while the array lives.

A fit asks for them several times: X'X for the rank check, the linear Hessian, the least-squares closed form and
the starting point; the log-factorials for every nll evaluation. Validated arrays are read-only copies owned by
the fit, so a value computed once stays right for as long as the array exists; an array someone could still write
to (writeable, or a view of another array) is never remembered. Entries are keyed by the array's identity and
dropped, through a weak reference, when the array is garbage collected.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")

_remembered: dict[tuple[int, str], tuple[weakref.ref[np.ndarray], Any]] = {}


def remembered(array: np.ndarray, name: str, compute: Callable[[], T]) -> T:
    """``compute()``, remembered under ``name`` for this array while it lives, if it is immutable."""
    if array.flags.writeable or array.base is not None:
        return compute()
    key = (id(array), name)
    entry = _remembered.get(key)
    if entry is not None and entry[0]() is array:
        return entry[1]
    value = compute()
    _remembered[key] = (weakref.ref(array, lambda _, key=key: _remembered.pop(key, None)), value)
    return value

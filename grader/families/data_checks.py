"""Checks shared by the families' data validation: turning array-likes into clean, read-only float arrays."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from ..errors import DataError

# Kinds numpy reports for bool, signed and unsigned integers and real floats; complex, str and object are refused.
_NUMERIC_KINDS = "biuf"


def float_array(name: str, value: ArrayLike, *, ndim: int, order: Literal["C", "F"] = "C") -> np.ndarray:
    """``value`` as a read-only float64 copy with ``ndim`` dimensions, non-empty and finite, or a DataError.

    ``order`` is the copy's memory layout: "F" (column-major) suits code that works column by column.
    """
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists land here
        raise DataError(f"{name} cannot be read as a {ndim}-D numeric array: {error}") from error
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise DataError(f"{name} must contain numbers; got values of type {array.dtype}")
    if array.ndim != ndim:
        raise DataError(f"{name} must be a {ndim}-D array; got shape {array.shape}")
    if array.size == 0:
        raise DataError(f"{name} is empty: at least one observation is needed")
    array = np.array(array, dtype=np.float64, order=order)  # always a copy: freezing it cannot affect the caller
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise DataError(
            f"{name} contains {int(bad.sum())} non-finite value(s) (NaN or infinity), the first at index "
            f"{_index_text(first)}"
        )
    array.flags.writeable = False
    return array


def require_values(name: str, array: np.ndarray, allowed: tuple[float, ...]) -> None:
    """Refuse any element of ``array`` outside ``allowed``, naming the first offender."""
    # A comparison per allowed value: for the two or three values families allow, far cheaper than np.isin.
    bad = array != allowed[0]
    for value in allowed[1:]:
        bad &= array != value
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        allowed_text = " and ".join(f"{a:g}" for a in allowed)
        raise DataError(
            f"{name} must contain only {allowed_text}; found {int(bad.sum())} other value(s), "
            f"the first {array[first]:g} at index {_index_text(first)}"
        )


def _index_text(index: tuple[int, ...]) -> str:
    return str(index[0]) if len(index) == 1 else str(index)

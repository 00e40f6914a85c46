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
        raise DataError("data_unreadable", name=name, ndim=ndim, error=str(error)) from error
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise DataError("data_not_numeric", name=name, dtype=str(array.dtype))
    if array.ndim != ndim:
        raise DataError("data_wrong_dimensions", name=name, ndim=ndim, shape=array.shape)
    if array.size == 0:
        raise DataError("data_empty", name=name)
    array = np.array(array, dtype=np.float64, order=order)  # always a copy: freezing it cannot affect the caller
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise DataError("data_not_finite", name=name, count=int(bad.sum()), index=_index(first))
    array.flags.writeable = False
    return array


def require_binary(name: str, array: np.ndarray) -> None:
    """Refuse any element of ``array`` other than 0 and 1, naming the first offender."""
    # Two comparisons: far cheaper than np.isin.
    bad = (array != 0.0) & (array != 1.0)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise DataError(
            "data_not_binary", name=name, count=int(bad.sum()), value=float(array[first]), index=_index(first)
        )


def _index(index: tuple[int, ...]) -> int | tuple[int, ...]:
    """An element's index as people read it: a number in a 1-D array, a tuple such as (2, 0) otherwise."""
    return index[0] if len(index) == 1 else index

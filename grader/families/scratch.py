"""Scratch arrays for the per-row temporaries of the likelihood passes, kept per thread and reused.

A pass over 10^4 rows makes a dozen temporaries of 80-800 kB (eta, probabilities, weights, the weighted block).
Allocations that size come straight from the operating system (glibc maps them, and unmaps them when freed), so
every evaluation paid for them again in page faults: about 3 µs per 4 kB page, more than the arithmetic itself
(a logistic fit at n = 10^4 spent a third of its time there, a multinomial one three quarters). The passes
therefore write their temporaries into these arrays, allocated once per thread at the largest block size seen.
A pass takes what it needs at its start and never calls another pass, so one set per thread suffices.
"""

from __future__ import annotations

import threading
from math import prod

import numpy as np

_local = threading.local()


def vectors(count: int, length: int) -> list[np.ndarray]:
    """``count`` distinct float arrays of shape (length,), contents undefined."""
    return arrays(*[(length,)] * count)


def arrays(*shapes: tuple[int, ...]) -> list[np.ndarray]:
    """Distinct C-contiguous float arrays of the given shapes, contents undefined; each call reuses the same
    memory, so a pass takes all it needs in one call."""
    sizes = [prod(shape) for shape in shapes]
    pool = _pool("vectors", sum(sizes))
    out, offset = [], 0
    for shape, size in zip(shapes, sizes, strict=True):
        out.append(pool[offset : offset + size].reshape(shape))
        offset += size
    return out


def matrix(rows: int, columns: int) -> np.ndarray:
    """A float array of shape (rows, columns), column-major, contents undefined; distinct from ``vectors``."""
    return _pool("matrix", rows * columns)[: rows * columns].reshape((rows, columns), order="F")


def _pool(name: str, size: int) -> np.ndarray:
    pools: dict[str, np.ndarray] | None = getattr(_local, "pools", None)
    if pools is None:
        pools = _local.pools = {}
    pool = pools.get(name)
    if pool is None or pool.size < size:
        pool = pools[name] = np.empty(size)
    return pool

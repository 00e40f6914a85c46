"""Scratch arrays for the per-row temporaries of the likelihood passes, kept per thread and reused.

A pass over 10^4 rows makes a dozen temporaries of 80-800 kB (eta, probabilities, weights, the weighted block).
Allocations that size often come straight from the operating system (glibc maps them, or trims its heap when they
are freed), and then every evaluation pays for their pages again in page faults. Whether it does depends on the
allocator's history, so the cost is erratic: a multinomial fit at n = 10^4, d = 2 with fresh temporaries took 910
page faults and 2.4 ms against none and 1.5 ms with these arrays (the same fit at d = 10, and logistic fits,
happened to take none either way). The passes therefore write their temporaries into these arrays, allocated once
per thread at the largest size seen. They hold no values between calls: a pass takes what it needs at its start
and never calls another pass, so one set per thread suffices.
"""

from __future__ import annotations

import threading

import numpy as np

_local = threading.local()


def vectors(count: int, length: int) -> np.ndarray:
    """A C-contiguous float array of shape (count, length), contents undefined: ``count`` distinct vectors."""
    size = count * length
    return _pool("vectors", size)[:size].reshape(count, length)


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

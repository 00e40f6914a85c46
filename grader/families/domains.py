"""Parameter domains and the smooth bijections that map each onto the whole real line.

The optimiser works on the unconstrained coordinate z and maps back with ``from_unconstrained``; the chain rule
needs the first and second derivatives of that map, which each domain supplies analytically.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
from scipy.special import expit, logit

from ..messages import Message


class Domain(ABC):
    """An open interval (lower, upper) for every element of one parameter."""

    lower: float
    upper: float
    transform: str  # name of the map to the real line, as shown in FitResult.method
    neutral: float  # a start value that presumes nothing about the data

    def contains(self, x: np.ndarray) -> np.ndarray:
        """Elementwise: finite and strictly inside the domain."""
        x = np.asarray(x, dtype=float)
        return np.isfinite(x) & (x > self.lower) & (x < self.upper)

    @abstractmethod
    def describe(self, name: str) -> Message:
        """The domain as a condition on ``name``, for messages: "0 < p < 1"."""

    @abstractmethod
    def to_unconstrained(self, x: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def from_unconstrained(self, z: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def derivatives(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First and second derivatives of ``from_unconstrained`` at z (elementwise)."""


class RealLine(Domain):
    lower, upper, transform, neutral = -np.inf, np.inf, "identity", 0.0

    def describe(self, name: str) -> Message:
        return Message("domain_real_line", name=name)

    def to_unconstrained(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=float).copy()

    def from_unconstrained(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, dtype=float).copy()

    def derivatives(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = np.asarray(z, dtype=float)
        return np.ones_like(z), np.zeros_like(z)


class PositiveHalfLine(Domain):
    lower, upper, transform, neutral = 0.0, np.inf, "log", 1.0

    def describe(self, name: str) -> Message:
        return Message("domain_positive", name=name)

    def to_unconstrained(self, x: np.ndarray) -> np.ndarray:
        return np.log(np.asarray(x, dtype=float))

    def from_unconstrained(self, z: np.ndarray) -> np.ndarray:
        return np.exp(np.asarray(z, dtype=float))

    def derivatives(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.exp(np.asarray(z, dtype=float))
        return x, x


class UnitInterval(Domain):
    lower, upper, transform, neutral = 0.0, 1.0, "logit", 0.5

    def describe(self, name: str) -> Message:
        return Message("domain_unit_interval", name=name)

    def to_unconstrained(self, x: np.ndarray) -> np.ndarray:
        return logit(np.asarray(x, dtype=float))

    def from_unconstrained(self, z: np.ndarray) -> np.ndarray:
        return expit(np.asarray(z, dtype=float))

    def derivatives(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = np.asarray(z, dtype=float)
        # expit(-z) rather than 1 - expit(z): keeps full relative precision when p is close to 1.
        p, q = expit(z), expit(-z)
        first = p * q
        return first, first * (q - p)


REAL = RealLine()
POSITIVE = PositiveHalfLine()
UNIT_INTERVAL = UnitInterval()

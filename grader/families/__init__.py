"""The registry of likelihood families: one lowercase id per family class, listed in one place."""

from __future__ import annotations

import re

from ..errors import DataError
from .base import Data, Family, Param, Params, ParamValue
from .bernoulli import Bernoulli
from .binomial import Binomial
from .domains import POSITIVE, REAL, UNIT_INTERVAL, Domain
from .exponential import Exponential
from .laplace_regression import LaplaceRegression
from .linear import Linear
from .logistic import Logistic
from .multinomial_logistic import MultinomialLogistic
from .normal import Normal
from .poisson import Poisson
from .poisson_regression import PoissonRegression

_ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


def _build_registry(classes: tuple[type[Family], ...]) -> dict[str, type[Family]]:
    registry: dict[str, type[Family]] = {}
    for cls in classes:
        if not _ID_PATTERN.fullmatch(cls.id):
            raise TypeError(f"{cls.__name__}.id must be a lowercase identifier; got {cls.id!r}")
        if cls.id in registry:
            raise TypeError(f"family id {cls.id!r} is used by both {registry[cls.id].__name__} and {cls.__name__}")
        registry[cls.id] = cls
    return registry


# Add a new family here, and nowhere else: the registry-wide tests then cover it.
FAMILIES: dict[str, type[Family]] = _build_registry(
    (Bernoulli, Binomial, Normal, Poisson, Exponential, LaplaceRegression, Linear, Logistic, PoissonRegression,
     MultinomialLogistic)
)


def get_family(family_id: str) -> Family:
    """An instance of the family registered as ``family_id``; DataError lists the known ids otherwise."""
    try:
        cls = FAMILIES[family_id]
    except (KeyError, TypeError):
        raise DataError("unknown_family_id", family=family_id, known=", ".join(sorted(FAMILIES))) from None
    return cls()


__all__ = [
    "FAMILIES",
    "POSITIVE",
    "REAL",
    "UNIT_INTERVAL",
    "Data",
    "Domain",
    "Family",
    "Param",
    "ParamValue",
    "Params",
    "get_family",
]

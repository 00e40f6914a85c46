"""Misconceptions: the wrong estimators students commonly report, computed from the same data as the key.

A detector looks at the quantity a part asks for (its key spec) and the family of the fit, and computes what a
student who made one named mistake would have answered: σ divided by n − 1, log10 instead of ln, 1 − p̂, an
L2-penalised logistic fit... ``check_number`` compares a wrong answer with these values under the part's own
tolerance; an answer that also matches the key is correct, whatever mistake it could stem from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike

from .checking import LikelyMistake
from .errors import DataError, KeyVerificationError
from .families import get_family
from .fitting import FitResult, fit
from .keys import KeySpec, parse_key_spec
from .penalised import l2_penalised_fit


@dataclass(frozen=True)
class Misconception:
    """A named mistake with a one-sentence explanation in each language; the sentences never contain the key."""

    id: str
    en: str
    ru: str


_CATALOGUE = (
    Misconception(
        "complement_probability",
        "You estimated the probability of the other outcome: p̂ is the share of the outcome coded 1.",
        "Вы оценили вероятность другого исхода: p̂ — это доля исхода, закодированного единицей.",
    ),
    Misconception(
        "sigma_n_minus_1",
        "You divided by n − 1: that is the unbiased sample standard deviation, the MLE of σ divides by n.",
        "Вы поделили на n − 1: это несмещённое выборочное стандартное отклонение, а ОМП для σ делит на n.",
    ),
    Misconception(
        "sigma_n_minus_p",
        "You divided the residual sum of squares by n − p (p the number of coefficients, as in the unbiased "
        "estimate): the MLE of σ² divides it by n.",
        "Вы поделили сумму квадратов остатков на n − p (p — число коэффициентов, как в несмещённой оценке): ОМП "
        "для σ² делит её на n.",
    ),
    Misconception(
        "variance_instead_of_sigma",
        "You reported σ² (the mean squared error), but σ itself is asked: take the square root.",
        "Вы указали σ² (среднеквадратичную ошибку), а спрашивается сама σ: извлеките корень.",
    ),
    Misconception(
        "mean_instead_of_rate",
        "You reported the mean waiting time; the MLE of the rate is its reciprocal.",
        "Вы указали среднее время ожидания, а ОМП интенсивности — обратная к нему величина.",
    ),
    Misconception(
        "log10_instead_of_ln",
        "You used the decimal logarithm: the log-likelihood uses the natural logarithm ln.",
        "Вы взяли десятичный логарифм, а логарифм правдоподобия считается с натуральным логарифмом ln.",
    ),
    Misconception(
        "mean_instead_of_sum",
        "You averaged over the observations: the log-likelihood is the sum of the per-observation terms.",
        "Вы усреднили по наблюдениям, а логарифм правдоподобия — это сумма слагаемых по всем наблюдениям.",
    ),
    Misconception(
        "sum_instead_of_mean",
        "You summed over the observations: the mean loss divides that sum by n.",
        "Вы просуммировали по наблюдениям, а средняя функция потерь делит эту сумму на n.",
    ),
    Misconception(
        "sign_flipped",
        "The sign is flipped: the log-likelihood and the negative log-likelihood (the loss) differ only in sign.",
        "Перепутан знак: логарифм правдоподобия и отрицательный логарифм правдоподобия (потери) различаются "
        "только знаком.",
    ),
    Misconception(
        "no_intercept",
        "This is the fit without the intercept: the model includes the constant term β₀.",
        "Это оценка модели без свободного члена, а в модели есть константа β₀.",
    ),
    Misconception(
        "l2_penalised_logistic",
        "This is an L2-penalised fit (like scikit-learn's default LogisticRegression(), C = 1), not the MLE: "
        "the maximum-likelihood fit has no penalty.",
        "Это оценка с L2-регуляризацией (как LogisticRegression() из scikit-learn по умолчанию, C = 1), а не ОМП: "
        "у оценки максимального правдоподобия нет штрафа.",
    ),
)

MISCONCEPTIONS: Mapping[str, Misconception] = MappingProxyType({m.id: m for m in _CATALOGUE})

REGRESSION_FAMILIES = ("linear", "logistic", "poisson_regression", "laplace_regression", "multinomial_logistic")


@dataclass(frozen=True)
class _Context:
    fit: FitResult
    spec: KeySpec
    data: Mapping[str, np.ndarray]


Detector = Callable[[_Context], "float | None"]


def likely_mistakes(fitted: FitResult, spec: str, data: Mapping[str, ArrayLike]) -> tuple[LikelyMistake, ...]:
    """The known wrong answers for the quantity ``spec`` names, computed from ``data`` (the fit's own data).

    A detector that does not apply, or whose wrong estimator cannot be computed on these data (a refit that has
    no interior optimum), contributes nothing.
    """
    context = _Context(fitted, parse_key_spec(spec), get_family(fitted.family).validate_data(**data))
    found = []
    for misconception, families, detector in _DETECTORS:
        if families is not None and fitted.family not in families:
            continue
        try:
            value = detector(context)
        except (DataError, KeyVerificationError):
            continue
        if value is not None and math.isfinite(value):
            found.append(LikelyMistake(misconception, float(value)))
    return tuple(found)


# ----- detectors ------------------------------------------------------------------------------------------------

def _param(context: _Context, name: str) -> float | None:
    spec = context.spec
    if spec.table == "mle" and spec.name == name and not spec.index:
        return float(context.fit.params[name])
    return None


def _complement_probability(context: _Context) -> float | None:
    p = _param(context, "p")
    return None if p is None else 1.0 - p


def _sigma_divided_by(context: _Context, lost: int) -> float | None:
    sigma = _param(context, "sigma")
    n = context.fit.n
    if sigma is None or n - lost <= 0:
        return None
    return sigma * math.sqrt(n / (n - lost))


def _sigma_n_minus_1(context: _Context) -> float | None:
    return _sigma_divided_by(context, 1)


def _sigma_n_minus_p(context: _Context) -> float | None:
    return _sigma_divided_by(context, int(np.shape(context.fit.params["beta"])[0]))


def _variance_instead_of_sigma(context: _Context) -> float | None:
    sigma = _param(context, "sigma")
    return None if sigma is None else sigma**2


def _mean_instead_of_rate(context: _Context) -> float | None:
    rate = _param(context, "rate")
    return None if rate is None else 1.0 / rate


def _log10_instead_of_ln(context: _Context) -> float | None:
    value = _likelihood_quantity(context)
    return None if value is None else value / math.log(10)


def _mean_instead_of_sum(context: _Context) -> float | None:
    return context.fit.loglik / context.fit.n if context.spec.kind == "loglik" else None


def _sum_instead_of_mean(context: _Context) -> float | None:
    return context.fit.mean_nll * context.fit.n if context.spec.kind == "mean_nll" else None


def _sign_flipped(context: _Context) -> float | None:
    value = _likelihood_quantity(context)
    return None if value is None else -value


def _likelihood_quantity(context: _Context) -> float | None:
    if context.spec.kind == "loglik":
        return context.fit.loglik
    if context.spec.kind == "mean_nll":
        return context.fit.mean_nll
    return None


def _no_intercept(context: _Context) -> float | None:
    spec = context.spec
    if spec.table != "mle" or spec.name != "beta" or not spec.index:
        return None
    X = context.data["X"]
    constant = _intercept_column(X)
    if constant is None or spec.index[0] == constant or X.shape[1] < 2:
        return None
    reduced = dict(context.data)
    reduced["X"] = np.delete(X, constant, axis=1)
    refit = fit(context.fit.family, **reduced)
    shifted = (spec.index[0] - (spec.index[0] > constant), *spec.index[1:])
    return float(np.asarray(refit.params["beta"])[shifted])


def _l2_penalised_logistic(context: _Context) -> float | None:
    spec = context.spec
    if spec.table != "mle" or spec.name != "beta" or not spec.index:
        return None
    X = context.data["X"]
    penalised = l2_penalised_fit(X, context.data["y"], inverse_strength=1.0, unpenalised=_intercept_column(X))
    return float(penalised[spec.index])


def _intercept_column(X: np.ndarray) -> int | None:
    """The index of the all-ones column of a design matrix, if it has one."""
    ones = np.flatnonzero(np.all(X == 1.0, axis=0))
    return int(ones[0]) if ones.size else None


_DETECTORS: tuple[tuple[str, tuple[str, ...] | None, Detector], ...] = (
    ("complement_probability", ("bernoulli", "binomial"), _complement_probability),
    ("sigma_n_minus_1", ("normal", "linear"), _sigma_n_minus_1),
    ("sigma_n_minus_p", ("linear",), _sigma_n_minus_p),
    ("variance_instead_of_sigma", ("normal", "linear"), _variance_instead_of_sigma),
    ("mean_instead_of_rate", ("exponential",), _mean_instead_of_rate),
    ("log10_instead_of_ln", None, _log10_instead_of_ln),
    ("mean_instead_of_sum", None, _mean_instead_of_sum),
    ("sum_instead_of_mean", None, _sum_instead_of_mean),
    ("sign_flipped", None, _sign_flipped),
    ("no_intercept", REGRESSION_FAMILIES, _no_intercept),
    ("l2_penalised_logistic", ("logistic",), _l2_penalised_logistic),
)

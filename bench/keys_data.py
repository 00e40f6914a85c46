"""Data for the key benchmark (bench/keys.py): the seed notebook's five models, drawn with fixed seeds.

d counts the columns of X including the intercept; the first two columns are the seed's (intercept and its one
covariate), and d = 10 adds eight standard-normal columns with small random coefficients. For the multinomial
model beta is d x 2 (three classes, class 0 the reference).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

MODELS = ("linear", "logistic", "poisson_regression", "laplace_regression", "multinomial_logistic")


def design(rng: np.random.Generator, n: int, d: int, low: float, high: float) -> np.ndarray:
    """Intercept, one uniform covariate (the seed's), and d - 2 standard-normal extra columns."""
    columns = [np.ones(n), rng.uniform(low, high, n)]
    if d > 2:
        columns.append(rng.normal(0.0, 1.0, size=(n, d - 2)))
    return np.column_stack(columns)


def extra(rng: np.random.Generator, d: int, size: float, classes: int = 0) -> np.ndarray:
    shape = (d - 2,) if classes == 0 else (d - 2, classes)
    return rng.uniform(-size, size, shape)


def make_data(model: str, n: int, d: int, seed: int = 20261121) -> dict[str, np.ndarray]:
    rng = np.random.default_rng([seed, MODELS.index(model), n, d])
    if model == "linear":
        # Protein concentration over time: y = 2 + 3 t + N(0, 2^2), t ~ U(0, 10) hours.
        X = design(rng, n, d, 0.0, 10.0)
        beta = np.r_[2.0, 3.0, extra(rng, d, 1.0)]
        return {"X": X, "y": X @ beta + rng.normal(0.0, 2.0, n)}
    if model == "logistic":
        # Disease against a biomarker: P(ill) = expit(-1 + 0.8 x), x ~ U(-5, 5).
        X = design(rng, n, d, -5.0, 5.0)
        beta = np.r_[-1.0, 0.8, extra(rng, d, 0.5)]
        return {"X": X, "y": (rng.random(n) < expit(X @ beta)).astype(float)}
    if model == "poisson_regression":
        # Mutation counts against an exposure: log mean = 0.5 + 0.3 x, x ~ U(-2, 2).
        X = design(rng, n, d, -2.0, 2.0)
        beta = np.r_[0.5, 0.3, extra(rng, d, 0.2)]
        return {"X": X, "y": rng.poisson(np.exp(X @ beta)).astype(float)}
    if model == "laplace_regression":
        # The seed's exercise on MSE against MAE: the protein line with Laplace noise and 5 % gross outliers.
        X = design(rng, n, d, 0.0, 10.0)
        beta = np.r_[2.0, 3.0, extra(rng, d, 1.0)]
        y = X @ beta + rng.laplace(0.0, 2.0, n)
        outliers = rng.random(n) < 0.05
        y[outliers] += rng.uniform(20.0, 40.0, int(outliers.sum()))
        return {"X": X, "y": y}
    if model == "multinomial_logistic":
        # Three classes from a softmax of linear predictors (the seed's exercise 2), class 0 the reference.
        X = design(rng, n, d, -2.0, 2.0)
        beta = np.vstack([[0.3, -0.2], [0.8, -0.5], extra(rng, d, 0.4, classes=2)])
        eta = np.column_stack([np.zeros(n), X @ beta])
        p = np.exp(eta - eta.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        y = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1).astype(float)
        return {"X": X, "y": np.minimum(y, 2.0)}  # a cumulative sum rounded just below 1 must not make class 3
    raise ValueError(f"unknown model {model!r}")

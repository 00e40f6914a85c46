"""Data generators: each student's own data, drawn from the variant's seed with the exercise's parameters.

A generator is a function registered under one lowercase id. It receives a numpy Generator (seeded from the
variant) and the parameters, each already drawn from its range, and returns the data columns by name. The
scenarios are the lecture notes' own: a weather survey, a normal sample, protein concentration over time, a
biomarker and a disease, mutation counts, outliers for MSE against MAE, three classes from a softmax.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, softmax


@dataclass(frozen=True)
class Generator:
    id: str
    draw: Callable[[np.random.Generator, Mapping[str, float]], dict[str, np.ndarray]]
    # Every parameter the generator reads, with its default: an exercise may fix or range any of them.
    defaults: Mapping[str, float | list[float]]
    columns: tuple[str, ...]
    # What it draws, for the editor, in each language of the exercise texts (``schema.LOCALES``).
    description: Mapping[str, str]

    def describe(self, locale: str) -> str:
        return self.description.get(locale, self.description["en"])


GENERATORS: dict[str, Generator] = {}


def register(id: str, defaults: Mapping[str, float | list[float]], columns: tuple[str, ...], *, en: str, ru: str):
    def decorate(draw: Callable[[np.random.Generator, Mapping[str, float]], dict[str, np.ndarray]]):
        GENERATORS[id] = Generator(id, draw, dict(defaults), columns, {"en": en, "ru": ru})
        return draw
    return decorate


def _count(value: float) -> int:
    return int(round(value))


def _rounded(values: np.ndarray, decimals: float) -> np.ndarray:
    # Data as a student copies it: a few decimals, so the key computed from the table is the key of the stored data.
    return np.round(values, _count(decimals))


@register("bernoulli_survey", {"n": [12, 40], "p": [0.3, 0.8]}, ("respondent", "answer"),
          en="n respondents answer yes (1) with probability p, no (0) otherwise",
          ru="n респондентов отвечают «да» (1) с вероятностью p, иначе «нет» (0)")
def bernoulli_survey(rng, parameters):
    n = _count(parameters["n"])
    return {"respondent": np.arange(1.0, n + 1), "answer": (rng.random(n) < parameters["p"]).astype(float)}


@register("normal_sample", {"n": [15, 40], "mu": [10, 50], "sigma": [1, 6], "decimals": 2}, ("x",),
          en="n draws from N(mu, sigma^2)", ru="выборка из n значений N(mu, sigma^2)")
def normal_sample(rng, parameters):
    n = _count(parameters["n"])
    return {"x": _rounded(rng.normal(parameters["mu"], parameters["sigma"], n), parameters["decimals"])}


@register("protein_time", {"n": [15, 40], "beta0": [1.5, 2.5], "beta1": [2.5, 3.5], "sigma": [1.5, 2.5],
                           "t_max": 10, "decimals": 2},
          ("t", "protein"), en="protein concentration y = beta0 + beta1 t + N(0, sigma^2), t ~ U(0, t_max) hours",
          ru="концентрация белка y = beta0 + beta1 t + N(0, sigma^2), время t ~ U(0, t_max) ч")
def protein_time(rng, parameters):
    n = _count(parameters["n"])
    t = _rounded(rng.uniform(0.0, parameters["t_max"], n), parameters["decimals"])
    y = parameters["beta0"] + parameters["beta1"] * t + rng.normal(0.0, parameters["sigma"], n)
    return {"t": t, "protein": _rounded(y, parameters["decimals"])}


@register("biomarker_disease", {"n": [60, 120], "beta0": [-1.5, -0.5], "beta1": [0.6, 1.0], "x_range": 5,
                                "decimals": 2},
          ("biomarker", "disease"),
          en="disease (1) with probability expit(beta0 + beta1 x), x ~ U(-x_range, x_range)",
          ru="болезнь (1) с вероятностью expit(beta0 + beta1 x), биомаркер x ~ U(-x_range, x_range)")
def biomarker_disease(rng, parameters):
    n = _count(parameters["n"])
    x = _rounded(rng.uniform(-parameters["x_range"], parameters["x_range"], n), parameters["decimals"])
    y = (rng.random(n) < expit(parameters["beta0"] + parameters["beta1"] * x)).astype(float)
    return {"biomarker": x, "disease": y}


@register("mutation_counts", {"n": [40, 100], "beta0": [0.3, 0.7], "beta1": [0.2, 0.4], "x_range": 2,
                              "decimals": 2},
          ("exposure", "mutations"),
          en="Poisson counts with log mean beta0 + beta1 x, x ~ U(-x_range, x_range)",
          ru="пуассоновские числа мутаций, логарифм среднего beta0 + beta1 x, x ~ U(-x_range, x_range)")
def mutation_counts(rng, parameters):
    n = _count(parameters["n"])
    x = _rounded(rng.uniform(-parameters["x_range"], parameters["x_range"], n), parameters["decimals"])
    counts = rng.poisson(np.exp(parameters["beta0"] + parameters["beta1"] * x))
    return {"exposure": x, "mutations": counts.astype(float)}


@register("protein_outliers", {"n": [30, 60], "beta0": [1.5, 2.5], "beta1": [2.5, 3.5], "scale": [1.0, 2.0],
                               "outlier_share": 0.1, "outlier_shift": [20, 40], "t_max": 10, "decimals": 2},
          ("t", "protein"), en="the protein line with Laplace noise and a share of gross outliers shifted upwards",
          ru="прямая концентрации белка с лапласовским шумом и долей грубых выбросов, сдвинутых вверх")
def protein_outliers(rng, parameters):
    n = _count(parameters["n"])
    t = _rounded(rng.uniform(0.0, parameters["t_max"], n), parameters["decimals"])
    y = parameters["beta0"] + parameters["beta1"] * t + rng.laplace(0.0, parameters["scale"], n)
    outliers = rng.permutation(n)[: max(1, _count(parameters["outlier_share"] * n))]
    y[outliers] += parameters["outlier_shift"]
    return {"t": t, "protein": _rounded(y, parameters["decimals"])}


@register("three_classes", {"n": [90, 150], "x_range": 2, "decimals": 2}, ("x1", "x2", "label"),
          en="class 0, 1 or 2 from a softmax of linear predictors in two covariates (class 0 the reference)",
          ru="класс 0, 1 или 2 по softmax линейных предикторов от двух признаков (класс 0 — опорный)")
def three_classes(rng, parameters):
    n = _count(parameters["n"])
    X = _rounded(rng.uniform(-parameters["x_range"], parameters["x_range"], (n, 2)), parameters["decimals"])
    beta = np.array([[0.3, -0.2], [0.8, -0.5], [-0.4, 0.9]])
    eta = np.column_stack([np.zeros(n), np.column_stack([np.ones(n), X]) @ beta])
    p = softmax(eta, axis=1)
    label = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    return {"x1": X[:, 0], "x2": X[:, 1], "label": np.minimum(label, 2).astype(float)}

"""The two methods the key benchmark compares the grader with, each returning theta in the grader's layout.

The seed notebook's approach (/work/shared/seeds/000_*.txt): a hand-written negative log-likelihood in numpy,
``scipy.optimize.minimize(nll, x0, method='L-BFGS-B')`` with no gradient (so scipy differences the nll), started
from zeros (sigma or the Laplace scale from 1, bounded below by 0.01, as the notebook does for sigma), the
logistic probabilities clipped to [1e-15, 1 - 1e-15] as in the notebook.

statsmodels: OLS, Logit, GLM(Poisson), QuantReg(q = 0.5) and MNLogit with their default settings. OLS gives
beta; the MLE sigma = sqrt(RSS / n) is computed from its residual sum of squares, and the Laplace scale from
QuantReg's residuals (mean |r|), inside the timed call.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import statsmodels.api as sm
from scipy.optimize import minimize
from scipy.special import gammaln


class TooSlow(Exception):
    """The seed approach ran past its time limit."""


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


def seed_nll(model: str, X: np.ndarray, y: np.ndarray):
    """The notebook-style nll(params) of a model and its starting point and bounds."""
    n, d = X.shape
    if model == "linear":
        def nll(params):
            beta, sigma = params[:-1], params[-1]
            if sigma <= 0:
                return np.inf
            residuals = y - X @ beta
            return n / 2 * np.log(2 * np.pi * sigma**2) + np.sum(residuals**2) / (2 * sigma**2)

        return nll, np.r_[np.zeros(d), 1.0], [(-np.inf, np.inf)] * d + [(0.01, np.inf)]
    if model == "logistic":
        def nll(params):
            probs = np.clip(sigmoid(X @ params), 1e-15, 1 - 1e-15)
            return -np.sum(y * np.log(probs) + (1 - y) * np.log(1 - probs))

        return nll, np.zeros(d), None
    if model == "poisson_regression":
        def nll(params):
            eta = X @ params
            return -np.sum(y * eta - np.exp(eta) - gammaln(y + 1))

        return nll, np.zeros(d), None
    if model == "laplace_regression":
        def nll(params):
            beta, scale = params[:-1], params[-1]
            if scale <= 0:
                return np.inf
            return n * np.log(2 * scale) + np.sum(np.abs(y - X @ beta)) / scale

        return nll, np.r_[np.zeros(d), 1.0], [(-np.inf, np.inf)] * d + [(0.01, np.inf)]
    if model == "multinomial_logistic":
        k1 = int(y.max())
        labels = y.astype(int)

        def nll(params):
            eta = np.column_stack([np.zeros(n), X @ params.reshape(d, k1)])
            eta -= eta.max(axis=1, keepdims=True)
            probs = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
            return -np.sum(np.log(np.clip(probs[np.arange(n), labels], 1e-15, 1)))

        return nll, np.zeros(d * k1), None
    raise ValueError(model)


def seed_fit(model: str, data: dict[str, np.ndarray], time_limit: float = np.inf) -> tuple[np.ndarray, int]:
    """The seed approach's estimate and its number of nll evaluations; raises TooSlow after ``time_limit`` s."""
    nll, x0, bounds = seed_nll(model, data["X"], data["y"])
    deadline = time.perf_counter() + time_limit

    def guarded(params):
        if time.perf_counter() > deadline:
            raise TooSlow
        return nll(params)

    with np.errstate(all="ignore"):
        result = minimize(guarded, x0, method="L-BFGS-B", bounds=bounds)
    return np.asarray(result.x, dtype=float), int(result.nfev)


def seed_evaluation_time(model: str, data: dict[str, np.ndarray]) -> float:
    nll, x0, _ = seed_nll(model, data["X"], data["y"])
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        nll(x0 + 0.01)
    return time.perf_counter() - start


def statsmodels_fit(model: str, data: dict[str, np.ndarray]) -> np.ndarray:
    X, y = data["X"], data["y"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. QuantReg's "maximum number of iterations" on large n
        if model == "linear":
            result = sm.OLS(y, X).fit()
            return np.r_[result.params, np.sqrt(result.ssr / y.size)]
        if model == "logistic":
            return np.asarray(sm.Logit(y, X).fit(disp=0).params)
        if model == "poisson_regression":
            return np.asarray(sm.GLM(y, X, family=sm.families.Poisson()).fit().params)
        if model == "laplace_regression":
            beta = np.asarray(sm.QuantReg(y, X).fit(q=0.5).params)
            return np.r_[beta, np.mean(np.abs(y - X @ beta))]
        if model == "multinomial_logistic":
            return np.asarray(sm.MNLogit(y, X).fit(disp=0).params).ravel()
    raise ValueError(model)

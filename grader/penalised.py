"""The L2-penalised logistic fit, computed only to recognise it: it is what scikit-learn's default
``LogisticRegression()`` reports, and students hand it in where the MLE is asked.

scikit-learn minimises C·Σ logloss + ½‖w‖² without penalising the intercept; dividing by C gives the objective
below, whose minimiser is the same. The objective is strictly convex in the penalised coefficients, so Newton's
method with a backtracking line search converges from zero.
"""

from __future__ import annotations

import numpy as np

from .errors import KeyVerificationError

_MAX_ITERATIONS = 100
_MAX_HALVINGS = 50


def l2_penalised_fit(X: np.ndarray, y: np.ndarray, *, inverse_strength: float = 1.0,
                     unpenalised: int | None = None) -> np.ndarray:
    """argmin_b Σ [log(1 + e^{x_i·b}) − y_i x_i·b] + ‖b‖² / (2C), leaving column ``unpenalised`` free.

    Raises KeyVerificationError when no minimum is reached (the free intercept alone can run off when every y is
    equal).
    """
    if inverse_strength <= 0:
        raise ValueError("the inverse regularisation strength C must be positive")
    n, d = X.shape
    penalty = np.full(d, 1.0 / inverse_strength)
    if unpenalised is not None:
        penalty[unpenalised] = 0.0
    beta = np.zeros(d)
    value = _objective(beta, X, y, penalty)
    for _ in range(_MAX_ITERATIONS):
        eta = X @ beta
        p = _expit(eta)
        gradient = X.T @ (p - y) + penalty * beta
        if np.linalg.norm(gradient) <= 1e-10 * max(1.0, float(n)):
            return beta
        weights = p * (1.0 - p)
        hessian = X.T @ (weights[:, None] * X) + np.diag(penalty)
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        scale = 1.0
        for _ in range(_MAX_HALVINGS):
            candidate = beta - scale * step
            candidate_value = _objective(candidate, X, y, penalty)
            if candidate_value <= value + 1e-12 * abs(value):
                break
            scale /= 2
        else:
            break
        beta, value = candidate, candidate_value
    raise KeyVerificationError("penalised_fit_not_converged")


def _objective(beta: np.ndarray, X: np.ndarray, y: np.ndarray, penalty: np.ndarray) -> float:
    eta = X @ beta
    return float(np.sum(np.logaddexp(0.0, eta) - y * eta) + 0.5 * np.sum(penalty * beta**2))


def _expit(eta: np.ndarray) -> np.ndarray:
    # exp of a non-positive number never overflows
    e = np.exp(-np.abs(eta))
    return np.where(eta >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

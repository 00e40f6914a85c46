"""The least-mean-squares (LMS) rule of the lecture notes: batch gradient descent on J(theta) = 1/2 sum (x_i theta -
y_i)^2, the cost whose minimiser is the least-squares fit (the Gaussian MLE of beta). The 1/2 makes the gradient
X'(X theta - y) without a factor 2.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .errors import DataError
from .families.design import regression_arrays


def lms_cost(X: ArrayLike, y: ArrayLike, theta: ArrayLike) -> float:
    """J(theta) = 1/2 sum_i (x_i theta - y_i)^2."""
    X, y = regression_arrays({"X": X, "y": y})
    residuals = X @ _theta(theta, X) - y
    return float(0.5 * residuals @ residuals)


def gradient_descent(X: ArrayLike, y: ArrayLike, start: ArrayLike, alpha: float, steps: int) -> np.ndarray:
    """The iterates theta_0 = start, theta_{k+1} = theta_k - alpha X'(X theta_k - y), k < steps: shape (steps + 1, d).

    An iterate that overflows (alpha too large: the iteration diverges) is inf or nan, for the caller to refuse.
    """
    X, y = regression_arrays({"X": X, "y": y})
    if not (np.isfinite(alpha) and alpha > 0):
        raise DataError("lms_learning_rate", alpha=alpha)
    if int(steps) != steps or steps < 0:
        raise DataError("lms_steps", steps=steps)
    iterates = np.empty((int(steps) + 1, X.shape[1]))
    iterates[0] = _theta(start, X)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(int(steps)):
            iterates[k + 1] = iterates[k] - alpha * (X.T @ (X @ iterates[k] - y))
    return iterates


def _theta(theta: ArrayLike, X: np.ndarray) -> np.ndarray:
    values = np.asarray(theta, dtype=float)
    if values.shape != (X.shape[1],) or not np.isfinite(values).all():
        raise DataError("lms_theta_invalid", columns=X.shape[1], theta=values.tolist())
    return values

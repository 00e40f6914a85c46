"""High-precision reference MLEs for the key benchmark, computed without the grader, in np.longdouble.

On x86 np.longdouble is the 80-bit extended format (64-bit mantissa, eps 1.1e-19), so a reference accurate to a
few of its rounding units is about 1000 times more precise than any float64 estimate it judges.

Smooth models (logistic, Poisson, multinomial): a float64 Newton method from zero (its own code, not the
grader's) gets close, then Newton steps whose gradient is computed entirely in longdouble (the Hessian only
sets the step, so float64 suffices for it) run until the step is below longdouble rounding; the fixed point is
where the longdouble gradient vanishes, so it is the MLE to longdouble precision. Linear: the normal
equations refined in the same way (residuals and X'r in longdouble), then sigma = sqrt(RSS / n).

Laplace (least absolute deviations): the exact vertex. beta solves the d equations x_i beta = y_i of d
interpolated rows (chosen from a candidate fit's smallest residuals), by Gaussian elimination in longdouble; its
optimality is then checked in longdouble with the LP dual certificate (a_i = sign(r_i) off those rows, a on them
from X'a = 0, every |a_i| < 1 proves beta is the unique minimiser). If the check fails, simplex pivots
(Barrodale-Roberts edge steps, in longdouble) walk to the optimum and the check is repeated.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

LD = np.longdouble
_EPS_LD = float(np.finfo(LD).eps)


def ld_solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve a x = b (a square, small) by Gaussian elimination with partial pivoting, entirely in longdouble."""
    m = np.array(a, dtype=LD)
    rhs = np.array(b, dtype=LD)
    size = m.shape[0]
    for k in range(size):
        pivot = k + int(np.argmax(np.abs(m[k:, k])))
        if m[pivot, k] == 0:
            raise np.linalg.LinAlgError("singular matrix in the longdouble solve")
        if pivot != k:
            m[[k, pivot]] = m[[pivot, k]]
            rhs[[k, pivot]] = rhs[[pivot, k]]
        factors = m[k + 1 :, k] / m[k, k]
        m[k + 1 :] -= factors[:, None] * m[k]
        rhs[k + 1 :] -= factors[:, None] * rhs[k] if rhs.ndim == 2 else factors * rhs[k]
    x = np.zeros_like(rhs)
    for k in range(size - 1, -1, -1):
        x[k] = (rhs[k] - m[k, k + 1 :] @ x[k + 1 :]) / m[k, k]
    return x


def _column_sums(products: np.ndarray) -> np.ndarray:
    """Sums over rows of an (n, m) longdouble array, by numpy's pairwise summation along a contiguous axis."""
    return np.ascontiguousarray(products.T).sum(axis=1)


def _xt(XL: np.ndarray, v: np.ndarray) -> np.ndarray:
    """X'v in longdouble, for v of shape (n,) or (n, m): (d,) or (d, m)."""
    if v.ndim == 1:
        return _column_sums(XL * v[:, None])
    return np.stack([_column_sums(XL * v[:, [k]]) for k in range(v.shape[1])], axis=1)


# ------------------------------------------------------------------------------------------- smooth models
def _gradient_ld(model: str, XL: np.ndarray, yL: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """The nll's gradient in beta (flat, row-major for the multinomial), computed in longdouble."""
    if model == "logistic":
        return _xt(XL, 1 / (1 + np.exp(-(XL @ beta))) - yL)
    if model == "poisson_regression":
        return _xt(XL, np.exp(XL @ beta) - yL)
    B = beta.reshape(XL.shape[1], -1)
    eta = XL @ B
    shift = np.maximum(eta.max(axis=1), 0)
    e = np.exp(eta - shift[:, None])
    p = e / (np.exp(-shift) + e.sum(axis=1))[:, None]
    onehot = (yL[:, None] == np.arange(1, B.shape[1] + 1)).astype(LD)
    return _xt(XL, p - onehot).ravel()


def _derivatives64(model: str, X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """nll, gradient and Hessian in float64, for the Newton start."""
    if model == "logistic":
        eta = X @ beta
        p = 1 / (1 + np.exp(-eta))
        nll = float(np.sum(np.logaddexp(0, eta) - y * eta))
        return nll, X.T @ (p - y), (X * (p * (1 - p))[:, None]).T @ X
    if model == "poisson_regression":
        eta = X @ beta
        mu = np.exp(eta)
        return float(np.sum(mu - y * eta + gammaln(y + 1))), X.T @ (mu - y), (X * mu[:, None]).T @ X
    d = X.shape[1]
    B = beta.reshape(d, -1)
    k1 = B.shape[1]
    eta = np.column_stack([np.zeros(X.shape[0]), X @ B])
    log_norm = np.logaddexp.reduce(eta, axis=1)
    p = np.exp(eta[:, 1:] - log_norm[:, None])
    nll = float(np.sum(log_norm - eta[np.arange(X.shape[0]), y.astype(int)]))
    onehot = (y[:, None] == np.arange(1, k1 + 1)).astype(float)
    grad = (X.T @ (p - onehot)).ravel()
    hess = np.zeros((d, k1, d, k1))
    for k in range(k1):
        for m in range(k1):
            w = p[:, k] * ((k == m) - p[:, m])
            hess[:, k, :, m] = (X * w[:, None]).T @ X
    return nll, grad, hess.reshape(d * k1, d * k1)


def smooth_reference(model: str, X: np.ndarray, y: np.ndarray, k1: int = 1) -> np.ndarray:
    """The MLE of beta (flat) for logistic, poisson_regression or multinomial_logistic (k1 = K - 1 columns)."""
    size = X.shape[1] * k1
    beta = np.zeros(size)
    nll, grad, hess = _derivatives64(model, X, y, beta)
    for _ in range(100):
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while True:
            candidate = beta - t * step
            new = _derivatives64(model, X, y, candidate)
            if new[0] <= nll or t < 1e-10:
                break
            t /= 2
        beta, (nll, grad, hess) = candidate, new
        if np.max(np.abs(t * step)) <= 1e-12 * (1 + np.max(np.abs(beta))):
            break
    XL, yL = X.astype(LD), y.astype(LD)
    betaL = beta.astype(LD)
    for _ in range(20):
        step = np.linalg.solve(hess, _gradient_ld(model, XL, yL, betaL).astype(float))
        betaL = betaL - step.astype(LD)
        if np.max(np.abs(step)) <= 4 * _EPS_LD * float(np.max(np.abs(betaL))):
            break
    else:
        raise RuntimeError(f"the longdouble Newton refinement for {model} did not settle")
    return betaL


def linear_reference(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(beta, sigma) of the normal linear model: least squares refined in longdouble, sigma^2 = RSS / n."""
    XL, yL = X.astype(LD), y.astype(LD)
    gram = X.T @ X
    betaL = np.linalg.solve(gram, X.T @ y).astype(LD)
    for _ in range(20):
        step = np.linalg.solve(gram, _xt(XL, yL - XL @ betaL).astype(float))
        betaL = betaL + step.astype(LD)
        if np.max(np.abs(step)) <= 4 * _EPS_LD * float(np.max(np.abs(betaL))):
            break
    else:
        raise RuntimeError("the longdouble refinement of least squares did not settle")
    r = yL - XL @ betaL
    return np.r_[betaL, np.sqrt(np.sum(r * r) / len(y))]


# -------------------------------------------------------------------------------------------------- Laplace
def _vertex_certificate(XL: np.ndarray, yL: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """beta interpolating ``rows``, its residuals (exactly 0 on rows) and the dual a on rows, all in longdouble."""
    beta = ld_solve(XL[rows], yL[rows])
    r = yL - XL @ beta
    r[rows] = 0
    signs = np.sign(r)
    a_rows = ld_solve(XL[rows].T, -_xt(XL, signs))
    return beta, r, a_rows


def laplace_reference(X: np.ndarray, y: np.ndarray, candidate: np.ndarray, max_pivots: int = 2000) -> np.ndarray:
    """(beta, scale) of Laplace regression: the optimal vertex, proven optimal and unique in longdouble.

    ``candidate`` is any beta near the optimum; its d smallest residuals name the starting vertex.
    """
    n, d = X.shape
    XL, yL = X.astype(LD), y.astype(LD)
    rows = np.argsort(np.abs(y - X @ candidate), kind="stable")[:d]
    for _ in range(max_pivots):
        beta, r, a_rows = _vertex_certificate(XL, yL, rows)
        leaving = int(np.argmax(np.abs(a_rows)))
        if abs(a_rows[leaving]) < 1:
            off = np.ones(n, dtype=bool)
            off[rows] = False
            if not np.all(r[off] != 0):
                raise RuntimeError("the optimal vertex is degenerate: another residual is exactly zero")
            return np.r_[beta, np.sum(np.abs(r)) / n]
        # The edge that frees row ``leaving``: the other rows stay interpolated; S along it is piecewise linear
        # with kinks where residuals cross zero, minimised at the first kink where its slope turns non-negative.
        target = np.zeros(d, dtype=LD)
        target[leaving] = -np.sign(a_rows[leaving])
        slopes = XL @ ld_solve(XL[rows], target)
        slopes[rows] = target
        moving = np.flatnonzero(slopes != 0)
        ratio = r[moving] / slopes[moving]
        weight = np.abs(slopes[moving])
        ahead = ratio > 0
        slope = weight[~ahead].sum() - weight[ahead].sum()
        order = np.argsort(ratio[ahead], kind="stable")
        turned = np.flatnonzero(slope + 2 * np.cumsum(weight[ahead][order]) >= 0)
        rows = rows.copy()
        rows[leaving] = moving[ahead][order[turned[0]]]
    raise RuntimeError(f"no optimal vertex within {max_pivots} pivots")


def laplace_objective(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> float:
    """S(beta) = sum |y - X beta|, evaluated in longdouble."""
    return float(np.sum(np.abs(y.astype(LD) - X.astype(LD) @ np.asarray(beta, dtype=LD))))


def reference(model: str, data: dict[str, np.ndarray], laplace_candidate: np.ndarray | None = None) -> np.ndarray:
    """The reference theta, laid out as the grader packs it (beta row-major, then sigma or scale)."""
    X, y = data["X"], data["y"]
    if model == "linear":
        return linear_reference(X, y)
    if model == "laplace_regression":
        if laplace_candidate is None:
            raise ValueError("the Laplace reference needs a candidate beta to name its starting vertex")
        return laplace_reference(X, y, laplace_candidate)
    k1 = int(y.max()) if model == "multinomial_logistic" else 1
    return smooth_reference(model, X, y, k1)

"""Batched quasi-Poisson GLM (IRLS) with Farrington/Noufaily outlier down-weighting.

All series share one design matrix, so X'WX for every series is a single matrix product
W @ (x_i x_j) — one BLAS call per iteration instead of a Python loop over series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

ETA_MIN, ETA_MAX = -12.0, 15.0


@dataclass
class GLMFit:
    beta: np.ndarray  # (S, p)
    phi: np.ndarray  # (S,) quasi-Poisson dispersion, >= 1
    mu: np.ndarray  # (S, n) fitted means on the training points
    cov: np.ndarray  # (S, p, p) (X'WX)^-1: times phi, the covariance of beta


def _irls(
    y: np.ndarray,
    X: np.ndarray,
    omega: np.ndarray,
    beta: np.ndarray,
    *,
    n_iter: int,
    ridge: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    n, p = X.shape
    XX = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
    A = np.zeros((y.shape[0], p, p))
    for _ in range(n_iter):
        eta = np.clip(beta @ X.T, ETA_MIN, ETA_MAX)
        mu = np.exp(eta)
        w = omega * mu
        # working response times weight: w * (eta + (y - mu)/mu) without dividing by tiny mu
        wz = omega * (mu * eta + y - mu)
        A = (w @ XX).reshape(-1, p, p) + ridge
        b = wz @ X
        beta = np.linalg.solve(A, b[..., None])[..., 0]
    return beta, A


def fit_quasipoisson(
    Y: np.ndarray,
    X: np.ndarray,
    *,
    robust: bool = True,
    weights_threshold: float = 2.58,
    n_iter: int = 6,
    ridge: float = 1e-2,
) -> GLMFit:
    """Fit log mu = X beta for every row of Y (NaN = missing). The first column of X must be the intercept."""
    S = Y.shape[0]
    p = X.shape[1]
    observed = ~np.isnan(Y)
    y = np.where(observed, Y, 0.0)
    base = observed.astype(float)
    n_obs = np.maximum(base.sum(axis=1), 1.0)
    # Small ridge on all but the intercept keeps empty or constant covariates (a holiday absent from
    # the history, an all-zero cell) from making X'WX singular.
    pen = np.full(p, ridge)
    pen[0] = 1e-8
    ridge_m = np.diag(pen)[None, :, :]
    beta = np.zeros((S, p))
    beta[:, 0] = np.log((y.sum(axis=1) + 0.5) / n_obs)
    beta, A = _irls(y, X, base, beta, n_iter=n_iter, ridge=ridge_m)
    mu = np.exp(np.clip(beta @ X.T, ETA_MIN, ETA_MAX))
    phi = _dispersion(y, mu, base, p)
    if robust:
        omega = anscombe_weights(y, mu, phi, base, weights_threshold)
        beta, A = _irls(y, X, omega, beta, n_iter=max(3, n_iter // 2), ridge=ridge_m)
        mu = np.exp(np.clip(beta @ X.T, ETA_MIN, ETA_MAX))
        # Down-weighted Pearson residuals understate phi when counts are small: the NB tail itself then
        # crosses the Anscombe threshold. Trust them from a mean of 5 up, the unweighted ones below 1.
        trust = np.clip(((mu * base).sum(axis=1) / n_obs - 1.0) / 4.0, 0.0, 1.0)
        phi = trust * _dispersion(y, mu, omega, p) + (1.0 - trust) * _dispersion(y, mu, base, p)
    return GLMFit(beta=beta, phi=phi, mu=mu, cov=np.linalg.inv(A))


def anscombe_weights(
    y: np.ndarray, mu: np.ndarray, phi: np.ndarray, base: np.ndarray, threshold: float = 2.58
) -> np.ndarray:
    """Farrington weights: points whose Anscombe residual exceeds `threshold` (past outbreaks) get
    weight ~ r^-2, then all are rescaled to the number of observed points. Leverage is ignored: with
    hundreds of points per fit 1 - h_ii is close to 1."""
    cm = np.cbrt(mu)
    r = 1.5 * (np.cbrt(y) ** 2 / np.maximum(cm, 1e-6) - cm**2) / np.sqrt(phi[:, None])
    omega = np.where(r > threshold, 1.0 / np.maximum(r, 1e-9) ** 2, 1.0) * base
    n_obs = base.sum(axis=1, keepdims=True)
    return omega * n_obs / np.maximum(omega.sum(axis=1, keepdims=True), 1e-12)


def _dispersion(y: np.ndarray, mu: np.ndarray, w: np.ndarray, p: int) -> np.ndarray:
    pearson = (w * (y - mu) ** 2 / np.maximum(mu, 1e-9)).sum(axis=1)
    dof = np.maximum(w.sum(axis=1) - p, 1.0)
    return np.maximum(pearson / dof, 1.0)


def nb_upper_tail(y: np.ndarray, mu: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """P(Y >= y) for Y negative binomial with mean mu and variance phi*mu (Poisson when phi ~ 1)."""
    y = np.asarray(y, float)
    mu = np.maximum(np.asarray(mu, float), 1e-9)
    phi = np.broadcast_to(np.asarray(phi, float), mu.shape)
    poisson = phi <= 1.0 + 1e-6
    size = mu / np.maximum(phi - 1.0, 1e-6)
    p_nb = stats.nbinom.sf(y - 1, size, 1.0 / np.maximum(phi, 1.0 + 1e-6))
    p_po = stats.poisson.sf(y - 1, mu)
    out = np.where(poisson, p_po, p_nb)
    return np.where(y <= 0, 1.0, out)


def nb_sample(rng: np.random.Generator, mu: np.ndarray, phi: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    """Draws with mean mu and variance phi*mu (gamma-Poisson mixture; Poisson where phi ~ 1)."""
    mu = np.maximum(mu, 1e-12)
    phi = np.broadcast_to(phi, mu.shape)
    scale = np.maximum(phi - 1.0, 1e-6)
    lam = rng.gamma(np.broadcast_to(mu / scale, size), np.broadcast_to(scale, size))
    return rng.poisson(lam).astype(float)

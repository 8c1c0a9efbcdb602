"""Prospective negative-binomial baseline (Farrington/Noufaily-style) for many count series at once.

log mu_t = a + b*trend + seasonal terms (+ weekday, annual and Chinese-calendar terms for daily data),
fitted by robust quasi-Poisson IRLS on the history that ends `guard` steps before each forecast origin,
so that an ongoing outbreak does not leak into its own baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .glm import ETA_MAX, ETA_MIN, fit_quasipoisson, nb_upper_tail

YEAR = {52: 52.0, 7: 364.0}  # one "year" in time steps; the 12345 design uses 52-week years


@dataclass
class BaselineConfig:
    period: int = 52
    harmonics: int = 2
    guard: int | None = None  # steps left out before each forecast origin
    step: int | None = None  # refit every `step` time points
    max_history: int | None = None
    trend: bool = True
    robust: bool = True

    def resolved(self) -> BaselineConfig:
        daily = self.period == 7
        return BaselineConfig(
            period=self.period,
            harmonics=self.harmonics,
            guard=self.guard if self.guard is not None else (14 if daily else 26),
            step=self.step if self.step is not None else (7 if daily else 1),
            max_history=self.max_history if self.max_history is not None else (3 * 364 if daily else 5 * 52),
            trend=self.trend,
            robust=self.robust,
        )


@dataclass
class Baseline:
    expected: np.ndarray  # (S, E) expected counts over the evaluation window
    phi: np.ndarray  # (S, E) dispersion in force at each evaluated step


def design_matrix(
    t: np.ndarray, origin: float, cfg: BaselineConfig, calendar: np.ndarray | None = None
) -> np.ndarray:
    """Columns: intercept, trend (years from the forecast origin), seasonal terms, calendar terms."""
    year = YEAR.get(cfg.period, float(cfg.period))
    cols = [np.ones_like(t, dtype=float)]
    if cfg.trend:
        cols.append((t - origin) / year)
    if cfg.period == 7:
        dow = np.asarray(t, int) % 7
        cols += [(dow == d).astype(float) for d in range(1, 7)]
    for j in range(1, cfg.harmonics + 1):
        ang = 2 * np.pi * j * t / year
        cols += [np.cos(ang), np.sin(ang)]
    X = np.column_stack(cols)
    if calendar is not None and calendar.shape[1]:
        X = np.column_stack([X, calendar])
    return X


def prospective_baseline(
    Y: np.ndarray,
    eval_start: int,
    cfg: BaselineConfig,
    calendar: np.ndarray | None = None,
    groups: np.ndarray | None = None,
) -> Baseline:
    """Expected counts and predictive dispersion for t in [eval_start, T), refitted every `step` steps.

    With `groups` (category code per series) the temporal shape — trend, season, weekday, holidays — is
    fitted once per group on its total, and each series only gets its own level (recency-weighted) and
    dispersion. Sparse cells cannot support a dozen parameters each, and pooling is what makes a
    megacity (60,000 series) affordable.
    """
    c = cfg.resolved()
    guard, step, max_history = c.guard or 0, c.step or 1, c.max_history or 1
    S, T = Y.shape
    E = T - eval_start
    expected = np.empty((S, E))
    phi = np.empty((S, E))
    t_all = np.arange(T, dtype=float)
    for origin in range(eval_start, T, step):
        hi = origin - guard
        lo = max(0, hi - max_history)
        if hi - lo < 2 * (c.harmonics * 2 + 9):
            raise ValueError("not enough history before the evaluation window")
        end = min(origin + step, T)
        X = design_matrix(t_all[lo:hi], origin, c, calendar[lo:hi] if calendar is not None else None)
        Xn = design_matrix(t_all[origin:end], origin, c, calendar[origin:end] if calendar is not None else None)
        cols = slice(origin - eval_start, end - eval_start)
        if groups is None:
            fit = fit_quasipoisson(Y[:, lo:hi], X, robust=c.robust)
            eta = np.clip(fit.beta @ Xn.T, ETA_MIN, ETA_MAX)
            # predictive variance of log mu: phi * x' (X'WX)^-1 x; it widens the NB quantile so that
            # estimation error in the baseline does not eat the false-alarm budget
            var_eta = fit.phi[:, None] * np.einsum("tp,spq,tq->st", Xn, fit.cov, Xn)
            mu = np.exp(eta)
            expected[:, cols] = mu
            phi[:, cols] = fit.phi[:, None] + mu * var_eta
        else:
            mu, ph = _pooled_fit(Y[:, lo:hi], X, Xn, groups, c)
            expected[:, cols] = mu
            phi[:, cols] = ph
    return Baseline(expected=expected, phi=phi)


def _pooled_fit(
    Yh: np.ndarray, X: np.ndarray, Xn: np.ndarray, groups: np.ndarray, c: BaselineConfig, *, chunk: int = 8192
) -> tuple[np.ndarray, np.ndarray]:
    n_groups = int(groups.max()) + 1
    S, n = Yh.shape
    missing = np.isnan(Yh)
    any_missing = bool(missing.any())
    y_all = np.where(missing, 0.0, Yh) if any_missing else Yh
    member = sparse.csr_matrix((np.ones(S), (groups, np.arange(S))), shape=(n_groups, S))
    totals = np.asarray(member @ y_all)
    if any_missing:
        cover = np.asarray(member @ (~missing).astype(float))
        totals[cover == 0] = np.nan  # a day with no reports at all is an outage, not a zero
    gfit = fit_quasipoisson(totals, X, robust=c.robust)
    shape_h = gfit.mu.astype(np.float32)  # (G, n) group expectation on the history
    cbrt_h = np.cbrt(shape_h)
    shape_n = np.exp(np.clip(gfit.beta @ Xn.T, ETA_MIN, ETA_MAX))
    var_g = gfit.phi[:, None] * np.einsum("tp,gpq,tq->gt", Xn, gfit.cov, Xn)
    # recency weights: a cell's level drifts, so recent history counts more (half-life half a year)
    half_life = YEAR.get(c.period, float(c.period)) / 2
    decay = (0.5 ** ((n - 1 - np.arange(n)) / half_life)).astype(np.float32)
    decay2 = decay**2
    y_max = int(np.nanmax(Yh)) if Yh.size else 0
    pow23 = (np.cbrt(np.arange(y_max + 1, dtype=np.float32)) ** 2).astype(np.float32)  # y^(2/3) by lookup
    pearson, dof, info_cnt, level, var_level = (np.zeros(S) for _ in range(5))
    for a in range(0, S, chunk):  # float32 chunks: (series x days) temporaries dominate time and memory
        b = min(S, a + chunk)
        gi = groups[a:b]
        y = y_all[a:b].astype(np.float32)
        obs = (~missing[a:b]).astype(np.float32) if any_missing else np.ones_like(y)
        sh = shape_h[gi] * obs
        n_obs = obs.sum(1)
        y_sum, sh_sum = y.sum(1), sh.sum(1)
        y2_sh = (y * y / np.maximum(sh, 1e-12)).sum(1)
        lev = (y @ decay + 0.5) / np.maximum(sh @ decay, 1e-12)
        ws = sh  # omega * shape
        if c.robust:
            # Pearson sum for any level L: sum y^2/(sh L) - 2 sum y + L sum sh (no extra pass)
            ph0 = np.maximum((y2_sh / lev - 2 * y_sum + lev * sh_sum) / np.maximum(n_obs - 1, 1), 1.0)
            cmu = cbrt_h[gi] * np.cbrt(lev)[:, None].astype(np.float32)
            scale = (1.5 / np.sqrt(ph0))[:, None].astype(np.float32)
            r = scale * (pow23[y.astype(np.int64)] / np.maximum(cmu, 1e-6) - cmu * cmu)  # Anscombe residuals
            omega = np.where(r > 2.58, 1.0 / np.maximum(r, 1e-9) ** 2, 1.0).astype(np.float32) * obs
            omega *= (n_obs / np.maximum(omega.sum(1), 1e-12))[:, None]
            ws = omega * sh
            # +0.5 pseudo-count: an empty cell gets a small positive level, not zero
            lev = ((omega * y) @ decay + 0.5) / np.maximum(ws @ decay, 1e-12)
        # Dispersion from unweighted Pearson residuals: in sparse cells the Anscombe weights would cut
        # the legitimate NB tail and understate phi (false alarms double at mu < 1).
        pearson[a:b] = np.maximum(y2_sh / lev - 2 * y_sum + lev * sh_sum, 0.0)
        dof[a:b] = np.maximum(n_obs - 1.0, 1.0)
        info_cnt[a:b] = lev * sh_sum
        var_level[a:b] = (ws @ decay2) / np.maximum(lev * (ws @ decay) ** 2, 1e-12)
        level[a:b] = lev
    ph = _shrunk_dispersion(pearson, dof, info_cnt, groups, n_groups=n_groups)
    mu_out = shape_n[groups] * level[:, None]
    phi_out = ph[:, None] + mu_out * (ph[:, None] * var_level[:, None] + var_g[groups])
    return mu_out, phi_out


def _shrunk_dispersion(
    pearson: np.ndarray, dof: np.ndarray, info: np.ndarray, groups: np.ndarray, *, n_groups: int, k: float = 200.0
) -> np.ndarray:
    """Each cell's Pearson dispersion shrunk towards its group's: a cell with few expected counts says little."""
    phi_grp = np.zeros(n_groups)
    np.add.at(phi_grp, groups, pearson)
    dof_grp = np.zeros(n_groups)
    np.add.at(dof_grp, groups, dof)
    phi_grp = phi_grp / np.maximum(dof_grp, 1.0)
    return np.maximum((info * (pearson / dof) + k * phi_grp[groups]) / (info + k), 1.0)


def nb_pvalues(y: np.ndarray, base: Baseline) -> np.ndarray:
    return nb_upper_tail(y, base.expected, base.phi)

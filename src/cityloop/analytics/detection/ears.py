"""EARS C1/C2/C3 and a standardised CUSUM: simple, model-free options (vectorised over series).

Each returns a statistic for every time point; thresholds come from the false-alarm budget
(see `budget.history_threshold`), not from the classic fixed z = 3.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MIN_SIGMA = 0.5  # floor on the baseline sd: with sd = 0 any count above the mean would alarm


def _window_stats(Y: np.ndarray, lag: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd of Y[t-lag-width+1 .. t-lag] for every t (NaN where the window is incomplete)."""
    S, T = Y.shape
    mean = np.full((S, T), np.nan)
    sd = np.full((S, T), np.nan)
    if width + lag > T:
        return mean, sd
    win = sliding_window_view(Y, width, axis=1)  # win[:, i] covers i .. i+width-1
    first = width - 1 + lag  # first t with a complete window ending at t - lag
    mean[:, first:] = np.nanmean(win[:, : T - first], axis=2)
    sd[:, first:] = np.nanstd(win[:, : T - first], axis=2, ddof=1)
    return mean, sd


def ears_statistic(Y: np.ndarray, method: str) -> np.ndarray:
    """C1: 7 preceding points; C2: 7 points with a 2-step guard; C3: C2 plus the excess of the last two C2s."""
    if method == "c1":
        m, s = _window_stats(Y, 1, 7)
        return (Y - m) / np.maximum(s, MIN_SIGMA)
    m, s = _window_stats(Y, 3, 7)
    c2 = (Y - m) / np.maximum(s, MIN_SIGMA)
    if method == "c2":
        return c2
    if method != "c3":
        raise ValueError(method)
    excess = np.maximum(np.nan_to_num(c2, nan=0.0) - 1.0, 0.0)
    lagged = np.zeros_like(excess)
    lagged[:, 1:] += excess[:, :-1]
    lagged[:, 2:] += excess[:, :-2]
    return c2 + lagged


def cusum_statistic(
    Y: np.ndarray, period: int, *, k: float = 1.0, reset_at: float | None = None, reset_from: int = 0
) -> np.ndarray:
    """S_t = max(0, S_{t-1} + z_t - k), z = (y - m) / sqrt(m) against a guarded reference mean m.

    Daily: m is the mean of the same weekday over the 4 previous weeks (weekday effects would otherwise
    feed the sum every Monday); weekly: the mean of 8 weeks ending 2 weeks back. The sqrt(m) scale
    (Poisson, as in Rossi's approximation) cannot collapse to zero like a 4-point sd would.
    With `reset_at`, the sum restarts from zero after each alarm from step `reset_from` on, so that one
    outbreak raises one alarm run rather than weeks of them.
    """
    S, T = Y.shape
    if period == 7:
        m = np.full((S, T), np.nan)
        if T > 28:
            lags = np.stack([Y[:, 28 - lag : T - lag] for lag in (7, 14, 21, 28)])
            m[:, 28:] = np.nanmean(lags, axis=0)
    else:
        m, _ = _window_stats(Y, 2, 8)
    z = np.nan_to_num((Y - m) / np.sqrt(np.maximum(m, 0.25)), nan=0.0)
    out = np.zeros_like(z)
    acc = np.zeros(S)
    # the recursion is sequential in time but vectorised over series
    for t in range(T):
        acc = np.maximum(0.0, acc + z[:, t] - k)
        out[:, t] = acc
        if reset_at is not None and t >= reset_from:
            acc = np.where(acc > reset_at, 0.0, acc)
    out[np.isnan(m)] = np.nan
    return out

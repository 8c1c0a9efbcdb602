"""Next week's ticket volume by area and category.

Model: a recency-weighted mean of the last eight weeks (weights halving every two weeks), multiplied by the
ratio of the same calendar week to the eight before it a year earlier when a year of history exists (season and
holidays), shrunk towards the category's citywide share for sparse series. Baseline: seasonal naive (next week
= last week), the usual yardstick for weekly counts.
"""

from __future__ import annotations

import numpy as np

WEEKS = 8
WEIGHTS = 0.5 ** (np.arange(WEEKS)[::-1] / 2.0)  # oldest first


def weekly(daily: np.ndarray) -> np.ndarray:
    """(S, T) daily counts -> (S, T // 7) weekly totals, aligned on the last day."""
    T = daily.shape[1] - daily.shape[1] % 7
    return daily[:, daily.shape[1] - T:].reshape(daily.shape[0], -1, 7).sum(axis=2)


def seasonal_naive(weeks: np.ndarray) -> np.ndarray:
    return weeks[:, -1].astype(float)


def forecast(weeks: np.ndarray, groups: np.ndarray | None = None, prior: float = 2.0) -> np.ndarray:
    """Next week's expected count for each series of (S, W) weekly totals (W >= 8)."""
    W = weeks.shape[1]
    recent = weeks[:, -WEEKS:].astype(float)
    level = (recent * WEIGHTS).sum(axis=1) / WEIGHTS.sum()
    if groups is not None:
        # Pool sparse series: shrink each series' level towards its group's level scaled by the series' share.
        total = np.zeros(int(groups.max()) + 1)
        np.add.at(total, groups, level)
        share = (weeks[:, -26:].sum(axis=1) + 0.5) / (np.bincount(groups, weeks[:, -26:].sum(axis=1))[groups] + 0.5)
        pooled = total[groups] * share
        n = recent.sum(axis=1)
        level = (n * level + prior * pooled) / (n + prior)
    if W >= 52 + 1:
        # Last year's change from the eight weeks before to the week being forecast (season, holidays).
        all_series = weeks.sum(axis=0).astype(float)
        before = all_series[W - 52 - WEEKS: W - 52].mean()
        target = all_series[W - 52]
        if before > 0:
            level = level * (0.5 + 0.5 * target / before)
    return level

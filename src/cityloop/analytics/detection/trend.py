"""Trend detector ("趋势性"): a score test for a sustained log-linear rise of observed/expected.

Over the last `width` steps, U = sum (t - tbar) y / sqrt(phi * r * sum (t - tbar)^2 mu), with tbar the
mu-weighted mean time and r = sum y / sum mu. A constant bias of the baseline cancels out (it only
changes r), so the test reacts to a rising slope, not to a slightly mis-estimated level; a rise is
reported only while the window is above its expectation (r > 1). The threshold comes from the
false-alarm budget by simulating in-control series from the baseline.
"""

from __future__ import annotations

import numpy as np

from .baseline import Baseline
from .glm import nb_sample


def _wsum(a: np.ndarray, w: int) -> np.ndarray:
    cs = np.cumsum(a, axis=-1)
    out = cs.copy()
    out[..., w:] -= cs[..., :-w]
    return out


def trend_statistic(y: np.ndarray, mu: np.ndarray, phi: np.ndarray, width: int) -> np.ndarray:
    """y, mu, phi: (..., D). Score for the window ending at each step (the first width-1 are partial)."""
    j = np.arange(y.shape[-1], dtype=float)
    j = j - j.mean()
    sy, sjy = _wsum(y, width), _wsum(j * y, width)
    sm, sjm, sj2m = _wsum(mu, width), _wsum(j * mu, width), _wsum(j * j * mu, width)
    sphi = _wsum(phi * mu, width) / np.maximum(sm, 1e-12)
    sm = np.maximum(sm, 1e-12)
    r = sy / sm
    jbar = sjm / sm
    num = sjy - jbar * sy
    var = sphi * np.maximum(r, 1.0 / sm) * np.maximum(sj2m - sjm**2 / sm, 1e-12)
    u = num / np.sqrt(var)
    return np.where(r > 1.0, u, 0.0)


def trend_threshold(
    base: Baseline, rate: float, *, width: int, report_from: int, n_sim: int = 20, seed: int = 0
) -> float:
    rng = np.random.default_rng(seed)
    sims = nb_sample(rng, base.expected, base.phi, (n_sim, *base.expected.shape))
    stat = trend_statistic(sims, base.expected, base.phi, width)[..., report_from:]
    return float(np.quantile(stat, 1.0 - rate))

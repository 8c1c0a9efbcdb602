"""One entry point per detector over a (series x time) count matrix, thresholds from a false-alarm budget."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .baseline import Baseline, BaselineConfig, nb_pvalues, prospective_baseline
from .ears import cusum_statistic, ears_statistic
from .scan import Layout, ScanResult, space_time_scan
from .trend import trend_statistic, trend_threshold

METHODS = ("nb", "ears_c1", "ears_c2", "ears_c3", "cusum", "trend", "scan")
TEMPORAL = ("nb", "ears_c1", "ears_c2", "ears_c3", "cusum", "trend")


@dataclass
class Detection:
    method: str
    alarm: np.ndarray  # (S, E) bool over the evaluation window
    score: np.ndarray  # (S, E) larger = more unusual
    threshold: float  # on `score`
    scan: ScanResult | None = field(default=None, repr=False)


def history_threshold(stat: np.ndarray, eval_start: int, rate: float) -> float:
    """(1 - rate) quantile of the statistic over the history, pooled across series.

    Why: for model-free statistics (EARS, CUSUM) the only honest way to spend a false-alarm budget is
    to look at how often the statistic crossed each level before; past outbreaks in the history make
    this slightly conservative.
    """
    hist = stat[:, :eval_start]
    hist = hist[np.isfinite(hist)]
    if hist.size < 50:
        raise ValueError("not enough history to set a threshold from the false-alarm budget")
    return float(np.quantile(hist, 1.0 - rate))


def detect(
    Y: np.ndarray,
    eval_last: int,
    *,
    period: int,
    method: str = "nb",
    rate: float = 0.01,
    calendar: np.ndarray | None = None,
    layout: Layout | None = None,
    alarms_per_week: float | None = None,
    min_count: int = 2,
    baseline: Baseline | None = None,
    groups: np.ndarray | None = None,
    config: BaselineConfig | None = None,
    seed: int = 0,
) -> Detection:
    """Run `method` on Y (S, T; NaN = missing) and return alarms for the last `eval_last` steps.

    rate: false alarms per series-step allowed (per category-day for `scan`, unless alarms_per_week
    gives the citywide weekly budget instead).
    """
    T = Y.shape[1]
    if not 0 < eval_last < T:
        raise ValueError("eval_last must be between 1 and the series length - 1")
    if not 0 < rate < 1:
        raise ValueError("the false-alarm rate must be between 0 and 1")
    e0 = T - eval_last
    y = Y[:, e0:]
    missing = np.isnan(y)
    cfg = config or BaselineConfig(period=period)
    if method in ("ears_c1", "ears_c2", "ears_c3", "cusum"):
        stat = ears_statistic(Y, method[-2:]) if method != "cusum" else cusum_statistic(Y, period)
        thr = history_threshold(stat, e0, rate)
        if method == "cusum":  # same statistic, restarted after each alarm in the evaluation window
            stat = cusum_statistic(Y, period, reset_at=thr, reset_from=e0)
        score = stat[:, e0:]
        alarm = np.nan_to_num(score, nan=-np.inf) > thr
        return Detection(method, alarm & ~missing, score, thr)
    if method == "scan":
        return _scan(
            Y,
            e0=e0,
            cfg=cfg,
            calendar=calendar,
            layout=layout,
            rate=rate,
            alarms_per_week=alarms_per_week,
            seed=seed,
        )
    if method == "trend":
        return _trend(Y, e0=e0, cfg=cfg, calendar=calendar, groups=groups, rate=rate, seed=seed)
    if method != "nb":
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    base = baseline or prospective_baseline(Y, e0, cfg, calendar, groups)
    p = nb_pvalues(np.nan_to_num(y), base)
    score = -np.log10(np.maximum(p, 1e-300))
    thr = -np.log10(rate)
    alarm = (p < rate) & (np.nan_to_num(y) >= min_count)
    return Detection(method, alarm & ~missing, np.where(missing, np.nan, score), thr)
    raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")


def _trend(
    Y: np.ndarray,
    *,
    e0: int,
    cfg: BaselineConfig,
    calendar: np.ndarray | None,
    groups: np.ndarray | None,
    rate: float,
    seed: int,
) -> Detection:
    width = 28 if cfg.period == 7 else 8
    lead = min(width - 1, e0 - 1)
    base = prospective_baseline(Y, e0 - lead, cfg, calendar, groups)
    y = Y[:, e0 - lead :]
    missing = np.isnan(y)
    stat = trend_statistic(np.where(missing, base.expected, y), base.expected, base.phi, width)[:, lead:]
    thr = trend_threshold(base, rate, width=width, report_from=lead, seed=seed)
    return Detection("trend", (stat > thr) & ~missing[:, lead:], stat, thr)


def _scan(
    Y: np.ndarray,
    *,
    e0: int,
    cfg: BaselineConfig,
    calendar: np.ndarray | None,
    layout: Layout | None,
    rate: float,
    alarms_per_week: float | None,
    seed: int,
    max_window: int = 3,
) -> Detection:
    if layout is None:
        raise ValueError("the scan needs a layout (series,category,x,y)")
    S, T = Y.shape
    n_cat = len(layout.names)
    steps_per_week = 7 if cfg.period == 7 else 1
    alpha = alarms_per_week / steps_per_week / n_cat if alarms_per_week is not None else rate
    lead = min(max_window - 1, e0 - 1)  # earlier days feed the first windows
    start = e0 - lead
    base = prospective_baseline(Y, start, cfg, calendar, layout.category)
    y = np.nan_to_num(Y[:, start:])
    res = space_time_scan(y, base, layout, max_window=max_window, report_from=lead, seed=seed)
    E = T - e0
    alarm = np.zeros((S, E), dtype=bool)
    score = np.zeros((S, E))
    cats, days = np.nonzero(res.pvalue < alpha)
    for c, d in zip(cats, days, strict=True):  # only alarmed category-days: few
        m = res.members(int(c), int(d))
        m = m[m < S]
        alarm[m, d] = True
        score[m, d] = np.maximum(score[m, d], -np.log10(max(res.pvalue[c, d], 1e-300)))
    return Detection("scan", alarm, score, -np.log10(alpha), scan=res)

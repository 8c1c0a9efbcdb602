"""From daily counts to findings: the detectors of `cityloop.analytics.detection` run over category x grid
(concentrated, 集中性), category x street (trending, 趋势性) and a rarity test for new problems (emerging, 苗头性).

Concentrated: the space-time scan over each grid and its nearest grids of the same category (1 to 3 days), held
to a citywide budget of false alarms per week, so that a cluster spread over neighbouring grids is one finding and
counts as much as its total; grids without coordinates get the per-grid NB test instead.

Pure computation over `DailyCounts`; `services.analyse` turns the findings into Warnings (and adds the emerging
topics found in the tickets' text, `novelty`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from cityloop.analytics.counts import DailyCounts
from cityloop.analytics.detection import (
    Baseline,
    BaselineConfig,
    Layout,
    calendar_covariates,
    date_range,
    detect,
    prospective_baseline,
    space_time_scan,
)

EMERGING_WINDOW = 30
SCAN_DAYS = 3  # longest window of the scan: a cluster is judged on up to three days of tickets


@dataclass
class Finding:
    kind: str
    category_id: int | None
    area_id: int
    first: dt.date
    last: dt.date
    expected: float
    observed: int
    significance: float
    daily: list[dict[str, object]] = field(default_factory=list)
    grids: list[int] = field(default_factory=list)  # all the grids of a spatial cluster (area_id among them)
    tickets: list[int] | None = None  # the evidence itself, when the finding is about tickets, not counts
    terms: list[str] = field(default_factory=list)  # what an emerging topic is about, in its own words


def _daily(counts: DailyCounts, y: np.ndarray, mu: np.ndarray | None, t0: int) -> list[dict[str, object]]:
    return [{"day": counts.day(t0 + i).isoformat(), "observed": int(v),
             "expected": round(float(mu[i]), 2) if mu is not None else None} for i, v in enumerate(y)]


def find(counts: DailyCounts, *, eval_days: int = 7, rate: float = 1e-3, min_count: int = 3,
         alarms_per_week: float = 1.0) -> list[Finding]:
    """Findings over the last `eval_days` days of `counts`.

    rate: false alarms per series-day of the per-grid and trend tests; alarms_per_week: citywide false alarms
    per week of the space-time scan.
    """
    T = counts.days
    if counts.cube.shape[0] == 0 or eval_days + 28 >= T:
        return []
    calendar = calendar_covariates(date_range(counts.first_day, T))
    cfg = BaselineConfig(period=7)
    return [*_concentrated(counts, eval_days, cfg, calendar, rate=rate, min_count=min_count,
                           alarms_per_week=alarms_per_week),
            *_trending(counts, eval_days, cfg, calendar, rate),
            *_emerging(counts)]


def _concentrated(counts: DailyCounts, E: int, cfg: BaselineConfig, calendar: np.ndarray, *, rate: float,
                  min_count: int, alarms_per_week: float) -> list[Finding]:
    cube = counts.cube
    cs, gs = np.nonzero(cube.sum(axis=2))
    if len(cs) == 0:
        return []
    Y = cube[cs, gs, :].astype(float)
    e0 = Y.shape[1] - E
    lead = min(SCAN_DAYS - 1, e0 - 1)  # the scan's first windows reach back before the evaluated days
    base = prospective_baseline(Y, e0 - lead, cfg, calendar, cs)
    xy = counts.grids.xy[gs]
    located = ~np.isnan(xy).any(axis=1)
    found = (_scanned(counts, Y[located], Baseline(base.expected[located], base.phi[located]), cs[located],
                     gs[located], e0=e0, lead=lead, alarms_per_week=alarms_per_week, min_count=min_count)
             if located.any() else [])
    if located.all():
        return found
    rest = ~located
    Y, cs, gs = Y[rest], cs[rest], gs[rest]
    base = Baseline(base.expected[rest, lead:], base.phi[rest, lead:])
    det = detect(Y, E, period=7, method="nb", rate=rate, calendar=calendar, baseline=base, groups=cs,
                 min_count=min_count)
    for s in np.nonzero(det.alarm.any(axis=1))[0]:
        days = np.nonzero(det.alarm[s])[0]
        found.append(Finding(
            "concentrated", counts.category_ids[cs[s]], int(counts.grids.ids[gs[s]]),
            counts.day(e0 + int(days[0])), counts.day(e0 + int(days[-1])),
            float(base.expected[s, days].sum()), int(Y[s, e0 + days].sum()), float(np.nanmax(det.score[s])),
            _daily(counts, Y[s, e0:], base.expected[s], e0)))
    return found


def _scanned(counts: DailyCounts, Y: np.ndarray, base: Baseline, cs: np.ndarray, gs: np.ndarray, *, e0: int,
             lead: int, alarms_per_week: float, min_count: int) -> list[Finding]:
    """Space-time scan of the located series; the alarms of one category whose zones share a grid on
    consecutive days are one cluster (one finding), placed in its grid with the largest excess. Y and base
    start `lead` days before the evaluated ones (e0)."""
    n_cat = len(counts.category_ids)
    lat = np.nanmean(counts.grids.xy[:, 1]) if np.isfinite(counts.grids.xy[:, 1]).any() else 0.0
    xy = counts.grids.xy[gs] * np.array([np.cos(np.radians(lat)), 1.0])  # degrees of longitude shrink north
    layout = Layout(category=cs, xy=xy, names=[str(c) for c in range(n_cat)])
    start = e0 - lead
    res = space_time_scan(Y[:, start:], base, layout, max_window=SCAN_DAYS, report_from=lead)
    alpha = alarms_per_week / 7 / n_cat
    # category, first day, last day, grids of every day's zone (to join the next day's), -log10 p and zone of
    # the strongest day (what the finding reports: a union over days would blur the cluster's extent)
    clusters: list[tuple[int, int, int, set[int], float, set[int]]] = []
    for c, d in sorted(zip(*np.nonzero(res.pvalue < alpha), strict=True), key=lambda cd: (cd[0], cd[1])):
        members = {int(m) for m in res.members(int(c), int(d)) if m < len(cs)}
        first = int(d) - int(res.window[c, d]) + 1
        score = float(-np.log10(max(res.pvalue[c, d], 1e-300)))
        joined = next((i for i, k in enumerate(clusters) if k[0] == c and k[2] >= first - 1 and k[3] & members),
                      None)
        if joined is None:
            clusters.append((int(c), first, int(d), members, score, members))
        else:
            k = clusters[joined]
            best = (score, members) if score > k[4] else (k[4], k[5])
            clusters[joined] = (k[0], min(k[1], first), int(d), k[3] | members, *best)
    found = []
    for c, first, last, _seen, score, zone in clusters:
        rows = np.array(sorted(zone))
        t0, t1 = e0 + first, e0 + last + 1
        obs = Y[rows, t0:t1].sum(axis=1)
        exp = base.expected[rows, t0 - start:t1 - start].sum(axis=1)
        if obs.sum() < min_count:
            continue
        top = int(rows[np.argmax(obs - exp)])
        found.append(Finding(
            "concentrated", counts.category_ids[c], int(counts.grids.ids[gs[top]]), counts.day(t0),
            counts.day(t1 - 1), float(exp.sum()), int(obs.sum()), score,
            _daily(counts, Y[rows, start:].sum(axis=0), base.expected[rows].sum(axis=0), start),
            grids=[int(counts.grids.ids[gs[r]]) for r in rows]))
    return found


def _street_series(counts: DailyCounts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    street = counts.grids.street
    n_streets = len(counts.grids.street_ids)
    C, _G, T = counts.cube.shape
    Z = np.zeros((C, n_streets, T))
    for k in range(n_streets):
        Z[:, k, :] = counts.cube[:, street == k, :].sum(axis=1)
    cs, ks = np.nonzero(Z.sum(axis=2))
    return Z[cs, ks, :], cs, ks


def _trending(counts: DailyCounts, E: int, cfg: BaselineConfig, calendar: np.ndarray, rate: float) -> list[Finding]:
    """Sustained rises: the detectors' trend statistic over the last four weeks, and a slower test of the last
    quarter or half-year against the one before, adjusted by the category's change in the rest of the city
    (so that seasons and citywide shifts do not count). Bonferroni over series and windows."""
    Y, cs, ks = _street_series(counts)
    if len(cs) == 0 or Y.shape[1] < 90:
        return []
    T = Y.shape[1]
    by_category = np.zeros((len(counts.category_ids), T))
    np.add.at(by_category, cs, Y)
    scores: dict[int, tuple[int, float, float, int]] = {}  # series -> (window, -log10 p, expected, observed)
    for width in (91, 182):
        if 2 * width > T:
            continue
        recent, prior = Y[:, T - width:].sum(axis=1), Y[:, T - 2 * width: T - width].sum(axis=1)
        rest_recent = by_category[cs, T - width:].sum(axis=1) - recent
        rest_prior = by_category[cs, T - 2 * width: T - width].sum(axis=1) - prior
        factor = (rest_recent + 1) / (rest_prior + 1)
        p0 = factor / (1 + factor)
        p = stats.binom.sf(recent - 1, recent + prior, p0)
        expected = prior * factor
        hit = (p < rate / max(len(cs), 1)) & (recent >= 10) & (recent >= 1.5 * expected)
        for j in np.nonzero(hit)[0].tolist():
            score = float(-np.log10(max(p[j], 1e-300)))
            if j not in scores or score > scores[j][1]:
                scores[j] = (width, score, float(expected[j]), int(recent[j]))
    busy = np.nonzero(Y[:, -56:].sum(axis=1) >= 16)[0]
    if len(busy):
        det = detect(Y[busy], E, period=7, method="trend", rate=rate, calendar=calendar, groups=cs[busy])
        for i in np.nonzero(det.alarm.any(axis=1))[0]:
            k = int(busy[i])
            if k not in scores:
                before = Y[k, T - 28 - 91: T - 28]
                scores[k] = (28, float(np.nanmax(det.score[i])), float(before.mean() * 28) if before.size else 0.0,
                             int(Y[k, T - 28:].sum()))
    found = []
    for s, (width, score, expected, observed) in scores.items():
        weekly = [int(Y[s, t: t + 7].sum()) for t in range(T - 2 * width if 2 * width <= T else 0, T - 6, 7)]
        found.append(Finding(
            "trending", counts.category_ids[cs[s]], counts.grids.street_ids[ks[s]],
            counts.day(T - width), counts.day(T - 1), expected, observed, score,
            [{"week_ending": counts.day(min(T - 1, t + 6)).isoformat(), "observed": v}
             for t, v in zip(range(T - 7 * len(weekly), T, 7), weekly, strict=True)]))
    return found


def _emerging(counts: DailyCounts, window: int = EMERGING_WINDOW, alpha: float = 1e-5) -> list[Finding]:
    """A category that was (nearly) absent from a street and now has a first cluster there."""
    Y, cs, ks = _street_series(counts)
    T = Y.shape[1] if len(cs) else 0
    if window + 60 >= T:
        return []
    recent = Y[:, -window:].sum(axis=1)
    history = Y[:, :-window].sum(axis=1)
    per_window = (history + 0.5) / (T - window) * window
    p = stats.poisson.sf(recent - 1, per_window)
    found = []
    for s in np.nonzero((per_window < 2) & (recent >= 5) & (p < alpha))[0]:
        found.append(Finding(
            "emerging", counts.category_ids[cs[s]], counts.grids.street_ids[ks[s]],
            counts.day(T - window), counts.day(T - 1), float(per_window[s]), int(recent[s]),
            float(-np.log10(max(p[s], 1e-300))), _daily(counts, Y[s, -window:], None, T - window)))
    return found

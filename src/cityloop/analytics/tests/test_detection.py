"""Early-warning detectors: planted outbreaks are found, flat series stay within the budget, the CLI
speaks the shared CSV contract and refuses bad input without writing anything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cityloop.analytics.detection import Layout, calendar_covariates, date_range, detect

WEEKLY_T, DAILY_T = 7 * 52, 2 * 364


def weekly_series(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(1, WEEKLY_T + 1)
    mu = np.exp(1.8 + 0.3 * np.cos(2 * np.pi * t / 52))
    return rng.poisson(np.broadcast_to(mu, (n, WEEKLY_T))).astype(float)


def daily_series(n: int, seed: int, level: float = 8.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(DAILY_T)
    dow = np.array([1.15, 1.1, 1.05, 1.05, 1.0, 0.8, 0.75])[t % 7]
    return rng.poisson(np.broadcast_to(level * dow, (n, DAILY_T))).astype(float)


@pytest.mark.parametrize("method", ["nb", "ears_c1", "ears_c2", "ears_c3", "cusum"])
def test_weekly_outbreak_found_and_flat_series_quiet(method: str) -> None:
    Y = weekly_series(30, seed=1)
    flat = detect(Y, 52, period=52, method=method, rate=0.01)
    assert flat.alarm.mean() <= 0.03  # budget 1 %, allowing sampling noise on 1,560 series-weeks
    Y[:, WEEKLY_T - 20] += 40  # a large outbreak in every series, week 20 before the end
    hit = detect(Y, 52, period=52, method=method, rate=0.01)
    assert hit.alarm[:, 52 - 20].mean() >= 0.9


@pytest.mark.parametrize("method", ["nb", "ears_c1", "ears_c2", "ears_c3", "cusum"])
def test_daily_spike_found(method: str) -> None:
    Y = daily_series(20, seed=2)
    Y[:, DAILY_T - 30] += 35
    res = detect(Y, 90, period=7, method=method, rate=0.01)
    assert res.alarm[:, 90 - 30].mean() >= 0.9
    other = np.delete(res.alarm, 90 - 30, axis=1)
    assert other.mean() <= 0.03


def test_trend_detects_sustained_rise_not_flat() -> None:
    Y = daily_series(20, seed=3)
    flat = detect(Y, 90, period=7, method="trend", rate=0.01)
    assert flat.alarm.mean() <= 0.03
    ramp = np.exp(0.03 * np.arange(40))  # +3 %/day for the last 40 days
    Y[:, -40:] = np.random.default_rng(4).poisson(Y[:, -40:].mean() * ramp)
    res = detect(Y, 90, period=7, method="trend", rate=0.01)
    assert res.alarm[:, -40:].any(axis=1).mean() >= 0.9


@pytest.mark.parametrize("method", ["nb", "ears_c2", "trend"])
def test_threshold_from_budget_is_monotonic(method: str) -> None:
    Y = daily_series(15, seed=5, level=3.0)
    counts = [int(detect(Y, 120, period=7, method=method, rate=r).alarm.sum()) for r in (0.001, 0.01, 0.05)]
    assert counts[0] <= counts[1] <= counts[2]
    assert counts[2] > counts[0]


def test_calendar_covariates_know_holidays_and_makeup_days() -> None:
    cal = calendar_covariates([dt.date(2025, 1, 29), dt.date(2025, 1, 26), dt.date(2025, 3, 5), dt.date(2027, 2, 8)])
    assert cal[0].tolist() == [1.0, 1.0, 0.0]  # Spring Festival holiday
    assert cal[1].tolist() == [0.0, 0.0, 1.0]  # Sunday made a workday (调休)
    assert cal[2].tolist() == [0.0, 0.0, 0.0]
    assert cal[3].tolist() == [0.0, 0.0, 0.0]  # beyond the published calendar: weekends only


def test_holiday_terms_stop_holiday_alarms() -> None:
    """Spring Festival triples the hotline volume here and make-up Sundays run at weekday level; with the
    holiday terms neither is an alarm."""
    start = dt.date(2023, 3, 6)
    dates = date_range(start, 3 * 364)
    cal = calendar_covariates(dates)
    rng = np.random.default_rng(6)
    dow = np.array([1.15, 1.1, 1.05, 1.05, 1.0, 0.8, 0.75])[[d.weekday() for d in dates]]
    mu = 10.0 * dow * np.where(cal[:, 0] > 0, 3.0, 1.0) * np.where(cal[:, 2] > 0, 1.15 / 0.8, 1.0)
    Y = rng.poisson(np.broadcast_to(mu, (20, len(dates)))).astype(float)
    n_eval = 120
    eval_hol = (cal[-n_eval:, 0] > 0) | (cal[-n_eval:, 2] > 0)
    assert eval_hol.sum() >= 7  # Spring Festival 2026 and its make-up days fall in the window
    without = detect(Y, n_eval, period=7, method="nb", rate=0.01)
    with_terms = detect(Y, n_eval, period=7, method="nb", rate=0.01, calendar=cal)
    assert without.alarm[:, cal[-n_eval:, 0] > 0].mean() > 0.3
    assert with_terms.alarm[:, eval_hol].mean() <= 0.03


def grid_layout(n_cat: int, g: int) -> Layout:
    cat = np.repeat(np.arange(n_cat), g * g)
    xy = np.tile(np.array([[x, y] for x in range(g) for y in range(g)], float), (n_cat, 1))
    return Layout(category=cat, xy=xy, names=[f"c{i}" for i in range(n_cat)])


def test_scan_finds_planted_cluster() -> None:
    layout = grid_layout(2, 6)
    rng = np.random.default_rng(7)
    S = len(layout.category)
    level = rng.lognormal(np.log(2.0), 0.5, size=S)
    Y = rng.poisson(np.outer(level, np.ones(DAILY_T))).astype(float)
    centre = 6 * 2 + 3  # category 0, cell (2, 3)
    members = [i for i in range(36) if abs(layout.xy[i] - layout.xy[centre]).sum() <= 1]
    day = DAILY_T - 10
    Y[members, day] += 6  # modest per cell, strong together
    res = detect(Y, 60, period=7, method="scan", layout=layout, alarms_per_week=1.0)
    d = 60 - 10
    alarmed = set(np.flatnonzero(res.alarm[:, d]).tolist())
    assert alarmed & set(members)
    jaccard = len(alarmed & set(members)) / len(alarmed | set(members))
    assert jaccard >= 0.5
    assert res.scan is not None
    assert res.scan.pvalue[0, d] < 0.01
    quiet = np.delete(res.scan.pvalue, [d, d + 1, d + 2], axis=1)
    assert (quiet < 1.0 / 7 / 2).mean() <= 0.1


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def counts_rows(Y: np.ndarray) -> list[str]:
    return [f"s{i},{t + 1},{int(Y[i, t])}" for i in range(Y.shape[0]) for t in range(Y.shape[1])]


def test_cli_writes_the_shared_contract(tmp_path: Path) -> None:
    Y = weekly_series(3, seed=8)
    Y[1, WEEKLY_T - 5] += 40
    counts = write_csv(tmp_path / "counts.csv", "series,t,count", counts_rows(Y))
    out = tmp_path / "alarms.csv"
    call_command("detect", counts=str(counts), out=str(out), eval_last=52, period=52, false_alarm_rate=0.01)
    lines = out.read_text().splitlines()
    assert lines[0] == "series,t,method,alarm,score"
    assert len(lines) == 1 + 3 * 52
    assert f"s1,{WEEKLY_T - 4},nb,1," in out.read_text()
    assert {ln.split(",")[1] for ln in lines[1:]} == {str(t) for t in range(WEEKLY_T - 51, WEEKLY_T + 1)}


def test_cli_scan_with_layout(tmp_path: Path) -> None:
    layout = grid_layout(1, 4)
    Y = np.random.default_rng(9).poisson(3.0, size=(16, DAILY_T)).astype(float)
    Y[[5, 6, 9], DAILY_T - 3] += 10
    counts = write_csv(tmp_path / "counts.csv", "series,t,count", counts_rows(Y))
    lay = write_csv(
        tmp_path / "layout.csv",
        "series,category,x,y",
        [f"s{i},c0,{int(layout.xy[i, 0])},{int(layout.xy[i, 1])}" for i in range(16)],
    )
    out = tmp_path / "alarms.csv"
    call_command(
        "detect", counts=str(counts), out=str(out), eval_last=30, period=7, layout=str(lay), method="scan",
        alarms_per_week=1.0, start_date="2024-01-01",
    )
    alarmed = {ln.split(",")[0] for ln in out.read_text().splitlines()[1:] if ln.split(",")[1] == str(DAILY_T - 2)
               and ln.split(",")[3] == "1"}
    assert {"s5", "s6", "s9"} <= alarmed


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        ("series,t,value", ["a,1,1"], "missing column"),
        ("series,t,count", ["a,1,3", "a,2,-1"], "negative count"),
        ("series,t,count", ["a,1,3", "a,2,many"], "not a number"),
        ("series,t,count", ["a,1,3", "a,1,4"], "duplicate"),
        ("series,t,count", ["a,0,3"], "positive integer"),
    ],
)
def test_cli_bad_input_is_refused_without_output(tmp_path: Path, header: str, rows: list[str], message: str) -> None:
    counts = write_csv(tmp_path / "counts.csv", header, rows)
    out = tmp_path / "alarms.csv"
    with pytest.raises(CommandError, match=message):
        call_command("detect", counts=str(counts), out=str(out), eval_last=1, period=7)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["counts.csv"]


def test_cli_refuses_bad_options(tmp_path: Path) -> None:
    counts = write_csv(tmp_path / "counts.csv", "series,t,count", counts_rows(weekly_series(1, seed=10)))
    out = tmp_path / "alarms.csv"
    with pytest.raises(CommandError, match="eval-last"):
        call_command("detect", counts=str(counts), out=str(out), eval_last=WEEKLY_T, period=52)
    with pytest.raises(CommandError, match="layout"):
        call_command("detect", counts=str(counts), out=str(out), eval_last=52, period=52, method="scan")
    with pytest.raises(CommandError, match="false-alarm-rate"):
        call_command("detect", counts=str(counts), out=str(out), eval_last=52, period=52, false_alarm_rate=2)
    assert not out.exists()

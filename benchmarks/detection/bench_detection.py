"""Early-warning benchmark: the DETECTION.md designs, the platform's detectors and (if installed) the R peer.

    .venv/bin/python benchmarks/detection/bench_detection.py [--quick] [--no-peer] [--out DIR]

Data come from the shared generator (`<repo>/../shared/benchmarks/detection-peer/gen_series.py`), run
with fixed seeds; the R peer (`peer_surveillance.R`, package `surveillance`) runs on the same files when
`Rscript` can load it. Every figure is computed with score.py's definitions (FPR per evaluated
non-outbreak step, POD/POD1/median delay per outbreak_id); spatial rows follow DETECTION.md rule 4.

Thresholds, two ways:
  [budget]  the platform's own threshold from --false-alarm-rate (what `cityloop detect` does), or the
            peer's default alpha;
  [matched] every method re-thresholded on null replicates (k2 = 0, other seeds) to the same false-alarm
            rate (1 % per series-step; 1 false alarm per week citywide for spatial rows). The peer has
            no score column, so its matched rows threshold observed/upperbound.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))

from cityloop.analytics.detection import Detection, Layout, detect  # noqa: E402
from cityloop.analytics.detection.glm import nb_upper_tail  # noqa: E402
from cityloop.analytics.detection.io import read_counts  # noqa: E402

PEER_DIR = REPO.parent / "shared" / "benchmarks" / "detection-peer"
WEEKLY_METHODS = ("nb", "ears_c1", "ears_c2", "ears_c3", "cusum", "trend")
PEER_WEEKLY = ("farringtonFlexible", "earsC1", "earsC2", "earsC3", "cusum", "bayes")
PEER_DAILY = ("earsC1", "earsC2", "earsC3")
RATE = 0.01
DAILY_ARGS = ["--years", "2", "--eval", "182", "--cats", "3", "--grid", "5", "--rate", "2", "--n-clusters", "12"]
DAILY_EVAL, DAILY_T = 182, 728


@dataclass
class Design:
    Y: np.ndarray  # (S, T)
    state: np.ndarray  # (S, T)
    oid: np.ndarray  # (S, T)
    series: list[str]
    eval_last: int

    @property
    def e0(self) -> int:
        return self.Y.shape[1] - self.eval_last


# ---------------------------------------------------------------- data


def generate(mode: str, out: Path, args: list[str]) -> subprocess.Popen[bytes]:
    out.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([sys.executable, str(PEER_DIR / "gen_series.py"), mode, "--out", str(out), *args])


def run_all(jobs: list[tuple[str, Path, list[str]]], parallel: int = 2) -> None:
    running: list[subprocess.Popen[bytes]] = []
    for job in jobs:
        if (job[1] / "truth.csv").exists():
            continue
        running.append(generate(*job))
        if len(running) >= parallel and running.pop(0).wait() != 0:
            raise SystemExit("generator failed")
    for p in running:
        if p.wait() != 0:
            raise SystemExit("generator failed")


def load(d: Path, eval_last: int) -> Design:
    tab = read_counts(d / "counts.csv")
    S, T = tab.Y.shape
    idx = {s: i for i, s in enumerate(tab.series)}
    state = np.zeros((S, T), dtype=np.int64)
    oid = np.zeros((S, T), dtype=np.int64)
    with (d / "truth.csv").open() as fh:
        for r in csv.DictReader(fh):
            i, t = idx[r["series"]], int(r["t"]) - 1
            state[i, t] = int(r["state"])
            oid[i, t] = int(r["outbreak_id"])
    return Design(tab.Y, state, oid, tab.series, eval_last)


def stack(designs: list[Design]) -> Design:
    """Replicate cities side by side; outbreak ids made unique per replicate."""
    oids = [np.where(d.oid > 0, d.oid + 1000 * i, d.oid) for i, d in enumerate(designs)]
    return Design(
        np.vstack([d.Y for d in designs]),
        np.vstack([d.state for d in designs]),
        np.vstack(oids),
        [f"r{i}_{s}" for i, d in enumerate(designs) for s in d.series],
        designs[0].eval_last,
    )


def daily_layout(design: Design, n_rep: int) -> Layout:
    """Series names c{cat}_x{a}_y{b}, prefixed r{rep}_: one category code per replicate and category."""
    cat, xy = [], []
    for name in design.series:
        rep, c, x, y = name.split("_")
        cat.append(int(rep[1:]) * 3 + int(c[1:]))
        xy.append((float(x[1:]), float(y[1:])))
    return Layout(np.array(cat), np.array(xy), [str(i) for i in range(3 * n_rep)])


def daily_calendar() -> np.ndarray:
    """The generator's holiday days (Spring Festival and Golden Week dips), as a calendar would give them."""
    cal = np.zeros((DAILY_T, 2))
    for y0 in range(0, DAILY_T, 364):
        cal[y0 + 30 : y0 + 37, 0] = 1.0
        cal[y0 + 273 : y0 + 280, 1] = 1.0
    return cal


# ---------------------------------------------------------------- scoring (score.py's definitions)


def score_temporal(alarm: np.ndarray, d: Design) -> dict[str, float]:
    st, oid = d.state[:, d.e0 :], d.oid[:, d.e0 :]
    neg = st == 0
    fpr = float(alarm[neg].mean())
    pos = (oid > 0) & (st == 1)
    ids = np.unique(oid[pos])
    t_idx = np.broadcast_to(np.arange(st.shape[1]), st.shape)
    det = pod1 = 0
    delays = []
    for i in ids:
        m = pos & (oid == i)
        start = t_idx[m].min()
        hit = t_idx[m & alarm]
        if hit.size:
            det += 1
            delays.append(hit.min() - start)
            pod1 += int(hit.min() == start)
    n = max(1, len(ids))
    return {
        "FPR": fpr,
        "POD": det / n,
        "POD1": pod1 / n,
        "delay": float(np.median(delays)) if delays else float("nan"),
        "n_ob": len(ids),
        "fp": float(alarm[neg].sum()),
    }


def check_scorer(base: Path, d: Design) -> str:
    """Run `cityloop detect` on the weekly k2=5 files and score its alarms.csv with the shared score.py: the
    benchmark's own scorer must give the same FPR, POD, POD1 and delay, or the run stops."""
    counts, truth = base / "weekly_k5" / "counts.csv", base / "weekly_k5" / "truth.csv"
    alarms = base / "weekly_k5" / "cityloop_nb_alarms.csv"
    cli = Path(sys.executable).with_name("cityloop")
    subprocess.run([str(cli), "detect", "--counts", str(counts), "--out", str(alarms), "--eval-last", "52",
                    "--period", "52", "--method", "nb", "--false-alarm-rate", str(RATE)],
                   check=True, capture_output=True)
    out = subprocess.run([sys.executable, str(PEER_DIR / "score.py"), str(truth), str(alarms)],
                         check=True, capture_output=True, text=True).stdout
    line = next(x.split() for x in out.splitlines() if x.startswith("nb "))
    theirs = {"FPR": float(line[1]), "POD": float(line[2]), "POD1": float(line[3]), "delay": float(line[4]),
              "n_ob": int(line[5])}
    with alarms.open() as fh:
        alarm = np.zeros((d.Y.shape[0], d.eval_last), dtype=bool)
        idx = {s: i for i, s in enumerate(d.series)}
        for r in csv.DictReader(fh):
            alarm[idx[r["series"]], int(r["t"]) - 1 - d.e0] = r["alarm"] == "1"
    ours = score_temporal(alarm, d)
    diff = {k: (ours[k], v) for k, v in theirs.items() if abs(float(ours[k]) - v) > 6e-4}
    if diff:
        raise SystemExit(f"the benchmark's scorer disagrees with score.py on {alarms}: {diff}")
    return (f"scorer check: `cityloop detect` alarms on weekly k2=5 scored by score.py = this table's scorer "
            f"(FPR {theirs['FPR']:.4f}, POD {theirs['POD']:.3f}, POD1 {theirs['POD1']:.3f}, n_ob {theirs['n_ob']})")


def matched_threshold(null_score: np.ndarray, null_neg: np.ndarray, rate: float) -> float:
    s = np.nan_to_num(null_score[null_neg], nan=-np.inf)
    return float(np.quantile(s, 1.0 - rate))


def events(d: Design) -> dict[int, tuple[set[int], int, int]]:
    """outbreak id -> (series, first and last evaluated day)."""
    st, oid = d.state[:, d.e0 :], d.oid[:, d.e0 :]
    out = {}
    for i in np.unique(oid[(oid > 0) & (st == 1)]):
        s, t = np.nonzero((oid == i) & (st == 1))
        out[int(i)] = (set(s.tolist()), int(t.min()), int(t.max()))
    return out


def score_spatial(units: list[tuple[int, int, set[int]]], d: Design, cat_of: np.ndarray) -> dict[str, float]:
    """units: (category, day, cells) alarms. An event is detected by a unit of its category overlapping
    its cells on one of its days (+1); a category-day with any unmatched unit is one false alarm."""
    ev = events(d)
    first: dict[int, tuple[int, float]] = {}
    false_days: set[tuple[int, int]] = set()
    for c, day, cells in units:
        matched = False
        for i, (ecells, t0, t1) in ev.items():
            if cat_of[next(iter(ecells))] == c and cells & ecells and t0 <= day <= t1 + 1:
                matched = True
                if i not in first or day < first[i][0]:
                    first[i] = (day, len(cells & ecells) / len(cells | ecells))
        if not matched:
            false_days.add((c, day))
    n = max(1, len(ev))
    delays = [first[i][0] - ev[i][1] for i in first]
    n_cities = (int(cat_of.max()) + 1) // 3
    weeks = d.eval_last / 7 * n_cities
    return {
        "FA/wk": len(false_days) / weeks,
        "POD": len(first) / n,
        "POD1": sum(first[i][0] == ev[i][1] for i in first) / n,
        "delay": float(np.median(delays)) if delays else float("nan"),
        "Jacc": float(np.median([j for _, j in first.values()])) if first else float("nan"),
        "n_ob": len(ev),
    }


def any_cell_units(alarm: np.ndarray, cat_of: np.ndarray) -> list[tuple[int, int, set[int]]]:
    units: dict[tuple[int, int], set[int]] = {}
    for s, day in zip(*np.nonzero(alarm), strict=True):
        units.setdefault((int(cat_of[s]), int(day)), set()).add(int(s))
    return [(c, day, cells) for (c, day), cells in units.items()]


def weekly_fa_threshold(cat_day_score: np.ndarray, per_week: float, weeks: float) -> float:
    """Threshold on a (category x day) score giving `per_week` exceedances per week on the null."""
    flat = np.sort(np.nan_to_num(cat_day_score, nan=-np.inf).ravel())[::-1]
    k = round(per_week * weeks)
    return float(flat[k]) if k < flat.size else -np.inf


# ---------------------------------------------------------------- the R peer


def peer_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    r = subprocess.run(
        ["Rscript", "-e", "suppressPackageStartupMessages(library(surveillance))"], capture_output=True, check=False
    )
    return r.returncode == 0


def write_counts(path: Path, Y: np.ndarray, series: list[str]) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["series", "t", "count"])
        for i, s in enumerate(series):
            w.writerows([s, t + 1, int(v)] for t, v in enumerate(Y[i]))


class Peer:
    """Runs peer_surveillance.R jobs in a background thread while the platform's detectors run."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Path, Path, int, int, str]] = []
        self.timing: dict[Path, dict[str, float]] = {}
        self.thread: threading.Thread | None = None

    def add(self, counts: Path, alarms: Path, freq: int, n_eval: int, methods: tuple[str, ...]) -> None:
        self.jobs.append((counts, alarms, freq, n_eval, ",".join(methods)))

    def _run(self, jobs: list[tuple[Path, Path, int, int, str]]) -> None:
        for counts, alarms, freq, n_eval, methods in jobs:
            if not alarms.exists():
                r = subprocess.run(
                    ["Rscript", str(PEER_DIR / "peer_surveillance.R"), str(counts), str(alarms), str(freq),
                     str(n_eval), methods],
                    capture_output=True, text=True, check=False,
                )
                (alarms.parent / (alarms.stem + ".timing")).write_text(r.stdout + r.stderr)
            t = {}
            for line in (alarms.parent / (alarms.stem + ".timing")).read_text().splitlines():
                if line.startswith("peer_time"):
                    _, m, secs = line.split()
                    t[m] = float(secs.rstrip("s"))
            self.timing[alarms] = t

    def start(self) -> None:
        # two chains (weekly, daily) in parallel: the machine has two cores
        half = [j for j in self.jobs if j[2] == 52], [j for j in self.jobs if j[2] != 52]
        self.threads = [threading.Thread(target=self._run, args=(h,)) for h in half]
        for th in self.threads:
            th.start()

    def wait(self) -> None:
        for th in self.threads:
            th.join()


def read_peer(path: Path, d: Design, series: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """method -> (alarm, observed/upperbound) over the evaluation window of the listed series."""
    idx = {s: i for i, s in enumerate(series)}
    S, E = len(series), d.eval_last
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    with path.open() as fh:
        for r in csv.DictReader(fh):
            m = r["method"]
            if m not in out:
                out[m] = (np.zeros((S, E), dtype=bool), np.full((S, E), np.nan))
            i, j = idx[r["series"]], int(r["t"]) - 1 - d.e0
            out[m][0][i, j] = r["alarm"] not in ("NA", "", "0", "FALSE")
            ub = r["upperbound"]
            if ub not in ("NA", "", "NaN", "Inf") and float(ub) > 0:
                out[m][1][i, j] = d.Y[i, d.e0 + j] / float(ub)
    return out


# ---------------------------------------------------------------- table


ROWS: list[dict[str, object]] = []
# POD against the false-alarm rate (DETECTION.md rule 1): (design, method) -> (test score, test design,
# null score, null non-outbreak mask), thresholds matched on the null at each rate of CURVE_RATES
CURVES: dict[tuple[str, str], tuple[np.ndarray, Design, np.ndarray, np.ndarray]] = {}
CURVE_RATES = (0.005, 0.01, 0.02, 0.03, 0.05)


def row(design: str, method: str, thr: str, res: dict[str, float], ms: float | None) -> None:
    ROWS.append({"design": design, "method": method, "thr": thr, **res, "ms": ms})


def fmt(v: object, spec: str) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "-"
    return format(v, spec)


def print_table() -> None:
    head = (f"{'design':18s} {'method':32s} {'threshold':11s} {'FPR':>7s} {'FA/wk':>6s} {'POD':>6s} {'POD1':>6s} "
            f"{'delay':>5s} {'Jacc':>5s} {'n_ob':>5s} {'ms/series':>10s}")
    print(head)
    print("-" * len(head))
    order = list(dict.fromkeys(str(r["design"]) for r in ROWS))
    for r in sorted(ROWS, key=lambda r: order.index(str(r["design"]))):
        print(
            f"{r['design']!s:18s} {r['method']!s:32s} {r['thr']!s:11s} {fmt(r.get('FPR'), '7.4f'):>7s} "
            f"{fmt(r.get('FA/wk'), '6.2f'):>6s} {fmt(r.get('POD'), '6.3f'):>6s} {fmt(r.get('POD1'), '6.3f'):>6s} "
            f"{fmt(r.get('delay'), '5.1f'):>5s} {fmt(r.get('Jacc'), '5.2f'):>5s} {fmt(r.get('n_ob'), '5d'):>5s} "
            f"{fmt(r.get('ms'), '10.2f'):>10s}"
        )


# ---------------------------------------------------------------- designs


def print_curves() -> None:
    if not CURVES:
        return
    print("\nPOD against the false-alarm rate, thresholds matched on the null replicates (FPR per series-week)")
    head = f"{'design':18s} {'method':32s} " + " ".join(f"{'FPR ' + format(r, '.3f'):>10s}" for r in CURVE_RATES)
    print(head)
    print("-" * len(head))
    designs = list(dict.fromkeys(design for design, _m in CURVES))
    for (design, method), (score, d, score0, neg0) in sorted(CURVES.items(), key=lambda kv: designs.index(kv[0][0])):
        cells = []
        for rate in CURVE_RATES:
            thr = matched_threshold(score0, neg0, rate)
            res = score_temporal(np.nan_to_num(score, nan=-np.inf) > thr, d)
            cells.append(f"{res['POD']:.3f}@{res['FPR'] * 100:.1f}%")
        print(f"{design:18s} {method:32s} " + " ".join(f"{c:>10s}" for c in cells))


def timed_detect(d: Design, **kw: Any) -> tuple[Detection, float]:
    t = time.perf_counter()
    res = detect(d.Y, d.eval_last, **kw)
    return res, (time.perf_counter() - t) * 1000 / d.Y.shape[0]


def bench_weekly(base: Path, k2: int, null: Design, null_scores: dict[str, np.ndarray]) -> None:
    d = load(base / f"weekly_k{k2}", 52)
    name = f"weekly k2={k2}"
    for m in WEEKLY_METHODS:
        res, ms = timed_detect(d, period=52, method=m, rate=RATE)
        row(name, m, "budget", score_temporal(res.alarm, d), ms)
        if m in ("nb", "ears_c1"):
            neg0 = null.state[:, null.e0 :] == 0
            thr = matched_threshold(null_scores[m], neg0, RATE)
            row(name, m, "matched", score_temporal(np.nan_to_num(res.score, nan=-np.inf) > thr, d), ms)
            if m == "nb":
                CURVES[(name, m)] = (res.score, d, null_scores[m], neg0)
    # the ceiling: true mean and dispersion of the generator, no estimation at all
    score, score0, neg0 = -np.log10(oracle_p(d)), -np.log10(oracle_p(null)), null.state[:, null.e0 :] == 0
    row(name, "oracle (true mu, phi)", "matched", score_temporal(score > matched_threshold(score0, neg0, RATE), d),
        None)
    CURVES[(name, "oracle (true mu, phi)")] = (score, d, score0, neg0)


def peer_weekly(base: Path, k2: int, peer: Peer, peer_n: int, null: Design) -> None:
    d = load(base / f"weekly_k{k2}", 52)
    name = f"weekly k2={k2}"
    sub = Design(d.Y[:peer_n], d.state[:peer_n], d.oid[:peer_n], d.series[:peer_n], 52)
    nsub = Design(null.Y[:peer_n], null.state[:peer_n], null.oid[:peer_n], null.series[:peer_n], 52)
    alarms = base / f"weekly_k{k2}" / "peer_alarms.csv"
    got = read_peer(alarms, sub, sub.series)
    got0 = read_peer(base / "weekly_null" / "peer_alarms.csv", nsub, nsub.series)
    timing = peer.timing.get(alarms, {})
    for m in PEER_WEEKLY:
        if m not in got:
            continue
        ms = timing.get(m, float("nan")) * 1000 / peer_n
        row(name, f"R {m}", "default", score_temporal(got[m][0], sub), ms)
        if m in ("farringtonFlexible", "earsC1", "bayes"):
            neg0 = nsub.state[:, nsub.e0 :] == 0
            thr = matched_threshold(got0[m][1], neg0, RATE)
            row(name, f"R {m}", "matched", score_temporal(np.nan_to_num(got[m][1], nan=-np.inf) > thr, sub), ms)
            if m == "farringtonFlexible":
                CURVES[(name, f"R {m} ({peer_n} series)")] = (got[m][1], sub, got0[m][1], neg0)


def oracle_p(d: Design) -> np.ndarray:
    t = np.arange(1, d.Y.shape[1] + 1)
    mu = np.exp(1.5 + 0.2 * np.cos(2 * np.pi * t / 52) - 0.4 * np.sin(2 * np.pi * t / 52))[d.e0 :]
    return np.maximum(nb_upper_tail(d.Y[:, d.e0 :], np.broadcast_to(mu, (d.Y.shape[0], d.eval_last)), 2.0), 1e-300)


def bench_daily(test: Design, null: Design, n_rep: int) -> None:
    cal = daily_calendar()
    lay_t, lay_n = daily_layout(test, n_rep), daily_layout(null, n_rep)
    name = "daily 12345 k2=3"
    neg0 = null.state[:, null.e0 :] == 0
    nb_scores: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for m in ("nb", "ears_c1", "ears_c2", "ears_c3", "cusum", "trend"):
        kw: dict[str, Any] = {"period": 7, "method": m, "rate": RATE, "calendar": cal}
        res, ms = timed_detect(test, groups=lay_t.category, **kw)
        sc = score_temporal(res.alarm, test)
        sc["FA/wk"] = sc.pop("fp") / (DAILY_EVAL / 7 * n_rep)
        row(name, m, "budget", sc, ms)
        if m in ("nb", "ears_c2"):
            res0, _ = timed_detect(null, groups=lay_n.category, **kw)
            thr = matched_threshold(res0.score, neg0, RATE)
            sc = score_temporal(np.nan_to_num(res.score, nan=-np.inf) > thr, test)
            sc.pop("fp")
            row(name, m, "matched", sc, ms)
            nb_scores[m] = (res.score, res0.score)
    bench_spatial(test, null, n_rep=n_rep, lays=(lay_t, lay_n), cal=cal, uni=nb_scores)


def peer_daily(test: Design, null: Design, n_rep: int, peer_files: tuple[Path, Path], peer: Peer) -> None:
    name = "daily 12345 k2=3"
    neg0 = null.state[:, null.e0 :] == 0
    lay_t, lay_n = daily_layout(test, n_rep), daily_layout(null, n_rep)
    got = read_peer(peer_files[0], test, test.series)
    got0 = read_peer(peer_files[1], null, null.series)
    timing = peer.timing.get(peer_files[0], {})
    for m in PEER_DAILY:
        ms = timing.get(m, float("nan")) * 1000 / len(test.series)
        sc = score_temporal(got[m][0], test)
        sc["FA/wk"] = sc.pop("fp") / (DAILY_EVAL / 7 * n_rep)
        row(name, f"R {m}", "default", sc, ms)
        thr = matched_threshold(got0[m][1], neg0, RATE)
        sc = score_temporal(np.nan_to_num(got[m][1], nan=-np.inf) > thr, test)
        sc.pop("fp")
        row(name, f"R {m}", "matched", sc, ms)
        any_cell(f"any-cell R {m}", got[m][1], got0[m][1], test=test, n_rep=n_rep, lays=(lay_t, lay_n))


def any_cell(
    label: str, s_test: np.ndarray, s_null: np.ndarray, *, test: Design, n_rep: int, lays: tuple[Layout, Layout]
) -> None:
    """"Any cell alarms" with a univariate detector, thresholded to 1 false alarm per week citywide."""
    weeks = DAILY_EVAL / 7 * n_rep
    thr = weekly_fa_threshold(cat_day_max(s_null, lays[1].category, 3 * n_rep), 1.0, weeks)
    alarm = np.nan_to_num(s_test, nan=-np.inf) > thr
    units = any_cell_units(alarm, lays[0].category)
    row("clusters 1 FA/wk", label, "matched", score_spatial(units, test, lays[0].category), None)


def bench_spatial(
    test: Design,
    null: Design,
    *,
    n_rep: int,
    lays: tuple[Layout, Layout],
    cal: np.ndarray,
    uni: dict[str, tuple[np.ndarray, np.ndarray]],
) -> None:
    name = "clusters 1 FA/wk"
    weeks = DAILY_EVAL / 7 * n_rep
    lay_t, lay_n = lays
    res, ms = timed_detect(test, period=7, method="scan", layout=lay_t, calendar=cal, alarms_per_week=1.0)
    res0, _ = timed_detect(null, period=7, method="scan", layout=lay_n, calendar=cal, alarms_per_week=1.0)
    scan, scan0 = res.scan, res0.scan
    assert scan is not None
    assert scan0 is not None
    alpha_budget = 1.0 / 7 / 3  # one false alarm per week over a city's three categories

    def units(p: np.ndarray, thr: float) -> list[tuple[int, int, set[int]]]:
        hits = zip(*np.nonzero(p < thr), strict=True)
        return [(int(c), int(t), set(scan.members(int(c), int(t)).tolist())) for c, t in hits]

    budget_units = units(scan.pvalue, alpha_budget)
    row(name, "scan (EBP, MC-Gumbel)", "budget", score_spatial(budget_units, test, lay_t.category), ms)
    thr = -weekly_fa_threshold(-scan0.pvalue, 1.0, weeks)
    row(name, "scan (EBP, MC-Gumbel)", "matched", score_spatial(units(scan.pvalue, thr), test, lay_t.category), ms)
    for k, (s_test, s_null) in uni.items():
        any_cell(f"any-cell {k}", s_test, s_null, test=test, n_rep=n_rep, lays=lays)


def cat_day_max(score: np.ndarray, cat: np.ndarray, n_cat: int) -> np.ndarray:
    out = np.full((n_cat, score.shape[1]), -np.inf)
    np.maximum.at(out, cat, np.nan_to_num(score, nan=-np.inf))
    return out


def bench_megacity(n_grid: int = 300, n_cat: int = 200, days: int = 3 * 364) -> None:
    rng = np.random.default_rng(11)
    side = int(np.ceil(np.sqrt(n_grid)))
    xy = np.array([[i % side, i // side] for i in range(n_grid)], float)
    cat = np.repeat(np.arange(n_cat), n_grid)
    layout = Layout(cat, np.tile(xy, (n_cat, 1)), [str(c) for c in range(n_cat)])
    t = np.arange(days + 1)
    shape = np.array([1.15, 1.1, 1.05, 1.05, 1.0, 0.8, 0.75])[t % 7] * np.exp(0.3 * np.cos(2 * np.pi * t / 364))
    level = rng.lognormal(np.log(0.3), 1.0, size=n_grid * n_cat).astype(np.float32)
    Y = rng.poisson(level[:, None] * shape[None, :].astype(np.float32)).astype(float)
    d = Design(Y, np.zeros(Y.shape, np.int8), np.zeros(Y.shape, np.int8), [], 1)
    cpu = time.process_time()
    _, ms = timed_detect(d, period=7, method="scan", layout=layout, alarms_per_week=1.0)
    cpu = time.process_time() - cpu  # all threads: robust to other work on the machine, unlike wall time
    secs = ms * Y.shape[0] / 1000
    ROWS.append({"design": f"megacity {n_grid}x{n_cat}", "method": f"scan 1 day: {secs:.0f} s wall, {cpu:.0f} s cpu",
                 "thr": "budget", "ms": ms})


def start_peer(out: Path, peer_n: int, daily: Design, daily0: Design) -> tuple[Peer, tuple[Path, Path]]:
    """Write the peer's input files (the first peer_n weekly series; all daily series) and start it."""
    peer = Peer()
    for tag in ("k2", "k5", "k10", "null"):
        d = out / f"weekly_{tag}"
        sub = d / "peer_counts.csv"
        if not sub.exists():
            dd = load(d, 52)
            write_counts(sub, dd.Y[:peer_n], dd.series[:peer_n])
        peer.add(sub, d / "peer_alarms.csv", 52, 52, PEER_WEEKLY)
    files = (out / "daily_peer_alarms.csv", out / "daily_null_peer_alarms.csv")
    for dd, f in ((daily, files[0]), (daily0, files[1])):
        counts = f.with_name(f.name.replace("alarms", "counts"))
        if not counts.exists():
            write_counts(counts, dd.Y, dd.series)
        peer.add(counts, f, 7, DAILY_EVAL, PEER_DAILY)
    peer.start()
    return peer, files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer series and replicates (about a minute)")
    ap.add_argument("--no-peer", action="store_true", help="skip the R peer even if it is installed")
    ap.add_argument("--out", type=Path, help="working folder (default: a temporary one)")
    ap.add_argument("--no-megacity", action="store_true")
    a = ap.parse_args()
    if not (PEER_DIR / "gen_series.py").exists():
        print(f"shared benchmark folder not found ({PEER_DIR}); nothing to do")
        return
    started = time.perf_counter()
    n, peer_n, n_rep = (60, 20, 4) if a.quick else (200, 40, 17)
    out = a.out or Path(tempfile.mkdtemp(prefix="cityloop-detection-"))
    jobs: list[tuple[str, Path, list[str]]] = [
        ("weekly", out / f"weekly_k{k}", ["--n", str(n), "--k1", "3", "--k2", str(k), "--seed", str(100 + k)])
        for k in (2, 5, 10)
    ]
    jobs.append(("weekly", out / "weekly_null", ["--n", str(n), "--k1", "3", "--k2", "0", "--seed", "300"]))
    for r in range(n_rep):
        jobs.append(("daily", out / f"daily_{r}", [*DAILY_ARGS, "--k2", "3", "--seed", str(7 + r)]))
        jobs.append(("daily", out / f"daily_null_{r}", [*DAILY_ARGS, "--k2", "0", "--seed", str(1007 + r)]))
    run_all(jobs)
    daily = stack([load(out / f"daily_{r}", DAILY_EVAL) for r in range(n_rep)])
    daily0 = stack([load(out / f"daily_null_{r}", DAILY_EVAL) for r in range(n_rep)])
    use_peer = not a.no_peer and peer_available()
    peer, peer_files = start_peer(out, peer_n, daily, daily0) if use_peer else (None, None)
    if peer is None:
        print("R peer skipped (needs Rscript with the 'surveillance' package)" if not a.no_peer else "R peer skipped")
    null = load(out / "weekly_null", 52)
    null_scores = {m: detect(null.Y, 52, period=52, method=m, rate=RATE).score for m in ("nb", "ears_c1")}
    for k in (2, 5, 10):
        bench_weekly(out, k, null, null_scores)
    scorer = check_scorer(out, load(out / "weekly_k5", 52))
    bench_daily(daily, daily0, n_rep)
    if peer is not None and peer_files is not None:
        peer.wait()
        for k in (2, 5, 10):
            peer_weekly(out, k, peer, peer_n, null)
        peer_daily(daily, daily0, n_rep, peer_files, peer)
    if not a.no_megacity:
        bench_megacity()  # timed alone, after the peer has finished
    print(f"\nEarly-warning benchmark ({'quick' if a.quick else 'default'}): weekly {n} series per design "
          f"(R peer on the first {peer_n}), daily {n_rep} cities x 75 series; budget {RATE:.0%} per series-step, "
          f"1 false alarm/week citywide for cluster rows; data in {out}")
    print_table()
    print_curves()
    print(scorer)
    load1, load5, _ = os.getloadavg()
    total = time.perf_counter() - started
    print(f"total {total:.0f} s on {os.cpu_count()} cores (load average {load1:.1f}/{load5:.1f}: timings include"
          " other work on this machine)")


if __name__ == "__main__":
    main()

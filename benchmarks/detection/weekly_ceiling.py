"""How far can any detector go on the weekly Noufaily-style design? A study on calibration series only.

    .venv/bin/python benchmarks/detection/weekly_ceiling.py [--n 1000] [--out DIR]

Generates its own series with the shared generator (seeds 900 + k2, null 900; never the evaluation seeds of
bench_detection.py) and prints POD at a matched 1 % false-alarm rate per series-week (score.py's definitions)
and the rate each detector needs for POD 0.85 at k2 = 5:

- oracle p-value: the NB upper tail with the generator's true mean and dispersion (bench_detection's oracle);
- oracle likelihood ratio: the true outbreak model too (its size k2*SD, 81.5 % of its cases in the first week),
  so the false-alarm budget is spent where detection is cheapest (Neyman-Pearson per week);
- oracle two weeks: the likelihood ratio of "an outbreak started this week or last week" against none, which
  accumulates the evidence of an outbreak's first two weeks;
- nb: the platform's detector; nb without trend / with one harmonic: the baseline closer to the generator's truth;
- NB-CUSUM: S_t = max(0, S_{t-1} + log f(y; kappa mu) / f(y; mu)) on the platform's baseline (kappa = 2, 3).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_detection import Design, load, matched_threshold, run_all, score_temporal

from cityloop.analytics.detection import BaselineConfig, prospective_baseline
from cityloop.analytics.detection.glm import nb_upper_tail

E, PHI, FIRST_WEEK, SECOND_WEEK = 52, 2.0, 0.815, 0.156  # the generator's lognormal(0, 0.5) profile, weeks 1-2


def true_mu(T: int) -> np.ndarray:
    t = np.arange(1, T + 1)
    return np.exp(1.5 + 0.2 * np.cos(2 * np.pi * t / 52) - 0.4 * np.sin(2 * np.pi * t / 52))


def nb_logpmf(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    return stats.nbinom.logpmf(y, mu / (PHI - 1), 1 / PHI)


def outbreak_logpmf(y: np.ndarray, mu: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """log P(NB(mu) + Poisson(lam) = y), by summing over the outbreak's share."""
    y = y.astype(int)
    out = np.full(y.shape, -np.inf)
    for j in range(int(y.max()) + 1):
        ok = y >= j
        out = np.where(ok, np.logaddexp(out, nb_logpmf(np.where(ok, y - j, 0), mu) + stats.poisson.logpmf(j, lam)),
                       out)
    return out


def oracle_scores(d: Design, k_alt: float) -> dict[str, np.ndarray]:
    Y = d.Y.astype(int)
    mu = np.broadcast_to(true_mu(Y.shape[1]), Y.shape)
    sd = np.sqrt(PHI * mu)
    l0 = nb_logpmf(Y, mu)
    now = outbreak_logpmf(Y, mu, FIRST_WEEK * k_alt * sd) - l0
    prev = np.roll(now, 1, axis=1) + outbreak_logpmf(Y, mu, SECOND_WEEK * k_alt * np.roll(sd, 1, axis=1)) - l0
    return {"oracle p-value": -np.log10(np.maximum(nb_upper_tail(Y, mu, PHI), 1e-300))[:, -E:],
            f"oracle likelihood ratio (k2={k_alt:g})": now[:, -E:],
            f"oracle two weeks (k2={k_alt:g})": np.logaddexp(now, prev)[:, -E:]}


def platform_scores(d: Design) -> dict[str, np.ndarray]:
    out = {}
    y = d.Y[:, -E:]
    for name, cfg in (("nb", BaselineConfig(period=52)), ("nb without trend", BaselineConfig(period=52, trend=False)),
                      ("nb one harmonic", BaselineConfig(period=52, harmonics=1))):
        base = prospective_baseline(d.Y, d.Y.shape[1] - E, cfg)
        out[name] = -np.log10(np.maximum(nb_upper_tail(y, base.expected, base.phi), 1e-300))
        if name == "nb":
            size = base.expected / np.maximum(base.phi - 1, 1e-6)
            for kappa in (2.0, 3.0):
                llr = (stats.nbinom.logpmf(y, size * kappa, 1 / base.phi)
                       - stats.nbinom.logpmf(y, size, 1 / base.phi))
                acc, cusum = np.zeros(y.shape[0]), np.zeros_like(llr)
                for t in range(E):
                    acc = np.maximum(0.0, acc + llr[:, t])
                    cusum[:, t] = acc
                out[f"NB-CUSUM kappa={kappa:g}"] = cusum
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="series per design")
    ap.add_argument("--out", type=Path, help="working folder (default: a temporary one)")
    a = ap.parse_args()
    out = a.out or Path(tempfile.mkdtemp(prefix="cityloop-ceiling-"))
    run_all([("weekly", out / f"k{k}", ["--n", str(a.n), "--k1", "3", "--k2", str(k), "--seed", str(900 + k)])
             for k in (0, 2, 5, 10)])
    designs = {k: load(out / f"k{k}", E) for k in (0, 2, 5, 10)}
    scores = {k: {**oracle_scores(d, 5.0), **platform_scores(d)} for k, d in designs.items()}
    neg0 = designs[0].state[:, -E:] == 0
    print(f"Weekly ceiling study: {a.n} calibration series per design (seeds 900 + k2), data in {out}")
    print(f"{'detector':36s} {'POD k2=2':>9s} {'POD k2=5':>9s} {'POD k2=10':>9s} {'FPR (k2=5)':>10s} "
          f"{'FPR for POD 0.85 at k2=5':>25s}")
    for name in scores[0]:
        cells = []
        for k in (2, 5, 10):
            thr = matched_threshold(scores[0][name], neg0, 0.01)
            res = score_temporal(np.nan_to_num(scores[k][name], nan=-np.inf) > thr, designs[k])
            cells.append(res)
        need = "> 10 %"
        for rate in np.arange(0.005, 0.1001, 0.0025):
            thr = matched_threshold(scores[0][name], neg0, float(rate))
            res = score_temporal(np.nan_to_num(scores[5][name], nan=-np.inf) > thr, designs[5])
            if res["POD"] >= 0.85:
                need = f"{res['FPR'] * 100:.1f} %"
                break
        print(f"{name:36s} {cells[0]['POD']:9.3f} {cells[1]['POD']:9.3f} {cells[2]['POD']:9.3f} "
              f"{cells[1]['FPR']:10.4f} {need:>25s}")


if __name__ == "__main__":
    main()

"""Next-week forecast by street x main category: error of the platform's model against a seasonal-naive baseline.

A small demo city (`cityloop.demo.simulate`, 20,000 tickets over two years) is generated into a temporary SQLite
database; daily counts by category x grid are extracted as `cityloop analyse` does, summed by street, and each
of the last 26 weeks is forecast from the weeks before it. Printed: MAE over all series-weeks, MAPE over
series-weeks with at least 5 tickets, and the same for the seasonal-naive forecast (next week = last week).
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--origins", type=int, default=26)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update({"CITYLOOP_DATA_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                           "DJANGO_SETTINGS_MODULE": "cityloop.config.settings.base"})
        sys.path.insert(0, str(REPO / "src"))
        import django

        django.setup()
        from django.core.management import call_command

        from cityloop.core import clock
        from cityloop.demo.simulate import simulate

        call_command("migrate", verbosity=0)
        end = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
        started = time.perf_counter()
        with clock.frozen_at(end):
            simulate(seed=1, tickets=args.tickets, days=730, grids=120, end=end)
        print(f"demo city: {args.tickets} tickets over 730 days in {time.perf_counter() - started:.0f} s")
        measure(end.date() - dt.timedelta(days=1), args.origins)


def measure(last_day: dt.date, origins: int) -> None:
    import numpy as np

    from cityloop.analytics.counts import daily_counts
    from cityloop.analytics.forecast import forecast, seasonal_naive, weekly

    started = time.perf_counter()
    counts = daily_counts(last_day - dt.timedelta(days=727), last_day)
    C, _G, T = counts.cube.shape
    street = counts.grids.street
    n_streets = len(counts.grids.street_ids)
    Z = np.stack([counts.cube[:, street == k, :].sum(axis=1) for k in range(n_streets)], axis=1)  # (C, K, T)
    # Main categories (the two-digit level) x street: the level at which a week's forecast is planned.
    from cityloop.tickets.models import Category

    code = dict(Category.objects.filter(pk__in=counts.category_ids).values_list("pk", "code"))
    tops = sorted({code[c][:2] for c in counts.category_ids})
    top_of = np.array([tops.index(code[c][:2]) for c in counts.category_ids])
    M = np.zeros((len(tops), n_streets, T))
    np.add.at(M, top_of, Z)
    C = len(tops)
    Y = M.reshape(C * n_streets, T)
    groups = np.repeat(np.arange(C), n_streets)
    keep = Y.sum(axis=1) > 0
    Y, groups = Y[keep], groups[keep]
    W = weekly(Y)
    print(f"series (main category x street): {len(Y)}; weeks: {W.shape[1]}; extracted in "
          f"{time.perf_counter() - started:.1f} s")
    model_err, naive_err, actual = [], [], []
    started = time.perf_counter()
    for origin in range(W.shape[1] - origins, W.shape[1]):
        history, truth = W[:, :origin], W[:, origin]
        model_err.append(forecast(history, groups) - truth)
        naive_err.append(seasonal_naive(history) - truth)
        actual.append(truth)
    m, n, a = np.concatenate(model_err), np.concatenate(naive_err), np.concatenate(actual)
    big = a >= 5
    print(f"{origins} weekly origins, forecasts in {time.perf_counter() - started:.2f} s")
    print(f"{'method':<28}{'MAE':>8}{'MAPE (>=5)':>14}{'bias':>8}")
    for name, err in (("platform (weighted, seasonal)", m), ("seasonal naive (last week)", n)):
        print(f"{name:<28}{np.abs(err).mean():>8.3f}{np.mean(np.abs(err[big]) / a[big]) * 100:>13.1f}%"
              f"{err.mean():>8.3f}")
    print(f"MAE ratio platform / seasonal naive: {np.abs(m).mean() / np.abs(n).mean():.2f}")


if __name__ == "__main__":
    main()

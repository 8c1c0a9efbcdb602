"""A month's assessment for all units over one million tickets (synthetic event log, straight into arrays).

    .venv/bin/python benchmarks/assessment/bench_assessment.py [--tickets 1000000]

Prints the seconds of `engine.compute()` (every scope: units, streets, districts, categories, city) for one month,
and as a baseline a plain SQLite GROUP BY (response/callback counts per unit) over the same rows in the same run.
"""

import argparse
import datetime as dt
import os
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from cityloop.assessment import engine as E

YEAR0 = E.epoch(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
DAY = 86400


def synthesise(n: int, seed: int = 1) -> E.Log:
    """n tickets over 2026 with up to 9 events each: dispatch, re-dispatch, contact, complete, callback, and a
    reopening with its second contact, completion and callback."""
    rng = np.random.default_rng(seed)
    units, streets, categories = 400, 120, 180
    d0 = YEAR0 + rng.integers(0, 365 * DAY, n)
    redispatch = rng.random(n) < 0.05
    d1 = d0 + redispatch * rng.integers(3600, 2 * DAY, n)
    contact = d1 + rng.exponential(0.8 * DAY, n).astype(np.int64)
    contacted = rng.random(n) < 0.93
    complete = contact + rng.exponential(4 * DAY, n).astype(np.int64)
    completed = contacted & (rng.random(n) < 0.9)
    callback = complete + rng.integers(3600, 3 * DAY, n)
    called = completed & (rng.random(n) < 0.85)
    sat = rng.choice([1, 2, 3], n, p=[0.7, 0.2, 0.1])
    reopen = called & (sat == 3) & (rng.random(n) < 0.6)
    r_at = callback + 3600
    r_contact, r_complete, r_callback = r_at + DAY // 2, r_at + 3 * DAY, r_at + 4 * DAY
    first_unit = rng.integers(1, units + 1, n)
    final_unit = np.where(redispatch, rng.integers(1, units + 1, n), first_unit)
    A = E  # action codes
    slots = [  # (action, time, valid, unit, resolved, satisfaction)
        (A.DISPATCH, d0, np.ones(n, bool), first_unit, -1, 0),
        (A.DISPATCH, d1, redispatch, final_unit, -1, 0),
        (A.CONTACT, contact, contacted, -1, -1, 0),
        (A.COMPLETE, complete, completed, -1, -1, 0),
        (A.CALLBACK, callback, called, -1, (sat != 3).astype(np.int64), sat),
        (A.REOPEN, r_at, reopen, -1, -1, 0),
        (A.CONTACT, r_contact, reopen, -1, -1, 0),
        (A.COMPLETE, r_complete, reopen, -1, -1, 0),
        (A.CALLBACK, r_callback, reopen, -1, 1, 1),
    ]
    k = len(slots)
    valid = np.stack([s[2] for s in slots], axis=1).ravel()

    def column(i: int, dtype: type) -> np.ndarray:
        cols = [np.broadcast_to(np.asarray(s[i]), (n,)) for s in slots]
        return np.stack(cols, axis=1).ravel()[valid].astype(dtype)

    last_assign = np.where(reopen, r_at, d1)
    return E.Log(
        ev_ticket=np.repeat(np.arange(n, dtype=np.int64), k)[valid],
        ev_action=column(0, np.int8), ev_at=column(1, np.int64), ev_unit=column(3, np.int64),
        ev_resolved=column(4, np.int8), ev_satisfaction=column(5, np.int8),
        t_id=np.arange(1, n + 1, dtype=np.int64),
        t_contact_due=last_assign + DAY, t_complete_due=last_assign + 7 * DAY,
        t_category=rng.integers(1, categories + 1, n), t_street=rng.integers(1, streets + 1, n),
        t_district=rng.integers(1, 13, n),
        t_exempt_at=np.where(rng.random(n) < 0.01, d1 + DAY, E.NEVER),
        t_unreachable_at=np.where(completed & ~called & (rng.random(n) < 0.3), complete + DAY, E.NEVER),
    )


def baseline(log: E.Log, start: int, end: int) -> float:
    """Plain SQL over one flat row per ticket (final unit, assignment, contact, callback): GROUP BY unit."""
    db = sqlite3.connect(":memory:")
    db.execute("create table t (unit int, assigned int, contacted int, contact_due int, callback int, sat int)")
    last = np.r_[log.ev_ticket[1:] != log.ev_ticket[:-1], True]
    n = log.n
    unit = np.zeros(n, np.int64)
    dispatch = log.ev_action == E.DISPATCH
    unit[log.ev_ticket[dispatch]] = log.ev_unit[dispatch]
    callback = np.full(n, -1, np.int64)
    sat = np.zeros(n, np.int64)
    cb = log.ev_action == E.CALLBACK
    callback[log.ev_ticket[cb]] = log.ev_at[cb]
    sat[log.ev_ticket[cb]] = log.ev_satisfaction[cb]
    contacted = np.full(n, -1, np.int64)
    ct = log.ev_action == E.CONTACT
    contacted[log.ev_ticket[ct]] = log.ev_at[ct]
    assigned = np.zeros(n, np.int64)
    assigned[log.ev_ticket[last]] = log.ev_at[last]
    rows = zip(unit.tolist(), assigned.tolist(), contacted.tolist(), log.t_contact_due.tolist(),
               callback.tolist(), sat.tolist(), strict=True)
    db.executemany("insert into t values (?,?,?,?,?,?)", rows)
    db.commit()
    t0 = time.perf_counter()
    db.execute("""select unit,
        sum(assigned >= ?1 and assigned < ?2),
        sum(assigned >= ?1 and assigned < ?2 and contacted >= 0 and contacted <= contact_due),
        sum(callback >= ?1 and callback < ?2),
        sum(callback >= ?1 and callback < ?2 and sat in (1, 2))
        from t group by unit""", (start, end)).fetchall()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    log = synthesise(args.tickets)
    print(f"synthesised {log.n:,} tickets, {len(log.ev_at):,} events in {time.perf_counter() - t0:.2f} s "
          f"(cpus: {os.cpu_count()}, load: {os.getloadavg()[0]:.1f})")
    start, end = dt.datetime(2026, 10, 1, tzinfo=dt.UTC), dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    as_of = dt.datetime(2026, 11, 3, tzinfo=dt.UTC)
    t0 = time.perf_counter()
    cells = E.compute(log, start, end, as_of, E.Weights())
    seconds = time.perf_counter() - t0
    city = cells[("city", 0)]
    units = sum(1 for kind, _ in cells if kind == "unit")
    print(f"assessment 2026-10, all scopes ({len(cells)} cells, {units} units): {seconds:.2f} s "
          f"[target < 5 s]")
    print(f"  city: response {city['response_rate']:.4f}, resolution {city['resolution_rate']:.4f}, "
          f"satisfaction {city['satisfaction_rate']:.4f}, composite {city['composite']:.2f}, "
          f"on time {city['on_time_rate']:.4f}, reopen {city['reopen_rate']:.4f}")
    base = baseline(log, E.epoch(start), E.epoch(end))
    print(f"baseline: SQLite GROUP BY unit over {log.n:,} flat rows (query only): {base:.2f} s")


if __name__ == "__main__":
    main()

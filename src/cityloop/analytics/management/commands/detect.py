"""`cityloop detect`: run an early-warning detector on counts.csv and write alarms.csv (shared CSV contract).

No database is touched: the command reads and writes files only.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cityloop.analytics.detection import METHODS, calendar_covariates, date_range, detect
from cityloop.analytics.detection.io import InputError, read_counts, read_layout, write_alarms


class Command(BaseCommand):
    help = "Run an early-warning detector over count series (series,t,count) and write alarms.csv."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--counts", required=True, help="counts.csv with columns series,t,count")
        parser.add_argument("--out", required=True, help="alarms.csv to write (series,t,method,alarm,score)")
        parser.add_argument("--eval-last", type=int, required=True, help="number of final time steps to evaluate")
        parser.add_argument("--period", type=int, choices=[7, 52], required=True, help="7 = daily, 52 = weekly")
        parser.add_argument("--layout", help="layout.csv (series,category,x,y): enables the space-time scan")
        parser.add_argument("--method", default="nb", choices=METHODS, help="detector (default: nb)")
        parser.add_argument(
            "--false-alarm-rate",
            type=float,
            default=0.01,
            help="false alarms allowed per series-step (per category-step for the scan)",
        )
        parser.add_argument(
            "--alarms-per-week", type=float, help="scan only: citywide false alarms allowed per week"
        )
        parser.add_argument(
            "--start-date", help="date of t=1 (YYYY-MM-DD), daily data: adds Chinese holiday terms"
        )
        parser.add_argument("--seed", type=int, default=0, help="seed for the Monte Carlo thresholds")

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.perf_counter()
        rate = opts["false_alarm_rate"]
        if not 0 < rate < 1:
            raise CommandError(_("--false-alarm-rate must be between 0 and 1."))
        if opts["alarms_per_week"] is not None and opts["alarms_per_week"] <= 0:
            raise CommandError(_("--alarms-per-week must be positive."))
        try:
            table = read_counts(opts["counts"])
            layout = read_layout(opts["layout"], table.series) if opts["layout"] else None
        except InputError as exc:
            raise CommandError(_("Bad input: %(reason)s") % {"reason": exc}) from exc
        T = table.Y.shape[1]
        n_eval = opts["eval_last"]
        if not 0 < n_eval < T:
            raise CommandError(
                _("--eval-last must be between 1 and %(max)d (the series have %(n)d time steps).")
                % {"max": T - 1, "n": T}
            )
        if opts["method"] == "scan" and layout is None:
            raise CommandError(_("The scan method needs --layout."))
        calendar = None
        if opts["start_date"]:
            if opts["period"] != 7:
                raise CommandError(_("--start-date applies to daily data (--period 7) only."))
            try:
                start = dt.date.fromisoformat(opts["start_date"])
            except ValueError as exc:
                raise CommandError(_("--start-date must look like 2024-01-31.")) from exc
            calendar = calendar_covariates(date_range(start, T))
        try:
            res = detect(
                table.Y,
                n_eval,
                period=opts["period"],
                method=opts["method"],
                rate=rate,
                calendar=calendar,
                layout=layout,
                alarms_per_week=opts["alarms_per_week"],
                groups=layout.category if layout is not None else None,
                seed=opts["seed"],
            )
        except ValueError as exc:
            raise CommandError(_("Detection failed: %(reason)s") % {"reason": exc}) from exc
        out = Path(opts["out"])
        # write to a temporary file first, so that a failure never leaves a partial alarms.csv
        fd, tmp = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", suffix=".tmp")
        os.close(fd)
        try:
            write_alarms(tmp, table.series, t0=T - n_eval + 1, method=opts["method"], alarm=res.alarm, score=res.score)
            Path(tmp).replace(out)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise CommandError(_("Cannot write %(path)s: %(reason)s") % {"path": out, "reason": exc}) from exc
        self.stdout.write(
            _("%(method)s: %(alarms)d alarms over %(series)d series x %(steps)d steps in %(secs).1f s -> %(out)s")
            % {
                "method": opts["method"],
                "alarms": int(res.alarm.sum()),
                "series": len(table.series),
                "steps": n_eval,
                "secs": time.perf_counter() - started,
                "out": out,
            }
        )

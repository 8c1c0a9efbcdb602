"""`cityloop analyse`: daily counts by category x grid from the tickets, the detectors, Warnings recorded."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cityloop.analytics.services import analyse


class Command(BaseCommand):
    help = ("Scan the tickets for concentrated (space-time scan), trending and emerging risks (new counts and "
            "new topics in the text) and record them as warnings.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="last day analysed, YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--eval-days", type=int, default=7, help="days at the end checked for alarms")
        parser.add_argument("--history-days", type=int, default=365, help="days of history for the baselines")
        parser.add_argument("--rate", type=float, default=1e-3, help="false alarms allowed per series-day")
        parser.add_argument("--alarms-per-week", type=float, default=1.0,
                            help="false alarms of the space-time scan allowed per week, citywide")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(_("--date must be YYYY-MM-DD")) from exc
        if not 0 < options["rate"] < 1 or options["eval_days"] < 1 or options["alarms_per_week"] <= 0:
            raise CommandError(_("--rate must be between 0 and 1, --eval-days and --alarms-per-week positive"))
        started = time.perf_counter()
        warnings = analyse(day=day, history_days=options["history_days"], eval_days=options["eval_days"],
                           rate=options["rate"], alarms_per_week=options["alarms_per_week"])
        for w in warnings:
            self.stdout.write(f"{w.kind}\t{w.title}\t{w.window_start}..{w.window_end}\t"
                              f"observed {w.observed} expected {w.expected:.1f}\t{w.significance:.1f}")
        self.stdout.write(_("%(n)d warnings in %(s).1f s") % {"n": len(warnings), "s": time.perf_counter() - started})

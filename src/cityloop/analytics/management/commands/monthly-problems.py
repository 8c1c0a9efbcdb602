"""`cityloop monthly-problems --month YYYY-MM`: choose the month's hard problems (每月一题) from the data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cityloop.analytics.models import MonthlyProblem
from cityloop.analytics.services import monthly_problem_measure, monthly_problems_choose


class Command(BaseCommand):
    help = "Choose the month's frequent, hard problems (每月一题); with --measure, measure the effect of chosen ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--top", type=int, default=3)
        parser.add_argument("--measure", action="store_true", help="measure volume before/after instead")
        parser.add_argument("--weeks", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = dt.datetime.strptime(options["month"], "%Y-%m").date()
        except ValueError as exc:
            raise CommandError(_("--month must be YYYY-MM")) from exc
        if options["measure"]:
            for pk in MonthlyProblem.objects.filter(month=month).values_list("pk", flat=True):
                measured = monthly_problem_measure(actor=None, problem_id=pk, weeks=options["weeks"])
                self.stdout.write(f"{measured.title}\t{measured.effect}")
            return
        for problem in monthly_problems_choose(actor=None, month=month, top=options["top"]):
            self.stdout.write(f"{problem.title}\t{problem.tickets}\t{problem.score}\t{problem.difficulty}")

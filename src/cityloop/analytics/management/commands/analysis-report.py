"""`cityloop analysis-report --month YYYY-MM --out FILE`: the monthly analysis report (分析研判报告) as .docx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cityloop.analytics.report import monthly_report


class Command(BaseCommand):
    help = "Write the monthly analysis report (分析研判报告) as a Word document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--out", required=True, help="the .docx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = dt.datetime.strptime(options["month"], "%Y-%m").date()
        except ValueError as exc:
            raise CommandError(_("--month must be YYYY-MM")) from exc
        figures = monthly_report(month, Path(options["out"]))
        self.stdout.write(_("Report written to %(out)s: %(figures)s") % {"out": options["out"], "figures": figures})

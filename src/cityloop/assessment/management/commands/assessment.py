"""`cityloop assessment compute|verify|report --month YYYY-MM`."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.assessment import services
from cityloop.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Monthly assessment: compute and store the figures, verify them against the event log, write reports."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        for name in ("compute", "verify", "report"):
            p = sub.add_parser(name)
            p.add_argument("--month", required=True, help="YYYY-MM")
            if name == "report":
                p.add_argument("--out", required=True, help="directory for the .docx and .xlsx files")

    def handle(self, *args: Any, **options: Any) -> None:
        month = options["month"]
        try:
            if options["what"] == "compute":
                rows = services.assessment_compute(month=month)
                self.stdout.write(f"{month}: {len(rows)} cells stored (events up to {rows[0].as_of:%Y-%m-%d %H:%M})"
                                  if rows else f"{month}: nothing to assess")
            elif options["what"] == "verify":
                problems = services.assessment_verify(month=month)
                if problems:
                    for line in problems:
                        self.stderr.write(line)
                    raise CommandError(f"{month}: {len(problems)} mismatching cells")
                self.stdout.write(f"{month}: the stored figures match the event log")
            else:
                from cityloop.assessment.report import report_write

                for path in report_write(month=month, out=Path(options["out"])):
                    self.stdout.write(str(path))
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

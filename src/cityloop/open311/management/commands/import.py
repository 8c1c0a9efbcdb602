"""`cityloop import tickets FILE --mapping NAME|FILE.json [--dry-run]`: historical tickets from CSV or Excel.

See cityloop.open311.imports for the mapping format, the row checks and why the writer takes a fast path.
Rejected rows go to a CSV report (row number, key, reason in the user's language) next to the input, or to
--report PATH (into the data directory when the input's directory is read-only).
"""

import csv
import os
import stat
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from cityloop.open311.imports import ImportFailure, import_mapping_load, import_tickets, rejection_rows
from cityloop.open311.tables import TableError


class ProgressBar:
    """A one-line bar on stderr: the check of every row, then the writing."""

    def __init__(self, stream: TextIO, width: int = 30):
        self.stream, self.width, self.started = stream, width, time.monotonic()

    def __call__(self, phase: str, done: int, total: int) -> None:
        label = _("Checking") if phase == "check" else _("Writing")
        if total:
            filled = int(self.width * done / total) if total else self.width
            bar = "#" * filled + "." * (self.width - filled)
            line = f"\r{label} [{bar}] {done:,}/{total:,} {time.monotonic() - self.started:5.1f}s"
        else:
            line = f"\r{label} {done:,} …"
        self.stream.write(line)
        if total and done >= total:
            self.stream.write("\n")
        self.stream.flush()


def report_path(source: Path, given: str) -> Path:
    if given:
        return Path(given)
    beside = source.with_name(source.name + ".rejected.csv")
    # a directory marked read-only (as shared data sets are) is respected even by root, whom access() lets by
    mode = source.parent.stat().st_mode
    if os.access(source.parent, os.W_OK) and mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return beside
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / beside.name


class Command(BaseCommand):
    help = "Import historical tickets from CSV or Excel through a column mapping; re-importing adds nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True)
        tickets = kinds.add_parser("tickets", help="import tickets")
        tickets.add_argument("file", help=".csv (UTF-8) or .xlsx")
        tickets.add_argument("--mapping", required=True, help="a saved or shipped mapping name, or a .json file")
        tickets.add_argument("--source", default="", help="row-key namespace (default: the mapping's source)")
        tickets.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        tickets.add_argument("--report", default="", help="where to write the rejected rows (CSV)")
        tickets.add_argument("--encoding", default="", choices=["", "utf-8", "gb18030", "gbk"],
                             help="read a CSV that is not UTF-8 (gb18030 covers GBK)")
        tickets.add_argument("--per-ticket", action="store_true",
                             help="create each ticket through ticket_create (slow; for checking the fast path)")
        tickets.add_argument("--language", default="", help="language of the messages and the report")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"] or translation.get_language()):
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        source_file = Path(options["file"])
        progress = ProgressBar(getattr(self.stderr, "_out", sys.stderr))
        try:
            mapping = import_mapping_load(options["mapping"])
            outcome = import_tickets(source_file, mapping, source=options["source"],
                                     encoding="gb18030" if options["encoding"] == "gbk" else options["encoding"],
                                     dry_run=options["dry_run"], fast=not options["per_ticket"], progress=progress)
        except (ImportFailure, TableError) as exc:
            raise CommandError(_("Nothing imported: %(reason)s") % {"reason": exc.message}) from exc
        if outcome.rejected:
            path = report_path(source_file, options["report"])
            with path.open("w", encoding="utf-8-sig", newline="") as stream:
                writer = csv.writer(stream)
                writer.writerow([_("row"), _("key"), _("reason")])
                writer.writerows(rejection_rows(outcome.rejected))
            self.stderr.write(_("%(n)d rows rejected; the reasons are in %(path)s")
                              % {"n": len(outcome.rejected), "path": path})
        summary = _("%(total)d rows: %(imported)d imported, %(skipped)d imported before, %(rejected)d rejected.")
        if options["dry_run"]:
            summary = _("Dry run, nothing written. %(total)d rows: %(imported)d would be imported, "
                        "%(skipped)d imported before, %(rejected)d rejected.")
        self.stdout.write(summary % {"total": outcome.total, "imported": outcome.imported,
                                     "skipped": outcome.skipped, "rejected": len(outcome.rejected)})

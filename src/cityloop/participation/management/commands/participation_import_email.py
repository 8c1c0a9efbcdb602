"""Import e-mailed opinions on a consultation: .eml files, folders of them, or a Maildir mailbox.

    cityloop participation_import_email --consultation 3 inbox/*.eml
    cityloop participation_import_email --consultation 3 --maildir /var/mail/consultation
"""

import mailbox
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.core.errors import ApplicationError
from cityloop.participation.services import opinion_import_email


class Command(BaseCommand):
    help = "Import e-mailed opinions (.eml files or a Maildir folder) into a consultation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--consultation", type=int, required=True)
        parser.add_argument("--maildir", help="a Maildir folder (cur/ new/ tmp/)")
        parser.add_argument("paths", nargs="*", help=".eml files or folders holding them")

    def handle(self, *args: Any, **options: Any) -> None:
        messages: list[tuple[str, bytes]] = []
        for name in options["paths"]:
            path = Path(name)
            files = sorted(path.glob("*.eml")) if path.is_dir() else [path]
            messages += [(str(f), f.read_bytes()) for f in files]
        if options["maildir"]:
            box = mailbox.Maildir(options["maildir"], create=False)
            messages += [(key, box.get_bytes(key)) for key in sorted(box.keys())]
        if not messages:
            raise CommandError("no messages: give .eml files, folders or --maildir")
        added = skipped = failed = 0
        for name, raw in messages:
            try:
                opinion = opinion_import_email(consultation_id=options["consultation"], raw=raw)
            except ApplicationError as exc:
                failed += 1
                self.stderr.write(f"{name}: {exc.message}")
                continue
            if opinion is None:
                skipped += 1
            else:
                added += 1
        self.stdout.write(f"imported {added}, already there {skipped}, refused {failed}")

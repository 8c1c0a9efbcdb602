"""`cityloop export tickets --user USERNAME --format csv|xlsx --out FILE [--status S]`.

Exports exactly what the user may see (the visible_to gate), with contact details masked where the user lacks
ticket.view_contact; see cityloop.open311.exports.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from cityloop.open311.exports import FORMATS, ticket_export
from cityloop.tickets.choices import Status


class Command(BaseCommand):
    help = "Export the tickets a user may see to CSV or Excel, recording who exported them and when."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True)
        tickets = kinds.add_parser("tickets", help="export tickets")
        tickets.add_argument("--user", required=True, help="export as this user (what they may see)")
        tickets.add_argument("--format", required=True, choices=FORMATS)
        tickets.add_argument("--out", required=True, help="file to write")
        tickets.add_argument("--status", default="", choices=["", *Status.values])
        tickets.add_argument("--language", default="", help="language of the column names")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"] or translation.get_language()):
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(_("No such user: %(name)s") % {"name": options["user"]})
            try:
                count = ticket_export(user=user, fmt=options["format"], out=options["out"],
                                      status=options["status"] or None)
            except OSError as exc:
                raise CommandError(_("Cannot write %(path)s: %(reason)s")
                                   % {"path": options["out"], "reason": exc.strerror or exc}) from exc
            self.stdout.write(_("%(n)d tickets written to %(path)s.") % {"n": count, "path": options["out"]})

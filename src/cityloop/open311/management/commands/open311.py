"""`cityloop open311 key create|list|revoke`: API keys of third-party Open311 clients."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.open311.models import Open311Key
from cityloop.open311.services import open311_key_create, open311_key_revoke


class Command(BaseCommand):
    help = "Manage the API keys of Open311 GeoReport v2 clients (third-party apps)."

    def add_arguments(self, parser: CommandParser) -> None:
        groups = parser.add_subparsers(dest="group", required=True)
        key = groups.add_parser("key", help="API keys")
        verbs = key.add_subparsers(dest="verb", required=True)
        create = verbs.add_parser("create", help="print a new key (shown only this once)")
        create.add_argument("--name", required=True)
        create.add_argument("--quota", type=int, default=1000, help="POSTs per day (default 1000)")
        verbs.add_parser("list", help="list keys (prefix, name, state, quota, used today)")
        revoke = verbs.add_parser("revoke", help="revoke the key with this prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "create":
            if options["quota"] < 0:
                raise CommandError(_("The quota cannot be negative."))
            record, key = open311_key_create(name=options["name"], daily_quota=options["quota"])
            self.stdout.write(key)
            self.stderr.write(_("Key %(prefix)s… for %(name)s; it is not shown again.")
                              % {"prefix": record.prefix, "name": record.name})
        elif verb == "list":
            today = timezone.localdate(clock.now())
            for record in Open311Key.objects.order_by("created_at"):
                state = _("revoked") if record.revoked_at else _("active")
                used = record.used_today if record.used_on == today else 0
                self.stdout.write(f"{record.prefix}\t{record.name}\t{state}\t{used}/{record.daily_quota}")
        elif not open311_key_revoke(prefix=options["prefix"]):
            raise CommandError(_("No active key starts with %(prefix)s") % {"prefix": options["prefix"]})

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cityloop.security.models import ApiToken
from cityloop.security.services import api_token_create


class Command(BaseCommand):
    help = "Create, list or revoke API tokens (bearer tokens for REST API clients)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="print a new token for a user")
        create.add_argument("--user", required=True)
        create.add_argument("--name", required=True)
        sub.add_parser("list")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("prefix")

    def handle(self, *args: object, **options: str) -> None:
        if options["verb"] == "create":
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(_("No such user: %(name)s") % {"name": options["user"]})
            _token, key = api_token_create(user=user, name=options["name"])
            self.stdout.write(key)
        elif options["verb"] == "list":
            for token in ApiToken.objects.select_related("user").order_by("created_at"):
                state = _("revoked") if token.revoked_at else _("active")
                self.stdout.write(f"{token.prefix}\t{token.user}\t{token.name}\t{state}")
        else:
            from cityloop.core import clock

            revoked = ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True).update(
                revoked_at=clock.now())
            if not revoked:
                raise CommandError(_("No active token starts with %(prefix)s") % {"prefix": options["prefix"]})

import unicodedata
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from cityloop.demo.city import DEMO_PASSWORD, load_city
from cityloop.demo.knowledge import knowledge_load_demo
from cityloop.demo.management.commands.simulate import report
from cityloop.demo.simulate import simulate
from cityloop.network.demo import network_demo_build
from cityloop.organisation.models import Membership
from cityloop.tickets.models import Ticket

# The memorable accounts, one per role, printed at start.
DEMO_ACCOUNTS = ("admin", "operator", "dispatcher", "handler", "street", "supervisor", "analyst", "grid",
                 "community", "deputy", "citizen")


class Command(BaseCommand):
    help = "Run the demo city: migrate, seed, generate the history if the database is empty, and serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-serve", action="store_true", help="Prepare the database and stop.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_defaults", stdout=self.stdout)
        if not Ticket.objects.exists():
            self.stdout.write(_("Generating the demo city and two years of tickets (about a minute)..."))
            report(self.stdout.write, simulate(seed=options["seed"], log=self.stdout.write))
        else:
            load_city()  # the demo accounts exist even when the tickets came from elsewhere
        # Both only add what is missing, so a restart changes nothing.
        network_demo_build(options["seed"])
        knowledge_load_demo()
        self.print_accounts()
        if options["no_serve"]:
            return
        from cityloop.core.jobs import start_inprocess_scheduler

        start_inprocess_scheduler()
        call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)

    def print_accounts(self) -> None:
        users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_ACCOUNTS)}
        memberships: dict[int, list[Membership]] = {}
        for m in Membership.objects.filter(user__in=users.values()).select_related("unit"):
            memberships.setdefault(m.user_id, []).append(m)
        self.stdout.write("")
        self.stdout.write(_("Demo accounts (demo only, every password is %(password)s):")
                          % {"password": DEMO_PASSWORD})
        self.stdout.write(f"  {_pad(_('username'), 12)} {_pad(_('role'), 18)} {_('unit')}")
        for username in DEMO_ACCOUNTS:
            user = users.get(username)
            if user is None:
                continue
            rows = memberships.get(user.pk) or []
            role = ", ".join(str(m.get_role_display()) for m in rows) or str(_("citizen (no role)"))
            unit = ", ".join(m.unit.name for m in rows) or "-"
            self.stdout.write(f"  {_pad(username, 12)} {_pad(role, 18)} {unit}")
        self.stdout.write(_("Other generated staff: handler-<unit code>, community-<unit code>, grid-<unit code>, "
                            "operator-2..8, dispatcher-2..3, supervisor-2..3."))


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal column: Chinese characters take two cells."""
    cells = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - cells)

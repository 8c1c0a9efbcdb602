from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cityloop.tickets.defaults import calendar_seed, time_limits_seed
from cityloop.tickets.taxonomy import taxonomy_load_default


class Command(BaseCommand):
    help = "Enter the official calendar, the default category taxonomy and the default time limits (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        years = calendar_seed()
        categories = taxonomy_load_default()
        policies = time_limits_seed()
        self.stdout.write(_("Calendar years added: %(years)s; categories added: %(categories)d; "
                            "time-limit policies added: %(policies)d")
                          % {"years": ", ".join(map(str, years)) or "-", "categories": categories,
                             "policies": policies})

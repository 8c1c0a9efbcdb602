import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.demo.simulate import Result, SimulationRefused, simulate


class Command(BaseCommand):
    help = "Generate the demo city and its ticket history (seeded, into an empty database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--tickets", type=int, default=100_000)
        parser.add_argument("--days", type=int, default=730)
        parser.add_argument("--grids", type=int, default=200)
        parser.add_argument("--append", action="store_true",
                            help="Add tickets to a database that already holds some (and the demo city).")
        parser.add_argument("--end", type=_moment, default=None,
                            help="When the history ends (ISO 8601, default now); with --seed it fixes the output.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = simulate(seed=options["seed"], tickets=options["tickets"], days=options["days"],
                              grids=options["grids"], append=options["append"], end=options["end"],
                              log=self.stdout.write if options["verbosity"] > 0 else None)
        except SimulationRefused as error:
            raise CommandError(_("Simulation refused: %(reason)s") % {"reason": error}) from error
        report(self.stdout.write, result)


def _moment(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def report(write: Any, result: Result) -> None:
    write(_("Generated %(tickets)d tickets and %(events)d events in %(seconds).1f s.")
          % {"tickets": result.tickets, "events": result.events, "seconds": result.seconds})
    write(_("City: %(counts)s") % {"counts": ", ".join(f"{k} {v}" for k, v in result.counts.items())})
    write(_("Statuses: %(statuses)s")
          % {"statuses": ", ".join(f"{k} {v}" for k, v in sorted(result.statuses.items()))})
    write(_("Planted hotspots:"))
    for spot in result.hotspots:
        write("  " + ", ".join(f"{k}={v}" for k, v in spot.items()))
    write(_("Units with a planted character:"))
    for code, profile in result.units.items():
        write(f"  {code}: {profile}")

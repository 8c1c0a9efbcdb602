from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cityloop.network.demo import network_demo_build, summary


class Command(BaseCommand):
    help = "Add the organisation network (building groups, office buildings, joint meeting) to the demo city."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        counts = network_demo_build(options["seed"])
        self.stdout.write(summary(counts) if counts else "network already built (or no demo city)")

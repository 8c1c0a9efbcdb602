from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from cityloop.tickets.workflow import workflow_markdown


class Command(BaseCommand):
    help = "Write docs/workflow.md, the ticket workflow generated from the transition table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="file to write; standard output if omitted")

    def handle(self, *args: object, output: Path | None = None, **options: object) -> None:
        text = workflow_markdown()
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text)

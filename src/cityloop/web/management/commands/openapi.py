import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Write the REST API's OpenAPI document (committed as docs/openapi.json; CI checks it for drift)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="file to write; standard output if omitted")

    def handle(self, *args: object, output: Path | None = None, **options: object) -> None:
        from django.utils import translation

        from cityloop.config.api import api

        with translation.override("en"):
            text = openapi_text(api.get_openapi_schema())
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text)


def openapi_text(schema: object) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

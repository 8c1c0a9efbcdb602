"""The `cityloop` console script: Django's management commands plus the platform's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.config.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cityloop", *sys.argv[1:]])


if __name__ == "__main__":
    main()

"""The `cityloop` console script: Django's management commands plus the platform's own."""

import os
import sys
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.config.settings.base")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    # The data directory holds the default SQLite database: a fresh checkout has none yet. WhiteNoise warns at
    # every start when STATIC_ROOT is missing, even while it serves from the finders.
    for directory in (settings.DATA_DIR, settings.STATIC_ROOT):
        Path(directory).mkdir(parents=True, exist_ok=True)
    execute_from_command_line(["cityloop", *sys.argv[1:]])


if __name__ == "__main__":
    main()

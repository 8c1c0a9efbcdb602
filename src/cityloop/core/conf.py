from typing import Any

from django.conf import settings


def platform_setting(name: str) -> Any:
    """One of the platform's own settings (the CITYLOOP dict in the settings module)."""
    return settings.CITYLOOP[name]

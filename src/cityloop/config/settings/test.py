"""Test settings: a real database (SQLite by default, PostgreSQL when DATABASE_URL names one)."""

import tempfile
from pathlib import Path

from cityloop.config.env import env
from cityloop.config.settings.base import *  # noqa: F403
from cityloop.config.settings.base import CITYLOOP, database_config

_TMP = Path(tempfile.mkdtemp(prefix="cityloop-test-"))
DATA_DIR = _TMP
MEDIA_ROOT = _TMP / "media"
STATIC_ROOT = _TMP / "static"
STATIC_ROOT.mkdir()
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; production uses Argon2
DATABASES = {"default": database_config(env("DATABASE_URL", f"sqlite:///{_TMP / 'test.sqlite3'}"))}
# Its own name, so that two suites can run side by side on one PostgreSQL server.
DATABASES["default"]["TEST"] = {"NAME": None if "sqlite" in DATABASES["default"]["ENGINE"]
                                else env("CITYLOOP_TEST_DATABASE", "test_cityloop")}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
# Throttling is tested on purpose where it matters; elsewhere tests sign in freely and call public pages often.
AXES_ENABLED = False
CITYLOOP = {**CITYLOOP, "PUBLIC_BURSTS": False}

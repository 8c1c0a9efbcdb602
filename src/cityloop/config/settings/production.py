"""Production: PostgreSQL, Redis and Celery; secrets and hosts must come from the environment."""

from cityloop.config.env import env
from cityloop.config.settings.base import *  # noqa: F403

SECRET_KEY = env("CITYLOOP_SECRET_KEY")  # no default: refusing to start is better than a known key
if not SECRET_KEY:
    raise RuntimeError("CITYLOOP_SECRET_KEY must be set in production")
DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = 31536000
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False

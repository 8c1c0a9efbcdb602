"""Settings shared by every environment; everything that differs comes from the environment."""

from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from cityloop.config.env import env, env_bool, env_list

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # src/cityloop
DATA_DIR = Path(env("CITYLOOP_DATA_DIR", str(Path.cwd() / "var"))).resolve()

SECRET_KEY = env("CITYLOOP_SECRET_KEY", "insecure-demo-key-set-CITYLOOP_SECRET_KEY-in-production")
DEBUG = env_bool("CITYLOOP_DEBUG", default=False)
ALLOWED_HOSTS = env_list("CITYLOOP_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "cityloop.core",
    "cityloop.organisation",
    "cityloop.security",
    "cityloop.tickets",
    "cityloop.intake",
    "cityloop.dispatch",
    "cityloop.handling",
    "cityloop.assessment",
    "cityloop.intelligence",
    "cityloop.analytics",
    "cityloop.participation",
    "cityloop.open311",
    "cityloop.deliberation",
    "cityloop.network",
    "cityloop.web",
    "cityloop.portal",
    "cityloop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cityloop.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "cityloop.security.middleware.PublicBurstMiddleware",  # before the CSRF check: forged posts count too
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Sign-in throttling (django-axes): five failures for one account from one address lock it for 15 minutes.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked.html"

ROOT_URLCONF = "cityloop.config.urls"
WSGI_APPLICATION = "cityloop.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cityloop.web.context_processors.navigation",
            ],
        },
    },
]


def database_config(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock up front so that two
        # writers queue instead of failing with "database is locked" halfway through a transaction.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Parameters bound by the server, so that psycopg prepares the statements a process repeats: parsing
        # and planning them once saves a quarter of the CPU of a ticket creation on both sides. (Behind a
        # transaction-pooling PgBouncer older than 1.21, turn this off.)
        config["OPTIONS"] = {"server_side_binding": True}
    return config


DATABASES = {"default": database_config(env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'cityloop.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env("CITYLOOP_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = env("CITYLOOP_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "outbox"
DEFAULT_FROM_EMAIL = env("CITYLOOP_FROM_EMAIL", "12345@cityloop.invalid")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env("REDIS_URL", ""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}}

# Jobs: Celery with a broker in production; on the embedded default they run in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "ticket-flag-overdue": {"task": "cityloop.tickets.tasks.ticket_flag_overdue_task", "schedule": 300.0},
    "audit-seal": {"task": "cityloop.security.tasks.audit_seal_task", "schedule": 60.0},
    "security-scan": {"task": "cityloop.security.tasks.security_scan_task", "schedule": 3600.0},
    # Early warning: concentrated, trending and emerging risks found once a day.
    "analyse": {"task": "cityloop.analytics.tasks.analyse_task", "schedule": 86400.0},
    # A building's group leader hears of new tickets in the building (once each, within minutes).
    "building-leaders": {"task": "cityloop.network.tasks.building_leader_notify_recent_task", "schedule": 300.0},
    # Citizens who raised an issue at a deputies' reception hear when its ticket is answered.
    "reception-follow-up": {"task": "cityloop.participation.tasks.reception_issues_follow_tickets_task",
                            "schedule": 300.0},
}

# The platform's own settings.
CITYLOOP: dict[str, Any] = {
    # Office hours on a working day; working-hour time limits count only these.
    "WORKING_HOURS": env("CITYLOOP_WORKING_HOURS", "09:00-12:00,13:00-17:30"),
    # Share of a time limit after which a ticket shows a warning.
    "WARNING_SHARE": 0.75,
    # Seconds between in-process runs of periodic jobs on the embedded default.
    "INPROCESS_JOB_INTERVAL": int(env("CITYLOOP_JOB_INTERVAL", "300")),
    # Requests per client to the REST API (per signed-in user, and per address for anonymous callers).
    "API_RATE_USER": env("CITYLOOP_API_RATE_USER", "6000/m"),
    "API_RATE_ANONYMOUS": env("CITYLOOP_API_RATE_ANONYMOUS", "120/m"),
    # Functions (ticket id → e-mail addresses) naming who else follows a ticket's news.
    "TICKET_RECIPIENT_PROVIDERS": ["cityloop.portal.selectors.subscription_emails"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("CITYLOOP_LOG_LEVEL", "WARNING")},
}

"""Celery application. Production runs `celery -A cityloop.config.celery worker --beat`; on the embedded
default tasks run eagerly in-process and `cityloop.core.jobs` plays the part of beat."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.config.settings.base")
app = Celery("cityloop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

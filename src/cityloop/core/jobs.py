"""Periodic jobs on the embedded default: a daemon thread runs the beat schedule in-process."""

import logging
import threading
import time
from importlib import import_module

from django.conf import settings
from django.db import close_old_connections

from cityloop.core.conf import platform_setting

log = logging.getLogger(__name__)


def run_scheduled_once() -> None:
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        module_name, _, function_name = str(entry["task"]).rpartition(".")
        try:
            getattr(import_module(module_name), function_name)()
        except Exception:  # a failing job must not stop the others or the server
            log.exception("scheduled job %s failed", name)
        finally:
            close_old_connections()


def start_inprocess_scheduler(interval: float | None = None) -> threading.Thread:
    seconds = float(interval or platform_setting("INPROCESS_JOB_INTERVAL"))

    def loop() -> None:
        while True:
            run_scheduled_once()
            time.sleep(seconds)

    thread = threading.Thread(target=loop, name="cityloop-jobs", daemon=True)
    thread.start()
    return thread

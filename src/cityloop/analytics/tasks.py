from celery import shared_task


@shared_task
def analyse_task() -> int:
    """The daily early-warning run (`cityloop analyse` with its defaults)."""
    from cityloop.analytics.services import analyse

    return len(analyse())

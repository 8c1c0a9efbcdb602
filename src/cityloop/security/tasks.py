from celery import shared_task

from cityloop.security.audit import audit_seal


@shared_task
def audit_seal_task() -> int:
    return audit_seal()

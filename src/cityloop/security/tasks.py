from celery import shared_task

from cityloop.security.audit import audit_seal


@shared_task
def audit_seal_task() -> int:
    return audit_seal()


@shared_task
def security_scan_task() -> int:
    from cityloop.security.anomaly import security_scan

    return len(security_scan())

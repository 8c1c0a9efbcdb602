from celery import shared_task

from cityloop.security.audit import audit_seal


@shared_task
def audit_seal_task() -> int:
    return audit_seal()


@shared_task
def security_scan_task() -> int:
    from cityloop.security.anomaly import security_scan

    return len(security_scan())


@shared_task
def security_alerts_notify_task(alert_ids: list[int]) -> int:
    """Tell the administrators of alerts raised while serving a request (kept off the request's path)."""
    from cityloop.security.anomaly import notify_administrators
    from cityloop.security.models import SecurityAlert

    alerts = list(SecurityAlert.objects.filter(pk__in=alert_ids))
    notify_administrators(alerts)
    return len(alerts)

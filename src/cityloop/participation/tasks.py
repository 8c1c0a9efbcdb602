"""Periodic jobs of participation. To run them, the beat schedule (config/settings/base.py) needs the entry
`"participation-follow-tickets": {"task": "cityloop.participation.tasks.reception_issues_follow_tickets_task",
"schedule": 300.0}` — that file belongs to the platform, so it is proposed rather than added here."""

from celery import shared_task
from django.utils import translation

from cityloop.participation.services import reception_issues_follow_tickets


@shared_task
def reception_issues_follow_tickets_task() -> int:
    """Issues raised at a reception whose ticket was completed take its reply as their answer; citizen told."""
    with translation.override("zh-hans"):
        return reception_issues_follow_tickets()

"""Jobs of the assessment stage, run after commit (eagerly in-process, or by Celery workers)."""

from celery import shared_task

from cityloop.assessment.services import reply_score_record


@shared_task
def reply_score_record_task(ticket_id: int) -> None:
    reply_score_record(ticket_id=ticket_id)


def reply_score_follow(ticket_id: int) -> None:
    """Follows the workflow's reply-sending actions (see apps.py): score the reply off the request's path."""
    reply_score_record_task.delay(ticket_id)

"""Jobs of the organisation network.

- `building_leader_notify_task(ticket_id)`: call it from `cityloop.tickets.tasks.ticket_notify_task` on the
  "receive" event (`building_leader_notify(ticket)` directly, or `.delay(ticket.pk)`).
- `building_leader_notify_recent_task()`: a periodic sweep (a CELERY_BEAT_SCHEDULE entry with task
  "cityloop.network.tasks.building_leader_notify_recent_task") for the tickets of the last day; a leader is
  told of a ticket once whichever path runs first.
"""

import datetime as dt

from celery import shared_task
from django.utils import translation

from cityloop.core import clock
from cityloop.network.services import building_leader_notify, building_leader_notify_recent
from cityloop.tickets.models import Ticket


@shared_task
def building_leader_notify_task(ticket_id: int) -> int:
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return 0
    with translation.override("zh-hans"):
        return len(building_leader_notify(ticket))


@shared_task
def building_leader_notify_recent_task() -> int:
    with translation.override("zh-hans"):
        return building_leader_notify_recent(since=clock.now() - dt.timedelta(days=1))

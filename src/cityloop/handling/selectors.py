"""Reads of the handling stage: the handler's to-do list (待办), attachments and reply templates."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from cityloop.core import clock
from cityloop.handling.models import Attachment, ReplyTemplate
from cityloop.security import grants as g
from cityloop.security.access import access_object, grants_for, visible_to
from cityloop.tickets.choices import SlaState, Status
from cityloop.tickets.models import Ticket
from cityloop.tickets.sla import sla_state

# What a unit must act on: sign for what was dispatched to it, and work on what it signed for.
TO_SIGN = (Status.DISPATCHED,)
WORKING = (Status.SIGNED, Status.IN_PROGRESS, Status.EXTENSION_PENDING, Status.SUSPENDED)
TODO_STATUSES = (*TO_SIGN, *WORKING)
ALL_WORKING = "working"  # the status filter's value for every signed-for state at once


def can_see_todo(user: Any) -> bool:
    return not (grants_for(user, g.HANDLE).empty and grants_for(user, g.SIGN).empty)


def _todo_base(user: Any) -> QuerySet[Ticket]:
    """Dispatched tickets the user's units may sign for, and signed ones they handle (primary or co-handler)."""
    to_sign = visible_to(user, g.SIGN, Ticket.objects.filter(status__in=TO_SIGN))
    working = visible_to(user, g.HANDLE, Ticket.objects.filter(status__in=WORKING))
    return to_sign | working


def _sla_filter(state: str, now: dt.datetime) -> Q:
    if state == SlaState.OVERDUE:
        return Q(due_at__lt=now)
    if state == SlaState.WARNING:
        return Q(warn_at__lte=now, due_at__gte=now)
    return ~Q(due_at__lt=now) & ~Q(warn_at__lte=now, due_at__gte=now)


def todo_counters(user: Any, *, now: dt.datetime | None = None) -> dict[str, int]:
    """The figures at the top of the to-do list, in one query."""
    now = now or clock.now()
    return _todo_base(user).aggregate(
        to_sign=Count("pk", filter=Q(status__in=TO_SIGN)),
        in_progress=Count("pk", filter=Q(status__in=WORKING)),
        due_soon=Count("pk", filter=_sla_filter(SlaState.WARNING, now)),
        overdue=Count("pk", filter=_sla_filter(SlaState.OVERDUE, now)),
    )


def ticket_list_todo(user: Any, *, status: str = "", sla: str = "", query: str = "",
                     now: dt.datetime | None = None) -> QuerySet[Ticket]:
    """The to-do list, earliest deadline first (suspended tickets, whose clock is stopped, last)."""
    tickets = _todo_base(user)
    if status == ALL_WORKING:
        tickets = tickets.filter(status__in=WORKING)
    elif status in TODO_STATUSES:
        tickets = tickets.filter(status=status)
    if sla in SlaState.values:
        tickets = tickets.filter(_sla_filter(sla, now or clock.now()))
    query = query.strip()
    if query:
        tickets = tickets.filter(Q(title__icontains=query) | Q(number__icontains=query))
    return tickets.select_related("unit", "category").order_by(F("due_at").asc(nulls_last=True), "pk")


@dataclass(frozen=True)
class TodoRow:
    ticket: Ticket
    sla_state: str
    primary: bool  # the user's unit is the primary handler (not only a co-handler)


def todo_rows(user: Any, tickets: Any, *, now: dt.datetime | None = None) -> list[TodoRow]:
    """One page of the list with each ticket's deadline state and the user's part in it (no further queries)."""
    now = now or clock.now()
    unit_paths = grants_for(user, g.HANDLE).unit_paths + grants_for(user, g.SIGN).unit_paths
    return [TodoRow(ticket, sla_state(ticket, now), any(ticket.unit_path.startswith(p) for p in unit_paths))
            for ticket in tickets]


def attachment_list_for_ticket(user: Any, ticket: Ticket) -> QuerySet[Attachment]:
    return visible_to(user, g.VIEW, Attachment.objects.filter(ticket=ticket)).select_related("uploaded_by")


def attachment_get(user: Any, attachment_id: int) -> Attachment:
    """One attachment, or NotFound when it is missing or its ticket is not visible to the user."""
    return access_object(user, g.VIEW, Attachment.objects.select_related("ticket"), pk=attachment_id)


PLACEHOLDER = re.compile(r"\{(\w+)\}")


def reply_template_list_for_ticket(ticket: Ticket, *, show_contact: bool) -> list[dict[str, Any]]:
    """The active templates that fit the ticket's category, with its placeholders filled in."""
    category_path = ticket.category.path if ticket.category_id and ticket.category else ""
    templates = [t for t in ReplyTemplate.objects.filter(active=True).select_related("category")
                 if t.category is None or category_path.startswith(t.category.path)]
    values = {
        "number": ticket.number or "",
        "title": ticket.title,
        "unit": ticket.unit.name if ticket.unit else "",
        "address": ticket.address,
        "citizen_name": ticket.citizen_name if show_contact else "",
        "date": f"{timezone.localtime(clock.now()):%Y-%m-%d}",
    }
    # Only known names are replaced (no str.format: a template must not reach into Python objects).
    return [{"id": t.pk, "name": t.name,
             "text": PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), t.text)}
            for t in templates]

"""Reads of tickets beyond one row, always through the access gate."""

from typing import Any

from django.db.models import QuerySet

from cityloop.core import clock
from cityloop.security import grants as g
from cityloop.security.access import access_object, can, grants_for, visible_to
from cityloop.security.audit import audit_record
from cityloop.tickets.choices import OPEN_STATUSES, SlaState
from cityloop.tickets.models import Ticket, TicketEvent
from cityloop.tickets.workflow import Transition, allowed_actions


def ticket_list_visible(user: Any, *, status: str | None = None, unit_id: int | None = None,
                        sla_state: str | None = None) -> QuerySet[Ticket]:
    tickets = visible_to(user, g.VIEW, Ticket.objects.all())
    if status:
        tickets = tickets.filter(status=status)
    if unit_id:
        tickets = tickets.filter(unit_id=unit_id)
    if sla_state:
        now = clock.now()
        if sla_state == SlaState.OVERDUE:
            tickets = tickets.filter(due_at__lt=now)
        elif sla_state == SlaState.WARNING:
            tickets = tickets.filter(warn_at__lte=now, due_at__gte=now)
        else:
            tickets = tickets.exclude(due_at__lt=now).exclude(warn_at__lte=now)
    return tickets


def ticket_get(user: Any, ticket_id: int) -> Ticket:
    return access_object(user, g.VIEW, Ticket.objects.select_related("unit").prefetch_related("co_units"),
                         pk=ticket_id)


def ticket_actions_for(user: Any, ticket: Ticket) -> list[Transition]:
    """The actions the user may take on the ticket in its current state."""
    return [t for t in allowed_actions(ticket.status)
            if (grants := grants_for(user, t.permission)) and not grants.empty and ticket.in_scope(grants)]


def ticket_event_list(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The timeline of a ticket already obtained through `ticket_get` (which checked access)."""
    return ticket.events.select_related("actor", "actor_unit").order_by("at", "id")


def ticket_contact_shown(user: Any, ticket: Ticket) -> bool:
    """Whether the user sees the citizen's contact data unmasked; each time they do, the audit log notes it
    (abnormal-access detection counts these reads), unless the data is their own or they recorded it."""
    shown = can(user, g.VIEW_CONTACT, ticket)
    if shown and getattr(user, "pk", None) not in (ticket.citizen_id, ticket.created_by_id):
        audit_record(actor=user, action="ticket.view_contact", object_type="ticket", object_id=ticket.pk)
    return shown


def ticket_overview() -> dict[str, int]:
    """City-wide counts for the public front page (no ticket contents)."""
    now = clock.now()
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    return {"total": Ticket.objects.count(), "open": open_tickets.count(),
            "overdue": open_tickets.filter(due_at__lt=now).count()}

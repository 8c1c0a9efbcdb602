"""REST endpoints for the ticket loop: create, list, read, events, and every workflow action."""

from enum import Enum
from typing import Any

from django.http import HttpRequest
from ninja import Header, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status as HttpStatus

from cityloop.security.auth import API_AUTH
from cityloop.security.masking import mask_email, mask_name, mask_phone, mask_text
from cityloop.tickets import selectors, services, sla
from cityloop.tickets.choices import SlaState, Status
from cityloop.tickets.models import Ticket
from cityloop.tickets.schemas import (
    ErrorOut,
    EventOut,
    TicketIn,
    TicketListItem,
    TicketOut,
    TransitionIn,
    ValidationErrorOut,
)
from cityloop.tickets.workflow import SYSTEM, TRANSITIONS, action_label

router = Router(tags=["tickets"], auth=API_AUTH)
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}
# The actions a person may request (the platform's own, like flagging overdue work, are not offered).
Action = Enum("Action", {t.action: t.action for t in TRANSITIONS.values() if t.permission != SYSTEM},  # type: ignore[misc]
              type=str)


def _ticket_out(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    user = request.user
    show_contact = selectors.ticket_contact_shown(user, ticket)
    return {
        **{f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields},
        "number": ticket.number or "",
        "status_label": ticket.get_status_display(),
        "citizen_name": ticket.citizen_name if show_contact else mask_name(ticket.citizen_name),
        "citizen_phone": ticket.citizen_phone if show_contact else mask_phone(ticket.citizen_phone),
        "citizen_email": ticket.citizen_email if show_contact else mask_email(ticket.citizen_email),
        # free text carries personal data too (a caller's ID number, a neighbour's name)
        "title": ticket.title if show_contact else mask_text(ticket.title),
        "description": ticket.description if show_contact else mask_text(ticket.description),
        "satisfaction": ticket.satisfaction or None,
        "unit": {"id": ticket.unit.pk, "name": ticket.unit.name} if ticket.unit else None,
        # co-handlers are set only by dispatching, so an undispatched ticket has none (spares a query)
        "co_units": [{"id": u.pk, "name": u.name} for u in ticket.co_units.all()] if ticket.dispatched_at else [],
        "sla_state": sla.sla_state(ticket),
        "allowed_actions": [t.action for t in selectors.ticket_actions_for(user, ticket)],
    }


@router.post("/tickets", response={200: TicketOut, 201: TicketOut, **ERRORS}, operation_id="ticket_create")
def ticket_create(request: HttpRequest, payload: TicketIn,
                  idempotency_key: str = Header("", alias="Idempotency-Key", max_length=100)) -> Any:
    """Accept a citizen's demand. Send an `Idempotency-Key` header so that a retry never creates a second one."""
    ticket, created = services.ticket_create(
        actor=request.user, data=services.TicketInput(**payload.dict()), idempotency_key=idempotency_key)
    # The creator may lack the right to view (a deputy files for a citizen): answer from the ticket in hand.
    return HttpStatus(201 if created else 200, _ticket_out(request, ticket))


class TicketFilters(Schema):
    status: Status | None = None
    unit_id: int | None = None
    sla_state: SlaState | None = None


@router.get("/tickets", response=list[TicketListItem], operation_id="ticket_list")
@paginate(LimitOffsetPagination)
def ticket_list(request: HttpRequest, filters: Query[TicketFilters]) -> Any:
    tickets = selectors.ticket_list_visible(request.user, status=filters.status, unit_id=filters.unit_id,
                                            sla_state=filters.sla_state)
    return [{**{f.attname: getattr(t, f.attname) for f in Ticket._meta.concrete_fields},
             "sla_state": sla.sla_state(t)} for t in tickets.order_by("-created_at", "-id")]


@router.get("/tickets/{ticket_id}", response={200: TicketOut, 404: ErrorOut, 422: ValidationErrorOut},
            operation_id="ticket_get")
def ticket_get(request: HttpRequest, ticket_id: int) -> Any:
    return _ticket_out(request, selectors.ticket_get(request.user, ticket_id))


@router.get("/tickets/{ticket_id}/events", response={200: list[EventOut], 404: ErrorOut, 422: ValidationErrorOut},
            operation_id="ticket_event_list")
def ticket_event_list(request: HttpRequest, ticket_id: int) -> Any:
    return [{"id": e.pk, "action": e.action, "action_label": action_label(e.action),
             "from_status": e.from_status, "to_status": e.to_status,
             "actor": e.actor.get_username() if e.actor else None, "actor_unit_id": e.actor_unit_id,
             "at": e.at, "note": e.note, "data": e.data}
            for e in selectors.ticket_event_list(selectors.ticket_get(request.user, ticket_id))]


@router.post("/tickets/{ticket_id}/actions/{action}", response={200: TicketOut, **ERRORS},
             operation_id="ticket_transition")
def ticket_transition(request: HttpRequest, ticket_id: int, action: Action, payload: TransitionIn) -> Any:
    """Apply one workflow action (see docs/workflow.md for which action is allowed in which state)."""
    data = payload.dict()
    expected_version = data.pop("expected_version")
    data["satisfaction"] = data["satisfaction"] or ""
    services.ticket_transition(ticket_id=ticket_id, action=action.value, actor=request.user,
                               params=services.TransitionInput(**data), expected_version=expected_version)
    return _ticket_out(request, selectors.ticket_get(request.user, ticket_id))

"""Every write to a ticket. `ticket_transition()` is the only code that changes a ticket's status."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial, update_wrapper
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.core.db import insert
from cityloop.core.errors import ApplicationError, Conflict, InvalidInput, NotFound
from cityloop.organisation.models import Area, Unit
from cityloop.organisation.places import Place, resolve_place
from cityloop.security import grants as g
from cityloop.security.access import can, grants_for, memberships_of
from cityloop.security.audit import audit_record
from cityloop.tickets import sla
from cityloop.tickets.choices import OPEN_STATUSES, Satisfaction
from cityloop.tickets.models import Category, Ticket, TicketEvent
from cityloop.tickets.workflow import MAX_REOPENS, SYSTEM, TRANSITIONS


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"


@dataclass
class TicketInput:
    channel: str
    ticket_type: str
    title: str
    description: str
    urgency: str = "normal"
    is_complex: bool = False
    category_id: int | None = None
    citizen_name: str = ""
    citizen_phone: str = ""
    citizen_email: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class TransitionInput:
    """What an action may carry; each action uses the fields it needs and checks them."""

    note: str = ""
    unit_id: int | None = None
    co_unit_ids: list[int] = field(default_factory=list)
    reply: str = ""
    days: int | None = None
    resolved: bool | None = None
    satisfaction: str = ""
    merged_into_id: int | None = None
    # The knowledge-base article an answer came from; set only by the intelligence layer, which checks it.
    article_id: int | None = None


def _resolve_area(data: TicketInput) -> Place:
    """Where the demand is; the city itself when neither text nor point tells."""
    place = resolve_place(texts=[data.address, f"{data.title} {data.description}"], latitude=data.latitude,
                          longitude=data.longitude)
    if place is not None:
        return place
    root = Area.objects.filter(parent__isnull=True).order_by("pk").values_list("pk", "path").first()
    if root is None:
        raise Conflict(_("The organisation tree is empty: create the city first."), code="no_city")
    return Place(root[0], root[1], "none", 0.0)


def ticket_create(*, actor: Any, data: TicketInput, idempotency_key: str = "",
                  client: str = "") -> tuple[Ticket, bool]:
    """Accept a demand. Returns (ticket, created); a retry with the same key returns the first ticket."""
    if actor is not None and actor.is_authenticated and grants_for(actor, g.CREATE).empty:
        raise PermissionDenied(_("You may not create tickets."))
    scoped_key = f"{client or (actor.pk if actor else 'anonymous')}:{idempotency_key}" if idempotency_key else None
    if data.category_id is not None and not Category.objects.filter(pk=data.category_id, active=True).exists():
        raise InvalidInput(_("Unknown category."), code="unknown_category", details={"field": "category_id"})
    area = _resolve_area(data)
    now = clock.now()
    is_staff_member = bool(memberships_of(actor))
    try:
        with transaction.atomic():
            pk = Ticket.reserve_ids(1)[0]
            ticket = Ticket(
                pk=pk, number=Ticket.number_for(pk, now), **data.__dict__, area_id=area.area_id,
                area_path=area.path, place_method=area.method, place_confidence=area.confidence,
                cell=Ticket.cell_of(data.latitude, data.longitude), created_at=now, updated_at=now,
                citizen=actor if actor is not None and actor.is_authenticated and not is_staff_member else None,
                created_by=actor if actor is not None and actor.is_authenticated else None,
                idempotency_key=scoped_key,
            )
            insert(ticket)
            _write_event(ticket, action="receive", from_status="", actor=actor, unit_id=None, at=now)
    except IntegrityError:
        # A retry: the first attempt's ticket is the answer (also when two retries raced).
        existing = Ticket.objects.filter(idempotency_key=scoped_key).first() if scoped_key else None
        if existing is None:
            raise
        return existing, False
    return ticket, True


def _write_event(ticket: Ticket, *, action: str, from_status: str, actor: Any, unit_id: int | None,
                 at: dt.datetime, note: str = "", data: dict[str, Any] | None = None) -> TicketEvent:
    event = TicketEvent(
        ticket=ticket, action=action, from_status=from_status, to_status=ticket.status,
        actor=actor if actor is not None and actor.is_authenticated else None, actor_unit_id=unit_id,
        at=at, note=note, data=data or {})
    insert(event)
    audit_record(actor=actor, action=f"ticket.{action}", object_type="ticket", object_id=ticket.pk,
                 data={"event": event.pk, "from": from_status, "to": ticket.status, **(data or {})})
    return event


def _unit(unit_id: int | None, field_name: str = "unit_id") -> Unit:
    unit = Unit.objects.filter(pk=unit_id, active=True).first() if unit_id else None
    if unit is None:
        raise InvalidInput(_("Choose an active handling unit."), code="unit_required", details={"field": field_name})
    return unit


def _require(value: Any, message: str, field_name: str) -> None:
    if value in (None, "", []):
        raise InvalidInput(message, code="field_required", details={"field": field_name})


def _assign(ticket: Ticket, unit: Unit, now: dt.datetime) -> None:
    ticket.unit, ticket.unit_path = unit, unit.path
    ticket.dispatched_at = now
    ticket.signed_at = ticket.contacted_at = ticket.completed_at = ticket.closed_at = None
    ticket.requested_extension_days = None
    sla.start_clocks(ticket, now)


# The effect of each action on the ticket's fields. Each returns what the event should record.
Effect = Callable[[Ticket, TransitionInput, dt.datetime], dict[str, Any]]


def _dispatch(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    unit = _unit(params.unit_id)
    co_units = list(Unit.objects.filter(pk__in=params.co_unit_ids, active=True).exclude(pk=unit.pk))
    if len(co_units) != len(set(params.co_unit_ids) - {unit.pk}):
        raise InvalidInput(_("Unknown co-handling unit."), code="unknown_unit", details={"field": "co_unit_ids"})
    _assign(ticket, unit, now)
    ticket.co_units.set(co_units)
    return {"unit": unit.pk, "co_units": [u.pk for u in co_units]}


def _answer(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    _require(params.reply, _("Write the answer given to the citizen."), "reply")
    ticket.reply, ticket.completed_at, ticket.closed_at = params.reply, now, now
    return {"article": params.article_id} if params.article_id else {}


def _with_reason(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    _require(params.note, _("Give the reason."), "note")
    return {}


def _return(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    _require(params.note, _("Give the reason."), "note")
    if ticket.sign_due and now > ticket.sign_due:
        raise Conflict(_("The time for returning this ticket has passed; handle it or ask the centre."),
                       code="return_window_closed")
    ticket.return_count += 1
    return {"unit": ticket.unit_id}


def _suspend(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    _require(params.note, _("Give the reason."), "note")
    ticket.suspended_at = now
    return {}


def _resume(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    sla.shift_for_suspension(ticket, now)
    return {}


def _sign(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    ticket.signed_at = now
    return {}


def _contact(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    ticket.contacted_at = now
    return {}


def _note(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    _require(params.note, _("Write the progress note."), "note")
    return {}


def _summon(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    co_units = list(Unit.objects.filter(pk__in=params.co_unit_ids, active=True))
    _require(co_units, _("Choose the units to summon."), "co_unit_ids")
    ticket.co_units.add(*co_units)
    return {"co_units": [u.pk for u in co_units]}


def _request_extension(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    if not params.days or not 1 <= params.days <= 30:
        raise InvalidInput(_("An extension is 1 to 30 working days."), code="invalid_days", details={"field": "days"})
    _require(params.note, _("Give the reason."), "note")
    ticket.requested_extension_days = params.days
    return {"days": params.days}


def _approve_extension(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    days = params.days or ticket.requested_extension_days or 0
    sla.extend(ticket, days)
    ticket.requested_extension_days = None
    return {"days": days, "complete_due": ticket.complete_due.isoformat() if ticket.complete_due else None}


def _refuse_extension(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    _require(params.note, _("Give the reason."), "note")
    ticket.requested_extension_days = None
    return {}


def _complete(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    _require(params.reply, _("Write the reply to the citizen."), "reply")
    ticket.reply, ticket.completed_at = params.reply, now
    return {}


def _callback(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    _require(params.resolved, _("Say whether the problem was resolved."), "resolved")
    if params.satisfaction not in Satisfaction.values:
        raise InvalidInput(_("Choose the citizen's satisfaction."), code="field_required",
                           details={"field": "satisfaction"})
    ticket.resolved, ticket.satisfaction, ticket.closed_at = params.resolved, params.satisfaction, now
    return {"resolved": params.resolved, "satisfaction": params.satisfaction}


def _close_unreachable(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    ticket.closed_at = now  # resolved and satisfaction stay unknown: nobody answered
    return {}


def _reopen(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    if ticket.satisfaction != Satisfaction.UNSATISFIED or ticket.unit is None:
        raise Conflict(_("Only a ticket the citizen was unsatisfied with can be reopened."),
                       code="reopen_not_unsatisfied")
    if ticket.reopen_count >= MAX_REOPENS:
        raise Conflict(_("This ticket has been reopened twice already; a supervisor decides now."),
                       code="reopen_limit")
    ticket.reopen_count += 1
    ticket.resolved, ticket.satisfaction = None, ""
    _assign(ticket, ticket.unit, now)
    return {"reopen_count": ticket.reopen_count}


def _merge(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    target = (Ticket.objects.filter(pk=params.merged_into_id, status__in=OPEN_STATUSES).first()
              if params.merged_into_id else None)
    if target is None or target.pk == ticket.pk:
        raise InvalidInput(_("Choose another open ticket to merge into."), code="invalid_merge_target",
                           details={"field": "merged_into_id"})
    ticket.merged_into, ticket.closed_at = target, now
    return {"merged_into": target.number}


def _flag_overdue(ticket: Ticket, params: TransitionInput, now: dt.datetime) -> dict[str, Any]:
    ticket.overdue_flagged_at = now
    return {"due_at": ticket.due_at.isoformat() if ticket.due_at else None}


EFFECTS: dict[str, Effect] = {
    "answer": _answer, "dispatch": _dispatch, "return": _return, "dispute": _with_reason, "arbitrate": _dispatch,
    "sign": _sign, "contact": _contact, "note": _note, "summon": _summon, "request_extension": _request_extension,
    "approve_extension": _approve_extension, "refuse_extension": _refuse_extension, "suspend": _suspend,
    "resume": _resume, "complete": _complete, "callback": _callback,
    "close_unreachable": _close_unreachable, "reopen": _reopen, "merge": _merge,
    "invalidate": _with_reason, "urge": _with_reason, "supervise": _with_reason, "flag_overdue": _flag_overdue,
}


def ticket_transition(*, ticket_id: int, action: str, actor: Any, params: TransitionInput | None = None,
                      expected_version: int | None = None) -> Ticket:
    """Apply one workflow action: lock, check state, permission and guard, write status and event together."""
    params = params or TransitionInput()
    rule = TRANSITIONS.get(action)
    if rule is None:
        raise InvalidInput(_("Unknown action."), code="unknown_action", details={"field": "action"})
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("unit").filter(pk=ticket_id).first()
        if ticket is None or (actor is not None and not can(actor, g.VIEW, ticket)):
            raise NotFound(_("Not found."))
        if expected_version is not None and ticket.version != expected_version:
            raise Conflict(_("Someone else changed this ticket just now; reload it and try again."),
                           code="stale_version")
        if ticket.status not in rule.sources:
            raise Conflict(_("This action is not possible while the ticket is “%(status)s”.")
                           % {"status": ticket.get_status_display()}, code="invalid_transition")
        unit_id = None
        if rule.permission == SYSTEM:
            if actor is not None:
                raise PermissionDenied(_("Only the platform itself does this."))
        else:
            grants = grants_for(actor, rule.permission)
            if grants.empty or not ticket.in_scope(grants):
                raise PermissionDenied(_("You may not do this to this ticket."))
            unit_id = grants.acting_unit_id(area_path=ticket.area_path, unit_paths=ticket.handling_unit_paths())
        now = clock.now()
        from_status, version = ticket.status, ticket.version
        record = EFFECTS[action](ticket, params, now)
        if rule.target is not None:
            ticket.status = rule.target
        sla.follow_stage(ticket)
        ticket.version = version + 1
        ticket.updated_at = now
        # The version check makes a lost update impossible even where row locks are not (SQLite).
        updated = Ticket.objects.filter(pk=ticket.pk, version=version).update(
            **{f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields if not f.primary_key})
        if updated != 1:
            raise Conflict(_("Someone else changed this ticket just now; reload it and try again."),
                           code="stale_version")
        event = _write_event(ticket, action=action, from_status=from_status, actor=actor, unit_id=unit_id,
                             at=now, note=params.note or params.reply, data=record)
        transaction.on_commit(lambda: _after_commit(ticket.pk, event.pk))
        for follow in FOLLOWERS.get(action, ()):  # (wrapped: the log names a failing one)
            transaction.on_commit(update_wrapper(partial(follow, ticket.pk), follow), robust=True)
        for consequence in CONSEQUENCES.get(action, ()):
            consequence(ticket, actor, params)
    return ticket


# Stages above this layer (which it cannot import) follow an action from their AppConfig.ready(): each function
# gets the ticket id after the action commits; a failing one is logged and never undoes the action.
FOLLOWERS: dict[str, list[Callable[[int], None]]] = {}
# What must happen with an action or not at all (a callback's consequences, in assessment) is registered the same
# way: each function gets the ticket, the actor and the input inside the action's transaction; an error undoes
# the action too.
CONSEQUENCES: dict[str, list[Callable[[Ticket, Any, TransitionInput], None]]] = {}


def _after_commit(ticket_id: int, event_id: int) -> None:
    from cityloop.tickets.tasks import ticket_notify_task

    ticket_notify_task.delay(ticket_id, event_id)


def ticket_flag_overdue(*, now: dt.datetime | None = None) -> int:
    """Flag (once per deadline) every ticket past the deadline of its current stage; returns how many."""
    now = now or clock.now()
    count = 0
    overdue = Ticket.objects.filter(due_at__lt=now, overdue_flagged_at__isnull=True,
                                    status__in=OPEN_STATUSES).values_list("pk", flat=True)
    for ticket_id in list(overdue[:5000]):
        try:
            ticket_transition(ticket_id=ticket_id, action="flag_overdue", actor=None)
        except Conflict:
            continue  # it moved on meanwhile; the next run looks again
        count += 1
    return count

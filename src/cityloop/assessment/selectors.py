"""Reads of the assessment stage: the supervisor's board (督办) and the three rates (三率) per unit."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from cityloop.assessment.choices import CallbackOutcome, Decision
from cityloop.assessment.models import (
    AssessmentConfig,
    AssessmentResult,
    Exemption,
    SupervisorReview,
)
from cityloop.core import clock
from cityloop.security import grants as g
from cityloop.security.access import access_object, can, grants_for, visible_to
from cityloop.tickets.choices import Satisfaction, Status
from cityloop.tickets.models import Ticket, TicketEvent
from cityloop.tickets.workflow import ASSIGNED

PRESS_ACTIONS = ("urge", "supervise")
RATE_WINDOW_DAYS = 30


def can_supervise(user: Any) -> bool:
    return not grants_for(user, g.SUPERVISE).empty


def _overdue(now: dt.datetime) -> Q:
    return Q(due_at__lt=now)


def _due_soon(now: dt.datetime) -> Q:
    return Q(warn_at__lte=now, due_at__gte=now)


def _at_risk(user: Any, now: dt.datetime) -> QuerySet[Ticket]:
    """Assigned tickets whose running clock is in its warning part or past its deadline."""
    tickets = Ticket.objects.filter(status__in=ASSIGNED, due_at__isnull=False).filter(_overdue(now) | _due_soon(now))
    return visible_to(user, g.SUPERVISE, tickets)


def board_units(user: Any, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Overdue and soon-due work per primary unit, worst first; one query."""
    now = now or clock.now()
    rows = (_at_risk(user, now).values("unit_id", "unit__name")
            .annotate(overdue=Count("pk", filter=_overdue(now)), due_soon=Count("pk", filter=_due_soon(now)))
            .order_by("-overdue", "-due_soon", "unit__name", "unit_id"))
    return [{"unit_id": r["unit_id"], "unit_name": r["unit__name"], "overdue": r["overdue"],
             "due_soon": r["due_soon"]} for r in rows]


def board_tickets(user: Any, *, unit_id: int | None = None, now: dt.datetime | None = None) -> QuerySet[Ticket]:
    """The overdue and soon-due tickets (of one unit, or all), earliest deadline first, with how often they
    were pressed (urged or supervised) already."""
    now = now or clock.now()
    tickets = _at_risk(user, now)
    if unit_id is not None:
        tickets = tickets.filter(unit_id=unit_id)
    pressed = (TicketEvent.objects.filter(ticket=OuterRef("pk"), action__in=PRESS_ACTIONS).order_by()
               .values("ticket").annotate(n=Count("pk")).values("n"))
    return (tickets.select_related("unit")
            .annotate(pressed=Coalesce(Subquery(pressed, output_field=IntegerField()), Value(0)))
            .order_by("due_at", "pk"))


def extension_requests(user: Any) -> QuerySet[Ticket]:
    """Pending extension requests (延期申请) the user may approve or refuse, oldest deadline first."""
    return (visible_to(user, g.REVIEW_EXTENSION, Ticket.objects.filter(status=Status.EXTENSION_PENDING))
            .select_related("unit").order_by("due_at", "pk"))


@dataclass(frozen=True)
class UnitRates:
    """The three rates (三率) of one unit; a rate is None where its denominator is zero."""

    unit_id: int | None
    unit_name: str
    dispatched: int  # dispatched in the window and whose contact is settled (contacted, or its deadline passed)
    responded: int  # ... of which contacted within the contact deadline
    called_back: int  # called back (回访) in the window
    resolved: int
    satisfied: int  # satisfied or basically satisfied

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responded, self.dispatched)

    @property
    def resolution_rate(self) -> float | None:
        return self._rate(self.resolved, self.called_back)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.called_back)


def unit_rates(user: Any, *, now: dt.datetime | None = None, days: int = RATE_WINDOW_DAYS) -> list[UnitRates]:
    """Response, resolution and satisfaction rates per unit over the last `days` days, in two queries.

    Response rate: of the tickets dispatched in the window whose contact is due by now or done, the share
    contacted within the contact deadline (a ticket still inside its time limit is not counted either way).
    Resolution and satisfaction rates: of the tickets called back in the window, the share resolved, and the
    share satisfied or basically satisfied. Approved exemptions are left out, as in the monthly figures.
    """
    now = now or clock.now()
    since = now - dt.timedelta(days=days)
    exempted = Exemption.objects.filter(ticket=OuterRef("pk"), decision=Decision.APPROVE)
    tickets = visible_to(user, g.SUPERVISE, Ticket.objects.filter(unit__isnull=False).exclude(Exists(exempted)))
    # Two aggregates over closed time windows rather than one over an OR of them: each then walks its own time
    # index, where SQLite's planner would scan the user's whole scope by area path (seconds at 100,000 tickets).
    dispatched = (tickets.filter(dispatched_at__gte=since, dispatched_at__lte=now)
                  .filter(Q(contacted_at__isnull=False) | Q(contact_due__lt=now))
                  .values("unit_id", "unit__name")
                  .annotate(dispatched=Count("pk"),
                            responded=Count("pk", filter=Q(contacted_at__lte=F("contact_due")))))
    called_back = (tickets.filter(closed_at__gte=since, closed_at__lte=now).exclude(satisfaction="")
                   .values("unit_id", "unit__name")
                   .annotate(called_back=Count("pk"), resolved=Count("pk", filter=Q(resolved=True)),
                             satisfied=Count("pk", filter=Q(satisfaction__in=[
                                 Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED]))))
    counts: dict[int, dict[str, Any]] = {}
    for row in (*dispatched.order_by(), *called_back.order_by()):
        counts.setdefault(row["unit_id"], {"dispatched": 0, "responded": 0, "called_back": 0, "resolved": 0,
                                           "satisfied": 0}).update(row)
    return [UnitRates(r["unit_id"], r["unit__name"], r["dispatched"], r["responded"], r["called_back"],
                      r["resolved"], r["satisfied"])
            for r in sorted(counts.values(), key=lambda r: (r["unit__name"], r["unit_id"]))]


def rates_total(rates: list[UnitRates]) -> UnitRates:
    return UnitRates(None, "", *(sum(getattr(r, f) for r in rates)
                                 for f in ("dispatched", "responded", "called_back", "resolved", "satisfied")))


# --- monthly assessment: rankings, trends, drill-down ---------------------------------------------------------

def assessment_months() -> list[dt.date]:
    return list(AssessmentResult.objects.order_by("-period").values_list("period", flat=True).distinct()[:36])


def assessment_ranking(*, month: dt.date, kind: str) -> list[Any]:
    """The stored cells of one scope kind for the month, ranked, each with its change from the month before."""
    from cityloop.assessment.services import month_bounds

    before = month_bounds(month - dt.timedelta(days=1))[0]
    previous = dict(AssessmentResult.objects.filter(period=before, scope_kind=kind)
                    .values_list("scope_id", "figures"))
    rows = sorted(AssessmentResult.objects.filter(period=month, scope_kind=kind),
                  key=lambda r: (r.figures.get("rank", 0), r.scope_id))
    for row in rows:
        old = previous.get(row.scope_id, {}).get("composite")
        new = row.figures.get("composite")
        row.change = None if old is None or new is None else round(new - old, 2)  # type: ignore[attr-defined]
    return rows


def assessment_trend(*, kind: str, scope_id: int, months: int = 12) -> list[Any]:
    return list(AssessmentResult.objects.filter(scope_kind=kind, scope_id=scope_id).order_by("-period")[:months])[::-1]


def assessment_tickets(user: Any, *, month: dt.date, kind: str, scope_id: int, measure: str) -> QuerySet[Ticket]:
    """The tickets behind one stored figure (recomputed from the event log as of the stored time), as far as the
    user may see them."""
    from cityloop.assessment import engine
    from cityloop.assessment.extract import load_log
    from cityloop.assessment.services import month_bounds

    if measure not in engine.COUNTS:
        return Ticket.objects.none()
    cell = AssessmentResult.objects.filter(period=month, scope_kind=kind, scope_id=scope_id).first()
    if cell is None:
        return Ticket.objects.none()
    _first, start, end = month_bounds(month)
    log = load_log(as_of=cell.as_of, since=start)
    measures = engine.ticket_measures(log, start, end, cell.as_of)
    keys = engine.scope_keys(log, measures)[kind]
    ids = log.t_id[measures.flags[measure] & (keys == scope_id)].tolist()
    return visible_to(user, g.SUPERVISE, Ticket.objects.filter(pk__in=ids)).select_related("unit").order_by("pk")


def exemption_list_supervised(user: Any, *, decision: str | None = None) -> QuerySet[Any]:
    """Exemption requests on the tickets the user supervises (of one decision, "" for pending), oldest first."""
    exemptions = Exemption.objects.all() if decision is None else Exemption.objects.filter(decision=decision)
    return (visible_to(user, g.SUPERVISE, exemptions)
            .select_related("ticket", "requested_by", "decided_by").order_by("requested_at", "pk"))


def reviews_open(user: Any) -> QuerySet[Any]:
    return (visible_to(user, g.SUPERVISE, SupervisorReview.objects.filter(closed_at__isnull=True))
            .select_related("ticket").order_by("created_at", "pk"))


def can_call_back(user: Any) -> bool:
    """Staff who call citizens back (the centre's operators): a citizen may answer the callback for their own
    ticket online, but the callback list and the failed attempts are the centre's."""
    grants = grants_for(user, g.CALLBACK)
    return bool(grants.area_paths or grants.unit_paths)


def can_call_back_ticket(user: Any, ticket: Ticket) -> bool:
    return can_call_back(user) and ticket.in_scope(replace(grants_for(user, g.CALLBACK), own=False))


def callbacks_waiting(user: Any, permission: str = g.SUPERVISE) -> QuerySet[Ticket]:
    """Completed tickets waiting for their callback (回访), with the unreachable attempts since their completion,
    oldest completion first. (The UNREACHABLE_ATTEMPTS-th closes the ticket, so it leaves this list.)"""
    tickets = Ticket.objects.filter(status=Status.COMPLETED, completed_at__isnull=False)
    return (visible_to(user, permission, tickets).select_related("unit")
            .annotate(unreachable=Count("callback_attempts", filter=Q(
                callback_attempts__outcome=CallbackOutcome.UNREACHABLE,
                callback_attempts__at__gte=F("completed_at"))))
            .order_by("completed_at", "pk"))


def _callback_deadline(now: dt.datetime) -> Callable[[dt.datetime], dt.datetime]:
    """Completion → callback deadline: the year's callback days (AssessmentConfig) in working days."""
    from cityloop.tickets.calendar import working_calendar

    config = AssessmentConfig.objects.filter(year=now.year).first()
    days = config.callback_days if config else int(AssessmentConfig._meta.get_field("callback_days").default)
    calendar = working_calendar()
    return lambda completed_at: calendar.add_working_days(completed_at, days)


def callback_rows(tickets: Iterable[Ticket], *, now: dt.datetime | None = None
                  ) -> list[tuple[Ticket, dt.datetime, int]]:
    """Each ticket of `callbacks_waiting` with its callback deadline and its unreachable attempts."""
    deadline = _callback_deadline(now or clock.now())
    return [(t, deadline(t.completed_at), t.unreachable)  # type: ignore[arg-type,attr-defined]
            for t in tickets]


def callbacks_due(user: Any, *, now: dt.datetime | None = None) -> list[tuple[Ticket, dt.datetime, int]]:
    """The supervisor's view of the callbacks waiting in their area (the first 200)."""
    return callback_rows(callbacks_waiting(user)[:200], now=now)


def unreachable_since_completion(ticket: Ticket, attempts: Iterable[Any]) -> int:
    """Unreachable attempts of the callback round after the ticket's latest completion (a reopened ticket starts
    again; a reopening clears `completed_at`)."""
    return sum(a.outcome == CallbackOutcome.UNREACHABLE and ticket.completed_at is not None
               and a.at >= ticket.completed_at for a in attempts)


@dataclass(frozen=True)
class Callback:
    """One ticket's callback: the attempts so far, and whether (and by when) it is still to be made."""

    ticket: Ticket
    attempts: list[Any]
    unreachable: int
    waiting: bool  # the same rule as callbacks_waiting(), for one ticket
    due: dt.datetime | None


def callback_get(user: Any, ticket_id: int, *, now: dt.datetime | None = None) -> Callback:
    """The callback of one ticket the user may call back (NotFound otherwise)."""
    ticket = access_object(user, g.CALLBACK, Ticket.objects.select_related("unit"), pk=ticket_id)
    attempts = list(ticket.callback_attempts.select_related("actor").order_by("at", "pk"))  # type: ignore[attr-defined]
    unreachable = unreachable_since_completion(ticket, attempts)
    waiting = ticket.status == Status.COMPLETED and ticket.completed_at is not None
    due = _callback_deadline(now or clock.now())(ticket.completed_at) if ticket.completed_at else None
    return Callback(ticket, attempts, unreachable, waiting, due)


# --- exemptions (免考核) on the ticket page -----------------------------------------------------------------

def can_request_exemption(user: Any, ticket: Ticket) -> bool:
    """Only a handler of the ticket's primary unit (or a unit above it) asks: the rates are that unit's."""
    return bool(ticket.unit_path) and any(ticket.unit_path.startswith(path)
                                          for path in grants_for(user, g.HANDLE).unit_paths)


def exemption_list_for_ticket(user: Any, ticket: Ticket) -> list[Any]:
    """The ticket's exemption requests, newest first, for its primary unit's handlers and its supervisors."""
    if not (can_request_exemption(user, ticket) or can(user, g.SUPERVISE, ticket)):
        return []
    return list(Exemption.objects.filter(ticket=ticket).select_related("requested_by", "decided_by"))

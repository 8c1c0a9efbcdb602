"""Time limits (时限): which policy applies to a ticket, its deadlines, and the warning/overdue state."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max
from django.utils import timezone

from cityloop.core import clock
from cityloop.core.conf import platform_setting
from cityloop.core.refreshing import Refreshing
from cityloop.tickets.calendar import working_calendar
from cityloop.tickets.choices import LimitUnit, SlaState, Stage, Status
from cityloop.tickets.models import Ticket, TimeLimitPolicy

# Used only where the administrator has entered no policy at all for a stage (SPEC §2.3 defaults).
FALLBACK = {
    Stage.SIGN: (2, LimitUnit.WORKING_HOURS),
    Stage.CONTACT: (1, LimitUnit.WORKING_DAYS),
    Stage.COMPLETE: (7, LimitUnit.WORKING_DAYS),
}


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str


def _specificity(policy: TimeLimitPolicy) -> tuple[int, int, int, int]:
    level = policy.category.level if policy.category else 0
    return (bool(policy.urgency), policy.is_complex, level, bool(policy.ticket_type))


def _policy_signature() -> tuple[object, ...]:
    stats = TimeLimitPolicy.objects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    return stats["n"], stats["changed"]


_policies = Refreshing(lambda: list(TimeLimitPolicy.objects.select_related("category")), _policy_signature)


def reset_time_limits() -> None:
    _policies.reset()


def time_limit(ticket: Ticket, stage: str, policies: list[TimeLimitPolicy] | None = None,
               on: dt.date | None = None) -> Limit:
    """The most specific policy row matching the ticket for one stage (urgency > complex > category > type),
    among those valid on the day the clock starts (`on`, by default today)."""
    today = on or clock.now().date()
    if policies is None:
        policies = _policies.get()
    category_path = ticket.category.path if ticket.category else None
    matching = [
        p for p in policies
        if p.stage == stage
        and (not p.ticket_type or p.ticket_type == ticket.ticket_type)
        and (not p.urgency or p.urgency == ticket.urgency)
        and (not p.is_complex or ticket.is_complex)
        and (not p.category or (category_path or "").startswith(p.category.path))
        and (p.valid_from is None or p.valid_from <= today)
        and (p.valid_to is None or today <= p.valid_to)
    ]
    if not matching:
        amount, unit = FALLBACK[Stage(stage)]
        return Limit(amount, unit)
    best = max(matching, key=_specificity)
    return Limit(best.amount, best.limit_unit)


def _warning_share() -> float:
    return float(platform_setting("WARNING_SHARE"))


def _due_and_warning(start: dt.datetime, limit: Limit) -> tuple[dt.datetime, dt.datetime]:
    calendar = working_calendar()
    due = calendar.add(start, limit.amount, limit.unit)
    return due, calendar.point_at_share(start, due, _warning_share(), limit.unit)


def start_clocks(ticket: Ticket, now: dt.datetime) -> None:
    """On dispatch: the unit's sign-for, contact and completion clocks all start now."""
    day = timezone.localdate(now)
    ticket.sign_due, ticket.warn_at = _due_and_warning(now, time_limit(ticket, Stage.SIGN, on=day))
    ticket.contact_due, _ = _due_and_warning(now, time_limit(ticket, Stage.CONTACT, on=day))
    ticket.complete_due, _ = _due_and_warning(now, time_limit(ticket, Stage.COMPLETE, on=day))
    ticket.due_at = ticket.sign_due
    ticket.overdue_flagged_at = None


def follow_stage(ticket: Ticket) -> None:
    """Point `due_at`/`warn_at` at the deadline of the stage the ticket has reached."""
    stage: str | None = None
    if ticket.status in {Status.SIGNED, Status.IN_PROGRESS, Status.EXTENSION_PENDING}:
        stage = Stage.CONTACT if ticket.contacted_at is None else Stage.COMPLETE
    elif ticket.status == Status.DISPATCHED:
        stage = Stage.SIGN
    # No stage: the clock is stopped (suspended) or the unit's work is over.
    deadlines: dict[str, dt.datetime | None] = {Stage.SIGN: ticket.sign_due, Stage.CONTACT: ticket.contact_due,
                                                Stage.COMPLETE: ticket.complete_due}
    due = deadlines[stage] if stage else None
    if due != ticket.due_at:
        ticket.overdue_flagged_at = None
    ticket.due_at = due
    if due is None or stage is None or ticket.dispatched_at is None:
        ticket.warn_at = None
    else:
        # The warning comes at 75 % of the limit in the limit's own kind of time (clock hours for an
        # emergency, office time otherwise).
        limit = time_limit(ticket, stage, on=timezone.localdate(ticket.dispatched_at))
        ticket.warn_at = working_calendar().point_at_share(ticket.dispatched_at, due, _warning_share(), limit.unit)


def shift_for_suspension(ticket: Ticket, resumed_at: dt.datetime) -> None:
    """A lawful suspension (挂起) stops the clock: move the open deadlines back by the office time it lasted."""
    calendar, suspended_at = working_calendar(), ticket.suspended_at
    if suspended_at is None:
        return
    if ticket.contacted_at is None and ticket.contact_due:
        ticket.contact_due = calendar.shift(ticket.contact_due, suspended_at, resumed_at)
    if ticket.complete_due:
        ticket.complete_due = calendar.shift(ticket.complete_due, suspended_at, resumed_at)
    ticket.suspended_at = None


def extend(ticket: Ticket, days: int) -> None:
    if ticket.complete_due:
        ticket.complete_due = working_calendar().add_working_days(ticket.complete_due, days)


def sla_state(ticket: Ticket, now: dt.datetime | None = None) -> str:
    now = now or clock.now()
    if ticket.due_at is None:
        return SlaState.NORMAL
    if now > ticket.due_at:
        return SlaState.OVERDUE
    if ticket.warn_at and now >= ticket.warn_at:
        return SlaState.WARNING
    return SlaState.NORMAL

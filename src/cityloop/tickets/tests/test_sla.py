"""Deadlines on the ticket, warning and overdue states, and the job that flags overdue work."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.core import mail

from cityloop.conftest import World
from cityloop.core.clock import frozen_at
from cityloop.tickets.choices import SlaState, Stage
from cityloop.tickets.models import TicketEvent, TimeLimitPolicy
from cityloop.tickets.services import TransitionInput, ticket_flag_overdue, ticket_transition
from cityloop.tickets.sla import reset_time_limits, sla_state, time_limit
from cityloop.tickets.tests.flows import new_ticket

SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def dispatch(world: World, ticket_id: int) -> None:
    ticket_transition(ticket_id=ticket_id, action="dispatch", actor=world.users["dispatcher"],
                      params=TransitionInput(unit_id=world.department.pk))


def test_complaint_dispatched_on_national_day_eve(world: World) -> None:
    with frozen_at(at(2026, 9, 30, 17, 0)):
        ticket = new_ticket(world)
        dispatch(world, ticket.pk)
    ticket.refresh_from_db()
    assert ticket.sign_due == at(2026, 10, 8, 10, 30)  # 2 working hours: 17:00-17:30, then 9:00-10:30
    assert ticket.contact_due == at(2026, 10, 8, 17, 30)  # 1 working day
    assert ticket.complete_due == at(2026, 10, 15, 17, 30)  # 7 working days
    assert ticket.due_at == ticket.sign_due


def test_policies_pick_the_most_specific_row(world: World) -> None:
    ticket = new_ticket(world)
    assert (time_limit(ticket, Stage.COMPLETE).amount, time_limit(ticket, Stage.COMPLETE).unit) == (7, "working_days")
    ticket.urgency = "emergency"
    assert (time_limit(ticket, Stage.CONTACT).amount, time_limit(ticket, Stage.CONTACT).unit) == (2, "hours")
    ticket.is_complex = True
    assert time_limit(ticket, Stage.COMPLETE).amount == 15
    TimeLimitPolicy.objects.create(stage=Stage.COMPLETE, category=world.category, amount=24, limit_unit="hours")
    reset_time_limits()  # the per-process copy would notice within its refresh interval
    assert time_limit(ticket, Stage.COMPLETE).amount == 15  # complex still outranks category
    ticket.is_complex = False
    assert (time_limit(ticket, Stage.COMPLETE).amount, time_limit(ticket, Stage.COMPLETE).unit) == (24, "hours")


def test_warning_then_overdue(world: World) -> None:
    with frozen_at(at(2026, 11, 2, 9, 0)):  # a Monday
        ticket = new_ticket(world)
        dispatch(world, ticket.pk)
    ticket.refresh_from_db()
    assert ticket.sign_due == at(2026, 11, 2, 11, 0)
    assert sla_state(ticket, at(2026, 11, 2, 10, 0)) == SlaState.NORMAL
    assert sla_state(ticket, at(2026, 11, 2, 10, 40)) == SlaState.WARNING  # past 75 % of two hours
    assert sla_state(ticket, at(2026, 11, 2, 11, 1)) == SlaState.OVERDUE


def test_suspension_stops_the_clock(world: World) -> None:
    handler = world.users["handler"]
    with frozen_at(at(2026, 11, 2, 9, 0)):
        ticket = new_ticket(world)
        dispatch(world, ticket.pk)
        ticket_transition(ticket_id=ticket.pk, action="sign", actor=handler)
        ticket_transition(ticket_id=ticket.pk, action="contact", actor=handler)
    with frozen_at(at(2026, 11, 3, 9, 0)):
        ticket_transition(ticket_id=ticket.pk, action="suspend", actor=handler, params=TransitionInput(note="待鉴定"))
    with frozen_at(at(2026, 11, 5, 9, 0)):  # two full working days later
        ticket = ticket_transition(ticket_id=ticket.pk, action="resume", actor=handler)
    assert ticket.complete_due == at(2026, 11, 13, 17, 30)  # 7 working days from 2 Nov (11 Nov) + 2 days


def test_extension_adds_working_days(world: World) -> None:
    handler, supervisor = world.users["handler"], world.users["supervisor"]
    with frozen_at(at(2026, 9, 21, 9, 0)):
        ticket = new_ticket(world)
        dispatch(world, ticket.pk)
        for action in ("sign", "contact"):
            ticket_transition(ticket_id=ticket.pk, action=action, actor=handler)
        ticket = ticket_transition(ticket_id=ticket.pk, action="request_extension", actor=handler,
                                   params=TransitionInput(days=3, note="需协调"))
        # 22, 23, 24 Sep, (25-27 Mid-Autumn), 28, 29, 30 Sep, (1-7 Oct National Day), 8 Oct.
        assert ticket.complete_due == at(2026, 10, 8, 17, 30)
        ticket = ticket_transition(ticket_id=ticket.pk, action="approve_extension", actor=supervisor)
    assert ticket.complete_due == at(2026, 10, 12, 17, 30)  # 9 Oct, make-up Saturday 10 Oct, 12 Oct
    assert ticket.due_at == ticket.complete_due


def test_overdue_job_flags_once_and_escalates(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with frozen_at(at(2026, 11, 2, 9, 0)):
        late = new_ticket(world)
        dispatch(world, late.pk)
        on_time = new_ticket(world)
    with frozen_at(at(2026, 11, 2, 14, 0)), django_capture_on_commit_callbacks(execute=True):
        assert ticket_flag_overdue() == 1
        assert ticket_flag_overdue() == 0  # once per deadline
    flagged = TicketEvent.objects.filter(action="flag_overdue")
    assert [e.ticket_id for e in flagged] == [late.pk]
    assert flagged[0].actor is None
    assert not TicketEvent.objects.filter(ticket=on_time, action="flag_overdue").exists()
    overdue_mail = [m for m in mail.outbox if late.number in m.subject]
    assert overdue_mail
    # the unit, and every supervisor whose area covers the place: the city centre and the street
    assert set(overdue_mail[0].to) == {"handler@example.org", "supervisor@example.org", "street_supervisor@example.org"}


def test_warning_of_a_clock_hour_limit_is_in_clock_hours(world: World) -> None:
    with frozen_at(at(2026, 11, 2, 16, 0)):  # Monday, late afternoon
        ticket = new_ticket(world, urgency="emergency")
        dispatch(world, ticket.pk)
        ticket = ticket_transition(ticket_id=ticket.pk, action="sign", actor=world.users["handler"])
    assert ticket.contact_due == at(2026, 11, 2, 18, 0)  # two clock hours: emergencies do not wait for office hours
    assert ticket.warn_at == at(2026, 11, 2, 17, 30)  # 75 % of those two hours, not of the office time in them

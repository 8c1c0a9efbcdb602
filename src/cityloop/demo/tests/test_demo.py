"""The demo generator: a consistent city, lives that replay through the transition table, planted hotspots."""

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from cityloop.core import clock
from cityloop.demo.city import DEMO_PASSWORD
from cityloop.demo.simulate import EMERGING_PROBLEM, Result, SimulationRefused, simulate
from cityloop.organisation.choices import AREA_LEVELS, AreaKind, Role
from cityloop.organisation.geo import grid_index, locate_grid, reset_grid_index
from cityloop.organisation.models import Area, Membership, Unit
from cityloop.tickets.calendar import reset_working_calendar, working_calendar
from cityloop.tickets.choices import LimitUnit, Status
from cityloop.tickets.models import Ticket, TicketEvent
from cityloop.tickets.workflow import TRANSITIONS

END = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in the city
SMALL = {"seed": 7, "tickets": 300, "days": 120, "grids": 12}


def run(**overrides: Any) -> Result:
    with clock.frozen_at(END):
        return simulate(**{**SMALL, "end": END, **overrides})


@pytest.fixture
def demo(db: Any) -> Result:
    reset_working_calendar()
    reset_grid_index()
    result = run()
    reset_grid_index()
    return result


def replay(events: list[TicketEvent]) -> str:
    """Play a ticket's events through the transition table; returns the status it ends in."""
    first, *rest = events
    assert (first.action, first.from_status, first.to_status) == ("receive", "", Status.RECEIVED)
    status, last = Status.RECEIVED.value, first.at
    for event in rest:
        rule = TRANSITIONS[event.action]
        assert event.from_status == status, (event.action, event.from_status, status)
        assert status in rule.sources, (event.action, status)
        status = rule.target or status
        assert event.to_status == status
        assert event.at >= last
        last = event.at
    return status


def test_area_tree_levels_and_paths(demo: Result) -> None:
    areas = {a.pk: a for a in Area.objects.all()}
    assert [a.kind for a in areas.values() if a.parent_id is None] == [AreaKind.CITY]
    for area in areas.values():
        parent = areas.get(area.parent_id) if area.parent_id else None
        assert area.path == f"{parent.path if parent else ''}{area.pk}/"
        if parent is not None:
            assert AREA_LEVELS.index(area.kind) == AREA_LEVELS.index(parent.kind) + 1
    assert demo.counts["grids"] == 12
    assert sum(a.kind == AreaKind.GRID for a in areas.values()) == 12
    for unit in Unit.objects.select_related("parent"):
        assert unit.path == f"{unit.parent.path if unit.parent else ''}{unit.pk}/"


def test_every_grid_has_a_polygon_around_its_centroid(demo: Result) -> None:
    for grid in Area.objects.filter(kind=AreaKind.GRID):
        assert grid.boundary["type"] == "Polygon"
        located = locate_grid(grid.longitude, grid.latitude)  # type: ignore[arg-type]
        assert located is not None
        assert located.id == grid.pk


def test_tickets_lie_in_their_grid(demo: Result) -> None:
    index = grid_index()
    for longitude, latitude, area_id, area_path, path, cell in Ticket.objects.values_list(
            "longitude", "latitude", "area_id", "area_path", "area__path", "cell"):
        located = index.locate(longitude, latitude)
        assert located is not None
        assert located.id == area_id
        assert area_path == path
        assert cell == Ticket.cell_of(latitude, longitude)  # nearby-ticket lookups find demo tickets too


def test_every_life_replays_through_the_transition_table(demo: Result) -> None:
    events: dict[int, list[TicketEvent]] = {}
    for event in TicketEvent.objects.order_by("ticket_id", "at", "id"):
        events.setdefault(event.ticket_id, []).append(event)
    tickets = list(Ticket.objects.all())
    assert len(tickets) == demo.tickets == 300
    for ticket in tickets:
        log = events[ticket.pk]
        assert replay(log) == ticket.status
        assert ticket.version == len(log)
        assert ticket.updated_at == log[-1].at
        assert ticket.created_at == log[0].at
        assert ticket.number == f"{clock_local(ticket.created_at):%Y%m%d}{ticket.pk:06d}"
        if ticket.status in {Status.CLOSED, Status.MERGED}:
            assert ticket.closed_at == max(e.at for e in log if e.to_status == ticket.status)


def clock_local(moment: dt.datetime) -> dt.datetime:
    from django.utils import timezone

    return timezone.localtime(moment)


def test_fields_follow_the_events_and_deadlines_the_calendar(demo: Result) -> None:
    calendar = working_calendar()
    statuses = set()
    for ticket in Ticket.objects.select_related("unit"):
        statuses.add(ticket.status)
        dispatches = list(ticket.events.filter(action__in=["dispatch", "arbitrate", "reopen"]))
        if not dispatches:
            assert ticket.unit_id is None
            assert ticket.complete_due is None
            continue
        last = dispatches[-1]
        assert ticket.dispatched_at == last.at
        assert ticket.unit_path == ticket.unit.path  # type: ignore[union-attr]
        assert ticket.sign_due == calendar.add(last.at, 2, LimitUnit.WORKING_HOURS)
        assert ticket.complete_due is not None
        if ticket.status == Status.DISPATCHED:
            assert ticket.due_at == ticket.sign_due
        elif ticket.status in {Status.SIGNED, Status.IN_PROGRESS, Status.EXTENSION_PENDING}:
            assert ticket.due_at == (ticket.contact_due if ticket.contacted_at is None else ticket.complete_due)
        else:
            assert ticket.due_at is None
        if ticket.status == Status.CLOSED:
            callback = ticket.events.filter(action="callback").last()
            assert callback is not None
            assert ticket.satisfaction == callback.data["satisfaction"]
            assert ticket.completed_at is not None
    assert Status.CLOSED in statuses
    assert statuses & {Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS, Status.COMPLETED}


def test_same_seed_same_tickets(demo: Result) -> None:
    first = list(Ticket.objects.order_by("pk").values_list("title", "category__code", "citizen_phone"))
    run(append=True)
    second = list(Ticket.objects.order_by("pk").values_list("title", "category__code", "citizen_phone"))[300:]
    assert second == first


def test_refuses_a_database_with_tickets(demo: Result) -> None:
    with pytest.raises(SimulationRefused):
        run()


def test_planted_hotspots_are_there(demo: Result) -> None:
    spots = {spot["kind"]: spot for spot in demo.hotspots}
    burst = spots["burst"]
    in_burst = Ticket.objects.filter(category__code=burst["category"], area__code=burst["grid"],
                                     created_at__date__gte=burst["from"], created_at__date__lte=burst["to"])
    assert in_burst.count() >= burst["tickets"]
    emerging = Ticket.objects.filter(title__contains=EMERGING_PROBLEM)
    assert emerging.count() == spots["emerging"]["tickets"]
    assert all(str(t.created_at.date()) >= spots["emerging"]["from"] for t in emerging)
    rise = spots["rise"]
    recent = Ticket.objects.filter(category__code=rise["category"], area__code__startswith=rise["street"])
    assert recent.count() >= rise["tickets"]
    assert Ticket.objects.filter(citizen_phone=spots["repeat_caller"]["phone"]).count() == \
        spots["repeat_caller"]["tickets"]


def test_demo_accounts_cover_every_role_and_are_printed(demo: Result) -> None:
    assert {m.role for m in Membership.objects.all()} == set(Role.values)
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    for username in ("operator", "dispatcher", "handler", "street", "supervisor", "analyst", "grid",
                     "community", "deputy", "admin", "citizen"):
        assert f"  {username} " in text
    assert Ticket.objects.count() == 300  # it did not generate again


def test_overdue_work_was_flagged_as_the_job_would_have(demo: Result) -> None:
    # The job runs every five minutes: what fell due in the last five is not flagged yet.
    open_overdue = Ticket.objects.filter(due_at__lt=END - dt.timedelta(minutes=5)).exclude(
        status__in=[Status.CLOSED, Status.MERGED, Status.INVALID])
    assert not open_overdue.filter(overdue_flagged_at__isnull=True).exists()
    for ticket in Ticket.objects.filter(overdue_flagged_at__isnull=False):
        flag = ticket.events.filter(action="flag_overdue").last()
        assert flag is not None
        assert flag.at == ticket.overdue_flagged_at
        assert flag.at > ticket.due_at  # type: ignore[operator]


def test_the_platform_carries_on_after_the_history(demo: Result) -> None:
    from django.contrib.auth import get_user_model

    from cityloop.tickets.services import TicketInput, ticket_create

    operator = get_user_model().objects.get(username="operator")
    grid = Area.objects.filter(kind=AreaKind.GRID).first()
    assert grid is not None
    with clock.frozen_at(END + dt.timedelta(minutes=5)):
        ticket, created = ticket_create(actor=operator, data=TicketInput(
            channel="phone", ticket_type="complaint", title="测试工单", description="生成历史之后的新工单。",
            latitude=grid.latitude, longitude=grid.longitude))
    assert created
    assert ticket.pk > max(Ticket.objects.exclude(pk=ticket.pk).values_list("pk", flat=True))
    assert ticket.area_id == grid.pk

"""The handler's to-do list (待办): who sees it, what is on it, in which order, and the counters."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.tickets.models import Ticket
from cityloop.tickets.services import TransitionInput, ticket_transition
from cityloop.tickets.tests.flows import drive, new_ticket


def signed_in(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    client.cookies["django_language"] = "en"
    return client


def set_clock(ticket: Ticket, *, due_in: dt.timedelta | None, warn_in: dt.timedelta | None) -> None:
    """Put the ticket's current deadline (and its warning point) at a known distance from now."""
    now = clock.now()
    Ticket.objects.filter(pk=ticket.pk).update(due_at=now + due_in if due_in is not None else None,
                                               warn_at=now + warn_in if warn_in is not None else None)


@pytest.mark.parametrize(("username", "expected"), [
    ("handler", 200), ("street", 200), ("other_handler", 200),
    ("operator", 403), ("dispatcher", 403), ("supervisor", 403), ("analyst", 403), ("admin", 403),
    ("citizen", 403),
])
def test_gate(world: World, username: str, expected: int) -> None:
    assert signed_in(world, username).get("/handling/todo/").status_code == expected


def test_anonymous_goes_to_sign_in(world: World) -> None:
    response = Client().get("/handling/todo/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.fixture
def todo_world(world: World) -> dict[str, Ticket]:
    hour = dt.timedelta(hours=1)
    tickets = {
        "late": drive(world, new_ticket(world, title="超期的"), "in_progress"),
        "soon": drive(world, new_ticket(world, title="快到期的"), "signed"),
        "new": drive(world, new_ticket(world, title="新派的"), "dispatched"),
        "paused": drive(world, new_ticket(world, title="挂起的"), "suspended"),
        "asking": drive(world, new_ticket(world, title="申请延期的"), "extension_pending"),
    }
    set_clock(tickets["late"], due_in=-2 * hour, warn_in=-4 * hour)
    set_clock(tickets["soon"], due_in=hour, warn_in=-hour)
    set_clock(tickets["new"], due_in=5 * hour, warn_in=3 * hour)
    set_clock(tickets["asking"], due_in=48 * hour, warn_in=30 * hour)
    # Not on the department's list: finished, another unit's, not dispatched.
    drive(world, new_ticket(world, title="已办结"), "completed")
    other = new_ticket(world, title="住建局的")
    ticket_transition(ticket_id=other.pk, action="dispatch", actor=world.users["dispatcher"],
                      params=TransitionInput(unit_id=world.other_department.pk))
    # Its deadline is pinned: left to the working-time calendar it depends on when the suite runs.
    set_clock(other, due_in=5 * hour, warn_in=3 * hour)
    new_ticket(world, title="未派单")
    # Co-handled: the department is summoned into another unit's ticket.
    helped = new_ticket(world, title="协办的")
    ticket_transition(ticket_id=helped.pk, action="dispatch", actor=world.users["dispatcher"],
                      params=TransitionInput(unit_id=world.other_department.pk, co_unit_ids=[world.department.pk]))
    set_clock(helped, due_in=3 * hour, warn_in=2 * hour)
    tickets["helped"] = helped
    return tickets


def numbers_on(page: str, tickets: dict[str, Ticket]) -> list[str]:
    found = [(page.index(t.number), name) for name, t in tickets.items() if t.number and t.number in page]
    return [name for _, name in sorted(found)]


def test_list_sorted_by_deadline_with_states(world: World, todo_world: dict[str, Ticket]) -> None:
    page = signed_in(world, "handler").get("/handling/todo/").content.decode()
    assert numbers_on(page, todo_world) == ["late", "soon", "helped", "new", "asking", "paused"]
    assert "已办结" not in page
    assert "住建局的" not in page
    assert "未派单" not in page
    assert page.count('class="sla sla-overdue"') == 1
    assert page.count('class="sla sla-warning"') == 1
    assert "co-handler" in page


def test_counters(world: World, todo_world: dict[str, Ticket]) -> None:
    response = signed_in(world, "handler").get("/handling/todo/")
    assert response.context["counters"] == {"to_sign": 2, "in_progress": 4, "due_soon": 1, "overdue": 1}
    page = response.content.decode()
    assert '<span class="figure" id="count-to-sign">2</span>' in page
    assert '<span class="figure" id="count-overdue">1</span>' in page


def test_other_units_list(world: World, todo_world: dict[str, Ticket]) -> None:
    response = signed_in(world, "other_handler").get("/handling/todo/")
    assert [row.ticket.title for row in response.context["rows"]] == ["协办的", "住建局的"]
    assert [row.primary for row in response.context["rows"]] == [True, True]


@pytest.mark.parametrize(("query", "expected"), [
    ("status=dispatched", ["helped", "new"]),
    ("status=suspended", ["paused"]),
    ("status=working", ["late", "soon", "asking", "paused"]),
    ("sla=overdue", ["late"]),
    ("sla=warning", ["soon"]),
    ("sla=normal", ["helped", "new", "asking", "paused"]),
    ("q=快到期", ["soon"]),
    ("status=closed", ["late", "soon", "helped", "new", "asking", "paused"]),  # not a to-do state: ignored
])
def test_filters(world: World, todo_world: dict[str, Ticket], query: str, expected: list[str]) -> None:
    response = signed_in(world, "handler").get(f"/handling/todo/?{query}")
    by_pk = {t.pk: name for name, t in todo_world.items()}
    assert [by_pk[row.ticket.pk] for row in response.context["rows"]] == expected


def test_search_by_number(world: World, todo_world: dict[str, Ticket]) -> None:
    number = todo_world["new"].number
    response = signed_in(world, "handler").get(f"/handling/todo/?q={number}")
    assert [row.ticket.pk for row in response.context["rows"]] == [todo_world["new"].pk]


def test_query_count_bounded(world: World, django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        drive(world, new_ticket(world, title=f"工单{i}"), ["dispatched", "signed", "in_progress"][i % 3])
    client = signed_in(world, "handler")
    with django_assert_max_num_queries(10):
        response = client.get("/handling/todo/")
    assert len(response.context["rows"]) == 30
    with django_assert_max_num_queries(10):
        client.get("/handling/todo/?sla=normal&q=工单&page=1")

"""The supervisor's board: gate, late work by unit, urge and supervise through the workflow, three rates."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from cityloop.assessment.selectors import unit_rates
from cityloop.conftest import World
from cityloop.core import clock
from cityloop.tickets.models import Ticket, TicketEvent
from cityloop.tickets.services import TransitionInput, ticket_transition
from cityloop.tickets.tests.flows import drive, new_ticket

HOUR = dt.timedelta(hours=1)


def signed_in(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    client.cookies["django_language"] = "en"
    return client


def dispatched_to(world: World, unit: Any, state: str = "dispatched", **overrides: Any) -> Ticket:
    ticket = new_ticket(world, **overrides)
    ticket = ticket_transition(ticket_id=ticket.pk, action="dispatch", actor=world.users["dispatcher"],
                               params=TransitionInput(unit_id=unit.pk))
    if state != "dispatched":
        username = "handler" if unit == world.department else "other_handler"
        for action in {"signed": ["sign"], "in_progress": ["sign", "contact"]}[state]:
            ticket = ticket_transition(ticket_id=ticket.pk, action=action, actor=world.users[username],
                                       params=TransitionInput(note="已联系"))
    return ticket


def due(ticket: Ticket, due_in: dt.timedelta, warn_in: dt.timedelta) -> Ticket:
    """Put the ticket's current deadline and warning point at known distances from now (on every stage's
    clock, so that a later transition keeps it)."""
    now = clock.now()
    Ticket.objects.filter(pk=ticket.pk).update(due_at=now + due_in, warn_at=now + warn_in, sign_due=now + due_in,
                                               contact_due=now + due_in, complete_due=now + due_in)
    return ticket


@pytest.mark.parametrize(("username", "expected"), [
    ("supervisor", 200), ("street_supervisor", 200), ("admin", 200),
    ("handler", 403), ("operator", 403), ("dispatcher", 403), ("analyst", 403), ("citizen", 403),
])
def test_gate(world: World, username: str, expected: int) -> None:
    assert signed_in(world, username).get("/supervision/board/").status_code == expected


def test_anonymous_goes_to_sign_in(world: World) -> None:
    response = Client().get("/supervision/board/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.fixture
def late_world(world: World) -> dict[str, Ticket]:
    tickets = {
        "dept_late_1": due(dispatched_to(world, world.department), -2 * HOUR, -3 * HOUR),
        "dept_late_2": due(dispatched_to(world, world.department, "in_progress"), -HOUR, -3 * HOUR),
        "dept_soon": due(dispatched_to(world, world.department, "signed"), HOUR, -HOUR),
        "dept_fine": due(dispatched_to(world, world.department), 5 * HOUR, 3 * HOUR),
        "other_soon_1": due(dispatched_to(world, world.other_department), 2 * HOUR, -HOUR),
        "other_soon_2": due(dispatched_to(world, world.other_department), 3 * HOUR, -HOUR),
        "other_soon_3": due(dispatched_to(world, world.other_department), 4 * HOUR, -HOUR),
        # outside the street supervisor's street
        "elsewhere": due(dispatched_to(world, world.other_department, description="路口的路灯坏了。",
                                   latitude=30.605, longitude=114.325),
                         -5 * HOUR, -6 * HOUR),
    }
    finished = drive(world, new_ticket(world), "completed")
    due(finished, -HOUR, -2 * HOUR)  # not assigned any more: not on the board
    return tickets


def test_units_worst_first_and_drill_down(world: World, late_world: dict[str, Ticket]) -> None:
    response = signed_in(world, "supervisor").get("/supervision/board/")
    assert [(u["unit_name"], u["overdue"], u["due_soon"]) for u in response.context["units"]] == [
        ("城管局", 2, 1), ("住建局", 1, 3)]
    by_pk = {t.pk: name for name, t in late_world.items()}
    assert [by_pk[t.pk] for t, _state, _form in response.context["rows"]] == [
        "elsewhere", "dept_late_1", "dept_late_2", "dept_soon", "other_soon_1", "other_soon_2", "other_soon_3"]

    drill = signed_in(world, "supervisor").get(f"/supervision/board/?unit={world.department.pk}")
    assert [by_pk[t.pk] for t, _state, _form in drill.context["rows"]] == ["dept_late_1", "dept_late_2", "dept_soon"]
    assert [state for _t, state, _form in drill.context["rows"]] == ["overdue", "overdue", "warning"]


def test_scope_of_a_street_supervisor(world: World, late_world: dict[str, Ticket]) -> None:
    response = signed_in(world, "street_supervisor").get("/supervision/board/")
    assert [(u["unit_name"], u["overdue"], u["due_soon"]) for u in response.context["units"]] == [
        ("城管局", 2, 1), ("住建局", 0, 3)]
    assert late_world["elsewhere"].number not in response.content.decode()


@pytest.mark.parametrize("action", ["urge", "supervise"])
def test_press_writes_an_event_through_the_workflow(world: World, late_world: dict[str, Ticket],
                                                    action: str) -> None:
    ticket = late_world["dept_late_1"]
    response = signed_in(world, "supervisor").post(
        f"/supervision/board/tickets/{ticket.pk}/press/?unit={world.department.pk}",
        {f"press-{ticket.pk}-action": action, f"press-{ticket.pk}-note": "请今天内办结"})
    assert response.status_code == 302
    assert response["Location"] == f"/supervision/board/?unit={world.department.pk}#late"
    event = TicketEvent.objects.filter(ticket=ticket).latest("id")
    assert (event.action, event.note, event.actor, event.actor_unit) == (
        action, "请今天内办结", world.users["supervisor"], world.centre)
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"
    board = signed_in(world, "supervisor").get("/supervision/board/")
    assert next(t.pressed for t, _s, _f in board.context["rows"] if t.pk == ticket.pk) == 1


def test_press_without_note_is_refused_next_to_the_field(world: World, late_world: dict[str, Ticket]) -> None:
    ticket = late_world["dept_soon"]
    events = TicketEvent.objects.count()
    response = signed_in(world, "supervisor").post(f"/supervision/board/tickets/{ticket.pk}/press/",
                                                   {f"press-{ticket.pk}-action": "urge", f"press-{ticket.pk}-note": ""})
    assert response.status_code == 422
    assert f'id="id_press-{ticket.pk}-note_error"' in response.content.decode()
    assert TicketEvent.objects.count() == events


@pytest.mark.parametrize("username", ["handler", "analyst"])
def test_press_by_others_is_forbidden_and_changes_nothing(world: World, late_world: dict[str, Ticket],
                                                          username: str) -> None:
    ticket = late_world["dept_soon"]
    events = TicketEvent.objects.count()
    response = signed_in(world, username).post(f"/supervision/board/tickets/{ticket.pk}/press/",
                                               {f"press-{ticket.pk}-action": "urge", f"press-{ticket.pk}-note": "快"})
    assert response.status_code == 403
    assert TicketEvent.objects.count() == events


def test_press_outside_scope_is_not_found(world: World, late_world: dict[str, Ticket]) -> None:
    ticket = late_world["elsewhere"]
    response = signed_in(world, "street_supervisor").post(
        f"/supervision/board/tickets/{ticket.pk}/press/",
        {f"press-{ticket.pk}-action": "supervise", f"press-{ticket.pk}-note": "督办"})
    assert response.status_code == 404
    assert not TicketEvent.objects.filter(ticket=ticket, action="supervise").exists()


def test_press_on_a_finished_ticket_is_explained(world: World) -> None:
    finished = drive(world, new_ticket(world), "completed")
    response = signed_in(world, "supervisor").post(
        f"/supervision/board/tickets/{finished.pk}/press/",
        {f"press-{finished.pk}-action": "urge", f"press-{finished.pk}-note": "催办"})
    assert response.status_code == 422
    assert "This action is not possible while the ticket is" in response.content.decode()
    assert not TicketEvent.objects.filter(ticket=finished, action="urge").exists()


def test_extension_requests_link_to_the_ticket(world: World) -> None:
    asking = drive(world, new_ticket(world, title="需要延期"), "extension_pending")
    page = signed_in(world, "supervisor").get("/supervision/board/").content.decode()
    assert f'href="/tickets/{asking.pk}/#actions"' in page
    assert signed_in(world, "supervisor").get("/supervision/board/").context["extension_count"] == 1


def called_back(world: World, unit: Any, *, resolved: bool, satisfaction: str) -> Ticket:
    ticket = dispatched_to(world, unit, "in_progress")
    username = "handler" if unit == world.department else "other_handler"
    ticket_transition(ticket_id=ticket.pk, action="complete", actor=world.users[username],
                      params=TransitionInput(reply="已处理"))
    return ticket_transition(ticket_id=ticket.pk, action="callback", actor=world.users["operator"],
                             params=TransitionInput(resolved=resolved, satisfaction=satisfaction))


def test_three_rates_with_known_answers(world: World) -> None:
    dept, other = world.department, world.other_department
    dispatched_to(world, dept, "in_progress")  # contacted in time
    late_contact = dispatched_to(world, dept)  # contact deadline passed without contact
    Ticket.objects.filter(pk=late_contact.pk).update(contact_due=clock.now() - HOUR)
    dispatched_to(world, dept)  # still inside its contact time: not counted
    called_back(world, dept, resolved=True, satisfaction="satisfied")
    slow = called_back(world, dept, resolved=True, satisfaction="unsatisfied")
    Ticket.objects.filter(pk=slow.pk).update(contacted_at=slow.contact_due + HOUR)  # contacted late
    called_back(world, dept, resolved=True, satisfaction="basically_satisfied")
    old = called_back(world, dept, resolved=False, satisfaction="unsatisfied")
    Ticket.objects.filter(pk=old.pk).update(dispatched_at=clock.now() - dt.timedelta(days=40),
                                            closed_at=clock.now() - dt.timedelta(days=35))  # outside the window
    dispatched_to(world, other, "in_progress")
    new_ticket(world)  # never dispatched

    rates = {r.unit_name: r for r in unit_rates(world.users["supervisor"])}
    assert set(rates) == {"城管局", "住建局"}
    d = rates["城管局"]
    assert (d.dispatched, d.responded, d.called_back, d.resolved, d.satisfied) == (5, 3, 3, 3, 2)
    assert (d.response_rate, d.resolution_rate) == (0.6, 1.0)
    assert d.satisfaction_rate == pytest.approx(2 / 3)
    o = rates["住建局"]
    assert (o.response_rate, o.resolution_rate, o.satisfaction_rate) == (1.0, None, None)

    page = signed_in(world, "supervisor").get("/supervision/board/").content.decode()
    assert "60.0%" in page
    assert "66.7%" in page
    assert unit_rates(world.users["analyst"]) == []  # no supervision grant: no figures


def test_board_query_count_bounded(world: World, django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        ticket = dispatched_to(world, [world.department, world.other_department, world.street_office][i % 3])
        due(ticket, (i - 15) * HOUR, (i - 40) * HOUR)
        if i % 5 == 0:
            ticket_transition(ticket_id=ticket.pk, action="urge", actor=world.users["supervisor"],
                              params=TransitionInput(note="催"))
    drive(world, new_ticket(world), "extension_pending")
    client = signed_in(world, "supervisor")
    with django_assert_max_num_queries(12):
        response = client.get("/supervision/board/")
    assert len(response.context["rows"]) == 25
    assert len(response.context["units"]) == 3
    with django_assert_max_num_queries(12):
        client.get(f"/supervision/board/?unit={world.department.pk}&page=1")


@pytest.mark.django_db(transaction=True)
def test_board_in_a_browser(world: World, browser_page: Any) -> None:
    late = due(dispatched_to(world, world.department), -2 * HOUR, -3 * HOUR)
    errors: list[str] = []
    page = browser_page.page
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    browser_page.sign_in("supervisor")
    page.wait_for_url("**/supervision/board/")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": browser_page.base_url}])
    browser_page.go("/supervision/board/")
    page.get_by_label(f"Note to the unit on {late.number}").fill("请今天内办结")
    page.get_by_role("button", name="Supervise").click()
    page.wait_for_url("**/supervision/board/#late")
    assert TicketEvent.objects.filter(ticket=late, action="supervise", note="请今天内办结").exists()
    browser_page.shot("assessment-board")
    assert errors == []

"""Every (state, action) pair: allowed ones succeed, the rest answer 409 with a code and write nothing."""

import json

import pytest

from cityloop.conftest import World
from cityloop.tickets.choices import Status
from cityloop.tickets.models import Ticket, TicketEvent
from cityloop.tickets.services import EFFECTS, PermissionDenied, ticket_transition
from cityloop.tickets.tests.flows import PATHS, drive, new_ticket, valid_call
from cityloop.tickets.workflow import SYSTEM, TRANSITIONS

PERSON_ACTIONS = [a for a, t in TRANSITIONS.items() if t.permission != SYSTEM]
ALLOWED = [(state, action) for state in PATHS for action in PERSON_ACTIONS
           if state in TRANSITIONS[action].sources]


def test_every_state_is_reachable_and_covered() -> None:
    assert set(PATHS) == set(Status.values)


def test_every_action_has_an_effect() -> None:
    assert set(EFFECTS) == set(TRANSITIONS)


def post(world: World, username: str, ticket: Ticket, action: str, body: dict) -> tuple[int, dict]:
    response = world.client(username).post(f"/api/tickets/{ticket.pk}/actions/{action}", json.dumps(body),
                                           content_type="application/json")
    return response.status_code, response.json()


@pytest.mark.parametrize(("state", "action"), ALLOWED)
def test_allowed_pair_succeeds(world: World, state: str, action: str) -> None:
    ticket = drive(world, new_ticket(world), state)
    username, body = valid_call(world, action, ticket)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    status, result = post(world, username, ticket, action, body)
    assert status == 200, result
    expected = TRANSITIONS[action].target or state
    assert result["status"] == expected
    assert result["version"] == ticket.version + 1
    event = TicketEvent.objects.filter(ticket=ticket).latest("id")
    assert (event.action, event.from_status, event.to_status) == (action, state, expected)
    assert event.actor == world.users[username]
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before + 1


@pytest.mark.parametrize("state", list(PATHS))
def test_disallowed_pairs_conflict_and_write_nothing(world: World, state: str) -> None:
    ticket = drive(world, new_ticket(world), state)
    snapshot = Ticket.objects.filter(pk=ticket.pk).values().get()
    events = list(TicketEvent.objects.filter(ticket=ticket).values_list("id", flat=True))
    for action in PERSON_ACTIONS:
        if state in TRANSITIONS[action].sources:
            continue
        _, body = valid_call(world, action, ticket)
        status, result = post(world, "admin", ticket, action, body)
        assert (status, result["code"]) == (409, "invalid_transition"), (state, action, result)
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == snapshot
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("id", flat=True)) == events


@pytest.mark.parametrize(("action", "state"), [("flag_overdue", "dispatched"), ("close_unreachable", "completed")])
def test_system_action_refused_to_people(world: World, action: str, state: str) -> None:
    ticket = drive(world, new_ticket(world), state)
    status, result = post(world, "admin", ticket, action, {})
    assert (status, result["errors"][0]["field"]) == (422, "action")  # not an action the API offers
    with pytest.raises(PermissionDenied):
        ticket_transition(ticket_id=ticket.pk, action=action, actor=world.users["admin"])
    assert Ticket.objects.get(pk=ticket.pk).status == state


def test_unknown_action_is_a_field_error(world: World) -> None:
    ticket = new_ticket(world)
    status, result = post(world, "admin", ticket, "teleport", {})
    assert status == 422
    assert result["errors"][0]["field"] == "action"

"""The shared ticket pages: list, ticket page, actions through forms."""

from typing import Any

from django.test import Client

from cityloop.conftest import World
from cityloop.tickets.models import Ticket
from cityloop.tickets.tests.flows import drive, new_ticket


def signed_in(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def test_list_shows_only_visible_tickets(world: World, django_assert_max_num_queries: Any) -> None:
    mine = drive(world, new_ticket(world, title="我的工单"), "dispatched")
    new_ticket(world, title="别人的工单")
    client = signed_in(world, "handler")
    with django_assert_max_num_queries(10):
        page = client.get("/tickets/").content.decode()
    assert mine.number in page
    assert "别人的工单" not in page


def test_ticket_page_offers_only_allowed_actions(world: World) -> None:
    ticket = drive(world, new_ticket(world), "dispatched")
    page = signed_in(world, "handler").get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"/tickets/{ticket.pk}/act/sign/" in page
    assert f"/tickets/{ticket.pk}/act/return/" in page
    assert f"/tickets/{ticket.pk}/act/dispatch/" not in page
    assert signed_in(world, "other_handler").get(f"/tickets/{ticket.pk}/").status_code == 404


def test_bad_action_input_is_explained_next_to_the_field_and_kept(world: World) -> None:
    ticket = drive(world, new_ticket(world), "in_progress")
    client = signed_in(world, "handler")
    response = client.post(f"/tickets/{ticket.pk}/act/request_extension/",
                           {"request_extension-days": "45", "request_extension-note": "需要更多时间协调"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_request_extension-days_error"' in page
    assert "需要更多时间协调" in page  # what the user typed is still there
    assert Ticket.objects.get(pk=ticket.pk).status == "in_progress"


def test_action_through_the_page(world: World) -> None:
    ticket = drive(world, new_ticket(world), "dispatched")
    response = signed_in(world, "handler").post(f"/tickets/{ticket.pk}/act/sign/", {"version": ticket.version})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == "signed"


def test_stale_page_is_refused(world: World) -> None:
    ticket = drive(world, new_ticket(world), "dispatched")
    response = signed_in(world, "handler").post(f"/tickets/{ticket.pk}/act/sign/", {"version": ticket.version - 1})
    assert response.status_code == 422
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"

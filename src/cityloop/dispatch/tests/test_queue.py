"""The dispatch queue and its actions: who may use them, what they show, and that writes go through the service."""

from typing import Any

import pytest
from django.test import Client

from cityloop.conftest import World
from cityloop.dispatch.models import CatalogueEntry
from cityloop.tickets import services
from cityloop.tickets.models import Ticket, TicketEvent
from cityloop.tickets.tests.flows import drive, new_ticket

# No place names in the text: the ticket's area comes from its point alone (the default sits in world.grid).
PLAIN = "门口垃圾三天没人清运，气味很大。"


def plain_ticket(world: World, **overrides: Any) -> Ticket:
    return new_ticket(world, **{"description": PLAIN, **overrides})


def signed_in(world: World, username: str) -> Client:
    """A browser session of the user, in English so that assertions on page text do not follow the catalogue."""
    client = Client()
    client.force_login(world.users[username])
    client.cookies["django_language"] = "en"
    return client


def catalogue(world: World, unit: Any = None, *co_units: Any, area: Any = None) -> CatalogueEntry:
    entry = CatalogueEntry.objects.create(category=world.category, area=area or world.city,
                                          unit=unit or world.department)
    entry.co_units.set(co_units)
    return entry


@pytest.mark.parametrize(("username", "status"), [("dispatcher", 200), ("admin", 200), ("operator", 403),
                                                  ("handler", 403), ("supervisor", 403), ("citizen", 403)])
def test_who_may_see_the_queue(world: World, username: str, status: int) -> None:
    assert signed_in(world, username).get("/dispatch/queue/").status_code == status


def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    ticket = plain_ticket(world)
    for url in ("/dispatch/queue/", f"/dispatch/{ticket.pk}/", f"/dispatch/{ticket.pk}/dispute/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_denied_dispatch_changes_nothing(world: World) -> None:
    catalogue(world)
    ticket = plain_ticket(world)
    for username in ("handler", "operator", "citizen"):
        response = signed_in(world, username).post(f"/dispatch/{ticket.pk}/", {"unit": world.department.pk})
        assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == "received"
    assert not TicketEvent.objects.filter(ticket=ticket, action="dispatch").exists()


def test_queue_lists_waiting_tickets_oldest_first_with_reasons(world: World) -> None:
    catalogue(world, world.department, world.other_department)
    first = plain_ticket(world, title="最早的工单")
    returned = drive(world, plain_ticket(world, title="被退回的工单"), "returned")
    disputed = drive(world, plain_ticket(world, title="有争议的工单"), "disputed")
    dispatched = drive(world, plain_ticket(world, title="已派出的工单"), "dispatched")
    page = signed_in(world, "dispatcher").get("/dispatch/queue/").content.decode()
    assert page.index(first.number) < page.index(returned.number) < page.index(disputed.number)
    assert dispatched.number not in page
    assert "不属于本单位职责。" in page  # the return reason from the event log
    assert "职责清单显示属于城管。" in page  # the dispute note
    assert f'action="/dispatch/{first.pk}/"' in page  # one-click dispatch with the suggestion
    assert f'name="co_units" value="{world.other_department.pk}"' in page
    assert f'href="/dispatch/{returned.pk}/dispute/"' in page
    assert f'href="/dispatch/{disputed.pk}/dispute/"' not in page


def test_queue_shows_only_tickets_in_the_dispatchers_scope(world: World) -> None:
    from cityloop.organisation.choices import Role
    from cityloop.organisation.models import Membership

    Membership.objects.filter(user=world.users["dispatcher"]).update(scope=world.street, role=Role.DISPATCHER)
    inside = plain_ticket(world)
    outside = plain_ticket(world, latitude=30.605, longitude=114.325)
    page = signed_in(world, "dispatcher").get("/dispatch/queue/").content.decode()
    assert inside.number in page
    assert outside.number not in page


def test_queue_query_count_is_bounded(world: World, django_assert_max_num_queries: Any) -> None:
    catalogue(world, world.department, world.other_department)
    catalogue(world, world.street_office, area=world.street)
    for index in range(30):
        ticket = plain_ticket(world, title=f"工单{index}")
        if index % 3 == 1:
            drive(world, ticket, "returned")
        elif index % 3 == 2:
            drive(world, ticket, "disputed")
    client = signed_in(world, "dispatcher")
    with django_assert_max_num_queries(10):
        response = client.get("/dispatch/queue/")
    assert response.content.decode().count('<tr id="ticket-') == 30


def test_street_filter_shows_only_tickets_for_street_offices(world: World) -> None:
    catalogue(world, world.street_office, area=world.street)
    catalogue(world, world.department)
    for_street = plain_ticket(world)  # in the street's grid
    for_department = plain_ticket(world, latitude=30.605, longitude=114.325)
    client = signed_in(world, "dispatcher")
    page = client.get("/dispatch/queue/", {"street": "1"}).content.decode()
    assert for_street.number in page
    assert for_department.number not in page
    assert for_department.number in client.get("/dispatch/queue/").content.decode()


def test_one_click_dispatch_goes_through_the_service(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue(world, world.department, world.other_department)
    ticket = plain_ticket(world)
    calls: list[dict[str, Any]] = []
    original = services.ticket_transition

    def spy(**kwargs: Any) -> Ticket:
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(services, "ticket_transition", spy)
    response = signed_in(world, "dispatcher").post(
        f"/dispatch/{ticket.pk}/", {"unit": world.department.pk, "co_units": [world.other_department.pk],
                                    "version": ticket.version})
    assert response.status_code == 302
    assert response["Location"] == "/dispatch/queue/"
    assert [call["action"] for call in calls] == ["dispatch"]
    ticket.refresh_from_db()
    assert ticket.status == "dispatched"
    assert ticket.unit == world.department
    assert list(ticket.co_units.all()) == [world.other_department]
    assert TicketEvent.objects.filter(ticket=ticket, action="dispatch", actor=world.users["dispatcher"]).count() == 1


def test_dispatch_page_prefills_the_suggestion(world: World) -> None:
    catalogue(world, world.department, world.other_department)
    ticket = plain_ticket(world)
    page = signed_in(world, "dispatcher").get(f"/dispatch/{ticket.pk}/").content.decode()
    assert f'<option value="{world.department.pk}" selected>' in page
    assert f'<option value="{world.other_department.pk}" selected>' in page
    assert '<label for="id_unit">' in page


def test_dispatch_without_unit_is_explained_next_to_the_field(world: World) -> None:
    ticket = plain_ticket(world)
    response = signed_in(world, "dispatcher").post(f"/dispatch/{ticket.pk}/",
                                                   {"unit": "", "note": "请尽快处理", "version": ticket.version})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_unit_error"' in page
    assert "请尽快处理" in page
    assert Ticket.objects.get(pk=ticket.pk).status == "received"


def test_unit_cannot_also_be_co_handler(world: World) -> None:
    ticket = plain_ticket(world)
    response = signed_in(world, "dispatcher").post(
        f"/dispatch/{ticket.pk}/", {"unit": world.department.pk, "co_units": [world.department.pk]})
    assert response.status_code == 422
    assert 'id="id_co_units_error"' in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == "received"


def test_second_dispatch_of_the_same_page_is_refused(world: World) -> None:
    ticket = plain_ticket(world)
    client = signed_in(world, "dispatcher")
    data = {"unit": world.department.pk, "version": ticket.version}
    assert client.post(f"/dispatch/{ticket.pk}/", data).status_code == 302
    again = client.post(f"/dispatch/{ticket.pk}/", data | {"unit": world.other_department.pk})
    assert again.status_code == 422
    assert 'role="alert"' in again.content.decode()
    ticket.refresh_from_db()
    assert ticket.unit == world.department
    assert TicketEvent.objects.filter(ticket=ticket, action="dispatch").count() == 1


def test_redispatch_of_a_returned_ticket(world: World) -> None:
    ticket = drive(world, plain_ticket(world), "returned")
    response = signed_in(world, "dispatcher").post(f"/dispatch/{ticket.pk}/",
                                                   {"unit": world.other_department.pk, "version": ticket.version})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.unit) == ("dispatched", world.other_department)


def test_dispute_needs_a_reason_and_then_goes_to_arbitration(world: World) -> None:
    ticket = drive(world, plain_ticket(world), "returned")
    client = signed_in(world, "dispatcher")
    page = client.get(f"/dispatch/{ticket.pk}/dispute/").content.decode()
    assert "不属于本单位职责。" in page
    refused = client.post(f"/dispatch/{ticket.pk}/dispute/", {"note": "", "version": ticket.version})
    assert refused.status_code == 422
    assert 'id="id_note_error"' in refused.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == "returned"
    done = client.post(f"/dispatch/{ticket.pk}/dispute/", {"note": "按职责清单应由城管办理", "version": ticket.version})
    assert done.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == "disputed"
    assert TicketEvent.objects.get(ticket=ticket, action="dispute").note == "按职责清单应由城管办理"


def test_dispute_of_a_received_ticket_is_refused_with_a_message(world: World) -> None:
    ticket = plain_ticket(world)
    response = signed_in(world, "dispatcher").post(f"/dispatch/{ticket.pk}/dispute/", {"note": "理由"})
    assert response.status_code == 422
    assert "理由" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == "received"


def test_tickets_outside_scope_are_not_found(world: World) -> None:
    from cityloop.organisation.choices import Role
    from cityloop.organisation.models import Membership

    Membership.objects.filter(user=world.users["dispatcher"]).update(scope=world.street, role=Role.DISPATCHER)
    outside = plain_ticket(world, latitude=30.605, longitude=114.325)
    client = signed_in(world, "dispatcher")
    assert client.get(f"/dispatch/{outside.pk}/").status_code == 404
    assert client.post(f"/dispatch/{outside.pk}/", {"unit": world.department.pk}).status_code == 404
    assert Ticket.objects.get(pk=outside.pk).status == "received"


def test_no_one_click_back_to_the_unit_that_returned_the_ticket(world: World) -> None:
    catalogue(world, world.department)
    returned = drive(world, plain_ticket(world), "returned")  # returned by world.department
    page = signed_in(world, "dispatcher").get("/dispatch/queue/").content.decode()
    assert f'action="/dispatch/{returned.pk}/"' not in page
    assert "The suggested unit returned this ticket." in page
    assert f'href="/dispatch/{returned.pk}/"' in page


def test_emergencies_are_marked(world: World) -> None:
    plain_ticket(world, urgency="emergency", title="燃气泄漏")
    page = signed_in(world, "dispatcher").get("/dispatch/queue/").content.decode()
    assert '<span class="urgent">Emergency</span> 燃气泄漏' in page

"""The citizen's own tickets: the list, the public timeline, rating through the workflow, e-mail updates."""

from typing import Any

from django.test import Client

from cityloop.assessment.models import CallbackAttempt, SupervisorReview
from cityloop.conftest import World
from cityloop.portal.models import Subscription
from cityloop.portal.services import subscription_unsubscribe_token
from cityloop.portal.tests.helpers import english, own_ticket, signed_in
from cityloop.tickets.models import Ticket
from cityloop.tickets.services import TransitionInput, ticket_transition
from cityloop.tickets.tests.flows import drive, new_ticket


def test_list_shows_only_own_tickets_with_bounded_queries(world: World, django_assert_max_num_queries: Any) -> None:
    mine = [own_ticket(world, title=f"我的工单{i}") for i in range(20)]
    drive(world, mine[0], "dispatched")
    own_ticket(world, "other_citizen", title="别人的工单")
    new_ticket(world, title="无账号的工单")
    client = signed_in(world)
    with django_assert_max_num_queries(5):  # session, user, memberships, count, the page of tickets
        page = client.get("/portal/mine/").content.decode()
    for ticket in mine:
        assert ticket.number in page
    assert "别人的工单" not in page
    assert "无账号的工单" not in page
    assert "城管局" in page  # the handling unit of the dispatched one


def test_staff_see_only_what_they_reported_on_the_portal(world: World) -> None:
    new_ticket(world, title="接线员录入的工单")
    page = signed_in(world, "operator").get("/portal/mine/").content.decode()
    assert "接线员录入的工单" not in page


def test_pages_need_a_sign_in_through_tracking(world: World) -> None:
    ticket = own_ticket(world)
    assert english().get("/portal/mine/")["Location"].startswith("/portal/track/?next=")
    assert english().get(f"/portal/tickets/{ticket.number}/")["Location"].startswith("/portal/track/?next=")


def test_foreign_missing_and_malformed_numbers_are_404(world: World) -> None:
    theirs = own_ticket(world, "other_citizen")
    unlinked = new_ticket(world)
    client = signed_in(world)
    padded = theirs.number[:8] + "0" + theirs.number[8:]  # the same id, but not the ticket's number
    for number in (theirs.number, unlinked.number, "20990101999999", "abc", padded):
        assert client.get(f"/portal/tickets/{number}/").status_code == 404
    assert client.post(f"/portal/tickets/{theirs.number}/rate/", {}).status_code == 404
    assert client.post(f"/portal/tickets/{theirs.number}/subscription/", {"email": "x@example.org"}).status_code == 404
    assert not Subscription.objects.exists()
    # staff with a view grant still don't get the citizen's page of someone else's ticket
    assert signed_in(world, "operator").get(f"/portal/tickets/{theirs.number}/").status_code == 404


def test_public_timeline_hides_internal_notes_and_people(world: World, django_assert_max_num_queries: Any) -> None:
    ticket = own_ticket(world)
    ticket = drive(world, ticket, "in_progress")  # contact note: "已电话联系市民。"
    ticket_transition(ticket_id=ticket.pk, action="note", actor=world.users["handler"],
                      params=TransitionInput(note="内部：物业经理张三电话13900001111"))
    ticket_transition(ticket_id=ticket.pk, action="urge", actor=world.users["supervisor"],
                      params=TransitionInput(note="请尽快办理（督办内部意见）"))
    ticket_transition(ticket_id=ticket.pk, action="complete", actor=world.users["handler"],
                      params=TransitionInput(reply="垃圾已清运，并增加清运频次。"))
    client = signed_in(world)
    with django_assert_max_num_queries(7):  # session, user, memberships, ticket, co-units, events, subscriptions
        response = client.get(f"/portal/tickets/{ticket.number}/")
    page = response.content.decode()
    assert response.status_code == 200
    labels = [event.label for event in response.context["events"]]
    assert labels == ["Received", "Dispatch", "Sign for", "Contact the citizen", "Complete with a reply"]
    assert "垃圾已清运，并增加清运频次。" in page  # the reply is public
    for secret in ("张三", "13900001111", "督办内部意见", "已电话联系市民", "handler", "operator", "dispatcher"):
        assert secret not in page
    assert "城管局" in page  # the unit's name is


def test_rating_closes_the_ticket_through_the_workflow(world: World) -> None:
    ticket = drive(world, own_ticket(world), "completed")
    client = signed_in(world)
    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert f"/portal/tickets/{ticket.number}/rate/" in page
    response = client.post(f"/portal/tickets/{ticket.number}/rate/",
                           {"resolved": "true", "satisfaction": "basically_satisfied", "comment": "还行",
                            "version": ticket.version})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved, ticket.satisfaction) == ("closed", True, "basically_satisfied")
    event = ticket.events.get(action="callback")
    assert event.actor == world.users["citizen"]
    assert event.note == "还行"
    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert "/rate/" not in page
    assert "Basically satisfied" in page


def test_unsatisfied_rating_is_recorded_for_the_centre(world: World) -> None:
    ticket = drive(world, own_ticket(world), "completed")
    response = signed_in(world).post(f"/portal/tickets/{ticket.number}/rate/",
                                     {"resolved": "false", "satisfaction": "unsatisfied"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved, ticket.satisfaction) == ("closed", False, "unsatisfied")
    # the citizen may not reopen: the centre's supervisor is asked to decide, and may reopen it
    assert list(CallbackAttempt.objects.values_list("ticket_id", "outcome", "actor_id")) == [
        (ticket.pk, "reached", world.users["citizen"].pk)]
    review = SupervisorReview.objects.get(ticket=ticket, closed_at=None)
    assert review.kind == "unsatisfied"
    supervisor = Client()
    supervisor.force_login(world.users["supervisor"])
    supervisor.cookies["django_language"] = "en"
    assert "Unsatisfied, not reopened: decide whether to reopen" in supervisor.get(
        "/supervision/reviews/").content.decode()
    reopened = ticket_transition(ticket_id=ticket.pk, action="reopen", actor=world.users["supervisor"])
    assert (reopened.status, reopened.reopen_count) == ("dispatched", 1)


def test_bad_rating_is_explained_and_changes_nothing(world: World) -> None:
    ticket = drive(world, own_ticket(world), "completed")
    client = signed_in(world)
    response = client.post(f"/portal/tickets/{ticket.number}/rate/", {"resolved": "true", "comment": "留言"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_satisfaction_error"' in page
    assert "留言" in page
    assert Ticket.objects.get(pk=ticket.pk).status == "completed"
    # not yet completed: the workflow refuses, nothing changes
    open_one = drive(world, own_ticket(world), "in_progress")
    response = client.post(f"/portal/tickets/{open_one.number}/rate/", {"resolved": "true",
                                                                        "satisfaction": "satisfied"})
    assert response.status_code == 422
    assert Ticket.objects.get(pk=open_one.pk).status == "in_progress"


def test_subscribe_and_unsubscribe(world: World) -> None:
    ticket = own_ticket(world)
    client = signed_in(world)
    url = f"/portal/tickets/{ticket.number}/subscription/"
    assert client.post(url, {"email": "Me@Example.ORG", "active": "1"}).status_code == 302
    subscription = Subscription.objects.get()
    assert (subscription.ticket_id, subscription.email, subscription.active) == (ticket.pk, "Me@example.org", True)
    assert "Me@example.org" in client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert client.post(url, {"email": "Me@example.org", "active": "0"}).status_code == 302
    subscription.refresh_from_db()
    assert subscription.active is False
    assert client.post(url, {"email": "Me@example.org", "active": "1"}).status_code == 302
    assert Subscription.objects.get().active is True
    response = client.post(url, {"email": "nonsense", "active": "1"})
    assert response.status_code == 422
    assert 'id="id_email_error"' in response.content.decode()


def test_unsubscribe_link_from_an_email(world: World) -> None:
    ticket = own_ticket(world)
    subscription = Subscription.objects.create(ticket=ticket, email="me@example.org")
    url = f"/portal/unsubscribe/{subscription_unsubscribe_token(subscription)}/"
    client = english()
    assert client.get(url).status_code == 200
    assert Subscription.objects.get().active is True  # a GET (a link scanner) changes nothing
    assert client.post(url).status_code == 200
    assert Subscription.objects.get().active is False
    assert client.get(f"/portal/unsubscribe/{subscription.pk}/").status_code == 404  # forged token

"""The operator's callback pages (回访) and the API for failed attempts: the list in scope, the citizen's answers,
unreachable attempts up to the limit, refusals that change nothing, keyboard use in a real browser."""

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from cityloop.assessment import services
from cityloop.assessment.models import UNREACHABLE_ATTEMPTS, AssessmentConfig, CallbackAttempt
from cityloop.conftest import BrowserPage, World
from cityloop.core import clock
from cityloop.security.models import AuditEntry
from cityloop.tickets.models import Ticket, TicketEvent
from cityloop.tickets.services import TicketInput, ticket_create
from cityloop.tickets.tests.flows import drive, new_ticket

# Monday 2026-10-12, 10:00 in the city; the callback is due 3 working days after completion.
OCT = dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)


def signed_in(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    client.cookies["django_language"] = "en"
    return client


def state(ticket: Ticket) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    return (ticket.status, ticket.version, CallbackAttempt.objects.count(), TicketEvent.objects.count(),
            AuditEntry.objects.filter(action__startswith="assessment.").count())


def completed(world: World, **overrides: Any) -> Ticket:
    """A completed ticket the citizen filed online (so that they own it)."""
    data = TicketInput(channel="web", ticket_type="complaint", title="小区门口垃圾堆积",
                       description="望江社区3栋门口垃圾三天没人清运。", citizen_name="王先生",
                       citizen_phone="13812345678", latitude=30.605, longitude=114.305,
                       category_id=world.category.pk, **overrides)
    ticket, _ = ticket_create(actor=world.users["citizen"], data=data)
    return drive(world, ticket, "completed")


@pytest.mark.parametrize(("username", "status"), [
    ("operator", 200), ("admin", 200), ("supervisor", 403), ("handler", 403), ("dispatcher", 403),
    ("citizen", 403),
])
def test_gate(world: World, username: str, status: int) -> None:
    ticket = completed(world)
    client = signed_in(world, username)
    assert client.get("/supervision/callbacks/").status_code == status
    assert client.get(f"/supervision/callbacks/{ticket.pk}/").status_code == status


def test_anonymous_goes_to_sign_in(world: World) -> None:
    response = Client().get("/supervision/callbacks/")
    assert (response.status_code, response["Location"].startswith("/accounts/login/")) == (302, True)


def test_list_in_scope_with_deadlines_and_attempts(world: World) -> None:
    with clock.frozen_at(OCT):
        first = completed(world)
        second = completed(world)
        drive(world, new_ticket(world), "closed")  # called back already
        drive(world, new_ticket(world), "in_progress")  # not completed yet
        CallbackAttempt.objects.create(ticket=second, at=OCT, outcome="unreachable")
    AssessmentConfig.objects.create(year=2026, callback_days=2)
    with clock.frozen_at(OCT + dt.timedelta(days=3)):  # Thursday: two working days have passed
        page = signed_in(world, "operator").get("/supervision/callbacks/")
    rows = page.context["rows"]
    due = dt.datetime(2026, 10, 14, 9, 30, tzinfo=dt.UTC)  # Wednesday at close of business (17:30 local)
    assert [(t.pk, due, n) for t, due, n in rows] == [(first.pk, due, 0), (second.pk, due, 1)]
    body = page.content.decode()
    assert f'href="/supervision/callbacks/{first.pk}/"' in body
    assert "1 / 3" in body
    assert "Overdue" in body
    # an operator of one street sees that street's callbacks only
    from cityloop.organisation.choices import Role
    from cityloop.organisation.models import Membership

    Membership.objects.filter(user=world.users["operator"]).update(scope=world.other_grid, role=Role.OPERATOR)
    assert signed_in(world, "operator").get("/supervision/callbacks/").context["rows"] == []


def test_callback_page_shows_the_contact_and_records_the_answers(world: World) -> None:
    with clock.frozen_at(OCT):
        ticket = completed(world)
        client = signed_in(world, "operator")
        page = client.get(f"/supervision/callbacks/{ticket.pk}/")
        body = page.content.decode()
        assert 'href="tel:13812345678"' in body
        assert AuditEntry.objects.filter(action="ticket.view_contact", object_id=str(ticket.pk)).count() == 1
        for label in ('for="id_callback-note"', "<legend>Resolved?", "<legend>Satisfaction",
                      'for="id_unreachable-note"'):
            assert label in body
        response = client.post(f"/supervision/callbacks/{ticket.pk}/record/", {
            "callback-resolved": "true", "callback-satisfaction": "satisfied", "callback-note": "已修好"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved, ticket.satisfaction) == ("closed", True, "satisfied")
    assert list(CallbackAttempt.objects.values_list("outcome", "note")) == [("reached", "已修好")]
    assert client.get("/supervision/callbacks/").context["rows"] == []
    # not waiting any more: the page says so and offers no forms
    done = client.get(f"/supervision/callbacks/{ticket.pk}/").content.decode()
    assert "This ticket is not waiting for a callback." in done
    assert "/record/" not in done


def test_unsatisfied_reopens(world: World) -> None:
    with clock.frozen_at(OCT):
        ticket = completed(world)
        signed_in(world, "operator").post(f"/supervision/callbacks/{ticket.pk}/record/", {
            "callback-resolved": "false", "callback-satisfaction": "unsatisfied", "callback-note": "没修"})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopen_count) == ("dispatched", 1)


def test_bad_answers_show_errors_next_to_the_fields_and_change_nothing(world: World) -> None:
    ticket = completed(world)
    client = signed_in(world, "operator")
    before = state(ticket)
    response = client.post(f"/supervision/callbacks/{ticket.pk}/record/", {
        "callback-resolved": "true", "callback-note": "市民说还行"})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_callback-satisfaction_error"' in body
    assert 'value="true" required id="id_callback-resolved_0" checked' in body
    assert "市民说还行" in body
    assert state(ticket) == before


@pytest.mark.parametrize(("username", "status"), [
    ("supervisor", 403), ("handler", 403), ("citizen", 403), ("other_handler", 403),
])
def test_others_may_not_record(world: World, username: str, status: int) -> None:
    ticket = completed(world)
    client = signed_in(world, username)
    before = state(ticket)
    assert client.post(f"/supervision/callbacks/{ticket.pk}/record/", {
        "callback-resolved": "true", "callback-satisfaction": "satisfied"}).status_code == status
    assert client.post(f"/supervision/callbacks/{ticket.pk}/unreachable/", {}).status_code == status
    assert state(ticket) == before


def test_unreachable_attempts_up_to_the_limit(world: World) -> None:
    ticket = completed(world)
    client = signed_in(world, "operator")
    for n in range(1, UNREACHABLE_ATTEMPTS + 1):
        response = client.post(f"/supervision/callbacks/{ticket.pk}/unreachable/",
                               {"unreachable-note": f"第{n}次无人接听"})
        assert response.status_code == 302
        assert CallbackAttempt.objects.filter(ticket=ticket, outcome="unreachable").count() == n
    assert client.get("/supervision/callbacks/").context["rows"] == []  # the callback is over
    page = client.get(f"/supervision/callbacks/{ticket.pk}/").content.decode()
    assert "The citizen could not be reached; the ticket counts as unreachable." in page
    assert "第3次无人接听" in page
    before = state(ticket)
    refused = client.post(f"/supervision/callbacks/{ticket.pk}/unreachable/", {"unreachable-note": "再试"})
    assert refused.status_code == 422
    assert "the callback is over" in refused.content.decode()
    assert state(ticket) == before
    ticket.refresh_from_db()
    # the platform closed it with the third attempt: no answers, no person as the actor
    assert (ticket.status, ticket.resolved, ticket.satisfaction) == ("closed", None, "")
    assert ticket.closed_at is not None
    closing = ticket.events.get(action="close_unreachable")
    assert (closing.from_status, closing.to_status, closing.actor_id, closing.note) == (
        "completed", "closed", None, "第3次无人接听")


def test_api_records_an_unreachable_attempt(world: World) -> None:
    ticket = completed(world)
    url = f"/api/tickets/{ticket.pk}/callback-attempts"

    def post(username: str, body: Any) -> Any:
        return world.client(username, "en").post(url, json.dumps(body), content_type="application/json")

    before = state(ticket)
    for username, status in (("handler", 403), ("citizen", 403), ("supervisor", 403), ("other_handler", 404),
                             ("other_citizen", 404)):
        assert post(username, {"note": "x"}).status_code == status, username
    bad = post("operator", {"note": "x" * 1001})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "note")
    assert post("operator", [1]).status_code == 422
    assert state(ticket) == before
    for n in range(1, UNREACHABLE_ATTEMPTS + 1):
        response = post("operator", {"note": "无人接听"})
        assert response.status_code == 201
        out = response.json()
        assert (out["ticket_id"], out["outcome"], out["note"], out["unreachable_attempts"],
                out["unreachable_limit"]) == (ticket.pk, "unreachable", "无人接听", n, UNREACHABLE_ATTEMPTS)
    over = post("operator", {})
    assert (over.status_code, over.json()["code"]) == (409, "unreachable_limit")
    open_ticket = drive(world, new_ticket(world), "in_progress")
    response = world.client("operator").post(f"/api/tickets/{open_ticket.pk}/callback-attempts", "{}",
                                             content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (409, "not_completed")
    assert CallbackAttempt.objects.count() == UNREACHABLE_ATTEMPTS


@pytest.mark.django_db(transaction=True)
def test_callback_by_keyboard(world: World, browser_page: BrowserPage) -> None:
    ticket = completed(world)
    page: Any = browser_page.page
    browser_page.sign_in("operator")
    page.wait_for_url("**/intake/console/")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": browser_page.base_url}])
    browser_page.go("/supervision/callbacks/")
    nav = page.get_by_role("navigation", name="Main").get_by_role("link", name="Callbacks")
    assert nav.get_attribute("aria-current") == "page"

    def tab_to(locator: Any, limit: int = 60) -> None:
        """Press Tab until the locator has the focus, as a keyboard user would."""
        for _ in range(limit):
            page.keyboard.press("Tab")
            if locator.evaluate("node => node === document.activeElement"):
                return
        raise AssertionError("not reachable with the keyboard")

    tab_to(page.get_by_role("link", name=ticket.number))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page.get_by_label("Yes"))
    page.keyboard.press("Space")
    tab_to(page.get_by_label("Satisfied", exact=True))
    page.keyboard.press("ArrowDown")  # basically satisfied
    tab_to(page.get_by_label("Note").first)
    page.keyboard.type("市民基本满意")
    browser_page.shot("assessment-callback")
    tab_to(page.get_by_role("button", name="Record the callback"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved, ticket.satisfaction) == ("closed", True, "basically_satisfied")
    assert "Callback of" in page.content()


def test_api_lists_the_callbacks_waiting(world: World) -> None:
    with clock.frozen_at(OCT):
        first, second = completed(world), completed(world)  # callback due three working days later, 17:30
        drive(world, new_ticket(world), "closed")  # called back already
    with clock.frozen_at(OCT + dt.timedelta(hours=1)):
        services.callback_attempt_record(ticket_id=second.pk, actor=world.users["operator"])
    response = world.client("operator", "en").get("/api/callbacks?limit=1&offset=1")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(i["ticket_id"], i["number"], i["callback_due"], i["unreachable_attempts"]) for i in body["items"]] == [
        (second.pk, second.number, "2026-10-15T17:30:00+08:00", 1)]
    assert world.client("operator").get("/api/callbacks").json()["items"][0]["ticket_id"] == first.pk
    for username in ("citizen", "handler", "supervisor"):
        refused = world.client(username, "en").get("/api/callbacks")
        assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied"), username

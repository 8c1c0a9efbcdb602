"""Exemption requests (免考核申请) from the ticket page and the API, decisions on the review page and the API:
who may, what a refusal shows, and that a refusal changes nothing."""

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from cityloop.assessment import services
from cityloop.assessment.models import AssessmentResult, Exemption
from cityloop.conftest import World
from cityloop.core import clock
from cityloop.security.models import AuditEntry
from cityloop.tickets.models import Ticket
from cityloop.tickets.services import TransitionInput, ticket_transition
from cityloop.tickets.tests.flows import drive, new_ticket

OCT = dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)
EVIDENCE = "市民要求赔偿邻居装修造成的损失，属民事纠纷，应通过诉讼解决。"


def signed_in(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    client.cookies["django_language"] = "en"
    return client


def request_url(ticket: Ticket) -> str:
    return f"/supervision/tickets/{ticket.pk}/exemption/"


def form(kind: str = "unreasonable", evidence: str = EVIDENCE, attachment: str = "") -> dict[str, str]:
    return {"exemption-kind": kind, "exemption-evidence": evidence, "exemption-attachment": attachment}


def state() -> tuple[int, int]:
    return Exemption.objects.count(), AuditEntry.objects.filter(action__startswith="assessment.").count()


# --- the ticket page ------------------------------------------------------------------------------------------

def test_handler_sees_the_form_others_do_not(world: World) -> None:
    ticket = drive(world, new_ticket(world), "in_progress")
    page = signed_in(world, "handler").get(f"/tickets/{ticket.pk}/")
    assert page.status_code == 200
    assert f'action="{request_url(ticket)}"' in page.content.decode()
    assert 'for="id_exemption-evidence"' in page.content.decode()  # a labelled control
    for username in ("supervisor", "operator", "street"):
        body = signed_in(world, username).get(f"/tickets/{ticket.pk}/").content.decode()
        assert request_url(ticket) not in body, username


def test_request_from_the_ticket_page(world: World) -> None:
    ticket = drive(world, new_ticket(world), "completed")
    client = signed_in(world, "handler")
    response = client.post(request_url(ticket), form(attachment="民事纠纷告知书.pdf"))
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    exemption = Exemption.objects.get()
    assert (exemption.ticket, exemption.kind, exemption.evidence, exemption.attachment, exemption.decision) == (
        ticket, "unreasonable", EVIDENCE, "民事纠纷告知书.pdf", "")
    assert AuditEntry.objects.filter(action="assessment.exemption_request", object_id=str(ticket.pk)).count() == 1
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert EVIDENCE in page
    assert "Pending" in page
    assert request_url(ticket) not in page  # one request at a time


def test_bad_input_shows_the_error_next_to_the_field_and_keeps_the_input(world: World) -> None:
    ticket = drive(world, new_ticket(world), "completed")
    client = signed_in(world, "handler")
    before = state()
    response = client.post(request_url(ticket), form(kind="outside_jurisdiction", evidence="   ",
                                                      attachment="函2026-18号"))
    assert response.status_code == 422
    body = response.content.decode()
    assert '<p class="error" id="id_exemption-evidence_error" role="alert">Give the evidence.</p>' in body
    assert 'value="outside_jurisdiction" required id="id_exemption-kind_1" checked' in body
    assert 'value="函2026-18号"' in body
    assert "<details open>" in body
    response = client.post(request_url(ticket), form(kind="", evidence=EVIDENCE))
    assert response.status_code == 422
    assert "Choose the kind of exemption." in response.content.decode()
    assert EVIDENCE in response.content.decode()
    response = client.post(request_url(ticket), form(attachment="x" * 301))
    assert response.status_code == 422
    assert 'id="id_exemption-attachment_error"' in response.content.decode()
    assert state() == before


@pytest.mark.parametrize(("username", "status"), [
    ("supervisor", 403), ("operator", 403), ("other_handler", 404), ("citizen", 404), ("analyst", 403),
])
def test_only_the_primary_units_handler_may_ask(world: World, username: str, status: int) -> None:
    ticket = drive(world, new_ticket(world), "completed")
    before = state()
    assert signed_in(world, username).post(request_url(ticket), form()).status_code == status
    assert state() == before


def test_a_co_handler_may_not_ask_for_the_primary_unit(world: World) -> None:
    ticket = drive(world, new_ticket(world), "in_progress")
    ticket_transition(ticket_id=ticket.pk, action="summon", actor=world.users["handler"],
                      params=TransitionInput(co_unit_ids=[world.other_department.pk]))
    client = signed_in(world, "other_handler")
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 200  # the co-handler sees the ticket ...
    assert client.post(request_url(ticket), form()).status_code == 403  # ... but its rates are not theirs
    assert Exemption.objects.count() == 0


def test_again_after_a_rejection_never_after_an_approval(world: World) -> None:
    ticket = drive(world, new_ticket(world), "completed")
    client = signed_in(world, "handler")
    first = services.exemption_request(ticket_id=ticket.pk, actor=world.users["handler"], kind="unreasonable",
                                       evidence="x")
    refused = client.post(request_url(ticket), form())
    assert refused.status_code == 422
    assert "An exemption request for this ticket is waiting for a decision." in refused.content.decode()
    services.exemption_decide(exemption_id=first.pk, actor=world.users["supervisor"], decision="reject",
                              reason="证据不足")
    assert request_url(ticket) in client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert client.post(request_url(ticket), form()).status_code == 302
    second = Exemption.objects.get(decision="")
    services.exemption_decide(exemption_id=second.pk, actor=world.users["supervisor"], decision="approve")
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert request_url(ticket) not in page
    assert "证据不足" in page
    assert "Approved" in page
    assert client.post(request_url(ticket), form()).status_code == 422
    assert Exemption.objects.count() == 2


# --- the review page ------------------------------------------------------------------------------------------

def test_decision_on_the_review_page(world: World) -> None:
    ticket = drive(world, new_ticket(world), "completed")
    exemption = services.exemption_request(ticket_id=ticket.pk, actor=world.users["handler"],
                                           kind="outside_jurisdiction", evidence=EVIDENCE)
    client = signed_in(world, "supervisor")
    page = client.get("/supervision/reviews/")
    assert EVIDENCE in page.content.decode()
    url = f"/supervision/exemptions/{exemption.pk}/decide/"
    before = state()
    refused = client.post(url, {f"decide-{exemption.pk}-decision": "reject", f"decide-{exemption.pk}-reason": " "})
    assert refused.status_code == 422
    assert (f'<p class="error" id="id_decide-{exemption.pk}-reason_error" role="alert">Give the reason.</p>'
            in refused.content.decode())
    assert client.post(url, {f"decide-{exemption.pk}-decision": "maybe"}).status_code == 422
    assert state() == before
    assert signed_in(world, "handler").post(url, {f"decide-{exemption.pk}-decision": "approve"}).status_code == 403
    assert state() == before
    response = client.post(url, {f"decide-{exemption.pk}-decision": "reject",
                                 f"decide-{exemption.pk}-reason": "属于本单位职责"})
    assert response.status_code == 302
    exemption.refresh_from_db()
    assert (exemption.decision, exemption.reason, exemption.decided_by) == (
        "reject", "属于本单位职责", world.users["supervisor"])
    # decided already: back to the list with the message, nothing changed
    again = client.post(url, {f"decide-{exemption.pk}-decision": "approve"}, follow=True)
    assert "This request has been decided already." in again.content.decode()
    assert Exemption.objects.get().decision == "reject"


def test_approved_exemption_leaves_the_rates(world: World) -> None:
    with clock.frozen_at(OCT):
        ticket = drive(world, new_ticket(world), "completed")
        services.callback_record(ticket_id=ticket.pk, actor=world.users["operator"], resolved=False,
                                 satisfaction="basically_satisfied")
        other = drive(world, new_ticket(world), "completed")
        services.callback_record(ticket_id=other.pk, actor=world.users["operator"], resolved=True,
                                 satisfaction="satisfied")
        client = signed_in(world, "handler")
        assert client.post(request_url(ticket), form()).status_code == 302
        exemption = Exemption.objects.get()
        signed_in(world, "supervisor").post(f"/supervision/exemptions/{exemption.pk}/decide/",
                                            {f"decide-{exemption.pk}-decision": "approve"})
        services.assessment_compute(month="2026-10", as_of=OCT + dt.timedelta(hours=1))
        from cityloop.assessment.selectors import unit_rates

        board = {r.unit_id: r for r in unit_rates(world.users["supervisor"])}[world.department.pk]
    unit = AssessmentResult.objects.get(scope_kind="unit", scope_id=world.department.pk).figures
    assert (unit["exempted"], unit["called_back"], unit["resolution_rate"]) == (1, 1, 1.0)
    assert (board.called_back, board.resolution_rate) == (1, 1.0)


# --- the API --------------------------------------------------------------------------------------------------

def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_api_request_and_decision(world: World) -> None:
    ticket = drive(world, new_ticket(world), "completed")
    url = f"/api/tickets/{ticket.pk}/exemptions"
    body = {"kind": "outside_jurisdiction", "evidence": EVIDENCE, "attachment": "函2026-18号"}
    before = state()
    for username, status, code in (("supervisor", 403, "permission_denied"), ("other_handler", 404, "not_found"),
                                   ("citizen", 404, "not_found")):
        response = post(world.client(username, "en"), url, body)
        assert (response.status_code, response.json()["code"]) == (status, code), username
    bad = post(world.client("handler", "en"), url, {"kind": "lazy", "evidence": ""})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"kind", "evidence"}
    blank = post(world.client("handler", "en"), url, {"kind": "unreasonable", "evidence": " \n "})
    assert (blank.status_code, blank.json()["errors"][0]["field"]) == (422, "evidence")
    assert state() == before

    created = post(world.client("handler", "en"), url, body)
    assert created.status_code == 201
    out = created.json()
    assert {k: out[k] for k in ("ticket_id", "ticket_number", "kind", "attachment", "requested_by", "decision",
                                "decided_by")} == {
        "ticket_id": ticket.pk, "ticket_number": ticket.number, "kind": "outside_jurisdiction",
        "attachment": "函2026-18号", "requested_by": "handler", "decision": "pending", "decided_by": None}
    assert post(world.client("handler", "en"), url, body).json()["code"] == "exemption_pending"

    decide = f"/api/exemptions/{out['id']}/decision"
    assert post(world.client("handler", "en"), decide, {"decision": "approve"}).status_code == 404
    for body_ in ({"decision": "reject"}, {"decision": "reject", "reason": " "}):
        refused = post(world.client("supervisor", "en"), decide, body_)
        assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "reject.reason")
    assert post(world.client("supervisor", "en"), decide, {"decision": "pending"}).status_code == 422
    assert Exemption.objects.get().decision == ""
    approved = post(world.client("supervisor", "en"), decide, {"decision": "approve"})
    assert approved.status_code == 200
    assert (approved.json()["decision"], approved.json()["decided_by"]) == ("approve", "supervisor")
    again = post(world.client("supervisor", "en"), decide, {"decision": "reject", "reason": "no"})
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")
    assert post(world.client("handler", "en"), url, body).json()["code"] == "already_exempted"


def test_api_list_is_scoped(world: World, django_assert_max_num_queries: Any) -> None:
    near = drive(world, new_ticket(world), "completed")  # in the street of street_supervisor
    far = drive(world, new_ticket(world, latitude=30.605, longitude=114.325, description="门口垃圾三天没人清运。"),
                "completed")  # in the other street
    for ticket in (near, far):
        services.exemption_request(ticket_id=ticket.pk, actor=world.users["handler"], kind="unreasonable",
                                   evidence="x")
    services.exemption_decide(exemption_id=Exemption.objects.get(ticket=far).pk, actor=world.users["supervisor"],
                              decision="approve")

    def ids(username: str, query: str = "") -> list[int]:
        return [e["ticket_id"] for e in world.client(username).get(f"/api/exemptions{query}").json()["items"]]

    assert ids("supervisor") == [near.pk, far.pk]
    assert ids("supervisor", "?decision=pending") == [near.pk]
    assert ids("supervisor", "?decision=approve") == [far.pk]
    assert ids("street_supervisor") == [near.pk]
    assert ids("handler") == []
    assert world.client("supervisor").get("/api/exemptions?decision=later").status_code == 422
    client = world.client("supervisor")
    with django_assert_max_num_queries(8):
        client.get("/api/exemptions")


# --- in a browser ---------------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_exemption_journey_in_a_browser(world: World, browser_page: Any) -> None:
    """The handler asks on the ticket page (a refusal keeps what was typed), the supervisor approves on the
    review page, and the ticket leaves the rates."""
    from cityloop.assessment.selectors import unit_rates

    ticket = drive(world, new_ticket(world), "completed")
    services.callback_record(ticket_id=ticket.pk, actor=world.users["operator"], resolved=False,
                             satisfaction="basically_satisfied")
    before = {r.unit_id: r for r in unit_rates(world.users["supervisor"])}[world.department.pk]
    assert (before.called_back, before.resolved) == (1, 0)

    page: Any = browser_page.page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_page.sign_in("handler")
    page.wait_for_url("**/handling/todo/")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": browser_page.base_url}])
    browser_page.go(f"/tickets/{ticket.pk}/")
    page.locator("summary", has_text="Request an exemption").click()
    page.get_by_label("Outside jurisdiction").check()
    page.get_by_label("Attachment reference").fill("函2026-18号")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the request").click()
    assert page.get_by_text("Give the evidence.").is_visible()  # next to the field, the rest kept
    assert page.get_by_label("Outside jurisdiction").is_checked()
    assert page.get_by_label("Attachment reference").input_value() == "函2026-18号"
    page.get_by_label("Evidence").fill(EVIDENCE)
    browser_page.shot("assessment-exemption-request")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the request").click()
    page.wait_for_url(f"**/tickets/{ticket.pk}/")
    assert Exemption.objects.get().evidence == EVIDENCE
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    page.context.clear_cookies()  # the sign-in page in its default language, which sign_in() reads
    browser_page.sign_in("supervisor")
    page.wait_for_url("**/supervision/board/")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": browser_page.base_url}])
    browser_page.go("/supervision/board/")
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Exemptions and reviews").click()
    row = page.locator("tr", has_text=ticket.number).first
    assert EVIDENCE in row.inner_text()
    browser_page.shot("assessment-exemption-reviews")
    with page.expect_navigation():
        row.get_by_role("button", name="Approve").click()
    assert page.get_by_text("Decision recorded.").is_visible()
    assert Exemption.objects.get().decision == "approve"
    assert world.department.pk not in {r.unit_id for r in unit_rates(world.users["supervisor"])}
    services.assessment_compute(month=clock.now().date())
    unit = AssessmentResult.objects.get(scope_kind="unit", scope_id=world.department.pk).figures
    assert (unit["exempted"], unit["called_back"], unit["basically_satisfied"]) == (1, 0, 0)
    assert errors == []

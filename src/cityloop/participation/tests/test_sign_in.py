"""Residents verify themselves without a ticket: a code to their phone or e-mail signs them in (portal's codes)."""

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.core.errors import InvalidInput
from cityloop.participation.access import is_verified_resident
from cityloop.participation.models import Opinion, SurveyResponse
from cityloop.participation.tests.helpers import consultation, survey
from cityloop.portal.contacts import EMAIL, PHONE, Contact
from cityloop.portal.models import OneTimeCode
from cityloop.portal.services import citizen_username, otp_verify
from cityloop.tickets.models import Ticket
from cityloop.tickets.tests.flows import new_ticket

ADDRESS = "wang@example.org"
SENT: list[tuple[str, str]] = []


class RecordingSender:
    """An SMS adapter for the tests (selected with CITYLOOP_SMS_SENDER)."""

    def send(self, phone: str, text: str) -> None:
        SENT.append((phone, text))


@pytest.fixture
def sms(settings: Any) -> list[tuple[str, str]]:
    settings.CITYLOOP_SMS_SENDER = f"{__name__}.RecordingSender"
    SENT.clear()
    return SENT


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def ask(client: Client, contact: str, capture: Any, next_url: str = "") -> Any:
    with capture(execute=True):
        return client.post("/portal/sign-in/", {"contact": contact, "next": next_url})


def mailed_code(index: int = -1) -> str:
    return re.findall(r"\b\d{6}\b", mail.outbox[index].body)[0]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def signed_in_user(client: Client) -> Any:
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def test_email_code_without_a_ticket_signs_in_and_returns_to_the_page(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    item = consultation(world)
    page = f"/participation/consultations/{item.pk}/"
    client = english()
    form = client.get(f"/portal/sign-in/?next={page}").content.decode()
    assert f'value="{page}"' in form
    assert 'for="id_contact"' in form
    response = ask(client, " Wang@Example.ORG ", django_capture_on_commit_callbacks, page)
    assert response.status_code == 302
    assert response["Location"] == "/portal/sign-in/code/"
    assert [m.to for m in mail.outbox] == [["Wang@example.org"]]
    assert "sign-in code" in mail.outbox[0].subject
    code = mailed_code()
    stored = OneTimeCode.objects.get()
    assert (stored.purpose, stored.ticket_id, stored.contact) == ("sign_in", None, "Wang@example.org")
    assert code not in stored.code_hash  # only a keyed hash is kept
    text = client.get("/portal/sign-in/code/").content.decode()
    assert "A six-digit code is on its way to W***@example.org." in text
    assert "Wang@example.org" not in text

    response = client.post("/portal/sign-in/code/", {"code": code})
    assert response.status_code == 302
    assert response["Location"] == page
    user = signed_in_user(client)
    assert user.username == citizen_username(Contact(EMAIL, ADDRESS))  # the same account as tracking makes
    assert not user.has_usable_password()
    assert is_verified_resident(user)
    assert OneTimeCode.objects.get().used_at is not None
    assert "You are signed in as a verified resident." in client.get(page).content.decode()
    # the code works once
    assert client.post("/portal/sign-in/code/", {"code": code})["Location"] == "/portal/sign-in/"


def test_phone_code_goes_by_sms_and_names_no_ticket(world: World, sms: list[tuple[str, str]],
                                                    django_capture_on_commit_callbacks: Any) -> None:
    client = english()
    assert ask(client, "+86 139-0000-1111", django_capture_on_commit_callbacks).status_code == 302
    assert len(sms) == 1
    phone, text = sms[0]
    assert phone == "13900001111"
    assert "sign-in code" in text
    assert not mail.outbox
    code = re.findall(r"\b\d{6}\b", text)[0]
    response = client.post("/portal/sign-in/code/", {"code": code})
    assert response["Location"] == "/portal/mine/"  # no page to return to
    assert signed_in_user(client).username == citizen_username(Contact(PHONE, "13900001111"))


def test_one_account_whichever_way_the_person_came(world: World,
                                                   django_capture_on_commit_callbacks: Any) -> None:
    """Tracking a ticket first and signing in later (or the other way round) lands in one account."""
    ticket = new_ticket(world, citizen_email=ADDRESS)
    tracker = english()
    with django_capture_on_commit_callbacks(execute=True):
        tracker.post("/portal/track/", {"number": ticket.number, "contact": ADDRESS})
    tracker.post("/portal/track/code/", {"code": mailed_code()})
    account = signed_in_user(tracker)
    accounts = get_user_model().objects.count()

    resident = english()
    ask(resident, ADDRESS.upper().replace("EXAMPLE.ORG", "example.org"), django_capture_on_commit_callbacks)
    resident.post("/portal/sign-in/code/", {"code": mailed_code()})
    assert signed_in_user(resident).pk == account.pk
    assert get_user_model().objects.count() == accounts
    assert Ticket.objects.get(pk=ticket.pk).citizen_id == account.pk


def test_signing_in_links_the_tickets_reported_with_that_contact(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    ticket = new_ticket(world, citizen_email=ADDRESS)
    client = english()
    ask(client, ADDRESS, django_capture_on_commit_callbacks)
    client.post("/portal/sign-in/code/", {"code": mailed_code()})
    assert Ticket.objects.get(pk=ticket.pk).citizen == signed_in_user(client)


def test_wrong_code_is_refused_and_counted(world: World, django_capture_on_commit_callbacks: Any) -> None:
    client = english()
    ask(client, ADDRESS, django_capture_on_commit_callbacks)
    response = client.post("/portal/sign-in/code/", {"code": wrong(mailed_code())})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_code_error"' in page
    assert "The code is not right. Attempts left: 4." in page
    assert OneTimeCode.objects.get().attempts == 1
    assert signed_in_user(client) is None
    assert not get_user_model().objects.filter(username__startswith="c:").exists()


def test_sixth_attempt_is_refused_even_with_the_right_code(world: World,
                                                           django_capture_on_commit_callbacks: Any) -> None:
    client = english()
    ask(client, ADDRESS, django_capture_on_commit_callbacks)
    code = mailed_code()
    for _ in range(5):
        assert client.post("/portal/sign-in/code/", {"code": wrong(code)}).status_code == 422
    response = client.post("/portal/sign-in/code/", {"code": code})
    assert response.status_code == 422
    assert "Too many wrong codes" in response.content.decode()
    assert OneTimeCode.objects.get().attempts == 5
    assert signed_in_user(client) is None
    with pytest.raises(InvalidInput, match="not right"):  # the code itself is dead, whatever session tries it
        otp_verify(contact=Contact(EMAIL, ADDRESS), code=code)
    assert not get_user_model().objects.filter(username__startswith="c:").exists()


def test_expired_code_is_refused(world: World, django_capture_on_commit_callbacks: Any) -> None:
    client = english()
    ask(client, ADDRESS, django_capture_on_commit_callbacks)
    code = mailed_code()
    later = clock.now() + dt.timedelta(minutes=10, seconds=1)
    with clock.frozen_at(later):
        response = client.post("/portal/sign-in/code/", {"code": code})
        assert response.status_code == 422
        assert "This code has expired" in response.content.decode()
        with pytest.raises(InvalidInput, match="expired"):
            otp_verify(contact=Contact(EMAIL, ADDRESS), code=code)
    assert signed_in_user(client) is None
    assert OneTimeCode.objects.get().used_at is None


def test_at_most_three_codes_per_contact_an_hour(world: World, django_capture_on_commit_callbacks: Any) -> None:
    client = english()
    for _ in range(3):
        assert ask(client, ADDRESS, django_capture_on_commit_callbacks).status_code == 302
    response = ask(client, ADDRESS, django_capture_on_commit_callbacks)
    assert response.status_code == 422
    assert 'id="id_contact_error"' in response.content.decode()
    assert "Too many codes were asked for this phone number or e-mail address" in response.content.decode()
    assert len(mail.outbox) == 3
    # another address is not held back, and only the newest code of this one counts
    assert ask(english(), "li@example.org", django_capture_on_commit_callbacks).status_code == 302
    first, newest = mailed_code(0), mailed_code(2)
    if first != newest:
        assert client.post("/portal/sign-in/code/", {"code": first}).status_code == 422
    with clock.frozen_at(clock.now() + dt.timedelta(hours=1, minutes=1)):
        assert ask(client, ADDRESS, django_capture_on_commit_callbacks).status_code == 302
    assert len(mail.outbox) == 5


def test_known_and_unknown_contacts_get_the_same_answers(world: World,
                                                         django_capture_on_commit_callbacks: Any) -> None:
    get_user_model().objects.create_user(citizen_username(Contact(EMAIL, ADDRESS)), ADDRESS, None)
    for address in (ADDRESS, "nobody@example.org"):
        client = english()
        response = ask(client, address, django_capture_on_commit_callbacks)
        assert (response.status_code, response["Location"]) == (302, "/portal/sign-in/code/")
        page = client.get("/portal/sign-in/code/").content.decode()
        assert f"A six-digit code is on its way to {address[0]}***@example.org." in page
        refused = client.post("/portal/sign-in/code/", {"code": wrong(mailed_code())})
        assert refused.status_code == 422
        assert "The code is not right. Attempts left: 4." in refused.content.decode()
    assert [m.to for m in mail.outbox] == [[ADDRESS], ["nobody@example.org"]]  # sent whether known or not


def test_bad_contacts_are_explained_next_to_the_field(world: World,
                                                      django_capture_on_commit_callbacks: Any) -> None:
    for contact in ("12", "not-an-address@", "027-87654321"):  # not a number, not an address, a landline
        response = ask(english(), contact, django_capture_on_commit_callbacks)
        assert response.status_code == 422
        assert 'id="id_contact_error"' in response.content.decode()
    assert not OneTimeCode.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)",
                                    "http://testserver.evil.example/"])
def test_next_leaves_the_site_never(world: World, django_capture_on_commit_callbacks: Any, target: str) -> None:
    client = english()
    assert target not in client.get("/portal/sign-in/", {"next": target}).content.decode()
    ask(client, ADDRESS, django_capture_on_commit_callbacks, target)
    assert client.post("/portal/sign-in/code/", {"code": mailed_code()})["Location"] == "/portal/mine/"


def test_code_page_without_a_request_goes_back_to_sign_in(world: World) -> None:
    assert english().get("/portal/sign-in/code/")["Location"] == "/portal/sign-in/"


def test_tracking_and_sign_in_codes_are_not_interchangeable(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    ticket = new_ticket(world, citizen_email=ADDRESS)
    with django_capture_on_commit_callbacks(execute=True):
        english().post("/portal/track/", {"number": ticket.number, "contact": ADDRESS})
    with pytest.raises(InvalidInput, match="not right"):
        otp_verify(contact=Contact(EMAIL, ADDRESS), code=mailed_code())
    ask(english(), ADDRESS, django_capture_on_commit_callbacks)
    with pytest.raises(InvalidInput, match="not right"):
        otp_verify(contact=Contact(EMAIL, ADDRESS), code=mailed_code(), number=ticket.number)
    assert OneTimeCode.objects.filter(used_at__isnull=True).count() == 2


def test_resident_without_a_ticket_comments_and_answers(world: World,
                                                        django_capture_on_commit_callbacks: Any) -> None:
    item = consultation(world)
    questionnaire = survey(item.pk)
    client = english()
    page = f"/participation/consultations/{item.pk}/"
    before = client.get(page).content.decode()
    assert f'href="/portal/sign-in/?next={page}"' in before
    ask(client, ADDRESS, django_capture_on_commit_callbacks, page)
    assert client.post("/portal/sign-in/code/", {"code": mailed_code()})["Location"] == page
    user = signed_in_user(client)
    assert not Ticket.objects.exists()

    section = item.versions.get().sections.order_by("position")[0]
    response = client.post(page, {"section": section.pk, "body": "建议把立法目的写得更具体。"})
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert (opinion.author, opinion.section_id, opinion.channel) == (user, section.pk, "web")

    questions = list(questionnaire.questions.order_by("position"))
    answers = {f"q{questions[0].pk}": "1", f"q{questions[1].pk}": ["0"], f"q{questions[2].pk}": "3",
               f"q{questions[3].pk}": ""}
    response = client.post(f"/participation/surveys/{questionnaire.pk}/", answers)
    assert response.status_code == 302
    assert SurveyResponse.objects.get().respondent == user

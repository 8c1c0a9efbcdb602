"""Tracking a ticket: a one-time code to the phone or e-mail given on the report signs the person in."""

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
from cityloop.portal.contacts import PHONE, Contact
from cityloop.portal.models import OneTimeCode
from cityloop.portal.services import citizen_username, otp_verify
from cityloop.portal.tests.helpers import english
from cityloop.tickets.models import Ticket
from cityloop.tickets.tests.flows import new_ticket

EMAIL = "li@example.org"
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


def ask(client: Client, number: str, contact: str, capture: Any) -> Any:
    with capture(execute=True):
        return client.post("/portal/track/", {"number": number, "contact": contact})


def mailed_code() -> str:
    match = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)
    assert match
    return match.group(1)


def test_code_by_email_signs_in_and_shows_the_ticket(world: World, django_capture_on_commit_callbacks: Any) -> None:
    ticket = new_ticket(world, citizen_email="Li@Example.org")
    earlier = new_ticket(world, citizen_email="li@example.org", title="以前的工单")
    someone_elses = new_ticket(world, citizen_email="li@example.org", title="已有账号的工单")
    Ticket.objects.filter(pk=someone_elses.pk).update(citizen=world.users["other_citizen"])
    client = english()
    response = ask(client, ticket.number, " LI@example.org ", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == "/portal/track/code/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL.replace("li", "LI")]  # as typed, domain lower-cased
    code = mailed_code()
    stored = OneTimeCode.objects.get()
    assert code not in stored.code_hash  # only a keyed hash is stored
    page = client.get("/portal/track/code/").content.decode()
    assert "L***@example.org" in page
    assert EMAIL not in page

    response = client.post("/portal/track/code/", {"code": code})
    assert response.status_code == 302
    assert response["Location"] == f"/portal/tickets/{ticket.number}/"
    user = get_user_model().objects.get(username=citizen_username(Contact("email", "li@example.org")))
    assert not user.has_usable_password()
    assert user.username.startswith("c:")
    assert user.get_full_name() == "L***@example.org"  # the header names the account by its masked contact
    assert len(user.username) == 22
    linked = dict(Ticket.objects.values_list("pk", "citizen_id"))
    assert linked[ticket.pk] == linked[earlier.pk] == user.pk
    assert linked[someone_elses.pk] == world.users["other_citizen"].pk  # never taken over
    page = client.get(response["Location"]).content.decode()
    assert ticket.number in page
    assert "小区门口垃圾堆积" in page
    assert OneTimeCode.objects.get().used_at is not None
    # the code works once
    assert client.post("/portal/track/code/", {"code": code}).status_code == 302  # session state is gone
    assert client.get("/portal/mine/").status_code == 200


def test_code_by_sms_through_the_adapter(world: World, sms: list[tuple[str, str]],
                                         django_capture_on_commit_callbacks: Any) -> None:
    ticket = new_ticket(world)  # phone 13812345678
    client = english()
    assert ask(client, ticket.number, "+86 138-1234-5678", django_capture_on_commit_callbacks).status_code == 302
    assert len(sms) == 1
    phone, text = sms[0]
    assert phone == "13812345678"
    assert ticket.number in text
    code = re.findall(r"\b\d{6}\b", text)[0]
    assert not mail.outbox
    assert client.post("/portal/track/code/", {"code": code})["Location"] == f"/portal/tickets/{ticket.number}/"
    assert Ticket.objects.get(pk=ticket.pk).citizen.username == citizen_username(Contact(PHONE, "13812345678"))


def test_logging_sender_is_the_default(world: World, caplog: Any, django_capture_on_commit_callbacks: Any) -> None:
    ticket = new_ticket(world)
    ask(english(), ticket.number, "13812345678", django_capture_on_commit_callbacks)
    assert "SMS to 138****5678" in caplog.text


def test_unknown_number_or_contact_looks_the_same_and_sends_nothing(
        world: World, sms: list[tuple[str, str]], django_capture_on_commit_callbacks: Any) -> None:
    ticket = new_ticket(world)
    for number, contact in [(ticket.number, "13900000000"), ("20990101999999", "13812345678"),
                            (ticket.number, "someone@example.org")]:
        response = ask(english(), number, contact, django_capture_on_commit_callbacks)
        assert response.status_code == 302
        assert response["Location"] == "/portal/track/code/"
    assert not sms
    assert not mail.outbox
    assert not OneTimeCode.objects.exists()


def test_bad_track_input_is_explained_next_to_the_field(world: World) -> None:
    response = english().post("/portal/track/", {"number": "abc", "contact": "12"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_number_error"' in page
    assert 'id="id_contact_error"' in page
    assert 'value="abc"' in page


@pytest.fixture
def waiting(world: World, django_capture_on_commit_callbacks: Any) -> tuple[Client, Ticket, str]:
    """A person who asked for a code by e-mail: their client, the ticket and the code."""
    ticket = new_ticket(world, citizen_email=EMAIL)
    client = english()
    ask(client, ticket.number, EMAIL, django_capture_on_commit_callbacks)
    return client, ticket, mailed_code()


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_wrong_code_is_refused_and_counted(waiting: tuple[Client, Ticket, str]) -> None:
    client, ticket, code = waiting
    response = client.post("/portal/track/code/", {"code": _wrong(code)})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_code_error"' in page
    assert "The code is not right. Attempts left: 4." in page
    assert OneTimeCode.objects.get().attempts == 1
    assert "_auth_user_id" not in client.session
    assert Ticket.objects.get(pk=ticket.pk).citizen is None


def test_sixth_attempt_is_refused_even_with_the_right_code(waiting: tuple[Client, Ticket, str]) -> None:
    client, ticket, code = waiting
    for _ in range(5):
        assert client.post("/portal/track/code/", {"code": _wrong(code)}).status_code == 422
    response = client.post("/portal/track/code/", {"code": code})
    assert response.status_code == 422
    assert "Too many wrong codes" in response.content.decode()
    assert OneTimeCode.objects.get().attempts == 5
    assert "_auth_user_id" not in client.session
    # the code itself is dead too, whatever session tries it
    with pytest.raises(InvalidInput):
        otp_verify(number=ticket.number, contact=Contact("email", EMAIL), code=code)
    assert Ticket.objects.get(pk=ticket.pk).citizen is None


def test_expired_code_is_refused(waiting: tuple[Client, Ticket, str]) -> None:
    client, _ticket, code = waiting
    later = clock.now() + dt.timedelta(minutes=10, seconds=1)
    with clock.frozen_at(later):
        response = client.post("/portal/track/code/", {"code": code})
    assert response.status_code == 422
    assert "This code has expired" in response.content.decode()
    assert "_auth_user_id" not in client.session
    with clock.frozen_at(later), pytest.raises(InvalidInput, match="expired"):
        otp_verify(number=_ticket.number, contact=Contact("email", EMAIL), code=code)


def test_a_contact_that_is_not_the_tickets_gets_the_same_answers(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    ticket = new_ticket(world, citizen_email=EMAIL)
    client = english()
    ask(client, ticket.number, "stranger@example.org", django_capture_on_commit_callbacks)
    response = client.post("/portal/track/code/", {"code": "123456"})
    assert response.status_code == 422
    assert "The code is not right. Attempts left: 4." in response.content.decode()


def test_at_most_three_codes_per_ticket_an_hour(world: World, django_capture_on_commit_callbacks: Any) -> None:
    ticket = new_ticket(world, citizen_email=EMAIL)
    client = english()
    for _ in range(3):
        assert ask(client, ticket.number, EMAIL, django_capture_on_commit_callbacks).status_code == 302
    response = ask(client, ticket.number, EMAIL, django_capture_on_commit_callbacks)
    assert response.status_code == 422
    assert "Too many codes" in response.content.decode()
    assert len(mail.outbox) == 3
    # only the newest code counts
    first_code = re.findall(r"\b\d{6}\b", mail.outbox[0].body)[0]
    newest = mailed_code()
    if first_code != newest:
        assert client.post("/portal/track/code/", {"code": first_code}).status_code == 422
    with clock.frozen_at(clock.now() + dt.timedelta(hours=1, minutes=1)):
        assert ask(client, ticket.number, EMAIL, django_capture_on_commit_callbacks).status_code == 302
    assert len(mail.outbox) == 4


def test_code_page_without_a_request_goes_back_to_track(world: World) -> None:
    assert english().get("/portal/track/code/")["Location"] == "/portal/track/"


def test_landline_cannot_get_a_code(world: World, django_capture_on_commit_callbacks: Any) -> None:
    ticket = new_ticket(world, citizen_phone="02787654321")
    response = ask(english(), ticket.number, "027-87654321", django_capture_on_commit_callbacks)
    assert response.status_code == 422
    assert 'id="id_contact_error"' in response.content.decode()


def test_contact_typed_differently_by_staff_still_matches(world: World, sms: list[tuple[str, str]],
                                                        django_capture_on_commit_callbacks: Any) -> None:
    ticket = new_ticket(world, citizen_phone="138 1234-5678")
    client = english()
    ask(client, ticket.number, "13812345678", django_capture_on_commit_callbacks)
    code = re.findall(r"\b\d{6}\b", sms[0][1])[0]
    assert client.post("/portal/track/code/", {"code": code})["Location"] == f"/portal/tickets/{ticket.number}/"
    assert Ticket.objects.get(pk=ticket.pk).citizen is not None

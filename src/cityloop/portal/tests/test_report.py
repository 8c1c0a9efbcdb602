"""Reporting a problem on the portal: anonymous or signed in, with and without a point, bad input, double submit."""

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from cityloop.conftest import World
from cityloop.portal.photos import MAX_PHOTO_BYTES
from cityloop.portal.tests.helpers import JPEG, PHONE, PNG, english, report_data, signed_in
from cityloop.tickets.models import Ticket


def test_anonymous_report_with_a_point_gets_a_number_and_the_grid(world: World) -> None:
    client = english()
    response = client.post("/portal/report/", report_data())
    assert response.status_code == 302
    assert response["Location"] == "/portal/report/thanks/"
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.ticket_type, ticket.status) == ("web", "complaint", "received")
    assert ticket.citizen is None
    assert ticket.created_by is None
    assert ticket.area == world.grid
    assert ticket.citizen_phone == PHONE  # normalised: the spaces are gone
    assert (ticket.latitude, ticket.longitude) == (30.605, 114.305)
    assert list(ticket.events.values_list("action", flat=True)) == ["receive"]
    page = client.get("/portal/report/thanks/").content.decode()
    assert ticket.number in page
    assert f"/portal/track/?number={ticket.number}" in page


def test_anonymous_report_without_a_point_lands_in_the_city(world: World) -> None:
    response = english().post("/portal/report/", report_data(latitude="", longitude="", citizen_phone="",
                                                             citizen_email="Li@Example.ORG"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.area == world.city
    assert ticket.latitude is None
    assert ticket.citizen_email == "Li@example.org"
    assert ticket.address == "望江路12号"


def test_signed_in_citizen_reports_as_themselves(world: World) -> None:
    client = signed_in(world)
    assert client.get("/portal/report/").status_code == 200
    assert client.post("/portal/report/", report_data()).status_code == 302
    assert Ticket.objects.get().citizen == world.users["citizen"]


def test_report_form_is_labelled_and_has_the_map_pick(world: World) -> None:
    page = english().get("/portal/report/").content.decode()
    for field in ("id_title", "id_description", "id_address", "id_citizen_phone", "id_citizen_email", "id_photo"):
        assert f'<label for="{field}">' in page
    assert 'name="idempotency_key"' in page
    assert 'id="pick-map"' in page
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "http" not in page.split("<body>")[1].replace("http-equiv", "")  # nothing from outside


def _refused(response: Any, field: str) -> str:
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert Ticket.objects.count() == 0
    return page


def test_no_contact_is_refused_next_to_the_phone_and_input_kept(world: World) -> None:
    page = _refused(english().post("/portal/report/", report_data(citizen_phone="", citizen_email="")),
                    "citizen_phone")
    assert "Give a phone number or an e-mail address" in page
    assert "望江路12号门口路灯坏了一周。" in page
    assert 'value="路灯不亮"' in page
    assert 'value="30.605"' in page  # the point too


def test_bad_phone_and_bad_email_are_refused_next_to_their_fields(world: World) -> None:
    page = _refused(english().post("/portal/report/", report_data(citizen_phone="12345")), "citizen_phone")
    assert 'value="12345"' in page
    _refused(english().post("/portal/report/", report_data(citizen_email="not-an-address")), "citizen_email")


def test_missing_title_and_tampered_point_are_refused(world: World) -> None:
    _refused(english().post("/portal/report/", report_data(title="")), "title")
    response = english().post("/portal/report/", report_data(latitude="200"))
    assert response.status_code == 422
    assert "The point on the map is not valid" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_oversized_photo_is_refused(world: World) -> None:
    photo = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * MAX_PHOTO_BYTES, content_type="image/jpeg")
    page = _refused(english().post("/portal/report/", {**report_data(), "photo": photo}), "photo")
    assert "larger than 5 MB" in page
    assert "望江路12号门口路灯坏了一周。" in page


def test_forged_photo_is_refused_by_its_bytes(world: World) -> None:
    photo = SimpleUploadedFile("photo.jpg", b"<?php echo 'hi'; ?>" + b"\x00" * 50, content_type="image/jpeg")
    page = _refused(english().post("/portal/report/", {**report_data(), "photo": photo}), "photo")
    assert "JPEG or PNG" in page


def test_real_photos_are_accepted(world: World) -> None:
    client = english()
    for n, (name, content) in enumerate([("a.jpg", JPEG), ("b.png", PNG)]):
        photo = SimpleUploadedFile(name, content, content_type="application/octet-stream")
        response = client.post("/portal/report/", {**report_data(idempotency_key=f"{n:032x}"), "photo": photo})
        assert response.status_code == 302
    assert Ticket.objects.count() == 2
    try:
        from cityloop.handling.models import Attachment
    except ImportError:  # the photo is kept only where the handling stage's attachments are installed
        return
    stored = Attachment.objects.order_by("pk")
    assert [(a.ticket.title, a.content_type, a.original_name, a.uploaded_by) for a in stored] == [
        ("路灯不亮", "image/jpeg", "a.jpg", None), ("路灯不亮", "image/png", "b.png", None)]
    assert stored[0].file.read() == JPEG


def test_double_submit_creates_one_ticket(world: World) -> None:
    client = english()
    first = client.post("/portal/report/", report_data())
    number = client.get("/portal/report/thanks/").context["number"]
    second = client.post("/portal/report/", report_data())
    assert first.status_code == second.status_code == 302
    assert Ticket.objects.count() == 1
    assert client.get("/portal/report/thanks/").context["number"] == number
    # a new form (a new key) is a new report
    assert english().post("/portal/report/", report_data(idempotency_key="f" * 32)).status_code == 302
    assert Ticket.objects.count() == 2


def test_each_form_carries_a_fresh_key(world: World) -> None:
    first = english().get("/portal/report/").context["form"].initial["idempotency_key"]
    second = english().get("/portal/report/").context["form"].initial["idempotency_key"]
    assert first != second

"""Injection attempts: escaped or refused, nothing executed, nothing stored broken.

- SQL metacharacters in every text field of ticket creation (API, console, portal) are stored verbatim, and in
  search/filter parameters they neither fail nor widen the answer;
- HTML/JS in every text field comes out escaped on the ticket page, the lists, the portal and the admin;
- a path-traversing upload name is stored under a generated name inside MEDIA_ROOT;
- oversized bodies and fields are refused and store nothing.
"""

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cityloop.conftest import World
from cityloop.handling.models import Attachment
from cityloop.tickets.models import Ticket
from cityloop.tickets.tests.flows import drive, new_ticket

SQL = "' OR 1=1 --; DROP TABLE tickets_ticket; \"x\"\\ %_"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RAW_TAGS = ("<script>alert(1)", "<img src=x onerror")
TEXT_FIELDS = ("title", "description", "citizen_name", "address")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def api_body(payload: str, **extra: Any) -> dict[str, Any]:
    return {"channel": "phone", "ticket_type": "complaint", "latitude": 30.605, "longitude": 114.305,
            **{f: f"{f}{payload}" for f in TEXT_FIELDS}, **extra}


def signed_in(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def assert_escaped(html: str, where: str) -> None:
    for tag in RAW_TAGS:
        assert tag not in html, f"{where}: {tag!r} appears unescaped"


# --- SQL ---------------------------------------------------------------------------------------------------

def test_sql_metacharacters_in_api_fields_are_stored_verbatim(world: World) -> None:
    before = Ticket.objects.count()
    response = world.client("operator").post("/api/tickets", api_body(SQL), content_type="application/json")
    assert response.status_code == 201, response.content
    assert Ticket.objects.count() == before + 1
    ticket = Ticket.objects.get(pk=response.json()["id"])
    for field in TEXT_FIELDS:
        assert getattr(ticket, field) == f"{field}{SQL}"
    # phone and e-mail have a format: metacharacters there are refused, not stored
    for field in ("citizen_phone", "citizen_email"):
        refused = world.client("operator").post("/api/tickets", {**api_body("x"), field: SQL},
                                                content_type="application/json")
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == field
    assert Ticket.objects.count() == before + 1


def test_sql_metacharacters_in_console_and_portal_fields_are_stored_verbatim(world: World) -> None:
    form = {"channel": "phone", "ticket_type": "complaint", "urgency": "normal", "category": world.category.pk,
            "latitude": 30.605, "longitude": 114.305, "idempotency_key": str(uuid.uuid4()),
            **{f: f"{f}{SQL}" for f in TEXT_FIELDS}}
    response = signed_in(world, "admin").post("/intake/console/", form)
    assert response.status_code < 400, response.content[:2000]
    ticket = Ticket.objects.get(title=f"title{SQL}")
    assert (ticket.description, ticket.citizen_name, ticket.address) == (
        f"description{SQL}", f"citizen_name{SQL}", f"address{SQL}")

    portal = {"ticket_type": "complaint", "citizen_phone": "13812345678", "idempotency_key": uuid.uuid4().hex,
              **{f: f"portal-{f}{SQL}" for f in TEXT_FIELDS}}
    response = signed_in(world, "citizen").post("/portal/report/", portal)
    assert response.status_code < 400, response.content[:2000]
    ticket = Ticket.objects.get(title=f"portal-title{SQL}")
    assert ticket.description == f"portal-description{SQL}"


@pytest.mark.parametrize("payload", ["' OR 1=1 --", "1' OR '1'='1", "%", "_", "\\", "1; DROP TABLE x", "\x00"])
def test_sql_metacharacters_in_search_and_filters_neither_fail_nor_widen(world: World, payload: str) -> None:
    ticket = drive(world, new_ticket(world, title="普通工单"), "dispatched")
    handler, admin, api = signed_in(world, "handler"), signed_in(world, "admin"), world.client("admin")
    pages = [(handler, "/handling/todo/", {"q": payload}), (handler, "/handling/todo/", {"status": payload}),
             (admin, "/tickets/", {"status": payload, "page": payload}),
             (admin, "/dispatch/queue/", {"street": payload, "page": payload}),
             (admin, "/intake/console/history/", {"citizen_phone": payload}),
             (Client(), "/portal/track/", {"number": payload}),
             (Client(), "/open311/v2/requests.json", {"status": payload, "service_code": payload}),
             (Client(), "/portal/map/data.json", {"category": payload, "status": payload})]
    for client, url, params in pages:
        response = client.get(url, params)
        assert response.status_code < 500, f"{url} {params}"
        if url == "/handling/todo/" and "q" in params and "\x00" not in payload:
            # the one ticket does not contain the search text: a widened WHERE would show it (a NUL makes the
            # filter form invalid, and an invalid filter is ignored: that case shows everything on purpose)
            assert (ticket.number or "-") not in response.content.decode()
    for params in ({"status": payload}, {"unit_id": payload}, {"sla_state": payload}, {"limit": payload}):
        response = api.get("/api/tickets", params)
        assert response.status_code in (200, 422), params
        assert response.status_code == 422 or response.json()["count"] <= Ticket.objects.count()
    assert Ticket.objects.count() == 1


# --- HTML / JS ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("payload", [SCRIPT, IMG])
def test_html_in_every_text_field_is_escaped_everywhere(world: World, payload: str) -> None:
    # filed by the citizen (so the portal shows it to them) and dispatched to the handler's unit
    response = world.client("citizen").post("/api/tickets", api_body(payload), content_type="application/json")
    assert response.status_code == 201, response.content
    ticket = drive(world, Ticket.objects.get(pk=response.json()["id"]), "dispatched")
    for field in TEXT_FIELDS:
        assert getattr(ticket, field) == f"{field}{payload}"  # stored as typed, escaped on the way out
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    root = Client()
    root.force_login(superuser)
    views = [(signed_in(world, "admin"), f"/tickets/{ticket.pk}/"), (signed_in(world, "admin"), "/tickets/"),
             (signed_in(world, "handler"), f"/tickets/{ticket.pk}/"), (signed_in(world, "handler"), "/handling/todo/"),
             (signed_in(world, "supervisor"), "/supervision/board/"),
             (signed_in(world, "citizen"), f"/portal/tickets/{ticket.number}/"),
             (signed_in(world, "citizen"), "/portal/mine/"), (Client(), "/portal/map/"),
             (root, "/admin/tickets/ticket/"), (root, f"/admin/tickets/ticket/{ticket.pk}/change/")]
    for client, url in views:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode(), url)
    # JSON answers carry the text as data, with the right content type
    for client, url in [(world.client("admin"), f"/api/tickets/{ticket.pk}"), (Client(), "/portal/map/data.json"),
                        (Client(), "/open311/v2/requests.json")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/json"), url


# --- uploads -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../../etc/passwd.png", "..\\..\\windows\\win.ini.png", "/etc/cron.d/x.png",
                                  "photo.png\x00.php", "<script>.png"])
def test_upload_names_cannot_choose_where_the_file_goes(world: World, name: str, settings: Any,
                                                        tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    ticket = drive(world, new_ticket(world), "dispatched")
    response = signed_in(world, "handler").post(
        f"/handling/tickets/{ticket.pk}/attachments/",
        {"attachment-file": SimpleUploadedFile(name, PNG, content_type="image/png")})
    assert response.status_code < 400
    attachment = Attachment.objects.get(ticket=ticket)
    assert ".." not in attachment.file.name
    assert "passwd" not in attachment.file.name
    stored = Path(attachment.file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert stored.read_bytes() == PNG
    assert stored.name.endswith(".png")
    assert stored.parent.name == str(ticket.pk)
    assert not Path(settings.MEDIA_ROOT).resolve().is_relative_to(Path(settings.STATIC_ROOT).resolve())
    page = signed_in(world, "handler").get(f"/tickets/{ticket.pk}/")
    assert_escaped(page.content.decode(), "ticket page with the attachment")


def test_upload_with_a_lying_extension_is_refused(world: World, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    ticket = drive(world, new_ticket(world), "dispatched")
    response = signed_in(world, "handler").post(
        f"/handling/tickets/{ticket.pk}/attachments/",
        {"attachment-file": SimpleUploadedFile("shell.png", b"<?php system($_GET['c']); ?>", content_type="image/png")})
    assert response.status_code in (400, 422)
    assert not Attachment.objects.exists()
    assert not any(p.is_file() for p in Path(settings.MEDIA_ROOT).rglob("*"))


# --- oversized bodies --------------------------------------------------------------------------------------

def test_oversized_json_body_is_refused_and_nothing_stored(world: World) -> None:
    body = json.dumps(api_body("x", description="长" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2)))
    assert len(body.encode()) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = world.client("operator").post("/api/tickets", body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_overlong_fields_are_refused_and_nothing_stored(world: World, field: str) -> None:
    long = "x" * 20_000
    response = world.client("operator").post("/api/tickets", {**api_body("ok"), field: long},
                                             content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    form = {"channel": "phone", "ticket_type": "complaint", "urgency": "normal", "category": world.category.pk,
            "idempotency_key": str(uuid.uuid4()), **{f: f"{f}ok" for f in TEXT_FIELDS}, field: long}
    response = signed_in(world, "admin").post("/intake/console/", form)
    assert response.status_code in (200, 400, 422)
    portal = {"ticket_type": "complaint", "citizen_phone": "13812345678", **{f: f"{f}ok" for f in TEXT_FIELDS},
              field: long}
    response = signed_in(world, "citizen").post("/portal/report/", portal)
    assert response.status_code in (200, 400, 422)
    assert not Ticket.objects.exists()


def test_many_form_fields_are_refused(world: World) -> None:
    form = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 10)}
    response = signed_in(world, "citizen").post("/portal/report/", form)
    assert response.status_code == 400
    assert not Ticket.objects.exists()

"""Attachments: what may be uploaded (by its bytes), by whom, and who may read it back; reply templates."""

import io
import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cityloop.conftest import World
from cityloop.core.errors import InvalidInput
from cityloop.core.files import sniff_content_type
from cityloop.handling.models import Attachment, ReplyTemplate
from cityloop.handling.services import attachment_add
from cityloop.tickets.models import Ticket
from cityloop.tickets.services import PermissionDenied
from cityloop.tickets.tests.flows import drive, new_ticket


def tiny_png() -> bytes:
    """A real 1×1 PNG, built by hand (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def signed_in(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    client.cookies["django_language"] = "en"
    return client


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "attachments"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def ticket(world: World) -> Ticket:
    return drive(world, new_ticket(world), "in_progress")


def upload(client: Client, ticket: Ticket, name: str, content: bytes, content_type: str = "image/png") -> Any:
    return client.post(f"/handling/tickets/{ticket.pk}/attachments/",
                       {"attachment-file": SimpleUploadedFile(name, content, content_type=content_type)})


def test_real_png_is_accepted_and_read_back(world: World, ticket: Ticket) -> None:
    before = len(stored_files())
    response = upload(signed_in(world, "handler"), ticket, "现场照片.png", tiny_png())
    assert response.status_code == 302
    attachment = Attachment.objects.get(ticket=ticket)
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "现场照片.png", "image/png", len(tiny_png()))
    assert attachment.uploaded_by == world.users["handler"]
    assert len(stored_files()) == before + 1
    # the stored name is random, not the one the browser sent
    assert "现场照片" not in attachment.file.name
    assert Path(settings.MEDIA_ROOT) in Path(attachment.file.path).parents

    page = signed_in(world, "handler").get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"/handling/attachments/{attachment.pk}/" in page
    assert "现场照片.png" in page
    download = signed_in(world, "supervisor").get(f"/handling/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == tiny_png()


def test_events_are_not_written_by_uploads(world: World, ticket: Ticket) -> None:
    events = ticket.events.count()
    upload(signed_in(world, "handler"), ticket, "a.png", tiny_png())
    assert ticket.events.count() == events


@pytest.mark.parametrize(("name", "content", "claimed"), [
    ("photo.png", "这不是图片，只是文字。".encode(), "image/png"),  # a PNG by name and browser type only
    ("page.html", b"<html><script>alert(1)</script></html>", "image/jpeg"),
    ("empty.png", b"", "image/png"),
])
def test_files_that_are_not_photos_or_pdf_are_refused(world: World, ticket: Ticket, name: str, content: bytes,
                                                      claimed: str) -> None:
    before = len(stored_files())
    response = upload(signed_in(world, "handler"), ticket, name, content, claimed)
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_attachment-file_error"' in page  # next to the field
    assert "<details open>" in page
    assert not Attachment.objects.exists()
    assert len(stored_files()) == before


def test_file_over_10_mb_is_refused(world: World, ticket: Ticket) -> None:
    before = len(stored_files())
    big = tiny_png() + b"\x00" * (11 * 1024 * 1024)
    response = upload(signed_in(world, "handler"), ticket, "big.png", big)
    assert response.status_code == 422
    assert "10 MB" in response.content.decode()
    assert not Attachment.objects.exists()
    assert len(stored_files()) == before


@pytest.mark.parametrize(("head", "expected"), [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"%PDF-1.7\n", "application/pdf"),
    (b"GIF89a", None),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
])
def test_sniffing(head: bytes, expected: str | None) -> None:
    assert sniff_content_type(io.BytesIO(head)) == expected


def test_pdf_is_accepted_by_the_service(world: World, ticket: Ticket) -> None:
    attachment = attachment_add(actor=world.users["operator"], ticket_id=ticket.pk,
                                file=SimpleUploadedFile("回复函.pdf", b"%PDF-1.4\n%...\n", "application/pdf"))
    assert attachment.content_type == "application/pdf"
    download = signed_in(world, "handler").get(f"/handling/attachments/{attachment.pk}/")
    assert download["Content-Disposition"].startswith("attachment")


def test_other_units_handler_cannot_download_or_upload(world: World, ticket: Ticket) -> None:
    attachment = attachment_add(actor=world.users["handler"], ticket_id=ticket.pk,
                                file=SimpleUploadedFile("a.png", tiny_png(), "image/png"))
    client = signed_in(world, "other_handler")
    assert client.get(f"/handling/attachments/{attachment.pk}/").status_code == 404
    assert client.get("/handling/attachments/999999/").status_code == 404
    assert upload(client, ticket, "b.png", tiny_png()).status_code == 404
    assert Attachment.objects.count() == 1
    assert Client().get(f"/handling/attachments/{attachment.pk}/").status_code == 302


@pytest.mark.parametrize("username", ["supervisor", "analyst"])
def test_readers_may_not_upload(world: World, ticket: Ticket, username: str) -> None:
    with pytest.raises(PermissionDenied):
        attachment_add(actor=world.users[username], ticket_id=ticket.pk,
                       file=SimpleUploadedFile("a.png", tiny_png(), "image/png"))
    page = signed_in(world, username).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "/attachments/" not in page  # no upload form
    assert upload(signed_in(world, username), ticket, "a.png", tiny_png()).status_code == 403
    assert not Attachment.objects.exists()


def test_no_uploads_to_a_closed_ticket(world: World) -> None:
    closed = drive(world, new_ticket(world), "closed")
    response = upload(signed_in(world, "operator"), closed, "a.png", tiny_png())
    assert response.status_code == 302
    client = signed_in(world, "operator")
    response = upload(client, closed, "a.png", tiny_png())
    page = client.get(response["Location"]).content.decode()
    assert "Files can no longer be added to this ticket." in page  # the message, shown on the ticket page
    assert f"/handling/tickets/{closed.pk}/attachments/" not in page  # and no upload form
    assert not Attachment.objects.exists()


def test_service_refuses_before_storing(world: World, ticket: Ticket) -> None:
    before = len(stored_files())
    with pytest.raises(InvalidInput) as refused:
        attachment_add(actor=world.users["handler"], ticket_id=ticket.pk,
                       file=SimpleUploadedFile("x.png", b"not a png", "image/png"))
    assert refused.value.details == {"field": "file"}
    assert len(stored_files()) == before


def test_reply_template_picker_fills_placeholders(world: World, ticket: Ticket) -> None:
    ReplyTemplate.objects.create(name="已处理",
                                 text="您好{citizen_name}，工单{number}（{title}）已由{unit}处理。{unknown}")
    ReplyTemplate.objects.create(name="停用的", text="x", active=False)
    page = signed_in(world, "handler").get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="reply-template-complete"' in page
    assert 'data-target="id_complete-reply"' in page
    data = re.search(r'<script id="reply-templates-complete" type="application/json">(.*?)</script>', page)
    assert data is not None
    assert [t["text"] for t in json.loads(data.group(1))] == [
        f"您好王先生，工单{ticket.number}（小区门口垃圾堆积）已由城管局处理。{{unknown}}"]
    assert "停用的" not in page
    assert "handling/reply_templates.js" in page


def test_no_picker_without_the_complete_action(world: World) -> None:
    ReplyTemplate.objects.create(name="已处理", text="x")
    signed = drive(world, new_ticket(world), "signed")
    page = signed_in(world, "handler").get(f"/tickets/{signed.pk}/").content.decode()
    assert "reply-template-" not in page


def test_templates_of_other_categories_are_left_out(world: World, ticket: Ticket) -> None:
    from cityloop.tickets.models import Category

    other = Category.objects.create(code="02", name="社会保障", level=1)
    ReplyTemplate.objects.create(name="通用", text="a")
    ReplyTemplate.objects.create(name="市容", text="b", category=world.category.parent)  # an ancestor: fits
    ReplyTemplate.objects.create(name="社保", text="c", category=other)
    page = signed_in(world, "handler").get(f"/tickets/{ticket.pk}/").content.decode()
    data = re.search(r'<script id="reply-templates-complete" type="application/json">(.*?)</script>', page)
    assert data is not None
    assert [t["name"] for t in json.loads(data.group(1))] == ["市容", "通用"]


def test_ticket_page_queries_bounded_with_attachments(world: World, ticket: Ticket,
                                                      django_assert_max_num_queries: Any) -> None:
    for i in range(5):
        attachment_add(actor=world.users["handler"], ticket_id=ticket.pk,
                       file=SimpleUploadedFile(f"{i}.png", tiny_png(), "image/png"))
        ReplyTemplate.objects.create(name=f"模板{i}", text="{number}")
    client = signed_in(world, "handler")
    with django_assert_max_num_queries(16):
        page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert page.count('class="thumb"') == 5

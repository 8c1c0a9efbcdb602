"""The handler's pages in headless Chromium: keyboard-reachable controls, the reply-template picker, an upload."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.handling.models import Attachment, ReplyTemplate
from cityloop.handling.tests.test_attachments import tiny_png
from cityloop.tickets.models import Ticket
from cityloop.tickets.tests.flows import drive, new_ticket


@pytest.mark.django_db(transaction=True)
def test_handler_pages_in_a_browser(world: World, browser_page: Any, tmp_path: Path) -> None:
    late = drive(world, new_ticket(world, title="超期工单"), "in_progress")
    Ticket.objects.filter(pk=late.pk).update(due_at=clock.now() - dt.timedelta(hours=2),
                                             warn_at=clock.now() - dt.timedelta(hours=5))
    drive(world, new_ticket(world, title="待签收"), "dispatched")
    ReplyTemplate.objects.create(name="清运完成", text="您好{citizen_name}，工单{number}已处理。")
    errors: list[str] = []
    page = browser_page.page
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))

    browser_page.sign_in("handler")
    page.wait_for_url("**/handling/todo/")
    # English from here: the labels below are the msgids, whatever the state of the Chinese catalogue
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": browser_page.base_url}])
    browser_page.go("/handling/todo/")
    assert page.locator("table.todo tbody tr").count() == 2
    assert page.locator("#count-overdue").inner_text() == "1"
    page.get_by_label("Title or number").fill("待签收")  # the filters are labelled
    page.keyboard.press("Enter")
    page.wait_for_url("**/handling/todo/?*")
    assert page.locator("table.todo tbody tr").count() == 1
    browser_page.shot("handling-todo")
    assert errors == []

    browser_page.go(f"/tickets/{late.pk}/")
    page.locator("details > summary", has_text="Complete with a reply").click()
    page.select_option("#reply-template-complete", label="清运完成")
    assert page.input_value("#id_complete-reply") == f"您好王先生，工单{late.number}已处理。"

    photo = tmp_path / "现场.png"
    photo.write_bytes(tiny_png())
    page.locator("details > summary", has_text="Attach a file").click()
    page.set_input_files("#id_attachment-file", str(photo))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_load_state()
    assert Attachment.objects.filter(ticket=late).count() == 1
    assert page.locator("ul.attachments img.thumb").evaluate("img => img.naturalWidth") == 1
    browser_page.shot("handling-ticket")

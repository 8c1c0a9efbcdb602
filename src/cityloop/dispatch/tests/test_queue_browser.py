"""The dispatch queue in a real browser: one-click dispatch with the keyboard."""

from typing import Any

import pytest
from django.test import Client

from cityloop.conftest import BrowserPage, World
from cityloop.dispatch.models import CatalogueEntry
from cityloop.tickets.tests.flows import drive, new_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def act_as(browser_page: BrowserPage, world: World, username: str) -> None:
    """Sign in by session cookie, so that these tests depend only on the pages they test."""
    client = Client()
    client.force_login(world.users[username])
    browser_page.page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                                            "url": browser_page.base_url}])


def test_dispatcher_dispatches_from_the_queue(world: World, browser_page: BrowserPage) -> None:
    CatalogueEntry.objects.create(category=world.category, area=world.city, unit=world.department)
    ticket = new_ticket(world, description="门口垃圾没人清运。")
    act_as(browser_page, world, "dispatcher")
    page: Any = browser_page.page
    browser_page.go("/dispatch/queue/")
    browser_page.shot("dispatch-queue")
    button = page.get_by_role("button", name=f"{ticket.number}")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_text(ticket.number).first.wait_for()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.unit_id) == ("dispatched", world.department.pk)


def test_dispatcher_sends_a_returned_ticket_to_arbitration_and_chooses_a_unit(world: World,
                                                                             browser_page: BrowserPage) -> None:
    returned = drive(world, new_ticket(world, description="门口垃圾没人清运。"), "returned")
    fresh = new_ticket(world, description="路灯不亮。", category_id=None)
    act_as(browser_page, world, "dispatcher")
    page: Any = browser_page.page
    browser_page.go("/dispatch/queue/")
    assert page.get_by_text("不属于本单位职责。").is_visible()  # the return reason from the event log
    page.locator(f'a[href="/dispatch/{returned.pk}/dispute/"]').focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.locator("#id_note").focus()
    page.keyboard.type("职责清单显示属于城管。")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    returned.refresh_from_db()
    assert returned.status == "disputed"
    page.locator(f'a[href="/dispatch/{fresh.pk}/"]').focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    browser_page.shot("dispatch-choose-unit")
    page.locator("#id_unit").select_option(str(world.other_department.pk))
    page.locator("#id_note").focus()
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    fresh.refresh_from_db()
    assert (fresh.status, fresh.unit_id) == ("dispatched", world.other_department.pk)

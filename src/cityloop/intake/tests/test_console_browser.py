"""The console and the dispatch queue in a real browser: keyboard entry, the category filter, the map, htmx panels."""

from typing import Any

import pytest
from django.test import Client

from cityloop.conftest import BrowserPage, World
from cityloop.tickets.models import Ticket
from cityloop.tickets.tests.flows import new_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def act_as(browser_page: BrowserPage, world: World, username: str) -> None:
    """Sign in by session cookie, so that these tests depend only on the pages they test."""
    client = Client()
    client.force_login(world.users[username])
    browser_page.page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                                            "url": browser_page.base_url}])


def test_operator_records_a_call_with_the_keyboard_and_the_map(world: World, browser_page: BrowserPage) -> None:
    earlier = new_ticket(world, title="上次来电", description="门口垃圾没人清运。", citizen_phone="13812345678")
    act_as(browser_page, world, "operator")
    page: Any = browser_page.page
    browser_page.go("/intake/console/")
    assert page.evaluate("document.activeElement.id") == "id_citizen_phone"  # a new call starts at the phone
    page.keyboard.type("138 1234 5678")
    page.locator("#caller-history").get_by_text(earlier.number).wait_for()  # htmx fetched the earlier tickets
    page.keyboard.press("Tab")
    page.keyboard.type("王先生")
    page.locator("#id_ticket_type_2").check()  # complaint
    search = page.locator("#id_category_search")
    assert page.locator("button.narrow").is_hidden()  # the script filters as one types
    search.fill("市容")
    search.press("Enter")  # Enter in the filter chooses the only match and moves to the list
    assert page.evaluate("document.activeElement.id") == "id_category"
    assert page.locator("#id_category").input_value() == str(world.category.pk)
    page.locator("#id_title").fill("路灯不亮")
    with page.expect_response(lambda r: "/intake/console/suggestions/" in r.url and r.status == 200):
        page.locator("#id_description").fill("楼旁边的路灯坏了一周。")  # htmx asks for suggestions
    assert page.locator("#suggestions .empty").is_visible()
    page.locator("#intake-map path.leaflet-interactive").first.click()
    page.locator("#map-point").get_by_text(world.grid.name).wait_for()
    assert page.locator("#id_latitude").input_value()
    browser_page.shot("intake-console-filled")
    with page.expect_navigation():
        page.keyboard.press("Alt+s")
    page.locator(".created .number").wait_for()
    ticket = Ticket.objects.exclude(pk=earlier.pk).get()
    assert page.locator(".created .number").inner_text() == ticket.number
    assert (ticket.category_id, ticket.area_id, ticket.citizen_phone) == (world.category.pk, world.grid.pk,
                                                                          "13812345678")
    browser_page.shot("intake-console-recorded")
    with page.expect_navigation():
        page.keyboard.press("Alt+n")
    page.wait_for_url("**/intake/console/")
    assert page.locator("#id_title").input_value() == ""


"""The citizen's journey in a real browser, keyboard only: report, get a number, track it with a code, rate it."""

import re
from typing import Any

import pytest
from django.core import mail

from cityloop.conftest import BrowserPage, World
from cityloop.tickets.models import Ticket
from cityloop.tickets.tests.flows import drive

pytestmark = pytest.mark.django_db(transaction=True)


def test_citizen_reports_tracks_and_rates(world: World, browser_page: BrowserPage) -> None:
    page: Any = browser_page.page
    keyboard = page.keyboard
    browser_page.go("/portal/report/")
    page.wait_for_selector("#pick-map.leaflet-container")
    page.locator("#id_title").fill("路灯不亮")
    page.locator("#id_description").fill("滨江路口的路灯坏了一周，晚上很黑。")
    page.locator("#id_address").fill("滨江路口")
    page.locator("#id_citizen_email").fill("li@example.org")
    # the map with the keyboard: focus it, move it, take its centre
    page.locator("#pick-map").focus()
    keyboard.press("ArrowLeft")
    page.locator("#pick-centre").focus()
    keyboard.press("Enter")
    assert page.locator("#id_latitude").input_value() != ""
    browser_page.shot("portal-report")
    page.locator("button.primary").focus()
    keyboard.press("Enter")
    page.wait_for_url("**/portal/report/thanks/")
    number = page.locator("#ticket-number").inner_text().strip()
    ticket = Ticket.objects.get(number=number)
    assert (ticket.channel, ticket.citizen_email, ticket.latitude is not None) == ("web", "li@example.org", True)
    browser_page.shot("portal-reported")

    browser_page.go(f"/portal/track/?number={number}")
    assert page.locator("#id_number").input_value() == number
    page.locator("#id_contact").fill("li@example.org")
    page.locator("#id_contact").press("Enter")
    page.wait_for_url("**/portal/track/code/")
    code = re.findall(r"\b\d{6}\b", mail.outbox[-1].body)[0]
    page.locator("#id_code").fill(code)
    browser_page.shot("portal-code")
    page.locator("#id_code").press("Enter")
    page.wait_for_url(f"**/portal/tickets/{number}/")

    drive(world, ticket, "completed")
    page.reload()
    page.locator("#id_resolved_0").focus()
    keyboard.press("Space")
    page.locator("#id_satisfaction_0").focus()
    keyboard.press("Space")
    browser_page.shot("portal-ticket-rate")
    page.locator("#rate ~ form button.primary").focus()
    with page.expect_navigation():
        keyboard.press("Enter")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved, ticket.satisfaction) == ("closed", True, "satisfied")
    browser_page.shot("portal-ticket-closed")

    browser_page.go("/portal/map/")
    page.wait_for_selector("#public-map path.leaflet-interactive")
    browser_page.shot("portal-map")

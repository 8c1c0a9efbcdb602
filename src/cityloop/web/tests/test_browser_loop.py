"""The whole loop through the pages, in a real browser, each person signing in on the sign-in page:
an operator records a call, a dispatcher dispatches it, a handler signs, contacts and completes it with a
reply, the citizen tracks it with a one-time code and rates it, and the supervisor sees the three rates move.
Every page is saved as a screenshot in test-artifacts/; nothing may be fetched from outside 127.0.0.1."""

import re
from typing import Any

import pytest
from django.core import mail

from cityloop.conftest import BrowserPage, World
from cityloop.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def sign_out(browser_page: BrowserPage) -> None:
    page: Any = browser_page.page
    with page.expect_navigation():
        page.get_by_role("button", name="退出登录").click()


def act_on_ticket_page(page: Any, label: str, fields: dict[str, str] | None = None) -> None:
    """Open an action's section on the ticket page, fill it in and send it."""
    section = page.locator("details", has=page.locator("summary", has_text=label)).first
    section.locator("summary").click()
    for selector, value in (fields or {}).items():
        section.locator(selector).fill(value)
    with page.expect_navigation():
        section.locator("button.primary").click()


def test_the_loop_through_the_pages(world: World, browser_page: BrowserPage) -> None:
    page: Any = browser_page.page

    # The operator takes the call.
    browser_page.sign_in("operator")
    page.wait_for_url("**/intake/console/")
    page.locator("#id_citizen_phone").fill("13812345678")
    page.locator("#id_citizen_email").fill("caller@example.org")
    page.locator("#id_ticket_type_2").check()  # complaint
    page.locator("#id_category").select_option(str(world.category.pk))
    page.locator("#id_title").fill("路灯不亮")
    page.locator("#id_description").fill("滨江路口的路灯坏了一周，晚上很黑。")
    page.locator("#intake-map path.leaflet-interactive").first.click()
    browser_page.shot("loop-1-operator-console")
    with page.expect_navigation():
        page.keyboard.press("Alt+s")
    number = page.locator(".created .number").inner_text().strip()
    ticket = Ticket.objects.get(number=number)
    assert ticket.status == "received"
    browser_page.shot("loop-2-operator-recorded")
    sign_out(browser_page)

    # The dispatcher sends it to the city management bureau.
    browser_page.sign_in("dispatcher")
    page.wait_for_url("**/dispatch/queue/")
    browser_page.shot("loop-3-dispatch-queue")
    page.locator(f'a[href="/dispatch/{ticket.pk}/"]').click()
    page.locator("#id_unit").select_option(str(world.department.pk))
    with page.expect_navigation():
        page.locator("form button.primary").last.click()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.unit_id) == ("dispatched", world.department.pk)
    sign_out(browser_page)

    # The handler finds it on the to-do list, signs for it, contacts the citizen and completes it.
    browser_page.sign_in("handler")
    page.wait_for_url("**/handling/todo/")
    browser_page.shot("loop-4-handler-todo")
    with page.expect_navigation():
        page.get_by_role("link", name=number).first.click()
    act_on_ticket_page(page, "签收")
    act_on_ticket_page(page, "联系市民", {"textarea": "已电话联系，明天维修。"})
    act_on_ticket_page(page, "办结", {"textarea": "路灯已更换灯泡，恢复照明。"})
    browser_page.shot("loop-5-ticket-page-completed")
    ticket.refresh_from_db()
    assert ticket.status == "completed"
    sign_out(browser_page)

    # The citizen tracks it with the number and a code sent by e-mail, and rates it.
    browser_page.go(f"/portal/track/?number={number}")
    page.locator("#id_contact").fill("caller@example.org")
    with page.expect_navigation():
        page.locator("#id_contact").press("Enter")
    code = re.findall(r"\b\d{6}\b", mail.outbox[-1].body)[0]
    page.locator("#id_code").fill(code)
    with page.expect_navigation():
        page.locator("#id_code").press("Enter")
    assert "路灯已更换灯泡" in page.content()  # the public timeline carries the reply
    page.locator("#id_resolved_0").check()
    page.locator("#id_satisfaction_0").check()
    browser_page.shot("loop-6-citizen-rates")
    with page.expect_navigation():
        page.locator("#rate ~ form button.primary").click()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved, ticket.satisfaction) == ("closed", True, "satisfied")
    sign_out(browser_page)

    # The supervisor sees the unit's rates.
    browser_page.sign_in("supervisor")
    page.wait_for_url("**/supervision/board/")
    row = page.locator("table.rates tbody tr", has=page.locator("th", has_text=world.department.name))
    assert row.locator("td").nth(1).inner_text() == "100.0%"  # resolution rate
    assert row.locator("td").nth(2).inner_text() == "100.0%"  # satisfaction rate
    browser_page.shot("loop-7-supervision-board")

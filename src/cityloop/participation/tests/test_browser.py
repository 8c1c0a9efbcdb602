"""The participation journeys in a real browser (headless Chromium)."""

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation

from cityloop.conftest import BrowserPage, World
from cityloop.core import clock
from cityloop.participation import services
from cityloop.participation.choices import Phase
from cityloop.participation.models import Booking, Consultation, Opinion, OpinionGroup, ReceptionIssue
from cityloop.participation.tests.helpers import DAY, complete_dispatched, consultation, deputies, resident, station
from cityloop.portal.contacts import EMAIL, Contact
from cityloop.portal.services import citizen_username
from cityloop.tickets.choices import Status
from cityloop.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in_resident(browser_page: BrowserPage, user: Any) -> None:
    """A resident signed in as the portal's code sign-in leaves them: the session cookie of their account."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    browser_page.page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie,
                                            "url": browser_page.base_url}])


def sign_in_staff(browser_page: BrowserPage, username: str) -> None:
    page: Any = browser_page.page
    browser_page.go("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("pw")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_resident_comments_on_a_section(world: World, browser_page: BrowserPage) -> None:
    page: Any = browser_page.page
    item = consultation(world)
    section = item.versions.get().sections.order_by("position")[1]
    sign_in_resident(browser_page, resident())
    browser_page.go(f"/participation/consultations/{item.pk}/")
    field = page.locator(f"#id_{section.pk}_body")
    field.fill("建议明确犬只登记可以在网上办理。")
    browser_page.shot("participation-draft")
    page.locator(f"#section-{section.pk} button.primary").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    opinion = Opinion.objects.get()
    assert (opinion.section_id, opinion.channel, opinion.author) == (section.pk, "web", resident())
    assert "建议明确犬只登记可以在网上办理。" in page.locator(f"#section-{section.pk}").inner_text()
    browser_page.shot("participation-commented")


def test_resident_without_a_ticket_verifies_by_email_and_comments(world: World, browser_page: BrowserPage) -> None:
    """No ticket, no account: the page's sign-in link, a code by e-mail, back to the draft, a comment."""
    page: Any = browser_page.page
    keyboard = page.keyboard
    item = consultation(world)
    section = item.versions.get().sections.order_by("position")[2]
    draft = f"/participation/consultations/{item.pk}/"
    browser_page.go(draft)
    assert page.locator(f"#id_{section.pk}_body").count() == 0  # no comment form before signing in
    page.locator("a[href^='/portal/sign-in/']").focus()
    with page.expect_navigation():
        keyboard.press("Enter")
    page.locator("#id_contact").fill("zhao@example.org")
    browser_page.shot("participation-sign-in")
    with page.expect_navigation():
        page.locator("#id_contact").press("Enter")
    page.wait_for_url("**/portal/sign-in/code/")
    code = re.findall(r"\b\d{6}\b", mail.outbox[-1].body)[0]
    assert mail.outbox[-1].to == ["zhao@example.org"]
    page.locator("#id_code").fill(code)
    with page.expect_navigation():
        page.locator("#id_code").press("Enter")
    page.wait_for_url(f"**{draft}")
    page.locator(f"#id_{section.pk}_body").fill("犬链长度建议放宽到2米，大型犬另行规定。")
    page.locator(f"#section-{section.pk} button.primary").focus()
    with page.expect_navigation():
        keyboard.press("Enter")
    opinion = Opinion.objects.get()
    assert opinion.author is not None
    assert opinion.author.username == citizen_username(Contact(EMAIL, "zhao@example.org"))
    assert (opinion.section_id, opinion.channel) == (section.pk, "web")
    assert not Ticket.objects.exists()
    assert "犬链长度建议放宽到2米" in page.locator(f"#section-{section.pk}").inner_text()
    browser_page.shot("participation-commented-after-sign-in")


def test_staff_group_answer_and_publish(world: World, browser_page: BrowserPage) -> None:
    page: Any = browser_page.page
    item = consultation(world)
    texts = ["建议犬链长度放宽到2米", "犬链1.5米太短了，建议放宽到2米", "犬链长度建议放宽为两米",
             "希望在小区设置宠物便便箱", "建议小区增设宠物便便收集箱", "支持第二条登记制度"]
    for n, text in enumerate(texts):
        services.opinion_submit(actor=resident(n), consultation_id=item.pk, body=text)
    hidden = services.opinion_submit(actor=resident(9), consultation_id=item.pk, body="出售名犬，加微信")
    services.opinion_hide(actor=world.users["handler"], opinion_id=hidden.pk, reason="广告")
    Consultation.objects.filter(pk=item.pk).update(phase=Phase.ANALYSIS)

    sign_in_staff(browser_page, "handler")
    browser_page.go(f"/participation/consultations/{item.pk}/analysis/")
    with page.expect_navigation():
        page.locator("#group-similar").click()
    groups = list(OpinionGroup.objects.order_by("id"))
    assert len(groups) == 2
    for group, decision in zip(groups, ["partly", "adopted"], strict=True):
        page.locator(f"#group-{group.pk} input[value='{decision}']").check()
        page.locator(f"#group-reason-{group.pk}").fill("犬链放宽至1.8米。" if decision == "partly" else "")
        with page.expect_navigation():
            page.locator(f"#group-{group.pk} button.primary").click()
    single = Opinion.objects.get(body="支持第二条登记制度")
    page.locator(f"#opinion-{single.pk} summary").click()
    page.locator(f"#opinion-{single.pk} input[value='adopted']").check()
    with page.expect_navigation():
        page.locator(f"#opinion-{single.pk} form").first.locator("button").click()
    browser_page.shot("participation-analysis")
    page.locator("#id_summary").fill("共收到意见7条，感谢参与。")
    with page.expect_navigation():
        page.locator("#publish").click()
    assert page.url.endswith(f"/participation/consultations/{item.pk}/report/")
    assert page.locator("#report-table tbody tr").count() == 7
    item.refresh_from_db()
    assert item.phase == Phase.PUBLISHED
    browser_page.shot("participation-report")
    with page.expect_download() as download:
        page.locator("#report-docx").click()
    assert download.value.suggested_filename == f"feedback-{item.pk}.docx"


def test_booking_record_ticket_and_followup(world: World, browser_page: BrowserPage) -> None:
    page: Any = browser_page.page
    point = station(world)
    people = deputies(point)
    start = clock.now() + 4 * DAY
    reception = services.reception_schedule(actor=world.users["dispatcher"], station_id=point.pk,
                                            topic="文明养犬", starts_at=start,
                                            ends_at=start + dt.timedelta(hours=2), deputy_ids=[people[0].pk],
                                            slots=[(start, 3), (start + dt.timedelta(hours=1), 3)])
    citizen = resident()
    sign_in_resident(browser_page, citizen)
    browser_page.go(f"/participation/receptions/{reception.pk}/")
    page.locator("#id_slot_0").check()
    page.locator("#id_name").fill("刘女士")
    page.locator("#id_email").fill("liu@example.org")
    page.locator("#id_topic").fill("楼下狗叫扰民")
    browser_page.shot("participation-booking")
    with page.expect_navigation():
        page.locator("button.primary").click()
    booking = Booking.objects.get()
    assert (booking.citizen, booking.channel) == (citizen, "online")

    page.context.clear_cookies()
    sign_in_staff(browser_page, "dispatcher")
    browser_page.go(f"/participation/receptions/{reception.pk}/record/")
    page.locator("#id_deputies_0").check()
    page.locator("#id_attendees").fill("刘女士等3人")
    with page.expect_navigation():
        page.locator("#save-record").click()
    page.locator("#id_deputy").select_option(str(people[0].pk))
    page.locator("#id_citizen_name").fill("刘女士")
    page.locator("#id_citizen_email").fill("liu@example.org")
    page.locator("#id_content").fill("楼下住户的狗夜间持续吠叫，影响休息。")
    page.locator("#id_outcome_1").check()
    page.locator("#id_unit").select_option(str(world.department.pk))
    with page.expect_navigation():
        page.locator("#add-issue").click()
    browser_page.shot("participation-record")
    issue = ReceptionIssue.objects.get()
    assert issue.ticket is not None
    assert (issue.ticket.channel, issue.ticket.status) == ("reception", Status.DISPATCHED)

    complete_dispatched(world, issue.ticket.pk)
    browser_page.go(f"/participation/deputies/{people[0].pk}/")
    with translation.override("zh-hans"):
        completed = str(Status.COMPLETED.label)
    assert page.locator(f"tr[data-issue='{issue.pk}'] .state").inner_text().strip() == completed
    browser_page.shot("participation-followup")

"""In a browser: a surveyor updates a building survey, a rating drop creates a follow-up, a need is matched to a
resource and the project completes."""

from typing import Any

import pytest

from cityloop.conftest import World
from cityloop.network.models import BuildingSurvey, FollowUp, Project, ProjectStatus
from cityloop.network.services import SurveyFacts, survey_record
from cityloop.network.tests.factories import make_network

pytestmark = pytest.mark.django_db(transaction=True)


def test_survey_rating_and_project_in_a_browser(world: World, browser_page: Any) -> None:
    net = make_network(world)
    survey_record(actor=net.users["community"], building_id=net.office.pk, facts=SurveyFacts(
        floors=20, floor_area=30000, property_manager="万物物业", enterprises=12, party_organisations=2,
        party_members=35, station="党建服务站"))
    errors: list[str] = []
    page = browser_page.page
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    browser_page.sign_in("community")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": browser_page.base_url}])

    browser_page.go(f"/network/offices/{net.office.pk}/")
    page.locator("details > summary", has_text="Record a survey").click()
    assert page.get_by_label("Enterprises in the building").input_value() == "12"  # the last survey's facts
    page.get_by_label("Enterprises in the building").fill("14")
    page.get_by_label("Party members").fill("33")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the survey").click()
    assert "2 facts changed" in page.content()
    assert page.locator("table.surveys tbody tr").first.locator(".change").all_inner_texts() == [
        "Enterprises in the building: 12 → 14", "Party members: 35 → 33"]
    assert page.locator("table.surveys tbody tr").last.locator(".changes").inner_text() == "first survey"
    assert BuildingSurvey.objects.count() == 2

    page.select_option(f"#rating-{net.enterprise.pk}", "orange")
    with page.expect_navigation():
        page.get_by_role("button", name="Rate").click()
    assert page.locator("table.follow-ups tr.follow-up").count() == 1
    assert FollowUp.objects.get().station == net.station
    browser_page.shot("network-office")

    browser_page.go(f"/network/meetings/{net.meeting.pk}/")
    suggestions = page.locator("tr.need form.suggestion")
    assert suggestions.count() == 2
    assert "社区食堂" in suggestions.first.inner_text()  # the nearer resource first
    with page.expect_navigation():
        suggestions.first.get_by_role("button", name="Match").click()
    project = Project.objects.get()
    assert project.resource == net.near
    page.get_by_label("Progress (%)").fill("100")
    with page.expect_navigation():
        page.get_by_role("button", name="Save progress").click()
    assert page.locator("tr.project .status").inner_text() == "Completed"
    assert Project.objects.get().status == ProjectStatus.COMPLETED
    browser_page.shot("network-meeting")
    assert errors == []
    assert browser_page.outside == []

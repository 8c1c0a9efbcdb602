"""One deliberation in headless Chromium: topic → meeting → owners' vote → resolution → completion."""

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from cityloop.conftest import World
from cityloop.deliberation.models import Ballot, Statement, StatementVote, Topic

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_deliberation_from_topic_to_completion(world: World, browser_page: Any, tmp_path: Path) -> None:
    errors: list[str] = []
    page = browser_page.page
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_page.sign_in("street_supervisor")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": browser_page.base_url}])

    browser_page.go("/deliberation/new/")
    page.get_by_label("Title").fill("3号楼加装电梯")
    page.get_by_label("Kind").select_option("facility")
    page.get_by_label("Affected area").select_option(label="望江社区")
    page.get_by_label("Owners' committee").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Create topic").click()
    topic = Topic.objects.get()
    assert page.url.endswith(f"/deliberation/{topic.pk}/")

    page.locator("details > summary", has_text="Schedule a meeting").click()
    page.locator("#id_meeting-kind").select_option("hearing")
    page.locator("#id_meeting-starts_at").fill("2030-01-10T19:00")
    page.locator("#id_meeting-place").fill("社区议事厅")
    page.locator("#id_meeting-online_url").fill("https://meet.example/3")
    page.locator("#id_meeting-agenda").fill("方案介绍；听取意见")
    page.locator("#id_meeting-invitees").fill("业委会主任, chair@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Schedule", exact=True).click()
    page.locator("input[name=online]").check()
    page.locator("#id_minutes-minutes").fill("多数居民支持加装")
    with page.expect_navigation():
        page.get_by_role("button", name="Record minutes").click()
    assert "多数居民支持加装" in page.locator(".minutes").inner_text()

    roll = tmp_path / "roll.csv"
    roll.write_text("unit_code,owner_id,owner_name,floor_area\n3-101,A,张三,100\n3-102,A,张三,50\n"
                    "3-201,B,李四,90\n3-202,C,王五,60\n3-301,D,赵六,100\n", encoding="utf-8")
    page.locator("details > summary", has_text="Import an owners' roll").click()
    page.locator("#id_building-code").fill("B3")
    page.locator("#id_building-name").fill("3号楼")
    page.locator("#id_building-declared_area").fill("400")
    page.set_input_files("#id_building-roll", str(roll))
    with page.expect_navigation():
        page.get_by_role("button", name="Import", exact=True).click()
    assert "Owners' roll imported." in page.locator("ul.messages").inner_text()

    page.locator("details > summary", has_text="Open an owners' vote").click()
    page.locator("#id_vote-building").select_option(label="3号楼")
    page.locator("#id_vote-question").fill("是否加装电梯")
    page.locator("#id_vote-matter").select_option("rebuild")
    page.locator("#id_vote-closes_at").fill("2030-02-01T18:00")
    with page.expect_navigation():
        page.get_by_role("button", name="Open vote").click()
    with page.expect_navigation():
        page.get_by_role("link", name="是否加装电梯").click()

    for owner, choice in [("张三 (A)", "for"), ("李四 (B)", "for"), ("赵六 (D)", "for"), ("张三 (A)", "against")]:
        page.locator("#id_ballot-owner").select_option(label=owner)
        page.locator("#id_ballot-choice").select_option(choice)
        with page.expect_navigation():
            page.get_by_role("button", name="Record ballot").click()
    assert "already voted" in page.locator("ul.messages").inner_text()  # the second ballot of 张三 is refused
    assert Ballot.objects.count() == 3
    with page.expect_navigation():
        page.locator("#close-vote").click()
    assert page.locator("#result").inner_text() == "Approved"
    assert page.locator("table.result tbody tr").count() == 4
    browser_page.shot("deliberation-vote")

    with page.expect_navigation():
        page.get_by_role("link", name="3号楼加装电梯").click()
    page.locator("details > summary", has_text="Adopt a resolution").click()
    page.locator("#id_resolution-text").fill("加装电梯，物业公司组织施工")
    page.locator("#id_resolution-responsible").fill("物业公司")
    page.locator("#id_resolution-deadline").fill("2030-06-30")
    with page.expect_navigation():
        page.get_by_role("button", name="Adopt").click()
    for progress in ("40", "100"):
        page.locator("details > summary", has_text="Report progress").click()
        page.locator("#id_progress-progress").fill(progress)
        page.locator("#id_progress-note").fill(f"完成{progress}%")
        with page.expect_navigation():
            page.get_by_role("button", name="Save progress").click()
    assert page.locator("#topic-status").inner_text() == "Completed"

    # a citizen, not signed in, reads the whole history
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": browser_page.base_url}])
    browser_page.go(f"/deliberation/{topic.pk}/")
    history = page.locator("ol.history").inner_text()
    for step in ("Topic proposed", "Hearing", "Vote result published", "Resolution adopted", "Progress 100%"):
        assert step in history
    assert page.locator("details > summary", has_text="Adopt a resolution").count() == 0
    browser_page.shot("deliberation-topic")

    # the online deliberation's group map, drawn by ECharts from the page's own JSON
    statements = [Statement.objects.create(topic=topic, text=f"意见{j}", status="approved", created_at=topic.created_at)
                  for j in range(8)]
    people = get_user_model().objects.bulk_create(get_user_model()(username=f"p{i}") for i in range(20))
    StatementVote.objects.bulk_create(
        StatementVote(statement=st, participant=p, value=1 if j >= 6 else (1 if (i < 10) == (j < 3) else -1))
        for i, p in enumerate(people) for j, st in enumerate(statements))
    browser_page.go(f"/deliberation/{topic.pk}/statements/")
    page.wait_for_selector("#group-map canvas")
    assert "意见6" in page.locator("ul.consensus").inner_text()
    browser_page.shot("deliberation-groups")
    assert errors == []
    assert browser_page.outside == []

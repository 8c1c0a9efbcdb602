"""The pages: refusals shown with a clear message and nothing changed; report, .docx, CSV, access."""

import datetime as dt
from io import BytesIO
from typing import Any

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.participation import services
from cityloop.participation.choices import Decision, Phase
from cityloop.participation.models import Booking, Consultation, Opinion, Reception, SurveyResponse
from cityloop.participation.tests.helpers import DAY, consultation, deputies, resident, station, survey


def client_for(user: Any) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_public_page_shows_sections_and_forms(world: World) -> None:
    item = consultation(world)
    page = client_for(resident()).get(f"/participation/consultations/{item.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('name="body"') == 4  # the whole draft and three sections
    assert "第三条" in text
    assert 'for="id_whole_body"' in text


def test_comment_after_close_shows_message_and_changes_nothing(world: World) -> None:
    item = consultation(world, days_left=-1)
    client = client_for(resident())
    assert 'name="body"' not in client.get(f"/participation/consultations/{item.pk}/").content.decode()
    section = item.versions.get().sections.first()
    page = client.post(f"/participation/consultations/{item.pk}/", {"body": "反对。", "section": section.pk})
    assert page.status_code == 422
    assert "Comments on this draft closed on" in page.content.decode()
    assert Opinion.objects.count() == 0


def test_ten_thousand_word_comment_refused(world: World) -> None:
    item = consultation(world)
    page = client_for(resident()).post(f"/participation/consultations/{item.pk}/", {"body": "意见" * 10_000})
    assert page.status_code == 422
    assert "at most 2000 characters" in page.content.decode()
    assert Opinion.objects.count() == 0


def test_staff_pages_are_for_the_office(world: World) -> None:
    item = consultation(world, phase=Phase.ANALYSIS)
    assert client_for(world.users["handler"]).get(f"/participation/consultations/{item.pk}/analysis/"
                                                  ).status_code == 200
    assert client_for(world.users["other_handler"]).get(f"/participation/consultations/{item.pk}/analysis/"
                                                        ).status_code == 403
    assert client_for(resident()).post(f"/participation/consultations/{item.pk}/analysis/publish/",
                                       {"summary": "x"}).status_code == 403
    draft = consultation(world, phase=Phase.DRAFT)
    assert Client().get(f"/participation/consultations/{draft.pk}/").status_code == 404
    assert Client().get(f"/participation/consultations/{item.pk}/report/").status_code == 404  # not published


def test_report_page_and_docx_list_every_opinion(world: World) -> None:
    item = consultation(world)
    opinions = [services.opinion_submit(actor=resident(n), consultation_id=item.pk, body=text)
                for n, text in enumerate(["支持第二条。", "广告内容"])]
    services.opinion_hide(actor=world.users["handler"], opinion_id=opinions[1].pk, reason="广告")
    services.consultation_advance(actor=world.users["handler"], consultation_id=item.pk)
    staff = client_for(world.users["handler"])
    staff.post(f"/participation/consultations/{item.pk}/analysis/decide/",
               {"opinion": opinions[0].pk, "decision": Decision.ADOPTED, "reason": ""})
    page = staff.post(f"/participation/consultations/{item.pk}/analysis/publish/", {"summary": "感谢参与。"},
                      follow=True)
    text = page.content.decode()
    assert page.request["PATH_INFO"] == f"/participation/consultations/{item.pk}/report/"
    assert text.count("data-opinion=") == 2
    assert "2 opinions received." in text
    download = Client().get(f"/participation/consultations/{item.pk}/report.docx")
    from docx import Document

    table = Document(BytesIO(download.content)).tables[0]
    assert [row.cells[5].text for row in table.rows[1:]] == ["采纳", "未采纳"]  # the default language
    assert "广告" in table.rows[2].cells[4].text


def test_second_survey_response_refused_with_message(world: World) -> None:
    item = survey()
    questions = list(item.questions.order_by("position"))
    data = {f"q{questions[0].pk}": "0", f"q{questions[1].pk}": ["1"], f"q{questions[2].pk}": "3"}
    client = client_for(resident())
    assert client.post(f"/participation/surveys/{item.pk}/", data).status_code == 302
    page = client.post(f"/participation/surveys/{item.pk}/", data)
    assert page.status_code == 422
    assert "already answered" in page.content.decode()
    assert SurveyResponse.objects.count() == 1
    results = Client().get(f"/participation/surveys/{item.pk}/results/")
    assert results.status_code == 200
    assert "survey-charts" in results.content.decode()
    # the responses row by row are for those who run the survey (of no consultation: administrators)
    assert Client().get(f"/participation/surveys/{item.pk}/results.csv").status_code == 302
    assert client.get(f"/participation/surveys/{item.pk}/results.csv").status_code == 403
    csv = client_for(world.users["admin"]).get(f"/participation/surveys/{item.pk}/results.csv")
    assert csv.content.decode("utf-8-sig").splitlines()[1].endswith("是,卫生,3,")


def test_full_slot_booking_refused_with_message(world: World) -> None:
    point = station(world)
    people = deputies(point)
    start = clock.now() + 4 * DAY
    reception = services.reception_schedule(actor=world.users["dispatcher"], station_id=point.pk, topic="养犬",
                                            starts_at=start, ends_at=start + dt.timedelta(hours=2),
                                            deputy_ids=[people[0].pk], slots=[(start, 1)])
    slot = reception.slots.get()
    data = {"slot": slot.pk, "name": "甲", "topic": "狗叫扰民"}
    assert client_for(resident(1)).post(f"/participation/receptions/{reception.pk}/", data).status_code == 302
    page = client_for(resident(2)).post(f"/participation/receptions/{reception.pk}/", data)
    assert page.status_code == 422
    assert "This time slot is full" in page.content.decode()
    assert Booking.objects.count() == 1


def test_email_import_command(world: World, tmp_path: Any) -> None:
    item = consultation(world)
    (tmp_path / "a.eml").write_bytes(b"From: a@example.org\r\nSubject: x\r\nMessage-ID: <1@x>\r\n"
                                     b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "支持。".encode())
    call_command("participation_import_email", "--consultation", str(item.pk), str(tmp_path))
    call_command("participation_import_email", "--consultation", str(item.pk), str(tmp_path / "a.eml"))
    assert list(Opinion.objects.values_list("channel", "body")) == [("email", "支持。")]


def test_pages_query_counts_do_not_grow_with_opinions(world: World, django_assert_max_num_queries: Any) -> None:
    item = consultation(world)
    sections = list(item.versions.get().sections.all())
    for n in range(30):
        services.opinion_submit(actor=resident(n), consultation_id=item.pk, body=f"意见{n}：建议修改。",
                                section_id=sections[n % 3].pk)
    client = client_for(resident(99))
    with django_assert_max_num_queries(12):
        assert client.get(f"/participation/consultations/{item.pk}/").status_code == 200
    staff = client_for(world.users["handler"])
    with django_assert_max_num_queries(14):
        assert staff.get(f"/participation/consultations/{item.pk}/analysis/").status_code == 200
    with django_assert_max_num_queries(10):
        assert staff.get(f"/participation/consultations/{item.pk}/report/").status_code == 200


def test_reception_pages_and_followup_access(world: World) -> None:
    point = station(world)
    people = deputies(point)
    start = clock.now() + 4 * DAY
    reception = services.reception_schedule(actor=world.users["dispatcher"], station_id=point.pk, topic="养犬",
                                            starts_at=start, ends_at=start + dt.timedelta(hours=2),
                                            deputy_ids=[people[0].pk], slots=[(start, 2)])
    listing = Client().get("/participation/receptions/").content.decode()
    assert "滨江街道代表联络站" in listing
    assert "张代表" in listing
    assert client_for(world.users["dispatcher"]).get(f"/participation/receptions/{reception.pk}/record/"
                                                     ).status_code == 200
    assert client_for(world.users["handler"]).get(f"/participation/receptions/{reception.pk}/record/"
                                                  ).status_code == 403
    people[1].user = world.users["other_citizen"]
    people[1].save()
    assert client_for(world.users["other_citizen"]).get(f"/participation/deputies/{people[1].pk}/").status_code == 200
    assert client_for(world.users["other_citizen"]).get(f"/participation/deputies/{people[0].pk}/").status_code == 403
    assert client_for(world.users["dispatcher"]).get(f"/participation/deputies/{people[0].pk}/").status_code == 200


def test_staff_create_a_draft_and_a_new_version(world: World) -> None:
    staff = client_for(world.users["handler"])
    now = timezone.localtime(clock.now())
    page = staff.post("/participation/consultations/new/", {
        "title": "垃圾分类管理办法（草案）", "office": world.department.pk,
        "opens_at": f"{now:%Y-%m-%dT%H:%M}", "closes_at": f"{now + 30 * DAY:%Y-%m-%dT%H:%M}",
        "text": "第一条 为了推进垃圾分类，制定本办法。\n第二条 本办法适用于本市行政区域。\n"})
    assert page.status_code == 302
    item = Consultation.objects.get()
    assert [str(s) for s in item.versions.get().sections.all()] == ["第一条", "第二条"]
    staff.post(f"/participation/consultations/{item.pk}/analysis/version/",
               {"note": "增加第三条", "text": "第一条 甲。\n第二条 乙。\n第三条 丙。"})
    assert list(item.versions.values_list("number", flat=True)) == [2, 1]
    assert client_for(world.users["citizen"]).get("/participation/consultations/new/").status_code == 403


def test_schedule_page_refuses_short_notice(world: World) -> None:
    point = station(world)
    people = deputies(point)
    start = timezone.localtime(clock.now() + DAY)
    data = {"station": point.pk, "topic": "养犬", "starts_at": f"{start:%Y-%m-%dT%H:%M}",
            "ends_at": f"{start + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}", "deputies": [people[0].pk],
            "slot_minutes": 30, "capacity": 3}
    staff = client_for(world.users["dispatcher"])
    page = staff.post("/participation/receptions/", data)
    assert page.status_code == 422
    assert "at least 3 days ahead" in page.content.decode()
    later = timezone.localtime(clock.now() + 5 * DAY)
    data.update(starts_at=f"{later:%Y-%m-%dT%H:%M}", ends_at=f"{later + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}")
    assert staff.post("/participation/receptions/", data).status_code == 302
    assert Reception.objects.get().slots.count() == 4

"""Surveys (one response per verified resident) and the deputies' joint reception tracked to its answer."""

import datetime as dt
from typing import Any

import pytest
from django.core import mail

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.core.errors import ApplicationError, Conflict, InvalidInput, NotFound
from cityloop.participation import selectors, services
from cityloop.participation.choices import BookingChannel, IssueOutcome
from cityloop.participation.models import Answer, Booking, Opinion, Reception, ReceptionIssue, SurveyResponse
from cityloop.participation.tests.helpers import (
    DAY,
    complete_dispatched,
    consultation,
    deputies,
    resident,
    station,
    survey,
)
from cityloop.security.models import AuditEntry


def answers_for(item, **overrides):  # type: ignore[no-untyped-def]
    questions = list(item.questions.order_by("position"))
    answers = {questions[0].pk: 0, questions[1].pk: [0, 2], questions[2].pk: 4, questions[3].pk: "建议多建遛狗公园"}
    for position, value in overrides.items():
        answers[questions[int(position[1:]) - 1].pk] = value
    return answers


def test_survey_response_once_and_results(world: World) -> None:
    draft = consultation(world)
    item = survey(draft.pk)
    services.survey_respond(actor=resident(1), survey_id=item.pk, answers=answers_for(item))
    services.survey_respond(actor=resident(2), survey_id=item.pk, answers=answers_for(item, q1=1, q4=""))
    with pytest.raises(Conflict, match="already answered"):
        services.survey_respond(actor=resident(1), survey_id=item.pk, answers=answers_for(item))
    assert (SurveyResponse.objects.count(), Answer.objects.count()) == (2, 8)
    results = selectors.survey_results(item)
    assert results[0]["counts"] == [1, 1]
    assert results[1]["counts"] == [2, 0, 2]
    assert results[2]["counts"] == [0, 0, 0, 2, 0]
    assert results[3]["texts"] == ["建议多建遛狗公园"]
    rows = selectors.survey_csv_rows(item)
    assert rows[1][1:] == ["是", "噪音; 安全", "4", "建议多建遛狗公园"]
    assert Opinion.objects.get().channel == "survey"


@pytest.mark.parametrize(("overrides", "code"), [
    ({"q1": 5}, "invalid_answer"), ({"q3": 9}, "invalid_answer"), ({"q1": ""}, "field_required"),
    ({"q4": "长" * 3000}, "too_long"),
])
def test_bad_survey_answers_change_nothing(world: World, overrides: dict[str, object], code: str) -> None:
    item = survey()
    with pytest.raises(ApplicationError) as refused:
        services.survey_respond(actor=resident(), survey_id=item.pk, answers=answers_for(item, **overrides))
    assert refused.value.code == code
    assert (SurveyResponse.objects.count(), Answer.objects.count()) == (0, 0)


def test_unverified_cannot_answer(world: World) -> None:
    item = survey()
    with pytest.raises(services.Forbidden):
        services.survey_respond(actor=world.users["citizen"], survey_id=item.pk, answers=answers_for(item))


def schedule(world: World, capacity: int = 1) -> Reception:
    point = station(world)
    people = deputies(point)
    start = clock.now() + 4 * DAY
    return services.reception_schedule(actor=world.users["dispatcher"], station_id=point.pk, topic="养犬管理",
                                       starts_at=start, ends_at=start + dt.timedelta(hours=3),
                                       deputy_ids=[d.pk for d in people], slots=[(start, capacity)])


def test_schedule_at_least_three_days_ahead(world: World) -> None:
    point = station(world)
    people = deputies(point)
    start = clock.now() + 2 * DAY
    with pytest.raises(InvalidInput, match="3 days"):
        services.reception_schedule(actor=world.users["dispatcher"], station_id=point.pk, topic="x",
                                    starts_at=start, ends_at=start + DAY, deputy_ids=[people[0].pk],
                                    slots=[(start, 5)])
    assert Reception.objects.count() == 0


def test_full_slot_refused(world: World) -> None:
    reception = schedule(world, capacity=1)
    slot = reception.slots.get()
    services.booking_create(actor=resident(1), slot_id=slot.pk, name="居民甲", topic="遛狗不牵绳")
    with pytest.raises(Conflict, match="full"):
        services.booking_create(actor=resident(2), slot_id=slot.pk, name="居民乙", topic="噪音")
    with pytest.raises(Conflict, match="full"):  # by phone as well
        services.booking_create(actor=world.users["dispatcher"], slot_id=slot.pk, name="居民丙", topic="噪音",
                                channel=BookingChannel.PHONE)
    assert Booking.objects.count() == 1


def test_reception_issue_becomes_a_ticket_and_its_completion_is_followed(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    reception = schedule(world, capacity=5)
    slot = reception.slots.get()
    booking = services.booking_create(actor=resident(1), slot_id=slot.pk, name="居民甲", topic="楼下狗叫扰民",
                                      email="jia@example.org")
    people = list(reception.deputies.order_by("name"))
    staff = world.users["dispatcher"]
    services.reception_record(actor=staff, reception_id=reception.pk, deputy_ids=[p.pk for p in people[:2]],
                              attendees="居民甲等5人")
    deputy = people[0]
    issue = services.reception_issue_add(actor=staff, reception_id=reception.pk, data=services.IssueInput(
        deputy_id=deputy.pk, citizen_name="居民甲", citizen_email="jia@example.org", content="楼下狗叫扰民，夜间尤甚。",
        outcome=IssueOutcome.TICKET, unit_id=world.department.pk, booking_id=booking.pk))
    assert issue.ticket is not None
    assert (issue.ticket.channel, issue.ticket.status, issue.ticket.unit_id) == (
        "reception", "dispatched", world.department.pk)
    with django_capture_on_commit_callbacks(execute=True):
        spot = services.reception_issue_add(actor=staff, reception_id=reception.pk, data=services.IssueInput(
            deputy_id=deputy.pk, citizen_name="居民乙", citizen_email="yi@example.org", content="养犬登记在哪里办？",
            outcome=IssueOutcome.ANSWERED, answer="在社区服务中心办理。"))
    motion = services.reception_issue_add(actor=staff, reception_id=reception.pk, data=services.IssueInput(
        deputy_id=deputy.pk, citizen_name="居民丙", content="建议修订养犬条例", outcome=IssueOutcome.MOTION,
        motion_ref="建议第12号"))
    assert spot.answered_at is not None
    assert [m.to for m in mail.outbox] == [["yi@example.org"]]

    follow = {row.issue.pk: row for row in selectors.deputy_followup(deputy)}
    assert (follow[issue.pk].answered, follow[motion.pk].answered, follow[spot.pk].answered) == (False, False, True)
    complete_dispatched(world, issue.ticket.pk)  # signed → in progress → completed, by the handler
    follow = {row.issue.pk: row for row in selectors.deputy_followup(deputy)}
    assert (follow[issue.pk].answered, follow[issue.pk].in_time) == (True, True)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reception_issues_follow_tickets() == 1
    assert mail.outbox[-1].to == ["jia@example.org"]
    with pytest.raises(NotFound):  # through another deputy's page: nothing is answered
        services.reception_issue_answer(actor=staff, issue_id=motion.pk, answer="已列入立法计划。",
                                        deputy_id=people[1].pk)
    assert not ReceptionIssue.objects.filter(pk=motion.pk, answered_at__isnull=False).exists()
    services.reception_issue_answer(actor=staff, issue_id=motion.pk, answer="已列入立法计划。", deputy_id=deputy.pk)
    assert AuditEntry.objects.filter(action="reception.issue_answer", object_id=str(motion.pk), actor=staff).exists()
    figures = {row["deputy"].pk: row for row in selectors.deputy_figures()}
    assert (figures[deputy.pk]["held"], figures[deputy.pk]["raised"], figures[deputy.pk]["share"]) == (1, 3, 100)
    assert (figures[people[1].pk]["held"], figures[people[1].pk]["raised"]) == (1, 0)
    assert ReceptionIssue.objects.filter(answered_at__isnull=True).count() == 0


def test_issue_ticket_waits_in_queue_without_dispatch_right(world: World) -> None:
    reception = schedule(world)
    services.reception_record(actor=world.users["operator"], reception_id=reception.pk,
                              deputy_ids=[reception.deputies.first().pk], attendees="3人")  # type: ignore[union-attr]
    deputy = reception.deputies.first()
    issue = services.reception_issue_add(actor=world.users["operator"], reception_id=reception.pk,
                                         data=services.IssueInput(deputy_id=deputy.pk, citizen_name="甲",  # type: ignore[union-attr]
                                                                  content="路灯坏了", outcome=IssueOutcome.TICKET,
                                                                  unit_id=world.street_office.pk))
    assert issue.ticket is not None
    assert issue.ticket.status == "received"

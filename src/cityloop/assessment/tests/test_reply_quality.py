import datetime as dt
from typing import Any

from django.test import Client

from cityloop.assessment import services
from cityloop.assessment.models import ReplyScore, SupervisorReview
from cityloop.assessment.reply_quality import completeness, demand_points, explanation, score_reply, timeliness
from cityloop.conftest import World
from cityloop.core import clock
from cityloop.tickets.calendar import working_calendar
from cityloop.tickets.models import Ticket
from cityloop.tickets.services import TransitionInput, ticket_transition
from cityloop.tickets.tests.flows import drive, new_ticket

DEMAND = "小区门口垃圾三天没人清运。请问环卫部门什么时候来清理？能否增加清运频次？"
GOOD = ("您好，经核实，小区门口垃圾已于当日清运完毕。根据《城市市容和环境卫生管理条例》第二十八条，"
        "环卫部门将增加清运频次为每日两次，清理时间为每天上午。下一步将加强巡查。如有疑问请拨打联系电话0731-88886666。")
BAD = "您好，感谢您的来信，已转相关部门。"


def test_parts() -> None:
    assert demand_points(DEMAND)[0].startswith("请问")  # questions first
    assert explanation(GOOD) == 1.0
    assert explanation(BAD) == 0.0
    assert completeness(DEMAND, GOOD) > completeness(DEMAND, BAD)
    assert (timeliness(2), timeliness(13), timeliness(30)) == (1.0, 0.5, 0.0)
    good, bad = score_reply(demand=DEMAND, reply=GOOD), score_reply(demand=DEMAND, reply=BAD)
    assert good.relevance > bad.relevance
    assert good.total > 0.6
    assert bad.total < 0.3


def test_working_days_on_the_chinese_calendar(world: World) -> None:
    cal = working_calendar()
    # Friday 09:00 local to Monday 09:00: one working day (the weekend does not count) ...
    start = dt.datetime(2026, 10, 16, 1, 0, tzinfo=dt.UTC)
    q = score_reply(demand=DEMAND, reply=GOOD, received_at=start, replied_at=start + dt.timedelta(days=3),
                    calendar=cal)
    assert q.working_days == 1.0
    # ... but Saturday 2026-10-10 is a make-up workday (调休) after the National Day holiday: two
    start = dt.datetime(2026, 10, 9, 1, 0, tzinfo=dt.UTC)
    q = score_reply(demand=DEMAND, reply=GOOD, received_at=start, replied_at=start + dt.timedelta(days=3),
                    calendar=cal)
    assert q.working_days == 2.0


def complete(world: World, reply: str, capture: Any) -> Ticket:
    """Complete a ticket through the workflow and run what follows its commit, as a request would."""
    ticket = drive(world, new_ticket(world, description=DEMAND), "in_progress")
    with capture(execute=True):
        ticket_transition(ticket_id=ticket.pk, action="complete", actor=world.users["handler"],
                          params=TransitionInput(reply=reply))
    return ticket


def test_completion_scores_the_reply(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with clock.frozen_at(dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)):
        good = complete(world, GOOD, django_capture_on_commit_callbacks)
        bad = complete(world, BAD, django_capture_on_commit_callbacks)
    scores = {s.ticket_id: s for s in ReplyScore.objects.all()}
    assert scores[good.pk].total > 0.6
    assert scores[bad.pk].total < 0.3
    assert scores[good.pk].working_days == 0.0
    assert list(SupervisorReview.objects.values_list("ticket_id", "kind")) == [(bad.pk, "reply_quality")]
    # the supervisor finds it on the review page
    client = Client()
    client.force_login(world.users["supervisor"])
    assert [r.ticket_id for r in client.get("/supervision/reviews/").context["reviews"]] == [bad.pk]


def test_a_direct_answer_is_scored_too(world: World, django_capture_on_commit_callbacks: Any) -> None:
    ticket = new_ticket(world, ticket_type="inquiry", description=DEMAND)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_transition(ticket_id=ticket.pk, action="answer", actor=world.users["operator"],
                          params=TransitionInput(reply=BAD))
    assert ReplyScore.objects.get().ticket_id == ticket.pk
    assert SupervisorReview.objects.get().ticket_id == ticket.pk


def test_reopened_and_completed_again_is_scored_again(world: World, django_capture_on_commit_callbacks: Any) -> None:
    ticket = complete(world, BAD, django_capture_on_commit_callbacks)
    services.callback_record(ticket_id=ticket.pk, actor=world.users["operator"], resolved=False,
                             satisfaction="unsatisfied")
    with django_capture_on_commit_callbacks(execute=True):
        for action, params in (("sign", {}), ("contact", {"note": "已联系"}), ("complete", {"reply": GOOD})):
            ticket_transition(ticket_id=ticket.pk, action=action, actor=world.users["handler"],
                              params=TransitionInput(**params))
    assert ReplyScore.objects.get(ticket=ticket).total > 0.6  # one score per ticket: its latest reply


def test_a_failing_follower_never_undoes_the_completion(world: World,
                                                       django_capture_on_commit_callbacks: Any) -> None:
    """The tickets layer's extension point: a follower that fails is logged; the action and the other
    followers (the reply score) stand."""
    from cityloop.tickets.services import FOLLOWERS

    def broken(ticket_id: int) -> None:
        raise RuntimeError(f"follower failed on {ticket_id}")

    FOLLOWERS["complete"].insert(0, broken)
    try:
        ticket = complete(world, GOOD, django_capture_on_commit_callbacks)
    finally:
        FOLLOWERS["complete"].remove(broken)
    ticket.refresh_from_db()
    assert ticket.status == "completed"
    assert ReplyScore.objects.filter(ticket=ticket).exists()

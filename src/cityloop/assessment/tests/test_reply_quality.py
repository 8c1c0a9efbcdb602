import datetime as dt

from cityloop.assessment import services
from cityloop.assessment.models import ReplyScore, SupervisorReview
from cityloop.assessment.reply_quality import completeness, demand_points, explanation, score_reply, timeliness
from cityloop.conftest import World
from cityloop.core import clock
from cityloop.tickets.calendar import working_calendar
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


def test_low_reply_goes_to_review(world: World) -> None:
    with clock.frozen_at(dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)):
        ticket = drive(world, new_ticket(world), "in_progress")
        ticket_transition(ticket_id=ticket.pk, action="complete", actor=world.users["handler"],
                          params=TransitionInput(reply=BAD))
        score = services.reply_score_record(ticket_id=ticket.pk)
    assert score.total < 0.3
    assert ReplyScore.objects.count() == 1
    assert SupervisorReview.objects.get(ticket=ticket).kind == "reply_quality"

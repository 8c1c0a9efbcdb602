import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cityloop.tickets.calendar import WorkingCalendar, official_exceptions, parse_working_hours, working_calendar
from cityloop.tickets.choices import LimitUnit
from cityloop.tickets.defaults import missing_calendar_years
from cityloop.tickets.models import CalendarDay, CalendarYear

SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def calendar(world: object) -> WorkingCalendar:
    return working_calendar()


def test_seven_working_days_from_national_day_eve(calendar: WorkingCalendar) -> None:
    # 1-7 Oct 2026 are holidays, Sat 10 Oct is a make-up workday: Oct 8, 9, 10, 12, 13, 14, 15.
    assert calendar.add(at(2026, 9, 30, 17, 0), 7, LimitUnit.WORKING_DAYS) == at(2026, 10, 15, 17, 30)


def test_day_periods_start_the_next_day_whatever_the_hour(calendar: WorkingCalendar) -> None:
    assert calendar.add(at(2026, 9, 30, 9, 0), 1, LimitUnit.WORKING_DAYS) == at(2026, 10, 8, 17, 30)
    assert calendar.add(at(2026, 9, 30, 23, 59), 1, LimitUnit.WORKING_DAYS) == at(2026, 10, 8, 17, 30)


def test_make_up_saturday_counts_and_holiday_monday_does_not(calendar: WorkingCalendar) -> None:
    assert calendar.is_workday(dt.date(2026, 10, 10))  # Saturday, 调休
    assert not calendar.is_workday(dt.date(2026, 10, 5))  # Monday, National Day
    assert not calendar.is_workday(dt.date(2026, 10, 11))  # plain Sunday


def test_working_hours_skip_lunch_nights_and_holidays(calendar: WorkingCalendar) -> None:
    assert calendar.add(at(2026, 9, 29, 11, 0), 2, LimitUnit.WORKING_HOURS) == at(2026, 9, 29, 14, 0)
    # 17:00 on the eve: half an hour that day, then nothing until the 8th.
    assert calendar.add(at(2026, 9, 30, 17, 0), 2, LimitUnit.WORKING_HOURS) == at(2026, 10, 8, 10, 30)
    # Received at night: the clock starts when the office opens.
    assert calendar.add(at(2026, 10, 8, 22, 0), 2, LimitUnit.WORKING_HOURS) == at(2026, 10, 9, 11, 0)


def test_natural_hours_ignore_the_calendar(calendar: WorkingCalendar) -> None:
    assert calendar.add(at(2026, 10, 1, 8, 0), 24, LimitUnit.HOURS) == at(2026, 10, 2, 8, 0)


def test_working_seconds_between_and_shift_are_inverse(calendar: WorkingCalendar) -> None:
    start, end = at(2026, 9, 29, 10, 0), at(2026, 10, 9, 10, 0)
    # 29 Sep: 10-12, 13-17:30 = 6.5 h; 30 Sep 7.5 h; 8 Oct 7.5 h; 9 Oct 9-10 = 1 h.
    assert calendar.working_seconds_between(start, end) == pytest.approx((6.5 + 7.5 + 7.5 + 1) * 3600)
    due = at(2026, 10, 12, 17, 30)
    assert calendar.shift(due, start, end) == calendar.add_working_seconds(due, 22.5 * 3600)


def test_spring_festival_2026(calendar: WorkingCalendar) -> None:
    # Spring Festival 2026: 15-23 Feb off, Sat 14 Feb and Sat 28 Feb are make-up workdays.
    assert calendar.is_workday(dt.date(2026, 2, 14))
    assert not calendar.is_workday(dt.date(2026, 2, 16))
    assert calendar.add(at(2026, 2, 13, 12, 0), 2, LimitUnit.WORKING_DAYS) == at(2026, 2, 24, 17, 30)


def test_unknown_year_falls_back_to_weekends_and_is_reported(world: object) -> None:
    calendar = working_calendar()
    assert not calendar.knows(2027)
    assert calendar.is_workday(dt.date(2027, 1, 1))  # a Friday; New Year's Day not entered yet
    assert missing_calendar_years(dt.date(2026, 11, 29)) == [2027]
    assert official_exceptions(2027) == {}


def test_entered_year_is_used(world: object) -> None:
    CalendarYear.objects.create(year=2027, source="admin")
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, name="元旦")
    from cityloop.tickets.calendar import reset_working_calendar

    reset_working_calendar()
    calendar = working_calendar()
    assert calendar.knows(2027)
    assert not calendar.is_workday(dt.date(2027, 1, 1))
    assert missing_calendar_years(dt.date(2026, 11, 29)) == []


def test_working_hours_must_be_ordered() -> None:
    assert parse_working_hours("09:00-12:00,13:00-17:30")[1] == (dt.time(13), dt.time(17, 30))
    with pytest.raises(ValueError, match="ordered"):
        parse_working_hours("13:00-17:30,09:00-12:00")

"""Working time on the Chinese official calendar: holidays and make-up workdays (调休), office hours.

Periods follow the Civil Code (arts. 201-203): a period counted in days starts on the day after the event,
and ends when business closes on its last day. Periods in working hours count office hours only.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import chinese_calendar
from django.db.models import Count, Max, Q
from django.utils import timezone

from cityloop.core.conf import platform_setting
from cityloop.core.refreshing import Refreshing
from cityloop.tickets.choices import LimitUnit

ONE_DAY = dt.timedelta(days=1)


def parse_working_hours(spec: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """"09:00-12:00,13:00-17:30" → ((09:00, 12:00), (13:00, 17:30)), checked to be ordered and disjoint."""
    windows: list[tuple[dt.time, dt.time]] = []
    for part in spec.split(","):
        start, end = (dt.time.fromisoformat(value.strip()) for value in part.split("-"))
        if not start < end or (windows and windows[-1][1] > start):
            raise ValueError(f"working hours must be ordered, disjoint windows: {spec!r}")
        windows.append((start, end))
    return tuple(windows)


@dataclass(frozen=True)
class WorkingCalendar:
    exceptions: dict[dt.date, bool]  # days that break the Monday-to-Friday rule → is it a working day
    known_years: frozenset[int]
    windows: tuple[tuple[dt.time, dt.time], ...]
    tz: dt.tzinfo

    def is_workday(self, day: dt.date) -> bool:
        return self.exceptions.get(day, day.weekday() < 5)

    def knows(self, year: int) -> bool:
        return year in self.known_years

    def _local(self, moment: dt.datetime) -> dt.datetime:
        return timezone.localtime(moment, self.tz)

    def _spans(self, day: dt.date) -> Iterable[tuple[dt.datetime, dt.datetime]]:
        if self.is_workday(day):
            for start, end in self.windows:
                yield (dt.datetime.combine(day, start, self.tz), dt.datetime.combine(day, end, self.tz))

    def close_of_business(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.windows[-1][1], self.tz)

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Close of business on the `days`-th working day after the day of `start`."""
        day = self._local(start).date()
        remaining = days
        while remaining > 0:
            day += ONE_DAY
            remaining -= self.is_workday(day)
        if days == 0 and not self.is_workday(day):
            return self.add_working_days(start, 1)
        return self.close_of_business(day)

    def add_working_seconds(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The moment when `seconds` of office time have passed since `start`."""
        local = self._local(start)
        day, remaining = local.date(), seconds
        for _ in range(3660):  # ten years of days: a bound, not a limit anyone reaches
            for span_start, span_end in self._spans(day):
                begin = max(span_start, local)
                if begin >= span_end:
                    continue
                available = (span_end - begin).total_seconds()
                if remaining <= available:
                    return begin + dt.timedelta(seconds=remaining)
                remaining -= available
            day += ONE_DAY
        raise ValueError("working-time period too long")

    def working_seconds_between(self, start: dt.datetime, end: dt.datetime) -> float:
        if end <= start:
            return 0.0
        first, last = self._local(start), self._local(end)
        total, day = 0.0, first.date()
        while day <= last.date():
            for span_start, span_end in self._spans(day):
                begin, finish = max(span_start, first), min(span_end, last)
                if finish > begin:
                    total += (finish - begin).total_seconds()
            day += ONE_DAY
        return total

    def add(self, start: dt.datetime, amount: int, unit: str) -> dt.datetime:
        if unit == LimitUnit.HOURS:
            return start + dt.timedelta(hours=amount)
        if unit == LimitUnit.WORKING_HOURS:
            return self.add_working_seconds(start, amount * 3600)
        if unit == LimitUnit.WORKING_DAYS:
            return self.add_working_days(start, amount)
        raise ValueError(f"unknown unit of time: {unit}")

    def shift(self, moment: dt.datetime, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        """Push a deadline back by the office time between `start` and `end` (a suspension)."""
        return self.add_working_seconds(moment, self.working_seconds_between(start, end))

    def point_at_share(self, start: dt.datetime, due: dt.datetime, share: float, unit: str) -> dt.datetime:
        """When `share` of the limit from `start` to `due` has elapsed, in the limit's own kind of time."""
        if unit == LimitUnit.HOURS:
            return start + (due - start) * share
        return self.add_working_seconds(start, self.working_seconds_between(start, due) * share)


def official_exceptions(year: int) -> dict[dt.date, tuple[bool, str]]:
    """Holidays on weekdays and make-up workdays of `year` from `chinese_calendar`; empty if it does not know it."""
    day, result = dt.date(year, 1, 1), {}
    try:
        while day.year == year:
            workday = chinese_calendar.is_workday(day)
            if workday != (day.weekday() < 5):
                _, name = chinese_calendar.get_holiday_detail(day)
                result[day] = (workday, name or "")
            day += ONE_DAY
    except NotImplementedError:
        return {}
    return result


@cache
def _windows() -> tuple[tuple[dt.time, dt.time], ...]:
    return parse_working_hours(str(platform_setting("WORKING_HOURS")))


def _load_calendar() -> WorkingCalendar:
    from cityloop.tickets.models import CalendarDay, CalendarYear

    return WorkingCalendar(
        exceptions=dict(CalendarDay.objects.values_list("date", "is_workday")),
        known_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
        windows=_windows(),
        tz=timezone.get_default_timezone(),
    )


def _calendar_signature() -> tuple[object, ...]:
    from cityloop.tickets.models import CalendarDay, CalendarYear

    days = CalendarDay.objects.aggregate(n=Count("pk"), last=Max("pk"), work=Count("pk", filter=Q(is_workday=True)))
    return days["n"], days["last"], days["work"], CalendarYear.objects.count()


_current = Refreshing(_load_calendar, _calendar_signature)


def working_calendar() -> WorkingCalendar:
    """The calendar as entered in the database (holidays, make-up workdays, known years)."""
    return _current.get()


def reset_working_calendar() -> None:
    _current.reset()

"""What a new installation starts with: the official calendar and the default time limits (SPEC §2.3)."""

import datetime as dt

import chinese_calendar
from django.db import transaction

from cityloop.tickets.calendar import official_exceptions, reset_working_calendar
from cityloop.tickets.choices import LimitUnit, Stage, TicketType, Urgency
from cityloop.tickets.models import CalendarDay, CalendarYear, Category, TimeLimitPolicy

# Second-level category of the water, power, gas and heating utilities (see taxonomy.py).
UTILITIES_CATEGORY_CODE = "0103"


def calendar_seed() -> list[int]:
    """Enter every year `chinese_calendar` knows that is not entered yet; returns the years added."""
    first = min(chinese_calendar.holidays).year
    last = max(chinese_calendar.holidays).year
    known = set(CalendarYear.objects.values_list("year", flat=True))
    added = []
    with transaction.atomic():
        for year in range(first, last + 1):
            if year in known:
                continue
            days = official_exceptions(year)
            CalendarDay.objects.bulk_create(
                [CalendarDay(date=day, is_workday=workday, name=name) for day, (workday, name) in days.items()],
                ignore_conflicts=True)
            CalendarYear.objects.create(year=year, source="chinese_calendar")
            added.append(year)
    reset_working_calendar()
    return added


def time_limits_seed() -> int:
    """The SPEC defaults, entered once; an administrator edits them afterwards."""
    if TimeLimitPolicy.objects.exists():
        return 0
    utilities = Category.objects.filter(code=UTILITIES_CATEGORY_CODE).first()
    rows = [
        TimeLimitPolicy(stage=Stage.SIGN, amount=2, limit_unit=LimitUnit.WORKING_HOURS),
        TimeLimitPolicy(stage=Stage.CONTACT, amount=1, limit_unit=LimitUnit.WORKING_DAYS),
        TimeLimitPolicy(stage=Stage.CONTACT, urgency=Urgency.EMERGENCY, amount=2, limit_unit=LimitUnit.HOURS),
        TimeLimitPolicy(stage=Stage.COMPLETE, amount=7, limit_unit=LimitUnit.WORKING_DAYS),
        TimeLimitPolicy(stage=Stage.COMPLETE, is_complex=True, amount=15, limit_unit=LimitUnit.WORKING_DAYS),
        TimeLimitPolicy(stage=Stage.COMPLETE, ticket_type=TicketType.INQUIRY, amount=3,
                        limit_unit=LimitUnit.WORKING_DAYS),
    ]
    if utilities is not None:
        rows.append(TimeLimitPolicy(stage=Stage.COMPLETE, category=utilities, amount=24,
                                    limit_unit=LimitUnit.HOURS))
    TimeLimitPolicy.objects.bulk_create(rows)
    return len(rows)


def missing_calendar_years(today: dt.date) -> list[int]:
    """This year and next, where not entered: the administrator is warned until they are."""
    known = set(CalendarYear.objects.values_list("year", flat=True))
    return [year for year in (today.year, today.year + 1) if year not in known]

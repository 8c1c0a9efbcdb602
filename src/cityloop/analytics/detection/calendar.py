"""Chinese calendar covariates for daily baselines (holidays, Spring Festival, make-up workdays)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

HOLIDAY_COLUMNS = ("holiday", "spring_festival", "makeup_workday")


@lru_cache(maxsize=4096)
def _day_flags(day: dt.date) -> tuple[float, float, float]:
    weekend = day.weekday() >= 5
    try:
        import chinese_calendar

        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        workday = chinese_calendar.is_workday(day)
    except (ImportError, NotImplementedError):
        # chinese_calendar only knows published years: beyond them weekends are the only days off,
        # which the weekday terms already carry, so every indicator is zero.
        return (0.0, 0.0, 0.0)
    festival = bool(on_holiday and name is not None)
    spring = festival and name == "Spring Festival"
    makeup = bool(workday and weekend)
    return (float(festival), float(spring), float(makeup))


def calendar_covariates(dates: Sequence[dt.date]) -> np.ndarray:
    """(T, 3) indicators: statutory holiday period, Spring Festival, make-up workday (调休)."""
    if len(dates) == 0:
        return np.zeros((0, len(HOLIDAY_COLUMNS)))
    return np.array([_day_flags(d) for d in dates], dtype=float)


def date_range(start: dt.date, n: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(n)]

"""The working calendar: when reps and marketers are on duty. Time is in days; day 0 is a Monday."""

from __future__ import annotations

import math
from collections.abc import Iterator

from orgsim.config import Calendar


class WorkCalendar:
    """Working days and hours of a :class:`~orgsim.config.Calendar`."""

    def __init__(self, calendar: Calendar):
        self.always_on = not calendar.business_hours
        self.start_fraction = calendar.workday_start_hour / 24.0
        self.end_fraction = calendar.workday_end_hour / 24.0
        self.workdays_per_week = calendar.workdays_per_week
        self.hours_per_workday = calendar.workday_end_hour - calendar.workday_start_hour

    def is_workday(self, day: int) -> bool:
        """Whether calendar day ``day`` (an integer) is a working day."""
        return day % 7 < self.workdays_per_week

    def shifts(self, from_day: float = 0.0) -> Iterator[tuple[float, float]]:
        """Successive (start, end) times of working shifts that end after ``from_day``."""
        day = math.floor(from_day)
        while True:
            if self.is_workday(day):
                start, end = day + self.start_fraction, day + self.end_fraction
                if end > from_day:
                    yield max(start, from_day), end
            day += 1

    # -- the working-time clock (reps' queue checks are spaced in working hours) ---------------
    @property
    def duty_hours_per_day(self) -> float:
        """Mean on-duty hours per calendar day (24 when always on)."""
        if self.always_on:
            return 24.0
        return self.hours_per_workday * self.workdays_per_week / 7.0

    def work_hours_at(self, t: float) -> float:
        """Working hours elapsed from time 0 to time ``t`` (days)."""
        if self.always_on:
            return t * 24.0
        h, d = self.hours_per_workday, self.workdays_per_week
        week = math.floor(t / 7.0)
        in_week = t - 7.0 * week
        day = math.floor(in_week)
        hours = week * h * d + min(day, d) * h
        if day < d:
            hours += min(max((in_week - day - self.start_fraction) * 24.0, 0.0), h)
        return hours

    def time_at_work_hours(self, w: float) -> float:
        """The time (days) at which ``w`` working hours have elapsed; a ``w`` that ends a
        shift maps to the start of the next one (when a rep can act on it)."""
        if self.always_on:
            return w / 24.0
        h, d = self.hours_per_workday, self.workdays_per_week
        week = math.floor(w / (h * d))
        rest = w - week * h * d
        day = min(math.floor(rest / h), d)
        within = rest - day * h
        if day == d:  # rounding at the end of a week: the start of the next
            week, day, within = week + 1, 0, 0.0
        return week * 7.0 + day + self.start_fraction + within / 24.0

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

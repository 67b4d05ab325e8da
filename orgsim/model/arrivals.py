"""When in the week inbound leads arrive (MODEL.md 3.1): the working-hours profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from orgsim.model.calendar import WorkCalendar


#: At most this many uniforms are placed in Python floats rather than numpy arrays (see ``place``).
_FEW = 8
#: The largest float below 1: a time of day stays inside its day.
_BELOW_ONE = float(np.nextafter(1.0, 0.0))


class ArrivalProfile:
    """When in the week inbound leads arrive: a share ``working_hours_share`` of them within the
    calendar's working hours, the rest evenly over the other hours. A day's candidates are a
    Poisson count at the thinning bound times the day's :meth:`mass` (its share of the week's
    arrivals, relative to an even spread), placed in the day by the inverse of the day's
    piecewise-constant arrival density (:meth:`place`): monotone, so sorted uniforms stay sorted.
    With an always-on calendar, or a share equal to the working hours' share of the week, every
    day has mass 1 and the arrivals are even."""

    def __init__(self, calendar: WorkCalendar, working_hours_share: float):
        self.start, self.end = calendar.start_fraction, calendar.end_fraction
        self.calendar = calendar
        window = self.end - self.start
        week_share = calendar.workdays_per_week * window / 7.0  # working hours' share of the week
        if calendar.always_on or week_share <= 0.0 or week_share >= 1.0:
            self.inside = self.outside = 1.0
        else:
            self.inside = working_hours_share / week_share  # density in working hours, relative to even
            self.outside = (1.0 - working_hours_share) / (1.0 - week_share)
        self.workday_mass = self.inside * window + self.outside * (1.0 - window)
        self.even = self.inside == self.outside
        total = self.workday_mass
        self._before = self.outside * self.start / total  # the CDF of a workday at the window's start
        self._within = self._before + self.inside * window / total  # at its end

    def mass(self, day: int) -> float:
        """The day's arrivals relative to an even spread (1 on average over a week)."""
        if self.even:
            return 1.0
        return self.workday_mass if self.calendar.is_workday(day) else self.outside

    def place(self, day: int, u: np.ndarray) -> None:
        """Turn sorted uniforms into sorted times of day (fractions), in place.

        A few uniforms are placed by :meth:`place_few`: the same bits without a dozen numpy calls."""
        if self.even or not self.calendar.is_workday(day):
            return
        if len(u) <= _FEW:
            u[:] = self.place_few(day, u.tolist())
            return
        start, end, total = self.start, self.end, self.workday_mass
        before, within = self._before, self._within
        out = np.where(
            u < before,
            u * total / self.outside,
            np.where(u < within, start + (u - before) * total / self.inside, end + (u - within) * total / self.outside),
        )
        np.minimum(out, _BELOW_ONE, out=u)

    def place_few(self, day: int, u: list[float]) -> list[float]:
        """:meth:`place` for a few uniforms (a day's referral leads) in Python floats: the same
        IEEE operations as the numpy expressions, so the same bits."""
        if self.even or not self.calendar.is_workday(day):
            return u
        start, end, total = self.start, self.end, self.workday_mass
        before, within, inside, outside = self._before, self._within, self.inside, self.outside
        times = []
        for x in u:
            if x < before:
                t = x * total / outside
            elif x < within:
                t = start + (x - before) * total / inside
            else:
                t = end + (x - within) * total / outside
            times.append(min(t, _BELOW_ONE))
        return times

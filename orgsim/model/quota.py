"""Quarters (MODEL.md 3.9): the headcount plan and quota pressure.

At each quarter start the growth stage's hires join (``growth.rep_hires_per_quarter``) and
the pressure is reset; at each of ``leadership.pressure_check_days`` into the quarter, the
shortfall of quarter-to-date bookings against the pro-rated quota becomes pressure. The
leader's quota sensitivity turns it into rush campaigns that preempt long-term marketing work
and into a deeper discount (seed 004: 90-day quotas 'whittled away' strategic commitments).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from simpy.events import Timeout

if TYPE_CHECKING:
    import simpy

    from orgsim.config import Leadership
    from orgsim.model.recorder import Counters


class Quarters:
    """The quarter cycle: hires at each start, pressure checks within.

    Wired by callbacks: ``reps()`` is the current headcount, ``hire(n)`` adds reps,
    ``rush(n)`` launches rush marketing projects, ``discount(extra)`` sets the pressure
    discount and ``clear_discount()`` drops it. ``quota_sensitivity`` is the leader's (``None``:
    no pressure, where there is no structure or ``mechanisms.quota_pressure`` is off); the checks
    still happen, so the events are the same whatever the switch."""

    def __init__(
        self,
        env: simpy.Environment,
        counters: Counters,
        params: Leadership,
        *,
        horizon_days: float,
        hires_per_quarter: int,
        quota_sensitivity: float | None,
        marketers: int,
        reps: Callable[[], int],
        hire: Callable[[int], None],
        rush: Callable[[int], None],
        discount: Callable[[float], None],
        clear_discount: Callable[[], None],
    ):
        self.env = env
        self.counters = counters
        self.params = params
        self.horizon_days = horizon_days
        self.hires_per_quarter = hires_per_quarter
        self.quota_sensitivity = quota_sensitivity
        self.marketers = marketers
        self._reps = reps
        self._hire = hire
        self._rush = rush
        self._discount = discount
        self._clear_discount = clear_discount

    def run(self) -> Generator[simpy.Event, Any, None]:
        """The quarters process: quarter starts (headcount plan) and quota-pressure checks."""
        env, c, params = self.env, self.counters, self.params
        quarter = 0
        while quarter * params.quarter_days < self.horizon_days:
            start = quarter * params.quarter_days
            end = min(start + params.quarter_days, self.horizon_days)
            if env.now < start:
                yield Timeout(env, start - env.now)
            if quarter > 0 and self.hires_per_quarter:
                self._hire(self.hires_per_quarter)
            c.reps = self._reps()
            booked_at_start = c.bookings_usd
            self._clear_discount()
            c.quota_pressure = 0.0
            for check in sorted(params.pressure_check_days):
                if start + check >= end:
                    break
                yield Timeout(env, start + check - env.now)
                if self.quota_sensitivity is not None:
                    self._check(check, booked_at_start)
            quarter += 1

    def _check(self, check_day: float, booked_at_start: float) -> None:
        """Pressure ``check_day`` days into the quarter: the shortfall against the pro-rated quota."""
        c, params = self.counters, self.params
        quota = params.quota_usd_per_rep_per_year * self._reps() * params.quarter_days / 365.0
        expected = quota * check_day / params.quarter_days
        shortfall = max(0.0, 1.0 - (c.bookings_usd - booked_at_start) / expected) if expected > 0 else 0.0
        intensity = self.quota_sensitivity * shortfall  # type: ignore[operator]
        c.quota_pressure = shortfall
        self._rush(round(intensity * params.pressure_rush_share * self.marketers))
        self._discount(intensity * params.pressure_discount)

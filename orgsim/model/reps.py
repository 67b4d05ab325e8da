"""Reps as individuals (MODEL.md 3.2, 3.5): skill, queue-check habit, quota, and their time.

A rep is a plain object, not a SimPy process. Each has a skill (drawn once per rep from a Beta
with mean ``sales.rep_skill`` and sd ``sales.rep_skill_sd``), a queue-check interval in working
hours (lognormal across reps around ``sales.queue_check_hours``: some look at the CRM every few
minutes, some pull it once a day or less, HBR 2011) with a random phase, the bookings of the
deals they own, and a quota from the yearly plan (:mod:`orgsim.model.quota`).

:class:`RepTime` accounts for the team's working time. At any instant on duty, each rep is
either following up an MQL (a discrete, timed task), or in the fluid rest of the day: working
the open opportunities (each needs ``deals.rep_hours_per_opportunity`` over its cycle), then
prospecting with whatever time is left, and idle only when there is nothing to do (prospecting
switched off). The integral is taken piecewise between the instants that change it, so the four
activities sum to the rep-hours on duty exactly.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from orgsim.config import Sales
    from orgsim.model.batch import Lead
    from orgsim.model.recorder import Counters


class Rep:
    """One rep: skill, queue-check habit, own follow-up queue, deals' bookings and quota."""

    __slots__ = (
        "active",
        "bookings_usd",
        "busy",
        "check_hours",
        "check_pending",
        "effectiveness",
        "hired_at",
        "id",
        "in_session",
        "left_at",
        "phase_hours",
        "productivity",
        "queue",
        "quota_rate_usd_per_year",
        "quota_since",
        "quota_usd",
        "skill",
        "successor",
        "year_bookings_usd",
        "years",
    )

    def __init__(self, rep_id: int, skill: float, check_hours: float, phase_hours: float, hired_at: float):
        self.id = rep_id
        self.skill = skill
        self.effectiveness = skill  # the leader's coaching scales it (set by the sales team)
        self.check_hours = check_hours
        self.phase_hours = phase_hours
        self.hired_at = hired_at
        self.left_at = math.nan
        self.active = True  # employed (False once they left: orgsim.model.workforce)
        self.productivity = 1.0  # ramp factor by tenure, in (0, 1] (orgsim.model.workforce)
        self.successor: Rep | None = None  # who took over their open deals when they left
        self.queue: deque[Lead] = deque()
        self.busy = False  # in a follow-up
        self.in_session = False  # working down the queue after a look at it
        self.check_pending = False
        self.bookings_usd = 0.0
        self.quota_usd = 0.0  # quota of the plan periods closed so far
        self.quota_rate_usd_per_year = 0.0  # this plan year's quota, as a yearly rate
        self.quota_since = hired_at  # start of the current plan period (year start or hire)
        self.year_bookings_usd = 0.0  # bookings since quota_since
        self.years: list[tuple[float, float, float]] = []  # (bookings, quota, days) of each plan period closed

    def holder(self) -> Rep:
        """Who holds this rep's book now: the rep, or the colleague their deals went to when they left."""
        rep = self
        while rep.successor is not None:
            rep = rep.successor
        return rep

    def __repr__(self) -> str:
        return f"Rep(id={self.id}, skill={self.skill:.3f}, check_hours={self.check_hours:.2f}, bookings_usd={self.bookings_usd:,.0f})"


def draw_reps(sales: Sales, rng: np.random.Generator, n: int, first_id: int, hired_at: float) -> list[Rep]:
    """``n`` new reps with their skills, check intervals and phases, drawn from ``rng`` (the
    ``reps`` stream: the same reps in the warm-up and in the run, whatever the structure)."""
    if n <= 0:
        return []
    mean, sd = sales.rep_skill, sales.rep_skill_sd
    concentration = mean * (1.0 - mean) / (sd * sd) - 1.0 if sd * sd > 0 else math.inf
    a, b = mean * concentration, (1.0 - mean) * concentration
    if concentration < 1e12 and a > 0 and b > 0:  # a spread too small to matter (or shapes that underflow) is no spread
        skills = rng.beta(a, b, n)
    else:
        rng.random(n)  # keep the stream's position whatever the spread
        skills = np.full(n, mean)
    z = rng.standard_normal(n)
    intervals = sales.queue_check_hours * np.exp(sales.queue_check_spread * z)
    phases = rng.random(n) * intervals
    return [
        Rep(first_id + i, skill, check, phase, hired_at)
        for i, (skill, check, phase) in enumerate(zip(skills.tolist(), intervals.tolist(), phases.tolist(), strict=True))
    ]


class RepTime:
    """The team's working time, integrated piecewise (hours).

    ``busy``: reps in a follow-up; ``deal_demand``: rep-equivalents the open deals ask for while
    on duty; ``prospecting``: whether spare time goes to outbound (else it is idle)."""

    __slots__ = ("_last", "_prospecting_taken", "busy", "counters", "deal_demand", "on_duty", "prospecting", "reps")

    def __init__(self, counters: Counters, reps: int, *, on_duty: bool, prospecting: bool):
        self.counters = counters
        self.reps = reps
        self.busy = 0
        self.deal_demand = 0.0
        self.on_duty = on_duty
        self.prospecting = prospecting
        self._last = 0.0
        self._prospecting_taken = 0.0

    def advance(self, now: float) -> None:
        """Account for the time since the last change (call before anything changes)."""
        dt = (now - self._last) * 24.0
        self._last = now
        if dt <= 0.0 or not self.on_duty or self.reps <= 0:
            return
        c = self.counters
        reps = self.reps
        busy = self.busy if self.busy < reps else reps
        free = reps - busy
        demand = self.deal_demand
        deals = demand if demand < free else free
        spare = free - deals
        c.rep_hours_on_duty += reps * dt
        c.rep_hours_follow_up += busy * dt
        c.rep_hours_deals += deals * dt
        if self.prospecting:
            c.rep_hours_prospecting += spare * dt
        else:
            c.rep_hours_idle += spare * dt

    def take_prospecting_hours(self, now: float) -> float:
        """Prospecting hours spent since the last call (outbound meetings come from them)."""
        self.advance(now)
        total = self.counters.rep_hours_prospecting
        hours = total - self._prospecting_taken
        self._prospecting_taken = total
        return hours

"""Plans and quarters (MODEL.md 3.9): the yearly bookings plan, rep quotas, headcount and quota pressure.

**The plan.** Each plan year (365 days from time 0) has a bookings plan: the year before's
bookings times ``1 + leadership.plan_growth`` (the first year's 'year before' is the scenario's
``leadership.plan_prior_bookings_usd``; later years build on what the run booked). The plan is
split into rep quotas (``sales.quota_shares``, equal by default); a rep hired during the year
gets the average rep's quota for the rest of it. So the share of reps at quota is an outcome:
it comes from how bookings spread over reps of different skill (CSO Insights: 57-60%).

**The quarters.** At each quarter start the growth stage's hires join
(``growth.rep_hires_per_quarter``) and the pressure is reset; at each of
``leadership.pressure_check_days`` into the quarter, the shortfall of quarter-to-date bookings
against the pro-rated team quota becomes pressure. The leader's quota sensitivity turns it into
rush campaigns that preempt long-term marketing work and into a deeper discount (seed 004:
90-day quotas 'whittled away' strategic commitments).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from simpy.events import Timeout

if TYPE_CHECKING:
    import simpy

    from orgsim.config import Leadership
    from orgsim.model.recorder import Counters
    from orgsim.model.reps import Rep

YEAR_DAYS = 365.0
#: Plan periods shorter than this (a rep hired late in a year, a run that stops soon after a
#: year starts) are not counted in the share of reps at quota: too short to judge attainment.
MIN_JUDGED_DAYS = 91.0


class SalesPlan:
    """The yearly bookings plan and each rep's quota; closes each plan year's attainment."""

    def __init__(self, counters: Counters, params: Leadership, quota_shares: tuple[float, ...], reps: Callable[[], list[Rep]]):
        self.counters = counters
        self.params = params
        self.quota_shares = quota_shares
        self._reps = reps
        self.plan_usd = 0.0
        self._booked_at_year_start = 0.0
        self._starting_headcount = len(reps())
        self._vacant = 0  # seats whose rep left and whose backfill has not started: the plan counts them

    def start_year(self, now: float, year: int) -> None:
        """Close the year just ended and set the new plan and quotas."""
        if year == 0:
            prior = self.params.plan_prior_bookings_usd
        else:
            self.close(now)
            prior = self.counters.bookings_usd - self._booked_at_year_start
        self._booked_at_year_start = self.counters.bookings_usd
        self.plan_usd = prior * (1.0 + self.params.plan_growth)
        reps = [rep for rep in self._reps() if rep.active]  # those who left are no longer in the plan
        # the declared shares are the starting team's: they apply while the team is that team
        starting = [rep.id for rep in reps] == list(range(self._starting_headcount))
        shares = self.quota_shares if (self.quota_shares and starting) else ()
        for i, rep in enumerate(reps):
            share = shares[i] if shares else 1.0 / (len(reps) + self._vacant)
            rep.quota_rate_usd_per_year = self.plan_usd * share
            rep.quota_since = now

    def hired(self, reps: list[Rep], now: float) -> None:
        """New reps carry the average rep's quota for the rest of the year (a backfill: the seat's)."""
        team = [rep for rep in self._reps() if rep.active]
        average = self.plan_usd / max(1, len(team) - len(reps) + self._vacant)
        self._vacant -= min(len(reps), self._vacant)
        for rep in reps:
            rep.quota_rate_usd_per_year = average
            rep.quota_since = now
            rep.year_bookings_usd = 0.0

    def close(self, now: float) -> None:
        """Close the current plan period of every rep at ``now`` (a year end, or the run's end)."""
        for rep in self._reps():
            if rep.active:  # a leaver's last period was closed when they left (:meth:`left`)
                self._close_period(rep, now)

    def left(self, rep: Rep, now: float) -> None:
        """A rep leaves (orgsim.model.workforce): their plan period closes now, its quota pro-rated;
        their seat's quota is lost until a backfill starts."""
        self._close_period(rep, now)
        rep.quota_rate_usd_per_year = 0.0
        self._vacant += 1

    @staticmethod
    def _close_period(rep: Rep, now: float) -> None:
        days = now - rep.quota_since
        quota = rep.quota_rate_usd_per_year * days / YEAR_DAYS
        if quota > 0:
            rep.years.append((rep.year_bookings_usd, quota, days))
            rep.quota_usd += quota
        rep.year_bookings_usd = 0.0
        rep.quota_since = now

    def team_quota_rate(self) -> float:
        """The team's quota as a yearly rate (hires included, leavers not)."""
        return sum(rep.quota_rate_usd_per_year for rep in self._reps() if rep.active)

    def share_at_quota(self) -> float:
        """Share of closed rep plan periods (rep-years) of at least :data:`MIN_JUDGED_DAYS` in
        which the rep booked at least their quota (NaN if there is none)."""
        periods = [bookings >= quota for rep in self._reps() for bookings, quota, days in rep.years if days >= MIN_JUDGED_DAYS]
        return sum(periods) / len(periods) if periods else float("nan")


class Quarters:
    """The quarter cycle: the plan at each year start, hires at each quarter start, pressure checks within.

    Wired by callbacks: ``hire(n)`` adds reps, ``rush(n)`` launches rush marketing projects,
    ``discount(extra)`` sets the pressure discount and ``clear_discount()`` drops it.
    ``quota_sensitivity`` is the one the marketing allocator feels (rush campaigns) and
    ``discount_sensitivity`` the quota owner's (pressure discounts); ``None``: no pressure,
    where there is no structure or ``mechanisms.quota_pressure`` is off. The checks still
    happen, so the events are the same whatever the switch."""

    def __init__(
        self,
        env: simpy.Environment,
        counters: Counters,
        params: Leadership,
        plan: SalesPlan,
        *,
        horizon_days: float,
        hires_per_quarter: int,
        quota_sensitivity: float | None,
        discount_sensitivity: float | None = None,
        marketers: int,
        hire: Callable[[int], None],
        rush: Callable[[int], None],
        discount: Callable[[float], None],
        clear_discount: Callable[[], None],
        cut_budget: Callable[[float], None] | None = None,
    ):
        self.env = env
        self.counters = counters
        self.params = params
        self.plan = plan
        self.horizon_days = horizon_days
        self.hires_per_quarter = hires_per_quarter
        self.quota_sensitivity = quota_sensitivity
        self.discount_sensitivity = quota_sensitivity if discount_sensitivity is None else discount_sensitivity
        self.marketers = marketers
        self._hire = hire
        self._rush = rush
        self._discount = discount
        self._clear_discount = clear_discount
        self._cut_budget = cut_budget  # programme budgets (docs/model.md 7.27); None: no cuts

    def run(self) -> Generator[simpy.Event, Any, None]:
        """The quarters process: plan years, quarter starts (headcount plan) and quota-pressure checks."""
        c, params = self.counters, self.params
        self.plan.start_year(0.0, 0)
        self._year = 1
        quarter = 0
        while quarter * params.quarter_days < self.horizon_days:
            start = quarter * params.quarter_days
            end = min(start + params.quarter_days, self.horizon_days)
            yield from self._wait_until(start)
            if quarter > 0 and self.hires_per_quarter:
                self._hire(self.hires_per_quarter)
            booked_at_start = c.bookings_usd
            self._clear_discount()
            c.quota_pressure = 0.0
            for check in sorted(params.pressure_check_days):
                if start + check >= end:
                    break
                yield from self._wait_until(start + check)
                if self.quota_sensitivity is not None:
                    self._check(check, booked_at_start)
            quarter += 1
        yield from self._wait_until(self.horizon_days)  # plan years that start in the last quarter

    def _wait_until(self, t: float) -> Generator[simpy.Event, Any, None]:
        """Wait until ``t``, starting the plan years that begin before it (and before the horizon)."""
        env = self.env
        while self._year * YEAR_DAYS <= t and self._year * YEAR_DAYS < self.horizon_days:
            if env.now < self._year * YEAR_DAYS:
                yield Timeout(env, self._year * YEAR_DAYS - env.now)
            self.plan.start_year(env.now, self._year)
            self._year += 1
        if env.now < t:
            yield Timeout(env, t - env.now)

    def _check(self, check_day: float, booked_at_start: float) -> None:
        """Pressure ``check_day`` days into the quarter: the shortfall against the pro-rated team quota."""
        c, params = self.counters, self.params
        quota = self.plan.team_quota_rate() * params.quarter_days / YEAR_DAYS
        expected = quota * check_day / params.quarter_days
        shortfall = max(0.0, 1.0 - (c.bookings_usd - booked_at_start) / expected) if expected > 0 else 0.0
        c.quota_pressure = shortfall
        self._rush(round(self.quota_sensitivity * shortfall * params.pressure_rush_share * self.marketers))  # type: ignore[operator]
        self._discount(self.discount_sensitivity * shortfall * params.pressure_discount)  # type: ignore[operator]
        if self._cut_budget is not None:  # the budget's holder (the allocator) cuts discretionary money: Graham et al. 2005
            self._cut_budget(self.quota_sensitivity * shortfall)  # type: ignore[operator]

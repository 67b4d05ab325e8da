"""People over time (docs/model.md 7.26): hiring lag, ramp, attrition with backfill, and the addressable market.

* **Attrition** (``mechanisms.attrition``): every rep and marketer leaves at a constant hazard
  (``workforce.rep_turnover_per_year / 365`` a day for reps). It is drawn once per person, in id
  order, from a named stream (``attrition`` for reps, ``marketer_attrition`` for marketers): an
  exponential 'resilience' ``E``; the person leaves at the first day step at which the cumulative
  hazard since they started reaches ``E``. For a constant hazard this is the same process as a
  daily Bernoulli draw, but the same person is equally resilient under every structure, so
  structures that raise turnover (quota pressure) make the same people leave sooner: common
  random numbers. The sales head's quota pressure multiplies reps' hazard by
  ``1 + pressure_turnover_weight x pressure felt`` (``mechanisms.pressure_turnover``).
* **Backfill and hiring lag** (``mechanisms.hiring_lag``): each departure opens a requisition
  that starts ``rep_hiring_lag_days`` later; so do the growth stage's planned hires. Off: a
  requisition starts at once.
* **Ramp** (``mechanisms.ramp``): a new person's productivity rises linearly from
  ``*_ramp_start_productivity`` to 1 over ``*_ramp_days``. A rep's scales their effectiveness
  (the win odds of the deals they close) and the yield of their prospecting time. Marketers are
  a team, not individuals: a departure holds one seat of the team vacant for the hiring lag plus
  the output a backfill loses while ramping, ``(1 - start) x ramp_days / 2`` days.
* **Addressable market** (``mechanisms.addressable_market``): every lead arrival rate (inbound,
  campaign, channel, and outbound attempts that reach a prospect) is scaled by the share of the
  market's accounts not yet won, ``max(0, 1 - (initial customers + wins) / addressable_accounts)``.

Everything is decided in one day step (:meth:`Workforce.step_day`, called by the engine at the
start of each day): no SimPy event per person or per day.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import simpy

    from orgsim.config import Mechanisms
    from orgsim.config.workforce import Workforce as WorkforceParams
    from orgsim.model.recorder import Counters
    from orgsim.model.reps import Rep

YEAR_DAYS = 365.0
REP, MARKETER = "rep", "marketer"


def ramp_factor(tenure_days: float, ramp_days: float, start: float) -> float:
    """Productivity after ``tenure_days``: linear from ``start`` to 1 over ``ramp_days``, then 1."""
    if ramp_days <= 0.0 or tenure_days >= ramp_days:
        return 1.0
    return start + (1.0 - start) * max(tenure_days, 0.0) / ramp_days


def ramp_lost_days(ramp_days: float, start: float) -> float:
    """Full-productivity days a linear ramp loses: ``(1 - start) x ramp_days / 2``."""
    return (1.0 - start) * ramp_days / 2.0


def expected_vacancies(headcount: float, turnover_per_year: float, lag_days: float) -> float:
    """Vacant seats on average with constant-hazard turnover and backfill after a fixed lag.

    Each seat alternates between filled (mean ``365 / turnover`` days) and vacant (``lag``
    days): a renewal process whose vacant share is ``h L / (1 + h L)`` with ``h`` the daily
    hazard; to first order ``headcount x turnover x lag / 365`` (Little's law)."""
    hl = turnover_per_year / YEAR_DAYS * lag_days
    return headcount * hl / (1.0 + hl)


class Leavers:
    """Who leaves when: each person's resilience threshold against the group's cumulative hazard."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.hazard = 0.0  # cumulative hazard of the group since time 0 (dimensionless)
        self._heap: list[tuple[float, int, Any]] = []
        self._order = itertools.count()

    def join(self, people: list[Any]) -> None:
        """People start now: each draws their resilience (in the order given: id order)."""
        if not people:
            return
        for person, e in zip(people, self.rng.exponential(1.0, len(people)).tolist(), strict=True):
            heapq.heappush(self._heap, (self.hazard + e, next(self._order), person))

    def advance(self, hazard: float) -> list[Any]:
        """Add ``hazard`` to the group's cumulative hazard; return who leaves, first to go first."""
        self.hazard += hazard
        gone = []
        heap = self._heap
        while heap and heap[0][0] <= self.hazard:
            gone.append(heapq.heappop(heap)[2])
        return gone


class Workforce:
    """Hiring through requisitions, ramp, attrition with backfill, and the open share of the market.

    Wired by callbacks: ``start_reps(n)`` hires ``n`` reps now and returns them, ``rep_leaves(rep)``
    lets a rep go (routing, plan, costs), ``set_productivity({rep: factor})`` sets ramp factors,
    ``marketers_changed(n)`` the marketers employed (costs), ``marketer_vacancy(days)`` holds a
    marketing seat vacant, ``pressure_felt()`` is the quota owner's pressure (shortfall x quota
    sensitivity), ``won_accounts()`` the accounts won so far and ``set_open_market(share)`` sets
    the lead flow's open share."""

    def __init__(
        self,
        env: simpy.Environment,
        counters: Counters,
        params: WorkforceParams,
        mechanisms: Mechanisms,
        *,
        reps: list[Rep],
        marketers: int,
        rep_rng: np.random.Generator,
        marketer_rng: np.random.Generator,
        start_reps: Callable[[int], list[Rep]],
        rep_leaves: Callable[[Rep], None],
        set_productivity: Callable[[Mapping[Rep, float]], None],
        marketers_changed: Callable[[int], None],
        marketer_vacancy: Callable[[float], None],
        pressure_felt: Callable[[], float],
        won_accounts: Callable[[], float],
        set_open_market: Callable[[float], None],
        initial_accounts: float = 0.0,
    ):
        self.env = env
        self.counters = counters
        self.params = params
        self.attrition = mechanisms.attrition
        self.ramp = mechanisms.ramp
        self.pressure_weight = params.pressure_turnover_weight if mechanisms.pressure_turnover else 0.0
        self.rep_lag = params.rep_hiring_lag_days if mechanisms.hiring_lag else 0.0
        self.marketer_lag = params.marketer_hiring_lag_days if mechanisms.hiring_lag else 0.0
        # an unlimited market (the default) never closes: nothing to compute
        self.market_on = mechanisms.addressable_market and math.isfinite(params.addressable_accounts)
        self.initial_accounts = initial_accounts
        self._start_reps = start_reps
        self._rep_leaves = rep_leaves
        self._set_productivity = set_productivity
        self._marketers_changed = marketers_changed
        self._marketer_vacancy = marketer_vacancy
        self._pressure_felt = pressure_felt
        self._won_accounts = won_accounts
        self._set_open_market = set_open_market
        self.rep_leavers = Leavers(rep_rng)
        self.marketer_leavers = Leavers(marketer_rng)
        self.rep_leavers.join(reps)
        self.marketers = marketers
        self._marketer_ids = itertools.count()
        self.marketer_leavers.join([next(self._marketer_ids) for _ in range(marketers)])
        self._marketer_starts: dict[int, float] = {}  # start day of each marketer hired in the run, by id
        self._ramping: list[Rep] = []  # reps hired in the run still in their ramp
        self._requisitions: list[tuple[float, int, str]] = []  # (start day, order, kind)
        self._order = itertools.count()
        self._last = 0.0
        counters.marketers = marketers
        counters.market_open_share = 1.0

    # -- requisitions ----------------------------------------------------------------------
    def open_rep_requisitions(self, n: int) -> None:
        """Planned hires (the growth stage): ``n`` reps start after the hiring lag."""
        self._open(REP, n, self.rep_lag)

    def _open(self, kind: str, n: int, lag: float) -> None:
        if n <= 0:
            return
        if lag <= 0.0:  # no lag: they start now
            self._start(kind, n)
            return
        start = self.env.now + lag
        for _ in range(n):
            heapq.heappush(self._requisitions, (start, next(self._order), kind))

    def _start(self, kind: str, n: int) -> None:
        now = self.env.now
        c = self.counters
        if kind == REP:
            new = self._start_reps(n)
            c.reps_hired += len(new)
            self.rep_leavers.join(new)
            if self.ramp and self.params.rep_ramp_days > 0.0:
                self._ramping.extend(new)
                self._set_productivity({rep: self._rep_factor(rep, now) for rep in new})
        else:
            self.marketers += n
            c.marketers_hired += n
            ids = [next(self._marketer_ids) for _ in range(n)]
            self.marketer_leavers.join(ids)
            self._marketer_starts.update(dict.fromkeys(ids, now))
            c.marketers = self.marketers
            self._marketers_changed(self.marketers)

    def _start_due(self, now: float) -> None:
        """Start the requisitions due by ``now`` (in the order they were opened, reps together)."""
        due = {REP: 0, MARKETER: 0}
        reqs = self._requisitions
        while reqs and reqs[0][0] <= now + 1e-9:
            due[heapq.heappop(reqs)[2]] += 1
        for kind, n in due.items():
            if n:
                self._start(kind, n)

    # -- the day step ----------------------------------------------------------------------
    def step_day(self, day: int) -> None:
        """The day's departures (and their requisitions), the starts due, the ramp, the open market."""
        now = self.env.now
        elapsed = now - self._last
        self._last = now
        if self.attrition and elapsed > 0.0:
            self._departures(elapsed)
        self._start_due(now)
        self._update_ramp(now)
        if self.market_on:
            won = self.initial_accounts + self._won_accounts()
            share = max(0.0, 1.0 - won / self.params.addressable_accounts)
            self.counters.market_open_share = share
            self._set_open_market(share)

    def attrition_spike(self, share: float) -> None:
        """A reorganisation: each rep and marketer leaves now with probability ``share`` (an extra
        cumulative hazard ``-ln(1 - share)`` on everyone's resilience clock, so no new draw), and is
        backfilled as any leaver. Nothing happens with ``mechanisms.attrition`` off."""
        if not self.attrition or share <= 0.0:
            return
        extra = -math.log1p(-min(share, 1.0 - 1e-12))
        self._depart(extra, extra)

    def _departures(self, elapsed_days: float) -> None:
        params = self.params
        felt = self._pressure_felt() if self.pressure_weight > 0.0 else 0.0
        rep_hazard = params.rep_turnover_per_year / YEAR_DAYS * (1.0 + self.pressure_weight * felt)
        self._depart(rep_hazard * elapsed_days, params.marketer_turnover_per_year / YEAR_DAYS * elapsed_days)

    def _depart(self, rep_hazard: float, marketer_hazard: float) -> None:
        """Who leaves after the given cumulative hazards, each with a backfill requisition."""
        params, c = self.params, self.counters
        for rep in self.rep_leavers.advance(rep_hazard):
            self._rep_leaves(rep)
            c.reps_left += 1
            self._open(REP, 1, self.rep_lag)  # the backfill
        gone = self.marketer_leavers.advance(marketer_hazard)
        if gone:
            self.marketers -= len(gone)
            c.marketers_left += len(gone)
            c.marketers = self.marketers
            self._marketers_changed(self.marketers)
            lost = ramp_lost_days(params.marketer_ramp_days, params.marketer_ramp_start_productivity) if self.ramp else 0.0
            for marketer in gone:
                self._marketer_starts.pop(marketer, None)
                self._marketer_vacancy(self.marketer_lag + lost)
                self._open(MARKETER, 1, self.marketer_lag)

    def _rep_factor(self, rep: Rep, now: float) -> float:
        params = self.params
        return ramp_factor(now - rep.hired_at, params.rep_ramp_days, params.rep_ramp_start_productivity)

    def _update_ramp(self, now: float) -> None:
        """Ramping reps' productivity for today; the levels of people in their ramp."""
        if self._ramping:
            self._ramping = [rep for rep in self._ramping if rep.active]
            factors = {rep: self._rep_factor(rep, now) for rep in self._ramping}
            if factors:
                self._set_productivity(factors)
            self._ramping = [rep for rep, factor in factors.items() if factor < 1.0]
        self.counters.reps_ramping = len(self._ramping)
        ramp_days = self.params.marketer_ramp_days
        starts = self._marketer_starts
        if starts:
            # marketers start in time order (the dict's order), so those past their ramp are its first
            ramped = list(itertools.takewhile(lambda item: now - item[1] >= ramp_days, starts.items()))
            for marketer, _ in ramped:
                del starts[marketer]
        self.counters.marketers_ramping = len(self._marketer_starts) if self.ramp else 0

    # -- reading ---------------------------------------------------------------------------
    def vacancies(self) -> tuple[int, int]:
        """Open requisitions now: (reps, marketers)."""
        reps = sum(1 for _, _, kind in self._requisitions if kind == REP)
        return reps, len(self._requisitions) - reps

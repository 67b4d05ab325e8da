"""The sales team (MODEL.md 3.2, 3.5): reps who follow up MQLs, work deals and prospect.

Every rep is on duty in the calendar's working hours and, at each instant, is following up an
MQL, working open deals, prospecting, or idle only when there is nothing to do
(:class:`~orgsim.model.reps.RepTime`). Nobody is set aside for follow-up: how fast an MQL is
answered follows from how it is routed and how often its rep looks at the queue.

* **Routing** (``sales.routing``): ``territory`` gives each MQL to the owner of its territory (a
  rep at random: loads are uneven), ``round_robin`` to reps in turn, ``pooled`` to one queue any
  rep takes from.
* **Queue checks**: a rep busy with deals or prospecting looks at the queue every
  ``check_hours`` working hours (their own habit, HBR 2011: 'leads pulled from the CRM once a
  day'); at a look they work the queue down, one follow-up after another, and go back to their
  deals and prospecting when it is empty. SLA enforcement shortens every rep's interval
  (:func:`~orgsim.model.leadership.queue_check_factor`): it changes the policy, it never
  reserves people. A rep with nothing else to do (prospecting off, no deal work left) watches
  the queue, so the desk is work-conserving and reduces to M/M/c.

A follow-up is one ``Call`` (a ``Timeout`` with its callback) whose callback frees the rep and starts the next lead; a look at
the queue is one ``Call`` per rep with leads waiting for them. A rep finishes the lead in
hand after the shift ends.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from orgsim.model.call import Call
from orgsim.model.decay import DecayCurve
from orgsim.model.recorder import LOST
from orgsim.model.reps import Rep, RepTime, draw_reps

if TYPE_CHECKING:
    import pandas as pd
    import simpy

    from orgsim.config import Sales
    from orgsim.model.batch import Lead
    from orgsim.model.calendar import WorkCalendar
    from orgsim.model.recorder import Counters, LeadLog


#: The shortest interval between a rep's looks at the queue (one second, in hours).
MIN_CHECK_HOURS = 1.0 / 3600.0


class FollowUpDesk:
    """Routes MQLs to reps and runs their follow-ups and looks at the queue.

    ``start(rep, lead)`` touches the lead (a plain call) and returns the follow-up time in days;
    ``watch_idle``: reps with nothing else to do watch the queue (no prospecting)."""

    def __init__(
        self,
        env: simpy.Environment,
        calendar: WorkCalendar,
        reps: list[Rep],
        time: RepTime,
        start: Callable[[Rep, Lead], float],
        *,
        routing: str,
        check_factor: float,
        watch_idle: bool,
    ):
        self.env = env
        self.calendar = calendar
        self.reps = reps
        self.time = time
        self._start = start
        self.routing = routing
        self.check_factor = check_factor
        self.watch_idle = watch_idle
        self.on_duty = calendar.always_on
        self.shared: deque[Lead] = deque()  # the pooled queue
        self._next_rep = 0
        self._shift_times: Iterator[tuple[float, float]] = iter(())  # the shifts to come (start_shifts)
        self._shifts_until = self._shift_end = 0.0

    # -- routing ---------------------------------------------------------------------------
    def _route(self, lead: Lead) -> Rep:
        reps = self.reps
        if self.routing == "round_robin":
            rep = reps[self._next_rep % len(reps)]
            self._next_rep += 1
            return rep
        # the lead's own territory draw: the same lead goes to the same rep whatever else differs
        return reps[int(lead.u_owner * len(reps))]

    def submit(self, lead: Lead) -> None:
        """Hand an MQL to sales: route it, and start it now if its rep is looking and free.

        With nobody employed (every rep left, orgsim.model.workforce) the lead waits in the
        shared queue for the next rep to start."""
        if self.routing == "pooled" or not self.reps:
            self.shared.append(lead)
            if self.on_duty:
                for rep in self.reps:
                    if not rep.busy and (rep.in_session or self.watch_idle):
                        self._serve(rep, self.shared.popleft())
                        return
            self._schedule_all()
            return
        rep = self._route(lead)
        rep.queue.append(lead)
        if self.on_duty and not rep.busy and (rep.in_session or self.watch_idle):
            self._serve(rep, self._next_lead(rep))  # type: ignore[arg-type]
        elif self.watch_idle and self.on_duty:
            self._idle_takes(lead, rep)
        elif not rep.check_pending:
            self._schedule_check(rep)

    def _idle_takes(self, lead: Lead, owner: Rep) -> None:
        """Work conservation: with no prospecting, a free rep takes a lead whose owner is busy."""
        for rep in self.reps:
            if not rep.busy:
                owner.queue.remove(lead)
                self._serve(rep, lead)
                return

    def _next_lead(self, rep: Rep) -> Lead | None:
        if rep.queue:
            return rep.queue.popleft()
        if self.shared:
            return self.shared.popleft()
        if self.watch_idle:  # nothing of their own: the oldest lead waiting for a busy rep
            waiting = [r for r in self.reps if r.queue]
            if waiting:
                return min(waiting, key=lambda r: r.queue[0].queued_at).queue.popleft()
        return None

    # -- following up ------------------------------------------------------------------------
    def _serve(self, rep: Rep, lead: Lead) -> None:
        time = self.time
        time.advance(self.env.now)
        time.busy += 1
        rep.busy = True
        rep.in_session = True
        Call(self.env, self._start(rep, lead), self._done, rep)

    def _done(self, event: simpy.Event) -> None:
        rep: Rep = event.value
        if not rep.active:
            return  # the rep left during the follow-up: their time was settled when they left
        time = self.time
        time.advance(self.env.now)
        time.busy -= 1
        rep.busy = False
        self._continue(rep)

    def _continue(self, rep: Rep) -> None:
        """A free rep in a session takes the next lead, or goes back to deals and prospecting.

        A session that the shift's end interrupts resumes at the next shift's start: a rep who
        opened the queue works it down before going back to prospecting."""
        if not self.on_duty:
            if rep.in_session and (rep.queue or self.shared):
                return  # picked up again by open_shift
            rep.in_session = False
        elif rep.in_session or self.watch_idle:
            lead = self._next_lead(rep)
            if lead is not None:
                self._serve(rep, lead)
                return
            rep.in_session = False
        if rep.queue or self.shared:
            self._schedule_check(rep)

    # -- looks at the queue ------------------------------------------------------------------
    def _schedule_all(self) -> None:
        for rep in self.reps:
            if not rep.check_pending and not rep.busy:
                self._schedule_check(rep)

    def _schedule_check(self, rep: Rep) -> None:
        """The rep's next look at the queue: the next point of their grid in working hours."""
        if rep.check_pending:
            return
        now = self.env.now
        calendar = self.calendar
        # at most one look a second: below that, working-time arithmetic loses the grid's steps
        interval = max(rep.check_hours * self.check_factor, MIN_CHECK_HOURS)
        worked = calendar.work_hours_at(now)
        k = -(-(worked - rep.phase_hours) // interval)  # ceil
        at = calendar.time_at_work_hours(rep.phase_hours + k * interval)
        if at < now:
            at = calendar.time_at_work_hours(rep.phase_hours + (k + 1) * interval)
        if not self.on_duty:  # never before the next shift starts
            at = max(at, calendar.time_at_work_hours(worked))
        rep.check_pending = True
        Call(self.env, max(at - now, 0.0), self._check, rep)

    def _check(self, event: simpy.Event) -> None:
        rep: Rep = event.value
        rep.check_pending = False
        if not rep.active:
            return  # the rep has left
        if rep.busy:
            rep.in_session = True  # carries on down the queue when the lead in hand is done
            return
        if not self.on_duty:  # a look that fell outside the shift: the next one on duty
            if rep.queue or self.shared:
                self._schedule_check(rep)
            return
        rep.in_session = True
        self._continue(rep)

    # -- shifts ------------------------------------------------------------------------------
    def open_shift(self) -> None:
        self.time.advance(self.env.now)
        self.on_duty = True
        self.time.on_duty = True
        for rep in self.reps:
            if not rep.busy and (rep.in_session or self.watch_idle):
                self._continue(rep)

    def close_shift(self) -> None:
        self.time.advance(self.env.now)
        self.on_duty = False
        self.time.on_duty = False  # sessions pause: reps in one carry on at the next shift

    def start_shifts(self, calendar: WorkCalendar, horizon_days: float) -> None:
        """Put reps on and off duty at the calendar's working hours until ``horizon_days``: one
        ``Call`` (a plain callback) per shift start and end (no process)."""
        self._shift_times = calendar.shifts(0.0)
        self._shifts_until = horizon_days
        self._next_shift()

    def _next_shift(self) -> None:
        start, end = next(self._shift_times)
        if start >= self._shifts_until:
            return
        self._shift_end = end
        Call(self.env, start - self.env.now, self._shift_starts)

    def _shift_starts(self, _event: simpy.Event) -> None:
        self.open_shift()
        Call(self.env, self._shift_end - self.env.now, self._shift_ends)

    def _shift_ends(self, _event: simpy.Event) -> None:
        self.close_shift()
        self._next_shift()

    def waiting(self) -> int:
        """MQLs waiting for a first touch."""
        return len(self.shared) + sum(len(rep.queue) for rep in self.reps)

    def hire(self, reps: list[Rep]) -> None:
        """New reps join (they take their share of routed leads from now on)."""
        self.time.advance(self.env.now)
        self.reps.extend(reps)
        self.time.reps = len(self.reps)
        if self.watch_idle and self.on_duty:
            for rep in reps:
                self._continue(rep)
        elif self.shared:  # leads that waited while nobody was employed, or the pooled queue
            for rep in reps:
                self._schedule_check(rep)

    def leave(self, rep: Rep) -> None:
        """``rep`` leaves now: off the routing and the time accounting (a follow-up in hand ends
        here: its outcome was decided at the touch); their queue is routed to the others."""
        time = self.time
        time.advance(self.env.now)
        self.reps.remove(rep)
        time.reps = len(self.reps)
        rep.active = False
        rep.in_session = False
        if rep.busy:
            rep.busy = False
            time.busy -= 1
        waiting = list(rep.queue)
        rep.queue.clear()
        for lead in waiting:
            self.submit(lead)


def _not_wired(*_args: Any, **_kwargs: Any) -> None:
    raise RuntimeError("SalesTeam.open_opportunity is not wired to a pipeline")


class SalesTeam:
    """The reps (MODEL.md 3.2, 3.5): their follow-up desk, their time, a rep's touch of a lead
    (contact and qualification, with odds that decay with the response delay,
    ``mechanisms.response_decay``), and the outbound meetings their prospecting books.

    A qualified lead opens an opportunity owned by the rep who touched it, through
    ``open_opportunity`` (the pipeline's :meth:`~orgsim.model.pipeline.Pipeline.open`)."""

    def __init__(
        self,
        env: simpy.Environment,
        counters: Counters,
        log: LeadLog | None,
        sales: Sales,
        calendar: WorkCalendar,
        *,
        reps_rng: np.random.Generator,
        coaching: float,
        check_factor: float,
        prospecting: bool,
        response_decay: bool,
    ):
        self.env = env
        self.counters = counters
        self.log = log
        self.params = sales
        self.calendar = calendar
        self._reps_rng = reps_rng
        self.coaching = coaching  # the leader's coaching: rep effectiveness = skill x coaching x productivity
        #: Opens a qualified lead's opportunity (the pipeline's ``open``; wired after both are built).
        self.open_opportunity: Callable[..., None] = _not_wired
        # Constants of the hot path, read once.
        self._contact_p = sales.contact_probability
        self._contact_curve = DecayCurve(sales.contact_decay) if response_decay else None
        self._qualify_curve = DecayCurve(sales.qualify_decay) if response_decay else None
        self._sla_days = sales.sla_hours / 24.0
        team = draw_reps(sales, reps_rng, sales.reps, 0, 0.0)
        for rep in team:
            self._set_effectiveness(rep)
        self.time = RepTime(counters, len(team), on_duty=calendar.always_on, prospecting=prospecting)
        self.desk = FollowUpDesk(
            env,
            calendar,
            team,
            self.time,
            self._touch,
            routing=sales.routing,
            check_factor=check_factor,
            watch_idle=not prospecting,
        )
        self._next_owner = 0
        self._everyone = list(team)  # every rep ever employed, in hiring order (leavers too)
        self._next_heir = 0  # who takes over a leaver's open deals, in turn
        self._orphans: list[Rep] = []  # leavers whose deals wait for the next rep to start
        counters.reps = len(team)
        self._record_effectiveness()

    def _set_effectiveness(self, rep: Rep) -> None:
        """A rep's effectiveness (win odds): their skill x the leader's coaching x their ramp."""
        rep.effectiveness = rep.skill * self.coaching * rep.productivity

    def _record_effectiveness(self) -> None:
        reps = self.desk.reps
        self.counters.rep_effectiveness = sum(rep.effectiveness for rep in reps) / len(reps) if reps else 0.0

    @property
    def reps(self) -> list[Rep]:
        """Every rep employed in the run so far, in hiring order: those who left too (``rep.active``)."""
        return self._everyone

    @property
    def employed(self) -> list[Rep]:
        """The reps employed now, in hiring order."""
        return self.desk.reps

    @property
    def headcount(self) -> int:
        return len(self.desk.reps)

    def set_coaching(self, coaching: float) -> None:
        """A new sales leader's coaching (a reorganisation, or a transition's dip): every rep's
        effectiveness is their skill times it, from their next touch on."""
        self.coaching = coaching
        for rep in self.desk.reps:
            self._set_effectiveness(rep)
        self._record_effectiveness()

    def hire(self, n: int) -> list[Rep]:
        """``n`` new reps join, drawn from the same stream as the first (the company's hires)."""
        new = draw_reps(self.params, self._reps_rng, n, len(self._everyone), self.env.now)
        for rep in new:
            self._set_effectiveness(rep)
        self._everyone.extend(new)
        if new and self._orphans:  # deals of leavers nobody was left to take over
            for rep in self._orphans:
                rep.successor = new[0]
            self._orphans.clear()
        self.desk.hire(new)
        self._record_effectiveness()
        return new

    def lose(self, rep: Rep) -> None:
        """``rep`` leaves now (orgsim.model.workforce): off the routing, their queue routed to the
        others, their open deals handed as a whole to one colleague, in turn (or to the next rep
        to start when nobody is left); the pipeline credits a deal to its owner's holder."""
        rep.left_at = self.env.now
        self.desk.leave(rep)
        reps = self.desk.reps
        if reps:
            rep.successor = reps[self._next_heir % len(reps)]
            self._next_heir += 1
        else:
            self._orphans.append(rep)
        self.counters.reps = self.headcount
        self._record_effectiveness()

    def set_productivity(self, factors: Mapping[Rep, float]) -> None:
        """Ramp (orgsim.model.workforce): each rep's productivity factor scales their effectiveness
        (win odds) and the yield of their prospecting time."""
        for rep, factor in factors.items():
            rep.productivity = factor
            self._set_effectiveness(rep)
        self._record_effectiveness()

    def record(self) -> None:
        """Bring the desk's levels and the time accounting up to date (before a snapshot)."""
        self.time.advance(self.env.now)
        self.counters.queue_length = self.desk.waiting()
        self.counters.reps = self.headcount

    def prospecting_hours(self) -> float:
        """Prospecting hours the team spent since the last call (the day's outbound meetings),
        times the employed reps' mean productivity (ramping reps book fewer meetings an hour)."""
        hours = self.time.take_prospecting_hours(self.env.now)
        reps = self.desk.reps
        if not reps:
            return 0.0  # nobody left to hold the meetings booked
        return hours * (sum(rep.productivity for rep in reps) / len(reps))

    def next_outbound_owner(self) -> Rep:
        """Outbound deals go to reps in turn (every rep prospects in their spare time)."""
        reps = self.desk.reps
        rep = reps[self._next_owner % len(reps)]
        self._next_owner += 1
        return rep

    def add_deal_work(self, demand: float) -> None:
        """An opportunity opened (``demand`` > 0) or closed (< 0): rep-equivalents of deal work."""
        time = self.time
        time.advance(self.env.now)
        time.deal_demand = max(0.0, time.deal_demand + demand)

    # -- a rep's touch (plain calls on the hot path) ---------------------------------------
    def _touch(self, rep: Rep, lead: Lead) -> float:
        """``rep`` takes the lead from the queue now; returns the follow-up time in days.

        The response delay runs from the hand-off to sales (arrival, or return from nurture)."""
        now = self.env.now
        c = self.counters
        delay_days = now - lead.queued_at
        delay_hours = delay_days * 24.0
        c.follow_ups += 1
        c.response_hours_sum += delay_hours
        if delay_hours <= 1.0:
            c.responses_within_1h += 1
        elif delay_hours <= 24.0:
            c.responses_1h_to_24h += 1
        if delay_days <= self._sla_days:
            c.sla_met += 1
        else:
            c.sla_missed += 1
        contact_p = self._contact_p
        qualify_p = self._qualify_probability(lead)
        if self._contact_curve is not None:
            contact_p *= self._contact_curve(delay_hours)
            qualify_p *= self._qualify_curve(delay_hours)  # type: ignore[misc]
        done = now + lead.follow_up_days
        c.mql_follow_ups += 1
        lead.owner = rep
        if self._qualify(lead, now, contact_p, qualify_p, done):
            c.mql_qualified += 1
        return lead.follow_up_days

    def _qualify_probability(self, lead: Lead) -> float:
        sales = self.params
        p = sales.qualify_intercept + sales.qualify_quality_weight * lead.quality + sales.qualify_readiness_weight * lead.readiness
        return 1.0 if p > 1.0 else p

    def _qualify(
        self, lead: Lead, touched_at: float, contact_p: float, qualify_p: float, done_at: float, *, outbound: bool = False
    ) -> bool:
        """Contact and qualification of a touched lead; a qualified lead opens an opportunity
        (an ``outbound`` one, decided at the start of its day, goes to reps in turn and opens at
        its meeting's time)."""
        c = self.counters
        contacted = lead.u_contact < contact_p
        qualified = contacted and lead.u_qualify < qualify_p
        log = self.log
        if log is not None:
            row = lead.row
            log.first_touch_at[row] = touched_at
            log.contacted[row] = contacted
            log.qualified[row] = qualified
        if contacted:
            c.contacted += 1
        if not qualified:
            c.disqualified += 1
            if log is not None:
                log.outcome[lead.row] = LOST
            return False
        c.opportunities += 1
        c.open_opportunities += 1
        if log is not None:
            log.opportunity_at[lead.row] = done_at
        if outbound:
            lead.owner = self.next_outbound_owner()
            self.open_opportunity(lead, touched_at, done_at, now=touched_at)
        else:
            self.open_opportunity(lead, touched_at, done_at)
        return True

    def touch_outbound(self, leads: list[Lead]) -> None:
        """The day's outbound meetings (scored), held by the reps who booked them: no response
        delay, so no decay; each is touched at its meeting, in arrival order."""
        contact_p = self._contact_p
        for lead in leads:
            t = lead.arrived_at
            self._qualify(lead, t, contact_p, self._qualify_probability(lead), t, outbound=True)

    # -- per-rep results -------------------------------------------------------------------
    def reps_frame(self) -> pd.DataFrame:
        """One row per rep: id, skill, hired and left day, bookings, quota and attainment."""
        import pandas as pd  # lazily, as the recorder's frames

        reps = self._everyone
        quota = np.array([rep.quota_usd for rep in reps])
        bookings = np.array([rep.bookings_usd for rep in reps])
        with np.errstate(invalid="ignore", divide="ignore"):
            attainment = np.where(quota > 0, bookings / np.where(quota > 0, quota, 1.0), np.nan)
        return pd.DataFrame(
            {
                "rep_id": np.array([rep.id for rep in reps], dtype=np.int64),
                "skill": np.array([rep.skill for rep in reps]),
                "queue_check_hours": np.array([rep.check_hours for rep in reps]),
                "hired_day": np.array([rep.hired_at for rep in reps]),
                "left_day": np.array([rep.left_at for rep in reps]),
                "bookings_usd": bookings,
                "quota_usd": quota,
                "attainment": attainment,
            }
        )

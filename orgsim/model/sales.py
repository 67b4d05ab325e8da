"""The sales team (MODEL.md 3.2, 3.5): the follow-up desk (MQL queue served by reps) and a rep's touch.

The desk is a multi-server FIFO queue on SimPy's event queue. Reps are not processes: a
follow-up is one ``Timeout`` whose callback frees the rep and starts the next lead, and
dispatching is a plain call. A followed-up lead therefore costs one event on the desk (and one
more if it becomes an opportunity, for its close), which keeps the per-lead cost low.
Reps take new leads only while on duty (working hours); a rep finishes the lead in hand after
the shift ends.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import numpy as np
from simpy.events import Timeout

from orgsim.model.decay import DecayCurve
from orgsim.model.leadflow import QUALITY, READINESS, U_CONTACT, U_QUALIFY
from orgsim.model.recorder import LOST

if TYPE_CHECKING:
    import simpy

    from orgsim.config import Sales
    from orgsim.model.calendar import WorkCalendar
    from orgsim.model.leadflow import DayBatch, Lead
    from orgsim.model.recorder import Counters, LeadLog


class FollowUpDesk:
    """MQLs wait here, first come first served, for one of ``servers`` reps on follow-up duty."""

    __slots__ = ("_done_callbacks", "_start", "busy", "env", "on_duty", "queue", "servers")

    def __init__(self, env: simpy.Environment, start: Callable[[Lead], float], servers: int, on_duty: bool):
        self.env = env
        self.queue: deque[Lead] = deque()
        self.servers = servers
        self.busy = 0
        self.on_duty = on_duty
        self._start = start  # plain call: touches the lead, returns the follow-up time in days
        self._done_callbacks = [self._done]

    def submit(self, lead: Lead) -> None:
        """Hand an MQL to sales: start now if a rep is free and on duty, else queue it."""
        if self.on_duty and self.busy < self.servers:
            self._serve(lead)
        else:
            self.queue.append(lead)

    def _serve(self, lead: Lead) -> None:
        self.busy += 1
        event = Timeout(self.env, self._start(lead))
        event.callbacks = list(self._done_callbacks)

    def _done(self, _event: simpy.Event) -> None:
        self.busy -= 1
        if self.on_duty and self.queue and self.busy < self.servers:
            self._serve(self.queue.popleft())

    def dispatch(self) -> None:
        """Start queued leads on every free rep (at a shift start or when servers change)."""
        queue = self.queue
        while self.on_duty and queue and self.busy < self.servers:
            self._serve(queue.popleft())

    def open_shift(self) -> None:
        self.on_duty = True
        self.dispatch()

    def close_shift(self) -> None:
        self.on_duty = False

    def set_servers(self, servers: int) -> None:
        """Change the number of reps on follow-up duty; busy reps above it finish first."""
        self.servers = servers
        self.dispatch()

    def shifts(self, calendar: WorkCalendar, horizon_days: float) -> Generator[simpy.Event, Any, None]:
        """The shifts process: opens and closes the desk at the calendar's working hours."""
        env = self.env
        for start, end in calendar.shifts(0.0):
            if start >= horizon_days:
                return
            yield Timeout(env, start - env.now)
            self.open_shift()
            yield Timeout(env, end - env.now)
            self.close_shift()


class SalesTeam:
    """The reps (MODEL.md 3.2, 3.5): how many there are, the share of their time spent
    prospecting, the follow-up desk, and a rep's touch of a lead: contact and qualification,
    with odds that decay with the response delay (``mechanisms.response_decay``).

    A qualified lead opens an opportunity through ``open_opportunity`` (the pipeline's
    :meth:`~orgsim.model.pipeline.Pipeline.open`)."""

    def __init__(
        self,
        env: simpy.Environment,
        counters: Counters,
        log: LeadLog | None,
        sales: Sales,
        calendar: WorkCalendar,
        *,
        prospecting_share: float,
        response_decay: bool,
        open_opportunity: Callable[..., None],
    ):
        self.env = env
        self.counters = counters
        self.log = log
        self.params = sales
        self.reps = sales.reps
        self.prospecting_share = prospecting_share
        self.hours_per_workday = calendar.hours_per_workday
        self._open_opportunity = open_opportunity
        # Constants of the hot path, read once.
        self._contact_p = sales.contact_probability
        self._contact_curve = DecayCurve(sales.contact_decay) if response_decay else None
        self._qualify_curve = DecayCurve(sales.qualify_decay) if response_decay else None
        self._sla_days = sales.sla_hours / 24.0
        self.desk = FollowUpDesk(env, self._touch, self.follow_up_reps(), on_duty=calendar.always_on)
        counters.follow_up_reps = self.desk.servers

    # -- headcount -------------------------------------------------------------------------
    def follow_up_reps(self) -> int:
        """Reps on follow-up duty: the team less the share prospecting (at least one rep)."""
        if self.reps == 0:
            return 0
        return max(1, round(self.reps * (1.0 - self.prospecting_share)))

    def hire(self, reps: int) -> None:
        """New reps join; the follow-up duty is split again."""
        self.reps += reps
        self.desk.set_servers(self.follow_up_reps())

    def prospecting_hours(self) -> float | None:
        """Rep-hours of prospecting in a working day at the current headcount (``None``: the team does not prospect)."""
        if self.prospecting_share > 0:
            return (self.reps - self.desk.servers) * self.hours_per_workday
        return None

    def record(self) -> None:
        """Bring the desk's levels up to date in the counters (before a snapshot)."""
        self.counters.queue_length = len(self.desk.queue)
        self.counters.follow_up_reps = self.desk.servers

    # -- a rep's touch (plain calls on the hot path) ---------------------------------------
    def _touch(self, lead: Lead) -> float:
        """A rep takes the lead from the queue now; returns the follow-up time in days.

        The response delay runs from the hand-off to sales (arrival, or return from nurture)."""
        now = self.env.now
        c = self.counters
        delay_days = now - lead.queued_at
        delay_hours = delay_days * 24.0
        c.follow_ups += 1
        c.response_hours_sum += delay_hours
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
        if self._qualify(lead, now, contact_p, qualify_p, done):
            c.mql_qualified += 1
        return lead.follow_up_days

    def _qualify_probability(self, lead: Lead) -> float:
        sales = self.params
        p = sales.qualify_intercept + sales.qualify_quality_weight * lead.quality + sales.qualify_readiness_weight * lead.readiness
        return 1.0 if p > 1.0 else p

    def _qualify(self, lead: Lead, touched_at: float, contact_p: float, qualify_p: float, done_at: float) -> bool:
        """Contact and qualification of a touched lead; a qualified lead opens an opportunity."""
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
        self._open_opportunity(lead, touched_at, done_at)
        return True

    def touch_outbound(self, b: DayBatch, rows: np.ndarray | None) -> None:
        """The day's (scored) outbound leads, touched at once by the rep who found them: no
        response delay, so no decay. Decided for the whole batch with numpy (the same float
        operations as :meth:`_qualify_probability` lead by lead)."""
        n = len(b.times)
        c, log = self.counters, self.log
        v = b.values
        sales = self.params
        qualify_p = np.minimum(
            sales.qualify_intercept + sales.qualify_quality_weight * v[QUALITY] + sales.qualify_readiness_weight * v[READINESS], 1.0
        )
        contacted = v[U_CONTACT] < self._contact_p
        qualified = contacted & (v[U_QUALIFY] < qualify_p)
        n_qualified = int(np.count_nonzero(qualified))
        c.contacted += int(np.count_nonzero(contacted))
        c.disqualified += n - n_qualified
        c.opportunities += n_qualified
        c.open_opportunities += n_qualified
        if log is not None:
            log.first_touch_at[rows] = b.times
            log.contacted[rows] = contacted
            log.qualified[rows] = qualified
            log.opportunity_at[rows[qualified]] = b.times[qualified]  # type: ignore[index]
            log.outcome[rows[~qualified]] = LOST  # type: ignore[index]
        if n_qualified:
            for lead in b.leads(np.flatnonzero(qualified), rows):
                t = lead.arrived_at
                self._open_opportunity(lead, t, t, now=t)

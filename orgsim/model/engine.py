"""The simulation engine: builds the SimPy environment, wires the mechanisms, runs, collects.

Lifecycle (after desmod): configure (a validated Scenario), build (:meth:`Model.build`: one
component per mechanism, each from its own section of the scenario, wired by callbacks in
:mod:`~orgsim.model.wiring`), run
(:meth:`Model.run`), collect (:class:`~orgsim.model.results.RunResult`). The components live in
``leadflow`` (MODEL.md 3.1-3.4), ``sales`` (3.2, 3.5), ``pipeline`` (3.6), ``marketing``
(3.7-3.8), ``market`` (2), ``quota`` (3.9), ``leadership`` (3.5, 3.8-3.11), ``costs`` (3.12) and
``recorder`` (3.13).

The processes are the recorder, the planning cycle, the quarters and the marketers' projects.
Everything else is one ``Call`` (a ``Timeout`` with its callback, orgsim.model.call) per step: the day step
(:meth:`Model._day`), the desk's shift starts and ends, each dispute's arrival, travel and
handling, each MQL's arrival at the follow-up queue, each follow-up, each opportunity's close
and each recycled nurture lead's return. A lead that starts none of these (most leads) costs
no event (docs/performance.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import simpy

from orgsim.config import Reorganization, Scenario, Structure
from orgsim.model.calendar import WorkCalendar
from orgsim.model.call import Call
from orgsim.model.pipeline import OpenDeal
from orgsim.model.positions import positions
from orgsim.model.recorder import Counters, LeadLog
from orgsim.model.reorganize import Switch
from orgsim.model.streams import Seed, Streams
from orgsim.model.wiring import Wiring


def at_start(env: simpy.Environment, start: Callable[[], None]) -> None:
    """Call ``start()`` when the run starts, where a process started now would take its first
    step: at time 0 with SimPy's ``URGENT`` priority, after the processes and calls already
    started this way (the day step and the shifts are plain callbacks, not processes, so
    that each step costs one ``Call`` and no generator; they start in the order they had
    as processes, so the events of an instant keep their order)."""
    event = simpy.Event(env)
    event._ok, event._value = True, None  # triggered, as simpy's Initialize is
    event.callbacks.append(lambda _event: start())
    env.schedule(event, simpy.core.URGENT)


class Model(Wiring):
    """One run of one scenario with one seed. Use :func:`orgsim.simulate` rather than this class.

    ``stream_prefix`` gives a warm-up run its own family of streams; such a run keeps its
    open opportunities for :meth:`carry_in`. A :class:`~orgsim.config.Reorganization` is built
    in its ``start`` structure and switched by :class:`~orgsim.model.reorganize.Switch`."""

    def __init__(
        self,
        scenario: Scenario,
        structure: Structure | Reorganization | None = None,
        *,
        seed: Seed,
        horizon_days: float,
        record_leads: bool = False,
        stream_prefix: str = "",
    ):
        self.scenario = scenario
        reorganization = structure if isinstance(structure, Reorganization) else None
        if reorganization is not None:
            structure = reorganization.start
        self.structure = structure
        # Leadership: the profiles the mechanisms read, after the position mechanisms (none
        # without a structure); `leader` is the integrator's own profile.
        self.leader = structure.integrator if structure is not None else None
        self.positions = positions(structure, scenario.mechanisms, scenario.leadership) if structure is not None else None
        self.horizon_days = float(horizon_days)
        self._n_days = math.ceil(self.horizon_days)  # day steps: days 0 .. _n_days - 1
        self.env = simpy.Environment()
        self.streams = Streams(seed, prefix=stream_prefix)
        self.calendar = WorkCalendar(scenario.calendar)
        self.counters = Counters()
        # A first guess of the log's rows (inbound at its base rate); it grows by a quarter when full.
        expected = self.horizon_days * scenario.inbound.base_rate_per_day
        self.log: LeadLog | None = LeadLog(int(expected) + 1024) if record_leads else None
        self.build(keep_pipeline=bool(stream_prefix))
        self.switch = Switch(self, reorganization) if reorganization is not None else None

    # -- the day step ----------------------------------------------------------------------
    def _day(self, day: int) -> None:
        """One step a day: the day's decay and learning, the day's effects, the day's leads;
        then the next day's step (a plain callback, as the shifts: no process)."""
        if self.switch is not None:
            self.switch.start_day(day)
        if day > 0:
            self.marketing.step_day()
            self.stocks.step_day()
            if self.crm is not None:
                self.crm.step_day()
            self.discipline.step_day()
        self.workforce.step_day(day)  # departures, starts, ramp and the open market, before the day's leads
        effect = self.effects.update()
        self.customers.start_day(day, effect)  # churn, expansion and revenue to today; delight and referrals
        crm = self.crm.level() if self.crm is not None else 0.0
        self.counters.crm_learning = crm
        self.leadflow.start_day(effect, crm, self.discipline.today())
        self.pipeline.start_day(effect)
        self.leadflow.arrive(day)
        following = day + 1
        if following < self._n_days:
            Call(self.env, following - self.env.now, self._next_day, following)

    def _next_day(self, event: simpy.Event) -> None:
        self._day(event.value)

    # -- the warm start --------------------------------------------------------------------
    def open_pipeline(self) -> list[OpenDeal]:
        """A warm-up run's open opportunities, in closing order: (lead, close, touch, opportunity) times."""
        return self.pipeline.open_pipeline()

    def carry_in(self, pipeline: list[OpenDeal], warm_days: float) -> None:
        """Open deals from before time 0 (see :meth:`Pipeline.carry_in`)."""
        reps = self.sales.reps
        # a warm-up deal of a rep the run does not have at time 0 (a growth-stage hire) goes to reps in turn
        self.pipeline.carry_in(pipeline, warm_days, lambda rep_id: reps[rep_id % len(reps)])

    # -- running ---------------------------------------------------------------------------
    def advance(self) -> None:
        """Run to the horizon without collecting results (a warm-up run needs only its pipeline)."""
        env = self.env
        if self.switch is not None and self.switch.at_day == 0:
            self.switch.apply()  # before any process starts: the target structure from the start
        env.process(self.recorder.run())
        env.process(self.marketing.run())
        env.process(self.quarters.run())
        if self.escalation is not None:
            self.escalation.start(self.horizon_days)
        if not self.calendar.always_on:
            desk, calendar, horizon = self.sales.desk, self.calendar, self.horizon_days
            at_start(env, lambda: desk.start_shifts(calendar, horizon))
        at_start(env, lambda: self._day(0))
        env.run(until=self.horizon_days)
        self.recorder.snapshot()

    def run(self) -> tuple[Any, dict[str, float], Any, Any]:
        """Run to the horizon; return (series, totals, leads or None, reps)."""
        self.advance()
        self.plan.close(self.horizon_days)
        series = self.recorder.series(self.scenario.costs.gross_margin)
        totals = self.recorder.totals(series, self.sales.desk.waiting())
        totals["share_of_reps_at_quota"] = self.plan.share_at_quota()
        totals.update(self.customers.retention())
        leads = self.log.to_frame() if self.log is not None else None
        return series, totals, leads, self.sales.reps_frame()

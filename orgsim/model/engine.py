"""The simulation engine: builds the SimPy environment, wires the mechanisms, runs, collects.

Lifecycle (after desmod): configure (a validated Scenario), build (:meth:`Model.build`: one
component per mechanism, each from its own section of the scenario, wired by callbacks), run
(:meth:`Model.run`), collect (:class:`~orgsim.model.results.RunResult`). The components live in
``leadflow`` (MODEL.md 3.1-3.4), ``sales`` (3.2, 3.5), ``pipeline`` (3.6), ``marketing``
(3.7-3.8), ``market`` (2), ``quota`` (3.9), ``leadership`` (3.5, 3.8-3.11), ``costs`` (3.12) and
``recorder`` (3.13).

The processes are the day step (:meth:`Model._days`), the desk's shifts, the recorder, the
planning cycle, the quarters and the disputes; plus one ``Timeout`` with a plain-call callback
per MQL's arrival at the follow-up queue, per follow-up, per opportunity close and per recycled
nurture lead. A lead that starts none of these (most leads) costs no event (issue 7:
docs/performance.md).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from functools import partial
from typing import Any

import simpy
from simpy.events import Timeout

from orgsim.config import Scenario, Structure
from orgsim.model.calendar import WorkCalendar
from orgsim.model.costs import Costs, leadership_cost_per_year
from orgsim.model.leadership import (
    CrmLearning,
    Escalation,
    FollowUpDiscipline,
    LeaderAllocation,
    coaching,
    mean_discount,
    outbound_productivity,
    queue_check_factor,
    stock_impacts,
)
from orgsim.model.leadflow import LeadFlow
from orgsim.model.market import MarketStocks, StockEffects
from orgsim.model.marketing import FixedShares, MarketingTeam, steady_state_levels
from orgsim.model.pipeline import OpenDeal, Pipeline
from orgsim.model.positions import positions
from orgsim.model.quota import Quarters, SalesPlan
from orgsim.model.recorder import Counters, LeadLog, Recorder
from orgsim.model.sales import SalesTeam
from orgsim.model.streams import Seed, Streams, named_generator


class Model:
    """One run of one scenario with one seed. Use :func:`orgsim.simulate` rather than this class.

    ``stream_prefix`` gives a warm-up run its own family of streams; such a run keeps its
    open opportunities for :meth:`carry_in`."""

    def __init__(
        self,
        scenario: Scenario,
        structure: Structure | None = None,
        *,
        seed: Seed,
        horizon_days: float,
        record_leads: bool = False,
        stream_prefix: str = "",
    ):
        self.scenario = scenario
        self.structure = structure
        # Leadership: the profiles the mechanisms read, after the position mechanisms (none
        # without a structure); `leader` is the integrator's own profile.
        self.leader = structure.integrator if structure is not None else None
        self.positions = positions(structure, scenario.mechanisms, scenario.leadership) if structure is not None else None
        self.horizon_days = float(horizon_days)
        self.env = simpy.Environment()
        self.streams = Streams(seed, prefix=stream_prefix)
        self.calendar = WorkCalendar(scenario.calendar)
        self.counters = Counters()
        # A first guess of the log's rows (inbound at its base rate); it grows by a quarter when full.
        expected = self.horizon_days * scenario.inbound.base_rate_per_day
        self.log: LeadLog | None = LeadLog(int(expected) + 1024) if record_leads else None
        self.build(keep_pipeline=bool(stream_prefix))

    # -- build -----------------------------------------------------------------------------
    def build(self, *, keep_pipeline: bool = False) -> None:
        """desmod's build step: one component per mechanism, from the bottom up (each is given
        the callbacks of those it acts on)."""
        self._build_marketing()
        self._build_leadership()
        self._build_sales(keep_pipeline)
        self._build_leadflow()
        self._build_bookkeeping()

    def _build_marketing(self) -> None:
        """Market stocks (starting at the steady state of the company's past split, unless
        empty) and the marketing team with its allocation policy."""
        scenario, pos, mech = self.scenario, self.positions, self.scenario.mechanisms
        marketing = scenario.marketing
        past = {} if marketing.initial_stocks == "empty" else steady_state_levels(scenario, marketing.initial_long_term_share)
        self.stocks = MarketStocks(scenario.market, past)
        self.effects = StockEffects(self.stocks, mech)
        if pos is not None and mech.planning_allocation:
            policy: Any = LeaderAllocation(scenario, pos.allocator, stock_impacts(scenario), pressure_shortens_horizon=mech.quota_pressure)
        else:
            policy = FixedShares(marketing.long_term_share)
        workdays = scenario.calendar.workdays_per_week
        rng = self.streams["marketing"]
        self.marketing = MarketingTeam(
            self.env, marketing, workdays, self.stocks, self.counters, rng, policy, enabled=mech.marketing_projects
        )

    def _build_leadership(self) -> None:
        """Escalation of disputes, follow-up discipline (trust) and CRM learning."""
        scenario, pos, mech = self.scenario, self.positions, self.scenario.mechanisms
        params = scenario.leadership
        self.escalation = (
            Escalation(
                self.env,
                pos.interface,
                params,
                self.counters,
                self.streams["disputes"],
                partial(self.marketing.rush, 1),
                levels=pos.dispute_levels,
            )
            if (pos is not None and mech.escalation)
            else None
        )
        base_ignore = scenario.sales.ignore_share if mech.unfollowed_mqls else 0.0
        enforcer = pos.sales if (pos is not None and mech.follow_up_discipline) else None
        self.discipline = FollowUpDiscipline(params, self.counters, base_ignore, enforcer, self.escalation)
        self.crm = CrmLearning(params, self.counters, pos.sales.crm_discipline) if pos is not None and mech.crm_learning else None

    def _build_sales(self, keep_pipeline: bool) -> None:
        """The sales team and the pipeline, with the leader's effects on them."""
        scenario, mech = self.scenario, self.scenario.mechanisms
        leader = self.positions.sales if self.positions is not None else None
        sales, deals, params = scenario.sales, scenario.deals, scenario.leadership
        coach, check, discount = 1.0, 1.0, deals.discount_mean
        self.outbound_productivity = 1.0
        if leader is not None:
            if mech.sales_effectiveness:
                coach = coaching(leader, params)
                self.outbound_productivity = outbound_productivity(leader, params)
            if mech.follow_up_discipline:
                check = queue_check_factor(leader, params)
            if mech.discount_authority:
                discount = min(mean_discount(deals.discount_mean, leader, params), deals.discount_max)
        self.sales = SalesTeam(
            self.env,
            self.counters,
            self.log,
            sales,
            self.calendar,
            # the same people in the warm-up and in the run, whatever the structure: no prefix
            reps_rng=named_generator(self.streams.seed, "reps"),
            coaching=coach,
            check_factor=check,
            prospecting=mech.outbound_prospecting,
            response_decay=mech.response_decay,
        )
        self.pipeline = Pipeline(
            self.env,
            self.counters,
            self.log,
            deals,
            scenario.market,
            readiness_mean=scenario.leads.readiness_mean,
            discount_mean=discount,
            channel_discount_sd=scenario.growth.channel_discount_sd,
            duty_hours_per_day=self.calendar.duty_hours_per_day,
            deal_work=self.sales.add_deal_work,
            keep_open=keep_pipeline,
        )
        self.sales.open_opportunity = self.pipeline.open

    def _build_leadflow(self) -> None:
        """Lead generation and scoring; agreed scoring criteria cut the scoring noise."""
        leader, mech = self.leader, self.scenario.mechanisms
        agreed = leader is not None and leader.agreed_scoring_criteria and mech.scoring_criteria  # agreed at the interface
        self.leadflow = LeadFlow(
            self.env,
            self.counters,
            self.log,
            self.scenario,
            self.streams,
            self.calendar,
            horizon_days=self.horizon_days,
            criteria_cut=self.scenario.leadership.agreed_criteria_noise_cut if agreed else 0.0,
            prospecting_hours=self.sales.prospecting_hours,
            attempts_per_hour=self.scenario.sales.outbound_attempts_per_hour * self.outbound_productivity,
            submit=self.sales.desk.submit,
            touch_outbound=self.sales.touch_outbound,
        )

    def _build_bookkeeping(self) -> None:
        """Costs, the quarter cycle and the recorder."""
        scenario, pos, mech = self.scenario, self.positions, self.scenario.mechanisms
        self.costs = Costs(
            self.env,
            self.counters,
            scenario.costs,
            reps=self.sales.headcount,
            marketers=scenario.marketing.marketers,
            leadership_usd_per_year=(
                leadership_cost_per_year(self.structure, scenario.costs.head_cost_usd_per_year, mech) if mech.leader_costs else 0.0
            ),
        )
        self.plan = SalesPlan(self.counters, scenario.leadership, scenario.sales.quota_shares, lambda: self.sales.reps)
        self.quarters = Quarters(
            self.env,
            self.counters,
            scenario.leadership,
            self.plan,
            horizon_days=self.horizon_days,
            hires_per_quarter=scenario.growth.rep_hires_per_quarter if mech.growth_stage else 0,
            quota_sensitivity=pos.allocator.quota_sensitivity if (pos is not None and mech.quota_pressure) else None,
            discount_sensitivity=pos.discount_sensitivity if (pos is not None and mech.quota_pressure) else None,
            marketers=scenario.marketing.marketers,
            hire=self._hire,
            rush=self.marketing.rush,
            discount=self.pipeline.set_pressure_discount,
            clear_discount=self.pipeline.clear_pressure,
        )
        self.recorder = Recorder(
            self.env,
            self.counters,
            horizon_days=self.horizon_days,
            period_days=scenario.period_days,
            kinds=scenario.marketing.kinds,
            effort=self.marketing.effort,
            stocks=self.stocks,
            before_snapshot=(self.costs.accrue, self.sales.record),
        )

    def _hire(self, reps: int) -> None:
        """New reps: costs accrue at the old rate up to now, then run at the new one."""
        self.costs.accrue()
        self.plan.hired(self.sales.hire(reps), self.env.now)
        self.costs.set_reps(self.sales.headcount)

    # -- the day step ----------------------------------------------------------------------
    def _days(self) -> Generator[simpy.Event, Any, None]:
        """One step a day: the day's decay and learning, the day's effects, the day's leads."""
        env = self.env
        for day in range(math.ceil(self.horizon_days)):
            if env.now < day:
                yield Timeout(env, day - env.now)
            if day > 0:
                self.marketing.step_day()
                self.stocks.step_day()
                if self.crm is not None:
                    self.crm.step_day()
                self.discipline.step_day()
            effect = self.effects.update()
            crm = self.crm.level() if self.crm is not None else 0.0
            self.counters.crm_learning = crm
            self.leadflow.start_day(effect, crm, self.discipline.today())
            self.pipeline.start_day(effect)
            self.leadflow.arrive(day)

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
        env.process(self.recorder.run())
        env.process(self.marketing.run())
        env.process(self.quarters.run())
        if self.escalation is not None:
            env.process(self.escalation.run(self.horizon_days))
        if not self.calendar.always_on:
            env.process(self.sales.desk.shifts(self.calendar, self.horizon_days))
        env.process(self._days())
        env.run(until=self.horizon_days)
        self.recorder.snapshot()

    def run(self) -> tuple[Any, dict[str, float], Any, Any]:
        """Run to the horizon; return (series, totals, leads or None, reps)."""
        self.advance()
        self.plan.close(self.horizon_days)
        series = self.recorder.series(self.scenario.costs.gross_margin)
        totals = self.recorder.totals(series, self.sales.desk.waiting())
        totals["share_of_reps_at_quota"] = self.plan.share_at_quota()
        leads = self.log.to_frame() if self.log is not None else None
        return series, totals, leads, self.sales.reps_frame()

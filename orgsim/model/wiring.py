"""Wiring: desmod's build step for :class:`~orgsim.model.engine.Model`, one component per mechanism.

Each ``_build_*`` method makes the components of one part of the model from its section of the
scenario and hands each the callbacks of the components it acts on (bound methods, never
another component's internals). :class:`Wiring` is a mixin of the engine's ``Model``: the
engine keeps the run's lifecycle (configure, build, run, collect) and the day step; this module
keeps who is wired to whom.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

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
from orgsim.model.pipeline import Pipeline
from orgsim.model.quota import Quarters, SalesPlan
from orgsim.model.recorder import Recorder
from orgsim.model.sales import SalesTeam
from orgsim.model.streams import named_generator

if TYPE_CHECKING:
    import simpy

    from orgsim.config import Scenario, Structure
    from orgsim.model.calendar import WorkCalendar
    from orgsim.model.positions import Positions
    from orgsim.model.recorder import Counters, LeadLog
    from orgsim.model.streams import Streams


class Wiring:
    """The build step of :class:`~orgsim.model.engine.Model` (a mixin: the attributes below are the model's)."""

    scenario: Scenario
    structure: Structure | None
    positions: Positions | None
    env: simpy.Environment
    streams: Streams
    calendar: WorkCalendar
    counters: Counters
    log: LeadLog | None
    horizon_days: float

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

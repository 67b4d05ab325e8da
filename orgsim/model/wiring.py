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

from orgsim.model.budget import ProgrammeBudget
from orgsim.model.costs import Costs, leadership_cost_per_year
from orgsim.model.customers import CustomerBase, ReferralLeads, installed_base
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
from orgsim.model.workforce import Workforce

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
        self._build_budget()
        self._build_leadership()
        self._build_sales(keep_pipeline)
        self._build_leadflow()
        self._build_customers()
        self._build_bookkeeping()
        self._build_workforce()

    def _build_marketing(self) -> None:
        """Market stocks (starting at the steady state of the company's past split, unless
        empty) and the marketing team with its allocation policy."""
        scenario, mech = self.scenario, self.scenario.mechanisms
        marketing = scenario.marketing
        past = {} if marketing.initial_stocks == "empty" else steady_state_levels(scenario, marketing.initial_long_term_share)
        self.stocks = MarketStocks(scenario.market, past)
        self.effects = StockEffects(self.stocks, mech)
        policy = self._allocation_policy()
        workdays = scenario.calendar.workdays_per_week
        rng = self.streams["marketing"]
        self.marketing = MarketingTeam(
            self.env, marketing, workdays, self.stocks, self.counters, rng, policy, enabled=mech.marketing_projects
        )

    def _build_budget(self) -> None:
        """Programme budgets (docs/model.md 7.27): the money the marketing team may spend per period."""
        scenario = self.scenario
        self.budget: ProgrammeBudget | None = None
        if scenario.mechanisms.program_budget:
            team = self.marketing
            budget, marketers = scenario.budget, scenario.marketing.marketers
            self.budget = ProgrammeBudget(
                self.env, budget, self.counters, long_share=team.money_long_share, refill=team.refill, marketers=marketers
            )
            team.budget = self.budget

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
        sales, deals = scenario.sales, scenario.deals
        coach, check, discount, self.outbound_productivity = self._sales_levers()
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
        self.leadflow = LeadFlow(
            self.env,
            self.counters,
            self.log,
            self.scenario,
            self.streams,
            self.calendar,
            horizon_days=self.horizon_days,
            criteria_cut=self._criteria_cut(),
            prospecting_hours=self.sales.prospecting_hours,
            attempts_per_hour=self.scenario.sales.outbound_attempts_per_hour * self.outbound_productivity,
            submit=self.sales.desk.submit,
            touch_outbound=self.sales.touch_outbound,
        )

    def _build_customers(self) -> None:
        """Customers after the sale (docs/model.md 7.25): the installed base, the pipeline's wins
        as new customers, and their referral leads into the lead flow."""
        scenario = self.scenario
        params, mech = scenario.customers, scenario.mechanisms
        base = None
        if params.initial_base == "steady_state":
            base = installed_base(params, scenario.deals, scenario.leadership, mech, self.streams["customer_base"])
        self.customers = CustomerBase(
            self.counters,
            params,
            mech,
            env=self.env,
            list_price_usd=scenario.deals.list_price_usd,
            horizon_days=self.horizon_days,
            churn_rng=self.streams["customers"],
            base=base,
        )
        self.pipeline.on_win = self.customers.on_win
        if mech.referrals:
            self.customers.referrals = ReferralLeads(scenario, self.streams["referrals"], self.calendar)
            self.leadflow.referrals = self.customers.referrals

    def _build_bookkeeping(self) -> None:
        """Costs, the quarter cycle and the recorder."""
        scenario, mech = self.scenario, self.scenario.mechanisms
        quota_sensitivity, discount_sensitivity = self._pressure_sensitivities()
        self.costs = Costs(
            self.env,
            self.counters,
            scenario.costs,
            reps=self.sales.headcount,
            marketers=scenario.marketing.marketers,
            leadership_usd_per_year=self._leadership_cost(),
        )
        self.plan = SalesPlan(self.counters, scenario.leadership, scenario.sales.quota_shares, lambda: self.sales.reps)
        self.quarters = Quarters(
            self.env,
            self.counters,
            scenario.leadership,
            self.plan,
            horizon_days=self.horizon_days,
            hires_per_quarter=scenario.growth.rep_hires_per_quarter if mech.growth_stage else 0,
            quota_sensitivity=quota_sensitivity,
            discount_sensitivity=discount_sensitivity,
            marketers=scenario.marketing.marketers,
            hire=self._hire,
            rush=self.marketing.rush,
            discount=self.pipeline.set_pressure_discount,
            clear_discount=self.pipeline.clear_pressure,
            cut_budget=self.budget.cut if (self.budget is not None and mech.budget_cuts) else None,
        )
        self.recorder = Recorder(
            self.env,
            self.counters,
            horizon_days=self.horizon_days,
            period_days=scenario.period_days,
            kinds=scenario.marketing.kinds,
            effort=self.marketing.effort,
            stocks=self.stocks,
            before_snapshot=(self.costs.accrue, self.sales.record, self.customers.catch_up),
        )

    # -- what the positions set: computed in one place, at build and at a reorganisation ---------
    def _allocation_policy(self) -> Any:
        """The marketing allocation: the allocator's value over their horizon, or fixed shares."""
        scenario, pos, mech = self.scenario, self.positions, self.scenario.mechanisms
        if pos is not None and mech.planning_allocation:
            return LeaderAllocation(scenario, pos.allocator, stock_impacts(scenario), pressure_shortens_horizon=mech.quota_pressure)
        return FixedShares(scenario.marketing.long_term_share)

    def _sales_levers(self) -> tuple[float, float, float, float]:
        """The sales leader's coaching, queue-check factor, mean discount and outbound productivity."""
        scenario, mech = self.scenario, self.scenario.mechanisms
        leader = self.positions.sales if self.positions is not None else None
        deals, params = scenario.deals, scenario.leadership
        coach, check, discount, outbound = 1.0, 1.0, deals.discount_mean, 1.0
        if leader is not None:
            if mech.sales_effectiveness:
                coach = coaching(leader, params)
                outbound = outbound_productivity(leader, params)
            if mech.follow_up_discipline:
                check = queue_check_factor(leader, params)
            if mech.discount_authority:
                discount = min(mean_discount(deals.discount_mean, leader, params), deals.discount_max)
        return coach, check, discount, outbound

    def _criteria_cut(self) -> float:
        """The share of scoring noise cut by criteria agreed at the interface."""
        leader, mech = self.leader, self.scenario.mechanisms
        agreed = leader is not None and leader.agreed_scoring_criteria and mech.scoring_criteria  # agreed at the interface
        return self.scenario.leadership.agreed_criteria_noise_cut if agreed else 0.0

    def _leadership_cost(self) -> float:
        """The structure's leaders' cost per year (``mechanisms.leader_costs``)."""
        scenario, mech = self.scenario, self.scenario.mechanisms
        return leadership_cost_per_year(self.structure, scenario.costs.head_cost_usd_per_year, mech) if mech.leader_costs else 0.0

    def _pressure_sensitivities(self) -> tuple[float | None, float | None]:
        """The allocator's and the quota owner's quota sensitivity (``None``: no pressure)."""
        pos, mech = self.positions, self.scenario.mechanisms
        if pos is None or not mech.quota_pressure:
            return None, None
        return pos.allocator.quota_sensitivity, pos.discount_sensitivity

    def retarget(self) -> None:
        """A reorganisation: every component that reads the positions takes the new ones (the
        same values the build step computes, from the same functions)."""
        pos, mech = self.positions, self.scenario.mechanisms
        assert pos is not None, "a reorganisation switches between structures"
        self.marketing.policy = self._allocation_policy()
        if self.escalation is not None:
            self.escalation.retarget(pos.interface, pos.dispute_levels)
        self.discipline.leader = pos.sales if mech.follow_up_discipline else None
        if self.crm is not None:
            self.crm.discipline = pos.sales.crm_discipline
        coach, check, discount, self.outbound_productivity = self._sales_levers()
        self.sales.set_coaching(coach)
        self.sales.desk.check_factor = check
        self.pipeline.set_discount_mean(discount)
        self.leadflow.set_levers(self._criteria_cut(), self.scenario.sales.outbound_attempts_per_hour * self.outbound_productivity)
        self.costs.set_leadership(self._leadership_cost())
        self.quarters.quota_sensitivity, self.quarters.discount_sensitivity = self._pressure_sensitivities()

    def _build_workforce(self) -> None:
        """Hiring lag, ramp, attrition with backfill, and the addressable market (docs/model.md 7.26)."""
        scenario = self.scenario
        self.workforce = Workforce(
            self.env,
            self.counters,
            scenario.workforce,
            scenario.mechanisms,
            reps=list(self.sales.employed),
            marketers=scenario.marketing.marketers,
            rep_rng=self.streams["attrition"],
            marketer_rng=self.streams["marketer_attrition"],
            start_reps=self._start_reps,
            rep_leaves=self._rep_leaves,
            set_productivity=self.sales.set_productivity,
            marketers_changed=self.costs.set_marketers,
            marketer_vacancy=self.marketing.vacancy,
            # the quota owner's pressure: the last check's shortfall x their quota sensitivity (none without pressure)
            pressure_felt=lambda: self.counters.quota_pressure * (self.quarters.discount_sensitivity or 0.0),
            won_accounts=lambda: self.counters.wins,
            set_open_market=partial(setattr, self.leadflow, "open_market"),
            initial_accounts=float(self.counters.customers),  # the installed base at time 0 (customers, 7.25)
        )

    def _hire(self, reps: int) -> None:
        """Planned hires (the growth stage): requisitions that start after the hiring lag."""
        self.workforce.open_rep_requisitions(reps)

    def _start_reps(self, reps: int) -> list[Any]:
        """New reps start: costs accrue at the old rate up to now, then run at the new one."""
        self.costs.accrue()
        new = self.sales.hire(reps)
        self.plan.hired(new, self.env.now)
        self.costs.set_reps(self.sales.headcount)
        return new

    def _rep_leaves(self, rep: Any) -> None:
        """A rep leaves: their plan period closes, the team takes over their work, costs drop."""
        self.costs.accrue()
        self.plan.left(rep, self.env.now)
        self.sales.lose(rep)
        self.costs.set_reps(self.sales.headcount)

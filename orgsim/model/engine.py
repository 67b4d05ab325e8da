"""The simulation model: builds the SimPy environment, runs it, collects the results.

Lifecycle (after desmod): configure (a validated Scenario), build (:class:`Model`), run
(:meth:`Model.run`), collect (:class:`~orgsim.results.RunResult`). The processes are

* ``_leads``: one step per day: draws the day's leads in batches and decides, for all of
  them at once, what happens at their arrival (scoring, nurture, hand-off, an outbound lead's
  first touch; :meth:`Model._release`);
* ``_shifts``: opens and closes the reps' working shifts (two events per working day);
* ``_recorder``: snapshots the counters at every period boundary;

plus one ``Timeout`` with a plain-call callback per MQL's arrival at the follow-up queue,
per follow-up (the desk, :mod:`orgsim.sales`), per opportunity close and per recycled nurture
lead. A lead that starts none of these (most leads) costs no event (issue 7: docs/performance.md).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy
from simpy.events import Timeout

from orgsim.config.scenario import STOCKS, Scenario
from orgsim.config.structure import Structure
from orgsim.model.calendar import WorkCalendar
from orgsim.model.decay import DecayCurve
from orgsim.model.leadership import (
    Escalation,
    LeaderAllocation,
    Trust,
    mean_discount,
    rep_effectiveness,
    stock_impacts,
    unfollowed_share,
)
from orgsim.model.leadflow import QUALITY, READINESS, U_CONTACT, U_IGNORE, U_QUALIFY, U_RECYCLE, Z_SCORE, DayBatch, Lead, LeadSource
from orgsim.model.market import MarketStocks, hill
from orgsim.model.marketing import FixedShares, MarketingTeam, steady_state_levels
from orgsim.model.recorder import (
    CAMPAIGN,
    CHANNEL,
    FLOW_COUNTERS,
    INBOUND,
    LEVEL_COUNTERS,
    LOST,
    NURTURE,
    OPEN,
    UNFOLLOWED,
    WON,
    Counters,
    LeadLog,
    build_series,
)
from orgsim.model.sales import FollowUpDesk, logistic, logit
from orgsim.model.streams import Seed, Streams

_SOURCE_COUNTER = {0: "leads_inbound", 1: "leads_campaign", 2: "leads_outbound", 3: "leads_channel"}
SCORE = Z_SCORE  # a batch's score noise row holds the score once the batch is scored (Model._score)


class Model:
    """One run of one scenario with one seed. Use :func:`orgsim.simulate` rather than this class."""

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
        self.horizon_days = float(horizon_days)
        self.env = simpy.Environment()
        self.streams = Streams(seed, prefix=stream_prefix)
        # Open opportunities with their close times, kept only by a warm-up run.
        self._pipeline: dict[int, tuple[Lead, float, float, float]] | None = {} if stream_prefix else None
        self.calendar = WorkCalendar(scenario.calendar)
        self.counters = Counters()
        self.source = LeadSource(scenario, self.streams)
        sales, leads, deals, mech = scenario.sales, scenario.leads, scenario.deals, scenario.mechanisms

        # Leadership: the integrator's attributes drive the mechanisms (none without a structure).
        self.leader = structure.integrator if structure is not None else None
        lead_params = scenario.leadership
        self.lead_params = lead_params
        leader = self.leader
        self.reps = sales.reps
        self.rep_effectiveness = sales.rep_skill
        self.prospecting_share = sales.prospecting_share if mech.outbound_prospecting else 0.0
        self.discount_mean = deals.discount_mean
        self.discount_sd = deals.discount_sd
        if leader is not None:
            if mech.sales_effectiveness:
                self.rep_effectiveness = rep_effectiveness(sales.rep_skill, leader, lead_params)
                self.prospecting_share *= 1.0 + lead_params.outbound_support * (leader.sales_understanding - 0.5)
            if mech.follow_up_discipline:
                self.prospecting_share *= 1.0 - lead_params.sla_priority * (leader.sla_enforcement - 0.5)
            self.prospecting_share = min(max(self.prospecting_share, 0.0), 0.95)
            if mech.discount_authority:
                self.discount_mean = min(mean_discount(deals.discount_mean, leader, lead_params), deals.discount_max)
        self._base_ignore = sales.ignore_share if mech.unfollowed_mqls else 0.0
        self.ignore_share = self._base_ignore
        self.trust = Trust(lead_params)
        self._discipline_on = leader is not None and mech.follow_up_discipline
        self._criteria_cut = (
            lead_params.agreed_criteria_noise_cut if (leader and leader.agreed_scoring_criteria and mech.scoring_criteria) else 0.0
        )
        self._crm_on = leader is not None and mech.crm_learning
        self._crm_discipline = leader.crm_discipline if leader is not None else 0.0
        self._crm_retention = lead_params.crm_weekly_retention ** (1.0 / 7.0)
        self.crm_logged = 0.0
        self._pressure_discount = 0.0
        self._growth_on = mech.growth_stage
        self._channel_rate = scenario.growth.channel_leads_per_day if mech.growth_stage else 0.0

        # Marketing: stocks start at the steady state of the company's past split.
        market = scenario.market
        empty = scenario.marketing.initial_stocks == "empty"
        self.stocks = MarketStocks(market, {} if empty else steady_state_levels(scenario, scenario.marketing.initial_long_term_share))
        self.marketing = MarketingTeam(
            self.env,
            scenario.marketing,
            scenario.calendar.workdays_per_week,
            self.stocks,
            self.counters,
            self.streams["marketing"],
            LeaderAllocation(scenario, leader, stock_impacts(scenario), pressure_shortens_horizon=mech.quota_pressure)
            if (leader is not None and mech.planning_allocation)
            else FixedShares(scenario.marketing.long_term_share),
            enabled=mech.marketing_projects,
        )
        self.escalation = (
            Escalation(self.env, leader, lead_params, self.counters, self.streams["disputes"], self._rush_one)
            if (leader is not None and mech.escalation)
            else None
        )
        # The thinning bound comes from parameters only (never from switches or state), so the
        # inbound candidates are the same whatever the mechanisms and the stocks do.
        base = scenario.inbound.base_rate_per_day
        self.inbound_rate_bound = (
            base * (1.0 + market.brand_inbound_lift + market.content_inbound_lift)
            + market.campaign_rate_per_day_max
            + scenario.growth.channel_leads_per_day
        )
        self._effects_on = {
            "brand": mech.brand_effect,
            "content": mech.content_effect,
            "campaign": mech.campaign_effect,
            "automation": mech.automation_effect,
            "enablement": mech.enablement_effect,
            "targeting": mech.targeting_effect,
            "pricing": mech.pricing_effect,
        }
        self.effect: dict[str, float] = {}
        self._kind_names = [k.name for k in scenario.marketing.kinds]
        self._long_kinds = [k.name for k in scenario.marketing.kinds if k.term == "long"]  # a list: sum order is fixed
        self._short_kinds = [k.name for k in scenario.marketing.kinds if k.term == "short"]

        # Constants of the hot path, read once.
        self._mql_threshold = leads.mql_threshold
        self._contact_p = sales.contact_probability
        self._contact_curve = DecayCurve(sales.contact_decay) if mech.response_decay else None
        self._qualify_curve = DecayCurve(sales.qualify_decay) if mech.response_decay else None
        self._sla_days = sales.sla_hours / 24.0

        # A first guess of the log's rows (inbound at its base rate); it grows by a quarter when full.
        expected = self.horizon_days * scenario.inbound.base_rate_per_day
        self.log: LeadLog | None = LeadLog(int(expected) + 1024) if record_leads else None
        self.desk = FollowUpDesk(self.env, self._touch, self._follow_up_reps(), on_duty=self.calendar.always_on)
        self.counters.follow_up_reps = self.desk.servers
        self._leader_cost_per_day = self._leadership_cost_per_year() / 365.0 if mech.leader_costs else 0.0
        self._cost_rate_per_day = 0.0
        self._set_cost_rate()
        self._cost_accrued_to = 0.0
        # One row of counters per period end, in a preallocated array (a list of lists of Python
        # floats would cost four times the memory; issue 7 asks for memory flat in the leads).
        self._snapshots: np.ndarray | None = None
        self._n_snapshots = 0
        self._boundaries: list[float] = [0.0]

    # -- capacity --------------------------------------------------------------------------
    def _follow_up_reps(self) -> int:
        """Reps on follow-up duty: the team less the share prospecting (at least one rep)."""
        if self.reps == 0:
            return 0
        return max(1, round(self.reps * (1.0 - self.prospecting_share)))

    def _set_cost_rate(self) -> None:
        costs = self.scenario.costs
        self._cost_rate_per_day = (
            self.reps * costs.rep_cost_usd_per_year + self.scenario.marketing.marketers * costs.marketer_cost_usd_per_year
        ) / 365.0 + self._leader_cost_per_day

    def _rush_one(self) -> None:
        self.marketing.rush(1)

    def _leadership_cost_per_year(self) -> float:
        """Every role of the structure: its leader's salary, or a head's cost if it has no profile."""
        if self.structure is None:
            return 0.0
        head_cost = self.scenario.costs.head_cost_usd_per_year
        leaders = self.structure.leaders
        return sum(leaders[role].salary_usd_per_year if role in leaders else head_cost for role in self.structure.reports_to)

    def _outbound_rate_bound(self) -> float:
        sales = self.scenario.sales
        quarters = math.ceil(self.horizon_days / self.lead_params.quarter_days)
        hires = self.scenario.growth.rep_hires_per_quarter * quarters if self._growth_on else 0
        return (sales.reps + hires) * self.calendar.hours_per_workday * sales.outbound_leads_per_prospecting_hour

    def _accrue_costs(self) -> None:
        now = self.env.now
        elapsed = now - self._cost_accrued_to
        self.counters.costs_usd += self._cost_rate_per_day * elapsed
        self.counters.leader_costs_usd += self._leader_cost_per_day * elapsed
        self._cost_accrued_to = now

    # -- processes -------------------------------------------------------------------------
    def _leads(self) -> Generator[simpy.Event, Any, None]:
        env, calendar = self.env, self.calendar
        horizon = self.horizon_days
        for day in range(math.ceil(horizon)):
            if env.now < day:
                yield Timeout(env, day - env.now)
            if day > 0:
                self.marketing.step_day()
                self.stocks.step_day()
                self.crm_logged *= self._crm_retention
                c = self.counters
                self.trust.observe_day(c.mql_follow_ups - self._seen_follow_ups, c.mql_qualified - self._seen_qualified)
            self._seen_follow_ups, self._seen_qualified = self.counters.mql_follow_ups, self.counters.mql_qualified
            rates = self._update_effects()
            inbound = self.source.inbound_day(float(day), rates, self.inbound_rate_bound)
            outbound = None
            if calendar.is_workday(day) and self.prospecting_share > 0:
                start = day + calendar.start_fraction
                end = day + calendar.end_fraction
                prospecting_hours = (self.reps - self.desk.servers) * calendar.hours_per_workday  # current headcount
                outbound = self.source.outbound_day(float(day), start, end, prospecting_hours)
            self._release(inbound, outbound, horizon)

    def _update_effects(self) -> tuple[tuple[int, float], ...]:
        """Today's effects of the market stocks (0 where switched off) and inbound rates by source."""
        sat = self.stocks.saturation
        effect = self.effect
        for name, on in self._effects_on.items():
            effect[name] = sat[name] if on else 0.0
        market, scenario = self.scenario.market, self.scenario
        lead_params = self.lead_params
        crm = hill(self.crm_logged, lead_params.crm_half_saturation, 1.0) if self._crm_on else 0.0
        self.counters.crm_learning = crm
        quality_gap_kept = (1.0 - market.targeting_quality_lift * effect["targeting"]) * (1.0 - lead_params.crm_learning_quality_lift * crm)
        self._quality_lift = 1.0 - quality_gap_kept
        self._readiness_lift = market.content_readiness_lift * effect["content"]
        self._noise_sd = (
            scenario.leads.score_noise_sd
            * (1.0 - market.automation_noise_cut * effect["automation"])
            * (1.0 - self._criteria_cut)
            * (1.0 - lead_params.crm_learning_noise_cut * crm)
        )
        if self._discipline_on:
            waiting = self.escalation.waiting if self.escalation is not None else 0
            self.ignore_share = unfollowed_share(self._base_ignore, self.trust.level, waiting, self.leader, lead_params)
        elif self.escalation is not None:
            self.ignore_share = min(1.0, self._base_ignore + lead_params.dispute_ignore_per_waiting * self.escalation.waiting)
        self.counters.trust = self.trust.level
        self.counters.unfollowed_share = self.ignore_share
        recycle = scenario.leads.nurture_recycle_share + market.automation_recycle_lift * effect["automation"]
        self._recycle_share = min(1.0, recycle) if scenario.mechanisms.nurture_recycling else 0.0
        self._win_bonus = market.brand_win_logit * effect["brand"] + market.enablement_win_logit * effect["enablement"]
        self._discount_sd_now = self.discount_sd * (1.0 - market.pricing_dispersion_cut * effect["pricing"])
        self._channel_discount_sd_now = scenario.growth.channel_discount_sd * (1.0 - market.pricing_dispersion_cut * effect["pricing"])
        base = scenario.inbound.base_rate_per_day
        inbound = base * (1.0 + market.brand_inbound_lift * effect["brand"] + market.content_inbound_lift * effect["content"])
        campaign = market.campaign_rate_per_day_max * effect["campaign"]
        return ((INBOUND, inbound), (CAMPAIGN, campaign), (CHANNEL, self._channel_rate))

    def _planning(self) -> Generator[simpy.Event, Any, None]:
        """The planning cycle: the allocation policy sets the shares, the team fills capacity."""
        cycle = self.scenario.marketing.planning_cycle_days
        self.marketing.start()
        while True:
            yield Timeout(self.env, cycle)
            self.marketing.plan(quota_pressure=self.counters.quota_pressure)

    def _quarters(self) -> Generator[simpy.Event, Any, None]:
        """Quarter starts (headcount plan) and quota-pressure checks (MODEL.md 3.9)."""
        env, c, params = self.env, self.counters, self.lead_params
        leader = self.leader
        pressure_on = leader is not None and self.scenario.mechanisms.quota_pressure
        quarter = 0
        while quarter * params.quarter_days < self.horizon_days:
            start = quarter * params.quarter_days
            end = min(start + params.quarter_days, self.horizon_days)
            if env.now < start:
                yield Timeout(env, start - env.now)
            hires = self.scenario.growth.rep_hires_per_quarter if self._growth_on else 0
            if quarter > 0 and hires:
                self._accrue_costs()
                self.reps += hires
                self._set_cost_rate()
                self.desk.set_servers(self._follow_up_reps())
            c.reps = self.reps
            booked_at_start = c.bookings_usd
            self._pressure_discount = 0.0
            c.quota_pressure = 0.0
            c.discount_target = self.discount_mean
            for check in sorted(params.pressure_check_days):
                if start + check >= end:
                    break
                yield Timeout(env, start + check - env.now)
                if not pressure_on:
                    continue
                quota = params.quota_usd_per_rep_per_year * self.reps * params.quarter_days / 365.0
                expected = quota * check / params.quarter_days
                shortfall = max(0.0, 1.0 - (c.bookings_usd - booked_at_start) / expected) if expected > 0 else 0.0
                intensity = leader.quota_sensitivity * shortfall  # type: ignore[union-attr]
                c.quota_pressure = shortfall
                self.marketing.rush(round(intensity * params.pressure_rush_share * self.scenario.marketing.marketers))
                self._pressure_discount = intensity * params.pressure_discount
                c.discount_target = self.discount_mean + self._pressure_discount
            quarter += 1

    def _release(self, inbound: DayBatch, outbound: DayBatch | None, horizon: float) -> None:
        """Create the day's leads.

        What happens to a lead at its arrival (scoring, the MQL threshold, whether sales ignores
        it, whether nurture recycles it, an outbound lead's first touch) depends only on the
        lead's own draws and on constants fixed for the day by :meth:`_update_effects`. So it is
        decided here for the whole day at once with numpy (the same float operations as for one
        lead at a time, so the same bits), and counted and logged at the start of the day: the
        counters are read only at day boundaries (period snapshots, the next day's effects).
        Only leads that start something in time become ``Lead`` objects: a recycled lead's
        return and a qualified outbound lead's close are scheduled now, and so is an MQL's
        arrival, when it joins the follow-up queue (a plain callback, no process). The other
        leads (most of them: nurtured for good, ignored by sales, disqualified at the first
        touch) cost no event and no object.

        Events are scheduled ahead for the instant they would get if scheduled at the lead's
        arrival: ``now + (T - now) == T`` in floating point for ``0 <= now <= T``. Only the
        order of events at exactly the same instant could differ, and arrival times are
        continuous draws.
        """
        inbound = inbound.before(horizon)
        outbound = outbound.before(horizon) if outbound is not None else None
        rows_in = rows_out = None
        if self.log is not None:
            rows_in, rows_out = self._log_rows(inbound, outbound)
        if outbound is not None and len(outbound.times):
            self._outbound_arrivals(outbound, rows_out)
        self._inbound_arrivals(inbound, rows_in)

    def _queue_mql(self, event: simpy.Event) -> None:
        """An MQL arrives and joins the follow-up queue."""
        lead: Lead = event.value
        lead.queued_at = lead.arrived_at
        self.desk.submit(lead)

    def _log_rows(self, inbound: DayBatch, outbound: DayBatch | None) -> tuple[np.ndarray, np.ndarray | None]:
        """Lead-log rows (lead ids) for the day's leads, numbered in arrival order."""
        n_in = len(inbound.times)
        n_out = len(outbound.times) if outbound is not None else 0
        first = self.log.new_rows(n_in + n_out)  # type: ignore[union-attr]
        if n_out == 0:
            return np.arange(first, first + n_in), None
        order = np.argsort(np.concatenate([inbound.times, outbound.times]), kind="stable")  # type: ignore[union-attr]
        rows = np.empty(n_in + n_out, dtype=np.int64)
        rows[order] = np.arange(first, first + n_in + n_out)
        return rows[:n_in], rows[n_in:]

    def _inbound_arrivals(self, b: DayBatch, rows: np.ndarray | None) -> None:
        """Score the day's inbound leads; schedule the arrivals of MQLs and the returns of recycled leads."""
        n = len(b.times)
        if n == 0:
            return
        c, log = self.counters, self.log
        v = b.values
        self._score(v, self._readiness_lift)
        quality, readiness, score = v[QUALITY], v[READINESS], v[SCORE]
        mql = score >= self._mql_threshold
        unfollowed = mql & (v[U_IGNORE] < self.ignore_share)
        queued = mql ^ unfollowed  # unfollowed leads are MQLs
        nurtured = ~mql
        recycled = nurtured & (v[U_RECYCLE] < self._recycle_share)
        n_mql, n_unfollowed, n_recycled = int(np.count_nonzero(mql)), int(np.count_nonzero(unfollowed)), int(np.count_nonzero(recycled))
        self._count_sources(b.source, n)
        c.mqls += n_mql
        c.unfollowed += n_unfollowed
        c.sla_missed += n_unfollowed
        c.queued += n_mql - n_unfollowed
        c.nurtured += n - n_mql
        c.waiting_nurture += n_recycled
        c.final_nurture += n - n_mql - n_recycled
        if log is not None:
            log.source[rows] = b.source
            log.quality[rows] = quality
            log.readiness[rows] = readiness
            log.score[rows] = score
            log.arrived_at[rows] = b.times
            log.mql[rows] = mql
            log.queued_at[rows[queued]] = b.times[queued]  # type: ignore[index]
            log.outcome[rows[nurtured]] = NURTURE  # type: ignore[index]
            log.outcome[rows[unfollowed]] = UNFOLLOWED  # type: ignore[index]
        if n_recycled == 0 and n_mql == n_unfollowed:
            return
        index = np.flatnonzero(queued | recycled)
        leads = self.scenario.leads
        recycle_min, recycle_span = leads.nurture_min_days, leads.nurture_max_days - leads.nurture_min_days
        env, now = self.env, self.env.now
        for lead, returns in zip(self._new_leads(b, index, rows), recycled[index].tolist(), strict=True):
            if returns:  # nurtured, back for scoring after the nurture delay
                returns_at = lead.arrived_at + (recycle_min + lead.recycle_days * recycle_span)
                event = Timeout(env, returns_at - now, value=lead)
                event.callbacks.append(self._recycle)
            else:  # an MQL: joins the follow-up queue at its arrival
                event = Timeout(env, lead.arrived_at - now, value=lead)
                event.callbacks.append(self._queue_mql)

    def _outbound_arrivals(self, b: DayBatch, rows: np.ndarray | None) -> None:
        """The day's rep-sourced leads, touched at once by the rep who found them (no response delay)."""
        n = len(b.times)
        c, log = self.counters, self.log
        v = b.values
        self._score(v, None)
        quality, readiness, score = v[QUALITY], v[READINESS], v[SCORE]
        sales = self.scenario.sales
        qualify_p = np.minimum(
            sales.qualify_intercept + sales.qualify_quality_weight * quality + sales.qualify_readiness_weight * readiness, 1.0
        )
        contacted = v[U_CONTACT] < self._contact_p
        qualified = contacted & (v[U_QUALIFY] < qualify_p)
        n_qualified = int(np.count_nonzero(qualified))
        c.created += n
        c.leads_outbound += n
        c.contacted += int(np.count_nonzero(contacted))
        c.disqualified += n - n_qualified
        c.opportunities += n_qualified
        c.open_opportunities += n_qualified
        if self._crm_on:
            for _ in range(n):  # one addition per touch, as when touched one by one (the same bits)
                self.crm_logged += self._crm_discipline
        if log is not None:
            log.source[rows] = b.source
            log.quality[rows] = quality
            log.readiness[rows] = readiness
            log.score[rows] = score
            log.arrived_at[rows] = b.times
            log.first_touch_at[rows] = b.times
            log.contacted[rows] = contacted
            log.qualified[rows] = qualified
            log.opportunity_at[rows[qualified]] = b.times[qualified]  # type: ignore[index]
            log.outcome[rows[~qualified]] = LOST  # type: ignore[index]
        if n_qualified:
            for lead in self._new_leads(b, np.flatnonzero(qualified), rows):
                t = lead.arrived_at
                self._open_opportunity(lead, t, t, now=t)

    def _count_sources(self, source: np.ndarray, n: int) -> None:
        c = self.counters
        c.created += n
        for code, count in enumerate(np.bincount(source, minlength=len(_SOURCE_COUNTER)).tolist()):
            if count:
                name = _SOURCE_COUNTER[code]
                setattr(c, name, getattr(c, name) + count)

    def _score(self, v: np.ndarray, readiness_lift: float | None) -> None:
        """Today's quality, readiness (``None``: no lift, outbound) and score, in place in the rows of ``v``.

        The bits are those of ``q + lift * (1 - q)`` and ``q + sd * z`` (IEEE products and sums
        are commutative); in place, the day's batch costs no temporary arrays per attribute."""
        q = v[QUALITY]
        gap = 1.0 - q
        gap *= self._quality_lift
        q += gap
        if readiness_lift is not None:
            r = v[READINESS]
            gap = 1.0 - r
            gap *= readiness_lift
            r += gap
        s = v[SCORE]
        s *= self._noise_sd
        s += q

    @staticmethod
    def _new_leads(b: DayBatch, index: np.ndarray, rows: np.ndarray | None) -> list[Lead]:
        """``Lead`` objects for the (scored) batch's leads at ``index``, with their floats as plain floats."""
        # One fancy index and one tolist for all of a lead's floats (its column of the batch),
        # rather than a numpy call per attribute: the calls, not the arithmetic, cost the time.
        floats = b.values[:, index].T.tolist()
        sources = b.source[index].tolist()
        row_ids = rows[index].tolist() if rows is not None else [0] * len(index)
        out = []
        for values, source, row in zip(floats, sources, row_ids, strict=True):
            lead = Lead()
            lead.source, lead.row = source, row
            (
                lead.arrived_at,
                lead.quality,
                lead.readiness,
                lead.score,
                lead.z_rescore,
                lead.u_recycle,
                lead.recycle_days,
                lead.u_ignore,
                hours,
                lead.u_contact,
                lead.u_qualify,
                lead.z_cycle,
                lead.u_win,
                lead.z_size,
                lead.z_discount,
            ) = values
            lead.follow_up_days = hours / 24.0
            out.append(lead)
        return out

    def _shifts(self) -> Generator[simpy.Event, Any, None]:
        env, desk = self.env, self.desk
        for start, end in self.calendar.shifts(0.0):
            if start >= self.horizon_days:
                return
            yield Timeout(env, start - env.now)
            desk.open_shift()
            yield Timeout(env, end - env.now)
            desk.close_shift()

    def _recorder(self) -> Generator[simpy.Event, Any, None]:
        period = self.scenario.period_days
        k = 1
        while k * period < self.horizon_days:
            yield Timeout(self.env, k * period - self.env.now)
            self._snapshot()
            k += 1

    def _snapshot(self) -> None:
        self._accrue_costs()
        c = self.counters
        c.queue_length = len(self.desk.queue)
        c.follow_up_reps = self.desk.servers
        effort = self.marketing.effort
        long_effort = sum(effort[k] for k in self._long_kinds)
        flows = [*c.flows(), *(effort[k] for k in self._kind_names), sum(effort[k] for k in self._short_kinds), long_effort]
        levels = [*c.levels(), *(self.stocks.level[s] for s in STOCKS), *(self.stocks.saturation[s] for s in STOCKS)]
        row = flows + levels
        if self._snapshots is None:
            self._snapshots = np.empty((math.ceil(self.horizon_days / self.scenario.period_days) + 1, len(row)))
        self._snapshots[self._n_snapshots] = row
        self._n_snapshots += 1
        self._boundaries.append(self.env.now)

    # -- the lead's path (plain calls on the hot path) -------------------------------------
    def _nurture(self, lead: Lead, first_time: bool) -> None:
        c = self.counters
        c.nurtured += 1
        if self.log is not None:
            self.log.outcome[lead.row] = NURTURE
        if first_time and lead.u_recycle < self._recycle_share:
            leads = self.scenario.leads
            delay = leads.nurture_min_days + lead.recycle_days * (leads.nurture_max_days - leads.nurture_min_days)
            c.waiting_nurture += 1
            event = Timeout(self.env, delay, value=lead)
            event.callbacks.append(self._recycle)
        else:
            c.final_nurture += 1

    def _recycle(self, event: simpy.Event) -> None:
        lead: Lead = event.value
        c = self.counters
        c.waiting_nurture -= 1
        c.leads_recycled += 1
        lead.readiness += self.scenario.leads.nurture_readiness_gain * (1.0 - lead.readiness)
        lead.score = lead.quality + self._noise_sd * lead.z_rescore
        if self.log is not None:
            self.log.outcome[lead.row] = OPEN
            self.log.readiness[lead.row] = lead.readiness
            self.log.score[lead.row] = lead.score
        if lead.score >= self._mql_threshold:
            self._hand_off(lead)
        else:
            self._nurture(lead, first_time=False)

    def _hand_off(self, lead: Lead) -> None:
        """The lead is an MQL: sales follows it up, or never does."""
        c = self.counters
        c.mqls += 1
        log = self.log
        if log is not None:
            log.mql[lead.row] = True
        if lead.u_ignore < self.ignore_share:
            c.unfollowed += 1
            c.sla_missed += 1
            if log is not None:
                log.outcome[lead.row] = UNFOLLOWED
            return
        c.queued += 1
        lead.queued_at = self.env.now
        if log is not None:
            log.queued_at[lead.row] = lead.queued_at
        self.desk.submit(lead)

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
        sales = self.scenario.sales
        p = sales.qualify_intercept + sales.qualify_quality_weight * lead.quality + sales.qualify_readiness_weight * lead.readiness
        return 1.0 if p > 1.0 else p

    def _qualify(self, lead: Lead, touched_at: float, contact_p: float, qualify_p: float, done_at: float) -> bool:
        """Contact and qualification of a touched lead; a qualified lead opens an opportunity."""
        c = self.counters
        contacted = lead.u_contact < contact_p
        qualified = contacted and lead.u_qualify < qualify_p
        if self._crm_on:
            self.crm_logged += self._crm_discipline
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

    def _open_opportunity(self, lead: Lead, touched_at: float, done_at: float, now: float | None = None) -> None:
        """Schedule the close of a qualified lead's opportunity (counted and logged by the caller).

        ``now``: the time of the touch, when it is later than the current time (see :meth:`_release`)."""
        deals = self.scenario.deals
        readiness_factor = (1.0 - deals.readiness_cycle_effect * lead.readiness) / (
            1.0 - deals.readiness_cycle_effect * self.scenario.leads.readiness_mean
        )
        cycle = deals.cycle_days_median * math.exp(deals.cycle_sigma * lead.z_cycle) * readiness_factor
        delay = done_at - touched_at + cycle
        if now is None:
            now = self.env.now
            event = Timeout(self.env, delay, value=lead)
        else:  # the instant a Timeout made at ``now`` would fire
            event = Timeout(self.env, (now + delay) - self.env.now, value=lead)
        event.callbacks.append(self._close)
        if self._pipeline is not None:
            self._pipeline[id(lead)] = (lead, now + done_at - touched_at + cycle, touched_at, done_at)

    def _close(self, event: simpy.Event) -> None:
        lead: Lead = event.value
        c = self.counters
        deals = self.scenario.deals
        c.open_opportunities -= 1
        if self._pipeline is not None:
            del self._pipeline[id(lead)]
        carried = lead.arrived_at < 0.0
        if carried:
            c.carried_open -= 1
        spread = self._discount_sd_now if lead.source != CHANNEL else self._discount_sd_now + self._channel_discount_sd_now
        discount = self.discount_mean + self._pressure_discount + spread * lead.z_discount
        if self._crm_on:
            self.crm_logged += self._crm_discipline
        discount = min(max(discount, 0.0), deals.discount_max)
        win_logit = (
            logit(lead.quality)
            - deals.win_rep_weight * (1.0 - self.rep_effectiveness)
            + deals.win_discount_weight * discount
            + deals.win_logit_offset
            + self._win_bonus
        )
        won = lead.u_win < logistic(win_logit)
        log = self.log
        if won:
            size = math.exp(deals.deal_size_sigma * lead.z_size - 0.5 * deals.deal_size_sigma**2)
            value = deals.list_price_usd * size * (1.0 - discount)
            c.wins += 1
            c.bookings_usd += value
            c.discount_sum += discount
            c.carried_wins += carried
        else:
            c.losses += 1
            c.carried_losses += carried
        if log is not None:
            row = lead.row
            log.closed_at[row] = self.env.now
            log.won[row] = won
            log.outcome[row] = WON if won else LOST
            if won:
                log.value[row] = value
                log.discount[row] = discount

    # -- the warm start --------------------------------------------------------------------
    def open_pipeline(self) -> list[tuple[Lead, float, float, float]]:
        """A warm-up run's open opportunities, in closing order: (lead, close, touch, opportunity) times."""
        assert self._pipeline is not None, "only a warm-up run keeps its pipeline"
        return sorted(self._pipeline.values(), key=lambda item: item[1])

    def carry_in(self, pipeline: list[tuple[Lead, float, float, float]], warm_days: float) -> None:
        """Open deals from before time 0: they close (and book) in this run, but are not leads
        of this run (their times are negative, shifted by the warm-up length)."""
        c, log = self.counters, self.log
        for lead, close, touched_at, opportunity_at in pipeline:
            lead.arrived_at -= warm_days
            c.open_opportunities += 1
            c.carried_open += 1
            if log is not None:
                row = lead.row = log.new_row()
                log.source[row] = lead.source
                log.quality[row] = lead.quality
                log.readiness[row] = lead.readiness
                log.score[row] = lead.score
                log.arrived_at[row] = lead.arrived_at
                log.qualified[row] = True
                log.contacted[row] = True
                log.first_touch_at[row] = touched_at - warm_days
                log.opportunity_at[row] = opportunity_at - warm_days
            event = Timeout(self.env, close - warm_days, value=lead)
            event.callbacks.append(self._close)

    # -- running ---------------------------------------------------------------------------
    def advance(self) -> None:
        """Run to the horizon without collecting results (a warm-up run needs only its pipeline)."""
        env = self.env
        env.process(self._recorder())
        env.process(self._planning())
        env.process(self._quarters())
        if self.escalation is not None:
            env.process(self.escalation.run(self.horizon_days))
        self.counters.rep_effectiveness = self.rep_effectiveness
        if not self.calendar.always_on:
            env.process(self._shifts())
        env.process(self._leads())
        env.run(until=self.horizon_days)
        self._snapshot()

    def run(self) -> tuple[Any, dict[str, float], Any]:
        """Run to the horizon; return (series, totals, leads or None)."""
        self.advance()
        flow_names = [*FLOW_COUNTERS, *(f"effort_{k}_days" for k in self._kind_names), "effort_short_days", "effort_long_days"]
        level_names = [*LEVEL_COUNTERS, *(f"{s}_stock" for s in STOCKS), *(f"{s}_effect" for s in STOCKS)]
        series = build_series(self._snapshots[: self._n_snapshots], self._boundaries, flow_names, level_names)  # type: ignore[index]
        margin = self.scenario.costs.gross_margin
        series["profit_usd"] = series["bookings_usd"] * margin - series["costs_usd"]
        totals = self._totals(series, flow_names, level_names)
        leads = self.log.to_frame() if self.log is not None else None
        return series, totals, leads

    def _totals(self, series: Any, flow_names: list[str], level_names: list[str]) -> dict[str, float]:
        """Flows summed over the run, levels at the end (``<level>_end``), and overall ratios."""
        c = self.counters
        totals: dict[str, float] = {name: float(series[name].sum()) for name in flow_names}
        totals.update({f"{name}_end": float(series[name].iloc[-1]) for name in level_names})
        effort = totals["effort_long_days"] + totals["effort_short_days"]
        totals["long_term_effort_share"] = totals["effort_long_days"] / effort if effort else float("nan")
        qualified, followed = totals["mql_qualified"], totals["mql_follow_ups"]
        totals["mql_qualify_rate"] = qualified / followed if followed else float("nan")
        totals["unfollowed_mql_share"] = totals["unfollowed"] / totals["mqls"] if totals["mqls"] else float("nan")
        resolved = totals["disputes_resolved"]
        totals["mean_dispute_wait_days"] = totals["dispute_wait_days"] / resolved if resolved else float("nan")
        totals["profit_usd"] = float(series["profit_usd"].sum())
        totals["leads"] = float(series["leads"].sum())
        resolved = totals["sla_met"] + totals["sla_missed"]
        totals["sla_compliance"] = totals["sla_met"] / resolved if resolved else float("nan")
        totals["mean_response_hours"] = totals["response_hours_sum"] / totals["follow_ups"] if totals["follow_ups"] else float("nan")
        totals["mean_discount"] = totals["discount_sum"] / totals["wins"] if totals["wins"] else float("nan")
        closed = totals["wins"] + totals["losses"]
        totals["win_rate"] = totals["wins"] / closed if closed else float("nan")
        # Lead accounting for the leads created in this run (deals carried in from the warm
        # start book in this run but are not its leads); each term is tracked separately.
        totals["leads_created"] = float(c.created)
        totals["carried_in_deals"] = float(c.carried_wins + c.carried_losses + c.carried_open)
        totals["outcome_won"] = float(c.wins - c.carried_wins)
        totals["outcome_lost"] = float(c.losses - c.carried_losses + c.disqualified)
        totals["outcome_unfollowed"] = float(c.unfollowed)
        totals["outcome_nurture"] = float(c.final_nurture + c.waiting_nurture)
        # A lead is qualified or lost when a rep takes it, so leads being followed up are
        # already counted as open opportunities or lost; "open" is the queue and open deals.
        totals["outcome_open"] = float(len(self.desk.queue) + c.open_opportunities - c.carried_open)
        return totals

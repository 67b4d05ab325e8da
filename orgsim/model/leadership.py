"""Leadership mechanisms (MODEL.md 3.5, 3.8-3.11, 4): how the integrator's attributes act.

Every function here reads leader *attributes* (never a structure's name) and a coefficient
from :class:`~orgsim.config.Leadership`; each is switched by one flag of
:class:`~orgsim.config.Mechanisms`. Centred effects are neutral for an attribute of 0.5.

* :class:`LeaderAllocation`: the planning cycle's policy. Each project kind is valued by the
  stock it adds, discounted over the leader's horizon, times the stock's marginal effect on
  bookings as the leader perceives it (indirect, long-term effects scaled by marketing
  understanding). A short horizon gives long-term work little weight with no special case.
* :func:`coaching`, :func:`outbound_productivity`, :func:`queue_check_factor`,
  :func:`unfollowed_share`, :func:`mean_discount`: the instantaneous effects.
* :class:`Trust`: sales' trust in marketing leads, learnt from the qualification rate of the
  MQLs reps follow up; :class:`FollowUpDiscipline` turns it into the unfollowed share each day.
* :class:`CrmLearning`: what marketing learns from the outcomes sales logs.
* :class:`Escalation`: disputes queue for the integrator's attention (a single server).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import simpy

from orgsim.config import Leader, Leadership, ProjectKind, Scenario
from orgsim.config.checks import MAX_HORIZON_DAYS
from orgsim.model.budget import term_cost_per_person_day
from orgsim.model.call import Call
from orgsim.model.market import hill
from orgsim.model.marketing import PlanningContext, fixed_shares

if TYPE_CHECKING:
    from orgsim.model.recorder import Counters

#: Stocks whose effect on bookings is direct (visible within a quarter in the pipeline);
#: the others act indirectly and are seen only as far as the leader understands marketing.
DIRECT_STOCKS = frozenset({"campaign", "enablement"})


def _centred(value: float) -> float:
    return value - 0.5


def coaching(leader: Leader, params: Leadership) -> float:
    """The leader's coaching, a factor on every rep's skill: ``1 - w * (1 - sales_understanding)``."""
    return 1.0 - params.coaching_weight * (1.0 - leader.sales_understanding)


def rep_effectiveness(rep_skill: float, leader: Leader, params: Leadership) -> float:
    """Rep skill times the leader's coaching (:func:`coaching`)."""
    return rep_skill * coaching(leader, params)


def outbound_productivity(leader: Leader, params: Leadership) -> float:
    """Outbound attempts per prospecting hour, as a factor: raised by the leader's sales
    understanding (coached prospecting, seed 001), ``1 + w * (sales_understanding - 0.5)``."""
    return max(0.0, 1.0 + params.outbound_support * _centred(leader.sales_understanding))


def queue_check_factor(leader: Leader, params: Leadership) -> float:
    """How much SLA enforcement shortens every rep's queue-check interval:
    ``1 - cut * sla_enforcement`` (follow-up put before prospecting; seed 000, HBR 2011)."""
    return 1.0 - params.sla_check_cut * leader.sla_enforcement


def unfollowed_share(base: float, trust: float, waiting_disputes: int, leader: Leader | None, params: Leadership) -> float:
    """Share of MQLs sales never follows up: grows as trust falls and disputes pile up,
    shrinks with SLA enforcement."""
    share = base * (1.0 + params.trust_ignore_weight * (0.5 - trust))
    if leader is not None:
        share *= 1.0 - params.sla_ignore_cut * leader.sla_enforcement
    share += params.dispute_ignore_per_waiting * waiting_disputes
    return min(max(share, 0.0), 1.0)


def mean_discount(base: float, leader: Leader, params: Leadership) -> float:
    """Mean discount shifted by discount authority: ``base * (1 + w * (authority - 0.5))``."""
    return max(0.0, base * (1.0 + params.discount_authority_weight * _centred(leader.discount_authority)))


class Trust:
    """Sales' trust in marketing's leads: an exponentially weighted qualification rate of the
    MQLs reps follow up, mapped so that the neutral rate gives 0.5."""

    __slots__ = ("_weight", "neutral", "rate")

    def __init__(self, params: Leadership):
        self.neutral = params.trust_neutral_qualify_rate
        self.rate = self.neutral
        self._weight = 1.0 / params.trust_memory_days  # per follow-up, as a share of a day's memory

    def observe_day(self, follow_ups: int, qualified: int) -> None:
        """Fold in one day's follow-ups (weight grows with the day's volume)."""
        if follow_ups <= 0:
            return
        w = 1.0 - (1.0 - self._weight) ** follow_ups
        self.rate += w * (qualified / follow_ups - self.rate)

    def reset_towards_neutral(self, share: float) -> None:
        """A reorganisation: trust moves ``share`` of the way back to neutral."""
        self.rate += share * (self.neutral - self.rate)

    @property
    def level(self) -> float:
        """Trust in [0, 1]; 0.5 at the neutral qualification rate."""
        ratio = self.rate / self.neutral
        return ratio / (1.0 + ratio)


class FollowUpDiscipline:
    """Whether sales follows up an MQL (MODEL.md 3.5): the share of MQLs never followed up,
    set once a day from sales' :class:`Trust` (learnt from the day's follow-ups), the leader's
    SLA enforcement (``leader``: ``None`` where ``mechanisms.follow_up_discipline`` is off or
    there is no structure) and the disputes waiting for the integrator."""

    def __init__(self, params: Leadership, counters: Counters, base_share: float, leader: Leader | None, disputes: Escalation | None):
        self.params = params
        self.counters = counters
        self.base_share = base_share
        self.leader = leader
        self.disputes = disputes
        self.trust = Trust(params)
        self.share = base_share
        self._seen_follow_ups = self._seen_qualified = 0

    def step_day(self) -> None:
        """Trust learns from the follow-ups since yesterday."""
        c = self.counters
        self.trust.observe_day(c.mql_follow_ups - self._seen_follow_ups, c.mql_qualified - self._seen_qualified)

    def today(self) -> float:
        """Today's unfollowed share (recorded with today's trust)."""
        c = self.counters
        self._seen_follow_ups, self._seen_qualified = c.mql_follow_ups, c.mql_qualified
        disputes = self.disputes
        if self.leader is not None:
            waiting = disputes.waiting if disputes is not None else 0
            self.share = unfollowed_share(self.base_share, self.trust.level, waiting, self.leader, self.params)
        elif disputes is not None:
            self.share = min(1.0, self.base_share + self.params.dispute_ignore_per_waiting * disputes.waiting)
        c.trust = self.trust.level
        c.unfollowed_share = self.share
        return self.share


class CrmLearning:
    """What marketing learns from the outcomes sales logs in the CRM (MODEL.md 3.10).

    Each touch of a lead (an MQL's follow-up, an outbound lead's first touch, an opportunity's
    close) logs ``crm_discipline`` of an outcome; the log keeps ``crm_weekly_retention`` of
    itself a week, and learning is its saturation, ``logged / (logged + crm_half_saturation)``.
    Touches are read off the counters once a day and added one by one (the same additions, in
    the same order, as at each touch), so the hot path pays nothing for the log."""

    def __init__(self, params: Leadership, counters: Counters, crm_discipline: float):
        self.counters = counters
        self.discipline = crm_discipline
        self.retention = params.crm_weekly_retention ** (1.0 / 7.0)
        self.half_saturation = params.crm_half_saturation
        self.logged = 0.0
        self._seen_touches = 0

    def _log_touches(self) -> None:
        c = self.counters
        touches = c.mql_follow_ups + c.leads_outbound + c.wins + c.losses
        for _ in range(touches - self._seen_touches):
            self.logged += self.discipline
        self._seen_touches = touches

    def step_day(self) -> None:
        """A day of forgetting, after the touches logged so far."""
        self._log_touches()
        self.logged *= self.retention

    def forget(self, share: float) -> None:
        """A reorganisation: ``share`` of the logged outcomes is lost (teams, fields and territories redrawn)."""
        self._log_touches()
        self.logged *= 1.0 - share

    def level(self) -> float:
        """Learning in [0, 1) (recorded as ``crm_learning``)."""
        self._log_touches()
        return hill(self.logged, self.half_saturation, 1.0)


def _stock_path(kind: ProjectKind, work_rate: float, retention: float, lag_days: float, days: int) -> np.ndarray:
    """Effective stock added by one project of ``kind`` started at day 0, day by day.

    The same dynamics as :class:`~orgsim.market.MarketStocks`: ``x_t = r x_{t-1} + inflow_t``
    (adstock), then ``e_t = e_{t-1} + k (x_t - e_{t-1})`` (lag), computed as IIR filters."""
    from scipy.signal import lfilter

    duration = kind.effort_person_days / work_rate
    t = np.arange(days, dtype=float)
    if kind.delivery == "gradual":
        inflow = np.where(t < duration, kind.output / duration, 0.0)
    else:
        inflow = np.zeros(days)
        inflow[min(days - 1, math.ceil(duration))] = kind.output
    level = lfilter([1.0], [1.0, -retention], inflow)
    if lag_days <= 0:
        return level
    step = 1.0 - math.exp(-1.0 / lag_days)
    return lfilter([step], [1.0, -(1.0 - step)], level)


class LeaderAllocation:
    """Allocation policy of a leader: the long-term share follows perceived value.

    Value of kind k per person-day =
    ``perceived_impact[stock] * hill'(effective stock) * discounted stock-days of one project / effort``
    where the discount is ``exp(-t / horizon_days)`` and the perceived impact of an indirect
    stock (brand, content, automation, targeting, pricing) is scaled by marketing understanding.
    """

    def __init__(self, scenario: Scenario, leader: Leader, impacts: Mapping[str, float], *, pressure_shortens_horizon: bool = True):
        self.leader = leader
        self.concentration = scenario.leadership.allocation_concentration
        self.pressure_shortens_horizon = pressure_shortens_horizon
        work_rate = scenario.calendar.workdays_per_week / 7.0
        days = int(min(MAX_HORIZON_DAYS, max(365, 8 * leader.horizon_days)))
        self._days = np.arange(days, dtype=float)
        self.params = {name: getattr(scenario.market, name) for name in impacts}
        self.paths = {}
        for kind in scenario.marketing.kinds:
            p = self.params[kind.stock]
            self.paths[kind.name] = _stock_path(kind, work_rate, p.weekly_retention ** (1 / 7), p.lag_days, days)
        self.discounted_stock_days: dict[str, float] = {}
        self.horizon_days = -1.0
        self._discount_over(leader.horizon_days)
        u = leader.marketing_understanding
        self.perceived = {stock: impact * (1.0 if stock in DIRECT_STOCKS else u) for stock, impact in impacts.items()}

    def _discount_over(self, horizon_days: float) -> None:
        if horizon_days == self.horizon_days:
            return
        discount = np.exp(-self._days / horizon_days)
        self.discounted_stock_days = {name: float(path @ discount) for name, path in self.paths.items()}
        self.horizon_days = horizon_days

    def effective_horizon(self, pressure: float) -> float:
        """Quota pressure shortens the horizon: ``horizon * (1 - quota_sensitivity * pressure)``
        (seed 004: 90-day quotas 'whittled away' a career marketer's strategic commitment)."""
        if not self.pressure_shortens_horizon:
            return self.leader.horizon_days
        return max(1.0, self.leader.horizon_days * (1.0 - self.leader.quota_sensitivity * pressure))

    def value(self, kind: ProjectKind, context: PlanningContext) -> float:
        p = self.params[kind.stock]
        x = context.effective_levels[kind.stock]
        g, a = p.half_saturation, p.hill_shape
        try:
            r = (x / g) ** a if x > 0 else 0.0
            slope = a * r / (x * (1.0 + r) ** 2) if x > 0 else (1.0 / g if a == 1.0 else (0.0 if a > 1.0 else 1e6))
        except OverflowError:  # far beyond half saturation: the slope a / (x (r + 2 + 1/r)) underflows to 0
            slope = 0.0
        return self.perceived[kind.stock] * slope * self.discounted_stock_days[kind.name] / kind.effort_person_days

    def term_values(self, context: PlanningContext) -> dict[str, float]:
        """Perceived value per person-day of short-term and of long-term work (weighted means)."""
        self._discount_over(self.effective_horizon(float(context.extra.get("quota_pressure", 0.0))))
        out = {}
        for term in ("short", "long"):
            group = [k for k in context.kinds if k.term == term and k.weight > 0]
            total = sum(k.weight for k in group)
            out[term] = sum(k.weight * max(0.0, self.value(k, context)) for k in group) / total if total else 0.0
        return out

    def long_term_share(self, context: PlanningContext) -> float:
        """``V_long^k / (V_long^k + V_short^k)`` with k the allocation concentration."""
        return self._split(self.term_values(context))

    def budget_long_share(self, context: PlanningContext) -> float:
        """Programme money (docs/model.md 7.27) by the same rule, valued per dollar: each term's
        value per person-day over its mix's cost per person-day. A term that costs nothing gets no money."""
        values, costs = self.term_values(context), term_cost_per_person_day(context.kinds)
        if costs["long"] <= 0 or costs["short"] <= 0:
            return 1.0 if costs["long"] > 0 else 0.0
        return self._split({term: values[term] / costs[term] for term in values})

    def _split(self, values: Mapping[str, float]) -> float:
        """The long-term share of the two terms' values: ``V_long^k / (V_long^k + V_short^k)``."""
        k = self.concentration
        try:
            long_v, short_v = values["long"] ** k, values["short"] ** k
        except OverflowError:  # huge values: the same share from their ratio, which cannot overflow
            big, small = max(values["long"], values["short"]), min(values["long"], values["short"])
            r = (small / big) ** k
            return 1.0 / (1.0 + r) if values["long"] >= values["short"] else r / (1.0 + r)
        return long_v / (long_v + short_v) if long_v + short_v > 0 else 0.5

    def shares(self, context: PlanningContext) -> dict[str, float]:
        """The leader tilts effort between short- and long-term work; within each group the
        kinds keep their portfolio weights (the specialists' plan)."""
        return fixed_shares(context.kinds, self.long_term_share(context))


def stock_impacts(scenario: Scenario) -> dict[str, float]:
    """Bookings (USD a day) that one unit of each stock's saturation adds, at the scenario's
    base rates: the 'true' marginal values the leaders perceive (partly)."""
    market, deals, leads = scenario.market, scenario.deals, scenario.leads
    base = scenario.inbound.base_rate_per_day
    # Rough value of an inbound lead and of an opportunity, from the default funnel shares
    # (25% MQL, 75% followed, 45% qualified, 28% won): a prior, not fitted.
    win = 0.28
    deal = deals.list_price_usd * (1.0 - deals.discount_mean)
    value_per_lead = 0.25 * 0.75 * 0.45 * win * deal
    opportunities_per_day = (base * 2.0 + market.campaign_rate_per_day_max / 2.0) * 0.25 * 0.75 * 0.45
    win_slope = win * (1.0 - win) * opportunities_per_day * deal
    bookings_per_day = win * opportunities_per_day * deal
    nurtured_per_day = base * 2.0 * 0.75
    return {
        "brand": base * market.brand_inbound_lift * value_per_lead + market.brand_win_logit * win_slope,
        "content": base * market.content_inbound_lift * value_per_lead + market.content_readiness_lift * 0.5 * win_slope,
        "campaign": market.campaign_rate_per_day_max * value_per_lead,
        "automation": market.automation_recycle_lift * nurtured_per_day * 0.5 * value_per_lead
        + market.automation_noise_cut * leads.score_noise_sd * win_slope,
        "enablement": market.enablement_win_logit * win_slope,
        # higher q: more MQLs and higher win odds; bookings rise about in proportion to mean q (0.3)
        "targeting": market.targeting_quality_lift * (1.0 - 0.3) / 0.3 * bookings_per_day,
        "pricing": market.pricing_dispersion_cut * deals.discount_sd * opportunities_per_day * win * deals.list_price_usd,
    }


class _Dispute:
    """One dispute in flight: when it arrived, its draws, and whether the integrator took it up."""

    __slots__ = ("arrived", "taken", "u_rush", "u_side")

    def __init__(self, arrived: float, u_side: float, u_rush: float):
        self.arrived, self.u_side, self.u_rush, self.taken = arrived, u_side, u_rush, False


class Escalation:
    """Cross-functional disputes wait for the integrator's attention (MODEL.md 3.11).

    Disputes arrive as a Poisson process (stream ``disputes``) and travel ``levels`` reporting
    lines up to the integrator, ``dispute_days_per_level`` each. The integrator is a single
    server, first come first served, who spends ``dispute_attention_days * (1 +
    detail_loss_per_level * levels) / attention`` on each (the detail lost on the way is made
    up for). A dispute not reached within ``dispute_patience_days`` of joining the queue is
    dropped unresolved, so an overloaded integrator's queue stays bounded. A waiting dispute
    costs rework and adds to the unfollowed share; once resolved, it goes to sales with
    probability ``(1 - bias) / 2``, and a dispute won by sales may pull a marketer onto a rush
    campaign.

    The queue is plain callbacks on ``Call`` events: an arrival, a dispute's arrival at the
    integrator after its travel, the end of its handling, and (only for a dispute that has to
    wait) its patience running out. It behaves as a SimPy ``Resource`` of capacity one with
    ``request | patience`` (as it was written first) at a fraction of the events; every
    counter changes at the same instant and in the same order.
    """

    def __init__(
        self,
        env: simpy.Environment,
        leader: Leader,
        params: Leadership,
        counters: Counters,
        rng: np.random.Generator,
        on_sales_win: Callable[[], None],
        *,
        levels: int = 0,
    ):
        self.env = env
        self.leader = leader
        self.params = params
        self.counters = counters
        self.rng = rng
        self.on_sales_win = on_sales_win
        self.waiting = 0  # disputes arrived and neither taken up nor dropped (on their way too)
        self.busy = False  # the integrator is handling a dispute
        self.queue: deque[_Dispute] = deque()  # disputes at the integrator, first come first served
        self.horizon = 0.0
        self.travel_days = levels * params.dispute_days_per_level
        self.handling_days = params.dispute_attention_days * (1.0 + params.detail_loss_per_level * levels) / max(leader.attention, 0.01)

    def retarget(self, leader: Leader, levels: int) -> None:
        """A reorganisation: a new integrator ``leader`` at ``levels`` lines from the heads (disputes
        already on their way keep the path they took)."""
        params = self.params
        self.leader = leader
        self.travel_days = levels * params.dispute_days_per_level
        self.handling_days = params.dispute_attention_days * (1.0 + params.detail_loss_per_level * levels) / max(leader.attention, 0.01)

    def start(self, horizon: float) -> None:
        """Start the disputes' arrivals (none at or after ``horizon``)."""
        self.horizon = horizon
        if self.params.disputes_per_week > 0:
            self._next_arrival()

    def _next_arrival(self) -> None:
        rate = self.params.disputes_per_week / 7.0
        gap, u_side, u_rush = self.rng.exponential(1.0 / rate), self.rng.random(), self.rng.random()
        Call(self.env, gap, self._arrive, (float(u_side), float(u_rush)))

    def _arrive(self, event: simpy.Event) -> None:
        if self.env.now >= self.horizon:
            return
        u_side, u_rush = event.value
        c = self.counters
        c.disputes += 1
        self.waiting += 1
        c.disputes_waiting = self.waiting
        dispute = _Dispute(self.env.now, u_side, u_rush)
        self._next_arrival()
        if self.travel_days > 0:  # up the reporting lines to the integrator
            Call(self.env, self.travel_days, self._reach, dispute)
        else:
            self._join(dispute)

    def _reach(self, event: simpy.Event) -> None:
        self._join(event.value)

    def _join(self, dispute: _Dispute) -> None:
        """The dispute reaches the integrator: taken up now, or it waits (with its patience)."""
        if not self.busy:
            self._take_up(dispute)
            return
        self.queue.append(dispute)
        Call(self.env, self.params.dispute_patience_days, self._give_up, dispute)

    def _stop_waiting(self, dispute: _Dispute) -> None:
        c = self.counters
        waited = self.env.now - dispute.arrived
        c.dispute_wait_days += waited
        c.costs_usd += waited * self.params.dispute_rework_usd_per_day
        c.rework_usd += waited * self.params.dispute_rework_usd_per_day
        self.waiting -= 1
        c.disputes_waiting = self.waiting

    def _take_up(self, dispute: _Dispute) -> None:
        self._stop_waiting(dispute)
        dispute.taken = True
        self.busy = True
        Call(self.env, self.handling_days, self._resolve, dispute)

    def _give_up(self, event: simpy.Event) -> None:
        """Patience ran out before the integrator took the dispute up: dropped, the status quo stands."""
        dispute: _Dispute = event.value
        if dispute.taken:
            return
        self.queue.remove(dispute)
        self._stop_waiting(dispute)
        self.counters.disputes_dropped += 1

    def _resolve(self, event: simpy.Event) -> None:
        dispute: _Dispute = event.value
        c = self.counters
        self.busy = False
        c.disputes_resolved += 1
        if dispute.u_side < (1.0 - self.leader.bias) / 2.0:
            c.disputes_for_sales += 1
            if dispute.u_rush < self.params.dispute_rush_probability:
                self.on_sales_win()
        if self.queue:  # the integrator takes up the longest-waiting dispute
            self._take_up(self.queue.popleft())

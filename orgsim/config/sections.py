"""The sections of a scenario that describe the company's lead flow, sales and leadership.

Each section is a frozen dataclass whose fields carry units in their names, a one-line
description, the allowed range and the source of the default (:func:`~orgsim.config.params.param`).
Grades follow ``CALIBRATION.md`` (P peer-reviewed, H HBR-type, I analyst, V vendor, A our
assumption). The market stocks and the marketing team are in :mod:`orgsim.config.marketing`;
the whole :class:`~orgsim.config.Scenario` in :mod:`orgsim.config.scenario`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from orgsim.config.checks import is_real
from orgsim.config.params import DecayTable, Section, param


def _check_decay_table(table: Any) -> str | None:
    """A decay table has at least two knots, delays strictly increasing from 0, multipliers in (0, 1]."""
    rule = "a list of [delay_hours, multiplier] pairs, delays strictly increasing from 0, multipliers in (0, 1]"
    try:  # numbers only: float() would take "0.5" and True
        pairs = [(d, m) for d, m in table]
        if not all(is_real(d) and is_real(m) for d, m in pairs):
            return rule
        knots = [(float(d), float(m)) for d, m in pairs]
    except (TypeError, ValueError, OverflowError):
        return rule
    if len(knots) < 2 or knots[0][0] != 0.0:
        return rule
    for (d0, _), (d1, _) in itertools.pairwise(knots):
        if not d1 > d0:
            return rule
    if any(not (math.isfinite(d) and math.isfinite(m) and 0.0 < m <= 1.0) for d, m in knots):
        return rule
    return None


@dataclass(frozen=True)
class Calendar(Section, prefix="calendar."):
    """The working calendar of reps and marketers. Day 0 is a Monday, 00:00; time is in days."""

    business_hours: bool = param(True, doc="reps follow up only in working hours; false = always on duty (queue verification)")
    workday_start_hour: float = param(9.0, 0.0, 24.0, "hour of day the working day starts", hi_open=True, source="A")
    workday_end_hour: float = param(17.0, 0.0, 24.0, "hour of day the working day ends", lo_open=True, source="A")
    workdays_per_week: int = param(5, 1, 7, "working days per week, counted from Monday", source="A")


@dataclass(frozen=True)
class Inbound(Section, prefix="inbound."):
    """Inbound lead arrivals: a non-homogeneous Poisson process (MODEL.md 3.1)."""

    base_rate_per_day: float = param(
        16.0,
        0.0,
        1e5,
        "inbound leads per calendar day with no brand or content (about 32 a day with the default stocks)",
        source="A: sized for a mid-market firm with 10 reps; inquiry volumes vary by orders of magnitude",
    )
    working_hours_share: float = param(
        0.60,
        0.0,
        1.0,
        "share of inbound leads that arrive within the calendar's working hours (the rest spread over evenings, nights and weekends)",
        source="V (prior): 62% of 2,000+ B2B form submissions fell in weekday 8-17, 12% on weekends (Nectafy); even spread = 24%",
    )


@dataclass(frozen=True)
class Leads(Section, prefix="leads."):
    """Lead quality, readiness, scoring and nurture (MODEL.md 2, 3.4)."""

    inbound_quality_mean: float = param(
        0.30,
        0.001,
        0.999,
        "mean latent quality q of inbound leads (Beta)",
        source="A; with the threshold below gives ~28% MQL, inquiry->MQL 10-25% (V)",
    )
    inbound_quality_concentration: float = param(
        4.0, 0.01, 1e4, "Beta concentration a+b of inbound quality (higher = less spread)", source="A"
    )
    outbound_quality_mean: float = param(
        0.22,
        0.001,
        0.999,
        "mean latent quality of outbound (rep-sourced) leads",
        source="A: MODEL.md 3.2, lower than inbound",
    )
    outbound_quality_concentration: float = param(4.0, 0.01, 1e4, "Beta concentration of outbound quality", source="A")
    readiness_mean: float = param(
        0.57,
        0.001,
        0.999,
        "mean share of the buying journey done before talking to sales",
        source="CEB 2012 (I): mean 57%, wide spread",
    )
    readiness_concentration: float = param(
        3.0, 0.01, 1e4, "Beta concentration of readiness (low = wide spread)", source="A: 'wide spread' (CEB 2012)"
    )
    score_noise_sd: float = param(0.15, 0.0, 5.0, "sd of the noise marketing's lead score adds to q", source="A")
    mql_threshold: float = param(
        0.52,
        -5.0,
        5.0,
        "score at or above which a lead is an MQL and goes to sales",
        source="A; ~28% of inbound leads become MQLs, 26% 'ready' (V)",
    )
    nurture_recycle_share: float = param(
        0.10,
        0.0,
        1.0,
        "share of nurtured leads that come back for scoring later without marketing automation",
        source="A; automation adds up to market.automation_recycle_lift (V: 72% of the nurture group ready in 6-11 months with nurturing)",
    )
    nurture_min_days: float = param(
        180.0, 0.0, 3650.0, "earliest return of a recycled lead, days after it entered nurture", source="V: 6-11 months"
    )
    nurture_max_days: float = param(
        330.0, 0.0, 3650.0, "latest return of a recycled lead, days after it entered nurture", source="V: 6-11 months"
    )
    nurture_readiness_gain: float = param(
        0.30, 0.0, 1.0, "share of the remaining journey a recycled lead has covered on return", source="A"
    )


# Knots (hours, multiplier), calibrated so that in a default run the qualification odds are
# ~7x higher within 1 h than at 1-2 h and >60x higher than at 24 h or later (HBR 2011, grade H);
# the steeper MIT-InsideSales ratios (vendor, grade V) are not targeted.
_CONTACT_DECAY: DecayTable = ((0.0, 1.0), (1.0, 0.60), (2.0, 0.18), (24.0, 0.13), (72.0, 0.08), (720.0, 0.05))
_QUALIFY_DECAY: DecayTable = ((0.0, 1.0), (1.0, 0.45), (2.0, 0.16), (24.0, 0.10), (72.0, 0.06), (720.0, 0.04))


@dataclass(frozen=True)
class Sales(Section, prefix="sales."):
    """The sales team, its follow-up queue and the response-delay decay (MODEL.md 3.2, 3.5)."""

    reps: int = param(10, 0, 100_000, "sales reps (quota-carrying headcount)", source="A: mid-market team")
    rep_skill_sd: float = param(
        0.10,
        0.0,
        0.45,
        "spread (sd) of skill across reps; each rep's skill is drawn once, Beta with mean rep_skill (0 = identical reps)",
        source="A; with the plan below gives the 57-60% of reps at quota (CSO Insights, I): calibrated to that pattern",
    )
    routing: str = param(
        "territory",
        doc="who gets a new MQL: the owner of its territory (any rep, at random), reps in turn, or a pooled queue any rep takes from",
        choices=("territory", "round_robin", "pooled"),
    )
    queue_check_hours: float = param(
        2.5,
        0.0,
        1e4,
        "median working hours between a rep's looks at the follow-up queue (8 = one CRM pull a day); SLA enforcement shortens it",
        lo_open=True,
        source="HBR 2011 (H): leads pulled from the CRM once a day; calibrated with the spread to the audit's within-1 h share and mean",
    )
    queue_check_spread: float = param(
        3.5,
        0.0,
        5.0,
        "spread of queue-check intervals across reps (sd of their log; 0 = every rep checks as often)",
        source="A; HBR 2011 (H): response habits differ widely; calibrated to HBR's response shares",
    )
    outbound_attempts_per_hour: float = param(
        10.0,
        0.0,
        1e4,
        "outbound attempts (calls, personal e-mails) per rep-hour of prospecting",
        source="V (prior): about 45 cold calls a day per SDR (Bridge Group, as cited by vendors) in ~5 h, plus e-mails",
    )
    outbound_conversation_rate: float = param(
        0.055,
        0.0,
        1.0,
        "share of outbound attempts that reach a live conversation with the prospect",
        source="V (prior): 5.4% average connect (Gong Labs 2024); 9.9% connects, 58% of them conversations (Belkins 2026)",
    )
    outbound_meeting_rate: float = param(
        0.12,
        0.0,
        1.0,
        "share of outbound conversations that book a meeting (an outbound lead)",
        source="V (prior): 4.6% (Belkins 2026) to ~15%; SDR targets of 12-15 meetings a month",
    )
    quota_shares: tuple[float, ...] = param(
        (),
        doc="each starting rep's share of the yearly bookings plan, in rep order (empty: equal shares); one per rep, summing to 1",
        source="A",
        check=lambda v: (
            None if isinstance(v, tuple) and all(isinstance(x, float) and 0.0 <= x <= 1.0 for x in v) else "a list of shares in [0, 1]"
        ),
    )
    follow_up_hours_mean: float = param(
        1.0,
        0.0,
        1e4,
        "mean rep time to follow up one MQL, hours (a started follow-up runs on past the end of the shift)",
        lo_open=True,
        source="A; Velocify 2012 (V): 1.3-1.6 attempts made",
    )
    follow_up_hours_cv: float = param(1.0, 0.01, 10.0, "coefficient of variation of follow-up time (Gamma; 1 = exponential)", source="A")
    sla_hours: float = param(
        24.0,
        0.0,
        1e4,
        "follow-up SLA, hours from the lead's hand-off to sales (arrival, or return from nurture) to first touch; compliance is measured",
        lo_open=True,
        source="seed 000: 'follow up on all leads within 24hrs'; SiriusDecisions (I)",
    )
    ignore_share: float = param(
        0.25,
        0.0,
        1.0,
        "share of MQLs sales never follows up, before leadership effects",
        source="Forrester/CSO Insights (V/I): up to 80%, ~25% with good nurturing; HBR 2011: 23% never reply",
    )
    contact_probability: float = param(0.90, 0.0, 1.0, "probability of reaching the buyer with an immediate touch", source="A")
    contact_decay: DecayTable = param(
        _CONTACT_DECAY,
        doc="contact-probability multiplier by response delay in hours (log-linear between knots)",
        source="calibrated so qualification odds match HBR 2011 (H): ~7x within 1 h vs 1-2 h, >60x vs 24 h+",
        check=_check_decay_table,
    )
    qualify_decay: DecayTable = param(
        _QUALIFY_DECAY,
        doc="qualification multiplier by response delay in hours (log-linear between knots)",
        source="as contact_decay",
        check=_check_decay_table,
    )
    qualify_intercept: float = param(
        0.30,
        0.0,
        1.0,
        "qualification probability of a contacted lead with q = 0 and readiness = 0",
        source="A; calibrated to MQL->SQL 20-42% (V, a prior), keeping SAL->SQL inside 50-70% (V)",
    )
    qualify_quality_weight: float = param(
        0.80, 0.0, 5.0, "added qualification probability per unit of quality q", source="A; SAL->SQL 50-70% (V)"
    )
    qualify_readiness_weight: float = param(0.40, 0.0, 5.0, "added qualification probability per unit of readiness", source="A")
    rep_skill: float = param(
        0.80,
        0.0,
        1.0,
        "mean rep skill, 1 = the 'perfect rep' of the quality definition (reps differ by rep_skill_sd)",
        lo_open=True,
        source="A",
    )


@dataclass(frozen=True)
class Deals(Section, prefix="deals."):
    """Opportunities, cycle lengths, win probability, price and discount (MODEL.md 3.6)."""

    warm_start_days: float = param(
        120.0,
        0.0,
        3650.0,
        "days of base behaviour simulated before time 0 to fill the pipeline (0 = start with no open deals)",
        source="A: about the 90% quantile of the default cycle, so quarter 1 has a realistic pipeline",
    )
    rep_hours_per_opportunity: float = param(
        6.0,
        0.0,
        1e4,
        "rep-hours an open opportunity takes over its cycle (calls, demos, proposals), spread evenly over the cycle's working time",
        source="A: four to six meetings with preparation; the rest of a rep's day prospects",
    )
    cycle_days_median: float = param(
        45.0,
        0.0,
        3650.0,
        "median sales cycle for a buyer of average readiness, calendar days",
        lo_open=True,
        source="V: mid-market 30-90 days",
    )
    cycle_sigma: float = param(0.6, 0.0, 5.0, "lognormal sigma of the sales cycle (used by cycle_family lognormal only)", source="A")
    cycle_family: str = param(
        "lognormal",
        doc="distribution family of the sales cycle: lognormal (spread cycle_sigma), gamma or weibull (shape cycle_shape); "
        "the median is cycle_days_median in every family",
        choices=("lognormal", "gamma", "weibull"),
        source="A: the lognormal usual for durations; orgsim.calibrate chooses the family by fit (docs/calibration.md)",
    )
    cycle_shape: float = param(
        1.5,
        0.1,
        100.0,
        "shape k of a gamma or Weibull sales cycle (larger = less spread); unused by the lognormal",
        source="A: a right-skewed cycle (gamma CV 0.82, Weibull CV 0.68); set by orgsim.calibrate when it chooses gamma or Weibull",
    )
    readiness_cycle_effect: float = param(
        0.5, 0.0, 0.99, "cycle shortening per unit of readiness ('buyers are most of the way there')", source="seed 004; CEB 2012 (I)"
    )
    list_price_usd: float = param(
        30_000.0, 0.0, 1e9, "list price of an average deal (first-year contract value)", lo_open=True, source="A: mid-market ACV"
    )
    deal_size_sigma: float = param(
        0.5, 0.0, 5.0, "lognormal sigma of account size around list price (mean 1; used by deal_size_family lognormal only)", source="A"
    )
    deal_size_family: str = param(
        "lognormal",
        doc="distribution family of account size around list price: lognormal (spread deal_size_sigma), gamma or weibull "
        "(shape deal_size_shape); the mean is 1 in every family",
        choices=("lognormal", "gamma", "weibull"),
        source="A: the lognormal usual for amounts; orgsim.calibrate chooses the family by fit (docs/calibration.md)",
    )
    deal_size_shape: float = param(
        1.5,
        0.1,
        100.0,
        "shape k of a gamma or Weibull account size (larger = less spread); unused by the lognormal",
        source="A: as cycle_shape; set by orgsim.calibrate when it chooses gamma or Weibull",
    )
    discount_mean: float = param(0.10, 0.0, 1.0, "mean discount off list price", hi_open=True, source="A")
    discount_sd: float = param(0.06, 0.0, 1.0, "sd of the discount across deals", source="A")
    discount_max: float = param(0.40, 0.0, 1.0, "largest discount sales may give", hi_open=True, source="A")
    win_rep_weight: float = param(2.0, 0.0, 20.0, "logit of win probability lost per unit of rep effectiveness below 1", source="A")
    win_discount_weight: float = param(
        4.0, 0.0, 50.0, "logit of win probability gained per unit of discount", source="A; Marn & Rosiello 1992: price is the costly lever"
    )
    win_logit_offset: float = param(
        -1.4, -10.0, 10.0, "constant added to the win logit (market competitiveness)", source="calibrated to SQL->won 20-30% (V)"
    )


@dataclass(frozen=True)
class Costs(Section, prefix="costs."):
    """Headcount costs and margin (MODEL.md 3.12)."""

    rep_cost_usd_per_year: float = param(
        150_000.0, 0.0, 1e8, "fully loaded cost of one rep per year", source="A: mid-market OTE plus overhead"
    )
    marketer_cost_usd_per_year: float = param(120_000.0, 0.0, 1e8, "fully loaded cost of one marketer per year", source="A")
    head_cost_usd_per_year: float = param(
        220_000.0, 0.0, 1e8, "cost of a role in the structure with no leader profile of its own (a head)", source="A"
    )
    gross_margin: float = param(0.75, 0.0, 1.0, "gross margin on bookings; profit = bookings x margin - costs", source="A: B2B software")


@dataclass(frozen=True)
class Leadership(Section, prefix="leadership."):
    """How strongly the integrator's attributes act on each mechanism (MODEL.md 3.5, 3.8-3.11, 4).

    A leader attribute at 0.5 is neutral for the centred effects below; a run with no structure
    has no leadership effects at all.
    """

    allocation_concentration: float = param(
        1.0, 0.0, 20.0, "how sharply marketing effort follows perceived value (shares ~ value^k)", source="A"
    )
    quarter_days: float = param(91.0, 7.0, 366.0, "length of a quota period", source="MODEL.md 2: quarters are 91 days")
    plan_prior_bookings_usd: float = param(
        4_700_000.0,
        0.0,
        1e12,
        "bookings in the year before the run: the base of the first year's plan (later years build on the year just booked)",
        source="A: the default company's last year, set with rep_skill_sd to 57-60% of reps at quota (CSO Insights, I)",
    )
    plan_growth: float = param(
        0.15,
        -0.9,
        10.0,
        "growth target of each yearly bookings plan over the year before; the plan is split into rep quotas",
        source="A: a typical B2B software plan; 57-60% of reps make quota (CSO Insights, I) is an outcome, not an input",
    )
    pressure_check_days: tuple[float, ...] = param(
        (45.0, 75.0),
        doc="days into each quarter when shortfall is assessed (mid-quarter, near the end)",
        source="MODEL.md 3.9",
        check=lambda v: (
            None
            if isinstance(v, tuple) and len(v) > 0 and all(isinstance(x, float) and 0 < x < 366 for x in v)
            else "a non-empty list of days in (0, 366)"
        ),
    )
    pressure_rush_share: float = param(
        0.5,
        0.0,
        1.0,
        "share of marketers a fully pressured, fully sensitive leader pulls onto rush campaigns",
        source="Graham, Harvey & Rajgopal 2005 (P): ~80% would cut discretionary spend to hit a quarter",
    )
    pressure_discount: float = param(
        0.08, 0.0, 0.5, "extra discount at full pressure and sensitivity, on deals closing after a check", source="A; Marn & Rosiello 1992"
    )
    coaching_weight: float = param(
        0.3, 0.0, 1.0, "share of rep effectiveness that depends on the leader's sales understanding", source="A; seed 001"
    )
    outbound_support: float = param(
        0.5,
        0.0,
        2.0,
        "change in outbound attempts per prospecting hour per unit of sales understanding above 0.5 (coached prospecting)",
        source="A; seed 001: pro-inbound vs pro-outbound",
    )
    sla_check_cut: float = param(
        0.8,
        0.0,
        1.0,
        "share of reps' queue-check interval cut at full SLA enforcement (follow-up put before prospecting)",
        hi_open=True,
        source="A; seed 000: 'follow up on all leads within 24hrs'; HBR 2011 (H): slow response comes from infrequent CRM pulls",
    )
    sla_ignore_cut: float = param(
        0.8,
        0.0,
        1.0,
        "share of unfollowed MQLs removed at full SLA enforcement",
        source="Forrester (V): ignored leads 80% -> 25% with discipline",
    )
    trust_ignore_weight: float = param(
        1.5,
        0.0,
        10.0,
        "rise of the unfollowed share per unit of trust below its neutral level",
        source="A; seed 000: blame for lead quality",
    )
    trust_neutral_qualify_rate: float = param(
        0.25, 0.01, 1.0, "qualification rate of followed MQLs at which sales' trust is neutral (0.5)", source="A; MQL->SQL 15-45% (V)"
    )
    trust_memory_days: float = param(60.0, 1.0, 3650.0, "time constant of sales' memory of lead quality", source="A")
    agreed_criteria_noise_cut: float = param(
        0.4,
        0.0,
        1.0,
        "share of scoring noise removed by agreed scoring criteria",
        source="seed 000; SiriusDecisions (I): 11% have a jointly managed SLA",
    )
    crm_learning_noise_cut: float = param(0.3, 0.0, 1.0, "share of scoring noise removed at full CRM learning", source="A; seed 003")
    crm_learning_quality_lift: float = param(
        0.1, 0.0, 1.0, "share of the gap to q = 1 closed by full CRM learning (targeting)", source="A; seed 003"
    )
    crm_half_saturation: float = param(
        500.0, 0.0, 1e9, "logged outcomes (decayed) at which learning is half its maximum", lo_open=True, source="A"
    )
    crm_weekly_retention: float = param(0.98, 0.0, 1.0, "weekly retention of what logged outcomes taught", hi_open=True, source="A")
    discount_authority_weight: float = param(
        0.6,
        0.0,
        2.0,
        "relative change of the mean discount per unit of discount authority above 0.5",
        source="seed 000: bundles and discounts; Frenzen et al. 2010 (P)",
    )
    disputes_per_week: float = param(3.0, 0.0, 1000.0, "cross-functional disputes arising per week", source="A; seed 000, 002")
    dispute_attention_days: float = param(
        0.2,
        0.0,
        365.0,
        "days of full attention one dispute takes to resolve",
        lo_open=True,
        source="A; Chachere et al. 2003: days in a hierarchy",
    )
    dispute_patience_days: float = param(
        30.0,
        0.0,
        3650.0,
        "days a dispute waits for the integrator before it is dropped unresolved (the status quo stands)",
        lo_open=True,
        source="A: stated assumption; bounds the queue of an integrator with too little attention (a month-old dispute is moot)",
    )
    dispute_rework_usd_per_day: float = param(300.0, 0.0, 1e7, "cost of rework and delay per dispute per day waiting", source="A")
    dispute_ignore_per_waiting: float = param(
        0.01, 0.0, 1.0, "added unfollowed share per dispute waiting", source="A: 'thrown over the wall' (seed 002)"
    )
    dispute_rush_probability: float = param(
        0.3, 0.0, 1.0, "chance a dispute resolved for sales pulls a marketer onto a rush campaign", source="A; seed 000"
    )

    quota_pressure_per_level: float = param(
        0.5,
        0.0,
        1.0,
        "share of the quota owner's pressure a manager feels per reporting line between them",
        source="A: stated assumption; seed 004: whoever carries the 90-day number drifts short-term",
    )
    dual_role_attention_cut: float = param(
        0.5,
        0.0,
        1.0,
        "share of an integrator's interface attention lost to heading one of the two functions directly",
        hi_open=True,
        source="A: stated assumption (half a CSO's or CMO's time runs their own function); seed 001",
    )
    dispute_days_per_level: float = param(
        2.0,
        0.0,
        365.0,
        "days a dispute takes to travel up one reporting line to the lowest common manager",
        source="A: a weekly staff-meeting cadence; Chachere et al. 2003: information delay per level of a hierarchy",
    )
    detail_loss_per_level: float = param(
        0.25,
        0.0,
        10.0,
        "extra resolution effort per reporting line travelled, for the detail lost on the way",
        source="A: stated assumption; Chachere et al. 2003: exceptions passed up lose information",
    )


@dataclass(frozen=True)
class Growth(Section, prefix="growth."):
    """Growth stage (seed 002): a headcount plan and channels that add volume and price variance."""

    rep_hires_per_quarter: int = param(0, 0, 10_000, "reps added at the start of each quarter after the first", source="A")
    channel_leads_per_day: float = param(0.0, 0.0, 1e5, "leads per day from inside-sales and affiliate channels", source="A; seed 002")
    channel_quality_mean: float = param(0.25, 0.001, 0.999, "mean latent quality of channel leads", source="A")
    channel_quality_concentration: float = param(
        2.0,
        0.01,
        1e4,
        "Beta concentration of channel quality (low = wide variance)",
        source="A; seed 002: every prospect looks different",
    )
    channel_discount_sd: float = param(
        0.08,
        0.0,
        1.0,
        "extra discount dispersion on channel deals (narrowed by standard pricing)",
        source="A; seed 002: every deal looks different",
    )


@dataclass(frozen=True)
class Mechanisms(Section, prefix="mechanisms."):
    """One switch per mechanism, so researchers can turn each off and see what it explains."""

    response_decay: bool = param(True, doc="contact and qualification odds fall with response delay (HBR 2011)")
    unfollowed_mqls: bool = param(True, doc="sales never follows up a share of MQLs")
    outbound_prospecting: bool = param(True, doc="reps prospect part of their time and source outbound leads")
    nurture_recycling: bool = param(True, doc="a share of nurtured leads returns for scoring later")
    marketing_projects: bool = param(True, doc="marketers run projects that feed the market stocks (off: stocks only decay)")
    brand_effect: bool = param(True, doc="brand raises the inbound rate and the win rate")
    content_effect: bool = param(True, doc="content raises the inbound rate and buyers' readiness")
    campaign_effect: bool = param(True, doc="campaigns add campaign leads")
    automation_effect: bool = param(True, doc="automation cuts scoring noise and lifts nurture recycling")
    enablement_effect: bool = param(True, doc="sales enablement raises the win rate")
    targeting_effect: bool = param(True, doc="personas/ICP research raise lead quality")
    pricing_effect: bool = param(True, doc="standard pricing narrows discount dispersion")
    planning_allocation: bool = param(True, doc="the integrator allocates marketing effort by value discounted over its horizon")
    quota_pressure: bool = param(True, doc="quarter shortfall leads to rush campaigns (preempting long-term work) and wider discounts")
    follow_up_discipline: bool = param(True, doc="trust and SLA enforcement set the unfollowed share and reps' priority on MQLs")
    scoring_criteria: bool = param(True, doc="agreed scoring criteria cut scoring noise")
    sales_effectiveness: bool = param(True, doc="rep effectiveness depends on the leader's sales understanding")
    crm_learning: bool = param(True, doc="logged outcomes improve scoring and targeting")
    escalation: bool = param(True, doc="disputes queue for the integrator's attention and cost while they wait")
    discount_authority: bool = param(True, doc="the leader's discount authority shifts the mean discount")
    leader_costs: bool = param(True, doc="the structure's roles cost their salaries")
    quota_ownership: bool = param(
        True, doc="the role that carries the bookings target feels quota pressure; managers further away feel less"
    )
    dual_roles: bool = param(True, doc="an integrator who heads one function directly has less attention for the interface")
    span_of_control: bool = param(True, doc="an integrator's attention and salary are shared among all their direct reports")
    reporting_distance: bool = param(True, doc="disputes travel up to the lowest common manager, losing time and detail per line")
    heads_below: bool = param(True, doc="the heads of marketing and sales shape their function's daily decisions as far as delegated")
    growth_stage: bool = param(True, doc="the headcount plan and channels of the growth section apply")
    program_budget: bool = param(True, doc="a marketing project starts only if the period's programme budget (budget section) pays for it")
    budget_cuts: bool = param(True, doc="under quota pressure the integrator cuts the rest of the period's long-term programme money")
    # workforce (orgsim.config.workforce, docs/model.md 7.26)
    attrition: bool = param(True, doc="reps and marketers leave at the workforce section's turnover; each departure opens a backfill")
    ramp: bool = param(True, doc="new reps and marketers ramp from a starting productivity to full over their first months")
    hiring_lag: bool = param(True, doc="a requisition (backfill or planned hire) starts only after the hiring lag")
    pressure_turnover: bool = param(True, doc="the quota owner's felt quota pressure raises reps' turnover")
    addressable_market: bool = param(True, doc="lead arrivals fall with the share of the addressable market already won")
    # customers (orgsim.config.customers, docs/model.md 7.25)
    customer_churn: bool = param(True, doc="customers churn with a hazard driven by fit, discount, account size and delight")
    expansion: bool = param(True, doc="surviving customers' ARR grows (in proportion to delight)")
    referrals: bool = param(True, doc="active customers refer new leads (source referral, in proportion to delight)")
    delight_effect: bool = param(True, doc="delight (fed by enablement, content and pricing) acts on churn, expansion and referrals")

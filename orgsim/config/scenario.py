"""Scenario configuration: frozen dataclasses, validation in one place, TOML in and out.

A :class:`Scenario` is the complete, immutable description of a company and its market. It
is grouped in sections (``calendar``, ``inbound``, ``leads``, ``sales``, ``deals``, ``costs``,
``mechanisms``), each a frozen dataclass whose fields carry units in their names, a one-line
description and the allowed range in their metadata. Every default names its source; grades
follow ``CALIBRATION.md`` (P peer-reviewed, H HBR-type, I analyst, V vendor, A our assumption).

All validation lives in :func:`validate`, which reports every invalid field at once as an
:class:`~orgsim.errors.ValidationError` before any simulation starts.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import itertools
import math
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from orgsim.config.errors import Problem, ValidationError

INF = math.inf

#: A decay table: ``(delay_hours, multiplier)`` knots; log-linear interpolation between them.
DecayTable = tuple[tuple[float, float], ...]


def param(
    default: Any,
    lo: float | None = None,
    hi: float | None = None,
    doc: str = "",
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    source: str = "",
    check: Callable[[Any], str | None] | None = None,
    choices: tuple[str, ...] | None = None,
) -> Any:
    """A dataclass field with its allowed range, description and source in the metadata."""
    meta: dict[str, Any] = {"lo": lo, "hi": hi, "lo_open": lo_open, "hi_open": hi_open, "doc": doc, "source": source}
    if choices is not None:
        meta["choices"] = choices
    if check is not None:
        meta["check"] = check
    if isinstance(default, (list, dict, set)):
        raise TypeError("mutable defaults are not allowed; use tuples")
    return field(default=default, metadata=meta)


def _check_decay_table(table: Any) -> str | None:
    """A decay table has at least two knots, delays strictly increasing from 0, multipliers in (0, 1]."""
    rule = "a list of [delay_hours, multiplier] pairs, delays strictly increasing from 0, multipliers in (0, 1]"
    try:
        knots = [(float(d), float(m)) for d, m in table]
    except (TypeError, ValueError):
        return rule
    if len(knots) < 2 or knots[0][0] != 0.0:
        return rule
    for (d0, _), (d1, _) in itertools.pairwise(knots):
        if not d1 > d0:
            return rule
    if any(not (math.isfinite(d) and math.isfinite(m) and 0.0 < m <= 1.0) for d, m in knots):
        return rule
    return None


class _Section:
    """Behaviour shared by every configuration section: validated on construction."""

    def __post_init__(self) -> None:
        problems = _check_section(self, _SECTION_PREFIX.get(type(self).__name__, ""))
        if problems:
            raise ValidationError(problems)

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (validated like any new instance)."""
        names = [f.name for f in dataclasses.fields(self)]  # type: ignore[arg-type]
        unknown = [
            Problem(f"{_SECTION_PREFIX.get(type(self).__name__, '')}{k}", v, _unknown_key_hint(k, names))
            for k, v in changes.items()
            if k not in names
        ]
        if unknown:
            raise ValidationError(unknown)
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (tuples become lists), the shape written to TOML."""
        return _to_plain(self)


def _to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple):
        return [_to_plain(v) for v in obj]
    return obj


@dataclass(frozen=True)
class Calendar(_Section):
    """The working calendar of reps and marketers. Day 0 is a Monday, 00:00; time is in days."""

    business_hours: bool = param(True, doc="reps follow up only in working hours; false = always on duty (queue verification)")
    workday_start_hour: float = param(9.0, 0.0, 24.0, "hour of day the working day starts", hi_open=True, source="A")
    workday_end_hour: float = param(17.0, 0.0, 24.0, "hour of day the working day ends", lo_open=True, source="A")
    workdays_per_week: int = param(5, 1, 7, "working days per week, counted from Monday", source="A")


@dataclass(frozen=True)
class Inbound(_Section):
    """Inbound lead arrivals: a non-homogeneous Poisson process (MODEL.md 3.1)."""

    base_rate_per_day: float = param(
        16.0,
        0.0,
        1e5,
        "inbound leads per calendar day with no brand or content (about 32 a day with the default stocks)",
        source="A: sized for a mid-market firm with 10 reps; inquiry volumes vary by orders of magnitude",
    )


@dataclass(frozen=True)
class Leads(_Section):
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
_CONTACT_DECAY: DecayTable = ((0.0, 1.0), (1.0, 0.60), (2.0, 0.30), (24.0, 0.13), (72.0, 0.08), (720.0, 0.05))
_QUALIFY_DECAY: DecayTable = ((0.0, 1.0), (1.0, 0.45), (2.0, 0.25), (24.0, 0.10), (72.0, 0.06), (720.0, 0.04))


@dataclass(frozen=True)
class Sales(_Section):
    """The sales team, its follow-up queue and the response-delay decay (MODEL.md 3.2, 3.5)."""

    reps: int = param(10, 0, 100_000, "sales reps (quota-carrying headcount)", source="A: mid-market team")
    prospecting_share: float = param(
        0.30,
        0.0,
        1.0,
        "share of rep capacity spent prospecting (outbound) instead of following up MQLs",
        hi_open=True,
        source="A; HBR 2011: reps busy generating their own leads",
    )
    outbound_leads_per_prospecting_hour: float = param(0.25, 0.0, 1e4, "engaged outbound prospects per rep-hour of prospecting", source="A")
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
        0.10, 0.0, 1.0, "qualification probability of a contacted lead with q = 0 and readiness = 0", source="A"
    )
    qualify_quality_weight: float = param(
        0.80, 0.0, 5.0, "added qualification probability per unit of quality q", source="A; SAL->SQL 50-70% (V)"
    )
    qualify_readiness_weight: float = param(0.40, 0.0, 5.0, "added qualification probability per unit of readiness", source="A")
    rep_skill: float = param(
        0.80,
        0.0,
        1.0,
        "rep skill, 1 = the 'perfect rep' of the quality definition",
        lo_open=True,
        source="A; 57-60% of reps make quota (CSO Insights, I)",
    )


@dataclass(frozen=True)
class Deals(_Section):
    """Opportunities, cycle lengths, win probability, price and discount (MODEL.md 3.6)."""

    warm_start_days: float = param(
        120.0,
        0.0,
        3650.0,
        "days of base behaviour simulated before time 0 to fill the pipeline (0 = start with no open deals)",
        source="A: about the 90% quantile of the default cycle, so quarter 1 has a realistic pipeline",
    )
    cycle_days_median: float = param(
        45.0,
        0.0,
        3650.0,
        "median sales cycle for a buyer of average readiness, calendar days",
        lo_open=True,
        source="V: mid-market 30-90 days",
    )
    cycle_sigma: float = param(0.6, 0.0, 5.0, "lognormal sigma of the sales cycle", source="A")
    readiness_cycle_effect: float = param(
        0.5, 0.0, 0.99, "cycle shortening per unit of readiness ('buyers are most of the way there')", source="seed 004; CEB 2012 (I)"
    )
    list_price_usd: float = param(
        30_000.0, 0.0, 1e9, "list price of an average deal (first-year contract value)", lo_open=True, source="A: mid-market ACV"
    )
    deal_size_sigma: float = param(0.5, 0.0, 5.0, "lognormal sigma of account size around list price (mean 1)", source="A")
    discount_mean: float = param(0.10, 0.0, 1.0, "mean discount off list price", hi_open=True, source="A")
    discount_sd: float = param(0.06, 0.0, 1.0, "sd of the discount across deals", source="A")
    discount_max: float = param(0.40, 0.0, 1.0, "largest discount sales may give", hi_open=True, source="A")
    win_rep_weight: float = param(2.0, 0.0, 20.0, "logit of win probability lost per unit of rep effectiveness below 1", source="A")
    win_discount_weight: float = param(
        4.0, 0.0, 50.0, "logit of win probability gained per unit of discount", source="A; Marn & Rosiello 1992: price is the costly lever"
    )
    win_logit_offset: float = param(
        -1.1, -10.0, 10.0, "constant added to the win logit (market competitiveness)", source="A; SQL->won 20-30% (V)"
    )


@dataclass(frozen=True)
class Costs(_Section):
    """Headcount costs and margin (MODEL.md 3.12)."""

    rep_cost_usd_per_year: float = param(
        150_000.0, 0.0, 1e8, "fully loaded cost of one rep per year", source="A: mid-market OTE plus overhead"
    )
    marketer_cost_usd_per_year: float = param(120_000.0, 0.0, 1e8, "fully loaded cost of one marketer per year", source="A")
    head_cost_usd_per_year: float = param(
        220_000.0, 0.0, 1e8, "cost of a role in the structure with no leader profile of its own (a head)", source="A"
    )
    gross_margin: float = param(0.75, 0.0, 1.0, "gross margin on bookings; profit = bookings x margin - costs", source="A: B2B software")


STOCKS: tuple[str, ...] = ("brand", "content", "automation", "enablement", "campaign", "targeting", "pricing")


@dataclass(frozen=True)
class StockParams(_Section):
    """One market stock: geometric decay (adstock), an optional lag, Hill saturation of its effect."""

    weekly_retention: float = param(
        0.9, 0.0, 0.999, "share of the stock left after a week with no investment", source="per stock: see Market"
    )
    lag_days: float = param(
        0.0, 0.0, 3650.0, "time constant of the delay before the stock acts (0 = at once)", source="per stock: see Market"
    )
    half_saturation: float = param(
        1.0,
        1e-6,
        1e6,
        "stock level at which the effect is half its maximum (Hill g)",
        source="steady state of the default team",
    )
    hill_shape: float = param(1.0, 0.1, 10.0, "Hill exponent a: <1 concave from the start, >1 S-shaped", source="Robyn (D): 0.5-3")


def _stock(weekly: float, lag: float, half: float) -> Any:
    return field(default_factory=lambda: StockParams(weekly_retention=weekly, lag_days=lag, half_saturation=half))


@dataclass(frozen=True)
class Market(_Section):
    """Market stocks and the size of their effects (MODEL.md 2, 3.1, 3.4, 3.6).

    Half-saturations are near each stock's steady state under the default team (6 marketers)
    and a 50/50 short/long split, so the default company starts with every effect at about half
    its maximum. Retentions are weekly; the model applies ``weekly ** (1/7)`` each day.
    """

    # Leone 1995 (P): 90% duration of advertising 6-9 months, weekly retention 0.915-0.943;
    # Field 2018 (I): brand effects show after about 6 months -> a 120-day lag.
    brand: StockParams = _stock(0.93, 120.0, 0.6)
    # SEO and buyer content persist and take months to rank (A; seed 004).
    content: StockParams = _stock(0.97, 60.0, 2.5)
    # Automation/CRM infrastructure barely decays (A; seed 000 "laying the infrastructure").
    automation: StockParams = _stock(0.99, 0.0, 2.5)
    # Sales collateral ages over a couple of months (A).
    enablement: StockParams = _stock(0.90, 0.0, 3.6)
    # Promotions fade within ~10 weeks (Nijs et al. 2001; Pauwels et al. 2002, P); digital weekly
    # adstock 0-0.3, print 0.1-0.4 (Robyn, D) -> 0.4: 99% gone in five weeks.
    campaign: StockParams = _stock(0.40, 0.0, 1.3)
    # Personas/ICP research ages as the market shifts (A).
    targeting: StockParams = _stock(0.98, 0.0, 1.9)
    # Standard pricing erodes slowly without upkeep (A; seed 002).
    pricing: StockParams = _stock(0.98, 0.0, 1.9)

    brand_inbound_lift: float = param(
        0.8,
        0.0,
        100.0,
        "relative rise of the inbound rate at full brand saturation",
        source="A; long-term elasticity 0.24 vs short-term 0.12 (Sethuraman et al. 2011, P)",
    )
    content_inbound_lift: float = param(0.6, 0.0, 100.0, "relative rise of the inbound rate at full content saturation", source="A")
    campaign_rate_per_day_max: float = param(10.0, 0.0, 1e5, "campaign leads per day at full campaign saturation", source="A")
    targeting_quality_lift: float = param(
        0.1, 0.0, 1.0, "share of the gap to q = 1 that full personas/ICP targeting closes", source="A; seed 002, 004"
    )
    automation_noise_cut: float = param(0.5, 0.0, 1.0, "share of scoring noise removed at full automation", source="A")
    automation_recycle_lift: float = param(
        0.4,
        0.0,
        1.0,
        "added nurture recycle share at full automation",
        source="V: 72% of the nurture group ready in 6-11 months with nurturing",
    )
    content_readiness_lift: float = param(
        0.3, 0.0, 1.0, "share of the remaining buying journey full content saturation covers", source="CEB 2012 (I); seed 004"
    )
    brand_win_logit: float = param(0.4, 0.0, 10.0, "win logit added at full brand saturation", source="A")
    enablement_win_logit: float = param(0.3, 0.0, 10.0, "win logit added at full enablement saturation", source="A")
    pricing_dispersion_cut: float = param(
        0.6,
        0.0,
        1.0,
        "share of discount dispersion removed at full standard pricing",
        source="A; seed 002: 'there is also standard pricing'",
    )


@dataclass(frozen=True)
class ProjectKind(_Section):
    """A kind of marketing project: effort, cost, and the stock it feeds."""

    name: str = param("campaign", doc="a unique name")
    term: str = param("short", doc="short-term (activation) or long-term work", choices=("short", "long"))
    stock: str = param("campaign", doc="the market stock it feeds", choices=STOCKS)
    effort_person_days: float = param(10.0, 0.0, 3650.0, "marketer working days one project takes", lo_open=True, source="A")
    cost_usd: float = param(0.0, 0.0, 1e9, "program spend, charged when the project starts", source="A")
    output: float = param(1.0, 0.0, 1e6, "stock units a finished project adds", source="A")
    delivery: str = param("completion", doc="when the output reaches the stock", choices=("completion", "gradual"))
    weight: float = param(1.0, 0.0, 1e6, "default weight within its term group under the fixed-share policy", source="A")


def _kind(name: str, term: str, stock: str, effort: float, cost: float, output: float, delivery: str, weight: float) -> ProjectKind:
    return ProjectKind(
        name=name, term=term, stock=stock, effort_person_days=effort, cost_usd=cost, output=output, delivery=delivery, weight=weight
    )


def default_project_kinds() -> tuple[ProjectKind, ...]:
    """The default project kinds (MODEL.md 3.7). Efforts, costs and weights are assumptions (A);
    the 50/50 default split is near Binet & Field's B2B brand:activation 46:54 (I)."""
    return (
        _kind("lead_gen_campaign", "short", "campaign", 10.0, 8_000.0, 1.0, "completion", 0.60),
        _kind("sales_enablement", "short", "enablement", 10.0, 3_000.0, 1.0, "completion", 0.25),
        _kind("event", "short", "campaign", 15.0, 20_000.0, 1.5, "completion", 0.15),
        _kind("brand", "long", "brand", 120.0, 60_000.0, 1.0, "gradual", 0.35),
        _kind("seo_content", "long", "content", 60.0, 10_000.0, 1.0, "gradual", 0.30),
        _kind("marketing_automation", "long", "automation", 90.0, 40_000.0, 1.0, "completion", 0.15),
        _kind("buyer_personas", "long", "targeting", 40.0, 15_000.0, 1.0, "completion", 0.10),
        _kind("standard_pricing", "long", "pricing", 40.0, 5_000.0, 1.0, "completion", 0.10),
    )


@dataclass(frozen=True)
class Marketing(_Section):
    """The marketing team and its project portfolio (MODEL.md 3.7-3.8)."""

    marketers: int = param(6, 0, 100_000, "marketers (each works on one project at a time)", source="A: mid-market team")
    planning_cycle_days: float = param(30.0, 1.0, 365.0, "days between allocation decisions", source="MODEL.md 3.8: monthly")
    long_term_share: float = param(
        0.5,
        0.0,
        1.0,
        "fixed-share policy: share of marketing effort on long-term kinds",
        source="Binet & Field (I): B2B brand:activation ~46:54",
    )
    initial_stocks: str = param(
        "steady_state",
        doc="stocks at time 0: the steady state of the past split (projects under way), or empty (a new company)",
        choices=("steady_state", "empty"),
    )
    initial_long_term_share: float = param(0.5, 0.0, 1.0, "the split before the run; initial stocks are its steady state", source="A")
    preempted_work: str = param(
        "resume", doc="what happens to a preempted project's work: resume later or lose it", choices=("resume", "lose")
    )
    kinds: tuple[ProjectKind, ...] = field(
        default_factory=default_project_kinds, metadata={"doc": "the project kinds (a registry researchers extend)", "source": "A"}
    )


@dataclass(frozen=True)
class Leadership(_Section):
    """How strongly the integrator's attributes act on each mechanism (MODEL.md 3.5, 3.8-3.11, 4).

    A leader attribute at 0.5 is neutral for the centred effects below; a run with no structure
    has no leadership effects at all.
    """

    allocation_concentration: float = param(
        1.0, 0.0, 20.0, "how sharply marketing effort follows perceived value (shares ~ value^k)", source="A"
    )
    quarter_days: float = param(91.0, 7.0, 366.0, "length of a quota period", source="MODEL.md 2: quarters are 91 days")
    quota_usd_per_rep_per_year: float = param(
        850_000.0,
        0.0,
        1e10,
        "annual bookings quota per rep",
        source="A; set so the default team is near quota; 57-60% of reps make quota (CSO Insights, I)",
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
        "change in prospecting share per unit of sales understanding above 0.5",
        source="A; seed 001: pro-inbound vs pro-outbound",
    )
    sla_priority: float = param(
        0.6, 0.0, 2.0, "fall in prospecting share per unit of SLA enforcement above 0.5 (reps put on MQLs)", source="A; seed 000"
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
    dispute_rework_usd_per_day: float = param(300.0, 0.0, 1e7, "cost of rework and delay per dispute per day waiting", source="A")
    dispute_ignore_per_waiting: float = param(
        0.01, 0.0, 1.0, "added unfollowed share per dispute waiting", source="A: 'thrown over the wall' (seed 002)"
    )
    dispute_rush_probability: float = param(
        0.3, 0.0, 1.0, "chance a dispute resolved for sales pulls a marketer onto a rush campaign", source="A; seed 000"
    )


@dataclass(frozen=True)
class Growth(_Section):
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
class Mechanisms(_Section):
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
    growth_stage: bool = param(True, doc="the headcount plan and channels of the growth section apply")


@dataclass(frozen=True)
class Scenario(_Section):
    """A complete, validated description of a company and its market.

    Build one with defaults (``Scenario()``), change fields with :meth:`replace`
    (``scenario.replace(sales={"reps": 12})`` or ``scenario.replace(**{"sales.reps": 12})``),
    and save or load it with :meth:`to_toml` / :meth:`from_toml`.
    """

    name: str = param("default", doc="a label for reports")
    horizon_days: float = param(365.0, 0.0, 36_500.0, "default simulated horizon in days", lo_open=True, source="A: one year")
    period_days: int = param(7, 1, 365, "length of one row of RunResult.series, days", source="A: weekly")
    calendar: Calendar = field(default_factory=Calendar)
    inbound: Inbound = field(default_factory=Inbound)
    leads: Leads = field(default_factory=Leads)
    sales: Sales = field(default_factory=Sales)
    deals: Deals = field(default_factory=Deals)
    costs: Costs = field(default_factory=Costs)
    market: Market = field(default_factory=Market)
    marketing: Marketing = field(default_factory=Marketing)
    leadership: Leadership = field(default_factory=Leadership)
    growth: Growth = field(default_factory=Growth)
    mechanisms: Mechanisms = field(default_factory=Mechanisms)

    def __post_init__(self) -> None:
        problems = validate(self)
        if problems:
            raise ValidationError(problems)

    # -- changing ---------------------------------------------------------------------------
    def replace(self, **changes: Any) -> Scenario:
        """A copy with changes. Keys are top-level fields, section names with a dict (merged)
        or dataclass (replacing), or dotted paths like ``"sales.reps"``."""
        data = self.to_dict()
        for key, value in changes.items():
            _set_path(data, key, _to_plain(value))
        return Scenario.from_dict(data)

    # -- (de)serialisation --------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "") -> Scenario:
        """Build from a nested mapping (as read from TOML). Unknown keys and wrong types are
        reported together with range errors, each naming the field."""
        problems: list[Problem] = []
        kwargs = _build(cls, data, "", problems)
        if problems:
            if source:
                problems = [Problem(f"{source}: {p.field}", p.value, p.allowed) for p in problems]
            raise ValidationError(problems)
        try:
            return cls(**kwargs)
        except ValidationError as err:
            if source:
                raise ValidationError([Problem(f"{source}: {p.field}", p.value, p.allowed) for p in err.problems]) from None
            raise

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Load a scenario from a TOML file; missing keys take their defaults. An
        ``[uncertain]`` table (declared uncertainties, see :mod:`orgsim.uncertainty`) is skipped."""
        data = read_toml(path)
        if isinstance(data.get("uncertain"), Mapping):
            del data["uncertain"]
        return cls.from_dict(data, source=str(path))

    def to_toml(self, path: str | Path | None = None) -> str:
        """The scenario as TOML text; also written atomically to ``path`` when given."""
        import tomli_w

        text = tomli_w.dumps(self.to_dict())
        if path is not None:
            from orgsim.config.files import atomic_write_text

            atomic_write_text(Path(path), text)
        return text


#: The dotted prefix each section's fields are reported under.
_SECTION_PREFIX = {
    "Calendar": "calendar.",
    "Inbound": "inbound.",
    "Leads": "leads.",
    "Sales": "sales.",
    "Deals": "deals.",
    "Costs": "costs.",
    "Mechanisms": "mechanisms.",
    "Market": "market.",
    "Marketing": "marketing.",
    "Leadership": "leadership.",
    "Growth": "growth.",
}


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning a missing file or bad syntax into a ValidationError."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ValidationError(Problem(str(path), "missing", "the file does not exist")) from None
    except IsADirectoryError:
        raise ValidationError(Problem(str(path), "a directory", "a TOML file")) from None
    except tomllib.TOMLDecodeError as err:
        raise ValidationError(Problem(str(path), "not TOML", f"valid TOML ({err})")) from None
    except UnicodeDecodeError:
        raise ValidationError(Problem(str(path), "binary", "a UTF-8 TOML file")) from None


def _set_path(data: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    target = data
    for i, part in enumerate(parts[:-1]):
        if part not in target or not isinstance(target[part], dict):
            known = [k for k, v in target.items() if isinstance(v, dict)]
            raise ValidationError(Problem(".".join(parts[: i + 1]), part, _unknown_key_hint(part, known)))
        target = target[part]
    last = parts[-1]
    if last not in target:
        raise ValidationError(Problem(key, value, _unknown_key_hint(last, list(target))))
    if isinstance(target[last], dict) and isinstance(value, dict):
        for sub_key, sub_value in value.items():
            _set_path(target[last], sub_key, sub_value)
    else:
        target[last] = value


def _unknown_key_hint(key: Any, known: list[str]) -> str:
    # str(): keys of a dict passed to from_dict may be anything (TOML keys are always strings)
    close = difflib.get_close_matches(str(key), known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key; {hint}known keys: {', '.join(sorted(known))}"


@functools.cache
def _type_hints(cls: type) -> Mapping[str, Any]:
    # Cached: resolving the annotations costs ~0.3 ms a class, paid on every validation,
    # which dominated building the points of a sweep. Read-only (a shared dict).
    return types.MappingProxyType(typing.get_type_hints(cls, globalns=globals()))


def _build(cls: type, data: Any, prefix: str, problems: list[Problem]) -> dict[str, Any]:
    """Turn a mapping into constructor kwargs for ``cls``, collecting structural problems."""
    if not isinstance(data, Mapping):
        problems.append(Problem(prefix.rstrip(".") or cls.__name__, data, "a table of fields"))
        return {}
    hints = _type_hints(cls)
    fields_by_name = {f.name: f for f in dataclasses.fields(cls)}
    names = list(fields_by_name)
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in names:
            problems.append(Problem(name, value, _unknown_key_hint(key, names)))
            continue
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            built = _build_section(hint, value, name, problems)
            if built is not _BAD:
                kwargs[key] = built
            continue
        item = _section_item_type(hint)
        if item is not None:
            if not isinstance(value, (list, tuple)):
                problems.append(Problem(name, value, f"a list of {item.__name__} tables"))
                continue
            items = [_build_section(item, entry, f"{name}[{i}]", problems) for i, entry in enumerate(value)]
            if all(entry is not _BAD for entry in items):
                kwargs[key] = tuple(items)
            continue
        converted = _coerce(value, hint)
        if converted is _BAD:
            meta = fields_by_name[key].metadata
            # a field with its own rule (a decay table, check days) states the rule, not just the type
            rule = meta["check"](value) if "check" in meta else None
            problems.append(Problem(name, value, rule or f"{_article(_type_name(hint))}{_range_text(meta)}"))
            continue
        problem = _check_value(name, converted, hint, fields_by_name[key].metadata)
        if problem:
            problems.append(problem)
        else:
            kwargs[key] = converted
    return kwargs


_BAD = object()


def _build_section(cls: type, data: Any, name: str, problems: list[Problem]) -> Any:
    """Build one nested section from a mapping; problems are reported under ``name``."""
    if isinstance(data, cls):
        return data
    sub_problems: list[Problem] = []
    sub = _build(cls, data, f"{name}.", sub_problems)
    if sub_problems:
        problems.extend(sub_problems)
        return _BAD
    try:
        return cls(**sub)
    except ValidationError as err:
        problems.extend(Problem(f"{name}.{p.field.rsplit('.', 1)[-1]}", p.value, p.allowed) for p in err.problems)
        return _BAD


def _section_item_type(hint: Any) -> type | None:
    """The section class of a ``tuple[Section, ...]`` hint, else None."""
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis and dataclasses.is_dataclass(args[0]):
            return args[0]
    return None


def _type_name(hint: Any) -> str:
    if hint == tuple[float, ...]:
        return "list of numbers"
    if hint == DecayTable:  # typing.get_type_hints returns an equal alias, not the same object
        return "list of [delay_hours, multiplier] pairs"
    return {int: "integer", float: "number", bool: "boolean (true or false)", str: "string"}.get(hint, str(hint))


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _coerce(value: Any, hint: Any) -> Any:
    """Convert TOML/JSON values to the declared type, or return _BAD."""
    if hint is bool:
        return value if isinstance(value, bool) else _BAD
    if hint is int:
        if isinstance(value, bool):
            return _BAD
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return _BAD
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _BAD
        return float(value)
    if hint is str:
        return value if isinstance(value, str) else _BAD
    if hint == tuple[float, ...]:
        if not isinstance(value, (list, tuple)) or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in value):
            return _BAD
        return tuple(float(x) for x in value)
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, (list, tuple)):
            return _BAD
        try:
            return tuple(tuple(float(x) for x in pair) for pair in value)
        except (TypeError, ValueError):
            return _BAD
    return value


def _check_value(name: str, value: Any, hint: Any, meta: Mapping[str, Any]) -> Problem | None:
    if hint is bool:
        return None if isinstance(value, bool) else Problem(name, value, "true or false")
    if hint is str:
        if not isinstance(value, str):
            return Problem(name, value, "a string")
        choices = meta.get("choices")
        if choices and value not in choices:
            close = difflib.get_close_matches(value, choices, n=1)
            hint_text = f" (did you mean {close[0]!r}?)" if close else ""
            return Problem(name, value, f"one of {', '.join(map(repr, choices))}{hint_text}")
        return None
    if "check" in meta:
        message = meta["check"](value)
        return Problem(name, value, message) if message else None
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        return Problem(name, value, f"an integer{_range_text(meta)}")
    if hint is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return Problem(name, value, f"a number{_range_text(meta)}")
    if hint in (int, float):
        if not math.isfinite(value):
            return Problem(name, value, f"a finite number{_range_text(meta)}")
        lo, hi = meta.get("lo"), meta.get("hi")
        if lo is not None and (value < lo or (meta["lo_open"] and value == lo)):
            return Problem(name, value, f"must be{_range_text(meta)}")
        if hi is not None and (value > hi or (meta["hi_open"] and value == hi)):
            return Problem(name, value, f"must be{_range_text(meta)}")
    return None


def _range_text(meta: Mapping[str, Any]) -> str:
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is None and hi is None:
        return ""
    left = "(" if meta.get("lo_open") else "["
    right = ")" if meta.get("hi_open") else "]"
    return f" in {left}{_fmt(lo)}, {_fmt(hi)}{right}"


def _fmt(x: float | None) -> str:
    if x is None:
        return "inf"
    return f"{x:g}"


def _check_section(obj: Any, prefix: str) -> list[Problem]:
    """Type and range problems of a section and every section nested in it."""
    problems: list[Problem] = []
    hints = _type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        hint = hints[f.name]
        name = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(hint):
            if isinstance(value, hint):
                problems.extend(_check_section(value, f"{name}."))
            else:
                problems.append(Problem(name, value, f"a {hint.__name__} section"))
            continue
        item = _section_item_type(hint)
        if item is not None:
            if not isinstance(value, tuple) or not all(isinstance(v, item) for v in value):
                problems.append(Problem(name, value, f"a tuple of {item.__name__}"))
            else:
                for i, entry in enumerate(value):
                    problems.extend(_check_section(entry, f"{name}[{i}]."))
            continue
        problem = _check_value(name, value, hint, f.metadata)
        if problem:
            problems.append(problem)
    return problems


def validate(scenario: Scenario) -> list[Problem]:
    """Every problem with a scenario: per-field ranges and types, then cross-field rules."""
    problems = _check_section(scenario, "")
    if problems:
        return problems
    problems.extend(_check_marketing(scenario))
    cal, leads, sales = scenario.calendar, scenario.leads, scenario.sales
    if cal.workday_end_hour <= cal.workday_start_hour:
        problems.append(
            Problem(
                "calendar.workday_end_hour", cal.workday_end_hour, f"must be after calendar.workday_start_hour ({cal.workday_start_hour:g})"
            )
        )
    if leads.nurture_max_days < leads.nurture_min_days:
        problems.append(
            Problem("leads.nurture_max_days", leads.nurture_max_days, f"must be >= leads.nurture_min_days ({leads.nurture_min_days:g})")
        )
    if sales.reps == 0 and scenario.inbound.base_rate_per_day > 0:
        problems.append(Problem("sales.reps", 0, "at least 1 while inbound.base_rate_per_day > 0 (nobody would follow up the leads)"))
    if scenario.deals.discount_mean > scenario.deals.discount_max:
        problems.append(
            Problem("deals.discount_mean", scenario.deals.discount_mean, f"must be <= deals.discount_max ({scenario.deals.discount_max:g})")
        )
    return problems


def _check_marketing(scenario: Scenario) -> list[Problem]:
    kinds = scenario.marketing.kinds
    problems = []
    names = [k.name for k in kinds]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(Problem("marketing.kinds", duplicates, "project kind names must be unique"))
    for term in ("short", "long"):
        if scenario.marketing.marketers and not any(k.term == term and k.weight > 0 for k in kinds):
            problems.append(Problem("marketing.kinds", names, f"at least one {term}-term kind with weight > 0"))
    return problems


def describe(cls: type = Scenario, prefix: str = "") -> list[tuple[str, Any, str, str, str]]:
    """Rows of (dotted name, default, allowed range, description, source) for docs and ``orgsim init``."""
    rows = []
    hints = _type_hints(cls)
    instance = cls()
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            rows.extend(_describe_instance(getattr(instance, f.name), f"{prefix}{f.name}."))
            continue
        default = getattr(instance, f.name)
        rows.append(
            (f"{prefix}{f.name}", default, _range_text(f.metadata).strip(), f.metadata.get("doc", ""), f.metadata.get("source", ""))
        )
    return rows


def _describe_instance(obj: Any, prefix: str) -> list[tuple[str, Any, str, str, str]]:
    rows = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            rows.extend(_describe_instance(value, f"{prefix}{f.name}."))
            continue
        if isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            rows.append((f"{prefix}{f.name}", f"{len(value)} entries", "", f.metadata.get("doc", ""), ""))
            continue
        rows.append((f"{prefix}{f.name}", value, _range_text(f.metadata).strip(), f.metadata.get("doc", ""), f.metadata.get("source", "")))
    return rows


__all__ = [
    "STOCKS",
    "Calendar",
    "Costs",
    "Deals",
    "DecayTable",
    "Growth",
    "Inbound",
    "Leadership",
    "Leads",
    "Market",
    "Marketing",
    "Mechanisms",
    "ProjectKind",
    "Sales",
    "Scenario",
    "StockParams",
    "describe",
    "read_toml",
    "validate",
]

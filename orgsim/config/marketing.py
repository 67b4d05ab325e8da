"""Marketing and the market it acts on: the market stocks, the project kinds, the team.

Marketing projects feed market stocks (brand, content, ...), which decay, may act after a lag,
and saturate (MODEL.md 2, 3.1, 3.4, 3.6-3.8). Every default names its source, as in
:mod:`orgsim.config.sections`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orgsim.config.params import Section, param

#: The least work a project kind may take, in person-days. Each project is a few SimPy events
#: and a marketer starts the next one the moment one ends, so a project of almost no effort
#: would finish and restart without time passing (1e-9 person-days looped at t = 0 until memory
#: ran out). At 0.1 a marketer finishes at most ``workdays_per_week / 7 / 0.1 <= 10`` projects
#: a calendar day, so the events per simulated day stay bounded (a few dozen per marketer).
MIN_EFFORT_PERSON_DAYS = 0.1

#: The largest marketing team a scenario may have. Every project is a SimPy process holding a
#: marketer, so a run's time and memory grow with the team: 10,000 marketers take about 7 s for
#: 30 days (with the warm start), 100,000 about two minutes. No B2B marketing department is
#: near 10,000 people.
MAX_MARKETERS = 10_000

STOCKS: tuple[str, ...] = ("brand", "content", "automation", "enablement", "campaign", "targeting", "pricing")


@dataclass(frozen=True)
class StockParams(Section):
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
class Market(Section, prefix="market."):
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
class ProjectKind(Section):
    """A kind of marketing project: effort, cost, and the stock it feeds."""

    name: str = param("campaign", doc="a unique name")
    term: str = param("short", doc="short-term (activation) or long-term work", choices=("short", "long"))
    stock: str = param("campaign", doc="the market stock it feeds", choices=STOCKS)
    effort_person_days: float = param(
        10.0,
        MIN_EFFORT_PERSON_DAYS,
        3650.0,
        "marketer working days one project takes",
        source="A; at least 0.1 (under an hour of a marketer's day): at most 10 projects per marketer and calendar day",
    )
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
class Marketing(Section, prefix="marketing."):
    """The marketing team and its project portfolio (MODEL.md 3.7-3.8)."""

    marketers: int = param(
        6,
        0,
        MAX_MARKETERS,
        "marketers (each works on one project at a time)",
        source="A: mid-market team; at most 10,000, more than the largest B2B marketing departments",
    )
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

"""Customers after the sale: recurring revenue, churn, expansion and referrals.

A won deal becomes a customer whose annual recurring revenue (ARR) is the deal's value less a
one-off part. Each customer churns with a proportional hazard driven by fit (the lead's latent
quality), by the discount promised to win it, by its account size and by *delight*, a slow stock
fed by the market stocks that serve existing customers (enablement, content, pricing); surviving
customers expand, and active customers refer new leads. The model is
:mod:`orgsim.model.customers`; the equations are in docs/model.md, section 7.25. Grades as in
:mod:`orgsim.config.sections` (P, H, I, V, A).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from orgsim.config.params import Section, param

#: The market stocks whose effects feed delight, in the order of their weights.
DELIGHT_STOCKS: tuple[str, ...] = ("enablement", "content", "pricing")


@dataclass(frozen=True)
class Customers(Section, prefix="customers."):
    """The installed base: recurring revenue, churn, expansion, delight and referrals."""

    initial_base: str = param(
        "steady_state",
        doc="customers at time 0: the steady state of the company's past new-customer flow (from the plan's prior-year bookings), "
        "or none (a company with no customers yet; revenue and retention start from zero)",
        choices=("steady_state", "none"),
        source="A: a mid-market firm has an installed base",
    )
    base_years: float = param(
        10.0,
        0.0,
        100.0,
        "years of past selling the installed base at time 0 is drawn from (the company's age); older customers are not in it",
        lo_open=True,
        source="A: a mid-market software firm's age; with 10% churn few customers older than this remain",
    )
    one_off_share: float = param(
        0.0,
        0.0,
        1.0,
        "share of a won deal's value that is a one-off part (services, set-up), recognised at the win; the rest is ARR",
        hi_open=True,
        source="A: the list price is the first-year subscription (deals.list_price_usd)",
    )
    churn_hazard_per_year: float = param(
        0.085,
        0.0,
        50.0,
        "yearly churn hazard h0 of a customer at the reference fit, discount, delight and account size 1",
        source="calibrated: the default installed base loses about 10% of its customers a year "
        "(KeyBanc / Pacific Crest SaaS survey, I: median annual unit churn about 10%)",
    )
    fit_churn_weight: float = param(
        2.0,
        0.0,
        50.0,
        "log churn hazard added per unit of fit (the lead's latent quality q) below fit_reference",
        source="A: a poor-fit customer churns more; direction only",
    )
    fit_reference: float = param(
        0.60,
        0.0,
        1.0,
        "fit q at which the fit term is 0 (installed-base customers are taken at it)",
        source="A: about the mean q of the deals won in a default run (0.62)",
    )
    discount_churn_weight: float = param(
        3.0,
        0.0,
        50.0,
        "log churn hazard added per unit of discount above discount_reference (what was promised to win the deal)",
        source="A: deep discounts win marginal buyers and set up a price rise at renewal; direction only",
    )
    discount_reference: float = param(
        0.10,
        0.0,
        1.0,
        "discount at which the discount term is 0",
        hi_open=True,
        source="A: the default mean discount (deals.discount_mean)",
    )
    size_churn_elasticity: float = param(
        0.9,
        0.0,
        10.0,
        "elasticity of the churn hazard to account size (ARR at the win over list price x (1 - discount)): larger accounts churn less",
        source="calibrated: with 10% unit churn the default base's gross dollar churn is about 7% "
        "(KeyBanc / Pacific Crest, I: gross dollar churn 6-8% against unit churn about 10%, an empirical regularity)",
    )
    delight_churn_weight: float = param(
        2.0,
        0.0,
        50.0,
        "log churn hazard removed per unit of delight above delight_reference",
        source="A: customers served by enablement, content and product marketing stay; direction only",
    )
    delight_reference: float = param(
        0.5,
        0.0,
        1.0,
        "delight at which churn, expansion and referrals take their base rates (delight is in [0, 1))",
        lo_open=True,
        hi_open=True,
        source="A: the default company's delight at time 0 (its stocks' effects are about 0.5)",
    )
    delight_weekly_retention: float = param(
        0.98,
        0.0,
        1.0,
        "share of delight kept after a week; the rest moves toward today's weighted effects of the stocks that feed it",
        hi_open=True,
        source="A: a slow stock (half-life about 34 weeks): customers' experience builds and fades over quarters",
    )
    delight_enablement_weight: float = param(
        1.0, 0.0, 1e3, "relative weight of the enablement stock's effect in what feeds delight", source="A: equal weights"
    )
    delight_content_weight: float = param(
        1.0, 0.0, 1e3, "relative weight of the content stock's effect in what feeds delight", source="A: equal weights"
    )
    delight_pricing_weight: float = param(
        1.0, 0.0, 1e3, "relative weight of the pricing stock's effect in what feeds delight", source="A: equal weights"
    )
    expansion_per_year: float = param(
        0.125,
        0.0,
        10.0,
        "yearly growth of a surviving customer's ARR at the reference delight (proportional to delight / delight_reference)",
        source="calibrated: the default net revenue retention is about 103% (SaaS Capital 2023 retention survey, I: "
        "median NRR 103%, GRR 92% for ACV $25-50k; a prior, not a truth)",
    )
    referrals_per_customer_per_year: float = param(
        0.6,
        0.0,
        1e3,
        "referral leads an active customer sends a year at the reference delight (proportional to delight / delight_reference)",
        source="V (prior): scaled SaaS firms get 20-50% of new customers from existing ones through referrals, brand and word "
        "of mouth (SaaStr); inbound already carries brand, so referrals are set to give about 8% of wins in a default run (A)",
    )
    referral_quality_mean: float = param(
        0.45,
        0.001,
        0.999,
        "mean latent quality q of referral leads (Beta)",
        source="A: a referred buyer fits better than an inbound one (inbound_quality_mean 0.30)",
    )
    referral_quality_concentration: float = param(
        4.0, 0.01, 1e4, "Beta concentration of referral quality (higher = less spread)", source="A: as inbound quality"
    )

    def delight_weights(self) -> tuple[float, float, float]:
        """The weights of :data:`DELIGHT_STOCKS`' effects, in that order (all 0: delight is fed nothing)."""
        return (self.delight_enablement_weight, self.delight_content_weight, self.delight_pricing_weight)


def past_wins(customers: Customers, list_price_usd: float, discount_mean: float, prior_bookings_usd: float, growth: float) -> float:
    """Expected number of deals won over the ``customers.base_years`` before time 0, from which
    the installed base is drawn (docs/model.md 7.25).

    The year before time 0 booked ``prior_bookings_usd`` in deals of mean value
    ``list_price_usd x (1 - discount_mean)``; before that, wins fell by the plan's growth a year
    going back (``growth``, taken as 0 when negative: a shrinking plan is read as a flat past)."""
    mean_value = list_price_usd * (1.0 - discount_mean)
    if not prior_bookings_usd > 0.0:
        return 0.0
    if not mean_value > 0.0:  # a list price so near 0 that the product underflows
        return math.inf
    wins_last_year = prior_bookings_usd / mean_value
    gamma = math.log1p(max(growth, 0.0)) / 365.0
    span = customers.base_years * 365.0
    if gamma == 0.0:
        return wins_last_year * span / 365.0
    return wins_last_year * math.expm1(-gamma * span) / math.expm1(-gamma * 365.0)

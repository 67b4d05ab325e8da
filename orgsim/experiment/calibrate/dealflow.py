"""Estimators of an opportunity export: arrivals and their trend, win rate, cycle, deal size,
discounts, and how much reps and managers differ.

Each reads the deals created in the window (a :class:`~.deal_inputs.DealTable`) and returns its
:class:`~.findings.Findings`; ``docs/calibration.md`` gives every method and its limits.

* :func:`estimate_opportunity_arrivals`: opportunities per day (Poisson, exact interval) and a
  log-linear trend ``rate(t) = exp(a + b t)`` fitted by maximum likelihood to the creation times
  (reported as the change per 365 days, with a Wald interval). The rate sets
  ``inbound.base_rate_per_day``: the base rate plus the missing opportunities per day divided
  by the base runs' opportunities per inbound lead (linear: it assumes reps have time for them).
* :func:`estimate_deal_win_rate`: won / decided deals (Wilson); ``deals.win_logit_offset`` is
  shifted by the logit difference between it and the base runs' win rate.
* :func:`estimate_deal_cycle`: days from creation to close, open deals right-censored at the
  window's end: families by fit (:mod:`.families`), the Kaplan-Meier median, and the scenario's
  cycle fields in the chosen family as from a lead table (:func:`.deals.cycle_fields`).
* :func:`estimate_deal_amounts`: the amounts of won deals, as :func:`estimate_deal_cycle` with
  nothing censored, and the scenario's size fields in the chosen family
  (:func:`.deals.size_fields`): ``deals.deal_size_family``, ``deals.list_price_usd`` and
  ``deals.deal_size_sigma`` or ``deals.deal_size_shape``.
* :func:`estimate_discounts` (with a price list): ``1 - amount / list price`` of won deals.
* :func:`estimate_rep_spread` (with an owner column): variance components (:mod:`.variance`).
"""

from __future__ import annotations

import math

import numpy as np

from orgsim.experiment.calibrate import variance
from orgsim.experiment.calibrate.deal_inputs import DealTable, match_names
from orgsim.experiment.calibrate.deals import MIN_DEALS, _observed_cycle, cycle_fields, size_fields
from orgsim.experiment.calibrate.families import fit_families, km_median
from orgsim.experiment.calibrate.findings import Context, Findings
from orgsim.experiment.calibrate.intervals import Z95, bootstrap_mean_ci, poisson_ci, quantile_ci, wilson_ci

#: Fewest reps with closed deals for a variance component.
MIN_REPS = 3


def estimate_opportunity_arrivals(deals: DealTable, context: Context) -> Findings:
    """Opportunities per calendar day, their trend, and ``inbound.base_rate_per_day``."""
    found = Findings()
    t = deals.created[deals.in_window]
    count, days = len(t), deals.end_day
    rate = count / days
    lo, hi = poisson_ci(count, days)
    found.add("opportunities.per_day", rate, lo, hi, count, "Poisson: count / calendar days, exact interval")
    if count >= MIN_DEALS:
        _trend(found, t, days)
    _source_fields(found, rate, lo, hi, count, context)
    return found


#: The lead-flow fields the opportunity rate scales, and the mechanism each needs.
SOURCE_FIELDS = (
    ("inbound.base_rate_per_day", None),
    ("market.campaign_rate_per_day_max", "campaign_effect"),
    ("sales.outbound_attempts_per_hour", "outbound_prospecting"),
    ("growth.channel_leads_per_day", "growth_stage"),
)


def _source_fields(found: Findings, rate: float, lo: float, hi: float, count: int, context: Context) -> None:
    """Every lead source's rate field scaled by observed / the base runs' opportunities per day."""
    base_opps = context.factors.opportunities_per_day
    if not base_opps > 0:
        found.note("the base scenario's runs opened no opportunities: the lead-flow fields are not set.")
        return
    why = (
        f"the base's field x observed / base runs' {base_opps:.3f} opportunities per day ({context.factors.runs} runs): "
        "one factor for every source keeps the base's mix and assumes reps have the time for the extra leads"
    )
    mechanisms = context.base.mechanisms
    for name, switch in SOURCE_FIELDS:
        section, key = name.split(".")
        value = float(getattr(getattr(context.base, section), key, 0.0))  # a field the scenario lacks is skipped
        if value <= 0 or (switch is not None and not getattr(mechanisms, switch)):
            continue
        found.add(
            name,
            value * rate / base_opps,
            value * lo / base_opps,
            value * hi / base_opps,
            count,
            "opportunity rate scales the lead flow",
            why,
            sets=name,
        )


def _trend(found: Findings, t: np.ndarray, days: float) -> None:
    """Log-linear Poisson trend of the creation times: the change of the rate per 365 days."""
    from scipy import optimize

    n, s = len(t), float(t.sum())

    def profile(b: float) -> float:  # log L with a at its maximum for this b
        integral = days if abs(b * days) < 1e-9 else math.expm1(b * days) / b
        return -(n * math.log(n / integral) + b * s - n)

    bound = 20.0 / days
    b = float(optimize.minimize_scalar(profile, bounds=(-bound, bound), method="bounded", options={"xatol": 1e-12}).x)
    h = 1e-4 / days
    info = (profile(b + h) - 2 * profile(b) + profile(b - h)) / (h * h)
    se = 1.0 / math.sqrt(info) if info > 0 else math.inf
    year = 365.0
    found.add(
        "opportunities.trend_per_year",
        math.expm1(b * year),
        math.expm1((b - Z95 * se) * year),
        math.expm1((b + Z95 * se) * year),
        n,
        "log-linear Poisson rate exp(a + b t), maximum likelihood; reported as exp(365 b) - 1, Wald interval",
        "relative change of the opportunity rate per 365 days; the scenario's rates are constant",
        se=math.exp(b * year) * year * se,
    )
    if abs(b) > Z95 * se:
        found.note(
            f"the opportunity rate changes by {math.expm1(b * year):+.0%} a year (the interval excludes no change); the "
            "scenario's rates are constant: calibrate on a window in which the company was stable, and expect a back-test to miss."
        )


def estimate_deal_win_rate(deals: DealTable, context: Context) -> Findings:
    """Won / decided deals, and ``deals.win_logit_offset`` shifted to match it."""
    found = Findings()
    sel = deals.in_window & deals.decided
    k, n = int(deals.won[sel].sum()), int(sel.sum())
    if n == 0:
        found.note("no won or lost deal in the window: no win rate.")
        return found
    lo, hi = wilson_ci(k, n)
    found.add("conversion.win_rate", k / n, lo, hi, n, "proportion, Wilson interval", "won / (won + lost) deals created in the window")
    base_rate = context.factors.win_rate
    if not 0 < k < n or not 0 < base_rate < 1:
        return found

    def offset(p: float) -> float:
        p = min(max(p, 1e-6), 1 - 1e-6)
        return context.base.deals.win_logit_offset + math.log(p / (1 - p)) - math.log(base_rate / (1 - base_rate))

    why = f"base offset + logit(observed) - logit(the base runs' win rate {base_rate:.3f}); the logit shift of a mixture is approximate"
    found.add(
        "deals.win_logit_offset",
        offset(k / n),
        offset(lo),
        offset(hi),
        n,
        "win rate mapped onto the win logit",
        why,
        sets="deals.win_logit_offset",
    )
    return found


def estimate_deal_cycle(deals: DealTable, context: Context) -> Findings:
    """Days from creation to close, open deals censored at the window's end."""
    found = Findings()
    created, close = deals.created, deals.close_day
    sel = deals.in_window & ~(deals.decided & ~np.isfinite(close))  # decided deals need a close date
    done = np.isfinite(close[sel])
    dur = np.where(done, close[sel] - created[sel], deals.end_day - created[sel])
    dur = np.maximum(dur, 1.0 / 24.0)  # same-day closes (dates without times) count as an hour
    if done.sum() < MIN_DEALS:
        found.note("fewer than 10 closed deals with a close date in the window: no cycle estimate.")
        return found
    choice = fit_families(dur, done, "cycle_days")
    found.tables["fits"] = choice.table
    found.note(choice.note)
    med, lo, hi = km_median(dur, done)
    found.add(
        "cycle.km_median_days",
        med,
        lo,
        hi,
        len(dur),
        "Kaplan-Meier median, log-log interval (scipy.stats.ecdf)",
        f"family by fit: {choice.chosen}",
    )
    censored = f"{int((~done).sum())} open deals right-censored at the window's end"
    _observed_cycle(found, dur, done, f"lognormal MLE, {censored}")
    cycle_fields(found, dur, done, censored, context.factors, choice.chosen)
    return found


def estimate_deal_amounts(deals: DealTable, context: Context) -> Findings:
    """Amounts of won deals: families by fit, mean, median, and the list price and size sigma."""
    found = Findings()
    if deals.amount is None:
        found.note("no amount column: no deal-size estimate.")
        return found
    a = deals.amount
    sel = deals.in_window & deals.won
    x = a[sel & np.isfinite(a) & (a > 0)]
    left = int((sel & ~(np.isfinite(a) & (a > 0))).sum())
    if left:
        found.note(f"{left} won deals with no amount or amount 0 were left out of the deal sizes.")
    if len(x) < MIN_DEALS:
        found.note("fewer than 10 won deals with an amount: no deal-size estimate.")
        return found
    choice = fit_families(x, np.ones(len(x), bool), "deal_size_usd")
    found.tables["fits"] = choice.table
    found.note(choice.note)
    mean, se, lo, hi = bootstrap_mean_ci(x, context.rng)
    found.add("deal_size.mean", mean, lo, hi, len(x), "bootstrap percentile interval (2000 resamples, seeded)", se=se)
    est, lo, hi = quantile_ci(x, 0.5)
    found.add("deal_size.median", est, lo, hi, len(x), "order-statistic (binomial) interval", f"family by fit: {choice.chosen}")
    size_fields(found, x, context.factors, choice.chosen)
    return found


def estimate_discounts(deals: DealTable, context: Context) -> Findings:
    """The realised discount ``1 - amount / list price`` of won deals, with a price list."""
    found = Findings()
    if context.price_list is None:
        return found
    if deals.amount is None or "product" not in deals.text:
        found.note("a price list needs an amount and a product column: no discounts.")
        return found
    prices, unmatched = match_names(deals.text["product"], context.price_list)
    sel = deals.in_window & deals.won & np.isfinite(deals.amount) & np.isfinite(prices) & (prices > 0)
    if unmatched:
        found.note(f"products not in the price list (left out of the discounts): {', '.join(map(repr, unmatched[:12]))}.")
    d = 1.0 - deals.amount[sel] / prices[sel]
    if len(d) < MIN_DEALS:
        found.note("fewer than 10 won deals with a listed product: no discount estimate.")
        return found
    n = len(d)
    note = "realised discount 1 - amount / list price; negative for deals above list"
    mean, se, lo, hi = bootstrap_mean_ci(d, context.rng)
    found.add("discount.mean", mean, lo, hi, n, "bootstrap percentile interval (2000 resamples, seeded)", note, se=se)
    for q in (0.1, 0.5, 0.9):
        est, qlo, qhi = quantile_ci(d, q)
        found.add(f"discount.q{int(q * 100)}", est, qlo, qhi, n, "order-statistic (binomial) interval", note)
    sd = float(d.std(ddof=1))
    found.add("discount.sd", sd, math.nan, math.nan, n, "sample standard deviation", note)
    for name, hits in (("discount.share_above_list", d < -1e-9), ("discount.share_at_list", np.abs(d) <= 1e-9)):
        k = int(hits.sum())
        plo, phi = wilson_ci(k, n)
        found.add(name, k / n, plo, phi, n, "proportion, Wilson interval", "not a scenario field: the model never sells above list")
    return found


def estimate_rep_spread(deals: DealTable, context: Context) -> Findings:
    """Variance components of the win rate between reps (and managers), with shrinkage."""
    found = Findings()
    if "owner" not in deals.text:
        return found
    sel = deals.in_window & deals.decided & np.array([o is not None for o in deals.text["owner"]])
    owners = deals.text["owner"][sel]
    managers = deals.text["manager"][sel] if "manager" in deals.text else np.full(len(owners), "(all)", dtype=object)
    managers = np.array([m if m is not None else "(none)" for m in managers], dtype=object)
    keys = sorted(set(zip(managers, owners, strict=True)))
    if len(keys) < MIN_REPS:
        found.note(f"fewer than {MIN_REPS} reps with decided deals: no spread of win rates between reps.")
        return found
    index = {key: i for i, key in enumerate(keys)}
    rep = np.array([index[key] for key in zip(managers, owners, strict=True)])
    closed = np.bincount(rep, minlength=len(keys)).astype(float)
    won = np.bincount(rep, weights=deals.won[sel].astype(float), minlength=len(keys))
    mgr_names = sorted({m for m, _ in keys})
    mgr = np.array([mgr_names.index(m) for m, _ in keys])
    c = variance.components(won, closed, np.arange(len(keys)), mgr)
    boot = variance.bootstrap(won, closed, mgr, context.rng)
    how = "method of moments (Henderson I, nested) on the proportion scale, truncated at 0; two-stage bootstrap interval"
    note = "sd of the reps' true win rates around their manager's, after sampling noise is taken out; not a scenario field"
    found.add("win_rate.between_reps_sd", math.sqrt(c.rep), *variance.sd_interval(boot[:, 1]), int(closed.sum()), how, note)
    if "manager" in deals.text and len(mgr_names) > 1:
        note = "sd of the managers' true win rates around the company's; not a scenario field"
        found.add("win_rate.between_managers_sd", math.sqrt(c.manager), *variance.sd_interval(boot[:, 0]), int(closed.sum()), how, note)
    raw_sd = float(np.std(won / closed, ddof=1))
    found.note(
        f"win rates of {len(keys)} reps: raw sd {raw_sd:.3f}, of which sampling noise explains all but "
        f"sd {math.sqrt(c.rep):.3f} (see tables['reps'])."
    )
    found.tables["reps"] = variance.rep_table(won, closed, [o for _, o in keys], mgr_names, mgr, c)
    return found


#: The estimators of an opportunity export, in the order they run (and draw from the bootstrap stream).
DEAL_ESTIMATORS = (
    estimate_opportunity_arrivals,
    estimate_deal_win_rate,
    estimate_deal_cycle,
    estimate_deal_amounts,
    estimate_discounts,
    estimate_rep_spread,
)

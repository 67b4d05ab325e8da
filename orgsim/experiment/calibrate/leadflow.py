"""Estimators of the lead flow: arrivals, response time, lead scoring, follow-up, qualification.

Each reads the leads created in the window (see :mod:`.inputs`) and returns its
:class:`~orgsim.experiment.calibrate.findings.Findings`.

* :func:`estimate_arrivals` (columns ``created_at``, ``source``): the arrival rate of each source,
  overall and by weekday, Poisson with exact intervals; outbound per working day (the base
  calendar's ``workdays_per_week``), the others per calendar day; a chi-square test that the rate
  is the same every (working) day, as the model assumes. Each rate is mapped onto the field that
  drives it: inbound divided by the base runs' brand-and-content multiplier
  (``inbound.base_rate_per_day``), campaign by their campaign saturation
  (``market.campaign_rate_per_day_max``), both with the run-to-run spread of the factor added to
  the interval; outbound scales the base's attempts per prospecting hour by observed / the base
  runs' outbound leads per working day (``sales.outbound_attempts_per_hour``); channel as it is
  (``growth.channel_leads_per_day``, when ``mechanisms.growth_stage`` is on).
* :func:`estimate_response_time` (``first_touch_at``): hours from creation to first touch of
  non-outbound leads: mean (bootstrap), median and 90th percentile (order statistics), shares
  within 1 h and 24 h (Wilson). No scenario field: it emerges from the team.
* :func:`estimate_lead_scoring` (``stage`` or ``mql``): the share of non-outbound leads that
  became MQLs (Wilson). No scenario field: it emerges from quality, scoring noise and the
  threshold.
* :func:`estimate_follow_up` (``first_touch_at`` and stage): the share of MQLs touched, counting
  those created at least ``settle_days`` before the export; one minus it is
  ``sales.ignore_share``.
* :func:`estimate_qualification` (``first_touch_at`` and stage): the shares of touched MQLs and of
  touched outbound leads that became opportunities (Wilson). No scenario field.
"""

from __future__ import annotations

import math

import numpy as np

from orgsim.experiment.calibrate.columns import MODEL_SOURCES
from orgsim.experiment.calibrate.findings import Context, Findings
from orgsim.experiment.calibrate.inputs import LeadTable
from orgsim.experiment.calibrate.intervals import Z95, bootstrap_mean_ci, poisson_ci, quantile_ci, wilson_ci

WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# ---------------------------------------------------------------------------------------------
# arrivals


def estimate_arrivals(leads: LeadTable, context: Context) -> Findings:
    """Arrival rates by source and weekday, each mapped onto the scenario field that drives it."""
    found = Findings()
    end_day, in_window = leads.end_day, leads.in_window
    exposure = _weekday_exposure(end_day, leads.weekday_of_day0, leads.day0_offset)
    created_weekday = _weekday(leads.created, leads.weekday_of_day0, leads.day0_offset)
    workday_mask = np.array([w < context.base.calendar.workdays_per_week for w in range(7)])
    for s in MODEL_SOURCES:
        sel = in_window & (leads.source == s)
        count = int(sel.sum())
        if count == 0 and s not in ("channel", "referral"):
            found.note(f"no {s} leads in the window.")
        if s == "outbound":
            expo = float(exposure[workday_mask].sum())
            unit = "per working day"
        else:
            expo = float(end_day)
            unit = "per calendar day"
        rate = count / expo
        lo, hi = poisson_ci(count, expo)
        found.add(f"arrivals.{s}_per_day", rate, lo, hi, count, f"Poisson: count / exposure ({unit}), exact interval")
        for w in range(7):
            if exposure[w] > 0:
                cw = int((sel & (created_weekday == w)).sum())
                wlo, whi = poisson_ci(cw, float(exposure[w]))
                found.add(f"arrivals.{s}_per_day.{WEEKDAYS[w]}", cw / exposure[w], wlo, whi, cw, "Poisson by weekday, exact interval")
        if count >= 20:
            note = _weekday_test(sel, created_weekday, exposure, workday_mask if s == "outbound" else np.ones(7, bool))
            if note:
                found.note(f"{s}: {note}")
        _SOURCE_FIELDS[s](found, rate, lo, hi, count, context)
    return found


def _weekday_exposure(end_day: float, weekday_of_day0: int, offset: float) -> np.ndarray:
    """Days of exposure on each weekday in [0, end_day), where day 0 starts ``offset`` into a day."""
    exposure = np.zeros(7)
    t = 0.0
    while t < end_day:
        absolute = offset + t
        day_end = math.floor(absolute) + 1.0 - offset
        step = min(day_end, end_day) - t
        exposure[(weekday_of_day0 + math.floor(absolute)) % 7] += step
        t += step
    return exposure


def _weekday(day: np.ndarray, weekday_of_day0: int, offset: float) -> np.ndarray:
    return ((weekday_of_day0 + np.floor(day + offset)) % 7).astype(int)


def _weekday_test(sel: np.ndarray, weekday: np.ndarray, exposure: np.ndarray, days: np.ndarray) -> str:
    """A chi-square test that the rate is the same on every (working) day, as the model assumes."""
    from scipy import stats

    counts = np.array([(sel & (weekday == w)).sum() for w in range(7)], dtype=float)
    off = counts[~days].sum()
    use = days & (exposure > 0)
    if use.sum() < 2:
        return ""
    expected = counts[use].sum() * exposure[use] / exposure[use].sum()
    chi2 = float(((counts[use] - expected) ** 2 / expected).sum())
    p = float(stats.chi2.sf(chi2, use.sum() - 1))
    parts = []
    if p < 0.01:
        parts.append(
            f"the rate differs by weekday (chi-square p = {p:.2g}); the scenario has no weekday parameter for it: it takes the average"
        )
    if off:
        parts.append(f"{int(off)} leads arrived on non-working days, which the model's outbound process never produces")
    return "; ".join(parts)


def _inbound_field(found: Findings, rate: float, lo: float, hi: float, count: int, context: Context) -> None:
    """Inbound rate / the base runs' brand-and-content multiplier -> ``inbound.base_rate_per_day``."""
    factors = context.factors
    m, sd = factors.inbound_multiplier, factors.inbound_multiplier_sd
    _divide_out(
        found,
        "inbound.base_rate_per_day",
        rate,
        count,
        m,
        sd,
        factors.runs,
        "observed inbound rate / the base scenario's mean brand-and-content multiplier",
        f"multiplier {m:.3f} (sd {sd:.3f} across {factors.runs} simulated runs of the base scenario)",
    )


def _campaign_field(found: Findings, rate: float, lo: float, hi: float, count: int, context: Context) -> None:
    """Campaign rate / the base runs' campaign saturation -> ``market.campaign_rate_per_day_max``."""
    factors = context.factors
    e, sd = factors.campaign_effect, factors.campaign_effect_sd
    if e < 0.02:
        if count:
            found.note(
                "campaign leads observed, but the base scenario's campaign effect is ~0 (no campaign work or the "
                "mechanism is off): market.campaign_rate_per_day_max not set."
            )
        return
    _divide_out(
        found,
        "market.campaign_rate_per_day_max",
        rate,
        count,
        e,
        sd,
        factors.runs,
        "observed campaign rate / the base scenario's mean campaign saturation",
        f"saturation {e:.3f} (sd {sd:.3f} across {factors.runs} runs); it depends on the marketing team's campaign work",
    )


def _divide_out(
    found: Findings, field: str, rate: float, count: int, factor: float, factor_sd: float, runs: int, method: str, note: str
) -> None:
    """Set ``field`` to an observed rate divided by a factor measured on the base runs."""
    value = rate / factor
    # the realised factor of the data's own period varies like a run's: add that variance
    se, t = _ratio_se(value, count, factor_sd / factor, runs)
    found.add(field, value, max(0.0, value - t * se), value + t * se, count, method, note, se=se, sets=field)


def _ratio_se(value: float, count: int, rel_sd: float, runs: int) -> tuple[float, float]:
    """Standard error of count-rate / multiplier, and the t quantile for a 95% interval.

    Two independent relative errors: the Poisson count (1/sqrt(count)) and the multiplier of the
    data's own period, which varies like one simulated run's (relative sd ``rel_sd``, estimated
    from ``runs`` runs, plus the error of their mean). The t quantile uses Welch-Satterthwaite
    degrees of freedom, since ``rel_sd`` comes from few runs."""
    from scipy import stats

    a = 1.0 / max(count, 1)
    b = rel_sd**2 * (1.0 + 1.0 / runs)
    se = value * math.sqrt(a + b)
    df = (a + b) ** 2 / (b**2 / (runs - 1)) if (b > 0 and runs > 1) else math.inf
    return se, float(stats.t.ppf(0.975, df)) if math.isfinite(df) else Z95


def _channel_field(found: Findings, rate: float, lo: float, hi: float, count: int, context: Context) -> None:
    """Channel rate as it is -> ``growth.channel_leads_per_day`` (with the growth stage on)."""
    if not context.base.mechanisms.growth_stage:
        if count:
            found.note("channel leads observed but mechanisms.growth_stage is off in the base: growth.channel_leads_per_day not set.")
        return
    found.add("growth.channel_leads_per_day", rate, lo, hi, count, "Poisson: count / calendar days", sets="growth.channel_leads_per_day")


def _outbound_field(found: Findings, rate: float, lo: float, hi: float, count: int, context: Context) -> None:
    """Outbound rate per working day -> ``sales.outbound_attempts_per_hour``, scaled by observed / the
    base runs' outbound leads per working day.

    Reps prospect in whatever time follow-ups and deals leave them, so the prospecting hours are
    the base runs' own; the outbound leads they yield are proportional to the attempts per hour."""
    base, factors = context.base, context.factors
    attempts = float(getattr(base.sales, "outbound_attempts_per_hour", 0.0))
    per_day = factors.outbound_per_workday
    if not (attempts > 0 and per_day > 0 and base.mechanisms.outbound_prospecting):
        if count:
            found.note("outbound leads observed but the base scenario's runs have none: sales.outbound_attempts_per_hour not set.")
        return
    scale = attempts / per_day
    found.add(
        "sales.outbound_attempts_per_hour",
        rate * scale,
        lo * scale,
        hi * scale,
        count,
        "base attempts per hour x observed / base runs' outbound leads per working day",
        f"base runs: {per_day:.3f} outbound leads per working day at {attempts:g} attempts per prospecting hour "
        f"({factors.runs} runs; linear in the attempts, prospecting time as the base's reps have it)",
        sets="sales.outbound_attempts_per_hour",
    )


def _referral_field(found: Findings, rate: float, lo: float, hi: float, count: int, context: Context) -> None:
    """Referral leads: a rate per customer (``customers.referrals_per_customer_per_year``); a lead table has no customer count."""
    if count:
        found.note("referral leads observed: customers.referrals_per_customer_per_year not set (it needs the number of customers).")


#: Each source's rate and the function that maps it onto the scenario field driving it.
_SOURCE_FIELDS = {
    "inbound": _inbound_field,
    "campaign": _campaign_field,
    "outbound": _outbound_field,
    "channel": _channel_field,
    "referral": _referral_field,
}


# ---------------------------------------------------------------------------------------------
# response, scoring, follow-up, qualification


def estimate_response_time(leads: LeadTable, context: Context) -> Findings:
    """Hours from creation to first touch of non-outbound leads (mean, quantiles, shares within 1 h / 24 h)."""
    found = Findings()
    if "first_touch_at" not in leads.days:
        found.note("no first-touch column: no response-time estimates and no follow-up share.")
        return found
    touch, created = leads.days["first_touch_at"], leads.created
    sel = leads.in_window & (leads.source != "outbound") & np.isfinite(touch)
    hours = (touch[sel] - created[sel]) * 24.0
    if len(hours) < 10:
        found.note("fewer than 10 touched non-outbound leads: no response-time estimates.")
        return found
    n = len(hours)
    note = "not a scenario field: it emerges from reps, follow-up time and working hours; compare with a simulation"
    mean, se, lo, hi = bootstrap_mean_ci(hours, context.rng)
    found.add("response_hours.mean", mean, lo, hi, n, "bootstrap percentile interval (2000 resamples, seeded)", note, se=se)
    for q in (0.5, 0.9):
        est, lo, hi = quantile_ci(hours, q)
        found.add(f"response_hours.q{int(q * 100)}", est, lo, hi, n, "order-statistic (binomial) interval", note)
    for limit in (1.0, 24.0):
        k = int((hours <= limit).sum())
        lo, hi = wilson_ci(k, n)
        found.add(f"response.share_within_{int(limit)}h", k / n, lo, hi, n, "proportion, Wilson interval", note)
    return found


def estimate_lead_scoring(leads: LeadTable, context: Context) -> Findings:
    """The share of non-outbound leads that became MQLs."""
    found = Findings()
    if leads.level is None:
        found.note("no stage column (nor mql/qualified flags): no lead->MQL rate, follow-up share or conversions.")
        return found
    non_out = leads.in_window & (leads.source != "outbound")
    found.add_proportion(
        "conversion.lead_to_mql",
        leads.level[non_out] >= 1,
        "not a scenario field: it emerges from lead quality, scoring noise and leads.mql_threshold",
    )
    return found


def estimate_follow_up(leads: LeadTable, context: Context) -> Findings:
    """The share of settled MQLs that sales touched, and ``sales.ignore_share`` = 1 - that share."""
    found = Findings()
    if leads.level is None or leads.touched is None:
        return found
    settle_days = context.settle_days
    settled = leads.in_window & (leads.created < leads.end_day - settle_days) & (leads.level >= 1) & (leads.source != "outbound")
    k, n = int(leads.touched[settled].sum()), int(settled.sum())
    if not n:
        return found
    lo, hi = wilson_ci(k, n)
    found.add(
        "conversion.mql_followed_up",
        k / n,
        lo,
        hi,
        n,
        "proportion, Wilson interval",
        f"MQLs created at least {settle_days:g} days before the export",
    )
    f = context.factors
    ignore = _ignore_share(k / n, context)
    # two independent errors, each 95% on its side, added in quadrature: the binomial share
    # (Wilson bounds) and the company's team (quantiles of its kept share / the base runs')
    sample_lo, sample_hi = ignore - _ignore_share(hi, context), _ignore_share(lo, context) - ignore
    team_lo = ignore - _ignore_share(k / n, context, f.kept_ratio_low)
    team_hi = _ignore_share(k / n, context, f.kept_ratio_high) - ignore
    ilo = max(ignore - math.hypot(sample_lo, team_lo), 0.0)
    ihi = min(ignore + math.hypot(sample_hi, team_hi), 1.0)
    found.add(
        "sales.ignore_share",
        ignore,
        ilo,
        ihi,
        n,
        "1 - followed-up share of MQLs, net of the base runs' waiting and trust",
        "the model's base share of MQLs sales never follows up (no structure); the interval adds the spread of companies' "
        f"teams (kept share x {f.kept_ratio_low:.3f} to {f.kept_ratio_high:.3f} of the base runs', from simulated teams)",
        sets="sales.ignore_share",
    )
    return found


def _ignore_share(followed: float, context: Context, kept_scale: float = 1.0) -> float:
    """``sales.ignore_share`` from a followed-up share of settled MQLs.

    Two things besides the field keep an MQL untouched at the export: it may still be waiting for
    its rep's next look at the queue, and trust in marketing's leads scales the share sales
    decides to ignore. Both are measured on the base scenario's runs: ``kept`` = followed share /
    (1 - unfollowed share) is the share of not-ignored MQLs touched by the export, and the ratio
    of the base field to its unfollowed share maps an effective share back onto the field.
    ``kept`` differs between companies (their reps' queue habits: a rep who rarely looks holds
    their territory's MQLs), so the interval scales it (``kept_scale``) by the quantiles of a
    simulated company's kept share relative to the base runs' (:func:`.factors.team_kept_shares`)."""
    f = context.factors
    base_field = context.base.sales.ignore_share
    if not (math.isfinite(f.followed_share) and math.isfinite(f.unfollowed_share)) or f.unfollowed_share <= 0 or base_field <= 0:
        return min(max(1.0 - followed, 0.0), 1.0)
    kept = min(f.followed_share / (1.0 - f.unfollowed_share) * kept_scale, 1.0)
    effective = 1.0 - followed / kept if kept > 0 else 1.0
    return min(max(effective * base_field / f.unfollowed_share, 0.0), 1.0)


def estimate_qualification(leads: LeadTable, context: Context) -> Findings:
    """The shares of touched MQLs and of touched outbound leads that became opportunities."""
    found = Findings()
    if leads.level is None or leads.touched is None:
        return found
    level, touched, in_window = leads.level, leads.touched, leads.in_window
    t_mql = in_window & touched & (level >= 1) & (leads.source != "outbound")
    found.add_proportion(
        "conversion.touched_mql_to_opportunity",
        level[t_mql] >= 2,
        "not a scenario field: it emerges from contact, response decay, quality and readiness",
    )
    t_out = in_window & touched & (leads.source == "outbound")
    found.add_proportion("conversion.outbound_to_opportunity", level[t_out] >= 2, "not a scenario field (as above, no delay)")
    return found

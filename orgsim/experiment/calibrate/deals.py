"""Estimators of the deals: win rate, sales cycle, deal size.

Each reads the leads created in the window (see :mod:`.inputs`) and returns its
:class:`~orgsim.experiment.calibrate.findings.Findings`.

* :func:`estimate_win_rate` (``won``, ``closed_at`` and stage): the share of closed opportunities
  that were won (Wilson). No scenario field: the model's win probability is logistic in quality,
  rep effectiveness and discount.
* :func:`estimate_sales_cycle` (``closed_at`` and ``opportunity_at``, else ``first_touch_at``, else
  ``created_at``): days from opportunity to close, with the deals still open at the export
  right-censored there (same-day closes count as an hour). The family is chosen by fit
  (:mod:`.families`, ``tables["fits"]``); the observed cycle's lognormal is reported as it is
  (``cycle.*``); the scenario's fields (:func:`cycle_fields`) come from a second fit in which each
  cycle is the chosen family times a readiness factor drawn from the base runs' opportunities
  (see :mod:`.factors`): ``deals.cycle_family``, ``deals.cycle_days_median`` and
  ``deals.cycle_sigma`` (lognormal) or ``deals.cycle_shape`` (gamma, Weibull).
* :func:`estimate_deal_size` (``amount`` of won deals, ``won``, ``closed_at``): the family by fit,
  the mean amount (bootstrap) and median (order statistics), a lognormal fit of the amounts above
  0, and (:func:`size_fields`) ``deals.deal_size_family``, ``deals.list_price_usd`` and
  ``deals.deal_size_sigma`` (lognormal) or ``deals.deal_size_shape`` (gamma, Weibull), with the
  base runs' discounts divided out.

A family the fit chooses but the scenario cannot take (its fitted shape outside the field's
range, or no convergence), and the ``empirical`` choice when no family fits, leave the scenario
lognormal, with a note.
"""

from __future__ import annotations

import math

import numpy as np

from orgsim.config import Deals
from orgsim.config.errors import ValidationError
from orgsim.experiment.calibrate.factors import BaseFactors
from orgsim.experiment.calibrate.families import AnchoredFit, fit_anchored, fit_families
from orgsim.experiment.calibrate.findings import Context, Findings
from orgsim.experiment.calibrate.inputs import LeadTable
from orgsim.experiment.calibrate.intervals import bootstrap_mean_ci, lognormal_censored_mle, quantile_ci

#: Fewest closed opportunities for a cycle fit, and fewest won deals with an amount for a size fit.
MIN_DEALS = 10
#: The families the scenario draws by their quantile function (besides the lognormal).
SHAPED_FAMILIES = ("gamma", "weibull")


def estimate_win_rate(leads: LeadTable, context: Context) -> Findings:
    """The share of closed opportunities that were won."""
    found = Findings()
    if leads.level is None or leads.won is None:
        return found
    opp_closed = leads.in_window & (leads.level >= 2) & leads.closed
    found.add_proportion(
        "conversion.win_rate",
        leads.won[opp_closed],
        "closed opportunities; not a scenario field: the win "
        "probability is logistic in quality, rep effectiveness and discount (deals.win_logit_offset shifts it)",
    )
    return found


# ---------------------------------------------------------------------------------------------
# sales cycle


def estimate_sales_cycle(leads: LeadTable, context: Context) -> Findings:
    """Days from opportunity to close (open deals censored at the export), and the cycle fields."""
    found = Findings()
    if "closed_at" not in leads.days or leads.level is None:
        found.note("no close date or no stage: no sales-cycle estimate.")
        return found
    days, end_day = leads.days, leads.end_day
    start_col = next((c for c in ("opportunity_at", "first_touch_at", "created_at") if c in days), "created_at")
    opp_start, close = days[start_col], days["closed_at"]
    opp = leads.in_window & (leads.level >= 2) & np.isfinite(opp_start) & (opp_start < end_day)
    if start_col != "opportunity_at":
        found.note(f"no opportunity date: cycles are measured from {start_col} instead.")
    bad = opp & np.isfinite(close) & (close < opp_start - 1e-9)
    if bad.any():
        found.problems.append(leads.problem("closed_at", bad, f"not before column {leads.by_canon[start_col]!r}"))
        return found
    done = opp & np.isfinite(close) & (close <= end_day)
    dur = np.where(done, close - opp_start, end_day - opp_start)[opp]
    observed = done[opp]
    dur = np.maximum(dur, 1.0 / 24.0)  # same-day closes (dates without times) count as an hour
    if observed.sum() < MIN_DEALS:
        found.note("fewer than 10 closed opportunities in the window: no cycle estimate.")
        return found
    choice = fit_families(dur, observed, "cycle_days")
    found.tables["fits"] = choice.table
    found.note(choice.note)
    censored = f"{int((~observed).sum())} open deals right-censored at the export"
    _observed_cycle(found, dur, observed, f"lognormal MLE, {censored}")
    cycle_fields(found, dur, observed, censored, context.factors, choice.chosen)
    return found


def cycle_fields(found: Findings, dur: np.ndarray, observed: np.ndarray, censored: str, factors: BaseFactors, chosen: str) -> None:
    """The scenario's cycle fields in the family ``chosen`` by fit: gamma or Weibull when the
    scenario can take the fit, else the lognormal (``censored``: how many were censored, and where)."""
    if chosen in SHAPED_FAMILIES:
        fit = fit_anchored(dur, observed, chosen, "median", factors.log_readiness_grid)
        if _shaped_fields_allowed(found, fit, chosen, "cycle", "cycle_shape"):
            assert fit is not None
            how = f"{chosen} MLE, {censored}"
            why = f"{chosen} (median 1) x readiness factor: mixture likelihood over the base scenario's opportunities ({factors.runs} runs)"
            found.choose("deals.cycle_family", chosen)
            found.add_exp(
                "deals.cycle_days_median", math.log(fit.location), fit.se_log_location, len(dur), how, why, sets="deals.cycle_days_median"
            )
            _add_shape(found, "deals.cycle_shape", fit, len(dur), how, why)
            found.note(
                f"cycle: the scenario's cycle is {chosen} (deals.cycle_family = {chosen!r}), with deals.cycle_days_median "
                "and deals.cycle_shape fitted as that family times the readiness factor; deals.cycle_sigma (lognormal only) is not set."
            )
            return
    elif chosen == "empirical":
        found.note("cycle: no family fits, so the scenario's cycle stays lognormal (deals.cycle_family = 'lognormal'), the lognormal fit.")
    found.choose("deals.cycle_family", "lognormal")
    _cycle_fields(found, dur, observed, f"lognormal MLE, {censored}", factors)


def _shaped_fields_allowed(found: Findings, fit: AnchoredFit | None, family: str, what: str, shape_field: str) -> bool:
    """Whether the scenario can take a gamma or Weibull fit (it converged, its shape is in the
    field's range); a note saying why not, and that the lognormal is used, otherwise."""
    if fit is None:
        found.note(f"{what}: the {family} fit in the scenario's form did not converge; the scenario keeps the lognormal fit.")
        return False
    try:
        Deals(**{shape_field: fit.shape})
    except ValidationError as err:
        found.note(
            f"{what}: the fitted {family} shape {fit.shape:.4g} is outside deals.{shape_field}'s range "
            f"({err.problems[0].allowed}); the scenario keeps the lognormal fit."
        )
        return False
    return True


def _add_shape(found: Findings, name: str, fit: AnchoredFit, n: int, how: str, why: str) -> None:
    """The report row of a fitted shape, its interval from the log scale."""
    lo, hi = fit.shape_interval()
    found.add(name, fit.shape, lo, hi, n, how, why, se=fit.shape * fit.se_log_shape, sets=name)


def _observed_cycle(found: Findings, dur: np.ndarray, observed: np.ndarray, how: str) -> None:
    """The lognormal of the observed cycles, readiness and all."""
    mu, sigma, cov = lognormal_censored_mle(dur, observed)
    se_mu, se_ls = math.sqrt(cov[0, 0]), math.sqrt(cov[1, 1])
    n = len(dur)
    found.add("cycle.log_median_days", mu, mu - 1.96 * se_mu, mu + 1.96 * se_mu, n, how, "log of the observed median cycle", se=se_mu)
    found.add("cycle.median_days", math.exp(mu), math.exp(mu - 1.96 * se_mu), math.exp(mu + 1.96 * se_mu), n, how)
    found.add("cycle.sigma", sigma, sigma * math.exp(-1.96 * se_ls), sigma * math.exp(1.96 * se_ls), n, how, se=sigma * se_ls)


def _cycle_fields(found: Findings, dur: np.ndarray, observed: np.ndarray, how: str, factors: BaseFactors) -> None:
    """``deals.cycle_days_median`` and ``deals.cycle_sigma``, with the readiness factor as a known mixture."""
    # the model's cycle is median * exp(sigma z) * readiness factor: fit that mixture, with the
    # factor's distribution taken from the base scenario's opportunities
    grid = factors.log_readiness_grid
    m_mu, m_sigma, m_cov = lognormal_censored_mle(dur, observed, offsets=grid)
    m_se_mu, m_se_ls = math.sqrt(m_cov[0, 0]), math.sqrt(m_cov[1, 1])
    n = len(dur)
    why = (
        f"lognormal x readiness factor (mixture likelihood over the base scenario's opportunities: mean log factor "
        f"{grid.mean():+.3f}, sd {grid.std():.3f}, from {factors.runs} simulated runs)"
    )
    found.add_exp("deals.cycle_days_median", m_mu, m_se_mu, n, how, why, sets="deals.cycle_days_median")
    found.add(
        "deals.cycle_sigma",
        m_sigma,
        m_sigma * math.exp(-1.96 * m_se_ls),
        m_sigma * math.exp(1.96 * m_se_ls),
        n,
        how,
        why,
        se=m_sigma * m_se_ls,
        sets="deals.cycle_sigma",
    )


# ---------------------------------------------------------------------------------------------
# deal size


def estimate_deal_size(leads: LeadTable, context: Context) -> Findings:
    """Amounts of won deals (mean, median, lognormal fit), and list price and size sigma."""
    found = Findings()
    if leads.amount is None or leads.won is None:
        found.note("no amount or won column: no deal-size estimate.")
        return found
    a = leads.amount
    sel = leads.in_window & leads.won & leads.closed
    missing_amount = int((sel & ~np.isfinite(a)).sum())
    if missing_amount:
        found.note(f"{missing_amount} won deals have no amount and were left out of the deal sizes.")
    zero = int((sel & (a == 0)).sum())
    if zero:
        found.note(f"{zero} won deals with amount 0 were left out of the fits.")
    x = a[sel & np.isfinite(a) & (a > 0)]
    if len(x) < MIN_DEALS:
        found.note("fewer than 10 won deals with an amount: no deal-size estimate.")
        return found
    n = len(x)
    choice = fit_families(x, np.ones(n, bool), "deal_size_usd")
    found.tables["fits"] = choice.table
    found.note(choice.note)
    mean, se, lo, hi = bootstrap_mean_ci(x, context.rng)
    found.add("deal_size.mean", mean, lo, hi, n, "bootstrap percentile interval (2000 resamples, seeded)", se=se)
    est, lo, hi = quantile_ci(x, 0.5)
    found.add("deal_size.median", est, lo, hi, n, "order-statistic (binomial) interval")
    size_fields(found, x, context.factors, choice.chosen)
    return found


def size_fields(found: Findings, x: np.ndarray, factors: BaseFactors, chosen: str) -> None:
    """The scenario's deal-size fields in the family ``chosen`` by fit of the won amounts ``x``:
    gamma or Weibull when the scenario can take the fit, else the lognormal. The lognormal fit of
    the amounts as they are (``deal_size.*``) is reported first, in every family."""
    observed = _observed_size(found, np.log(x))
    if chosen in SHAPED_FAMILIES:
        fit = fit_anchored(x, np.ones(len(x), bool), chosen, "mean", factors.log_keep_grid)
        if _shaped_fields_allowed(found, fit, chosen, "deal size", "deal_size_shape"):
            assert fit is not None
            how = f"{chosen} MLE of won amounts"
            why = (
                f"won amount = list price x {chosen} size (mean 1) x (1 - discount): mixture likelihood over the base "
                f"scenario's won deals' kept shares (mean {factors.keep_share_mean:.3f}, {factors.runs} runs)"
            )
            found.choose("deals.deal_size_family", chosen)
            found.add_exp(
                "deals.list_price_usd", math.log(fit.location), fit.se_log_location, len(x), how, why, sets="deals.list_price_usd"
            )
            _add_shape(found, "deals.deal_size_shape", fit, len(x), how, why)
            found.note(
                f"deal size: the scenario's size is {chosen} (deals.deal_size_family = {chosen!r}), with deals.list_price_usd "
                "and deals.deal_size_shape fitted as that family times the kept share; deals.deal_size_sigma (lognormal only) is not set."
            )
            return
    elif chosen == "empirical":
        found.note(
            "deal size: no family fits, so the scenario's size stays lognormal (deals.deal_size_family = 'lognormal'), the lognormal fit."
        )
    found.choose("deals.deal_size_family", "lognormal")
    _deal_size_fields(found, np.log(x), factors, observed)


def _observed_size(found: Findings, y: np.ndarray) -> tuple[float, float, float, float, float]:
    """The lognormal fit of the won amounts as they are (log amounts ``y``), reported in every family:
    mean and variance of ``y``, the mean's standard error and the variance's 95% interval."""
    from scipy import stats

    n = len(y)
    mu, s2 = float(y.mean()), float(y.var(ddof=1))
    se_mu = math.sqrt(s2 / n)
    s2_lo, s2_hi = s2 * (n - 1) / stats.chi2.ppf(0.975, n - 1), s2 * (n - 1) / stats.chi2.ppf(0.025, n - 1)
    found.add("deal_size.log_mean", mu, mu - 1.96 * se_mu, mu + 1.96 * se_mu, n, "lognormal fit: mean of log amounts", se=se_mu)
    found.add(
        "deal_size.sigma", math.sqrt(s2), math.sqrt(s2_lo), math.sqrt(s2_hi), n, "lognormal fit: sd of log amounts, chi-square interval"
    )
    return mu, s2, se_mu, s2_lo, s2_hi


def _deal_size_fields(found: Findings, y: np.ndarray, factors: BaseFactors, observed: tuple[float, float, float, float, float]) -> None:
    """List price and size sigma of a lognormal size, from the lognormal fit of the won amounts
    (``observed``, see :func:`_observed_size`) with the discount divided out."""
    n = len(y)
    mu, s2, se_mu, s2_lo, s2_hi = observed
    v_keep = factors.log_keep_var
    why = (
        f"won amounts = list price x size x (1 - discount); the base scenario's discounts (mean kept share "
        f"{factors.keep_share_mean:.3f}, variance of its log {v_keep:.4f}) are divided out"
    )
    if s2 <= v_keep:
        found.note("deals.deal_size_sigma not set: the observed spread is no larger than the discount spread alone.")
        return
    sigma2 = s2 - v_keep
    sigma = math.sqrt(sigma2)
    found.add(
        "deals.deal_size_sigma",
        sigma,
        math.sqrt(max(s2_lo - v_keep, 0.0)),
        math.sqrt(s2_hi - v_keep),
        n,
        "lognormal fit",
        why,
        sets="deals.deal_size_sigma",
    )
    # log amount = log list - sigma^2/2 + sigma z + log(1 - d): E = log list - sigma^2/2 + E log(1 - d)
    log_list = mu + sigma2 / 2.0 - factors.log_keep_mean
    se_log = math.sqrt(se_mu**2 + 0.25 * 2.0 * s2**2 / (n - 1))
    found.add_exp(
        "deals.list_price_usd",
        log_list,
        se_log,
        n,
        "lognormal fit: exp(mean log + sigma^2/2 - mean log kept share)",
        why,
        sets="deals.list_price_usd",
    )

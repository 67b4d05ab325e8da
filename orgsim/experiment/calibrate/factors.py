"""What a lead table cannot show, measured on simulated runs of the base scenario.

Three observed quantities mix a scenario field with a factor the table does not record:

* the inbound rate is ``inbound.base_rate_per_day`` times ``1 + brand lift x brand effect +
  content lift x content effect`` (the market stocks); the campaign rate is
  ``market.campaign_rate_per_day_max`` times the campaign saturation;
* an observed sales cycle is the lognormal cycle times each buyer's readiness factor
  ``(1 - deals.readiness_cycle_effect x readiness) / (1 - effect x leads.readiness_mean)``;
* a won amount is the list price times the size draw times the share the discount keeps
  (its mean and variance, and 24 quantiles of its log for a gamma or Weibull size fit).

:func:`base_factors` runs the base scenario ``runs`` times (daily periods, no structure, seeds
drawn from the named stream ``calibrate/base_runs``, so the same ``seed`` gives the same
factors), over the data's window (at least 28 days, at most ``MAX_HORIZON_DAYS``), and measures
each factor's mean and spread; the estimators divide them out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from orgsim.config.checks import MAX_HORIZON_DAYS
from orgsim.config.scenario import Scenario
from orgsim.model import simulate
from orgsim.model.streams import named_generator


@dataclass
class BaseFactors:
    """The nuisance factors, as the base scenario's runs produce them."""

    inbound_multiplier: float  # mean of 1 + brand and content lifts, over runs
    inbound_multiplier_sd: float  # its sd across runs
    campaign_effect: float  # mean campaign saturation, over runs
    campaign_effect_sd: float
    log_readiness_grid: np.ndarray  # quantiles of the log readiness factor of opportunities
    keep_share_mean: float  # E[1 - discount] of won deals
    log_keep_mean: float  # E[log(1 - discount)] of won deals
    log_keep_var: float  # Var[log(1 - discount)] of won deals
    runs: int
    opportunities_per_day: float = math.nan  # opportunities opened per day, all sources, mean over runs
    inbound_opportunities_per_day: float = math.nan  # of them, from inbound leads
    win_rate: float = math.nan  # won / closed opportunities, pooled over runs
    outbound_per_workday: float = math.nan  # outbound leads per working day, mean over runs
    followed_share: float = math.nan  # settled MQLs touched by the run's end, pooled over runs
    unfollowed_share: float = math.nan  # MQLs the model decided never to follow up, pooled over runs
    kept_share_sd: float = 0.0  # sd across runs of followed / (1 - unfollowed): companies' reps differ
    log_keep_grid: np.ndarray = field(default_factory=lambda: np.zeros(1))  # quantiles of log(1 - discount) of won deals


def base_factors(base: Scenario, days: float, runs: int, seed: int, settle_days: float = 14.0) -> BaseFactors:
    """Factors a lead table cannot show, from ``runs`` simulations of ``base`` with no structure."""
    scenario = base.replace(period_days=1)
    market, mech, deals, leads = base.market, base.mechanisms, base.deals, base.leads
    multipliers, campaign, log_rf, keep, flow, outbound = [], [], [], [], [], []
    followed = [0, 0]  # settled MQLs touched, settled MQLs
    unfollowed = [0.0, 0.0]  # MQLs decided unfollowed, MQLs
    kept: list[float] = []  # per run: settled MQLs touched / MQLs not decided unfollowed
    seeds = named_generator(seed, "calibrate/base_runs").integers(0, 2**31, size=runs)
    for s in seeds:
        result = simulate(scenario, seed=int(s), horizon_days=min(max(days, 28.0), MAX_HORIZON_DAYS), record_leads=True)
        series, log = result.series, result.leads
        w = (series["end_day"] - series["start_day"]).to_numpy()
        brand = float(np.average(series["brand_effect"], weights=w)) if mech.brand_effect else 0.0
        content = float(np.average(series["content_effect"], weights=w)) if mech.content_effect else 0.0
        multipliers.append(1.0 + market.brand_inbound_lift * brand + market.content_inbound_lift * content)
        campaign.append(float(np.average(series["campaign_effect"], weights=w)) if mech.campaign_effect else 0.0)
        opps = log[(log["arrived_at"] >= 0) & log["opportunity_at"].notna()]
        r = opps["readiness"].to_numpy(dtype=float)
        rf = (1.0 - deals.readiness_cycle_effect * r) / (1.0 - deals.readiness_cycle_effect * leads.readiness_mean)
        log_rf.append(np.log(rf))
        won = log[(log["arrived_at"] >= 0) & log["won"]]
        keep.append(1.0 - won["discount"].to_numpy(dtype=float))
        flow.append(_opportunity_flow(log, float(result.meta["horizon_days"])))
        outbound.append(_outbound_per_workday(log, float(result.meta["horizon_days"]), base.calendar.workdays_per_week))
        horizon = float(result.meta["horizon_days"])
        settled = log[(log["arrived_at"] >= 0) & (log["arrived_at"] < horizon - settle_days) & log["mql"] & (log["source"] != "outbound")]
        followed[0] += int(settled["first_touch_at"].notna().sum())
        followed[1] += len(settled)
        unfollowed[0] += result.totals["unfollowed"]
        unfollowed[1] += result.totals["mqls"]
        if len(settled) and result.totals["mqls"] > result.totals["unfollowed"]:
            kept.append(float(settled["first_touch_at"].notna().mean()) / (1.0 - result.totals["unfollowed"] / result.totals["mqls"]))
    rf_all = np.concatenate(log_rf) if log_rf else np.zeros(0)
    keep_all = np.concatenate(keep) if keep else np.zeros(0)
    sd = float(np.std(multipliers, ddof=1)) if runs > 1 else 0.0
    return BaseFactors(
        inbound_multiplier=float(np.mean(multipliers)),
        inbound_multiplier_sd=sd,
        campaign_effect=float(np.mean(campaign)),
        campaign_effect_sd=float(np.std(campaign, ddof=1)) if runs > 1 else 0.0,
        log_readiness_grid=_quantiles(rf_all) if len(rf_all) else np.zeros(1),
        keep_share_mean=float(keep_all.mean()) if len(keep_all) else 1.0 - deals.discount_mean,
        log_keep_mean=float(np.log(keep_all).mean()) if len(keep_all) else math.log(1.0 - deals.discount_mean),
        log_keep_var=float(np.log(keep_all).var(ddof=1)) if len(keep_all) > 1 else 0.0,
        runs=runs,
        opportunities_per_day=float(np.mean([f[0] for f in flow])),
        inbound_opportunities_per_day=float(np.mean([f[1] for f in flow])),
        win_rate=float(sum(f[2] for f in flow) / max(sum(f[3] for f in flow), 1)),
        outbound_per_workday=float(np.mean(outbound)),
        followed_share=followed[0] / followed[1] if followed[1] else math.nan,
        unfollowed_share=unfollowed[0] / unfollowed[1] if unfollowed[1] else math.nan,
        kept_share_sd=float(np.std(kept, ddof=1)) if len(kept) > 1 else 0.0,
        log_keep_grid=_quantiles(np.log(keep_all)) if len(keep_all) else np.array([math.log(1.0 - deals.discount_mean)]),
    )


def _quantiles(values: np.ndarray, k: int = 24) -> np.ndarray:
    """``k`` equally likely values standing for a distribution: its quantiles at (i + 0.5) / k."""
    return np.quantile(values, (np.arange(k) + 0.5) / k)


def _outbound_per_workday(log: object, days: float, workdays_per_week: int) -> float:
    """Outbound leads per working day of the run (day 0 is a Monday)."""
    workdays = sum(1 for d in range(math.ceil(days)) if d % 7 < workdays_per_week)
    outbound = int(((log["arrived_at"] >= 0) & (log["source"] == "outbound")).sum())  # type: ignore[index]
    return outbound / max(workdays, 1)


def _opportunity_flow(log: object, days: float) -> tuple[float, float, int, int]:
    """Opportunities per day (all, inbound) opened in the run, and wins and closes among them."""
    opened = log[(log["opportunity_at"] >= 0)]  # type: ignore[index]
    closed = opened[opened["closed_at"].notna()]
    inbound = int((opened["source"] == "inbound").sum())
    return len(opened) / days, inbound / days, int(closed["won"].sum()), len(closed)

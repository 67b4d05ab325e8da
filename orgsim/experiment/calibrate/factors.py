"""What a lead table cannot show, measured on simulated runs of the base scenario.

Three observed quantities mix a scenario field with a factor the table does not record:

* the inbound rate is ``inbound.base_rate_per_day`` times ``1 + brand lift x brand effect +
  content lift x content effect`` (the market stocks); the campaign rate is
  ``market.campaign_rate_per_day_max`` times the campaign saturation;
* an observed sales cycle is the lognormal cycle times each buyer's readiness factor
  ``(1 - deals.readiness_cycle_effect x readiness) / (1 - effect x leads.readiness_mean)``;
* a won amount is the list price times the size draw times the share the discount keeps.

:func:`base_factors` runs the base scenario ``runs`` times (daily periods, no structure, seeds
drawn from the named stream ``calibrate/base_runs``, so the same ``seed`` gives the same
factors), over the data's window (at least 28 days, at most ``MAX_HORIZON_DAYS``), and measures
each factor's mean and spread; the estimators divide them out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


def base_factors(base: Scenario, days: float, runs: int, seed: int) -> BaseFactors:
    """Factors a lead table cannot show, from ``runs`` simulations of ``base`` with no structure."""
    scenario = base.replace(period_days=1)
    market, mech, deals, leads = base.market, base.mechanisms, base.deals, base.leads
    multipliers, campaign, log_rf, keep = [], [], [], []
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
    rf_all = np.concatenate(log_rf) if log_rf else np.zeros(0)
    keep_all = np.concatenate(keep) if keep else np.zeros(0)
    sd = float(np.std(multipliers, ddof=1)) if runs > 1 else 0.0
    return BaseFactors(
        inbound_multiplier=float(np.mean(multipliers)),
        inbound_multiplier_sd=sd,
        campaign_effect=float(np.mean(campaign)),
        campaign_effect_sd=float(np.std(campaign, ddof=1)) if runs > 1 else 0.0,
        log_readiness_grid=np.quantile(rf_all, (np.arange(24) + 0.5) / 24) if len(rf_all) else np.zeros(1),
        keep_share_mean=float(keep_all.mean()) if len(keep_all) else 1.0 - deals.discount_mean,
        log_keep_mean=float(np.log(keep_all).mean()) if len(keep_all) else math.log(1.0 - deals.discount_mean),
        log_keep_var=float(np.log(keep_all).var(ddof=1)) if len(keep_all) > 1 else 0.0,
        runs=runs,
    )

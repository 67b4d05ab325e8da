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

The share of settled MQLs touched by the export also depends on the company's team: a rep who
looks at the queue rarely (``sales.queue_check_spread``) holds their territory's MQLs for
months. :func:`team_kept_shares` draws many teams the way the model draws them (seeds from the
named stream ``calibrate/teams``) and :func:`base_factors` keeps the 2.5% and 97.5% quantiles of a
company's touched share relative to the base runs' (``kept_ratio_low``, ``kept_ratio_high``).
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
    kept_ratio_low: float = 1.0  # 2.5% quantile of a company's kept share / the base runs' (team draws)
    kept_ratio_high: float = 1.0  # 97.5% quantile of the same ratio
    log_keep_grid: np.ndarray = field(default_factory=lambda: np.zeros(1))  # quantiles of log(1 - discount) of won deals


def base_factors(base: Scenario, days: float, runs: int, seed: int, settle_days: float = 14.0) -> BaseFactors:
    """Factors a lead table cannot show, from ``runs`` simulations of ``base`` with no structure."""
    scenario = base.replace(period_days=1)
    market, mech, deals, leads = base.market, base.mechanisms, base.deals, base.leads
    multipliers, campaign, log_rf, keep, flow, outbound = [], [], [], [], [], []
    followed = [0, 0]  # settled MQLs touched, settled MQLs
    unfollowed = [0.0, 0.0]  # MQLs decided unfollowed, MQLs
    kept: list[float] = []  # per run: settled MQLs touched / MQLs not decided unfollowed
    turnover = [0, 0.0]  # reps who left, rep-days employed (the runs' own turnover, pressure included)
    delays: list[np.ndarray] = []  # days from a settled MQL's creation to its entering the queue
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
        delay = (settled["queued_at"] - settled["arrived_at"]).to_numpy(dtype=float)
        delays.append(delay[np.isfinite(delay)])
        reps = result.reps
        turnover[0] += int(reps["left_day"].notna().sum())
        employed = reps["left_day"].fillna(horizon).clip(upper=horizon) - reps["hired_day"].clip(lower=0.0)
        turnover[1] += float(employed.clip(lower=0.0).sum())
        followed[1] += len(settled)
        unfollowed[0] += result.totals["unfollowed"]
        unfollowed[1] += result.totals["mqls"]
        if len(settled) and result.totals["mqls"] > result.totals["unfollowed"]:
            kept.append(float(settled["first_touch_at"].notna().mean()) / (1.0 - result.totals["unfollowed"] / result.totals["mqls"]))
    ratio_low, ratio_high = 1.0, 1.0
    if kept:
        horizon = min(max(days, 28.0), MAX_HORIZON_DAYS)
        delay_all = np.concatenate(delays) if delays else np.zeros(0)
        hazard = turnover[0] / turnover[1] if turnover[1] > 0 else 0.0
        teams = team_kept_shares(base, horizon, settle_days, hazard, delay_all, named_generator(seed, "calibrate/teams"))
        ratio_low, ratio_high = _kept_ratio_quantiles(teams, len(kept), named_generator(seed, "calibrate/teams/base"))
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
        kept_ratio_low=ratio_low,
        kept_ratio_high=ratio_high,
        log_keep_grid=_quantiles(np.log(keep_all)) if len(keep_all) else np.array([math.log(1.0 - deals.discount_mean)]),
    )


#: Teams drawn by :func:`team_kept_shares` (fewer for large teams: at most ``TEAM_BUDGET`` reps in
#: all, at least ``TEAM_MIN`` teams), and MQL creation times per team (an even grid over the window).
TEAM_DRAWS = 2000
TEAM_MIN = 50
TEAM_BUDGET = 4_000_000
TEAM_GRID = 120
#: The shortest queue-check interval the model uses (one second, in hours: orgsim.model.sales).
_MIN_CHECK_HOURS = 1.0 / 3600.0


def team_kept_shares(
    base: Scenario, horizon: float, settle_days: float, hazard: float, delays: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Share of the settled MQLs routed to reps that the queue checks let through by the export,
    for up to ``TEAM_DRAWS`` teams drawn as the model draws them (:func:`orgsim.model.reps.draw_reps`).

    Each of ``base.sales.reps`` seats holds a rep whose interval between looks at the queue is
    ``queue_check_hours x exp(queue_check_spread x z)`` working hours (at least a second), on a
    grid of working hours with a uniform phase; a rep leaves at the rate ``hazard`` per day (the
    base runs' own turnover) and their seat is refilled with a new draw after the hiring lag. An
    MQL created at a point of an even grid over the settled window enters the queue after a delay
    drawn from the base runs' (``delays``, days; one queued after the export is no MQL in it).
    With territory or round-robin routing it goes to one of the reps employed then, each as
    likely, and is still untouched at the export if that rep makes no look from then to the export
    and is still employed (a leaver's queue goes to the others); with pooled routing, if none of
    them does. Working hours are the calendar's mean duty hours per day. With prospecting off,
    idle reps take other reps' MQLs: nothing waits."""
    from orgsim.model.calendar import WorkCalendar

    sales, mech = base.sales, base.mechanisms
    n = int(sales.reps)
    settled_end = horizon - settle_days
    if n <= 0 or settled_end <= 0 or not mech.outbound_prospecting:
        return np.ones(TEAM_DRAWS)
    duty = WorkCalendar(base.calendar).duty_hours_per_day
    lag = base.workforce.rep_hiring_lag_days if mech.hiring_lag else 0.0
    k_max = 1 + math.ceil(3.0 * hazard * horizon) + (1 if hazard > 0 else 0)  # reps per seat in the window, ample
    teams = int(min(TEAM_DRAWS, max(TEAM_MIN, TEAM_BUDGET // (n * k_max))))
    shape = (teams, n, k_max)
    tenure = rng.exponential(1.0 / hazard, shape) if hazard > 0 else np.full(shape, np.inf)
    interval = np.maximum(sales.queue_check_hours * np.exp(sales.queue_check_spread * rng.standard_normal(shape)), _MIN_CHECK_HOURS)
    phase = rng.random(shape) * interval
    before = np.concatenate([np.zeros((teams, n, 1)), np.cumsum(tenure, axis=2)[:, :, :-1]], axis=2)
    start = before + lag * np.arange(k_max)  # each successor starts a hiring lag after the leaver left
    end = start + tenure
    work_end = horizon * duty
    # the day of each rep's last look before the export (-inf: none)
    last = np.where(work_end >= phase, phase + np.floor((work_end - phase) / interval) * interval, -np.inf) / duty
    created = (np.arange(TEAM_GRID) + 0.5) / TEAM_GRID * settled_end
    delays = delays[np.isfinite(delays)]
    delay = rng.permutation(np.quantile(delays, (np.arange(TEAM_GRID) + 0.5) / TEAM_GRID)) if len(delays) else np.zeros(TEAM_GRID)
    queued = np.sort((created + delay)[created + delay <= horizon])
    m = len(queued)
    if m == 0:
        return np.ones(teams)
    # in indices of the queue times: a rep is employed for [first, stop) and, if still employed at
    # the export, holds untouched the MQLs of [held, m) (queued after their last look)
    first = np.searchsorted(queued, start, "left")
    stop = np.searchsorted(queued, end, "left")
    held = np.where(end > horizon, np.maximum(first, np.searchsorted(queued, last, "right")), m)
    offset = (np.arange(teams) * (m + 1))[:, None, None]

    def reps_in(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Per team and queue time, the reps whose index range [lo, hi) holds it."""
        size = teams * (m + 1)
        steps = np.bincount((offset + lo).ravel(), minlength=size) - np.bincount((offset + hi).ravel(), minlength=size)
        return np.cumsum(steps.reshape(teams, m + 1), axis=1)[:, :m]

    staffed = reps_in(first, stop)
    holding = reps_in(held, np.full_like(held, m))
    pooled = sales.routing == "pooled"  # an MQL waits only if every rep employed then holds it
    untouched = ((staffed > 0) & (holding == staffed)).astype(float) if pooled else holding / np.maximum(staffed, 1)
    return 1.0 - untouched.mean(axis=1)


def _kept_ratio_quantiles(teams: np.ndarray, runs: int, rng: np.random.Generator) -> tuple[float, float]:
    """2.5% and 97.5% quantiles of a company's kept share / the base runs' mean kept share.

    Under the model the rest of the waiting is common to both, so the ratio is the company's team
    factor over the mean of ``runs`` other teams' (the base runs are teams too): it carries both
    the spread of companies' teams and the error of the base runs' mean."""
    others = teams[rng.integers(0, len(teams), size=(len(teams), max(runs, 1)))].mean(axis=1)
    ratio = teams / others
    return float(np.quantile(ratio, 0.025)), float(np.quantile(ratio, 0.975))


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

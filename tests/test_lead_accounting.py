"""Conservation: every lead ends in exactly one outcome, and money adds up."""

from __future__ import annotations

import math

import pytest

import orgsim
from orgsim.model.recorder import OUTCOMES


def test_every_lead_is_accounted_for_in_the_totals(default_run_with_leads: orgsim.RunResult) -> None:
    t = default_run_with_leads.totals
    outcomes = t["outcome_won"] + t["outcome_lost"] + t["outcome_unfollowed"] + t["outcome_nurture"] + t["outcome_open"]
    assert t["leads_created"] == outcomes
    assert t["leads_created"] == t["leads"]


def test_lead_log_outcomes_match_the_totals(default_run_with_leads: orgsim.RunResult) -> None:
    leads, t = default_run_with_leads.leads, default_run_with_leads.totals
    assert set(leads.outcome.unique()) <= set(OUTCOMES)
    # deals carried in from the warm start have negative arrival times and are not this run's leads
    carried = leads.arrived_at < 0
    assert carried.sum() == t["carried_in_deals"] > 0
    counts = leads[~carried].outcome.value_counts()
    for outcome in OUTCOMES:
        assert counts.get(outcome, 0) == t[f"outcome_{outcome}"], outcome
    assert (~carried).sum() == t["leads_created"]


def test_without_a_warm_start_nothing_is_carried_in() -> None:
    scenario = orgsim.Scenario().replace(**{"deals.warm_start_days": 0.0})
    result = orgsim.simulate(scenario, seed=3, horizon_days=60, record_leads=True)
    assert result.totals["carried_in_deals"] == 0
    assert (result.leads.arrived_at >= 0).all()
    assert result.totals["wins"] == result.totals["outcome_won"]


def test_the_warm_start_fills_the_first_quarter() -> None:
    """With a warm start, deals close from the first weeks; without one, the first weeks are empty."""
    cold = orgsim.simulate(orgsim.Scenario().replace(**{"deals.warm_start_days": 0.0}), seed=3, horizon_days=28)
    warm = orgsim.simulate(seed=3, horizon_days=28)
    assert warm.totals["wins"] > cold.totals["wins"]
    assert warm.totals["leads_inbound"] == cold.totals["leads_inbound"]  # same arrivals: separate streams


def test_bookings_equal_the_sum_of_won_deal_values(default_run_with_leads: orgsim.RunResult) -> None:
    leads, t = default_run_with_leads.leads, default_run_with_leads.totals
    won = leads[leads.outcome == "won"]  # including deals carried in from the warm start
    assert won.won.all() and won.value.notna().all()
    assert math.isclose(math.fsum(won.value), t["bookings_usd"], rel_tol=1e-9)  # float summation order only
    assert len(won) == t["wins"]


def test_series_flows_sum_to_the_totals(default_run_with_leads: orgsim.RunResult) -> None:
    series, t = default_run_with_leads.series, default_run_with_leads.totals
    for column in ("leads_inbound", "mqls", "wins", "bookings_usd", "costs_usd", "opportunities"):
        assert math.isclose(series[column].sum(), t[column], rel_tol=1e-12), column


def test_stage_timestamps_are_ordered(default_run_with_leads: orgsim.RunResult) -> None:
    leads = default_run_with_leads.leads
    touched = leads[leads.first_touch_at.notna()]
    assert (touched.first_touch_at >= touched.arrived_at).all()
    queued = leads[leads.queued_at.notna()]
    assert (queued.queued_at >= queued.arrived_at).all()
    closed = leads[leads.closed_at.notna()]
    assert (closed.closed_at >= closed.opportunity_at).all()
    assert (closed.opportunity_at >= closed.first_touch_at).all()


def test_never_an_mql_means_never_queued(default_run_with_leads: orgsim.RunResult) -> None:
    leads = default_run_with_leads.leads
    inbound = leads[leads.source == "inbound"]
    assert inbound[~inbound.mql].queued_at.isna().all()
    assert (inbound[inbound.outcome == "unfollowed"].first_touch_at.isna()).all()


def test_costs_accrue_for_the_whole_horizon() -> None:
    scenario = orgsim.Scenario().replace(**{"mechanisms.attrition": False})  # a constant headcount
    result = orgsim.simulate(scenario, seed=1, horizon_days=100)
    c = scenario.costs
    salaries = (scenario.sales.reps * c.rep_cost_usd_per_year + scenario.marketing.marketers * c.marketer_cost_usd_per_year) * 100 / 365
    totals = result.totals
    assert totals["program_spend_usd"] > 0
    assert totals["costs_usd"] - totals["program_spend_usd"] == pytest.approx(salaries, rel=1e-12)


def test_series_has_one_row_per_period_with_a_short_last_period() -> None:
    result = orgsim.simulate(seed=1, horizon_days=30)
    series = result.series
    assert len(series) == 5  # 4 weeks and 2 days
    assert list(series.end_day) == [7, 14, 21, 28, 30]
    assert list(series.start_day) == [0, 7, 14, 21, 28]

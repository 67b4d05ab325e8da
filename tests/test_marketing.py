"""Marketing work: project kinds, marketers, market stocks and their effects (MODEL.md 3.7)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import orgsim
from orgsim.config import STOCKS
from orgsim.model.market import MarketStocks, hill

NO_PROJECTS = {"mechanisms.marketing_projects": False}


def test_a_stock_with_no_investment_decays_exactly_geometrically() -> None:
    scenario = orgsim.Scenario().replace(**NO_PROJECTS)
    series = orgsim.simulate(scenario, seed=1, horizon_days=140).series
    for stock in STOCKS:
        weekly = getattr(scenario.market, stock).weekly_retention
        levels = series[f"{stock}_stock"].to_numpy()
        ratios = levels[1:] / levels[:-1]
        np.testing.assert_allclose(ratios, weekly, rtol=1e-12, err_msg=stock)


def test_market_stocks_decay_geometrically_day_by_day() -> None:
    market = orgsim.Scenario().market
    stocks = MarketStocks(market, dict.fromkeys(STOCKS, 2.0))
    for _ in range(30):
        stocks.step_day()
    for stock in STOCKS:
        daily = getattr(market, stock).weekly_retention ** (1 / 7)
        assert stocks.level[stock] == pytest.approx(2.0 * daily**30, rel=1e-12)


def _impulse_effect(stock: str, days: int) -> np.ndarray:
    """Extra effect of one unit of investment at day 0 over a market at its default steady state."""
    scenario = orgsim.Scenario()
    from orgsim.model.marketing import steady_state_levels

    levels = steady_state_levels(scenario, 0.5)
    with_unit, without = MarketStocks(scenario.market, levels), MarketStocks(scenario.market, levels)
    with_unit.add(stock, 1.0)
    out = []
    for _ in range(days):
        with_unit.step_day()
        without.step_day()
        out.append(with_unit.saturation[stock] - without.saturation[stock])
    return np.array(out)


def test_a_single_campaign_is_mostly_gone_within_ten_weeks() -> None:
    # Promotions fade within about 10 weeks (Nijs et al. 2001; Pauwels et al. 2002).
    effect = _impulse_effect("campaign", 70)
    assert effect[-1] < 0.1 * effect.max()


def test_a_brand_investment_still_builds_its_effect_for_months() -> None:
    # Brand effects show after about six months (Field 2018): the lag makes the effect peak late.
    effect = _impulse_effect("brand", 365)
    assert int(np.argmax(effect)) > 90
    assert effect[30] < 0.5 * effect.max()


def test_a_brand_project_is_still_growing_its_effect_six_months_after_it_starts() -> None:
    scenario = orgsim.Scenario().replace(
        **{
            "marketing.marketers": 1,
            "marketing.long_term_share": 1.0,
            "marketing.initial_stocks": "empty",
            "marketing.kinds": [k for k in orgsim.Scenario().marketing.kinds if k.name in ("brand", "lead_gen_campaign")],
            "mechanisms.program_budget": False,  # one marketer's quarterly money never pays for a brand project
        }
    )
    series = orgsim.simulate(scenario, seed=1, horizon_days=196).series
    effect = series["brand_effect"].to_numpy()
    assert series.projects_started.iloc[0] == 1
    assert series["effort_lead_gen_campaign_days"].sum() == 0
    assert effect[25] > effect[24] > effect[12] > 0  # week 26 is six months after the start


def test_fixed_shares_are_kept_in_the_long_run() -> None:
    scenario = orgsim.Scenario().replace(**{"marketing.long_term_share": 0.3})
    series = orgsim.simulate(scenario, seed=2, horizon_days=730).series
    share = series.effort_long_days.sum() / (series.effort_long_days.sum() + series.effort_short_days.sum())
    assert share == pytest.approx(0.3, abs=0.05)  # whole projects (up to 120 person-days) make it lumpy


def test_program_spend_is_part_of_costs() -> None:
    series = orgsim.simulate(seed=2, horizon_days=120).series
    assert series.program_spend_usd.sum() > 0
    assert (series.costs_usd >= series.program_spend_usd).all()


@pytest.mark.parametrize(
    ("stock", "switch"),
    [
        ("brand", "brand_effect"),
        ("content", "content_effect"),
        ("campaign", "campaign_effect"),
        ("automation", "automation_effect"),
        ("enablement", "enablement_effect"),
        ("targeting", "targeting_effect"),
        ("pricing", "pricing_effect"),
    ],
)
def test_switching_a_stock_effect_off_removes_its_contribution(stock: str, switch: str) -> None:
    """With the effect off, how strongly the stock acts no longer matters at all; with it on, it does."""
    base = orgsim.Scenario()
    stronger = {f"market.{stock}.half_saturation": getattr(base.market, stock).half_saturation / 4}

    def run(scenario: orgsim.Scenario) -> pd.DataFrame:
        return orgsim.simulate(scenario, seed=5, horizon_days=180).series.drop(columns=[f"{s}_effect" for s in STOCKS])

    off = base.replace(**{f"mechanisms.{switch}": False})
    pd.testing.assert_frame_equal(run(off), run(off.replace(**stronger)), check_exact=True)
    assert not run(base).equals(run(base.replace(**stronger)))


def test_hill_saturation_is_half_at_the_half_saturation_level() -> None:
    assert hill(0.0, 2.0, 1.5) == 0.0
    assert hill(2.0, 2.0, 1.5) == pytest.approx(0.5)
    assert hill(200.0, 2.0, 1.5) == pytest.approx(1.0, abs=1e-3)
    assert math.isclose(hill(1.0, 2.0, 1.0), 1 / 3)


def test_preempted_work_is_lost_or_resumed_as_configured() -> None:
    structure = orgsim.presets.marketing_under_sales()  # quota pressure preempts long-term work
    resumed = orgsim.simulate(structure=structure, seed=3, horizon_days=365).totals
    lost = orgsim.simulate(orgsim.Scenario().replace(**{"marketing.preempted_work": "lose"}), structure, seed=3, horizon_days=365).totals
    assert resumed["projects_preempted"] > 0 and resumed["projects_cancelled"] == 0
    assert lost["projects_cancelled"] == lost["projects_preempted"] > 0


@pytest.mark.parametrize("preempted_work", ["resume", "lose"])
def test_the_marketers_pool_grants_and_preempts_exactly_as_simpy_does(preempted_work: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``Marketers`` (O(log n) a request) gives results bit-identical to simpy's
    ``PreemptiveResource`` (O(n)), under quota pressure that preempts hundreds of projects."""
    import simpy

    import orgsim.model.marketing as marketing

    scenario = orgsim.Scenario().replace(
        **{
            "marketing.marketers": 40,
            "marketing.preempted_work": preempted_work,
            "leadership.plan_prior_bookings_usd": 1e9,
            "leadership.pressure_rush_share": 1.0,
            "mechanisms.program_budget": False,  # the budget would block most rush projects: this test is about preemption
        }
    )
    structure = orgsim.presets.marketing_under_sales()
    ours = orgsim.simulate(scenario, structure, seed=3, horizon_days=300)
    monkeypatch.setattr(marketing, "Marketers", simpy.PreemptiveResource)
    theirs = orgsim.simulate(scenario, structure, seed=3, horizon_days=300)
    assert ours.totals["projects_preempted"] > 100
    pd.testing.assert_frame_equal(ours.series, theirs.series, check_exact=True)
    assert ours.totals.keys() == theirs.totals.keys()
    assert all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(ours.totals.values(), theirs.totals.values(), strict=True))

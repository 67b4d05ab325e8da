"""People over time (issue 15, item 2; docs/model.md 7.26): hiring lag, ramp, attrition with
backfill, the quota owner's pressure on turnover, and the addressable market."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy

import orgsim
from orgsim.config import Costs as CostParams
from orgsim.config import Mechanisms, ValidationError, Workforce
from orgsim.model import pipeline as pipeline_module
from orgsim.model import sales as sales_module
from orgsim.model.costs import Costs
from orgsim.model.recorder import Counters
from orgsim.model.workforce import Leavers, expected_vacancies, ramp_factor, ramp_lost_days
from orgsim.model.workforce import Workforce as WorkforceModel

#: The workforce mechanisms. They are on by default (calibrated with the rest of the model); ``ON``
#: states it, so these tests keep their meaning whatever the defaults become.
WORKFORCE_SWITCHES = ("attrition", "ramp", "hiring_lag", "pressure_turnover", "addressable_market")
ON = {f"mechanisms.{name}": True for name in WORKFORCE_SWITCHES}
BASE = orgsim.Scenario().replace(**ON)


def _scenario(**changes: object) -> orgsim.Scenario:
    """A light scenario (no warm start) with the given dotted changes."""
    return BASE.replace(**{"deals.warm_start_days": 0.0, **changes})


# -- configuration --------------------------------------------------------------------------------
def test_defaults_state_their_sources_and_validate() -> None:
    wf = BASE.workforce
    assert wf.rep_turnover_per_year == 0.32 and 90 <= wf.rep_ramp_days <= 120
    for f in dataclasses.fields(Workforce):
        assert f.metadata["source"], f.name
    # on by default (the patterns and claims were recalibrated with them on); the market is unlimited by default
    assert [getattr(Mechanisms(), name) for name in WORKFORCE_SWITCHES] == [True, True, True, True, True]
    assert wf.addressable_accounts == math.inf


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Workforce)])
@pytest.mark.parametrize("bad", [math.nan, -1.0, math.inf, True, "1"])
def test_bad_workforce_input_is_refused_naming_the_field(field: str, bad: object) -> None:
    if field == "addressable_accounts" and bad == math.inf:
        assert BASE.replace(**{f"workforce.{field}": bad}).workforce.addressable_accounts == math.inf  # unlimited
        return
    with pytest.raises(ValidationError, match=f"workforce.{field}"):
        BASE.replace(**{f"workforce.{field}": bad})


def test_a_market_of_no_accounts_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"workforce\.addressable_accounts"):
        BASE.replace(**{"workforce.addressable_accounts": 0.0})


def test_a_ramp_longer_than_the_horizon_is_fine() -> None:
    scenario = _scenario(**{"workforce.rep_ramp_days": 3650.0, "growth.rep_hires_per_quarter": 1})
    result = orgsim.simulate(scenario, seed=1, horizon_days=200)
    assert result.series["reps_ramping"].iloc[-1] >= 1  # the hire of day 91 is still ramping


def test_the_section_round_trips_through_toml(tmp_path: Path) -> None:
    scenario = BASE.replace(**{"workforce.rep_hiring_lag_days": 30.0, "mechanisms.attrition": False})
    scenario.to_toml(tmp_path / "s.toml")
    assert orgsim.Scenario.from_toml(tmp_path / "s.toml") == scenario


# -- the pieces -----------------------------------------------------------------------------------
def test_the_ramp_is_linear_from_the_start_productivity_to_one() -> None:
    assert ramp_factor(0.0, 100.0, 0.25) == 0.25
    assert ramp_factor(50.0, 100.0, 0.25) == pytest.approx(0.625)
    assert ramp_factor(100.0, 100.0, 0.25) == ramp_factor(500.0, 100.0, 0.25) == 1.0
    assert ramp_factor(0.0, 0.0, 0.25) == 1.0  # no ramp
    assert ramp_lost_days(100.0, 0.25) == pytest.approx(37.5)  # the area above the line


def test_expected_vacancies_is_turnover_times_lag_to_first_order() -> None:
    assert expected_vacancies(10, 0.32, 60) == pytest.approx(10 * 0.32 * 60 / 365, rel=0.06)
    assert expected_vacancies(10, 0.0, 60) == 0.0


def test_leavers_go_in_order_of_resilience_and_a_higher_hazard_loses_a_superset() -> None:
    """The same people (the same stream) under twice the hazard: everyone who left under the
    lower hazard has left under the higher one by the same day."""
    low, high = Leavers(np.random.default_rng(3)), Leavers(np.random.default_rng(3))
    low.join(list(range(50)))
    high.join(list(range(50)))
    gone_low, gone_high = set(), set()
    for _ in range(365):
        gone_low.update(low.advance(0.5 / 365))
        gone_high.update(high.advance(1.0 / 365))
        assert gone_low <= gone_high
    # 50 people, hazard 0.5 and 1.0 a year: 1 - exp(-h) of them gone; binomial sd < 3.6, so 4 sd
    assert abs(len(gone_low) - 50 * (1 - math.exp(-0.5))) < 4 * math.sqrt(50 * 0.25)
    assert abs(len(gone_high) - 50 * (1 - math.exp(-1.0))) < 4 * math.sqrt(50 * 0.25)


def _stub_workforce(felt: float, weight: float, turnover: float = 2.0) -> tuple[WorkforceModel, list[int]]:
    """A Workforce on stubs: 40 'reps' (plain ints) with no backfill lag; returns it and the log of leavers."""
    env, counters = simpy.Environment(), Counters()
    params = Workforce(rep_turnover_per_year=turnover, pressure_turnover_weight=weight, marketer_turnover_per_year=0.0)
    left: list[int] = []
    hired = iter(range(40, 10_000))
    wf = WorkforceModel(
        env,
        counters,
        params,
        Mechanisms(attrition=True, pressure_turnover=True, hiring_lag=False, ramp=False, addressable_market=False),
        reps=list(range(40)),  # type: ignore[arg-type]
        marketers=0,
        rep_rng=np.random.default_rng(11),
        marketer_rng=np.random.default_rng(12),
        start_reps=lambda n: [next(hired) for _ in range(n)],  # type: ignore[misc]
        rep_leaves=left.append,  # type: ignore[arg-type]
        set_productivity=lambda factors: None,
        marketers_changed=lambda n: None,
        marketer_vacancy=lambda days: None,
        pressure_felt=lambda: felt,
        won_accounts=lambda: 0.0,
        set_open_market=lambda share: None,
    )

    def days() -> simpy.events.Event:  # type: ignore[misc]
        for day in range(365):
            yield env.timeout(day - env.now)
            wf.step_day(day)

    env.process(days())
    env.run(until=365)
    return wf, left


def test_quota_pressure_raises_turnover_by_the_stated_factor() -> None:
    """hazard x (1 + k x felt): k = 1, felt = 1 doubles it. 40 seats backfilled at once, 2/year:
    about 80 departures a year (Poisson, sd about 9), 160 with pressure (sd about 13); 4 sd."""
    _, calm = _stub_workforce(felt=1.0, weight=0.0)
    wf, pressed = _stub_workforce(felt=1.0, weight=1.0)
    assert abs(len(calm) - 80) < 4 * math.sqrt(80)
    assert abs(len(pressed) - 160) < 4 * math.sqrt(160)
    assert wf.counters.reps_left == wf.counters.reps_hired == len(pressed)  # each backfilled at once


def test_costs_follow_the_marketers_employed() -> None:
    env = simpy.Environment()
    counters = Counters()
    params = CostParams()
    costs = Costs(env, counters, params, reps=2, marketers=3, leadership_usd_per_year=0.0)
    env.run(until=100)
    costs.set_marketers(1)  # accrues the first 100 days at the old rate
    env.run(until=200)
    costs.accrue()
    per_day = (params.rep_cost_usd_per_year * 2 + params.marketer_cost_usd_per_year * np.array([3, 1])) / 365
    assert counters.costs_usd == pytest.approx(100 * per_day.sum())


# -- ramp -----------------------------------------------------------------------------------------
def test_ramping_reps_sell_less_than_the_same_reps_fully_ramped() -> None:
    """Common random numbers: the same hires (the reps stream) with and without a ramp that
    lasts the whole run; the ramp cuts their win odds and their prospecting yield."""
    base = {"growth.rep_hires_per_quarter": 3, "workforce.rep_ramp_days": 3650.0, "workforce.rep_ramp_start_productivity": 0.1}
    base |= {"mechanisms.attrition": False, "mechanisms.hiring_lag": False}

    def hires_bookings(ramp: bool) -> tuple[float, float]:
        result = orgsim.simulate(_scenario(**base, **{"mechanisms.ramp": ramp}), seed=4, horizon_days=730)
        reps = result.reps
        hires, veterans = reps[reps.hired_day > 0], reps[reps.hired_day == 0]
        days = 730 - hires.hired_day
        return float((hires.bookings_usd / days).mean()), float((veterans.bookings_usd / 730).mean())

    ramping, veterans = hires_bookings(True)
    ramped, _ = hires_bookings(False)
    assert ramping < 0.75 * ramped
    assert ramping < 0.75 * veterans


def test_new_reps_ramp_then_count_as_ramped() -> None:
    scenario = _scenario(**{"growth.rep_hires_per_quarter": 2, "mechanisms.attrition": False, "mechanisms.hiring_lag": False})
    series = orgsim.simulate(scenario, seed=2, horizon_days=280).series
    ramp = scenario.workforce.rep_ramp_days
    at = series.set_index("end_day")["reps_ramping"]
    assert at[98] == 2  # hired on day 91
    assert at[189] == 4  # and on day 182
    assert 91 + ramp < 266 < 182 + ramp
    assert at[266] == 2  # the first two ramped after 105 days
    off = orgsim.simulate(scenario.replace(**{"mechanisms.ramp": False}), seed=2, horizon_days=280).series
    assert (off["reps_ramping"] == 0).all()


# -- attrition and backfill -----------------------------------------------------------------------
def test_backfill_keeps_headcount_near_plan_less_the_expected_vacancies() -> None:
    """20 reps, turnover 2 a year, 30-day lag: expected vacancies h L / (1 + h L) x 20 = 2.8
    (7.26). The time-average headcount of each seed (weekly snapshots over 3 years) varies;
    the tolerance is 4 standard errors of the mean over 6 seeds."""
    reps, turnover, lag = 20, 2.0, 30.0
    changes = {"sales.reps": reps, "workforce.rep_turnover_per_year": turnover, "workforce.rep_hiring_lag_days": lag}
    scenario = _scenario(**changes, **{"workforce.marketer_turnover_per_year": 0.0, "inbound.base_rate_per_day": 4.0})
    means, left = [], []
    for seed in range(6):
        result = orgsim.simulate(scenario, seed=seed, horizon_days=1095)
        means.append(float(result.series["reps"].mean()))
        left.append(result.totals["reps_left"])
        t = result.totals
        assert t["reps_end"] == reps + t["reps_hired"] - t["reps_left"]  # people are conserved
        assert t["reps_left"] - t["reps_hired"] >= 0  # only backfills: never more than planned
    expected = reps - expected_vacancies(reps, turnover, lag)
    se = np.std(means, ddof=1) / math.sqrt(len(means))
    assert abs(np.mean(means) - expected) < 4 * se + 0.05, (np.mean(means), expected, se)
    # departures ~ Poisson(h x person-years): 2 x 17.2 x 3 = 103 per seed, sd about 10 (4 SE over 6 seeds)
    assert abs(np.mean(left) - turnover * expected * 3) < 4 * math.sqrt(turnover * expected * 3 / 6)


def test_leavers_and_hires_are_in_the_rep_frame_with_pro_rated_quotas() -> None:
    scenario = _scenario(**{"workforce.rep_turnover_per_year": 1.5})
    result = orgsim.simulate(scenario, orgsim.presets.shared_leader(), seed=3, horizon_days=365)
    reps, totals = result.reps, result.totals
    assert list(reps.rep_id) == list(range(len(reps)))  # ids in hiring order
    assert len(reps) == scenario.sales.reps + totals["reps_hired"]
    leavers, hires = reps[reps.left_day.notna()], reps[reps.hired_day > 0]
    assert len(leavers) == totals["reps_left"] > 0
    assert len(hires) == totals["reps_hired"] > 0
    assert (hires.hired_day >= scenario.workforce.rep_hiring_lag_days).all()  # the first backfill starts a lag after day 0
    assert (leavers.quota_usd > 0).all() and (leavers.left_day > leavers.hired_day).all()
    # every booking still belongs to a rep (deals of leavers were closed by their holders)
    assert reps.bookings_usd.sum() == pytest.approx(totals["bookings_usd"])
    # the plan: quotas cover the year whoever held the seat, less the vacant seats' share
    plan = scenario.leadership.plan_prior_bookings_usd * (1 + scenario.leadership.plan_growth)
    # vacant seats hold no quota: about hL/(1+hL) = 25% of the seat-time at 1.5 a year and a 60-day lag,
    # more under pressure (which raises h); the lower bound leaves room for both
    assert 0.6 * plan < reps.quota_usd.sum() <= plan * (1 + 1e-9)


def test_when_every_rep_leaves_mqls_wait_for_the_backfill() -> None:
    """One rep who leaves fast: the leads wait in the queue while nobody is employed, and are
    followed up once the backfill starts; every lead is still accounted for."""
    scenario = _scenario(**{"sales.reps": 1, "workforce.rep_turnover_per_year": 6.0, "workforce.rep_hiring_lag_days": 20.0})
    result = orgsim.simulate(scenario, seed=1, horizon_days=365)
    series, t = result.series, result.totals
    empty = series[series.reps == 0]
    assert len(empty) > 0 and (empty.queue_length > 0).any()
    assert t["reps_left"] >= 3
    assert t["follow_ups"] > 0 and t["reps_end"] in (0, 1)
    outcomes = sum(t[f"outcome_{o}"] for o in ("won", "lost", "unfollowed", "nurture", "open"))
    assert t["leads_created"] == outcomes


class _DeskLog:
    """The desk's submissions, follow-ups, shifts, departures and hires, in order (as
    tests/test_reps_time.py's event log, plus the people who come and go)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.events: list[tuple[float, str, int]] = []
        desk = sales_module.FollowUpDesk
        log = self.events
        original = {name: getattr(desk, name) for name in ("submit", "_serve", "_done", "open_shift", "close_shift", "leave", "hire")}

        def logged(name: str, kind: str, what: Any) -> Any:
            def method(self_: Any, *args: Any) -> Any:
                log.append((self_.env.now, kind, what(self_, *args)))
                return original[name](self_, *args)

            return method

        patches = {
            "submit": logged("submit", "submit", lambda d, lead: 1),
            "_serve": logged("_serve", "serve", lambda d, rep, lead: rep.id),
            "_done": logged("_done", "done", lambda d, event: event.value.id),
            "open_shift": logged("open_shift", "open", lambda d: 0),
            "close_shift": logged("close_shift", "close", lambda d: 0),
            # a leaver's queue is submitted again to the others: it stops waiting for them first
            "leave": logged("leave", "leave", lambda d, rep: rep.id * 1000 + len(rep.queue)),
            "hire": logged("hire", "hire", lambda d, reps: len(reps)),
        }
        for name, func in patches.items():
            monkeypatch.setattr(desk, name, func)


@pytest.mark.parametrize("routing", ["territory", "round_robin", "pooled"])
def test_no_rep_is_idle_on_duty_while_an_mql_waits_as_reps_come_and_go(monkeypatch: pytest.MonkeyPatch, routing: str) -> None:
    """Prospecting off, high turnover, a short lag: replay the desk's log; whenever an MQL waits
    on duty, every employed rep is in a follow-up (a leaver's queue goes to the others)."""
    log = _DeskLog(monkeypatch)
    changes = {"sales.routing": routing, "sales.reps": 3, "mechanisms.outbound_prospecting": False}
    changes |= {"workforce.rep_turnover_per_year": 6.0, "workforce.rep_hiring_lag_days": 5.0}
    scenario = _scenario(**changes)
    result = orgsim.simulate(scenario, seed=5, horizon_days=180)
    assert result.totals["reps_left"] >= 5
    waiting, employed, on_duty, violations = 0, scenario.sales.reps, False, 0
    busy: set[int] = set()
    events = log.events
    for i, (now, kind, value) in enumerate(events):
        if kind == "submit":
            waiting += 1
        elif kind == "serve":
            waiting -= 1
            busy.add(value)
        elif kind == "done":
            busy.discard(value)  # a leaver's follow-up was settled when they left
        elif kind == "leave":
            employed -= 1
            busy.discard(value // 1000)
            waiting -= value % 1000
        elif kind == "hire":
            employed += value
        elif kind in ("open", "close"):
            on_duty = kind == "open"
        later = i + 1 == len(events) or events[i + 1][0] > now
        if later and on_duty and waiting > 0 and len(busy) < employed:
            violations += 1
    assert len(events) > 1000
    assert violations == 0


def test_a_leavers_queue_and_deals_are_taken_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """High turnover, a light load: every MQL queued (early enough) is followed up, the leavers'
    queues included, and every deal's booking lands on a rep (leavers' deals on their holders)."""
    changes = {"sales.reps": 6, "workforce.rep_turnover_per_year": 4.0, "workforce.rep_hiring_lag_days": 20.0}
    changes |= {"inbound.base_rate_per_day": 4.0}
    closers: list[bool] = []
    close = pipeline_module.Pipeline._close

    def logged_close(self: Any, event: Any) -> None:
        close(self, event)
        closers.append(event.value.owner.active)

    monkeypatch.setattr(pipeline_module.Pipeline, "_close", logged_close)
    result = orgsim.simulate(_scenario(**changes), seed=8, horizon_days=365, record_leads=True)
    leads, t = result.leads, result.totals
    assert t["reps_left"] > 5
    assert len(closers) > 100 and all(closers)  # no deal closed in the name of a rep who had left
    queued = leads[leads.queued_at.notna() & (leads.queued_at < 330) & (leads.outcome != "unfollowed")]
    assert queued.first_touch_at.notna().all()
    assert result.reps.bookings_usd.sum() == pytest.approx(t["bookings_usd"])


# -- the addressable market -----------------------------------------------------------------------
#: A company with no customers at time 0, where the scenario has an installed base (docs/model.md 7.25).
_NO_INSTALLED_BASE = {"customers.initial_base": "none"}


def test_a_small_market_saturates_and_growth_plateaus() -> None:
    """300 accounts, a rep hired every quarter: wins take the open share toward 0 and lead
    arrivals fall with it, so the last half-year wins a fraction of the second one (about
    exp(-2) of it for a saturating exponential); without the mechanism the company keeps winning."""
    accounts = 300.0
    changes = {"workforce.addressable_accounts": accounts, "growth.rep_hires_per_quarter": 1, **_NO_INSTALLED_BASE}
    small = orgsim.simulate(_scenario(**changes), seed=5, horizon_days=1095)
    off = orgsim.simulate(_scenario(**changes, **{"mechanisms.addressable_market": False}), seed=5, horizon_days=1095)
    s = small.series
    second = s[(s.start_day >= 182) & (s.start_day < 364)].wins.sum()
    last = s[s.start_day >= 1095 - 182].wins.sum()
    assert last < 0.25 * second
    assert small.totals["market_open_share_end"] < 0.1
    assert np.all(np.diff(s["market_open_share"]) <= 0)  # wins only ever close the market
    assert small.totals["wins"] < accounts + 50  # deals in flight may still close
    assert off.totals["bookings_usd"] > 2.0 * small.totals["bookings_usd"]
    assert (off.series["market_open_share"] == 1.0).all()


@pytest.mark.skipif(not _NO_INSTALLED_BASE, reason="the scenario has no installed base")
def test_the_installed_base_is_part_of_the_market_already_won() -> None:
    """About 900 customers at time 0 (7.25) in a market of 1,000 accounts: a tenth is left open."""
    changes = {"workforce.addressable_accounts": 1000.0}
    with_base = orgsim.simulate(_scenario(**changes), seed=5, horizon_days=14).series
    without = orgsim.simulate(_scenario(**changes, **_NO_INSTALLED_BASE), seed=5, horizon_days=14).series
    assert with_base.market_open_share.iloc[0] < 0.25
    assert without.market_open_share.iloc[0] > 0.9


# -- switches -------------------------------------------------------------------------------------
def test_with_every_workforce_switch_off_nobody_joins_or_leaves_except_planned_hires_at_once() -> None:
    off = {f"mechanisms.{name}": False for name in WORKFORCE_SWITCHES}
    scenario = _scenario(**off, **{"growth.rep_hires_per_quarter": 2})
    result = orgsim.simulate(scenario, orgsim.presets.siloed(), seed=6, horizon_days=200)
    t, reps = result.totals, result.reps
    assert t["reps_left"] == t["marketers_left"] == t["marketers_hired"] == 0
    assert sorted(reps.hired_day.unique()) == [0.0, 91.0, 182.0]  # quarter starts: no lag
    assert reps.left_day.isna().all() and t["reps_ramping_end"] == 0


def test_the_hiring_lag_delays_planned_hires() -> None:
    scenario = _scenario(**{"growth.rep_hires_per_quarter": 2, "mechanisms.attrition": False, "workforce.rep_hiring_lag_days": 45.0})
    reps = orgsim.simulate(scenario, seed=6, horizon_days=300).reps
    assert sorted(reps.hired_day.unique()) == [0.0, 136.0, 227.0]


def test_marketers_leave_and_are_backfilled() -> None:
    scenario = _scenario(**{"workforce.marketer_turnover_per_year": 3.0, "workforce.rep_turnover_per_year": 0.0})
    result = orgsim.simulate(scenario, seed=2, horizon_days=365)
    t, s = result.totals, result.series
    assert t["marketers_left"] > 3 and t["marketers_hired"] > 0
    assert t["marketers_end"] == scenario.marketing.marketers + t["marketers_hired"] - t["marketers_left"]
    assert s.marketers.min() < scenario.marketing.marketers
    assert t["reps_left"] == 0


def test_the_same_seed_gives_the_same_people_and_departures() -> None:
    scenario = _scenario(**{"workforce.rep_turnover_per_year": 1.0})
    a = orgsim.simulate(scenario, orgsim.presets.marketing_under_sales(), seed=9, horizon_days=365)
    b = orgsim.simulate(scenario, orgsim.presets.marketing_under_sales(), seed=9, horizon_days=365)
    assert a.reps.equals(b.reps)
    assert all(a.totals[k] == b.totals[k] or (math.isnan(a.totals[k]) and math.isnan(b.totals[k])) for k in a.totals)

"""Reps as individuals: their time, their queue checks, their quotas and the outbound funnel (issue 13)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import orgsim
from orgsim.config.scenarios import mmc
from orgsim.model import sales as sales_module

ACTIVITIES = ("rep_hours_follow_up", "rep_hours_deals", "rep_hours_prospecting", "rep_hours_idle")


def _no_prospecting(scenario: orgsim.Scenario) -> orgsim.Scenario:
    return scenario.replace(**{"mechanisms.outbound_prospecting": False})


# -- time accounting ------------------------------------------------------------------------------
@pytest.mark.parametrize("prospecting", [True, False])
def test_the_four_activities_sum_to_the_rep_hours_on_duty_in_every_period(prospecting: bool) -> None:
    scenario = orgsim.Scenario() if prospecting else _no_prospecting(orgsim.Scenario())
    series = orgsim.simulate(scenario, orgsim.presets.siloed(), seed=3, horizon_days=120).series
    total = sum(series[name] for name in ACTIVITIES)
    np.testing.assert_allclose(total, series["rep_hours_on_duty"], rtol=1e-9)


def test_rep_hours_on_duty_are_the_calendars_working_hours_times_the_reps() -> None:
    scenario = orgsim.Scenario().replace(**{"mechanisms.attrition": False})  # a constant team
    totals = orgsim.simulate(scenario, seed=1, horizon_days=7 * 20).totals
    # 20 weeks x 5 working days x 8 hours x 10 reps
    assert totals["rep_hours_on_duty"] == pytest.approx(20 * 5 * 8 * scenario.sales.reps)


def test_reps_are_never_idle_while_they_can_prospect() -> None:
    totals = orgsim.simulate(orgsim.Scenario(), seed=2, horizon_days=120).totals
    assert totals["rep_hours_idle"] == 0.0
    assert totals["rep_hours_prospecting"] > 0.5 * totals["rep_hours_on_duty"]


def test_without_prospecting_the_spare_time_is_idle_and_nothing_is_sourced() -> None:
    totals = orgsim.simulate(_no_prospecting(orgsim.Scenario()), seed=2, horizon_days=120).totals
    assert totals["rep_hours_prospecting"] == 0.0
    assert totals["rep_hours_idle"] > 0.0
    assert totals["leads_outbound"] == totals["outbound_attempts"] == 0


def test_deal_work_is_about_the_rep_hours_per_opportunity_times_the_deals() -> None:
    scenario = orgsim.Scenario().replace(**{"deals.warm_start_days": 0.0})
    result = orgsim.simulate(scenario, seed=4, horizon_days=730, record_leads=True)
    leads = result.leads
    closed = leads[leads.closed_at.notna()]
    # Deals closed within the run had all their work done in it (capacity is ample), so the
    # deal hours are at least their share; open deals add a part of theirs.
    expected_closed = len(closed) * scenario.deals.rep_hours_per_opportunity
    deal_hours = result.totals["rep_hours_deals"]
    assert expected_closed * 0.9 < deal_hours < (len(closed) + result.totals["open_opportunities_end"]) * 6.0 * 1.1


# -- work conservation (on the desk's event log) --------------------------------------------------
class _EventLog:
    """Records the desk's submissions, starts and ends of follow-ups, and shifts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.events: list[tuple[float, str, int]] = []
        desk = sales_module.FollowUpDesk
        original = {name: getattr(desk, name) for name in ("submit", "_serve", "_done", "open_shift", "close_shift")}
        log = self.events

        def submit(self_, lead):  # type: ignore[no-untyped-def]
            log.append((self_.env.now, "submit", -1))
            original["submit"](self_, lead)

        def serve(self_, rep, lead):  # type: ignore[no-untyped-def]
            log.append((self_.env.now, "serve", rep.id))
            original["_serve"](self_, rep, lead)

        def done(self_, event):  # type: ignore[no-untyped-def]
            log.append((self_.env.now, "done", event.value.id))
            original["_done"](self_, event)

        def open_shift(self_):  # type: ignore[no-untyped-def]
            log.append((self_.env.now, "open", -1))
            original["open_shift"](self_)

        def close_shift(self_):  # type: ignore[no-untyped-def]
            log.append((self_.env.now, "close", -1))
            original["close_shift"](self_)

        patches = {"submit": submit, "_serve": serve, "_done": done, "open_shift": open_shift, "close_shift": close_shift}
        for name, func in patches.items():
            monkeypatch.setattr(desk, name, func)


@pytest.mark.parametrize("routing", ["territory", "round_robin", "pooled"])
def test_no_rep_is_idle_on_duty_while_an_mql_waits(monkeypatch: pytest.MonkeyPatch, routing: str) -> None:
    """Prospecting off (reps have nothing else to do): replay the event log and check that
    whenever an MQL is waiting and the desk is on duty, every rep is in a follow-up."""
    log = _EventLog(monkeypatch)
    # no warm start: the warm-up's own desk would log its events too
    changes = {"sales.routing": routing, "sales.reps": 3, "deals.warm_start_days": 0.0, "mechanisms.attrition": False}
    scenario = _no_prospecting(orgsim.Scenario()).replace(**changes)  # a constant team (tests/test_workforce.py: reps who leave)
    orgsim.simulate(scenario, seed=5, horizon_days=90)
    reps = scenario.sales.reps
    waiting = busy = 0
    on_duty = False
    violations = 0
    events = log.events
    for i, (now, kind, _rep) in enumerate(events):
        if kind == "submit":
            waiting += 1
        elif kind == "serve":
            waiting -= 1
            busy += 1
        elif kind == "done":
            busy -= 1
        elif kind == "open":
            on_duty = True
        elif kind == "close":
            on_duty = False
        # the state holds until the next event at a later time
        later = i + 1 == len(events) or events[i + 1][0] > now
        if later and on_duty and waiting > 0 and busy < reps:
            violations += 1
    assert len(events) > 1000
    assert violations == 0


def test_one_rep_without_prospecting_is_an_mm1_queue_whatever_the_routing() -> None:
    """c = 1: the Erlang C mean wait is rho / (mu - lambda); replications give the tolerance (3 SE)."""
    rate, handle = 6.0, 0.1  # rho = 0.6
    estimates = []
    for seed in range(10):
        scenario = mmc(rate, 1, handle, horizon_days=200.0).replace(**{"sales.routing": "territory"})
        leads = orgsim.simulate(scenario, seed=seed, record_leads=True).leads
        served = leads[(leads.queued_at >= 20.0) & leads.first_touch_at.notna()]
        estimates.append(float((served.first_touch_at - served.queued_at).mean()))
    expected = (rate * handle) / (1.0 / handle - rate)
    se = np.std(estimates, ddof=1) / math.sqrt(len(estimates))
    assert abs(np.mean(estimates) - expected) < 3 * se, (np.mean(estimates), expected, se)


# -- queue checks ---------------------------------------------------------------------------------
def test_more_frequent_queue_checks_answer_mqls_sooner() -> None:
    def mean_response(hours: float) -> float:
        scenario = orgsim.Scenario().replace(**{"sales.queue_check_hours": hours})
        return np.mean([orgsim.simulate(scenario, seed=s, horizon_days=180).totals["mean_response_hours"] for s in range(4)])

    assert mean_response(0.25) < mean_response(8.0)


def test_sla_enforcement_shortens_queue_checks_only_through_its_switch() -> None:
    def siloed_with(enforcement: float) -> orgsim.Structure:
        base = orgsim.presets.siloed()
        leaders = dict(base.leaders)
        leaders["ceo"] = dataclasses.replace(leaders["ceo"], sla_enforcement=enforcement)
        return dataclasses.replace(base, leaders=leaders)

    strict, lax = siloed_with(1.0), siloed_with(0.0)
    scenario = orgsim.Scenario()

    def response(structure: orgsim.Structure, scenario: orgsim.Scenario) -> float:
        return np.mean([orgsim.simulate(scenario, structure, seed=s, horizon_days=180).totals["mean_response_hours"] for s in range(4)])

    assert response(strict, scenario) < response(lax, scenario)
    off = scenario.replace(**{"mechanisms.follow_up_discipline": False})
    assert response(strict, off) == response(lax, off)


# -- individual reps and their quotas -------------------------------------------------------------
def test_every_booking_belongs_to_a_rep() -> None:
    result = orgsim.simulate(orgsim.Scenario(), orgsim.presets.shared_leader(), seed=1, horizon_days=365)
    reps = result.reps
    assert list(reps.columns) == [
        "rep_id",
        "skill",
        "queue_check_hours",
        "hired_day",
        "left_day",
        "bookings_usd",
        "quota_usd",
        "attainment",
    ]
    assert len(reps) == orgsim.Scenario().sales.reps + result.totals["reps_hired"]  # leavers stay in the frame
    assert reps.bookings_usd.sum() == pytest.approx(result.totals["bookings_usd"])


def test_quotas_split_the_plan_and_the_share_at_quota_is_counted_from_the_reps() -> None:
    scenario = orgsim.Scenario().replace(**{"mechanisms.attrition": False})  # no vacant seats
    result = orgsim.simulate(scenario, seed=2, horizon_days=365)
    plan = scenario.leadership.plan_prior_bookings_usd * (1 + scenario.leadership.plan_growth)
    assert result.reps.quota_usd.sum() == pytest.approx(plan)
    assert result.totals["share_of_reps_at_quota"] == pytest.approx((result.reps.attainment >= 1.0).mean())
    assert 0.0 < result.totals["share_of_reps_at_quota"] < 1.0


def test_quota_shares_set_each_reps_part_of_the_plan() -> None:
    shares = (0.4, 0.3, 0.2, 0.1)
    scenario = orgsim.Scenario().replace(**{"sales.reps": 4, "sales.quota_shares": shares, "mechanisms.attrition": False})
    reps = orgsim.simulate(scenario, seed=2, horizon_days=365).reps
    np.testing.assert_allclose(reps.quota_usd / reps.quota_usd.sum(), shares)


def test_reps_are_the_same_people_under_every_structure() -> None:
    structures = orgsim.presets.all().values()
    skills = [orgsim.simulate(orgsim.Scenario(), s, seed=7, horizon_days=30).reps.skill.tolist() for s in structures]
    assert all(s == skills[0] for s in skills)
    assert len(set(skills[0])) == len(skills[0])  # they differ from one another


def test_identical_reps_when_the_skill_spread_is_zero() -> None:
    scenario = orgsim.Scenario().replace(**{"sales.rep_skill_sd": 0.0})
    reps = orgsim.simulate(scenario, seed=7, horizon_days=30).reps
    assert (reps.skill == scenario.sales.rep_skill).all()


def test_hires_get_a_quota_for_the_rest_of_the_year() -> None:
    # a constant team, hires at once (tests/test_workforce.py: the hiring lag)
    changes = {"growth.rep_hires_per_quarter": 2, "mechanisms.attrition": False, "mechanisms.hiring_lag": False}
    scenario = orgsim.Scenario().replace(**{"mechanisms.growth_stage": True, **changes})
    reps = orgsim.simulate(scenario, seed=3, horizon_days=365).reps
    hired = reps[reps.hired_day > 0]
    assert len(hired) == 8  # at the quarter starts on days 91, 182, 273 and 364
    assert (hired.quota_usd < reps[reps.hired_day == 0].quota_usd.min()).all()
    # the share at quota judges only plan periods of a quarter or more
    late = hired[hired.hired_day > 365 - 91]
    assert len(late) == 2


# -- the outbound funnel --------------------------------------------------------------------------
def test_outbound_funnel_stages_convert_at_their_rates() -> None:
    """Each stage is a binomial thinning of the one before: over seeds, the pooled rates match the
    parameters within 3 standard errors (binomial SE of the pooled proportion)."""
    scenario = orgsim.Scenario()
    sales = scenario.sales
    attempts = conversations = meetings = hours = 0.0
    for seed in range(4):
        t = orgsim.simulate(scenario, seed=seed, horizon_days=120).totals
        attempts += t["outbound_attempts"]
        conversations += t["outbound_conversations"]
        meetings += t["leads_outbound"]
        hours += t["rep_hours_prospecting"]
    for got, n, p in ((conversations, attempts, sales.outbound_conversation_rate), (meetings, conversations, sales.outbound_meeting_rate)):
        assert abs(got / n - p) < 3 * math.sqrt(p * (1 - p) / n), (got / n, p)
    # attempts are Poisson in the prospecting hours (the last day's hours book no meeting in the run)
    expected = hours * sales.outbound_attempts_per_hour
    assert abs(attempts - expected) < 3 * math.sqrt(expected) + 2 * 8 * sales.reps * sales.outbound_attempts_per_hour * 4


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sales.queue_check_hours": 0.0}, "sales.queue_check_hours"),
        ({"sales.queue_check_hours": float("nan")}, "sales.queue_check_hours"),
        ({"sales.rep_skill_sd": -0.1}, "sales.rep_skill_sd"),
        ({"sales.rep_skill_sd": 0.44}, "sales.rep_skill_sd"),  # beyond sqrt(0.8 x 0.2) = 0.4
        ({"sales.queue_check_spread": -1.0}, "sales.queue_check_spread"),
        ({"sales.routing": "nearest"}, "sales.routing"),
        ({"sales.reps": 3, "sales.quota_shares": (0.5, 0.3, 0.1)}, "sales.quota_shares"),
        ({"sales.reps": 3, "sales.quota_shares": (0.5, 0.5)}, "sales.quota_shares"),
    ],
)
def test_bad_rep_settings_are_refused_naming_the_field(changes: dict, field: str) -> None:
    with pytest.raises(orgsim.ValidationError) as info:
        orgsim.Scenario().replace(**changes)
    assert field in str(info.value)


def test_a_removed_parameter_says_what_replaced_it() -> None:
    with pytest.raises(orgsim.ValidationError, match="reps prospect in whatever time"):
        orgsim.Scenario.from_dict({"sales": {"prospecting_share": 0.3}})

"""Invariants over randomly generated valid scenarios and structures (hypothesis).

Scenarios are drawn field by field from the allowed ranges in the configuration metadata (the
ranges ``describe()`` prints), every mechanism switch on or off at random, with the few fields
that set the size of a run (arrival rates, headcounts, horizon, warm start) capped so that each
example simulates a few hundred to a few thousand leads. Structures are drawn from the shapes a
reporting structure can take (one head over the other, a common manager, a deeper chain) with
random leader profiles. ``derandomize=True`` makes the examples the same on every run (CI).

What must hold in every run: every lead ends in exactly one outcome; no count, queue, stock,
booking or cost is negative; bookings are the sum of the won deals; SLA compliance is in
[0, 1]; the series has one row per period and a value wherever one can be measured; the same
seed gives identical results; and structures see the same inbound arrivals (common random
numbers).
"""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import orgsim
from orgsim.config import scenario as config
from orgsim.config.customers import past_wins
from orgsim.config.structure import _RANGES, Leader, Structure
from orgsim.model.recorder import FLOW_COUNTERS, OUTCOMES

# Fields that set how much a run simulates, capped (within their allowed range) so that each
# example is fast. Every other numeric field roams its whole allowed range.
SIZE_CAPS: dict[str, tuple[float, float]] = {
    "horizon_days": (20.0, 120.0),
    "inbound.base_rate_per_day": (0.0, 15.0),
    "sales.reps": (0, 12),
    "sales.outbound_attempts_per_hour": (0.0, 20.0),
    "market.campaign_rate_per_day_max": (0.0, 10.0),
    "market.brand_inbound_lift": (0.0, 2.0),
    "market.content_inbound_lift": (0.0, 2.0),
    "growth.channel_leads_per_day": (0.0, 8.0),
    "growth.rep_hires_per_quarter": (0, 3),
    "marketing.marketers": (0, 8),
    "leadership.disputes_per_week": (0.0, 20.0),
    "deals.warm_start_days": (0.0, 60.0),
    "marketing.kinds.effort_person_days": (1.0, 3650.0),
    # the installed base and its referrals grow with the plan and the price of a deal
    "customers.referrals_per_customer_per_year": (0.0, 2.0),
    "leadership.plan_prior_bookings_usd": (0.0, 1e8),
    "deals.list_price_usd": (1e3, 1e6),
}

#: The most referral leads a day an example may expect (a speed cap, like SIZE_CAPS). Referral
#: leads grow with the installed base (the plan's past wins, all kept when churn is off) and with
#: delight over its reference (up to 1 / customers.delight_reference, unbounded as the reference
#: nears 0), which no cap on a single field bounds: the model's own ceiling, 1e5 a day, makes a
#: 120-day example of millions of leads (tens of seconds). `scenarios` scales the referral rate
#: down to stay under this bound. Every example must be fast, not only those drawn today: Hypothesis
#: mixes constants from the source of the modules loaded into its draws, so which examples a test
#: gets depends on what the tests before it imported.
MAX_REFERRAL_LEADS_PER_DAY = 50.0

SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Ratios: (numerator columns, denominator columns). A ratio is NaN exactly when its denominator is 0.
RATIOS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sla_compliance": (("sla_met",), ("sla_met", "sla_missed")),
    "mean_response_hours": (("response_hours_sum",), ("follow_ups",)),
    "mean_discount": (("discount_sum",), ("wins",)),
    "mql_qualify_rate": (("mql_qualified",), ("mql_follow_ups",)),
    "mean_dispute_wait_days": (("dispute_wait_days",), ("disputes_resolved",)),
    "long_term_effort_share": (("effort_long_days",), ("effort_long_days", "effort_short_days")),
    "prospecting_time_share": (("rep_hours_prospecting",), ("rep_hours_on_duty",)),
    "response_within_1h_share": (("responses_within_1h",), ("follow_ups", "unfollowed")),
    "response_1h_to_24h_share": (("responses_1h_to_24h",), ("follow_ups", "unfollowed")),
}
TOTAL_RATIOS = {**RATIOS, "win_rate": (("wins",), ("wins", "losses")), "unfollowed_mql_share": (("unfollowed",), ("mqls",))}
NON_NEGATIVE_LEVELS = ("queue_length", "open_opportunities", "reps", "disputes_waiting")
REP_ACTIVITIES = ("rep_hours_follow_up", "rep_hours_deals", "rep_hours_prospecting", "rep_hours_idle")


# -- strategies ------------------------------------------------------------------------------------


def _numeric(name: str, hint: type, meta: dict[str, Any]) -> st.SearchStrategy[Any]:
    lo, hi = SIZE_CAPS.get(name, (meta["lo"], meta["hi"]))
    if hint is int:
        return st.integers(int(lo), int(hi))
    return st.floats(
        min_value=lo,
        max_value=hi,
        exclude_min=meta["lo_open"] and lo == meta["lo"],
        exclude_max=meta["hi_open"] and hi == meta["hi"],
        allow_nan=False,
        allow_infinity=False,
    )


def section_data(cls: type, prefix: str = "") -> st.SearchStrategy[dict[str, Any]]:
    """Plain data for a section, every field drawn from its allowed range (tuples keep their defaults)."""
    hints = typing.get_type_hints(cls, globalns=vars(config))
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for f in dataclasses.fields(cls):
        name, hint, meta = f"{prefix}{f.name}", hints[f.name], dict(f.metadata)
        if dataclasses.is_dataclass(hint):
            parts[f.name] = section_data(hint, f"{name}.")
        elif hint is bool:
            parts[f.name] = st.booleans()
        elif hint is str and "choices" in meta:
            parts[f.name] = st.sampled_from(meta["choices"])
        elif hint in (int, float) and meta.get("lo") is not None:
            parts[f.name] = _numeric(name, hint, meta)
        elif hint == tuple[config.ProjectKind, ...]:  # the default kinds (names, terms) with everything else drawn anew
            kinds = [
                section_data(config.ProjectKind, f"{name}.").map(lambda d, k=k: {**d, "name": k.name, "term": k.term})
                for k in f.default_factory()
            ]
            parts[f.name] = st.tuples(*kinds).map(list)
    return st.fixed_dictionaries(parts)


@st.composite
def scenarios(draw: st.DrawFn, **fixed: Any) -> orgsim.Scenario:
    """A valid scenario: fields from their ranges, then the cross-field rules of ``config.validate`` honoured."""
    data = draw(section_data(orgsim.Scenario))
    cal = data["calendar"]
    start, end = sorted((cal["workday_start_hour"], cal["workday_end_hour"]))
    if start == end:
        start, end = 9.0, 17.0
    cal["workday_start_hour"], cal["workday_end_hour"] = start, end
    leads = data["leads"]
    leads["nurture_min_days"], leads["nurture_max_days"] = sorted((leads["nurture_min_days"], leads["nurture_max_days"]))
    deals = data["deals"]
    deals["discount_mean"], deals["discount_max"] = sorted((deals["discount_mean"], deals["discount_max"]))
    if data["inbound"]["base_rate_per_day"] > 0:
        data["sales"]["reps"] = max(1, data["sales"]["reps"])
    sales = data["sales"]  # rep skills are a proper Beta: sd below sqrt(mean x (1 - mean))
    sales["rep_skill_sd"] = min(sales["rep_skill_sd"], 0.99 * math.sqrt(sales["rep_skill"] * (1.0 - sales["rep_skill"])))
    for term in ("short", "long"):  # marketers need work of both terms
        kinds = [k for k in data["marketing"]["kinds"] if k["term"] == term]
        if all(k["weight"] == 0 for k in kinds):
            kinds[0]["weight"] = 1.0
    scenario = orgsim.Scenario.from_dict(data)
    scenario = scenario.replace(**fixed) if fixed else scenario
    return _referrals_capped(scenario)


def _referrals_capped(scenario: orgsim.Scenario) -> orgsim.Scenario:
    """``scenario`` with its referral rate scaled down so that an upper bound of its referral leads
    a day is at most ``MAX_REFERRAL_LEADS_PER_DAY``: the installed base at time 0 (every past win)
    plus a generous 100 wins a day in the run, times the referrals per customer, times delight's
    largest ratio to its reference (delight is a weighted mean of effects in [0, 1])."""
    customers, deals, leadership = scenario.customers, scenario.deals, scenario.leadership
    base = past_wins(customers, deals.list_price_usd, deals.discount_mean, leadership.plan_prior_bookings_usd, leadership.plan_growth)
    most_customers = base + 100.0 * scenario.horizon_days
    per_day = customers.referrals_per_customer_per_year * most_customers / customers.delight_reference / 365.0  # the reference is in (0, 1)
    if not per_day > MAX_REFERRAL_LEADS_PER_DAY:
        return scenario
    scaled = customers.referrals_per_customer_per_year * MAX_REFERRAL_LEADS_PER_DAY / per_day
    return scenario.replace(**{"customers.referrals_per_customer_per_year": scaled})


@st.composite
def leaders(draw: st.DrawFn) -> Leader:
    """A leader profile: a background, and each attribute either its background default or a value in its range."""
    attrs: dict[str, Any] = {"background": draw(st.floats(0.0, 1.0))}
    for name, (lo, hi, _) in _RANGES.items():
        if name != "background":
            attrs[name] = draw(st.none() | st.floats(lo, hi)) if name != "salary_usd_per_year" else draw(st.floats(lo, hi))
    attrs["agreed_scoring_criteria"] = draw(st.booleans())
    return Leader(**attrs)


@st.composite
def structures(draw: st.DrawFn) -> Structure:
    """A reporting structure of one of the possible shapes, with random profiles."""
    shape = draw(st.sampled_from(["marketing_under_sales", "sales_under_marketing", "common_manager", "deep_chain"]))
    if shape == "marketing_under_sales":
        reports_to: dict[str, str | None] = {"s": None, "m": "s"}
    elif shape == "sales_under_marketing":
        reports_to = {"m": None, "s": "m"}
    elif shape == "common_manager":
        reports_to = {"top": None, "m": "top", "s": "top"}
    else:  # marketing under a VP under the CEO, sales directly under the CEO: the CEO integrates
        reports_to = {"top": None, "vp": "top", "m": "vp", "s": "top"}
    integrator = Structure("probe", "m", "s", reports_to, {r: Leader() for r in reports_to}).integrator_role
    profiles = {integrator: draw(leaders())}
    for role in reports_to:  # other roles may have a profile of their own (their salary) or not (a head's cost)
        if role != integrator and draw(st.booleans()):
            profiles[role] = draw(leaders())
    return Structure(shape, "m", "s", reports_to, profiles)


SEEDS = st.integers(0, 2**32 - 1)


# -- invariants ------------------------------------------------------------------------------------


def assert_leads_conserved(run: orgsim.RunResult) -> None:
    t = run.totals
    outcomes = sum(t[f"outcome_{o}"] for o in OUTCOMES)
    assert t["leads_created"] == outcomes, "every lead ends in exactly one outcome"
    assert t["leads_created"] == t["leads"], "leads created = the sum of leads by source"
    log = run.leads
    own = log[log.arrived_at >= 0]
    assert len(own) == t["leads_created"]
    counts = own.outcome.value_counts()
    for outcome in OUTCOMES:
        assert counts.get(outcome, 0) == t[f"outcome_{outcome}"], outcome


def assert_nothing_negative(run: orgsim.RunResult) -> None:
    series = run.series
    flows = [c for c in series.columns if c in FLOW_COUNTERS or (c.startswith("effort_") and c.endswith("_days"))]
    stocks = [c for c in series.columns if c.endswith("_stock")]
    for column in [*flows, *stocks, *NON_NEGATIVE_LEVELS]:
        assert (series[column] >= 0).all(), f"{column} is negative: {series[column].min()}"
    for name in ("bookings_usd", "costs_usd", "program_spend_usd", "wins", "leads_created"):
        assert run.totals[name] >= 0, name
    for name in stocks:
        assert run.totals[f"{name}_end"] >= 0, name
    log = run.leads
    assert (log.value.dropna() >= 0).all(), "a deal value is negative"
    # reps' time: the four activities account for every rep-hour on duty, in every period. They are
    # differences of cumulative sums, so rounding is relative to the run's total, not the period's.
    total = sum(series[name] for name in REP_ACTIVITIES)
    np.testing.assert_allclose(total, series["rep_hours_on_duty"], rtol=1e-9, atol=1e-9 * float(series["rep_hours_on_duty"].sum()) + 1e-6)
    # every booking belongs to a rep
    assert math.isclose(run.reps.bookings_usd.sum(), run.totals["bookings_usd"], rel_tol=1e-9, abs_tol=1e-6)


def assert_bookings_are_the_sum_of_won_deals(run: orgsim.RunResult) -> None:
    won = run.leads[run.leads.outcome == "won"]  # including deals carried in from the warm start
    assert won.won.all() and won.value.notna().all()
    assert len(won) == run.totals["wins"]
    assert math.isclose(math.fsum(won.value), run.totals["bookings_usd"], rel_tol=1e-9, abs_tol=1e-6)  # summation order only


def assert_sla_compliance_is_a_share(run: orgsim.RunResult) -> None:
    sla = run.series["sla_compliance"].dropna()
    assert ((sla >= 0) & (sla <= 1)).all()
    total = run.totals["sla_compliance"]
    assert math.isnan(total) or 0.0 <= total <= 1.0


def assert_series_complete(run: orgsim.RunResult, scenario: orgsim.Scenario) -> None:
    series, horizon, period = run.series, scenario.horizon_days, scenario.period_days
    rows = 1
    while rows * period < horizon:  # a period ends at every multiple of period_days before the horizon, and at the horizon
        rows += 1
    assert len(series) == rows
    assert series.start_day.iloc[0] == 0.0 and series.end_day.iloc[-1] == horizon
    np.testing.assert_array_equal(series.start_day.to_numpy()[1:], series.end_day.to_numpy()[:-1])
    for column in series.columns:
        values = series[column].to_numpy(dtype=float)
        if column in RATIOS:
            _, denominator = RATIOS[column]
            nothing = series[list(denominator)].sum(axis=1).to_numpy() == 0
            np.testing.assert_array_equal(np.isnan(values), nothing, err_msg=f"{column} is NaN where it can be measured")
            assert np.isfinite(values[~nothing]).all(), column
        else:
            assert np.isfinite(values).all(), f"{column} has NaN or infinity"
    for name, value in run.totals.items():
        if name == "share_of_reps_at_quota":  # NaN when no rep held a quota for a quarter or more
            assert math.isnan(value) or 0.0 <= value <= 1.0, value
            if horizon < 91:
                assert math.isnan(value)
        elif name in TOTAL_RATIOS:
            denominator = sum(run.totals[d] for d in TOTAL_RATIOS[name][1])
            assert math.isnan(value) == (denominator == 0), name
        elif name in ("net_revenue_retention", "gross_revenue_retention"):  # over the last year: NaN in a shorter run
            assert math.isnan(value) or value >= 0.0, (name, value)
            if horizon < 365:
                assert math.isnan(value), (name, value)
            if name == "gross_revenue_retention":
                assert math.isnan(value) or value <= 1.0, value
        else:
            assert math.isfinite(value), f"total {name} = {value}"


@settings(SETTINGS, max_examples=45)
@given(scenario=scenarios(), structure=st.none() | structures(), seed=SEEDS)
def test_every_run_conserves_leads_and_money_and_reports_complete_series(
    scenario: orgsim.Scenario, structure: Structure | None, seed: int
) -> None:
    run = orgsim.simulate(scenario, structure, seed=seed, record_leads=True)
    assert_leads_conserved(run)
    assert_nothing_negative(run)
    assert_bookings_are_the_sum_of_won_deals(run)
    assert_sla_compliance_is_a_share(run)
    assert_series_complete(run, scenario)


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a.values(), b.values(), strict=True))


@settings(SETTINGS, max_examples=12)
@given(scenario=scenarios(), structure=st.none() | structures(), seed=SEEDS)
def test_the_same_seed_gives_identical_results_with_or_without_the_lead_log(
    scenario: orgsim.Scenario, structure: Structure | None, seed: int
) -> None:
    a = orgsim.simulate(scenario, structure, seed=seed, record_leads=True)
    b = orgsim.simulate(scenario, structure, seed=seed)
    pd.testing.assert_frame_equal(a.series, b.series, check_exact=True)
    assert _same(a.totals, b.totals)


def _inbound_arrivals(run: orgsim.RunResult) -> np.ndarray:
    log = run.leads
    return log[(log.source == "inbound") & (log.arrived_at >= 0)].arrived_at.to_numpy()


@settings(SETTINGS, max_examples=12)
@given(
    scenario=scenarios(**{"mechanisms.brand_effect": False, "mechanisms.content_effect": False}),
    first=structures(),
    second=st.none() | structures(),
    seed=SEEDS,
)
def test_with_brand_and_content_effects_off_every_structure_sees_the_same_inbound_arrivals(
    scenario: orgsim.Scenario, first: Structure, second: Structure | None, seed: int
) -> None:
    a = orgsim.simulate(scenario, first, seed=seed, record_leads=True)
    b = orgsim.simulate(scenario, second, seed=seed, record_leads=True)
    np.testing.assert_array_equal(_inbound_arrivals(a), _inbound_arrivals(b))


@settings(SETTINGS, max_examples=12)
@given(scenario=scenarios(), first=structures(), second=st.none() | structures(), seed=SEEDS)
def test_inbound_arrivals_of_any_two_structures_are_nested_day_by_day(
    scenario: orgsim.Scenario, first: Structure, second: Structure | None, seed: int
) -> None:
    """Thinning shares the candidate arrivals: on each day the structure with the lower inbound
    rate sees a subset of the other's arrivals (identical days when the rates agree)."""
    arrivals = [_inbound_arrivals(orgsim.simulate(scenario, s, seed=seed, record_leads=True)) for s in (first, second)]
    for day in range(math.ceil(scenario.horizon_days)):
        a, b = ({x for x in times if day <= x < day + 1} for times in arrivals)
        assert a <= b or b <= a, f"day {day}: neither day's arrivals contain the other's"

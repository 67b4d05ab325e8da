"""Reporting structures: face validity over seeded replications, mechanism by mechanism.

Every difference between structures must come from leader attributes acting through the
mechanisms. Statistical checks use paired differences under common random numbers (replication
r of every structure shares its seed) and a stated tolerance:

* "higher"/"lower" claims: the one-sided 97.5% bound of the paired mean difference excludes 0
  (mean > t(0.975, R-1) x standard error);
* "at least as much": non-inferiority with a margin of 1% of the comparator's mean (the upper
  95% one-sided bound of the shortfall is below the margin);
* "removes the part of the difference it explains": with the mechanism off the difference is
  zero exactly where the quantity is deterministic, otherwise it shrinks to below a third of
  its size with the mechanism on, and where the test says so (``assert_gap_removed``) the whole
  95% t-interval of the remaining paired difference lies within that third;
* "overtakes ... and crossover reports when": the paired bookings difference at the horizon is
  positive (as above), the crossover is found in more replications than a fair coin would give
  (one-sided binomial test at 5%), and its median day falls before the horizon (with reps' time
  modelled, issue 13, it falls within the first quarter).

Replications: 20 over two quarters (whose first 91 days give the one-quarter claims), 8 over
three and five years, 12 with every mechanism on and 6 to 12 with one off over a year, and 1 to
4 where the quantity compared is deterministic or the test is about presence, not size.

The issue asks for marketing-under-sales to have lower SLA compliance than *each* other
structure. It is lower than sales-under-marketing's and the shared leader's, but not the siloed
structure's: the siloed CEO enforces the SLA even less (0.15 against the sales leader's 0.2) and
leaves disputes waiting, which adds unfollowed MQLs (over a year, marketing-under-sales minus
siloed is +0.022, SE 0.0035, 12 replications). "Sales-under-marketing: higher SLA compliance"
is tested against every other structure.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import orgsim
from orgsim.config import presets

MUS, SUM, SHARED, SILOED = "marketing_under_sales", "sales_under_marketing", "shared_leader", "siloed"
ALL = presets.all()


def run(
    structures: Mapping[str, orgsim.Structure],
    replications: int,
    horizon_days: float,
    scenario: orgsim.Scenario | None = None,
    seed: int = 7,
) -> orgsim.Experiment:
    return orgsim.compare(
        scenario or orgsim.Scenario(), structures, replications=replications, seed=seed, horizon_days=horizon_days, progress=False
    )


def per_replication(experiment: orgsim.Experiment, metric: str) -> pd.DataFrame:
    """replication x structure table of one of ``RunResult.totals``."""
    return experiment.totals(metric)


def paired(a: pd.Series, b: pd.Series) -> tuple[float, float, int]:
    d = (a - b).to_numpy(dtype=float)
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d))), len(d)


def assert_higher(a: pd.Series, b: pd.Series) -> None:
    mean, se, n = paired(a, b)
    assert mean > stats.t.ppf(0.975, n - 1) * se, (mean, se)


def assert_gap_removed(gap_on: pd.Series, gap_off: pd.Series) -> None:
    """With the mechanism off, the gap's 95% interval lies within a third of its size with it on."""
    mean_on = float(gap_on.mean())
    mean_off, se_off, n_off = float(gap_off.mean()), float(gap_off.std(ddof=1) / math.sqrt(len(gap_off))), len(gap_off)
    assert abs(mean_off) + stats.t.ppf(0.975, n_off - 1) * se_off < abs(mean_on) / 3, (mean_on, mean_off, se_off)


def long_term_share(experiment: orgsim.Experiment) -> pd.DataFrame:
    return per_replication(experiment, "long_term_effort_share")


# -- the stylized facts ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_quarters() -> orgsim.Experiment:
    return run(ALL, replications=20, horizon_days=182)


@pytest.fixture(scope="module")
def three_years() -> orgsim.Experiment:
    return run(ALL, replications=8, horizon_days=1095)


@pytest.fixture(scope="module")
def five_years() -> orgsim.Experiment:
    return run({SHARED: ALL[SHARED], MUS: ALL[MUS]}, replications=8, horizon_days=1825)


# With reps' time modelled (issue 13) the first round's short-horizon claim, that
# marketing-under-sales books at least as much as every other structure over one and two
# quarters, no longer holds: answering MQLs sooner (sales-under-marketing's and the shared
# leader's SLA enforcement shortens reps' queue checks) pays within weeks. Measured here (20
# replications, seed 7): over two quarters the shared leader +$482k (SE $65k) and
# sales-under-marketing +$226k (SE $59k) against marketing-under-sales, siloed -$388k (SE $65k);
# over one quarter the shared leader +$95k (SE $32k), sales-under-marketing -$22k (SE $41k: not
# told apart), siloed -$151k (SE $38k).
@pytest.mark.parametrize("other", [SUM, SHARED])
def test_over_two_quarters_answering_sooner_books_more_than_marketing_under_sales(two_quarters: orgsim.Experiment, other: str) -> None:
    bookings = per_replication(two_quarters, "bookings_usd")
    assert_higher(bookings[other], bookings[MUS])


def test_over_two_quarters_marketing_under_sales_books_more_than_siloed(two_quarters: orgsim.Experiment) -> None:
    bookings = per_replication(two_quarters, "bookings_usd")
    assert_higher(bookings[MUS], bookings[SILOED])


def bookings_by_day(experiment: orgsim.Experiment, day: float) -> pd.DataFrame:
    """replication x structure table of bookings in the periods ending on or before ``day``.

    No mechanism looks ahead at the horizon, so the first 91 days of a longer run are exactly a
    91-day run (docs/studies/structures.py checks this bit for bit)."""
    frame = experiment.to_frame()
    wide = frame[frame.metric.isin(["bookings_usd", "end_day"])].pivot_table(
        index=["structure", "replication", "period"], columns="metric", values="value", observed=True
    )
    early = wide[wide.end_day <= day]
    return early.groupby(["replication", "structure"], observed=True).bookings_usd.sum().unstack("structure")


def test_over_one_quarter_the_shared_leader_already_books_more_and_siloed_less(two_quarters: orgsim.Experiment) -> None:
    bookings = bookings_by_day(two_quarters, 91)
    assert len(bookings) == 20
    assert_higher(bookings[SHARED], bookings[MUS])
    assert_higher(bookings[MUS], bookings[SILOED])


def test_over_three_years_the_shared_leader_overtakes_marketing_under_sales(three_years: orgsim.Experiment) -> None:
    bookings = per_replication(three_years, "bookings_usd")
    assert_higher(bookings[SHARED], bookings[MUS])
    crossover = three_years.crossover(SHARED, MUS, metric="bookings")
    summary = crossover.summary().iloc[0]
    ahead = (bookings[SHARED] > bookings[MUS]).sum()
    assert summary["crossed"] == ahead  # reported exactly where the shared leader ends ahead
    assert stats.binomtest(int(summary["crossed"]), int(summary["replications"]), 0.5, alternative="greater").pvalue < 0.05
    # The first round found the crossover after a year; with reps' time modelled the shared leader
    # is ahead within the first quarter (median day 63, 8 replications) and stays ahead.
    assert 0 < summary["median_day"] < 1095


def test_over_five_years_the_shared_leader_overtakes_marketing_under_sales(five_years: orgsim.Experiment) -> None:
    bookings = per_replication(five_years, "bookings_usd")
    assert_higher(bookings[SHARED], bookings[MUS])
    summary = five_years.crossover(SHARED, MUS, metric="bookings").summary().iloc[0]
    assert summary["crossed"] == 8
    assert 0 < summary["median_day"] < 1825  # ahead early (median day 63 in the three-year runs), and stays ahead


@pytest.mark.parametrize("other", [SUM, SHARED])
def test_marketing_under_sales_follows_up_fewer_marketing_leads_within_the_sla(three_years: orgsim.Experiment, other: str) -> None:
    sla = per_replication(three_years, "sla_compliance")
    assert_higher(sla[other], sla[MUS])


@pytest.mark.parametrize("other", [SUM, SHARED, SILOED])
def test_marketing_under_sales_gives_long_term_work_a_lower_share(three_years: orgsim.Experiment, other: str) -> None:
    share = long_term_share(three_years)
    assert_higher(share[other], share[MUS])


@pytest.mark.parametrize("other", [SUM, SHARED, SILOED])
def test_marketing_under_sales_ends_with_a_lower_brand_stock(three_years: orgsim.Experiment, other: str) -> None:
    brand = per_replication(three_years, "brand_stock_end")
    assert_higher(brand[other], brand[MUS])


@pytest.mark.parametrize("other", [MUS, SHARED, SILOED])
def test_sales_under_marketing_has_higher_sla_compliance(three_years: orgsim.Experiment, other: str) -> None:
    sla = per_replication(three_years, "sla_compliance")
    assert_higher(sla[SUM], sla[other])


@pytest.mark.parametrize("other", [MUS, SHARED, SILOED])
def test_sales_under_marketing_has_lower_rep_effectiveness(three_years: orgsim.Experiment, other: str) -> None:
    effectiveness = per_replication(three_years, "rep_effectiveness_end")
    assert (effectiveness[other] > effectiveness[SUM]).all()  # deterministic: coaching by the integrator


@pytest.mark.parametrize("other", [MUS, SHARED, SILOED])
def test_sales_under_marketing_gives_deeper_discounts(three_years: orgsim.Experiment, other: str) -> None:
    discount = per_replication(three_years, "mean_discount")
    assert_higher(discount[SUM], discount[other])


# -- each mechanism explains its part --------------------------------------------------------


def off(*switches: str) -> orgsim.Scenario:
    return orgsim.Scenario().replace(**{f"mechanisms.{s}": False for s in switches})


PAIR = {MUS: ALL[MUS], SUM: ALL[SUM]}


@pytest.fixture(scope="module")
def pair_year() -> orgsim.Experiment:
    """Marketing under sales and sales under marketing over a year, every mechanism on."""
    return run(PAIR, 12, 365)


def test_planning_allocation_explains_the_long_term_share_gap(pair_year: orgsim.Experiment) -> None:
    on = long_term_share(pair_year)
    without = long_term_share(run(PAIR, 6, 365, off("planning_allocation")))
    gap_on, gap_off = (on[SUM] - on[MUS]).mean(), (without[SUM] - without[MUS]).mean()
    assert gap_on > 0.15
    assert abs(gap_off) < gap_on / 3
    assert_gap_removed(on[SUM] - on[MUS], without[SUM] - without[MUS])


def test_with_allocation_pressure_and_escalation_off_marketing_effort_is_identical_across_structures() -> None:
    experiment = run(ALL, 3, 365, off("planning_allocation", "quota_pressure", "escalation"))
    effort = per_replication(experiment, "effort_long_days")
    for structure in ALL:
        np.testing.assert_array_equal(effort[structure].to_numpy(), effort[MUS].to_numpy())


def test_quota_pressure_explains_rush_work_and_part_of_the_long_term_gap(pair_year: orgsim.Experiment) -> None:
    on, without = pair_year, run(PAIR, 12, 365, off("quota_pressure", "escalation"))
    for metric in ("rush_projects", "projects_preempted"):  # only rush work preempts
        assert_higher(per_replication(on, metric)[MUS], per_replication(on, metric)[SUM])
        assert per_replication(on, metric)[SUM].mean() > 0
        assert (per_replication(without, metric).to_numpy() == 0).all()
    share_on, share_off = long_term_share(on)[MUS], long_term_share(without)[MUS]
    assert_higher(share_off, share_on)  # pressure preempts sales-led long-term work


@pytest.fixture(scope="module")
def pair_year_without_discipline() -> orgsim.Experiment:
    return run(PAIR, 6, 365, off("follow_up_discipline"))


def test_follow_up_discipline_explains_the_unfollowed_gap(
    pair_year: orgsim.Experiment, pair_year_without_discipline: orgsim.Experiment
) -> None:
    on = per_replication(pair_year, "unfollowed_mql_share")
    without = per_replication(pair_year_without_discipline, "unfollowed_mql_share")
    gap_on, gap_off = (on[MUS] - on[SUM]).mean(), (without[MUS] - without[SUM]).mean()
    assert gap_on > 0.05
    assert abs(gap_off) < gap_on / 3
    assert_gap_removed(on[MUS] - on[SUM], without[MUS] - without[SUM])


def test_follow_up_discipline_explains_the_sla_compliance_gap(
    pair_year: orgsim.Experiment, pair_year_without_discipline: orgsim.Experiment
) -> None:
    on = per_replication(pair_year, "sla_compliance")
    without = per_replication(pair_year_without_discipline, "sla_compliance")
    assert_higher(on[SUM], on[MUS])
    assert_gap_removed(on[SUM] - on[MUS], without[SUM] - without[MUS])


def test_sales_effectiveness_explains_the_rep_effectiveness_gap() -> None:
    on = per_replication(run(PAIR, 2, 120), "rep_effectiveness_end")
    without = per_replication(run(PAIR, 2, 120, off("sales_effectiveness")), "rep_effectiveness_end")
    assert (on[MUS] > on[SUM]).all()
    np.testing.assert_array_equal(without[MUS].to_numpy(), without[SUM].to_numpy())


def test_discount_authority_explains_the_discount_gap_before_any_pressure() -> None:
    def first_target(experiment: orgsim.Experiment) -> pd.DataFrame:
        frame = experiment.to_frame()
        frame = frame[(frame.metric == "discount_target") & (frame.period == 0)]
        return frame.pivot_table(index="replication", columns="structure", values="value")

    on = first_target(run(PAIR, 2, 30))
    without = first_target(run(PAIR, 2, 30, off("discount_authority")))
    assert (on[SUM] > on[MUS]).all()
    np.testing.assert_array_equal(without[SUM].to_numpy(), without[MUS].to_numpy())


def test_discount_authority_explains_the_realised_discount_gap_over_a_year(pair_year: orgsim.Experiment) -> None:
    on = per_replication(pair_year, "mean_discount")
    without = per_replication(run(PAIR, 6, 365, off("discount_authority")), "mean_discount")
    assert_higher(on[SUM], on[MUS])
    assert_gap_removed(on[SUM] - on[MUS], without[SUM] - without[MUS])


def test_scoring_criteria_explain_the_shared_leaders_lower_scoring_noise() -> None:
    scenario = off("automation_effect", "crm_learning")  # isolate the criteria

    def noise(s: orgsim.Scenario, structure: orgsim.Structure) -> float:
        leads = orgsim.simulate(s, structure, seed=3, horizon_days=180, record_leads=True).leads
        inbound = leads[leads.source == "inbound"]
        return float((inbound.score - inbound.quality).std())

    ratio_on = noise(scenario, ALL[SHARED]) / noise(scenario, ALL[SILOED])
    ratio_off = noise(scenario.replace(**{"mechanisms.scoring_criteria": False}), ALL[SHARED]) / noise(
        scenario.replace(**{"mechanisms.scoring_criteria": False}), ALL[SILOED]
    )
    # about 5,000 inbound leads each: the sd of a sample sd is ~1% of it, so 0.05 is 5 standard errors
    assert ratio_on == pytest.approx(1 - scenario.leadership.agreed_criteria_noise_cut, abs=0.05)
    assert ratio_off == pytest.approx(1.0, abs=0.05)


def test_crm_learning_explains_the_learning_gap() -> None:
    on = per_replication(run(PAIR, 2, 365), "crm_learning_end")
    without = per_replication(run(PAIR, 2, 365, off("crm_learning")), "crm_learning_end")
    assert (on[SUM] > on[MUS]).all()  # a stricter CRM discipline logs more
    assert (without.to_numpy() == 0).all()


def test_escalation_explains_dispute_waits_and_rework() -> None:
    pair = {SILOED: ALL[SILOED], SHARED: ALL[SHARED]}
    on = run(pair, 4, 365)
    waits = per_replication(on, "mean_dispute_wait_days")
    assert_higher(waits[SILOED], waits[SHARED])  # a CEO with little attention is a slow integrator
    without = run(pair, 2, 365, off("escalation"))
    assert (per_replication(without, "disputes").to_numpy() == 0).all()
    assert (per_replication(without, "rework_usd").to_numpy() == 0).all()


def test_leader_costs_explain_the_shared_leaders_extra_salary() -> None:
    on = per_replication(run(ALL, 1, 91), "leader_costs_usd")
    assert on[SHARED].iloc[0] > on[MUS].iloc[0] > on[SILOED].iloc[0] > 0
    without = per_replication(run(ALL, 1, 91, off("leader_costs")), "leader_costs_usd")
    assert (without.to_numpy() == 0).all()


def test_growth_stage_adds_channels_and_headcount() -> None:
    scaleup = orgsim.Scenario.from_toml(Path(__file__).parent.parent / "scenarios" / "scaleup.toml")
    on = run({SHARED: ALL[SHARED]}, 1, 360, scaleup)  # quarters start on days 91, 182 and 273
    without = run({SHARED: ALL[SHARED]}, 1, 360, scaleup.replace(**{"mechanisms.growth_stage": False}))
    assert per_replication(on, "leads_channel")[SHARED].iloc[0] > 0
    assert per_replication(on, "reps_end")[SHARED].iloc[0] == scaleup.sales.reps + 3 * scaleup.growth.rep_hires_per_quarter
    assert per_replication(without, "leads_channel")[SHARED].iloc[0] == 0
    assert per_replication(without, "reps_end")[SHARED].iloc[0] == scaleup.sales.reps



def test_hired_reps_prospect_too() -> None:
    """Prospecting hours follow the current headcount: hires add outbound leads, never remove them.

    No structure, 5 hires a quarter on the default team of 10: the team grows from 10 to 25 by
    the fourth quarter, and each rep prospects in their spare time. Outbound counts
    are Poisson, so the test asks the fourth quarter to exceed the first by four standard
    deviations of their difference (sqrt(q1 + q4)); the expected gain is about 2.5x.
    """
    scenario = orgsim.Scenario().replace(**{"growth.rep_hires_per_quarter": 5})
    series = orgsim.simulate(scenario, seed=3, horizon_days=364).series
    quarter = (series["start_day"] // 91).astype(int)
    outbound = series.groupby(quarter)["leads_outbound"].sum()
    q1, q4 = outbound.iloc[0], outbound.iloc[3]
    assert q1 > 0
    assert q4 - q1 > 4.0 * (q1 + q4) ** 0.5, outbound.to_dict()

# -- presets are data ------------------------------------------------------------------------


def test_a_custom_structure_with_the_same_attributes_gives_bit_identical_results() -> None:
    preset = presets.sales_under_marketing()
    custom = orgsim.Structure(
        name="my own",
        marketing_head="chief_marketing_officer",
        sales_head="vp_sales",
        reports_to={"chief_marketing_officer": None, "vp_sales": "chief_marketing_officer"},
        leaders={"chief_marketing_officer": orgsim.Leader(background=1.0)},
    )
    a = orgsim.simulate(structure=preset, seed=21, horizon_days=365, record_leads=True)
    b = orgsim.simulate(structure=custom, seed=21, horizon_days=365, record_leads=True)
    pd.testing.assert_frame_equal(a.series, b.series, check_exact=True)
    pd.testing.assert_frame_equal(a.leads, b.leads, check_exact=True)


def renamed(structure: orgsim.Structure) -> orgsim.Structure:
    """The same structure with its name and every role renamed: only attributes are left."""
    role = {old: f"role_{i}" for i, old in enumerate(structure.reports_to)}
    return orgsim.Structure(
        name="renamed",
        marketing_head=role[structure.marketing_head],
        sales_head=role[structure.sales_head],
        reports_to={role[r]: None if boss is None else role[boss] for r, boss in structure.reports_to.items()},
        leaders={role[r]: leader for r, leader in structure.leaders.items()},
    )


@pytest.mark.parametrize("preset", list(ALL))
def test_every_preset_renamed_gives_bit_identical_results(preset: str) -> None:
    a = orgsim.simulate(structure=ALL[preset], seed=22, horizon_days=182)
    b = orgsim.simulate(structure=renamed(ALL[preset]), seed=22, horizon_days=182)
    pd.testing.assert_frame_equal(a.series, b.series, check_exact=True)


def test_no_model_code_compares_against_a_structure_or_role_name() -> None:
    names = set(ALL) | {role for s in ALL.values() for role in s.reports_to}
    package = Path(orgsim.__file__).parent
    offenders = []
    for path in package.glob("*.py"):
        if path.name == "presets.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                offenders.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert offenders == []

"""Reporting structures: face validity over seeded replications, mechanism by mechanism.

Every difference between structures comes from the reporting lines (the position mechanisms,
``tests/test_positions.py``) and from who holds the seats acting through the mechanisms.
Statistical checks use paired differences under common random numbers (replication r of every
structure shares its seed and, with sampled leaders, the same talent quantile in each seat) and
a stated tolerance:

* "higher"/"lower" claims: the one-sided 97.5% bound of the paired mean difference excludes 0
  (mean > t(0.975, R-1) x standard error);
* "removes the part of the difference it explains": with the mechanism off the difference is
  zero exactly where the quantity is deterministic, otherwise it shrinks to below a third of
  its size with the mechanism on, and where the test says so (``assert_gap_removed``) the whole
  95% t-interval of the remaining paired difference lies within that third;
* "overtakes ... and crossover reports when": the paired bookings difference at the horizon is
  positive (as above) and the crossover is found in more replications than a fair coin would
  give (one-sided binomial test at 5%).

The stylized facts are tested with sampled leaders (the default of ``compare``): equally
talented people in every structure, so a fact that holds is a fact about reporting lines and
seat backgrounds, under the default ``LeaderPopulation`` and position coefficients (stated
assumptions). Measured at seed 7 with 8 replications over three years (t = mean / SE):
sales-under-marketing books more than marketing-under-sales (+$3.39M, t 11.9), the shared
leader (+$1.32M, t 7.4) and siloed (+$1.99M, t 4.9); the shared leader books more than
marketing-under-sales too (+$2.07M, t 5.8; before customers, the workforce and budgets were on,
+$0.61M, t 1.7, not told apart). No claim is made over one or two
quarters: at seed 7 (20 replications) the shared leader out-booked siloed over two quarters
(t 3.0), but not at seed 2024 with 30 replications (docs/structures.md: -$36k [-124k, +51k]),
so it is not a fact of the model. Under the seeds' hand-set profiles
(``presets.all("seed")``, fixed) the shared leader leads instead (+$5.2M over
marketing-under-sales, t 11.8): the first round's headline was about those people.

The mechanism tests hold the seats with fixed plain profiles of each seat's background
(``leaders="fixed"``), so each difference is deterministic in the people and only the market
is random. Replications: 8 over three years, 12 with every mechanism on
and 6 to 12 with one off over a year, and 1 to 4 where the quantity compared is deterministic
or the test is about presence, not size.
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
SEED_PROFILES = presets.all("seed")


def run(
    structures: Mapping[str, orgsim.Structure],
    replications: int,
    horizon_days: float,
    scenario: orgsim.Scenario | None = None,
    seed: int = 7,
    leaders: str = "fixed",
) -> orgsim.Experiment:
    return orgsim.compare(
        scenario or orgsim.Scenario(),
        structures,
        replications=replications,
        seed=seed,
        horizon_days=horizon_days,
        progress=False,
        leaders=leaders,
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


# -- the stylized facts, with equally talented people (sampled leaders) -----------------------


@pytest.fixture(scope="module")
def three_years() -> orgsim.Experiment:
    return run(ALL, replications=8, horizon_days=1095, leaders="sampled")


@pytest.mark.parametrize("other", [MUS, SHARED, SILOED])
def test_over_three_years_sales_under_marketing_books_the_most_with_equal_talent(three_years: orgsim.Experiment, other: str) -> None:
    bookings = per_replication(three_years, "bookings_usd")
    assert_higher(bookings[SUM], bookings[other])


def test_over_three_years_the_shared_leader_books_more_than_marketing_under_sales(three_years: orgsim.Experiment) -> None:
    """A claim since programme budgets are on (docs/structures.md: +$2.91M [+2.46, +3.35]); before, not told apart."""
    bookings = per_replication(three_years, "bookings_usd")
    assert_higher(bookings[SHARED], bookings[MUS])


def test_sales_under_marketing_overtakes_marketing_under_sales_and_the_crossover_says_so(three_years: orgsim.Experiment) -> None:
    bookings = per_replication(three_years, "bookings_usd")
    summary = three_years.crossover(SUM, MUS, metric="bookings").summary().iloc[0]
    assert summary["crossed"] == (bookings[SUM] > bookings[MUS]).sum()  # reported exactly where it ends ahead
    assert stats.binomtest(int(summary["crossed"]), int(summary["replications"]), 0.5, alternative="greater").pvalue < 0.05
    assert 0 < summary["median_day"] < 1095


def test_under_the_seeds_profiles_the_shared_leader_leads_instead() -> None:
    """The first round's headline holds for the hand-set people, not for equal talent."""
    bookings = per_replication(run({SHARED: SEED_PROFILES[SHARED], MUS: SEED_PROFILES[MUS]}, 8, 1095), "bookings_usd")
    assert_higher(bookings[SHARED], bookings[MUS])


@pytest.mark.parametrize("other", [SUM, SHARED, SILOED])
def test_marketing_under_sales_gives_long_term_work_a_lower_share(three_years: orgsim.Experiment, other: str) -> None:
    share = long_term_share(three_years)
    assert_higher(share[other], share[MUS])


@pytest.mark.parametrize("other", [SUM, SHARED, SILOED])
def test_marketing_under_sales_ends_with_a_lower_brand_stock(three_years: orgsim.Experiment, other: str) -> None:
    # measured -0.41 to -0.43 against each (t 3.5 to 4.6). Programme budgets made the gap: without them
    # marketing-under-sales ends at 0.44 (with them 0.20; with them but no cuts under pressure 0.23), and
    # against the shared leader it was -0.19 (t 2.3), not told apart
    brand = per_replication(three_years, "brand_stock_end")
    assert_higher(brand[other], brand[MUS])


@pytest.mark.parametrize("other", [MUS, SHARED, SILOED])
def test_sales_under_marketing_has_higher_sla_compliance(three_years: orgsim.Experiment, other: str) -> None:
    sla = per_replication(three_years, "sla_compliance")
    assert_higher(sla[SUM], sla[other])


@pytest.mark.parametrize("other", [MUS, SHARED])
def test_sales_under_marketing_has_lower_rep_effectiveness(three_years: orgsim.Experiment, other: str) -> None:
    # against siloed -0.018 (SE 0.009, t 2.0): not told apart at 8 replications since ramping replacements of
    # leavers add noise (docs/structures.md tells it apart at 30: 0.729 against 0.749)
    effectiveness = per_replication(three_years, "rep_effectiveness_end")
    assert_higher(effectiveness[other], effectiveness[SUM])


@pytest.mark.parametrize("other", [MUS, SHARED, SILOED])
def test_sales_under_marketing_gives_deeper_discounts(three_years: orgsim.Experiment, other: str) -> None:
    discount = per_replication(three_years, "mean_discount")
    assert_higher(discount[SUM], discount[other])


@pytest.mark.parametrize("other", [SUM, SHARED])
def test_the_siloed_structure_leaves_more_mqls_unfollowed(three_years: orgsim.Experiment, other: str) -> None:
    """The siloed SLA question, answered by position: the CEO's span leaves disputes waiting
    (each adds to the unfollowed share), whoever the CEO is."""
    unfollowed = per_replication(three_years, "unfollowed_mql_share")
    assert_higher(unfollowed[SILOED], unfollowed[other])
    waits = per_replication(three_years, "mean_dispute_wait_days")
    assert_higher(waits[SILOED], waits[other])


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
    for metric in ("rush_projects", "projects_preempted"):
        assert_higher(per_replication(on, metric)[MUS], per_replication(on, metric)[SUM])
        assert per_replication(on, metric)[SUM].mean() > 0
    assert (per_replication(without, "rush_projects").to_numpy() == 0).all()
    # what still preempts without pressure is a marketer leaving (workforce): at most one project each
    preempted, left = per_replication(without, "projects_preempted"), per_replication(without, "marketers_left")
    assert (preempted.to_numpy() <= left.to_numpy()).all() and (left.to_numpy() > 0).any()
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
    without = per_replication(run(PAIR, 12, 365, off("discount_authority")), "mean_discount")
    assert_higher(on[SUM], on[MUS])
    # without discount authority the CMO's higher discounts are gone: the upper end of the remaining
    # gap's 95% interval is below a third of the gap with it on. What is left leans the other way
    # (measured at seed 7, 12 replications: +8.5 per 1,000 on, -2.6 +- 1.4 off): the CSO carries the
    # number with a sales background's quota sensitivity and gives more pressure discounts
    mean_off, se_off, n_off = paired(without[SUM], without[MUS])
    mean_on = float((on[SUM] - on[MUS]).mean())
    assert mean_off + stats.t.ppf(0.975, n_off - 1) * se_off < mean_on / 3, (mean_on, mean_off, se_off)
    neither = per_replication(run(PAIR, 12, 365, off("discount_authority", "quota_pressure")), "mean_discount")
    assert_gap_removed(on[SUM] - on[MUS], neither[SUM] - neither[MUS])


def test_scoring_criteria_explain_the_seed_shared_leaders_lower_scoring_noise() -> None:
    scenario = off("automation_effect", "crm_learning")  # isolate the criteria

    def noise(s: orgsim.Scenario, structure: orgsim.Structure) -> float:
        leads = orgsim.simulate(s, structure, seed=3, horizon_days=180, record_leads=True).leads
        inbound = leads[leads.source == "inbound"]
        return float((inbound.score - inbound.quality).std())

    shared, siloed = SEED_PROFILES[SHARED], SEED_PROFILES[SILOED]  # the seeds' shared leader works to agreed criteria
    ratio_on = noise(scenario, shared) / noise(scenario, siloed)
    ratio_off = noise(scenario.replace(**{"mechanisms.scoring_criteria": False}), shared) / noise(
        scenario.replace(**{"mechanisms.scoring_criteria": False}), siloed
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
    on = run(pair, 8, 365)  # waits are heavy-tailed: 4 replications gave t = 3.05 against 3.18
    waits = per_replication(on, "mean_dispute_wait_days")
    assert_higher(waits[SILOED], waits[SHARED])  # a CEO with seven reports gives the interface 2/7 of their attention
    without = run(pair, 2, 365, off("escalation"))
    assert (per_replication(without, "disputes").to_numpy() == 0).all()
    assert (per_replication(without, "rework_usd").to_numpy() == 0).all()


def test_leader_costs_explain_the_shared_leaders_extra_salary() -> None:
    on = per_replication(run(ALL, 1, 91), "leader_costs_usd")
    # a CRO above two heads; two heads and 2/7 of a CEO; a CSO or CMO above one head
    assert on[SHARED].iloc[0] > on[SILOED].iloc[0] > on[MUS].iloc[0] == on[SUM].iloc[0] > 0
    without = per_replication(run(ALL, 1, 91, off("leader_costs")), "leader_costs_usd")
    assert (without.to_numpy() == 0).all()


def test_growth_stage_adds_channels_and_headcount() -> None:
    # people who leave and hiring lags are tested in tests/test_workforce.py: off here, the headcount is the plan's
    scaleup = orgsim.Scenario.from_toml(Path(__file__).parent.parent / "scenarios" / "scaleup.toml").replace(
        **{"mechanisms.attrition": False, "mechanisms.hiring_lag": False}
    )
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
        quota_owner="chief_marketing_officer",
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
        quota_owner=None if structure.quota_owner is None else role[structure.quota_owner],
        backgrounds={role[r]: b for r, b in structure.backgrounds.items()},
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
    for path in [*package.glob("*.py"), *(package / "model").rglob("*.py"), *(package / "config").rglob("*.py")]:
        if path.name == "presets.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                offenders.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert offenders == []

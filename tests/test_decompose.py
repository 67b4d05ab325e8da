"""Experiment.decompose: what separates two structures, split into reporting lines, seat
backgrounds and talent by Shapley values over the eight hybrids of their factors.

Grouped as the specification reads: the hybrids (the two ends repeat the experiment's runs bit
for bit; seats matched by kind; talent moved between backgrounds), the decomposition's
accounting (components add up to the paired difference), the cases whose answer is known
exactly (one structure with two profiles: all talent; two structures that differ only in seat
backgrounds: no lines, no talent), sampled leaders, and refusing bad input before anything runs.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pandas as pd
import pytest

import orgsim
from orgsim.config.errors import ValidationError
from orgsim.config.structure import Leader
from orgsim.experiment import decompose as decompose_module
from orgsim.experiment.decompose import COMPONENTS, FACTORS, hybrid, hybrid_values, moved_holder, shapley
from orgsim.experiment.holders import seat_draws
from orgsim.experiment.results import FAILURE_COLUMNS
from orgsim.experiment.study import _run_task, _Task

REPS = 4
HORIZON = 60
METRIC = "bookings_usd"
#: The shared leader with its seats tilted: the same lines, other seat backgrounds, typical holders.
TILTED = orgsim.presets.shared_leader().replace(
    name="tilted", backgrounds={"cro": 0.4, "head_of_marketing": 0.8, "head_of_sales": 0.2}, leaders={"cro": Leader(background=0.4)}
)


def _structures() -> dict[str, orgsim.Structure | None]:
    return {
        "plain": orgsim.presets.shared_leader(),
        "seed": orgsim.presets.shared_leader("seed"),
        "tilted": TILTED,
        "siloed": orgsim.presets.siloed("seed"),
        "mus": orgsim.presets.marketing_under_sales(),
        "none": None,
    }


def _compare(leaders: str, structures: dict[str, orgsim.Structure | None]) -> orgsim.Experiment:
    return orgsim.compare(
        None, structures, replications=REPS, seed=11, horizon_days=HORIZON, executor="serial", progress=False, leaders=leaders
    )


@pytest.fixture(scope="module")
def fixed() -> orgsim.Experiment:
    return _compare("fixed", _structures())


@pytest.fixture(scope="module")
def sampled() -> orgsim.Experiment:
    # the plain siloed preset: a hand-set holder (the seeds' CEO) is kept under sampling, not drawn
    structures = {k: v for k, v in _structures().items() if k != "seed"}
    return _compare("sampled", {**structures, "siloed": orgsim.presets.siloed()})


@pytest.fixture(scope="module")
def decompositions(fixed: orgsim.Experiment, sampled: orgsim.Experiment) -> dict[tuple[str, str, str], pd.DataFrame]:
    """(leaders, a, b) -> the decomposition, each computed once."""
    pairs = {"fixed": [("plain", "seed"), ("plain", "tilted"), ("siloed", "mus")], "sampled": [("siloed", "mus"), ("siloed", "plain")]}
    experiments = {"fixed": fixed, "sampled": sampled}
    return {
        (leaders, a, b): experiments[leaders].decompose(a, b, METRIC, executor="serial", progress=False)
        for leaders, pairs_of in pairs.items()
        for a, b in pairs_of
    }


@pytest.fixture(scope="module")
def values(fixed: orgsim.Experiment, sampled: orgsim.Experiment) -> dict[str, pd.DataFrame]:
    """leaders -> the hybrids' values of siloed (a) and marketing under sales (b), each computed once."""
    return {
        leaders: hybrid_values(exp, "siloed", "mus", METRIC, executor="serial", progress=False)
        for leaders, exp in (("fixed", fixed), ("sampled", sampled))
    }


def _rerun(exp: orgsim.Experiment, structure: orgsim.Structure, r: int) -> float:
    task = _Task(orgsim.Scenario.from_dict(exp.meta["scenario"]), structure, exp.seed, (r,), float(exp.meta["horizon_days"]))
    record = _run_task(task)
    return float(record.total_values[list(record.total_names).index(METRIC)])


# -- the hybrids -----------------------------------------------------------------------------
@pytest.mark.parametrize("leaders", ["fixed", "sampled"])
@pytest.mark.parametrize("label", ["siloed", "mus"])
def test_the_hybrid_of_one_structure_is_that_structure_as_run_and_repeats_its_runs_bit_for_bit(
    leaders: str, label: str, fixed: orgsim.Experiment, sampled: orgsim.Experiment
) -> None:
    exp = fixed if leaders == "fixed" else sampled
    for r in range(REPS):
        structure = hybrid(exp, label, label, label, r)
        assert structure == exp.structure_as_run(label, r)
        assert _rerun(exp, structure, r) == exp.totals(METRIC).loc[r, label]  # bit for bit


@pytest.mark.parametrize("leaders", ["fixed", "sampled"])
def test_the_ends_of_the_value_table_are_the_experiments_own_runs(
    leaders: str, fixed: orgsim.Experiment, sampled: orgsim.Experiment, values: dict[str, pd.DataFrame]
) -> None:
    exp = fixed if leaders == "fixed" else sampled
    table = values[leaders]
    assert list(table.columns.names) == list(FACTORS)
    assert table.shape == (REPS, 8)
    totals = exp.totals(METRIC)
    assert np.array_equal(table[("siloed", "siloed", "siloed")].to_numpy(), totals["siloed"].to_numpy())
    assert np.array_equal(table[("mus", "mus", "mus")].to_numpy(), totals["mus"].to_numpy())
    r = 2  # and a middle hybrid is what the structure built for it gives when run on its own
    assert table.loc[r, ("mus", "siloed", "mus")] == _rerun(exp, hybrid(exp, "mus", "siloed", "mus", r), r)


def test_seats_are_matched_by_kind_and_a_dual_role_gives_the_integrators_holder(fixed: orgsim.Experiment) -> None:
    # shared lines, marketing-under-sales people: the CSO's profile integrates and heads sales
    cso = fixed.structure_as_run("mus", 0).leaders["cso"]
    mixed = hybrid(fixed, "plain", "mus", "mus", 0)
    assert mixed.reports_to == orgsim.presets.shared_leader().reports_to
    assert mixed.integrator == cso
    assert mixed.holder("head_of_sales") == cso.replace(salary_usd_per_year=orgsim.Scenario().costs.head_cost_usd_per_year)
    assert mixed.holder("head_of_marketing") == Leader(background=1.0, salary_usd_per_year=orgsim.Scenario().costs.head_cost_usd_per_year)
    # marketing-under-sales lines, shared people: the CRO integrates (and heads sales); the shared head of sales has no seat
    other = hybrid(fixed, "mus", "plain", "plain", 0)
    assert set(other.reports_to) == {"cso", "head_of_marketing"}
    assert other.integrator == Leader(background=0.5)
    assert other.seat_background("head_of_marketing") == 1.0


def test_a_position_keeps_its_pay_whoever_holds_it(fixed: orgsim.Experiment) -> None:
    # the seed profile of the siloed CEO is paid 0; in shared lines the CRO's seat pays 250k
    mixed = hybrid(fixed, "plain", "siloed", "siloed", 0)
    assert mixed.integrator.salary_usd_per_year == 250_000.0
    assert mixed.integrator.attention == orgsim.presets.siloed("seed").integrator.attention
    ceo = hybrid(fixed, "siloed", "plain", "plain", 0)
    assert ceo.integrator.salary_usd_per_year == 0.0
    assert ceo.integrator.attention == 0.5


def test_talent_moves_to_another_background_as_its_departure_from_the_defaults() -> None:
    held = orgsim.presets.shared_leader("seed").integrator  # background 0.5: sales_understanding 0.9 over a default of 0.75
    moved = moved_holder(held, 0.4, 123.0)
    assert moved.background == 0.4
    assert moved.salary_usd_per_year == 123.0
    assert moved.sales_understanding == pytest.approx(Leader(background=0.4).sales_understanding + 0.15)
    assert moved.agreed_scoring_criteria is True  # booleans travel with talent
    extreme = moved_holder(Leader(background=0.5, bias=0.9, horizon_days=1000.0), 1.0, 0.0)
    assert extreme.bias == 1.0  # 0.6 + 0.9, clipped to the attribute's range
    assert extreme.horizon_days == pytest.approx(730.0 + (1000.0 - 410.0))
    typical = moved_holder(Leader(background=0.2), 0.9, 250_000.0)
    assert typical == Leader(background=0.9)  # a typical leader stays typical: no departure at all


def test_under_sampled_leaders_talent_is_the_seat_draw_of_the_kind_the_talent_structure_drew() -> None:
    exp = _compare("sampled", {"plain": orgsim.presets.shared_leader(), "mus": orgsim.presets.marketing_under_sales()})
    population = orgsim.LeaderPopulation()
    draws = seat_draws(exp.seed, 1)
    head_cost = orgsim.Scenario().costs.head_cost_usd_per_year
    # shared lines, shared backgrounds, marketing-under-sales talent: its head of sales was drawn as the integrator
    mixed = hybrid(exp, "plain", "plain", "mus", 1)
    assert mixed.holder("head_of_sales") == population.profile(0.0, draws["integrator"], salary_usd_per_year=head_cost)
    assert mixed.holder("head_of_marketing") == exp.structure_as_run("plain", 1).holder("head_of_marketing")
    # marketing-under-sales backgrounds (the CSO: 0), shared talent: the CRO's draw at background 0
    tilted = hybrid(exp, "plain", "mus", "plain", 1)
    assert tilted.integrator == population.profile(0.0, draws["integrator"], salary_usd_per_year=250_000.0)


# -- the accounting --------------------------------------------------------------------------
def test_shapley_values_of_a_known_game() -> None:
    # v(S) = 1 for lines alone, 2 for background alone, and an interaction of 6 when all three are switched
    v = np.zeros(8)
    for s in range(8):
        v[s] = (s & 1) * 1.0 + (s >> 1 & 1) * 2.0 + (6.0 if s == 7 else 0.0)
    phi = shapley(v)
    assert phi == pytest.approx([3.0, 4.0, 2.0])  # the interaction split equally
    assert phi.sum() == pytest.approx(v[7] - v[0])


@pytest.mark.parametrize("key", [("fixed", "siloed", "mus"), ("sampled", "siloed", "mus"), ("fixed", "plain", "tilted")])
def test_components_add_up_to_the_total_and_the_total_is_the_paired_difference(
    key: tuple[str, str, str], decompositions: dict, fixed: orgsim.Experiment, sampled: orgsim.Experiment, values: dict[str, pd.DataFrame]
) -> None:
    leaders, a, b = key
    frame = decompositions[key]
    assert list(frame.index) == list(COMPONENTS)
    assert frame.index.name == "component"
    assert list(frame.columns) == ["estimate", "ci_low", "ci_high", "se", "n"]
    assert (frame["n"] == REPS).all()
    total = frame.loc["total", "estimate"]
    assert total != 0.0
    assert frame.loc[list(FACTORS), "estimate"].sum() == pytest.approx(total, rel=1e-9)
    exp = fixed if leaders == "fixed" else sampled
    assert total == pytest.approx(exp.differences(a, METRIC).loc[(b, METRIC), "mean"], rel=1e-9)
    assert (frame["ci_low"] <= frame["estimate"]).all() and (frame["estimate"] <= frame["ci_high"]).all()
    assert frame.attrs == {"a": a, "b": b, "metric": METRIC, "confidence": 0.95}
    if (a, b) == ("siloed", "mus"):  # the estimates are the means of the per-replication Shapley values
        table = values[leaders].to_numpy()
        np.testing.assert_allclose(frame.loc[list(FACTORS), "estimate"], shapley(table).mean(axis=0), rtol=1e-12)


@pytest.mark.parametrize("leaders", ["fixed", "sampled"])
def test_per_replication_components_add_up_exactly_up_to_rounding(leaders: str, values: dict[str, pd.DataFrame]) -> None:
    v = values[leaders].to_numpy()
    phi = shapley(v)
    np.testing.assert_allclose(phi.sum(axis=1), v[:, 7] - v[:, 0], rtol=1e-9, atol=1e-6)
    # each component is the mean over the 3! orders of switching: check against the orders themselves
    for i in range(3):
        orders = []
        for order in itertools.permutations(range(3)):
            before = sum(1 << j for j in order[: order.index(i)])
            orders.append(v[:, before | 1 << i] - v[:, before])
        np.testing.assert_allclose(phi[:, i], np.mean(orders, axis=0), rtol=1e-9, atol=1e-6)


# -- answers known exactly -------------------------------------------------------------------
def test_one_structure_with_two_profiles_differs_by_talent_alone(decompositions: dict) -> None:
    frame = decompositions[("fixed", "plain", "seed")]
    assert frame.loc["reporting_lines", "estimate"] == 0.0
    assert frame.loc["background", "estimate"] == 0.0
    assert frame.loc["total", "estimate"] != 0.0
    assert frame.loc["talent", "estimate"] == pytest.approx(frame.loc["total", "estimate"], rel=1e-12)


def test_two_structures_that_differ_in_seat_backgrounds_alone_differ_by_background_alone(decompositions: dict) -> None:
    frame = decompositions[("fixed", "plain", "tilted")]
    assert frame.loc["reporting_lines", "estimate"] == 0.0
    assert frame.loc["talent", "estimate"] == 0.0
    assert frame.loc["total", "estimate"] != 0.0
    assert frame.loc["background", "estimate"] == pytest.approx(frame.loc["total", "estimate"], rel=1e-12)


def test_under_sampled_leaders_talent_is_zero_where_both_structures_draw_the_same_seat_kinds(decompositions: dict) -> None:
    same_kinds = decompositions[("sampled", "siloed", "plain")]  # three roles each: the same draw in the same seat
    assert same_kinds.loc["talent", "estimate"] == 0.0
    assert same_kinds.loc["talent", "se"] == 0.0
    dual_role = decompositions[("sampled", "siloed", "mus")]  # the CSO's draw also heads sales: not zero per replication
    assert dual_role.loc["talent", "se"] > 0.0


def test_under_sampled_leaders_tilted_seats_have_no_lines_and_no_talent(sampled: orgsim.Experiment) -> None:
    frame = sampled.decompose("plain", "tilted", "profit", executor="serial", progress=False)
    assert frame.loc["reporting_lines", "estimate"] == 0.0
    assert frame.loc["talent", "estimate"] == 0.0
    assert frame.loc["background", "estimate"] == pytest.approx(frame.loc["total", "estimate"], rel=1e-12)


# -- failures --------------------------------------------------------------------------------
def test_replications_that_failed_in_the_experiment_are_left_out(fixed: orgsim.Experiment, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = copy.copy(fixed)
    broken.failures = pd.DataFrame([("mus", 1, "ZeroDivisionError", "boom", "")], columns=[c for c in FAILURE_COLUMNS if c != "point"])
    ran: list[int] = []
    real = decompose_module._run_task
    monkeypatch.setattr(decompose_module, "_run_task", lambda task: (ran.append(task.spawn_key[0]), real(task))[1])
    frame = broken.decompose("siloed", "mus", executor="serial", progress=False)
    assert sorted(set(ran)) == [r for r in range(REPS) if r != 1]
    assert (frame["n"] == REPS - 1).all()


def test_a_replication_whose_hybrid_fails_is_left_out_with_a_warning(fixed: orgsim.Experiment, monkeypatch: pytest.MonkeyPatch) -> None:
    real = decompose_module._run_task

    def flaky(task: _Task) -> object:
        if task.spawn_key == (3,):
            raise ZeroDivisionError("boom")
        return real(task)

    monkeypatch.setattr(decompose_module, "_run_task", flaky)
    with pytest.warns(RuntimeWarning, match=r"replications \[3\] failed \(ZeroDivisionError: boom\)"):
        frame = fixed.decompose("siloed", "mus", executor="serial", progress=False)
    assert (frame["n"] == REPS - 1).all()
    assert np.isfinite(frame["estimate"]).all()


# -- refusing bad input before anything runs ---------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"a": "nope", "b": "mus"}, "a"),
        ({"a": "siloed", "b": "nope"}, "b"),
        ({"a": "siloed", "b": "siloed"}, "b"),
        ({"a": "none", "b": "mus"}, "a"),
        ({"a": "siloed", "b": "none"}, "b"),
        ({"a": "siloed", "b": "mus", "metric": "bookingz"}, "metric"),
        ({"a": "siloed", "b": "mus", "confidence": 1.5}, "confidence"),
        ({"a": "siloed", "b": "mus", "confidence": 0}, "confidence"),
        ({"a": "siloed", "b": "mus", "executor": "threads"}, "executor"),
        ({"a": "siloed", "b": "mus", "progress": "yes"}, "progress"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument(
    kwargs: dict, field: str, fixed: orgsim.Experiment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decompose_module, "run_tasks", lambda *a, **k: pytest.fail("ran before refusing"))
    with pytest.raises(ValidationError) as err:
        fixed.decompose(**kwargs)
    assert err.value.fields == [field]


def test_a_sweep_is_refused() -> None:
    exp = orgsim.sweep(
        None, [orgsim.presets.siloed()], {"sales.reps": [8, 10]}, replications=2, seed=1, horizon_days=30, executor="serial", progress=False
    )
    with pytest.raises(ValidationError, match="decompose needs a compare experiment") as err:
        exp.decompose("siloed", "siloed")
    assert err.value.fields == ["experiment"]


def test_an_experiment_whose_replications_all_failed_is_refused(fixed: orgsim.Experiment) -> None:
    broken = copy.copy(fixed)
    rows = [("mus", r, "ZeroDivisionError", "boom", "") for r in range(REPS)]
    broken.failures = pd.DataFrame(rows, columns=[c for c in FAILURE_COLUMNS if c != "point"])
    with pytest.raises(ValidationError) as err:
        broken.decompose("siloed", "mus", executor="serial", progress=False)
    assert err.value.fields == ["b"]


def test_under_sampled_leaders_a_kept_hand_set_holder_is_all_talent() -> None:
    """The seeds' CRO is kept under sampling and the heads are drawn alike: what separates the two is the person."""
    exp = _compare("sampled", {"plain": orgsim.presets.shared_leader(), "seed": orgsim.presets.shared_leader("seed")})
    frame = exp.decompose("plain", "seed", METRIC, executor="serial", progress=False)
    assert frame.loc["reporting_lines", "estimate"] == 0.0
    assert frame.loc["background", "estimate"] == 0.0
    assert frame.loc["talent", "estimate"] == pytest.approx(frame.loc["total", "estimate"], rel=1e-12)

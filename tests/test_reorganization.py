"""Reorganising mid-run (issue 15, item 4): orgsim.Reorganization and orgsim.Transition."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import orgsim
from orgsim import Reorganization, Transition, presets
from orgsim.config.reorganization import read_structure_toml, structure_from_dict

SCENARIO = orgsim.Scenario()
MUS, SUM, SHARED = presets.marketing_under_sales(), presets.sales_under_marketing(), presets.shared_leader()


def _same(a: orgsim.RunResult, b: orgsim.RunResult) -> None:
    pd.testing.assert_frame_equal(a.series, b.series, check_exact=True)
    assert a.totals.keys() == b.totals.keys()
    for key in a.totals:
        x, y = a.totals[key], b.totals[key]
        assert (math.isnan(x) and math.isnan(y)) or x == y, key
    pd.testing.assert_frame_equal(a.reps, b.reps, check_exact=True)


@pytest.mark.parametrize(
    ("start", "to"), [(MUS, SUM), (presets.siloed(), SHARED), (SHARED, MUS)], ids=["mus-sum", "siloed-shared", "shared-mus"]
)
def test_day_zero_without_transition_is_the_target_from_the_start(start: orgsim.Structure, to: orgsim.Structure) -> None:
    """Every component the positions set is set again by the switch, from the same functions."""
    for seed in (1, 7):
        target = orgsim.simulate(SCENARIO, to, seed=seed, horizon_days=200, record_leads=True)
        moved = orgsim.simulate(
            SCENARIO, Reorganization(start, to, at_day=0, transition=Transition.none()), seed=seed, horizon_days=200, record_leads=True
        )
        _same(target, moved)
        pd.testing.assert_frame_equal(target.leads, moved.leads, check_exact=True)


def test_switching_to_an_equal_structure_changes_nothing() -> None:
    """A mid-run switch to the same lines and holders (another object) leaves the run bit for bit."""
    plain = orgsim.simulate(SCENARIO, SHARED, seed=3, horizon_days=300)
    same = orgsim.simulate(
        SCENARIO, Reorganization(SHARED, presets.shared_leader(), at_day=120, transition=Transition.none()), seed=3, horizon_days=300
    )
    _same(plain, same)


def test_before_the_switch_the_run_is_the_start_structure() -> None:
    start = orgsim.simulate(SCENARIO, MUS, seed=5, horizon_days=365).series
    moved = orgsim.simulate(SCENARIO, Reorganization(MUS, SUM, at_day=182), seed=5, horizon_days=365).series
    before = start.end_day <= 182
    pd.testing.assert_frame_equal(start[before], moved[before], check_exact=True)
    assert not start[~before].equals(moved[~before])


def test_the_default_transition_lowers_the_next_quarters_bookings() -> None:
    """Common random numbers: the same seed with and without transition costs. 16 paired
    replications; the paired mean must be below zero by more than 2 standard errors (measured:
    about -180k USD, standard error about 34k)."""
    diffs = []
    for seed in range(16):
        reorg = Reorganization(MUS, SHARED, at_day=182)
        costly = orgsim.simulate(SCENARIO, reorg, seed=seed, horizon_days=364).series
        free = orgsim.simulate(SCENARIO, reorg.replace(transition=Transition.none()), seed=seed, horizon_days=364).series
        quarter = (costly.start_day >= 182) & (costly.end_day <= 182 + 91)
        diffs.append(costly.bookings_usd[quarter].sum() - free.bookings_usd[quarter].sum())
    d = np.asarray(diffs)
    se = d.std(ddof=1) / math.sqrt(len(d))
    assert d.mean() + 2.0 * se < 0.0, (d.mean(), se)


def test_the_one_off_cost_is_charged_on_the_day() -> None:
    cost = 123_456.0
    reorg = Reorganization(MUS, SUM, at_day=91, transition=Transition.none().replace(one_off_cost_usd=cost))
    moved = orgsim.simulate(SCENARIO, reorg, seed=2, horizon_days=200)
    free = orgsim.simulate(SCENARIO, reorg.replace(transition=Transition.none()), seed=2, horizon_days=200)
    assert moved.totals["transition_costs_usd"] == cost
    week = moved.series.index[moved.series.transition_costs_usd > 0]
    assert len(week) == 1 and moved.series.start_day[week[0]] <= 91 < moved.series.end_day[week[0]]
    assert moved.totals["bookings_usd"] == free.totals["bookings_usd"]  # a cost changes no behaviour
    assert moved.totals["costs_usd"] == pytest.approx(free.totals["costs_usd"] + cost, rel=1e-12)


def test_the_dip_recovers_linearly() -> None:
    t = Transition(productivity_dip=0.2, recovery_days=100)
    assert [t.dip_at(d) for d in (0, 50, 100, 150, -1)] == pytest.approx([0.2, 0.1, 0.0, 0.0, 0.0])
    assert Transition.none().is_none() and not Transition().is_none()


def test_compare_accepts_a_reorganization_and_repeats_a_replication() -> None:
    reorg = Reorganization(MUS, SHARED, at_day=60)
    exp = orgsim.compare(SCENARIO, {"stay": MUS, "move": reorg}, replications=2, seed=4, horizon_days=120)
    assert set(exp.labels) == {"stay", "move"}
    as_run = exp.structure_as_run("move", 1)
    assert isinstance(as_run, Reorganization)
    # sampled holders: the same person in a seat of the same kind before and after the switch
    assert as_run.start.holder(as_run.start.marketing_head) == as_run.to.holder(as_run.to.marketing_head)
    again = orgsim.simulate(SCENARIO, as_run, seed=exp.seed_sequence(1), horizon_days=120)
    assert again.totals["bookings_usd"] == exp.totals("bookings_usd").loc[1, "move"]


def test_round_trips_through_plain_data_and_toml(tmp_path: Path) -> None:
    reorg = Reorganization(MUS, SUM, at_day=365, transition=Transition(productivity_dip=0.3), name="flip")
    assert structure_from_dict(reorg.to_dict()) == reorg
    path = tmp_path / "flip.toml"
    reorg.to_toml(path)
    assert read_structure_toml(path) == reorg
    assert structure_from_dict(MUS.to_dict()) == MUS
    # a file may name presets instead of spelling them out
    short = tmp_path / "short.toml"
    short.write_text(
        '[reorganization]\nstart = "siloed"\nto = "shared_leader"\nat_day = 180\n[reorganization.transition]\none_off_cost_usd = 0\n'
    )
    loaded = read_structure_toml(short)
    assert isinstance(loaded, Reorganization) and loaded.start == presets.siloed() and loaded.transition.one_off_cost_usd == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"at_day": math.nan}, "reorganization.at_day"),
        ({"at_day": -1}, "reorganization.at_day"),
        ({"at_day": 10.5}, "reorganization.at_day"),
        ({"at_day": 10, "to": MUS}, "reorganization.to"),
        ({"at_day": 10, "transition": "none"}, "reorganization.transition"),
    ],
)
def test_bad_reorganizations_are_refused(kwargs: dict, field: str) -> None:
    args = {"start": MUS, "to": SUM, **kwargs}
    with pytest.raises(orgsim.ValidationError) as err:
        Reorganization(**args)
    assert err.value.problems[0].field == field


@pytest.mark.parametrize(
    ("key", "value"), [("productivity_dip", -0.1), ("productivity_dip", math.nan), ("recovery_days", math.inf), ("attrition_spike", 1.5)]
)
def test_bad_transitions_are_refused(key: str, value: float) -> None:
    with pytest.raises(orgsim.ValidationError) as err:
        Transition(**{key: value})
    assert err.value.problems[0].field == f"transition.{key}"


def test_a_switch_outside_the_horizon_is_refused_before_simulating() -> None:
    reorg = Reorganization(MUS, SUM, at_day=365)
    with pytest.raises(orgsim.ValidationError) as err:
        orgsim.simulate(SCENARIO, reorg, seed=1, horizon_days=365)
    assert err.value.problems[0].field == "reorganization.at_day"
    with pytest.raises(orgsim.ValidationError) as err:
        orgsim.compare(SCENARIO, {"move": reorg}, replications=2, seed=1, horizon_days=100)
    assert err.value.problems[0].field == "structures['move'].reorganization.at_day"


def test_the_command_line_validates_and_runs_a_reorganisation_file(tmp_path: Path) -> None:
    path = tmp_path / "reorg.toml"
    Reorganization(MUS, SHARED, at_day=60, name="to shared").to_toml(path)
    cli = [sys.executable, "-m", "orgsim"]
    ok = subprocess.run([*cli, "validate", str(path)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "valid reorganisation 'to shared'" in ok.stdout
    run = subprocess.run([*cli, "run", "--structure-file", str(path), "--horizon-days", "120"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    late = subprocess.run([*cli, "run", "--structure-file", str(path), "--horizon-days", "50"], capture_output=True, text=True, timeout=120)
    assert late.returncode == 2 and "Traceback" not in late.stderr
    assert "at_day" in late.stderr


def test_a_stored_comparison_with_a_reorganization_reloads(tmp_path: Path) -> None:
    """Experiment.load reads the reorganisation back from the store's manifest and repeats a replication."""
    reorg = Reorganization(MUS, SUM, at_day=30, name="move")
    exp = orgsim.compare(SCENARIO, {"stay": MUS, "move": reorg}, replications=2, seed=9, horizon_days=90, store=tmp_path / "store")
    loaded = orgsim.Experiment.load(tmp_path / "store")
    pd.testing.assert_frame_equal(loaded.summary("bookings_usd"), exp.summary("bookings_usd"))
    again = loaded.structure_as_run("move", 1)
    assert isinstance(again, Reorganization) and again.at_day == 30
    repeat = orgsim.simulate(SCENARIO, again, seed=loaded.seed_sequence(1), horizon_days=90)
    assert repeat.totals["bookings_usd"] == exp.totals("bookings_usd").loc[1, "move"]

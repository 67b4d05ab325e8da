"""Experiments: common random numbers, validation, statistics, sweeps and exports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import orgsim
import orgsim.experiment.study as experiment_module
from orgsim.experiment import Experiment, LatinHypercube
from orgsim.experiment.holders import hold_seats, is_hand_set, seat_draws

HORIZON = 70.0


@pytest.fixture(scope="module")
def structures() -> list[orgsim.Structure]:
    presets = orgsim.presets.all()
    return [presets["shared_leader"], presets["siloed"], presets["marketing_under_sales"]]


@pytest.fixture(scope="module")
def small(structures: list[orgsim.Structure]) -> Experiment:
    """3 structures x 6 replications of 70 days, run in this process."""
    return orgsim.compare(None, structures, replications=6, seed=11, horizon_days=HORIZON, executor="serial")


def _no_simulation(*args: object, **kwargs: object) -> None:
    raise AssertionError("simulate() was called although the input is invalid")


# -- seeds and common random numbers ---------------------------------------------------------------


def test_replication_r_uses_the_same_seed_for_every_structure(small: Experiment, structures: list[orgsim.Structure]) -> None:
    children = np.random.SeedSequence(11).spawn(6)
    for r in (0, 4):
        for s, structure in enumerate(structures):
            alone = orgsim.simulate(structure=small.structure_as_run(structure.name, r), seed=children[r], horizon_days=HORIZON)
            np.testing.assert_array_equal(small._series[0, s, r], alone.series.to_numpy(dtype=float))
            assert small._totals[0, s, r, small.total_names.index("profit_usd")] == alone.totals["profit_usd"]


def test_seeds_come_from_seed_sequence_spawn_and_are_recorded(small: Experiment) -> None:
    spawned = np.random.SeedSequence(11).spawn(6)
    assert list(small.seeds["entropy"]) == [c.entropy for c in spawned]
    assert list(small.seeds["spawn_key"]) == [c.spawn_key for c in spawned]
    assert small.seed_sequence(3).generate_state(4).tolist() == spawned[3].generate_state(4).tolist()


def test_a_dict_of_labels_allows_running_without_a_structure() -> None:
    exp = orgsim.compare(
        None, {"none": None, "cro": orgsim.presets.shared_leader()}, replications=2, seed=3, horizon_days=HORIZON, executor="serial"
    )
    assert exp.labels == ["none", "cro"]
    base = orgsim.simulate(seed=np.random.SeedSequence(3).spawn(2)[1], horizon_days=HORIZON)
    np.testing.assert_array_equal(exp._series[0, 0, 1], base.series.to_numpy(dtype=float))


# -- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"replications": 0}, "replications"),
        ({"replications": 2.5}, "replications"),
        ({"replications": True}, "replications"),
        ({"seed": -1}, "seed"),
        ({"seed": "42"}, "seed"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"executor": "threads"}, "executor"),
        ({"progress": "yes"}, "progress"),
        ({"store": 42}, "store"),
        ({"scenario": {"sales": {"reps": 3}}}, "scenario"),
        ({"structures": []}, "structures"),
        ({"structures": orgsim.presets.siloed()}, "structures"),
        ({"structures": [orgsim.presets.siloed(), "siloed"]}, "structures[1]"),
        ({"structures": [orgsim.presets.siloed(), orgsim.presets.siloed()]}, "structures[1].name"),
        ({"structures": {"a": "siloed"}}, "structures['a']"),
    ],
)
def test_invalid_arguments_raise_validation_error_before_simulating(
    monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, object], field: str
) -> None:
    monkeypatch.setattr(experiment_module, "simulate_sharing", _no_simulation)
    args: dict[str, object] = {
        "scenario": None,
        "structures": [orgsim.presets.siloed()],
        "replications": 2,
        "seed": 1,
        "executor": "serial",
    }
    args.update(kwargs)
    scenario = args.pop("scenario")
    structures = args.pop("structures")
    with pytest.raises(orgsim.ValidationError) as info:
        orgsim.compare(scenario, structures, **args)  # type: ignore[arg-type]
    assert field in info.value.fields


def test_validation_error_lists_every_bad_argument_with_value_and_allowed_range() -> None:
    with pytest.raises(orgsim.ValidationError) as info:
        orgsim.compare(None, [orgsim.presets.siloed()], replications=0, seed=-3)
    assert info.value.fields == ["replications", "seed"]
    assert "-3" in str(info.value) and "integer >= 0" in str(info.value)


def test_unknown_baseline_and_metric_are_rejected_with_the_allowed_names(small: Experiment) -> None:
    with pytest.raises(orgsim.ValidationError, match="shared_leader"):
        small.differences("ceo_only")
    with pytest.raises(orgsim.ValidationError, match="did you mean 'profit_usd'"):
        small.summary("profit_us")


# -- summary and intervals -------------------------------------------------------------------------


def test_summary_gives_mean_sd_se_and_t_interval_per_structure_and_metric(small: Experiment) -> None:
    table = small.summary(["profit_usd", "wins"])
    assert list(table.columns) == ["n", "failed", "mean", "sd", "se", "ci_low", "ci_high"]
    assert table.index.names == ["structure", "metric"]
    assert len(table) == 3 * 2
    x = small.totals("profit_usd")["siloed"].to_numpy()
    row = table.loc[("siloed", "profit_usd")]
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    assert row["n"] == 6 and row["failed"] == 0
    assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert row["sd"] == pytest.approx(x.std(ddof=1), rel=1e-12)
    assert row["ci_low"] == pytest.approx(x.mean() - half, rel=1e-12)
    assert row["ci_high"] == pytest.approx(x.mean() + half, rel=1e-12)


def test_short_metric_names_stand_for_the_usd_columns(small: Experiment) -> None:
    pd.testing.assert_frame_equal(small.summary("profit"), small.summary("profit_usd"))
    assert small.crossover("shared_leader", "siloed").metric == "bookings_usd"


def test_summary_interval_covers_a_known_mean_in_about_95_percent_of_trials() -> None:
    # 4000 independent trials of 10 normal draws with mean 5; each trial is one "structure".
    # Coverage ~ Binomial(4000, 0.95)/4000: standard error sqrt(.95*.05/4000) = 0.0034;
    # the tolerance 0.014 is 4 standard errors.
    rng = np.random.default_rng(20240601)
    trials, n = 4000, 10
    totals = rng.normal(5.0, 2.0, size=(1, trials, n, 1))
    exp = Experiment(labels=[f"trial{i}" for i in range(trials)], totals=totals, total_names=["x"])
    table = exp.summary("x")
    covered = ((table["ci_low"] <= 5.0) & (table["ci_high"] >= 5.0)).mean()
    assert abs(covered - 0.95) < 0.014


def test_paired_difference_interval_covers_the_known_difference_in_about_95_percent_of_trials() -> None:
    # Pairs share a large common component (as common random numbers do); true difference 1.
    # Same tolerance as above: 4 binomial standard errors for 4000 trials.
    rng = np.random.default_rng(7)
    trials, n = 4000, 8
    common = rng.normal(0.0, 10.0, size=(1, trials, n))
    base = common + rng.normal(0.0, 1.0, size=common.shape)
    other = common + 1.0 + rng.normal(0.0, 1.0, size=common.shape)
    # one sweep point per trial
    totals = np.stack([base[0], other[0]], axis=1)[..., None]  # (trials, 2, n, 1)
    exp = Experiment(labels=["base", "other"], totals=totals, total_names=["x"], points=pd.DataFrame({"trial": range(trials)}))
    table = exp.differences("base", "x")
    covered = ((table["ci_low"] <= 1.0) & (table["ci_high"] >= 1.0)).mean()
    assert abs(covered - 0.95) < 0.014


def test_paired_differences_are_narrower_than_unpaired_ones_on_the_same_data(small: Experiment) -> None:
    for metric in ("profit_usd", "bookings_usd", "wins"):
        paired = small.differences("siloed", metric)
        unpaired = small.differences("siloed", metric, paired=False)
        width_paired = paired["ci_high"] - paired["ci_low"]
        width_unpaired = unpaired["ci_high"] - unpaired["ci_low"]
        assert (width_paired < width_unpaired).all(), metric
        pd.testing.assert_series_equal(paired["mean"], unpaired["mean"], rtol=1e-9)


def test_differences_are_structure_minus_baseline_paired_by_replication(small: Experiment) -> None:
    table = small.differences("siloed", "profit_usd")
    assert "siloed" not in table.index.get_level_values("structure")
    profit = small.totals("profit_usd")
    d = (profit["shared_leader"] - profit["siloed"]).to_numpy()
    row = table.loc[("shared_leader", "profit_usd")]
    assert row["mean"] == pytest.approx(d.mean(), rel=1e-9)
    assert row["se"] == pytest.approx(d.std(ddof=1) / np.sqrt(len(d)), rel=1e-9)


# -- crossover -------------------------------------------------------------------------------------


def _series_experiment(a: np.ndarray, b: np.ndarray) -> Experiment:
    """Two structures whose 'bookings_usd' per period are given (replications x periods)."""
    reps, periods = a.shape
    end_day = np.broadcast_to(7.0 * (np.arange(periods) + 1), (reps, periods))
    series = np.stack([np.stack([end_day, a], axis=-1), np.stack([end_day, b], axis=-1)])[None]  # (1, 2, R, T, 2)
    totals = series[..., 1].sum(axis=3)[..., None]
    return Experiment(labels=["a", "b"], totals=totals, total_names=["bookings_usd"], series=series, columns=["end_day", "bookings_usd"])


def test_crossover_is_the_first_period_after_which_a_stays_above_b() -> None:
    # cumulative a - b: rep 0: -1, -2, +1, -1, +1, +2 -> stays above from period 4 (day 35)
    #                   rep 1: +1, +2, +3, +4, +5, +6 -> from period 0 (day 7)
    a = np.array([[0, 0, 3, 0, 2, 1], [1, 1, 1, 1, 1, 1]], dtype=float)
    b = np.array([[1, 1, 0, 2, 0, 0], [0, 0, 0, 0, 0, 0]], dtype=float)
    cross = _series_experiment(a, b).crossover("a", "b")
    assert cross.by_replication["period"].tolist() == [4, 0]
    assert cross.by_replication["day"].tolist() == [35.0, 7.0]
    summary = cross.summary()
    assert summary["crossed"].iloc[0] == 2 and summary["median_day"].iloc[0] == 21.0


def test_crossover_is_missing_when_a_does_not_end_ahead() -> None:
    a = np.array([[2, 0, 0, 0]], dtype=float)
    b = np.array([[0, 1, 1, 0]], dtype=float)  # cumulative difference ends at 0: a is not above
    cross = _series_experiment(a, b).crossover("a", "b")
    assert cross.by_replication["period"].isna().all()
    assert not cross.by_replication["ahead_at_end"].any()
    assert cross.summary()["share_crossed"].iloc[0] == 0.0


def test_crossover_of_real_runs_is_paired_by_replication(small: Experiment) -> None:
    cross = small.crossover("shared_leader", "siloed", metric="bookings")
    assert len(cross.by_replication) == 6
    assert {"replications", "crossed", "share_crossed", "median_day", "q10_day", "q90_day"} <= set(cross.summary().columns)


# -- replications needed ---------------------------------------------------------------------------


def test_replications_needed_follows_the_sequential_confidence_interval_method() -> None:
    # The relative half-width dips below 10% at n = 3-4, an outlier (16) pushes it back up,
    # and it stays below from n = 13 on: the method answers 13, not 3.
    x = np.array([10, 10.2, 9.9, 10.1, 16, 10, 9.9, 10.1, 10, 10.2, 9.8, 10.0, 10.1, 9.9])
    exp = Experiment(labels=["s"], totals=x.reshape(1, 1, -1, 1), total_names=["x"])
    result = exp.replications_needed("x", 0.1)
    expected = []
    for n in range(2, len(x) + 1):
        first = x[:n]
        half = stats.t.ppf(0.975, n - 1) * first.std(ddof=1) / np.sqrt(n)
        expected.append(half / abs(first.mean()))
    np.testing.assert_allclose(result.table["relative_half_width"].to_numpy(), expected, rtol=1e-10)
    first_ok = next(n for n in range(2, len(x) + 1) if all(e <= 0.1 for e in expected[n - 2 :]))
    assert first_ok == 13
    assert result.needed["s"] == 13


def test_replications_needed_is_missing_when_the_precision_is_not_reached(small: Experiment) -> None:
    result = small.replications_needed("profit", 1e-6)
    assert result.needed.isna().all()
    assert result.metric == "profit_usd"
    assert len(result.table) == 3 * 5  # n = 2..6 for each structure


# -- exports ---------------------------------------------------------------------------------------


def test_to_frame_is_tidy_long_format(small: Experiment) -> None:
    frame = small.to_frame()
    assert list(frame.columns) == ["structure", "replication", "period", "metric", "value"]
    n_periods = small._series.shape[3]
    assert len(frame) == 3 * 6 * n_periods * len(small.columns)
    row = frame[(frame.structure == "siloed") & (frame.replication == 2) & (frame.period == 3) & (frame.metric == "bookings_usd")]
    j = small.columns.index("bookings_usd")
    assert row["value"].item() == small._series[0, 1, 2, 3, j]
    totals = small.to_frame("totals")
    assert list(totals.columns) == ["structure", "replication", "metric", "value"]


def test_to_xarray_has_structure_replication_period_metric_dimensions(small: Experiment) -> None:
    pytest.importorskip("xarray")
    array = small.to_xarray()
    assert array.dims == ("structure", "replication", "period", "metric")
    value = array.sel(structure="siloed", replication=2, period=3, metric="bookings_usd").item()
    assert value == small._series[0, 1, 2, 3, small.columns.index("bookings_usd")]


def test_to_xarray_without_xarray_names_the_extra(small: Experiment, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xarray", None)
    with pytest.raises(ImportError, match=r"orgsim\[xarray\]"):
        small.to_xarray()


# -- failures --------------------------------------------------------------------------------------


def _failing_replication_2(*args: object, seed: np.random.SeedSequence, **kwargs: object) -> orgsim.RunResult:
    if seed.spawn_key == (2,):
        raise RuntimeError("boom in replication 2")
    return orgsim.simulate(*args, seed=seed, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def with_failures() -> Experiment:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(experiment_module, "simulate_sharing", _failing_replication_2)
        with pytest.warns(RuntimeWarning, match="2 of 8 replications failed"):
            return orgsim.compare(
                None, [orgsim.presets.siloed(), orgsim.presets.shared_leader()], replications=4, seed=5, horizon_days=60, executor="serial"
            )


def test_a_replication_that_raises_is_recorded_with_its_traceback_and_the_rest_carry_on(with_failures: Experiment) -> None:
    failures = with_failures.failures
    assert failures[["structure", "replication"]].values.tolist() == [["siloed", 2], ["shared_leader", 2]]
    assert (failures["error"] == "RuntimeError").all()
    assert "boom in replication 2" in failures["traceback"].iloc[0] and "Traceback" in failures["traceback"].iloc[0]
    assert with_failures.n_failed == 2
    assert np.isfinite(with_failures.totals("profit_usd").drop(index=2).to_numpy()).all()


def test_summary_says_how_many_replications_failed(with_failures: Experiment) -> None:
    table = with_failures.summary("profit_usd")
    assert table["failed"].tolist() == [1, 1]
    assert table["n"].tolist() == [3, 3]


def test_failed_replications_are_left_out_of_the_tidy_frame(with_failures: Experiment) -> None:
    frame = with_failures.to_frame("totals")
    assert 2 not in set(frame["replication"])


# -- sweeps ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def grid_sweep() -> Experiment:
    return orgsim.sweep(
        None,
        [orgsim.presets.siloed()],
        {"sales.reps": [8, 12], "inbound.base_rate_per_day": [20.0, 30.0, 40.0]},
        replications=2,
        seed=1,
        horizon_days=60,
        executor="serial",
    )


def test_a_grid_sweep_runs_the_full_factorial(grid_sweep: Experiment) -> None:
    exp = grid_sweep
    assert exp.points.values.tolist() == [[8, 20.0], [8, 30.0], [8, 40.0], [12, 20.0], [12, 30.0], [12, 40.0]]
    assert exp.summary("profit").index.names == ["point", "structure", "metric"]
    assert len(exp.summary("profit")) == 6


def test_a_sweep_exports_a_point_dimension_with_its_parameters(grid_sweep: Experiment) -> None:
    pytest.importorskip("xarray")
    array = grid_sweep.to_xarray("totals")
    assert array.dims == ("point", "structure", "replication", "metric")
    assert array["sales.reps"].values.tolist() == [8, 8, 8, 12, 12, 12]
    frame = grid_sweep.to_frame()
    assert list(frame.columns) == ["point", "structure", "replication", "period", "metric", "value"]
    assert sorted(frame["point"].unique()) == list(range(6))


def test_every_sweep_point_uses_the_same_replication_seeds() -> None:
    exp = orgsim.sweep(None, [orgsim.presets.siloed()], {"sales.reps": [8, 12]}, replications=2, seed=4, horizon_days=60, executor="serial")
    children = np.random.SeedSequence(4).spawn(2)
    for p, reps in enumerate([8, 12]):
        scenario = orgsim.Scenario().replace(**{"sales.reps": reps})
        alone = orgsim.simulate(scenario, exp.structure_as_run("siloed", 1, point=p), seed=children[1], horizon_days=60)
        np.testing.assert_array_equal(exp._series[p, 0, 1], alone.series.to_numpy(dtype=float))
    # the same people at every point: the holders are drawn per replication, not per point
    assert exp.structure_as_run("siloed", 1, point=0) == exp.structure_as_run("siloed", 1, point=1)


def test_sampled_holders_are_paired_across_structures_and_reproducible() -> None:
    structures = [orgsim.presets.shared_leader(), orgsim.presets.siloed()]
    exp = orgsim.compare(None, structures, replications=3, seed=8, horizon_days=30, executor="serial")
    for r in range(3):
        cro, ceo = exp.structure_as_run("shared_leader", r).integrator, exp.structure_as_run("siloed", r).integrator
        assert cro == ceo  # both seats have background 0.5: the same draw gives the same person
        # the integrator's seat of every structure takes the replication's integrator draw,
        # turned into a person around the seat's own background
        draw = seat_draws(8, r)["integrator"]
        assert cro == orgsim.LeaderPopulation().profile(0.5, draw)
        cso = orgsim.presets.marketing_under_sales()
        held = hold_seats(cso, orgsim.LeaderPopulation(), seat_draws(8, r), 220_000.0)
        assert held.integrator == orgsim.LeaderPopulation().profile(0.0, draw)
        assert held.holder("head_of_marketing") == orgsim.LeaderPopulation().profile(
            1.0, seat_draws(8, r)["marketing_head"], salary_usd_per_year=220_000.0
        )
    assert exp.structure_as_run("siloed", 0) != exp.structure_as_run("siloed", 1)
    again = orgsim.compare(None, structures, replications=3, seed=8, horizon_days=30, executor="serial")
    assert again._totals.tobytes() == exp._totals.tobytes()


def test_sampling_keeps_hand_set_holders_and_fills_the_other_seats() -> None:
    seed_cro = orgsim.presets.shared_leader("seed")
    exp = orgsim.compare(None, [seed_cro], replications=2, seed=8, horizon_days=30, executor="serial")
    held = exp.structure_as_run("shared_leader", 1)
    assert held.integrator == seed_cro.integrator  # the seeds' CRO is a chosen person
    assert held.holder("head_of_sales") != orgsim.Leader(background=0.0)  # the heads are drawn
    assert is_hand_set(seed_cro.integrator) and not is_hand_set(orgsim.Leader(background=0.3, salary_usd_per_year=1.0))


def test_fixed_holders_run_the_profiles_as_given() -> None:
    exp = orgsim.compare(None, [orgsim.presets.siloed("seed")], replications=2, seed=8, horizon_days=30, executor="serial", leaders="fixed")
    assert exp.structure_as_run("siloed", 1) == orgsim.presets.siloed("seed")
    assert exp.meta["leaders"] == "fixed"


@pytest.mark.parametrize(("kwargs", "field"), [({"leaders": "best"}, "leaders"), ({"population": {"spread": 1.0}}, "population")])
def test_bad_leaders_arguments_are_refused_before_simulating(
    kwargs: dict[str, object], field: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(experiment_module, "simulate_sharing", _no_simulation)
    with pytest.raises(orgsim.ValidationError, match=rf"^invalid input: {field} = "):
        orgsim.compare(None, [orgsim.presets.siloed()], replications=1, seed=0, **kwargs)  # type: ignore[arg-type]


def test_a_sweep_accepts_a_dataframe_of_points() -> None:
    points = pd.DataFrame({"sales.reps": np.array([9, 11], dtype=np.int64), "deals.discount_mean": [0.05, 0.15]})
    exp = orgsim.sweep(None, [orgsim.presets.siloed()], points, replications=1, seed=2, horizon_days=60, executor="serial")
    assert exp.points["sales.reps"].tolist() == [9, 11]
    assert exp.to_frame("totals").columns[0] == "point"


def test_invalid_sweep_points_are_reported_together_before_simulating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(experiment_module, "simulate_sharing", _no_simulation)
    with pytest.raises(orgsim.ValidationError) as info:
        orgsim.sweep(None, [orgsim.presets.siloed()], {"sales.reps": [10, -1], "sales.repz": [1]}, replications=1, seed=0)
    text = str(info.value)
    assert "point 0" in text and "repz" in text and "did you mean 'reps'" in text


def test_latin_hypercube_puts_one_point_in_each_stratum_of_each_parameter() -> None:
    n = 16
    sample = LatinHypercube({"inbound.base_rate_per_day": (10.0, 60.0), "deals.discount_mean": (0.0, 0.2)}, n=n, seed=0).points()
    for key, (lo, hi) in {"inbound.base_rate_per_day": (10.0, 60.0), "deals.discount_mean": (0.0, 0.2)}.items():
        strata = np.floor((sample[key].to_numpy() - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata) == list(range(n))


def test_latin_hypercube_rounds_integer_fields_and_repeats_with_its_seed() -> None:
    design = LatinHypercube({"sales.reps": (5, 20), "inbound.base_rate_per_day": (10.0, 60.0)}, n=8, seed=3)
    points = design.points()
    assert all(isinstance(v, int) and 5 <= v <= 20 for v in points["sales.reps"].tolist())
    pd.testing.assert_frame_equal(points, design.points())


def test_latin_hypercube_rejects_bad_ranges() -> None:
    with pytest.raises(orgsim.ValidationError) as info:
        LatinHypercube({"sales.reps": (20, 5)}, n=0)
    assert info.value.fields == ["LatinHypercube.ranges['sales.reps']", "LatinHypercube.n"]


# -- import cost -----------------------------------------------------------------------------------


def test_importing_orgsim_does_not_import_the_optional_libraries() -> None:
    code = "import sys, orgsim; print(sorted(m for m in ('xarray', 'dask', 'distributed', 'tqdm') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


# -- documentation ---------------------------------------------------------------------------------

DOCS_RUNNER = """
import re, sys
from pathlib import Path

blocks = re.findall(r"```python\\n(.*?)```", Path(sys.argv[1]).read_text(), flags=re.S)
namespace = {"__name__": "__main__"}
for i, code in enumerate(blocks):
    exec(compile(code, f"docs/experiments.md, python block {i}", "exec"), namespace)
print(len(blocks))
"""


@pytest.mark.slow
def test_every_python_snippet_in_the_experiments_docs_runs() -> None:
    docs = Path(__file__).resolve().parents[1] / "docs" / "experiments.md"
    done = subprocess.run([sys.executable, "-c", DOCS_RUNNER, str(docs)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.strip().splitlines()[-1]) >= 15

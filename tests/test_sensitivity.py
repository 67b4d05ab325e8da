"""Global sensitivity analysis (Morris, Sobol via SALib) and which structure wins where.

The scenarios are small and the horizons short so the designs run in seconds; what is checked
does not depend on size: exact zeros for parameters an output ignores, closed forms where the
model is exactly linear, the plumbing (rows, rounding, repeated points, executors, stores).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import orgsim
from orgsim.experiment import sensitivity
from orgsim.experiment.uncertainty import Uncertainties

pytest.importorskip("SALib")

#: A small company: 4 reps, a trickle of inbound leads, 3 marketers, a 30-day warm start.
SMALL = orgsim.Scenario().replace(
    **{"deals.warm_start_days": 30.0, "sales.reps": 4, "inbound.base_rate_per_day": 6.0, "marketing.marketers": 3}
)

#: A company with no leads and no marketing work: its costs are exactly linear in the salaries.
COSTS_ONLY = orgsim.Scenario().replace(
    **{
        "deals.warm_start_days": 0.0,
        "sales.reps": 4,
        "inbound.base_rate_per_day": 0.0,
        "marketing.marketers": 2,
        "mechanisms.outbound_prospecting": False,
        "mechanisms.marketing_projects": False,
    }
)

PAIR = [orgsim.presets.siloed(), orgsim.presets.shared_leader()]


@pytest.fixture(scope="module")
def screening() -> sensitivity.Sensitivity:
    """Morris on bookings: list price and reps drive bookings; the reps' salary cannot."""
    return sensitivity.morris(
        SMALL,
        PAIR,
        {"deals.list_price_usd": (10_000.0, 50_000.0), "costs.rep_cost_usd_per_year": (100_000.0, 200_000.0), "sales.reps": (2, 8)},
        trajectories=4,
        replications=2,
        seed=11,
        sample_seed=1,
        horizon_days=28,
        executor="serial",
        progress=False,
    )


# -- Morris --------------------------------------------------------------------------------------


def test_morris_ranks_a_parameter_that_drives_bookings_above_one_the_model_ignores(screening: sensitivity.Sensitivity) -> None:
    for output in ("siloed", "shared_leader", ("shared_leader", "siloed")):
        table = screening.indices("bookings", output)
        # salaries never touch bookings and every point shares the replication seeds (common
        # random numbers), so each of its elementary effects is exactly zero
        assert table.loc["costs.rep_cost_usd_per_year", "mu_star"] == 0.0
        assert table.loc["costs.rep_cost_usd_per_year", "sigma"] == 0.0
    table = screening.indices("bookings", "siloed")
    # list price scales every deal: its effect is clearly positive (the bootstrap interval excludes 0)
    assert table.loc["deals.list_price_usd", "mu_star"] > table.loc["deals.list_price_usd", "mu_star_conf"]
    assert table.loc["deals.list_price_usd", "mu"] > 0


def test_the_salary_that_bookings_ignore_drives_costs(screening: sensitivity.Sensitivity) -> None:
    table = screening.indices("costs", "siloed")
    assert table.loc["costs.rep_cost_usd_per_year", "mu_star"] > table.loc["costs.rep_cost_usd_per_year", "mu_star_conf"]
    assert table.loc["costs.rep_cost_usd_per_year", "mu"] > 0


def test_morris_design_has_trajectories_times_parameters_plus_one_points(screening: sensitivity.Sensitivity) -> None:
    assert screening.unit.shape == (4 * (3 + 1), 3)
    assert len(screening.points) == 16
    # each design row maps to the distinct point run for it
    distinct = screening.experiment.points
    assert distinct is not None
    assert screening.points.reset_index(drop=True).equals(distinct.iloc[screening.point_index].reset_index(drop=True))


def test_the_paired_difference_output_is_the_mean_of_per_replication_differences(screening: sensitivity.Sensitivity) -> None:
    diff = screening.outputs("profit", ("shared_leader", "siloed"))
    a = screening.outputs("profit", "shared_leader")
    b = screening.outputs("profit", "siloed")
    np.testing.assert_allclose(diff.to_numpy(), (a - b).to_numpy(), rtol=1e-12, atol=1e-6)
    frame = screening.experiment.differences("siloed", "profit")  # the Experiment's own paired differences
    per_point = frame.xs(("shared_leader", "profit_usd"), level=("structure", "metric"))["mean"].to_numpy()
    np.testing.assert_allclose(diff.to_numpy(), per_point[screening.point_index], rtol=1e-12)


def test_an_output_must_name_a_run_structure(screening: sensitivity.Sensitivity) -> None:
    with pytest.raises(orgsim.ValidationError, match="one of the structures"):
        screening.indices("bookings", "matrix")
    with pytest.raises(orgsim.ValidationError, match="a structure"):
        screening.indices("bookings")  # two structures run: say which output


def test_an_unknown_metric_is_refused_with_a_hint(screening: sensitivity.Sensitivity) -> None:
    with pytest.raises(orgsim.ValidationError, match="did you mean 'bookings_usd'"):
        screening.indices("booking_usd", "siloed")


# -- Sobol ---------------------------------------------------------------------------------------


def test_sobol_indices_of_costs_match_the_closed_form_of_a_linear_model() -> None:
    """costs = reps x salary x T/365 + marketers x salary x T/365: additive and linear, so
    S1_i = ST_i = c_i^2 Var(x_i) / sum_j c_j^2 Var(x_j), and gross margin (not in costs) has 0."""
    ranges = {
        "costs.rep_cost_usd_per_year": (100_000.0, 200_000.0),
        "costs.marketer_cost_usd_per_year": (50_000.0, 150_000.0),
        "costs.gross_margin": (0.5, 0.9),
    }
    horizon = 14.0
    study = sensitivity.sobol(
        COSTS_ONLY, {"none": None}, ranges, samples=16, replications=1, seed=5, horizon_days=horizon, executor="serial", progress=False
    )
    assert len(study.unit) == 16 * (3 + 2)
    # the simulated costs are the closed form at every design point: rows are in place
    y = study.outputs("costs", "none").to_numpy()
    expected = (4 * study.points["costs.rep_cost_usd_per_year"] + 2 * study.points["costs.marketer_cost_usd_per_year"]) * horizon / 365.0
    np.testing.assert_allclose(y, expected.to_numpy(), rtol=1e-9)
    table = study.indices("costs", "none")
    v_rep, v_marketer = (4 * 100_000.0) ** 2, (2 * 100_000.0) ** 2  # c_i^2 (high - low)^2, the 1/12 cancels
    analytic = {
        "costs.rep_cost_usd_per_year": v_rep / (v_rep + v_marketer),
        "costs.marketer_cost_usd_per_year": v_marketer / (v_rep + v_marketer),
    }
    for name, share in analytic.items():
        # within the 95% bootstrap interval SALib reports
        assert abs(table.loc[name, "S1"] - share) <= table.loc[name, "S1_conf"]
        assert abs(table.loc[name, "ST"] - share) <= table.loc[name, "ST_conf"]
    # a parameter the output ignores has exactly zero indices (its design rows give identical runs)
    assert table.loc["costs.gross_margin", ["S1", "ST"]].tolist() == [0.0, 0.0]
    # the bootstrap intervals are reproducible and leave numpy's global random state alone
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    study._cache.clear()
    pd.testing.assert_frame_equal(study.indices("costs", "none"), table)
    assert (np.random.get_state()[1] == state).all()


def test_sobol_samples_must_be_a_power_of_two() -> None:
    with pytest.raises(orgsim.ValidationError) as err:
        sensitivity.sobol(None, PAIR, {"sales.reps": (5, 20)}, samples=48, replications=1, seed=0)
    assert err.value.fields == ["samples"]


def test_bad_declarations_are_refused_before_anything_runs() -> None:
    with pytest.raises(orgsim.ValidationError) as err:
        sensitivity.morris(None, PAIR, {"sales.reps": (20, 5), "deals.cycle_day_median": (30.0, 60.0)}, replications=1, seed=0)
    assert err.value.fields == ["uncertain['sales.reps']", "uncertain['deals.cycle_day_median']"]
    assert "did you mean 'cycle_days_median'" in str(err.value)


def test_a_point_the_scenario_rejects_is_refused_before_anything_runs() -> None:
    # every bound is inside its field's range, but discount_mean > discount_max at some points
    with pytest.raises(orgsim.ValidationError, match="discount_mean"):
        sensitivity.morris(None, PAIR, {"deals.discount_mean": (0.05, 0.6)}, trajectories=4, replications=1, seed=0, executor="serial")


# -- executors and stores ------------------------------------------------------------------------


def _tiny(executor: object, store: object = None) -> sensitivity.Sensitivity:
    return sensitivity.morris(
        SMALL,
        PAIR,
        {"sales.reps": (2, 8), "deals.cycle_days_median": (20.0, 90.0)},
        trajectories=2,
        replications=1,
        seed=3,
        horizon_days=28,
        executor=executor,
        progress=False,
        store=store,
    )


def test_results_are_identical_in_this_process_and_in_a_process_pool() -> None:
    here = _tiny("serial")
    pool = _tiny(2)
    pd.testing.assert_frame_equal(here.experiment.to_frame("totals"), pool.experiment.to_frame("totals"))
    pd.testing.assert_frame_equal(here.indices("bookings", "siloed"), pool.indices("bookings", "siloed"))


def test_a_study_resumes_from_its_store(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    first = _tiny("serial", tmp_path / "store")
    again = _tiny("serial", tmp_path / "store")
    assert first.experiment.store_report is not None and again.experiment.store_report is not None
    assert first.experiment.store_report["computed"] == first.runs
    assert again.experiment.store_report["computed"] == 0
    assert again.experiment.store_report["reused"] == first.runs
    pd.testing.assert_frame_equal(first.indices("bookings", "shared_leader"), again.indices("bookings", "shared_leader"))


# -- which structure wins where ------------------------------------------------------------------


@pytest.fixture(scope="module")
def contest() -> sensitivity.Winners:
    return sensitivity.winners(
        SMALL,
        PAIR,
        {"sales.reps": (2, 8), "deals.cycle_days_median": (20.0, 90.0)},
        metric="profit",
        samples=8,
        at_days=[28, 56],
        replications=2,
        seed=2,
        executor="serial",
        progress=False,
    )


def test_the_probabilities_of_being_best_sum_to_one_at_every_horizon(contest: sensitivity.Winners) -> None:
    for by in ("points", "replications"):
        p = contest.probabilities(by=by)
        assert p.index.tolist() == [28.0, 56.0]
        np.testing.assert_allclose(p.sum(axis=1).to_numpy(), 1.0, rtol=1e-12)


def test_the_best_structure_has_the_highest_mean_and_a_non_negative_margin(contest: sensitivity.Winners) -> None:
    frame = contest.by_point
    means = frame[[f"mean[{s}]" for s in contest.labels]].to_numpy()
    assert (frame["best"].to_numpy() == np.array(contest.labels)[means.argmax(axis=1)]).all()
    assert (frame["margin"] >= 0).all()
    assert (frame["clear"] == (frame["margin_ci_low"] > 0)).all()


def test_the_margin_interval_at_the_horizon_is_the_experiments_paired_interval(contest: sensitivity.Winners) -> None:
    at_end = contest.by_point[contest.by_point["horizon_days"] == 56.0]
    diff = contest.experiment.differences("siloed", "profit")
    for _, row in at_end.iterrows():
        d = diff.loc[(row["point"], "shared_leader", "profit_usd")]
        sign = 1.0 if row["best"] == "shared_leader" else -1.0
        assert row["margin"] == pytest.approx(sign * d["mean"], rel=1e-12)
        low, high = sorted((sign * d["ci_low"], sign * d["ci_high"]))
        assert row["margin_ci_low"] == pytest.approx(low, rel=1e-9)
        assert row["margin_ci_high"] == pytest.approx(high, rel=1e-9)


def test_reading_an_earlier_day_of_a_long_run_equals_running_to_that_day(contest: sensitivity.Winners) -> None:
    point = contest.by_point.iloc[0]
    scenario = SMALL.replace(**{"sales.reps": int(point["sales.reps"]), "deals.cycle_days_median": float(point["deals.cycle_days_median"])})
    short = orgsim.compare(scenario, PAIR, replications=2, seed=2, horizon_days=28, executor="serial", progress=False)
    expected = short.summary("profit").xs("profit_usd", level="metric")["mean"]
    for label in contest.labels:
        assert point[f"mean[{label}]"] == pytest.approx(expected[label], rel=1e-12)


def test_regions_count_every_point_once_and_name_the_most_frequent_winner(contest: sensitivity.Winners) -> None:
    table = contest.regions("sales.reps", "horizon_days", bins=2)
    assert table["points"].sum() == len(contest.by_point)
    shares = table[contest.labels].dropna()
    np.testing.assert_allclose(shares.sum(axis=1).to_numpy(), 1.0)
    assert (table.dropna(subset=["winner"]).apply(lambda r: r[r["winner"]] == r[contest.labels].max(), axis=1)).all()


def test_regions_of_a_parameter_count_the_points_at_the_horizon_only(contest: sensitivity.Winners) -> None:
    table = contest.regions("deals.cycle_days_median", bins=3)
    assert table["points"].sum() == 8
    assert table.attrs["day"] == 56.0
    earlier = contest.regions("deals.cycle_days_median", bins=3, day=28.0)
    assert earlier.attrs["day"] == 28.0


def test_regions_refuse_an_undeclared_parameter(contest: sensitivity.Winners) -> None:
    with pytest.raises(orgsim.ValidationError, match=r"did you mean 'sales\.reps'"):
        contest.regions("sales.rep")


def test_at_days_beyond_the_horizon_are_refused() -> None:
    with pytest.raises(orgsim.ValidationError) as err:
        sensitivity.winners(None, PAIR, {"sales.reps": (5, 20)}, at_days=[400], horizon_days=365, replications=1, seed=0)
    assert err.value.fields == ["at_days"]


# -- figures ---------------------------------------------------------------------------------------


def test_the_figures_draw_one_mark_per_parameter_and_label_their_units(
    screening: sensitivity.Sensitivity, contest: sensitivity.Winners
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = screening.plot("bookings", "siloed")
    assert "USD" in ax.get_xlabel() and "USD" in ax.get_ylabel()
    assert len(ax.get_legend().get_texts()) == 3 + 1  # three parameters and the sigma = mu* line
    ax = orgsim.sensitivity.plot_sobol(
        pd.DataFrame({"S1": [0.7, 0.1], "S1_conf": [0.1, 0.05], "ST": [0.8, 0.2], "ST_conf": [0.1, 0.05]}, index=["a", "b"])
    )
    assert len(ax.patches) == 4
    ax = contest.plot("sales.reps", "deals.cycle_days_median", bins=2)
    assert "sales.reps" in ax.get_xlabel()
    plt.close("all")


def test_importing_orgsim_does_not_import_salib_or_matplotlib() -> None:
    code = "import sys, orgsim; print(sorted(m for m in ('SALib', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_uncertainties_can_be_passed_as_an_object() -> None:
    u = Uncertainties({"sales.reps": (2, 8)})
    assert sensitivity._uncertainties(u) is u


# -- command line ----------------------------------------------------------------------------------


@pytest.fixture()
def small_toml(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    SMALL.to_toml(path)
    path.write_text(path.read_text() + '\n[uncertain]\n"sales.reps" = [2, 8]\n"deals.cycle_days_median" = [20.0, 90.0]\n')
    return path


def test_cli_morris_prints_the_indices_and_writes_tables_and_figures(
    small_toml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from orgsim.present.cli import main

    out = tmp_path / "out"
    argv = ["sensitivity", str(small_toml), "--structures", "siloed", "shared_leader", "--samples", "2", "--replications", "1"]
    argv += ["--horizon-days", "21", "--workers", "1", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "mu_star" in printed and "siloed - shared_leader" in printed and "deals.cycle_days_median" in printed
    indices = pd.read_csv(out / "indices.csv")
    assert len(indices) == 3 * 2  # (siloed, shared_leader, the difference) x 2 parameters
    assert len(pd.read_csv(out / "design.csv")) == 2 * (2 + 1)
    assert (out / "figures" / "morris-bookings-siloed-minus-shared_leader.png").stat().st_size > 0


def test_cli_winners_prints_the_probabilities_of_being_best(small_toml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from orgsim.present.cli import main

    out = tmp_path / "out"
    argv = ["sensitivity", str(small_toml), "--method", "winners", "--structures", "siloed", "shared_leader", "--samples", "3"]
    argv += ["--replications", "1", "--horizon-days", "21", "--metric", "profit", "--by", "sales.reps", "--bins", "2"]
    argv += ["--workers", "1", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    assert "probability of being best" in capsys.readouterr().out
    probabilities = pd.read_csv(out / "probabilities.csv", index_col=0)
    assert probabilities.sum(axis=1).tolist() == pytest.approx([1.0])
    assert (out / "figures" / "winners.png").exists()


@pytest.mark.parametrize(
    ("extra", "names"),
    [
        (["--param", "sales.rep=2:8"], "did you mean 'reps'"),
        (["--param", "sales.reps=8:2"], "low < high"),
        (["--param", "sales.reps=2-8"], "KEY=LOW:HIGH"),
        (["--param", "sales.reps=2:8", "--method", "sobol", "--samples", "48"], "a power of two"),
        (["--param", "sales.reps=2:8", "--difference", "siloed", "matrix"], "--difference"),
        ([], "uncertain parameters"),
    ],
)
def test_cli_bad_input_exits_2_with_a_clear_message(
    extra: list[str], names: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from orgsim.present.cli import main

    assert main(["sensitivity", "--structures", "siloed", "--out", str(tmp_path / "out"), *extra]) == 2
    assert names in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

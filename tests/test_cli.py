"""The command line: every subcommand runs, writes what it promises and exits 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import orgsim
from orgsim.present.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--replications", "2", "--horizon-days", "60", "--workers", "1", "--no-progress"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("cli") / "results"
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["compare", *FAST, "--structures", "marketing_under_sales", "shared_leader", "--out", str(out)])
    assert code == 0
    return out, buffer.getvalue()


def test_compare_prints_a_table_with_every_structure_and_the_paired_differences(compared: tuple[Path, str]) -> None:
    _, printed = compared
    assert "marketing_under_sales" in printed and "shared_leader" in printed
    assert "bookings (USD)" in printed and "SLA compliance" in printed
    assert "paired differences from marketing_under_sales" in printed


def test_compare_writes_tidy_results_a_summary_and_every_figure(compared: tuple[Path, str]) -> None:
    out, _ = compared
    totals = pd.read_csv(out / "totals.csv")
    assert list(totals.columns) == ["structure", "replication", "metric", "value"]
    assert set(totals.structure) == {"marketing_under_sales", "shared_leader"} and set(totals.replication) == {0, 1}
    series = pd.read_csv(out / "series.csv.gz")
    assert list(series.columns) == ["structure", "replication", "period", "metric", "value"]
    summary = pd.read_csv(out / "summary.csv")
    assert {"structure", "metric", "mean", "ci_low", "ci_high"} <= set(summary.columns)
    assert (out / "differences.csv").exists()
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 0 and run["replications"] == 2 and len(run["seeds"]) == 2
    figures = sorted(p.stem for p in (out / "figures").glob("*.png"))
    assert figures == sorted(
        ["dashboard", "bookings", "cumulative", "differences", "funnel", "effort_split", "stocks", "sla", "response_times"]
    )
    assert all(p.stat().st_size > 10_000 for p in (out / "figures").glob("*.png"))
    assert not list(out.rglob("*.tmp"))  # atomic writes leave no temp files


def test_compare_results_match_the_python_api(compared: tuple[Path, str]) -> None:
    out, _ = compared
    presets = orgsim.presets.all()
    experiment = orgsim.compare(
        orgsim.Scenario(),
        {k: presets[k] for k in ("marketing_under_sales", "shared_leader")},
        replications=2,
        seed=0,
        horizon_days=60,
        executor="serial",
        progress=False,
    )
    api = experiment.to_frame("totals")
    cli = pd.read_csv(out / "totals.csv")
    merged = api.merge(cli, on=["structure", "replication", "metric"], suffixes=("_api", "_cli"))
    assert len(merged) == len(api)
    pd.testing.assert_series_equal(merged.value_api, merged.value_cli, check_names=False, rtol=1e-12)


def test_compare_accepts_a_custom_structure_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    file = ROOT / "scenarios" / "structure_cco.toml"
    code = main(["compare", *FAST, "--structures", "siloed", "--structure-file", str(file), "--out", str(out)])
    assert code == 0
    name = orgsim.Structure.from_toml(file).name
    assert set(pd.read_csv(out / "totals.csv").structure) == {"siloed", name}


def test_sweep_over_a_grid_writes_points_and_totals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sweep"
    code = main(["sweep", *FAST, "--structures", "shared_leader", "--param", "sales.reps=6,12", "--out", str(out)])
    assert code == 0
    points = pd.read_csv(out / "points.csv")
    assert list(points["sales.reps"]) == [6, 12]
    assert "sales.reps" in capsys.readouterr().out


def test_sweep_over_a_latin_hypercube(tmp_path: Path) -> None:
    out = tmp_path / "lhs"
    code = main(["sweep", *FAST, "--structures", "siloed", "--range", "sales.reps=5:15", "--samples", "3", "--out", str(out)])
    assert code == 0
    reps = pd.read_csv(out / "points.csv")["sales.reps"]
    assert len(reps) == 3 and reps.between(5, 15).all()


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["compare", "--structures", "nobody_in_charge"], "--structures"),
        (["compare", "--workers", "0"], "--workers"),
        (["compare", "--replications", "0", "--workers", "1"], "replications"),
        (["compare", "--horizon-days", "-5", "--workers", "1"], "horizon"),
        (["compare", "--baseline", "siloed", "--structures", "shared_leader"], "--baseline"),
        (["compare", "no/such/file.toml"], "no/such/file.toml"),
        (["sweep", "--structures", "siloed"], "--param"),
        (["sweep", "--param", "sales.reps"], "--param"),
        (["sweep", "--range", "sales.reps=a:b"], "--range"),
        (["sweep", "--param", "sales.reeps=1,2", "--workers", "1"], "sales.reeps"),
        (["run", "--structure", "ceo"], "--structure"),
    ],
)
def test_bad_arguments_exit_2_naming_the_field(argv: list[str], names: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert names in capsys.readouterr().err


def test_every_subcommand_has_its_own_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, subparser in sub.choices.items():
        text = subparser.format_help()
        assert len(text) > 300, name
        assert "usage: orgsim " + name in text


def test_python_dash_m_orgsim_runs_a_single_simulation() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "orgsim", "run", "--horizon-days", "30", "--structure", "shared_leader"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "bookings (USD)" in done.stdout

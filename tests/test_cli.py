"""The command line: every subcommand runs, writes what it promises and exits 2 on bad input."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from subprocess import PIPE
from typing import Any

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
    drawn = ["dashboard", "bookings", "cumulative", "cumulative_difference", "differences", "funnel", "effort_split", "stocks", "sla"]
    assert figures == sorted([*drawn, "response_times"])
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


def test_compare_with_fixed_seed_profiles_matches_the_python_api(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["compare", *FAST, "--structures", "shared_leader", "siloed", "--leaders", "fixed", "--profile", "seed", "--out", str(out)])
    assert code == 0
    assert "leaders fixed (seed profiles)" in capsys.readouterr().out
    seed = orgsim.presets.all("seed")
    api = orgsim.compare(
        None, {k: seed[k] for k in ("shared_leader", "siloed")}, replications=2, seed=0, horizon_days=60, executor="serial", leaders="fixed"
    ).to_frame("totals")
    cli = pd.read_csv(out / "totals.csv")
    merged = api.merge(cli, on=["structure", "replication", "metric"], suffixes=("_api", "_cli"))
    assert len(merged) == len(api)
    pd.testing.assert_series_equal(merged.value_api, merged.value_cli, check_names=False, rtol=1e-12)
    assert json.loads((out / "run.json").read_text())["leaders"] == "fixed"


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


@pytest.mark.parametrize(("flag", "value"), [("--leaders", "best"), ("--profile", "heroic")])
def test_a_choice_that_is_not_offered_exits_2_naming_the_flag(flag: str, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["compare", flag, value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert flag in err and value in err and "Traceback" not in err


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


# -- issue 17: where results go, interruptions, errors of the operating system, CSV injection ------


def _no_simulation(*args: object, **kwargs: object) -> None:
    raise AssertionError("simulated before the output location was checked")


def test_an_output_folder_that_cannot_be_written_is_refused_before_simulating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Root ignores permission bits, so the refusal of the operating system is simulated.
    import tempfile

    from orgsim.experiment import study

    real_mkstemp = tempfile.mkstemp
    locked = tmp_path / "locked"

    def mkstemp(*args: Any, **kwargs: Any) -> Any:
        if Path(kwargs.get("dir") or ".").resolve() == locked.resolve():
            raise PermissionError(13, "Permission denied", str(locked / ".probe"))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(study, "compare", _no_simulation)
    assert main(["compare", *FAST, "--out", str(locked / "results")]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "Permission denied" in err and str(locked) in err


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("failure", "code"), [(OSError(28, "No space left on device"), 1), (KeyboardInterrupt(), 130)])
def test_an_interrupted_rerun_leaves_the_previous_results_whole_and_a_finished_one_replaces_them(
    failure: BaseException, code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from orgsim.present.cli import output

    out = tmp_path / "results"
    assert main(["compare", *FAST, "--structures", "siloed", "shared_leader", "--out", str(out)]) == 0
    first = _files(out)
    assert "differences.csv" in first and "orgsim-output.json" in first
    calls = []
    save_figure = output.save_figure

    def fail_on_the_second_figure(figure: Any, path: Path) -> Path:
        calls.append(path)
        if len(calls) == 2:
            raise failure
        return save_figure(figure, path)

    monkeypatch.setattr(output, "save_figure", fail_on_the_second_figure)
    capsys.readouterr()
    assert main(["compare", *FAST, "--structures", "siloed", "--seed", "1", "--out", str(out)]) == code
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert _files(out) == first  # exactly the first run's files, untouched
    monkeypatch.setattr(output, "save_figure", save_figure)
    assert main(["compare", *FAST, "--structures", "siloed", "--seed", "2", "--out", str(out)]) == 0
    third = _files(out)
    assert "differences.csv" not in third and "figures/differences.png" not in third  # nothing left of the first run
    assert json.loads(third["run.json"])["seed"] == 2
    assert sorted(json.loads(third["orgsim-output.json"])["files"]) == sorted(set(third) - {"orgsim-output.json"})
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # no hidden partial or old folders left


def test_ctrl_c_during_the_renames_comes_after_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from orgsim.present.cli import outputset

    out = tmp_path / "results"
    assert main(["compare", *FAST, "--structures", "siloed", "shared_leader", "--out", str(out)]) == 0
    place = outputset._place

    def interrupted_place(staging: Path, target: Path) -> bool:
        signal.raise_signal(signal.SIGINT)  # Ctrl-C just as the new set is put in place
        return place(staging, target)

    monkeypatch.setattr(outputset, "_place", interrupted_place)
    capsys.readouterr()
    assert main(["compare", *FAST, "--structures", "siloed", "--seed", "3", "--out", str(out)]) == 130
    assert capsys.readouterr().err == f"orgsim: interrupted by SIGINT after the results were written into {out}\n"
    assert json.loads((out / "run.json").read_text())["seed"] == 3 and not (out / "differences.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_a_store_inside_the_output_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    assert main(["compare", *FAST, "--out", str(out), "--store", str(out / "store")]) == 2
    assert "--store" in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (PermissionError(13, "Permission denied", "/data/locked/scenario.toml"), 2),
        (OSError(28, "No space left on device", "/data/full/totals.csv"), 1),
    ],
)
def test_an_os_error_is_one_line_naming_the_path(
    error: OSError, code: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from orgsim.present.cli import commands

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(commands, "experiment_scenario", fail)
    assert main(["compare", *FAST]) == code
    err = capsys.readouterr().err
    assert err == f"orgsim: {error.filename}: {error.strerror}\n"


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.parametrize(("sig", "code", "store"), [(signal.SIGINT, 130, False), (signal.SIGTERM, 143, True)])
def test_a_signal_stops_compare_with_one_line_and_leaves_no_worker_behind(sig: int, code: int, store: bool, tmp_path: Path) -> None:
    if store:
        pytest.importorskip("pyarrow")
    argv = ["compare", "--horizon-days", "1095", "--replications", "40", "--workers", "2", "--no-progress", "--out", "out"]
    argv += ["--store", "store"] if store else []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "orgsim", *argv], cwd=tmp_path, env=env, stdout=PIPE, stderr=PIPE, text=True)
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 3 and time.monotonic() < deadline:  # two workers and the resource tracker
            time.sleep(0.1)
        time.sleep(3)  # the workers are simulating
        children = _children(proc.pid)
        assert len(children) >= 3 and proc.poll() is None
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == code, err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert err.startswith(f"orgsim: interrupted by {signal.Signals(sig).name} while simulating")
        assert ("saved in store: run the same command again" in err) if store else ("add --store DIR" in err)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in children if _alive(pid)], "worker processes outlived the command"
        assert not (tmp_path / "out").exists()
    finally:  # never leave this test's processes behind, whatever failed
        for pid in [proc.pid, *children]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.parametrize("after_spawn", [0.05, 0.3])
def test_ctrl_c_to_the_whole_process_group_while_workers_start_prints_no_worker_traceback(after_spawn: float, tmp_path: Path) -> None:
    """A terminal sends Ctrl-C to every process of the group; workers still importing orgsim
    must not print tracebacks of their own (they are started with SIGINT blocked), and the
    Ctrl-C must not be lost while the pool is starting them."""
    argv = ["compare", "--horizon-days", "1095", "--replications", "40", "--workers", "2", "--no-progress", "--out", "out"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "orgsim", *argv], cwd=tmp_path, env=env, stdout=PIPE, stderr=PIPE, text=True, start_new_session=True
    )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 3 and time.monotonic() < deadline:  # the workers are being born
            time.sleep(0.01)
        time.sleep(after_spawn)  # ... and are still importing orgsim
        children = _children(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err, err
        assert proc.returncode in (130, 0), err  # 0 only if the signal came before the handler was set
        deadline = time.monotonic() + 10
        children |= _children(proc.pid)
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in children if _alive(pid)], "worker processes outlived the command"
    finally:
        for pid in [proc.pid, *children]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_csv_cells_that_would_start_a_formula_are_quoted_and_numbers_never() -> None:
    from orgsim.present.cli.output import csv_safe_frame

    index = pd.MultiIndex.from_arrays([["=evil", "ok", "-x"], [0, 1, 2]], names=["structure", "replication"])
    frame = pd.DataFrame(
        {
            "name": ["=1+1", "ok", "\tx"],
            "value": [-1.5, 2.0, -3.0],
            "mixed": ["@a", 5, None],
            "metric": pd.Categorical(["+m", "m", "+m"]),
        },
        index=index,
    ).rename(columns={"value": "-value"})
    safe = csv_safe_frame(frame)
    assert list(safe["name"]) == ["'=1+1", "ok", "'\tx"]
    assert list(safe["'-value"]) == [-1.5, 2.0, -3.0] and safe["'-value"].dtype == float
    assert list(safe["mixed"])[:2] == ["'@a", 5]
    assert list(safe["metric"].astype(str)) == ["'+m", "m", "'+m"]
    assert list(safe.index.get_level_values("structure")) == ["'=evil", "ok", "'-x"]
    assert list(safe.index.get_level_values("replication")) == [0, 1, 2]
    assert frame.loc[("=evil", 0), "name"] == "=1+1"  # the frame given is left as it was
    series = csv_safe_frame(pd.Series(["-a", "b"], name="=n"))
    assert list(series) == ["'-a", "b"] and series.name == "'=n"

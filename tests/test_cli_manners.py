"""The command line's manners: help that shows where to start, errors in the user's words, the
files' own horizons, structure files as first-class inputs, a verdict, aligned tables, progress
in a log, one line on Ctrl-C, and words a newcomer can read."""

from __future__ import annotations

import json
import re
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import orgsim
from orgsim.experiment import runner
from orgsim.present.cli import build_parser, main
from orgsim.present.cli.annotated import SOURCE_GRADES, annotated_toml
from orgsim.present.cli.interrupts import _what_happened

ROOT = Path(__file__).resolve().parents[1]
CCO = ROOT / "scenarios" / "structure_cco.toml"
FAST = ["--replications", "2", "--workers", "1", "--no-progress"]


def _no_simulation(*args: object, **kwargs: object) -> None:
    raise AssertionError("simulated")


# -- help --------------------------------------------------------------------------------------------


def test_bare_orgsim_prints_a_short_help_pointing_to_compare_and_runs_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr("orgsim.experiment.study.compare", _no_simulation)
    monkeypatch.chdir(tmp_path)
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "orgsim compare" in out and "Commands:" in out and len(out.splitlines()) < 25
    assert not list(tmp_path.iterdir())  # nothing written


def test_every_subcommand_help_shows_an_example_of_itself() -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name, parser in sub.choices.items():
        text = parser.format_help()
        assert "Example" in text, f"orgsim {name} --help has no example"
        assert re.search(rf"(^\s+|Examples?: )orgsim {name}\b", text, re.M), f"orgsim {name} --help has no example of orgsim {name}"


# -- errors in the user's words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "shown", "python_name"),
    [
        (["compare", "--horizon-days", "-5"], "--horizon-days -5: ", "horizon_days"),
        (["sweep", "--horizon-days", "0", "--param", "sales.reps=6,8"], "--horizon-days 0: ", "horizon_days"),
        (["compare", "--replications", "0", "--workers", "1"], "--replications 0: ", "replications ="),
        (["compare", "--seed", "-1", "--workers", "1"], "--seed -1: ", "seed ="),
        (["compare", "--workers", "0"], "--workers 0: ", "executor"),
        (["compare", "--baseline", "ceo", "--workers", "1"], "--baseline ceo: ", "baseline ="),
    ],
)
def test_errors_name_the_flag_the_user_typed(
    argv: list[str], shown: str, python_name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("orgsim.experiment.study.compare", _no_simulation)
    monkeypatch.setattr("orgsim.experiment.study.sweep", _no_simulation)
    assert main([*argv, "--out", "never-written"]) == 2
    captured = capsys.readouterr()
    assert shown in captured.err and python_name not in captured.err
    assert captured.out == ""  # refused before the header


@pytest.mark.parametrize("argv", [["sweep", "--structures", "siloed"], ["sensitivity", "--structures", "siloed"]])
def test_a_missing_option_is_named_without_printing_none(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--workers", "1", "--out", "never-written"]) == 2
    err = capsys.readouterr().err
    assert "= None" not in err and "None" not in err and "--" in err


# -- the file's horizon --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("horizon") / "short.toml"
    path.write_text('name = "short"\nhorizon_days = 35.0\n')
    return path


def _run_json(out: Path) -> dict[str, object]:
    return json.loads((out / "run.json").read_text())


def test_compare_runs_the_scenario_files_horizon_and_run_json_holds_one_horizon(short_scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["compare", str(short_scenario), *FAST, "--structures", "siloed", "shared_leader", "--out", str(out)]) == 0
    run = _run_json(out)
    assert run["horizon_days"] == 35.0 and run["scenario"]["horizon_days"] == 35.0  # type: ignore[index]
    series = pd.read_csv(out / "series.csv.gz")
    assert series.loc[series.metric == "end_day", "value"].max() <= 35.0


def test_horizon_days_on_the_command_line_wins_over_the_files(short_scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["compare", str(short_scenario), *FAST, "--horizon-days", "21", "--structures", "siloed", "--out", str(out)]
    assert main(argv) == 0
    run = _run_json(out)
    assert run["horizon_days"] == 21.0 and run["scenario"]["horizon_days"] == 21.0  # type: ignore[index]


def test_without_a_file_or_flag_compare_runs_three_years(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    seen: dict[str, object] = {}

    def capture(scenario: orgsim.Scenario, *args: object, **kwargs: object) -> None:
        seen.update(scenario=scenario.horizon_days, argument=kwargs["horizon_days"])
        raise KeyboardInterrupt

    monkeypatch.setattr("orgsim.experiment.study.compare", capture)
    assert main(["compare", "--workers", "1", "--out", "never-written"]) == 130
    assert seen == {"scenario": 1095.0, "argument": 1095.0}
    assert "1095 days" in capsys.readouterr().out


# -- structure files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.name)
def test_every_file_in_scenarios_passes_validate(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err
    assert "valid structure" in capsys.readouterr().out if path == CCO else True


def test_validate_checks_a_structure_file_as_a_structure(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", str(CCO)]) == 0
    assert f"{CCO}: valid structure 'cco_over_both' (integrator: cco)" in capsys.readouterr().out
    broken = tmp_path / "broken_structure.toml"
    broken.write_text(CCO.read_text().replace("background = 0.7", "background = 2.0"))
    assert main(["validate", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "structure.leaders.cco.background = 2.0" in err and "did you mean" not in err


def test_validate_checks_a_scenario_with_an_embedded_structure(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import tomli_w

    data = {"name": "ours", "horizon_days": 30.0, "structure": tomllib.loads(CCO.read_text())}
    embedded = tmp_path / "with_structure.toml"
    embedded.write_text(tomli_w.dumps(data))
    assert main(["validate", str(embedded)]) == 0, capsys.readouterr().err
    assert "valid scenario 'ours' with the structure 'cco_over_both'" in capsys.readouterr().out
    data["horizon_days"] = -1
    data["structure"]["leaders"]["cco"]["background"] = 2.0  # type: ignore[index]
    embedded.write_text(tomli_w.dumps(data))
    assert main(["validate", str(embedded)]) == 2
    err = capsys.readouterr().err
    assert "2 invalid inputs" in err and "horizon_days = -1" in err and "structure.leaders.cco.background" in err


def test_a_structure_file_given_as_the_scenario_is_refused_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(CCO), "--workers", "1", "--out", "never-written"]) == 2
    err = capsys.readouterr().err
    assert "--structure-file" in err and "did you mean" not in err


def test_run_accepts_a_structure_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--structure-file", str(CCO), "--horizon-days", "20"]) == 0
    assert "cco_over_both" in capsys.readouterr().out
    assert main(["run", "--structure", "siloed", "--structure-file", str(CCO), "--horizon-days", "20"]) == 2
    assert "--structure-file" in capsys.readouterr().err


def test_sweep_accepts_repeated_structure_files(tmp_path: Path) -> None:
    second = tmp_path / "cco_two.toml"
    second.write_text(CCO.read_text().replace('name = "cco_over_both"', 'name = "cco_two"'))
    out = tmp_path / "sweep"
    argv = ["sweep", *FAST, "--horizon-days", "20", "--structure-file", str(CCO), "--structure-file", str(second)]
    assert main([*argv, "--param", "sales.reps=6,8", "--out", str(out)]) == 0
    assert set(pd.read_csv(out / "totals.csv").structure) == {"cco_over_both", "cco_two"}


# -- the verdict and aligned tables ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> str:
    import contextlib
    import io

    out = tmp_path_factory.mktemp("verdict") / "results"
    buffer = io.StringIO()
    argv = ["compare", *FAST, "--replications", "3", "--horizon-days", "60", "--structures", "shared_leader", "siloed"]
    with contextlib.redirect_stdout(buffer):
        assert main([*argv, "marketing_under_sales", "--out", str(out)]) == 0
    return buffer.getvalue()


def test_compare_prints_a_verdict_against_siloed_by_default(compared: str) -> None:
    assert "baseline siloed (the default" in compared.splitlines()[0]
    assert "paired differences from siloed" in compared
    verdict = compared[compared.index("\nVerdict\n") :]
    assert "Best: " in verdict and "± is the half-width" in verdict
    assert all(name in verdict for name in ("shared_leader", "siloed", "marketing_under_sales"))


def _block(printed: str, first_line: str) -> list[str]:
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first_line))
    block = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        block.append(line)
    return block


def test_every_column_of_the_printed_tables_lines_up(compared: str) -> None:
    summary = _block(compared, "mean ± half-width")
    for column in range(3):  # the ± of every row stand one above the other, per structure
        positions = {[m.start() for m in re.finditer("±", line)][column] for line in summary[1:]}
        assert len(positions) == 1, summary
    differences = _block(compared, "paired differences from")
    assert len({len(line) for line in differences}) == 1, differences  # right-aligned columns end together
    for line in differences[1:]:
        assert "[" not in line


# -- progress in a log, and Ctrl-C ---------------------------------------------------------------------------


def test_a_long_run_prints_a_plain_progress_line_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    automatic = runner.progress_bar(4, progress=None)
    automatic.close()
    assert isinstance(automatic, runner.Heartbeat)  # pytest's stderr is no terminal
    beat = runner.Heartbeat(40, initial=10, interval_s=0.05)
    beat.update(2)
    time.sleep(0.3)
    beat.close()
    lines = capsys.readouterr().err.splitlines()
    assert lines and re.fullmatch(r"orgsim: 12/40 runs done, 00:00 elapsed", lines[0]), lines


def _interrupt_at_two(item: int) -> int:
    if item == 2:
        raise KeyboardInterrupt
    return item


def test_an_interrupted_run_says_how_many_runs_had_finished() -> None:
    with pytest.raises(KeyboardInterrupt) as caught:
        runner.run_tasks(_interrupt_at_two, [0, 1, 2, 3], executor="serial", progress=False, initial=5)
    assert caught.value.finished_tasks == (7, 9)  # type: ignore[attr-defined]


def test_the_interrupt_line_says_what_finished_and_how_to_resume() -> None:
    import argparse

    args = argparse.Namespace(command="compare", out="results", store=None)
    line = _what_happened(args, "SIGINT", (12, 40))
    assert "(12 of 40 runs had finished)" in line and "--store DIR" in line and "\n" not in line
    args.store = "saved"
    assert "saved in saved: run the same command again to resume" in _what_happened(args, "SIGINT", (12, 40))


# -- words a newcomer can read -------------------------------------------------------------------------------


def test_the_init_file_explains_every_source_grade_it_uses() -> None:
    text = annotated_toml(orgsim.Scenario())
    legend = text.split("\n\n", 1)[0]
    for letter, _ in SOURCE_GRADES:
        assert re.search(rf"^#\s+{letter}\s+\w", legend, re.M), letter
    assert "seed 000" in legend and "MODEL.md" in legend
    used = set(re.findall(r"Source: ([A-Z])\b", text)) | set(re.findall(r"\(([A-Z])(?:/[A-Z])?\)", text))
    assert used <= {letter for letter, _ in SOURCE_GRADES}


def test_the_parameters_page_defines_the_grades_once() -> None:
    page = (ROOT / "docs" / "parameters.md").read_text()
    assert page.count("## Sources and their grades") == 1
    for letter, meaning in SOURCE_GRADES:
        assert f"- **{letter}**: {meaning}" in page


def test_no_user_facing_text_cites_an_issue_number() -> None:
    pages = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    cited = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in pages for m in re.finditer(r"\bissue \d+|claim \(issue", p.read_text())]
    assert not cited


def test_citation_cff_is_valid_and_the_readme_and_docs_say_how_to_cite() -> None:
    yaml = pytest.importorskip("yaml")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors", "version", "license"} <= cff.keys()
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    for page in (ROOT / "README.md", ROOT / "docs" / "index.md"):
        assert "## How to cite" in page.read_text()

"""Every command shown in the README and the docs works as written.

The shell commands are the lines of the README's and every ``docs/**/*.md`` page's ```` ```bash ````
(or ``sh``/``shell``/``console``) blocks; the python blocks of the pages in ``PYTHON_PAGES``
are run too, in document order with the commands of the same page, in one fresh folder per
page that holds a copy of ``scenarios/``, so a command can use a file an earlier block wrote.
A command ending in ``# exit code N`` must exit with N, every other one with 0; commands are
also checked for what they promise (tables printed, files written). ``text`` blocks are
output shown to the reader, not commands.

Experiments are shrunk to test size: ``orgsim compare`` and ``orgsim sweep`` run with
``--replications 2`` (or fewer, if the docs ask for fewer), a horizon of at most 90 days, at
most 4 samples, and in this process (``--workers 1``) unless the command chooses workers;
``orgsim run`` simulates at most 90 days.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
#: Pages whose python blocks run here (docs/experiments.md has its own test in test_experiment.py).
PYTHON_PAGES = {"docs/index.md", "docs/user-guide.md", "docs/cli.md"} | {
    str(p.relative_to(ROOT)) for p in (ROOT / "docs" / "howto").glob("*.md")
}
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)
SHELLS = {"bash", "sh", "shell", "console"}
EXPECTED_CODE = re.compile(r"#\s*exit code (\d+)\s*$")
#: The README's setup lines create a virtualenv and install into it: that cannot run inside the
#: test suite (it would replace the environment running it). The part after the install, the
#: first run of ``orgsim compare`` as a new user does it, is run.
VENV_SETUP = re.compile(r"^python3 -m venv \.venv && \.venv/bin/pip install -q -e (\S+) && (.*)$")
SMALL_HORIZON_DAYS = 90.0
SMALL_REPLICATIONS = 2
SMALL_SAMPLES = 4


@dataclass
class Block:
    page: str
    line: int
    kind: str  # "shell" or "python"
    code: str


def blocks(page: Path) -> list[Block]:
    text = page.read_text()
    name = str(page.relative_to(ROOT))
    found = []
    for match in FENCE.finditer(text):
        lang, code = match.group(1).lower(), match.group(2)
        line = text.count("\n", 0, match.start()) + 1
        if lang in SHELLS:
            found.append(Block(name, line, "shell", code))
        elif lang == "python" and name in PYTHON_PAGES:
            found.append(Block(name, line, "python", code))
    return found


def shell_commands(code: str) -> list[str]:
    """The commands of a shell block: continuation lines joined, comments-only lines and prompts dropped."""
    commands, pending = [], ""
    for raw in code.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        line = (pending + line.strip()).strip()
        pending = ""
        if line.startswith("$ "):
            line = line[2:]
        if line and not line.startswith("#"):
            commands.append(line)
    return commands


def _option(words: list[str], name: str) -> str | None:
    return words[words.index(name) + 1] if name in words and words.index(name) + 1 < len(words) else None


def _set_option(words: list[str], name: str, value: str) -> None:
    if name in words:
        words[words.index(name) + 1] = value
    else:
        words += [name, value]


def shrink(command: str) -> str:
    """The command with test-sized experiments (see the module docstring); other commands unchanged."""
    body, _, comment = command.partition(" #")
    words = shlex.split(body)
    program = [i for i, w in enumerate(words) if w == "orgsim" or w.endswith("/orgsim")]
    if not program:
        return command
    if program[0] + 1 == len(words):
        return command  # bare orgsim prints a short help and runs nothing
    sub = words[program[0] + 1]
    if sub not in ("compare", "sweep", "run") or "--help" in words or "-h" in words:
        return command
    if sub == "run":
        horizon = float(_option(words, "--horizon-days") or 365)
        _set_option(words, "--horizon-days", f"{min(horizon, SMALL_HORIZON_DAYS):g}")
        return shlex.join(words) + (f" #{comment}" if comment else "")
    replications = int(_option(words, "--replications") or 10)
    _set_option(words, "--replications", str(min(replications, SMALL_REPLICATIONS)))
    horizon = float(_option(words, "--horizon-days") or 1095)
    _set_option(words, "--horizon-days", f"{min(horizon, SMALL_HORIZON_DAYS):g}")
    if "--samples" in words:
        _set_option(words, "--samples", str(min(int(_option(words, "--samples") or 16), SMALL_SAMPLES)))
    if "--workers" not in words:
        words += ["--workers", "1"]
    words.append("--no-progress")
    return shlex.join(words) + (f" #{comment}" if comment else "")


RUNNER = r"""
import json, os, subprocess, sys, traceback
import matplotlib
matplotlib.use("Agg")
steps = json.load(open(sys.argv[1]))
namespace = {"__name__": "__main__"}
results = []
for step in steps:
    if step["kind"] == "python":
        try:
            exec(compile(step["code"], f"{step['page']}, python block at line {step['line']}", "exec"), namespace)
            results.append({"ok": True})
        except BaseException:
            results.append({"ok": False, "error": traceback.format_exc()})
            break
    else:
        done = subprocess.run(["bash", "-c", step["code"]], capture_output=True, text=True)
        results.append({"ok": True, "rc": done.returncode, "stdout": done.stdout, "stderr": done.stderr})
json.dump(results, open(sys.argv[2], "w"))
"""


def _expected_code(command: str) -> int:
    match = EXPECTED_CODE.search(command)
    return int(match.group(1)) if match else 0


def _check_promises(command: str, stdout: str, workdir: Path) -> None:
    """What each orgsim command promises beyond its exit code."""
    words = shlex.split(command.partition(" #")[0])
    at = next((i for i, w in enumerate(words) if w == "orgsim" or w.endswith("/orgsim")), None)
    if at is None:
        return
    rest = words[at + 1 :]
    if not rest:  # bare orgsim: a short help pointing to orgsim compare, nothing run
        assert "orgsim compare" in stdout and not (workdir / "orgsim-results").exists(), stdout[:300]
        return
    sub = rest[0]
    if "--help" in rest or "-h" in rest:
        assert stdout.startswith("usage: orgsim"), stdout[:300]
    elif sub == "compare":
        out = workdir / (_option(rest, "--out") or "orgsim-results")
        assert "bookings (USD)" in stdout
        files = _all(rest, "--structure-file")
        presets = _option_values(rest, "--structures") if "--structures" in rest else ([] if files else ["all four"] * 4)
        if len(presets) + len(files) > 1:
            assert "paired differences from" in stdout
        for name in ("summary.csv", "totals.csv", "series.csv.gz", "run.json", "figures/dashboard.png", "figures/cumulative.png"):
            assert (out / name).is_file(), f"{command}: {out / name} was not written"
        assert (out / "figures" / "dashboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    elif sub == "sweep":
        out = workdir / (_option(rest, "--out") or "orgsim-sweep")
        assert all((out / name).is_file() for name in ("points.csv", "summary.csv", "totals.csv")), command
    elif sub == "run":
        assert "bookings (USD)" in stdout and "profit (USD)" in stdout
        if "--leads-csv" in rest:
            assert (workdir / _option(rest, "--leads-csv")).stat().st_size > 0
    elif sub == "validate":
        assert "valid scenario" in stdout or "valid structure" in stdout or "valid reorganisation" in stdout
    elif sub == "init":
        import orgsim

        orgsim.Scenario.from_toml(workdir / rest[1] / "scenario.toml")  # a valid, loadable scenario


def _option_values(words: list[str], name: str) -> list[str]:
    values: list[str] = []
    for word in words[words.index(name) + 1 :]:
        if word.startswith("--"):
            break
        values.append(word)
    return values


def _all(words: list[str], name: str) -> list[str]:
    return [words[i + 1] for i, w in enumerate(words[:-1]) if w == name]


def _steps(page: Path) -> tuple[list[dict[str, object]], list[str]]:
    """The page's steps in order, and the commands skipped (with the reason in the test's id)."""
    steps: list[dict[str, object]] = []
    skipped: list[str] = []
    for block in blocks(page):
        if block.kind == "python":
            steps.append({"kind": "python", "code": block.code, "page": block.page, "line": block.line, "shown": block.code})
            continue
        for command in shell_commands(block.code):
            setup = VENV_SETUP.match(command)
            if setup:
                skipped.append(command)
                tail = setup.group(2)
                if "pytest" in tail:
                    continue  # the test suite itself
                command = tail.replace(".venv/bin/orgsim", "orgsim")
            steps.append({"kind": "shell", "code": shrink(command), "page": block.page, "line": block.line, "shown": command})
    return steps, skipped


PAGES_WITH_STEPS = [p for p in PAGES if _steps(p)[0]]


def test_the_readme_and_the_command_line_page_show_orgsim_commands() -> None:
    shown = {str(p.relative_to(ROOT)): [s["shown"] for s in _steps(p)[0] if s["kind"] == "shell"] for p in PAGES}
    assert any(c.startswith("orgsim compare") or c == "orgsim compare" for c in shown["README.md"])
    cli = " ".join(shown["docs/cli.md"])
    for sub in ("compare", "run", "sweep", "init", "validate"):
        assert f"orgsim {sub}" in cli


def test_only_the_readmes_two_virtualenv_setup_lines_are_skipped() -> None:
    skipped = {str(p.relative_to(ROOT)): _steps(p)[1] for p in PAGES}
    assert skipped.pop("README.md") == [
        "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/orgsim compare",
        "python3 -m venv .venv && .venv/bin/pip install -q -e '.[all]' && .venv/bin/python -m pytest -q",
    ]
    assert all(not lines for lines in skipped.values())


def test_experiments_are_shrunk_to_test_size_and_nothing_else_changes() -> None:
    assert shrink("orgsim compare") == "orgsim compare --replications 2 --horizon-days 90 --workers 1 --no-progress"
    assert shrink("orgsim sweep --range sales.reps=5:20 --samples 8 --replications 1 --workers 2 --out x") == (
        "orgsim sweep --range sales.reps=5:20 --samples 4 --replications 1 --workers 2 --out x --horizon-days 90 --no-progress"
    )
    assert shrink("orgsim validate broken.toml  # exit code 2") == "orgsim validate broken.toml  # exit code 2"
    assert shrink("orgsim compare --help") == "orgsim compare --help"
    assert shrink("orgsim run --structure siloed") == "orgsim run --structure siloed --horizon-days 90"


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES_WITH_STEPS, ids=[str(p.relative_to(ROOT)) for p in PAGES_WITH_STEPS])
def test_every_command_and_example_on_the_page_works_as_written(page: Path, tmp_path: Path) -> None:
    steps, _ = _steps(page)
    workdir = tmp_path / "work"
    workdir.mkdir()
    shutil.copytree(ROOT / "scenarios", workdir / "scenarios")
    (tmp_path / "steps.json").write_text(json.dumps(steps))
    (tmp_path / "runner.py").write_text(RUNNER)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(tmp_path / "runner.py"), str(tmp_path / "steps.json"), str(tmp_path / "results.json")],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # a guard against a hang, far above the need
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    for step, result in zip(steps, results, strict=False):
        where = f"{step['page']} (block at line {step['line']}): {step['shown']}"
        assert result["ok"], f"{where}\n{result.get('error', '')}"
        if step["kind"] == "shell":
            expected = _expected_code(str(step["shown"]))
            assert result["rc"] == expected, f"{where}\nexit code {result['rc']}, expected {expected}\n{result['stderr'][-2000:]}"
            if expected == 0:
                _check_promises(str(step["code"]), result["stdout"], workdir)
            else:
                assert result["stderr"].startswith("orgsim: "), f"{where}: the error is not reported on stderr"
    assert len(results) == len(steps), "a step failed before the page's end"

"""Issue 17: every case the red team broke, replayed through the public API and the CLI, each in
a fresh interpreter with a bound on time. The cases live in ``tests/red_team/<area>.py``."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import red_team
from red_team import Case

ROOT = Path(__file__).resolve().parents[1]


def _cases() -> list[Case]:
    cases: list[Case] = []
    for info in pkgutil.iter_modules(red_team.__path__):
        cases.extend(importlib.import_module(f"red_team.{info.name}").CASES)
    return cases


CASES = _cases()


def _python(code: str, cwd: Path, seconds: float, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True, timeout=seconds, env=env, check=False
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_red_team_case(case: Case, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **case.env}
    if case.setup:
        done = _python(case.setup, tmp_path, case.seconds, env)
        assert done.returncode == 0, f"setup failed:\n{done.stderr}"
    try:
        if case.code:
            done = _python(case.code, tmp_path, case.seconds, env)
            assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        else:
            command = [sys.executable, "-m", "orgsim", *case.cli]
            done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=case.seconds, env=env, check=False)
            assert done.returncode == case.exit, f"exit {done.returncode}, expected {case.exit}\nstderr:\n{done.stderr}"
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case.name} did not finish within {case.seconds} s")
    assert "Traceback" not in done.stderr, done.stderr
    if case.stderr:
        assert case.stderr in done.stderr + done.stdout, f"expected {case.stderr!r} in:\n{done.stderr}{done.stdout}"


def test_every_area_has_cases() -> None:
    areas = {info.name for info in pkgutil.iter_modules(red_team.__path__)}
    assert areas, "no red-team cases found"
    assert all(importlib.import_module(f"red_team.{a}").CASES for a in areas)

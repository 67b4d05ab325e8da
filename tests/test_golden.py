"""Golden results: a fixed set of runs, hashed, so a refactor provably changes no result.

Written before the package was split into layers (issue 12) and kept since. A change that is
*meant* to alter behaviour regenerates the hashes (``python tests/test_golden.py --regenerate``)
in a commit that says which behaviour changed and why; any other change must leave every hash
as it is.

The set: each preset under two seeds for one year (with the lead log), the M/M/c verification
scenario, each file in ``scenarios/``, three stress runs (many disputes, a pooled 24-hour shift
from midnight, nurture returns on the same day), one ``compare`` and one ``sweep``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import orgsim
from orgsim.config.reorganization import read_structure_toml

ROOT = Path(__file__).resolve().parents[1]
HASHES = Path(__file__).with_name("golden") / "hashes.json"


def _frame_digest(digest: Any, frame: pd.DataFrame | None) -> None:
    if frame is None:
        digest.update(b"<none>")
        return
    digest.update(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())


def _totals_digest(digest: Any, totals: dict[str, float]) -> None:
    for name in sorted(totals):
        digest.update(name.encode())
        digest.update(np.float64(totals[name]).tobytes())


def run_hash(result: orgsim.RunResult) -> str:
    digest = hashlib.sha256()
    _frame_digest(digest, result.series)
    _totals_digest(digest, result.totals)
    _frame_digest(digest, result.leads)
    return digest.hexdigest()


def experiment_hash(experiment: object) -> str:
    digest = hashlib.sha256()
    for what in ("series", "totals"):
        frame = experiment.to_frame(what)  # type: ignore[attr-defined]
        _frame_digest(digest, frame.astype({c: str for c in frame.columns if str(frame[c].dtype) == "category"}))
    return digest.hexdigest()


def _cases() -> dict[str, Callable[[], str]]:
    cases: dict[str, Callable[[], str]] = {}
    for structure in orgsim.presets.all().values():
        for seed in (11, 12):
            cases[f"preset/{structure.name}/seed{seed}"] = (
                lambda s=structure, k=seed: run_hash(orgsim.simulate(orgsim.Scenario(), s, seed=k, horizon_days=365, record_leads=True))
            )
    cases["mmc"] = lambda: run_hash(
        orgsim.simulate(orgsim.scenarios.mmc(20.0, 4, 0.15, horizon_days=200.0), None, seed=3, record_leads=True)
    )
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        if path.name.startswith(("structure_", "reorganize_")):
            structure = read_structure_toml(path)
            days = 365.0 if path.name.startswith("structure_") else 540.0  # a reorganisation file switches at day 365
            cases[f"file/{path.name}"] = (
                lambda s=structure, d=days: run_hash(orgsim.simulate(orgsim.Scenario(), s, seed=5, horizon_days=d))
            )
        else:
            scenario = orgsim.Scenario.from_toml(path)
            cases[f"file/{path.name}"] = (
                lambda sc=scenario: run_hash(orgsim.simulate(sc, orgsim.presets.shared_leader(), seed=5, horizon_days=365))
            )
    # Runs that stress what the event-saving rewrites touched (disputes as callbacks, the shifts
    # and the day step as callbacks, nurture returns decided at the day step): their hashes are
    # the same as before those rewrites.
    base = orgsim.Scenario()
    stress = {
        "stress/disputes": (
            {"leadership.disputes_per_week": 12.0, "leadership.dispute_patience_days": 3.0, "leadership.dispute_rush_probability": 0.8},
            "shared_leader",
            300.0,
        ),
        "stress/midnight_pooled_shift": (
            {"calendar.workday_start_hour": 0.0, "calendar.workday_end_hour": 24.0, "sales.routing": "pooled"},
            "marketing_under_sales",
            200.0,
        ),
        "stress/nurture_same_day": (
            {"leads.nurture_min_days": 0.0, "leads.nurture_max_days": 2.0, "leads.nurture_recycle_share": 0.6},
            "siloed",
            200.37,
        ),
    }
    for name, (changes, preset, days) in stress.items():
        cases[name] = lambda c=changes, p=preset, d=days: run_hash(
            orgsim.simulate(base.replace(**c), getattr(orgsim.presets, p)(), seed=6, horizon_days=d, record_leads=True)
        )
    cases["compare"] = lambda: experiment_hash(
        orgsim.compare(orgsim.Scenario(), orgsim.presets.all(), replications=2, seed=7, horizon_days=180, executor="serial", progress=False)
    )
    cases["sweep"] = lambda: experiment_hash(
        orgsim.sweep(
            orgsim.Scenario(),
            [orgsim.presets.siloed(), orgsim.presets.shared_leader()],
            {"sales.reps": [8, 12], "inbound.base_rate_per_day": [20.0, 40.0]},
            replications=2,
            seed=9,
            horizon_days=120,
            executor="serial",
            progress=False,
        )
    )
    return cases


CASES = _cases()


def _expected() -> dict[str, str]:
    return json.loads(HASHES.read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_result_is_unchanged(name: str) -> None:
    expected = _expected()
    assert name in expected, f"no golden hash for {name!r}: regenerate in a commit that says why"
    assert CASES[name]() == expected[name], (
        f"{name}: results changed. If this change is meant to alter behaviour, regenerate with "
        "`python tests/test_golden.py --regenerate` in a commit that says which behaviour changed and why."
    )


def test_every_golden_hash_has_a_case() -> None:
    assert sorted(_expected()) == sorted(CASES)


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python tests/test_golden.py --regenerate")
    HASHES.parent.mkdir(exist_ok=True)
    HASHES.write_text(json.dumps({name: case() for name, case in sorted(CASES.items())}, indent=2) + "\n")
    print(f"wrote {len(CASES)} hashes to {HASHES}")

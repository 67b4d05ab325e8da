"""The one-run entry point: :func:`simulate`."""

from __future__ import annotations

import copy
import functools
import platform
from importlib import metadata
from typing import Any

import numpy as np

from orgsim.config import Reorganization, Scenario, Structure
from orgsim.config.checks import check_bool, check_horizon, raise_problems
from orgsim.config.errors import Problem, ValidationError
from orgsim.model.engine import Model
from orgsim.model.pipeline import OpenDeal
from orgsim.model.results import RunResult
from orgsim.model.streams import Seed, as_seed_sequence


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    # Reading the installed packages' metadata takes about as long as simulating 200 leads, and
    # the versions do not change while a process runs, so they are read once (issue 7 profile).
    versions = {"python": platform.python_version()}
    for name in ("orgsim", "simpy", "numpy", "pandas"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return tuple(versions.items())


def package_versions() -> dict[str, str]:
    """Versions of orgsim and the libraries that determine its results."""
    return dict(_versions())


#: The last warm-up's key and open pipeline (see :func:`_warm_pipeline`): one entry per process.
_last_warm_up: tuple[tuple[Scenario, int, tuple[int, ...], int], list[OpenDeal]] | None = None


def _warm_pipeline(scenario: Scenario, seed: np.random.SeedSequence) -> list[OpenDeal]:
    """The open pipeline of the scenario's warm-up run with ``seed``, as fresh leads.

    Spin-up: the scenario's base behaviour (no structure) fills the pipeline for
    ``deals.warm_start_days``, from its own family of streams, so every structure starts from
    the same open deals. The warm-up depends on the scenario and the seed only, never on the
    structure, so the last one is kept: the structures of a study that share a seed and a
    scenario (an experiment runs them one after the other) simulate it once. Its leads are
    copied for each run (a run shifts their times and gives them its own reps), so a run
    gives the same bits whether the warm-up was simulated for it or kept.
    """
    global _last_warm_up
    key = (scenario, int(seed.entropy), tuple(int(k) for k in seed.spawn_key), int(seed.pool_size))
    kept = _last_warm_up
    if kept is None or kept[0][1:] != key[1:] or kept[0][0] != scenario:
        warm = Model(scenario, None, seed=seed, horizon_days=scenario.deals.warm_start_days, stream_prefix="warmup/")
        warm.advance()  # its results are not needed, only its open pipeline
        kept = _last_warm_up = (key, warm.open_pipeline())
    return [(copy.copy(lead), close, touched_at, opportunity_at) for lead, close, touched_at, opportunity_at in kept[1]]


def seed_record(seed: Seed) -> dict[str, Any]:
    """A JSON-friendly record of a seed (an int, or a SeedSequence's entropy and spawn key)."""
    ss = as_seed_sequence(seed)
    return {"entropy": int(ss.entropy), "spawn_key": [int(k) for k in ss.spawn_key]}


def simulate(
    scenario: Scenario | None = None,
    structure: Structure | Reorganization | None = None,
    *,
    seed: Seed,
    horizon_days: float | None = None,
    record_leads: bool = False,
) -> RunResult:
    """Simulate one scenario under one structure with one seed.

    Args:
        scenario: the company and market (``Scenario()`` if omitted).
        structure: the reporting structure; a :class:`~orgsim.Reorganization` (from one
            structure to another on a given day, with its transition costs); ``None`` runs the
            scenario's base behaviour with no leadership effects and no leader costs.
        seed: an int or a ``numpy.random.SeedSequence``; the same seed and inputs give
            bit-identical results in any process.
        horizon_days: days to simulate (default ``scenario.horizon_days``).
        record_leads: keep the per-lead log in ``RunResult.leads`` (slower, more memory).

    Raises:
        ValidationError: for any invalid input, before simulating.
    """
    if scenario is None:
        scenario = Scenario()
    if not isinstance(scenario, Scenario):
        raise ValidationError(Problem("scenario", type(scenario).__name__, "an orgsim.Scenario"))
    horizon = scenario.horizon_days if horizon_days is None else horizon_days
    raise_problems(
        [
            None
            if structure is None or isinstance(structure, Structure | Reorganization)
            else Problem("structure", structure, "an orgsim.Structure (e.g. presets.shared_leader()), an orgsim.Reorganization or None"),
            check_horizon("horizon_days", horizon),
            check_bool("record_leads", record_leads),
        ]
    )
    if isinstance(structure, Reorganization):
        structure.check_horizon(float(horizon))
    seed_ss = as_seed_sequence(seed)
    model = Model(scenario, structure, seed=seed_ss, horizon_days=float(horizon), record_leads=record_leads)
    warm_days = scenario.deals.warm_start_days
    if warm_days > 0:
        model.carry_in(_warm_pipeline(scenario, seed_ss), warm_days)
    series, totals, leads, reps = model.run()
    meta = {
        "seed": seed_record(seed_ss),
        "scenario": scenario.to_dict(),
        "structure": None if structure is None else structure.to_dict(),
        "horizon_days": float(horizon),
        "versions": package_versions(),
    }
    return RunResult(series=series, totals=totals, leads=leads, meta=meta, reps=reps)

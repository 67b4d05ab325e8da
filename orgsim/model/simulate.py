"""The one-run entry point: :func:`simulate`."""

from __future__ import annotations

import copy
import functools
import platform
import threading
from importlib import metadata
from typing import Any

import numpy as np

from orgsim.config import Reorganization, Scenario, Structure
from orgsim.config.checks import check_bool, check_horizon, raise_problems
from orgsim.config.errors import Problem, ValidationError
from orgsim.model.engine import Model
from orgsim.model.leadsource import CandidateTape
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


#: A scenario (the warm-up's key) or what the inbound candidates read of one (the tape's:
#: LeadSource.candidate_key), and a seed (entropy, spawn key, pool size).
RunKey = tuple[Any, int, tuple[int, ...], int]

#: The last warm-up's key and open pipeline (see :func:`_warm_pipeline`): one entry per process.
_last_warm_up: tuple[RunKey, list[OpenDeal]] | None = None
#: The last candidate tape's key and tape (see :func:`simulate_sharing`), and the lock that lends
#: it to one run at a time (another thread's run meanwhile draws its own candidates).
_last_tape: tuple[RunKey, CandidateTape] | None = None
_tape_lock = threading.Lock()
#: The most days a tape keeps: about 7 kB a day at the default rates, 14 MB in all.
TAPE_MAX_DAYS = 2048


def _run_key(scenario: Any, seed: np.random.SeedSequence) -> RunKey:
    return (scenario, int(seed.entropy), tuple(int(k) for k in seed.spawn_key), int(seed.pool_size))


def _same(kept: RunKey, key: RunKey) -> bool:
    return kept[1:] == key[1:] and kept[0] == key[0]  # the seed first: comparing scenarios costs more


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
    key = _run_key(scenario, seed)
    kept = _last_warm_up
    if kept is None or not _same(kept[0], key):
        warm = Model(scenario, None, seed=seed, horizon_days=scenario.deals.warm_start_days, stream_prefix="warmup/")
        warm.advance()  # its results are not needed, only its open pipeline
        kept = _last_warm_up = (key, warm.open_pipeline())
    return [(copy.copy(lead), close, touched_at, opportunity_at) for lead, close, touched_at, opportunity_at in kept[1]]


def _tape_for(key: RunKey) -> CandidateTape:
    """The tape of ``key`` (the kept one, or a new one that replaces it). Call with the lock held."""
    global _last_tape
    if _last_tape is None or not _same(_last_tape[0], key):
        _last_tape = (key, CandidateTape(TAPE_MAX_DAYS))
    return _last_tape[1]


def _forget_tape() -> None:
    global _last_tape
    _last_tape = None


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
    return _simulate(scenario, structure, seed=seed, horizon_days=horizon_days, record_leads=record_leads, share_candidates=False)


def simulate_sharing(
    scenario: Scenario | None = None,
    structure: Structure | Reorganization | None = None,
    *,
    seed: Seed,
    horizon_days: float | None = None,
) -> RunResult:
    """:func:`simulate`, sharing the inbound candidates with the previous run in this process
    that drew the same ones (what an experiment's worker runs).

    The inbound candidates depend on the seed and a few inputs of the scenario only
    (:meth:`~orgsim.model.leadsource.LeadSource.candidate_key`: the thinning bound, the arrival
    profile, the Beta shapes of quality and readiness, the follow-up time), never on the
    structure; not drawing them again saves about 6% of a three-year run. So the structures of
    a scenario and seed share them, and so do the points of a sweep or a Sobol design that
    differ only in other parameters. The first run records them on a
    :class:`~orgsim.model.leadsource.CandidateTape` (at most ``TAPE_MAX_DAYS`` days), the next
    ones replay it: the same arrays, so the same bits as :func:`simulate`. The tape is kept for
    the next run (one per process, up to 14 MB), which is why plain :func:`simulate` does not
    do this.
    """
    return _simulate(scenario, structure, seed=seed, horizon_days=horizon_days, record_leads=False, share_candidates=True)


def _simulate(
    scenario: Scenario | None,
    structure: Structure | Reorganization | None,
    *,
    seed: Seed,
    horizon_days: float | None,
    record_leads: bool,
    share_candidates: bool,
) -> RunResult:
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
    if share_candidates and _tape_lock.acquire(blocking=False):
        try:
            leadflow = model.leadflow  # the tape is shared by every run with the same seed and the same candidates' inputs
            leadflow.source.tape = _tape_for(_run_key(leadflow.source.candidate_key(leadflow.rate_bound), seed_ss))
            series, totals, leads, reps = model.run()
        except BaseException:
            _forget_tape()  # a run stopped part-way leaves a tape nobody can go on from
            raise
        finally:
            _tape_lock.release()
    else:
        series, totals, leads, reps = model.run()
    meta = {
        "seed": seed_record(seed_ss),
        "scenario": scenario.to_dict(),
        "structure": None if structure is None else structure.to_dict(),
        "horizon_days": float(horizon),
        "versions": package_versions(),
    }
    return RunResult(series=series, totals=totals, leads=leads, meta=meta, reps=reps)

"""Experiments: many replications of several structures, compared with common random numbers.

:func:`compare` runs ``replications`` replications of one scenario under each structure;
:func:`sweep` does the same at every point of a parameter grid or a Latin hypercube sample.
Replication ``r`` uses the seed ``numpy.random.SeedSequence(seed).spawn(replications)[r]``
under every structure and at every point (common random numbers), so differences between
structures are paired and far less noisy than independent runs would give.

Both return an :class:`Experiment`, which holds every replication in compact arrays and
offers summaries with t-intervals, paired differences, crossover times, the sequential
replications-needed method and tidy/xarray exports. Replications run on any
``concurrent.futures.Executor`` (see :mod:`orgsim.parallel`) and can be saved as they finish
in a result store (see :mod:`orgsim.store`) so an interrupted run resumes where it stopped.
Results are identical, bit for bit, whatever the executor and the order tasks finish in.

This module checks the arguments, lays out the tasks and runs them; the points come from
:mod:`~orgsim.experiment.designs`, the run options travel as one
:class:`~orgsim.experiment.options.RunOptions`, and what comes back is an
:class:`~orgsim.experiment.results.Experiment` (statistics in :mod:`~orgsim.experiment.stats`).
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from orgsim.config.errors import Problem, ValidationError
from orgsim.config.population import LeaderPopulation
from orgsim.config.reorganization import Reorganization
from orgsim.config.scenario import Scenario
from orgsim.config.structure import Structure
from orgsim.experiment.designs import LatinHypercube, plain, scaled_points, sweep_points
from orgsim.experiment.holders import holders
from orgsim.experiment.options import RunOptions
from orgsim.experiment.results import FAILURE_COLUMNS, METRIC_ALIASES, Crossover, Experiment, ReplicationsNeeded
from orgsim.experiment.runner import TaskFailure, run_tasks
from orgsim.experiment.store import Entry, ResultStore, RunRecord, StoreWarning
from orgsim.experiment.store_manifest import scenario_sha256, structure_sha256, task_key
from orgsim.model.simulate import package_versions, simulate_sharing

AnyStructure = Structure | Reorganization
StructuresArg = Sequence[AnyStructure] | Mapping[str, AnyStructure | None]


# -- the task that runs in a worker --------------------------------------------------------------


@dataclass(frozen=True)
class _Task:
    """One replication to run: small and picklable."""

    scenario: Scenario
    structure: AnyStructure | None
    entropy: int
    spawn_key: tuple[int, ...]
    horizon_days: float
    with_series: bool = True  # send the per-period series back (False: the totals only)


def _run_task(task: _Task) -> RunRecord:
    """Simulate one replication and return it in compact form (top level: executors pickle it by name)."""
    seed = np.random.SeedSequence(task.entropy, spawn_key=task.spawn_key)
    result = simulate_sharing(task.scenario, task.structure, seed=seed, horizon_days=task.horizon_days)
    totals = (tuple(result.totals), np.array([float(v) for v in result.totals.values()], dtype=np.float64))
    if not task.with_series:
        return RunRecord(columns=(), values=np.empty((0, 0)), total_names=totals[0], total_values=totals[1])
    series = result.series
    return RunRecord(
        columns=tuple(str(c) for c in series.columns),
        values=np.ascontiguousarray(series.to_numpy(dtype=np.float64, copy=True)),
        total_names=totals[0],
        total_values=totals[1],
    )


# -- checking the arguments ----------------------------------------------------------------------


def _structures(structures: Any, problems: list[Problem]) -> dict[str, AnyStructure | None]:
    """The structures by label (a list is labelled by ``.name``); problems are added to ``problems``."""
    allowed = "a non-empty list of orgsim.Structure or Reorganization (labelled by .name, unique) or a dict {label: Structure or None}"
    if isinstance(structures, Structure | Reorganization):
        problems.append(Problem("structures", structures.name, f"{allowed}; wrap a single structure in a list"))
        return {}
    if isinstance(structures, Mapping):
        out: dict[str, AnyStructure | None] = {}
        for label, s in structures.items():
            if not isinstance(label, str) or not label:
                problems.append(Problem("structures", label, "labels that are non-empty strings"))
            elif s is not None and not isinstance(s, Structure | Reorganization):
                problems.append(Problem(f"structures[{label!r}]", s, "an orgsim.Structure, a Reorganization or None (no structure)"))
            else:
                out[label] = s
        if not structures:
            problems.append(Problem("structures", {}, allowed))
        return out
    if isinstance(structures, (str, bytes)) or not isinstance(structures, Iterable):
        problems.append(Problem("structures", structures, allowed))
        return {}
    items = list(structures)
    if not items:
        problems.append(Problem("structures", [], allowed))
    out = {}
    for i, s in enumerate(items):
        if not isinstance(s, Structure | Reorganization):
            problems.append(
                Problem(f"structures[{i}]", s, "an orgsim.Structure or Reorganization (a dict {label: None} runs without a structure)")
            )
        elif s.name in out:
            problems.append(Problem(f"structures[{i}].name", s.name, "unique labels; use a dict {label: Structure} to label them yourself"))
        else:
            out[s.name] = s
    return out


def _check_common(scenario: Any, structures: Any, options: RunOptions) -> tuple[Scenario, dict[str, AnyStructure | None], list[Problem]]:
    """The scenario (None: the default), the structures by label, and every problem with them and the options."""
    problems: list[Problem] = []
    if scenario is None:
        scenario = Scenario()
    elif not isinstance(scenario, Scenario):
        problems.append(Problem("scenario", type(scenario).__name__, "an orgsim.Scenario or None (the default scenario)"))
    labelled = _structures(structures, problems)
    problems.extend(options.problems())
    return scenario, labelled, problems


# -- planning and running ------------------------------------------------------------------------


@dataclass
class _Plan:
    scenario: Scenario
    labels: list[str]
    structures: dict[str, AnyStructure | None]
    replications: int
    seed: int
    horizon_arg: float | None
    scenarios: list[Scenario]
    horizons: list[float]
    points: pd.DataFrame | None
    point_changes: list[dict[str, Any]]
    leaders: str = "fixed"
    population: LeaderPopulation | None = None
    keep_series: bool = True  # the experiment keeps the per-period series
    with_series: bool = True  # the workers send them back (kept, or saved in a store)
    tasks: list[_Task] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    where: list[tuple[int, int, int]] = field(default_factory=list)  # (point, structure, replication)

    def build(self) -> None:
        seeds = self.seed_records()
        structure_shas = {label: structure_sha256(None if s is None else s.to_dict()) for label, s in self.structures.items()}
        sampled = self.leaders == "sampled"
        held: dict[tuple[str, int, float], tuple[AnyStructure, str]] = {}  # the same people at every point
        for p, (scenario, horizon) in enumerate(zip(self.scenarios, self.horizons, strict=True)):
            sha = scenario_sha256(scenario.to_dict())
            head_cost = scenario.costs.head_cost_usd_per_year
            # replication-major order: an interrupted run holds complete replications (all structures)
            for r in range(self.replications):
                for s, label in enumerate(self.labels):
                    structure = self.structures[label]
                    if sampled and structure is not None:  # the holders of this replication's seats
                        if (label, r, head_cost) not in held:
                            drawn = holders(structure, self.leaders, self.population, self.seed, r, head_cost)
                            held[label, r, head_cost] = (drawn, structure_sha256(drawn.to_dict()))  # type: ignore[union-attr]
                        structure, structure_sha = held[label, r, head_cost]
                    else:
                        structure_sha = structure_shas[label]
                    self.tasks.append(_Task(scenario, structure, self.seed, (r,), horizon, self.with_series))
                    key = task_key(sha, structure_sha, seeds[r], horizon)
                    self.entries.append(Entry(label=label, replication=r, point=p, key=key, seed=seeds[r]))
                    self.where.append((p, s, r))

    def holders_record(self) -> dict[str, Any]:
        """How the seats are held, as plain data (manifest, metadata)."""
        return {"leaders": self.leaders, "population": None if self.population is None else self.population.to_dict()}

    def seed_records(self) -> list[dict[str, Any]]:
        return [{"entropy": self.seed, "spawn_key": [r]} for r in range(self.replications)]


def _prepare(kind: str, scenario: Any, structures: Any, grid_or_samples: Any, options: RunOptions) -> _Plan:
    """Check every argument (and, for a sweep, every point) and lay out the tasks; nothing runs yet."""
    base, labelled, problems = _check_common(scenario, structures, options)
    points = None
    scenarios = [base]
    changes: list[dict[str, Any]] = [{}]
    if kind == "sweep" and isinstance(base, Scenario):
        points = sweep_points(base, grid_or_samples, problems)
        if points is not None:
            scenarios, changes = [], []
            for i, row in enumerate(points.to_dict(orient="records")):
                point = {k: plain(v) for k, v in row.items()}
                try:
                    scenarios.append(base.replace(**point))
                    changes.append(point)
                except ValidationError as err:
                    problems.extend(Problem(f"grid_or_samples[point {i}] {p.field}", p.value, p.allowed) for p in err.problems)
    if problems:
        raise ValidationError(problems)
    horizon = options.horizon
    plan = _Plan(
        scenario=base,
        labels=list(labelled),
        structures=labelled,
        replications=int(options.replications),
        seed=int(options.seed),
        horizon_arg=horizon,
        scenarios=scenarios,
        horizons=[horizon if horizon is not None else float(s.horizon_days) for s in scenarios],
        points=points,
        point_changes=changes,
        leaders=str(options.leaders),
        population=options.population,
        keep_series=bool(options.keep_series),
        with_series=bool(options.keep_series) or options.store is not None,  # a store saves whole runs
    )
    reorganizations = [(label, s) for label, s in labelled.items() if isinstance(s, Reorganization)]
    for label, reorg in reorganizations:  # a switch on or after the last day would never happen
        for horizon_days in sorted(set(plan.horizons)):
            try:
                reorg.check_horizon(horizon_days)
            except ValidationError as err:
                raise ValidationError([Problem(f"structures[{label!r}].{p.field}", p.value, p.allowed) for p in err.problems]) from None
    plan.build()
    return plan


def _open_store(plan: _Plan, folder: Any, versions: dict[str, Any]) -> ResultStore:
    """The result store of this plan, opened (locked) and told what the experiment runs."""
    store = ResultStore(folder).open(scenario=plan.scenario.to_dict(), seed=plan.seed, horizon_days=plan.horizon_arg, versions=versions)
    try:
        store.register(
            {label: None if s is None else {**s.to_dict(), "holders": plan.holders_record()} for label, s in plan.structures.items()},
            plan.seed_records(),
            [
                {"scenario_sha256": scenario_sha256(s.to_dict()), "changes": c}
                for s, c in zip(plan.scenarios, plan.point_changes, strict=True)
            ],
        )
    except BaseException:
        store.close()
        raise
    return store


def _load_stored(plan: _Plan, store: ResultStore) -> dict[int, RunRecord]:
    """The replications the store already holds, by task index; corrupt files are reported."""
    records: dict[int, RunRecord] = {}
    for i, entry in enumerate(plan.entries):
        record = store.load(entry)
        if record is not None:
            records[i] = record
    corrupt = store.report.corrupt
    if corrupt and not store.read_only:  # read-only: check_writable refuses the call, naming them
        listing = "; ".join(f"{f} ({why})" for f, why in corrupt[:5]) + (" ..." if len(corrupt) > 5 else "")
        warnings.warn(
            f"{len(corrupt)} corrupt file(s) in store {store.path} were moved to its quarantine/ folder and "
            f"are being recomputed: {listing}",
            StoreWarning,
            stacklevel=4,
        )
    return records


def _execute(plan: _Plan, options: RunOptions, *, desc: str) -> Experiment:
    """Run (or load from the store) every task of the plan and assemble the experiment."""
    failures: dict[int, TaskFailure] = {}
    versions = package_versions()
    started = time.perf_counter()
    result_store = None if options.store is None else _open_store(plan, options.store, versions)
    try:
        records = {} if result_store is None else _load_stored(plan, result_store)
        todo = [i for i in range(len(plan.tasks)) if i not in records]
        if result_store is not None:
            result_store.check_writable(len(todo), len(plan.tasks))  # a read-only store: refuse before anything runs

        def on_result(j: int, result: RunRecord | TaskFailure) -> None:
            i = todo[j]
            if isinstance(result, TaskFailure):
                failures[i] = result
                if result_store is not None:
                    result_store.save_failure(plan.entries[i], result.error, result.message, result.traceback)
            else:
                records[i] = result
                if result_store is not None:
                    result_store.save(plan.entries[i], result)

        run_tasks(
            _run_task,
            [plan.tasks[i] for i in todo],
            executor=options.executor,
            progress=options.progress,
            on_result=on_result,
            desc=desc,
            initial=len(records),
            chunk_size=1 if result_store is not None else None,  # with a store, save each replication as it finishes
        )
    finally:
        if result_store is not None:
            result_store.close()
    if failures:
        warnings.warn(
            f"{len(failures)} of {len(plan.tasks)} replications failed; see Experiment.failures for the tracebacks",
            RuntimeWarning,
            stacklevel=3,
        )
    meta = {
        "scenario": plan.scenario.to_dict(),
        "horizon_days": plan.horizon_arg if plan.horizon_arg is not None else plan.horizons[0],
        "seed": plan.seed,
        "replications": plan.replications,
        "structures": {label: None if s is None else s.to_dict() for label, s in plan.structures.items()},
        **plan.holders_record(),
        "keep_series": plan.keep_series,
        "versions": versions,
        "elapsed_s": time.perf_counter() - started,
    }
    return _assemble(plan, records, failures, meta, None if result_store is None else result_store.report.as_dict())


def _assemble(
    plan: _Plan,
    records: dict[int, RunRecord],
    failures: dict[int, TaskFailure],
    meta: dict[str, Any],
    store_report: dict[str, Any] | None,
) -> Experiment:
    """The experiment from the records of the tasks that ran (or were loaded) and the failures."""
    n_points, n_structures, n_reps = len(plan.scenarios), len(plan.labels), plan.replications
    columns: dict[str, int] = {}
    total_names: dict[str, int] = {}
    n_periods = 0
    for i in sorted(records):  # index order: independent of completion order
        record = records[i]
        for t in record.total_names:
            total_names.setdefault(t, len(total_names))
        if plan.keep_series:
            for c in record.columns:
                columns.setdefault(c, len(columns))
            n_periods = max(n_periods, record.values.shape[0])
    series = np.full((n_points, n_structures, n_reps, n_periods, len(columns)), np.nan)
    totals = np.full((n_points, n_structures, n_reps, len(total_names)), np.nan)
    ok = np.zeros((n_points, n_structures, n_reps), dtype=bool)
    for i, record in records.items():
        p, s, r = plan.where[i]
        if plan.keep_series:
            col_index = [columns[c] for c in record.columns]
            series[p, s, r, : record.values.shape[0], :][:, col_index] = record.values
        totals[p, s, r, [total_names[t] for t in record.total_names]] = record.total_values
        ok[p, s, r] = True
    rows = []
    for i in sorted(failures):
        p, s, r = plan.where[i]
        f = failures[i]
        rows.append((p, plan.labels[s], r, f.error, f.message, f.traceback))
    return Experiment(
        labels=plan.labels,
        totals=totals,
        total_names=list(total_names),
        series=series,
        columns=list(columns),
        ok=ok,
        seed=plan.seed,
        points=plan.points,
        failures=pd.DataFrame(rows, columns=FAILURE_COLUMNS),
        meta=meta,
        store_report=store_report,
    )


def run_sweep(scenario: Scenario | None, structures: StructuresArg, grid_or_samples: Any, options: RunOptions) -> Experiment:
    """:func:`sweep` with its run options in one object (what the sensitivity studies call)."""
    return _execute(_prepare("sweep", scenario, structures, grid_or_samples, options), options, desc="orgsim sweep")


def compare(
    scenario: Scenario | None,
    structures: StructuresArg,
    *,
    replications: int,
    seed: int,
    horizon_days: float | None = None,
    executor: Executor | str | Any | None = None,
    progress: bool | None = None,
    store: str | os.PathLike[str] | None = None,
    leaders: str = "sampled",
    population: LeaderPopulation | None = None,
    keep_series: bool = True,
) -> Experiment:
    """Run ``replications`` replications of ``scenario`` under each structure.

    Replication ``r`` of every structure uses the same seed,
    ``numpy.random.SeedSequence(seed).spawn(replications)[r]`` (common random numbers), so
    differences between structures are paired. With ``leaders="sampled"`` (the default) each
    seat's holder is drawn per replication from ``population`` around the seat's background,
    and replication ``r`` puts the same talent quantile in the same seat of every structure
    (:mod:`orgsim.experiment.holders`): the comparison is of structures with equally talented
    people, not of hand-picked leaders.

    Args:
        scenario: the company and market (``None``: ``Scenario()``).
        structures: a list of :class:`~orgsim.Structure` (labelled by their ``.name``, which
            must be unique), or a dict ``{label: Structure or None}`` (``None`` runs without a
            structure).
        replications: replications per structure (>= 1).
        seed: the root seed, an integer >= 0.
        horizon_days: days to simulate (default ``scenario.horizon_days``).
        executor: ``None`` (a process pool over the available cores, created and shut down
            here), ``"serial"`` (in this process, for debugging), ``"processes"`` (same as
            None), an integer (a pool with that many worker processes), any
            ``concurrent.futures.Executor``, or a ``dask.distributed.Client``.
        progress: ``None`` shows a progress bar in a terminal or notebook; True/False force it.
        store: a folder to save each replication in as it finishes; running the same call
            again loads what is there and runs only the rest (see :mod:`orgsim.store`).
        leaders: ``"sampled"`` (holders drawn per replication, paired across structures) or
            ``"fixed"`` (each structure's profiles as given, e.g. ``presets.all("seed")``).
        population: the :class:`~orgsim.LeaderPopulation` holders are drawn from (None: its defaults).
        keep_series: ``True`` (the default) keeps every run's per-period series; ``False`` the
            totals only, a few kB a run instead of about 140 kB for three years of weekly rows:
            for studies of thousands of runs. What reads the series (``crossover``,
            ``to_frame("series")``, ``to_xarray()``, the figures over time) then raises a
            ``ValidationError``; with a ``store`` the saved runs keep their series.

    Returns:
        an :class:`Experiment`. Replications that raised are listed in ``Experiment.failures``
        (with tracebacks) and left out of the statistics; the others carry on.

    Raises:
        ValidationError: for any invalid argument, before anything is simulated.
    """
    options = RunOptions(replications, seed, horizon_days, executor, progress, store, leaders, population, keep_series)
    return _execute(_prepare("compare", scenario, structures, None, options), options, desc="orgsim compare")


def sweep(
    scenario: Scenario | None,
    structures: StructuresArg,
    grid_or_samples: Mapping[str, Sequence[Any]] | LatinHypercube | pd.DataFrame | Sequence[Mapping[str, Any]],
    *,
    replications: int,
    seed: int,
    horizon_days: float | None = None,
    executor: Executor | str | Any | None = None,
    progress: bool | None = None,
    store: str | os.PathLike[str] | None = None,
    leaders: str = "sampled",
    population: LeaderPopulation | None = None,
    keep_series: bool = True,
) -> Experiment:
    """:func:`compare` at every point of a parameter grid or sample.

    Arguments other than ``grid_or_samples`` are as in :func:`compare`. Every point uses the
    same replication seeds (common random numbers across points as well as structures).

    Args:
        grid_or_samples: the points, each a set of scenario changes by dotted key:

            * ``{"sales.reps": [8, 10, 12], "inbound.base_rate_per_day": [20.0, 40.0]}``: the
              full factorial grid (6 points, the first key varying slowest);
            * ``LatinHypercube({"sales.reps": (5, 20)}, n=16, seed=0)``: Latin hypercube samples;
            * a pandas DataFrame (columns = dotted keys, one row per point) or a list of dicts.

    Returns:
        an :class:`Experiment` with a ``point`` dimension; ``Experiment.points`` lists the points.

    Raises:
        ValidationError: for any invalid argument or point, before anything is simulated.
    """
    options = RunOptions(replications, seed, horizon_days, executor, progress, store, leaders, population, keep_series)
    return _execute(_prepare("sweep", scenario, structures, grid_or_samples, options), options, desc="orgsim sweep")


__all__ = [
    "METRIC_ALIASES",
    "Crossover",
    "Experiment",
    "LatinHypercube",
    "ReplicationsNeeded",
    "RunOptions",
    "StructuresArg",
    "compare",
    "run_sweep",
    "scaled_points",
    "sweep",
]

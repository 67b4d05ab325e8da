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
"""

from __future__ import annotations

import difflib
import itertools
import math
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
from orgsim.config.scenario import Scenario
from orgsim.config.structure import Structure
from orgsim.experiment.runner import TaskFailure, check_executor, check_progress, run_tasks
from orgsim.experiment.store import Entry, ResultStore, RunRecord, StoreWarning, scenario_sha256, structure_sha256, task_key
from orgsim.model.simulate import package_versions, simulate

#: Short metric names accepted wherever a metric is named.
METRIC_ALIASES: dict[str, str] = {"bookings": "bookings_usd", "profit": "profit_usd", "costs": "costs_usd"}

_MAX_REPLICATIONS = 1_000_000

StructuresArg = Sequence[Structure] | Mapping[str, Structure | None]


# -- the task that runs in a worker --------------------------------------------------------------


@dataclass(frozen=True)
class _Task:
    """One replication to run: small and picklable."""

    scenario: Scenario
    structure: Structure | None
    entropy: int
    spawn_key: tuple[int, ...]
    horizon_days: float


def _run_task(task: _Task) -> RunRecord:
    """Simulate one replication and return it in compact form (top level: executors pickle it by name)."""
    seed = np.random.SeedSequence(task.entropy, spawn_key=task.spawn_key)
    result = simulate(task.scenario, task.structure, seed=seed, horizon_days=task.horizon_days)
    series = result.series
    return RunRecord(
        columns=tuple(str(c) for c in series.columns),
        values=np.ascontiguousarray(series.to_numpy(dtype=np.float64, copy=True)),
        total_names=tuple(result.totals),
        total_values=np.array([float(v) for v in result.totals.values()], dtype=np.float64),
    )


# -- Latin hypercube samples ---------------------------------------------------------------------


@dataclass(frozen=True)
class LatinHypercube:
    """``n`` Latin hypercube samples of scenario parameters, for :func:`sweep`.

    Args:
        ranges: ``{dotted scenario key: (low, high)}``, e.g. ``{"sales.reps": (5, 20)}``.
            Values are drawn uniformly within each range; integer fields are rounded.
        n: number of points.
        seed: seed of the sample (``scipy.stats.qmc.LatinHypercube``); the same seed gives
            the same points.

    Example: ``LatinHypercube({"sales.reps": (5, 20), "inbound.base_rate_per_day": (10.0, 60.0)}, n=16, seed=0)``.
    """

    ranges: Mapping[str, tuple[float, float]]
    n: int
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "ranges", dict(self.ranges))
        problems = []
        if not self.ranges:
            problems.append(Problem("LatinHypercube.ranges", self.ranges, "at least one {dotted key: (low, high)}"))
        for key, bounds in self.ranges.items():
            ok = isinstance(key, str) and isinstance(bounds, (tuple, list)) and len(bounds) == 2 and all(_is_real(b) for b in bounds)
            if not ok or not (math.isfinite(bounds[0]) and math.isfinite(bounds[1]) and bounds[0] < bounds[1]):
                problems.append(Problem(f"LatinHypercube.ranges[{key!r}]", bounds, "a pair (low, high) of finite numbers with low < high"))
        if not _is_int(self.n) or self.n < 1:
            problems.append(Problem("LatinHypercube.n", self.n, "an integer >= 1"))
        if not _is_int(self.seed) or self.seed < 0:
            problems.append(Problem("LatinHypercube.seed", self.seed, "an integer >= 0"))
        if problems:
            raise ValidationError(problems)

    def unit_sample(self) -> np.ndarray:
        """The raw sample in [0, 1)^d, shape (n, d)."""
        from scipy.stats import qmc

        rng = np.random.default_rng(self.seed)
        try:
            sampler = qmc.LatinHypercube(d=len(self.ranges), rng=rng)
        except TypeError:  # scipy < 1.15
            sampler = qmc.LatinHypercube(d=len(self.ranges), seed=rng)
        return sampler.random(self.n)

    def points(self, scenario: Scenario | None = None) -> pd.DataFrame:
        """The sample as a DataFrame (one row per point); integer fields of ``scenario`` are rounded."""
        return scaled_points(self.ranges, self.unit_sample(), scenario, what="LatinHypercube.ranges")


def scaled_points(
    ranges: Mapping[str, tuple[float, float]], unit: np.ndarray, scenario: Scenario | None = None, *, what: str = "ranges"
) -> pd.DataFrame:
    """Points from a sample in the unit cube: ``low + u * (high - low)`` per column (one
    column per key of ``ranges``, in order); integer fields of ``scenario`` are rounded to the
    nearest integer. Used by :class:`LatinHypercube` and :mod:`orgsim.sensitivity`."""
    scenario = Scenario() if scenario is None else scenario
    data = scenario.to_dict()
    lo = np.array([float(b[0]) for b in ranges.values()])
    hi = np.array([float(b[1]) for b in ranges.values()])
    values = lo + np.asarray(unit, dtype=float).reshape(-1, len(ranges)) * (hi - lo)
    columns: dict[str, list[Any]] = {}
    for j, key in enumerate(ranges):
        current = _lookup(data, key)
        if isinstance(current, bool):
            raise ValidationError(Problem(f"{what}[{key!r}]", ranges[key], "a numeric scenario field (this one is true/false)"))
        if isinstance(current, int):
            columns[key] = [int(v) for v in np.rint(values[:, j])]
        else:
            columns[key] = [float(v) for v in values[:, j]]
    return pd.DataFrame(columns, index=pd.RangeIndex(len(values), name="point"))


def _lookup(data: Mapping[str, Any], dotted: str) -> Any:
    target: Any = data
    for part in dotted.split("."):
        if not isinstance(target, Mapping) or part not in target:
            return None  # reported by Scenario.replace with a "did you mean" hint
        target = target[part]
    return target


# -- validation helpers -----------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones (Scenario.replace expects int/float/bool/str)."""
    return value.item() if isinstance(value, np.generic) else value


def _structures(structures: Any, problems: list[Problem]) -> dict[str, Structure | None]:
    allowed = "a non-empty list of orgsim.Structure (labelled by .name, unique) or a dict {label: Structure or None}"
    if isinstance(structures, Structure):
        problems.append(Problem("structures", structures.name, f"{allowed}; wrap a single structure in a list"))
        return {}
    if isinstance(structures, Mapping):
        out: dict[str, Structure | None] = {}
        for label, s in structures.items():
            if not isinstance(label, str) or not label:
                problems.append(Problem("structures", label, "labels that are non-empty strings"))
            elif s is not None and not isinstance(s, Structure):
                problems.append(Problem(f"structures[{label!r}]", s, "an orgsim.Structure or None (no structure)"))
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
        if not isinstance(s, Structure):
            problems.append(Problem(f"structures[{i}]", s, "an orgsim.Structure (use a dict {label: None} to run without a structure)"))
        elif s.name in out:
            problems.append(Problem(f"structures[{i}].name", s.name, "unique labels; use a dict {label: Structure} to label them yourself"))
        else:
            out[s.name] = s
    return out


def _check_common(
    scenario: Any, structures: Any, replications: Any, seed: Any, horizon_days: Any, executor: Any, progress: Any, store: Any
) -> tuple[Scenario, dict[str, Structure | None], list[Problem]]:
    problems: list[Problem] = []
    if scenario is None:
        scenario = Scenario()
    elif not isinstance(scenario, Scenario):
        problems.append(Problem("scenario", type(scenario).__name__, "an orgsim.Scenario or None (the default scenario)"))
    labelled = _structures(structures, problems)
    if not _is_int(replications) or not 1 <= replications <= _MAX_REPLICATIONS:
        problems.append(Problem("replications", replications, f"an integer in [1, {_MAX_REPLICATIONS}]"))
    if not _is_int(seed) or seed < 0:
        problems.append(Problem("seed", seed, "an integer >= 0 (replication r uses SeedSequence(seed).spawn(replications)[r])"))
    if horizon_days is not None and not (_is_real(horizon_days) and math.isfinite(horizon_days) and 0 < horizon_days <= 36_500):
        problems.append(Problem("horizon_days", horizon_days, "None (the scenario's horizon) or a number in (0, 36500]"))
    for problem in (check_executor(executor), check_progress(progress)):
        if problem:
            problems.append(problem)
    if store is not None and not isinstance(store, (str, os.PathLike)):
        problems.append(Problem("store", store, "None or a folder path (str or pathlib.Path)"))
    return scenario, labelled, problems


def _points(scenario: Scenario, grid_or_samples: Any, problems: list[Problem]) -> pd.DataFrame | None:
    allowed = (
        "a dict {dotted scenario key: list of values} (full factorial), an orgsim.experiment.LatinHypercube, "
        "a pandas DataFrame with one row per point, or a list of {dotted key: value} dicts"
    )
    if isinstance(grid_or_samples, LatinHypercube):
        try:
            return grid_or_samples.points(scenario)
        except ValidationError as err:
            problems.extend(err.problems)
            return None
    if isinstance(grid_or_samples, pd.DataFrame):
        frame = grid_or_samples.reset_index(drop=True)
    elif isinstance(grid_or_samples, Mapping):
        keys = list(grid_or_samples)
        axes = []
        for key in keys:
            values = grid_or_samples[key]
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                problems.append(Problem(f"grid_or_samples[{key!r}]", values, "a non-empty list of values"))
                return None
            values = [_plain(v) for v in values]
            if not values:
                problems.append(Problem(f"grid_or_samples[{key!r}]", [], "a non-empty list of values"))
                return None
            axes.append(values)
        if not keys:
            problems.append(Problem("grid_or_samples", {}, allowed))
            return None
        frame = pd.DataFrame(list(itertools.product(*axes)), columns=keys)
    elif isinstance(grid_or_samples, Sequence) and not isinstance(grid_or_samples, (str, bytes)) and grid_or_samples:
        if not all(isinstance(p, Mapping) for p in grid_or_samples):
            problems.append(Problem("grid_or_samples", grid_or_samples, allowed))
            return None
        frame = pd.DataFrame([dict(p) for p in grid_or_samples])
    else:
        problems.append(Problem("grid_or_samples", grid_or_samples, allowed))
        return None
    if len(frame) == 0 or len(frame.columns) == 0:
        problems.append(Problem("grid_or_samples", "no points", allowed))
        return None
    bad = [c for c in frame.columns if not isinstance(c, str)]
    if bad:
        problems.append(Problem("grid_or_samples", bad[0], "column names that are dotted scenario keys such as 'sales.reps'"))
        return None
    frame.index = pd.RangeIndex(len(frame), name="point")
    return frame


# -- planning and running ------------------------------------------------------------------------


@dataclass
class _Plan:
    scenario: Scenario
    labels: list[str]
    structures: dict[str, Structure | None]
    replications: int
    seed: int
    horizon_arg: float | None
    scenarios: list[Scenario]
    horizons: list[float]
    points: pd.DataFrame | None
    point_changes: list[dict[str, Any]]
    tasks: list[_Task] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    where: list[tuple[int, int, int]] = field(default_factory=list)  # (point, structure, replication)

    def build(self) -> None:
        seeds = self.seed_records()
        structure_shas = {label: structure_sha256(None if s is None else s.to_dict()) for label, s in self.structures.items()}
        for p, (scenario, horizon) in enumerate(zip(self.scenarios, self.horizons, strict=True)):
            sha = scenario_sha256(scenario.to_dict())
            # replication-major order: an interrupted run holds complete replications (all structures)
            for r in range(self.replications):
                for s, label in enumerate(self.labels):
                    self.tasks.append(_Task(scenario, self.structures[label], self.seed, (r,), horizon))
                    key = task_key(sha, structure_shas[label], seeds[r], horizon)
                    self.entries.append(Entry(label=label, replication=r, point=p, key=key, seed=seeds[r]))
                    self.where.append((p, s, r))

    def seed_records(self) -> list[dict[str, Any]]:
        return [{"entropy": self.seed, "spawn_key": [r]} for r in range(self.replications)]


def _prepare(
    kind: str,
    scenario: Any,
    structures: Any,
    grid_or_samples: Any,
    replications: Any,
    seed: Any,
    horizon_days: Any,
    executor: Any,
    progress: Any,
    store: Any,
) -> _Plan:
    base, labelled, problems = _check_common(scenario, structures, replications, seed, horizon_days, executor, progress, store)
    points = None
    scenarios = [base]
    changes: list[dict[str, Any]] = [{}]
    if kind == "sweep" and isinstance(base, Scenario):
        points = _points(base, grid_or_samples, problems)
        if points is not None:
            scenarios, changes = [], []
            for i, row in enumerate(points.to_dict(orient="records")):
                point = {k: _plain(v) for k, v in row.items()}
                try:
                    scenarios.append(base.replace(**point))
                    changes.append(point)
                except ValidationError as err:
                    problems.extend(Problem(f"grid_or_samples[point {i}] {p.field}", p.value, p.allowed) for p in err.problems)
    if problems:
        raise ValidationError(problems)
    horizons = [float(horizon_days) if horizon_days is not None else float(s.horizon_days) for s in scenarios]
    plan = _Plan(
        scenario=base,
        labels=list(labelled),
        structures=labelled,
        replications=int(replications),
        seed=int(seed),
        horizon_arg=None if horizon_days is None else float(horizon_days),
        scenarios=scenarios,
        horizons=horizons,
        points=points,
        point_changes=changes,
    )
    plan.build()
    return plan


def _execute(plan: _Plan, *, executor: Any, progress: bool | None, store: Any, desc: str) -> Experiment:
    records: dict[int, RunRecord] = {}
    failures: dict[int, TaskFailure] = {}
    versions = package_versions()
    result_store: ResultStore | None = None
    started = time.perf_counter()
    if store is not None:
        result_store = ResultStore(store).open(
            scenario=plan.scenario.to_dict(), seed=plan.seed, horizon_days=plan.horizon_arg, versions=versions
        )
    try:
        if result_store is not None:
            result_store.register(
                {label: None if s is None else s.to_dict() for label, s in plan.structures.items()},
                plan.seed_records(),
                [
                    {"scenario_sha256": scenario_sha256(s.to_dict()), "changes": c}
                    for s, c in zip(plan.scenarios, plan.point_changes, strict=True)
                ],
            )
            for i, entry in enumerate(plan.entries):
                record = result_store.load(entry)
                if record is not None:
                    records[i] = record
            corrupt = result_store.report.corrupt
            if corrupt:
                listing = "; ".join(f"{f} ({why})" for f, why in corrupt[:5]) + (" ..." if len(corrupt) > 5 else "")
                warnings.warn(
                    f"{len(corrupt)} corrupt file(s) in store {result_store.path} were moved to its quarantine/ folder and "
                    f"are being recomputed: {listing}",
                    StoreWarning,
                    stacklevel=3,
                )
        todo = [i for i in range(len(plan.tasks)) if i not in records]

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
            executor=executor,
            progress=progress,
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
        "versions": versions,
        "elapsed_s": time.perf_counter() - started,
    }
    return Experiment._assemble(plan, records, failures, meta, None if result_store is None else result_store.report.as_dict())


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
) -> Experiment:
    """Run ``replications`` replications of ``scenario`` under each structure.

    Replication ``r`` of every structure uses the same seed,
    ``numpy.random.SeedSequence(seed).spawn(replications)[r]`` (common random numbers), so
    differences between structures are paired.

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

    Returns:
        an :class:`Experiment`. Replications that raised are listed in ``Experiment.failures``
        (with tracebacks) and left out of the statistics; the others carry on.

    Raises:
        ValidationError: for any invalid argument, before anything is simulated.
    """
    plan = _prepare("compare", scenario, structures, None, replications, seed, horizon_days, executor, progress, store)
    return _execute(plan, executor=executor, progress=progress, store=store, desc="orgsim compare")


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
    plan = _prepare("sweep", scenario, structures, grid_or_samples, replications, seed, horizon_days, executor, progress, store)
    return _execute(plan, executor=executor, progress=progress, store=store, desc="orgsim sweep")


# -- results ------------------------------------------------------------------------------------


def _t_quantile(confidence: float, df: np.ndarray) -> np.ndarray:
    from scipy import stats

    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, np.nan)
    valid = df >= 1
    out[valid] = stats.t.ppf(0.5 + confidence / 2.0, df[valid])
    return out


def _check_confidence(confidence: Any) -> None:
    if not (_is_real(confidence) and 0.0 < confidence < 1.0):
        raise ValidationError(Problem("confidence", confidence, "a number in (0, 1), e.g. 0.95"))


@dataclass(frozen=True)
class Crossover:
    """When structure ``a``'s cumulative metric overtakes ``b``'s for good, per replication.

    Attributes:
        by_replication: one row per replication (and point, for sweeps): ``period`` is the
            first period from whose end on ``a``'s cumulative metric stays strictly above
            ``b``'s to the end of the run (``<NA>`` if it never does); ``day`` is that
            period's ``end_day``; ``ahead_at_end`` whether ``a`` leads at the end.
    """

    a: str
    b: str
    metric: str
    by_replication: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Spread over replications: how many crossed over, and the crossover day's mean, sd,
        median, 10% and 90% quantiles, min and max over the replications that crossed."""
        frame = self.by_replication
        keys = ["point"] if "point" in frame.columns else []

        def describe(group: pd.DataFrame) -> pd.Series:
            days = group["day"].dropna().to_numpy(dtype=float)
            crossed = len(days)
            stats = {
                "replications": len(group),
                "crossed": crossed,
                "share_crossed": crossed / len(group) if len(group) else np.nan,
                "mean_day": days.mean() if crossed else np.nan,
                "sd_day": days.std(ddof=1) if crossed > 1 else np.nan,
                "median_day": float(np.median(days)) if crossed else np.nan,
                "q10_day": float(np.quantile(days, 0.1)) if crossed else np.nan,
                "q90_day": float(np.quantile(days, 0.9)) if crossed else np.nan,
                "min_day": days.min() if crossed else np.nan,
                "max_day": days.max() if crossed else np.nan,
            }
            return pd.Series(stats)

        if keys:
            return pd.DataFrame({p: describe(g) for p, g in frame.groupby("point")}).T.rename_axis("point")
        return describe(frame).to_frame(name=f"{self.a} over {self.b}").T

    def __repr__(self) -> str:
        s = self.summary()
        crossed, total = int(s["crossed"].sum()), int(s["replications"].sum())
        median = s["median_day"].median()
        return f"Crossover({self.a!r} over {self.b!r}, cumulative {self.metric}: {crossed} of {total} replications, median day {median:g})"


@dataclass(frozen=True)
class ReplicationsNeeded:
    """The sequential confidence-interval method (Robinson; Law & Kelton).

    For n = 2, 3, ... the half-width of the confidence interval of the mean of the first n
    replications is divided by the absolute mean; the replications needed is the smallest n
    from which this relative half-width stays at or below ``relative_precision`` for every
    larger n run. ``<NA>`` means the target was not reached (or not kept) within the
    replications run: run more.

    Attributes:
        needed: per structure (and point): the replications needed (nullable integer).
        table: the sequence: per structure (and point) and n, ``mean``, ``half_width`` and
            ``relative_half_width`` of the first n replications.
    """

    metric: str
    relative_precision: float
    confidence: float
    needed: pd.Series
    table: pd.DataFrame


class Experiment:
    """Every replication of an experiment, in compact arrays, with the statistics on top.

    Built by :func:`compare` and :func:`sweep`. The replications of structure ``s`` share
    their seeds with every other structure (and point), so :meth:`differences` pairs them.

    Attributes:
        labels: the structure labels, in the order given.
        replications: replications per structure.
        seed: the root seed; ``seeds`` lists each replication's SeedSequence record.
        points: for a sweep, the points (one row each, columns = the scenario keys changed);
            None for :func:`compare`.
        failures: the replications that raised: structure, replication, error, message, traceback.
        meta: scenario, horizon, structures, package versions, elapsed time.
        store_report: with a store: how many replications were reused, computed, failed,
            and which files were found corrupt (and recomputed).
    """

    def __init__(
        self,
        *,
        labels: Sequence[str],
        totals: np.ndarray,
        total_names: Sequence[str],
        series: np.ndarray | None = None,
        columns: Sequence[str] = (),
        ok: np.ndarray | None = None,
        seed: int = 0,
        points: pd.DataFrame | None = None,
        failures: pd.DataFrame | None = None,
        meta: Mapping[str, Any] | None = None,
        store_report: Mapping[str, Any] | None = None,
    ):
        """From arrays: ``totals`` has shape (points, structures, replications, metrics) and
        ``series`` (points, structures, replications, periods, columns); use one point for a
        comparison. Normally you get an Experiment from :func:`compare` or :func:`sweep`."""
        self.labels = list(labels)
        self._totals = np.asarray(totals, dtype=np.float64)
        n_points, n_structures, n_reps, _ = self._totals.shape
        if n_structures != len(self.labels):
            raise ValueError(f"totals has {n_structures} structures, labels {len(self.labels)}")
        self.total_names = list(total_names)
        self._series = np.full((n_points, n_structures, n_reps, 0, 0), np.nan) if series is None else np.asarray(series, dtype=np.float64)
        self.columns = list(columns)
        self._ok = np.ones((n_points, n_structures, n_reps), dtype=bool) if ok is None else np.asarray(ok, dtype=bool)
        self.replications = n_reps
        self.seed = seed
        self.points = points
        self.failures = (
            failures
            if failures is not None
            else pd.DataFrame(columns=["point", "structure", "replication", "error", "message", "traceback"])
        )
        if points is None and "point" in self.failures.columns:
            self.failures = self.failures.drop(columns="point")
        self.meta = dict(meta or {})
        self.store_report = None if store_report is None else dict(store_report)

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def _assemble(
        cls,
        plan: _Plan,
        records: dict[int, RunRecord],
        failures: dict[int, TaskFailure],
        meta: dict[str, Any],
        store_report: dict[str, Any] | None,
    ) -> Experiment:
        n_points, n_structures, n_reps = len(plan.scenarios), len(plan.labels), plan.replications
        columns: dict[str, int] = {}
        total_names: dict[str, int] = {}
        n_periods = 0
        for i in sorted(records):  # index order: independent of completion order
            record = records[i]
            for c in record.columns:
                columns.setdefault(c, len(columns))
            for t in record.total_names:
                total_names.setdefault(t, len(total_names))
            n_periods = max(n_periods, record.values.shape[0])
        series = np.full((n_points, n_structures, n_reps, n_periods, len(columns)), np.nan)
        totals = np.full((n_points, n_structures, n_reps, len(total_names)), np.nan)
        ok = np.zeros((n_points, n_structures, n_reps), dtype=bool)
        for i, record in records.items():
            p, s, r = plan.where[i]
            col_index = [columns[c] for c in record.columns]
            series[p, s, r, : record.values.shape[0], :][:, col_index] = record.values
            totals[p, s, r, [total_names[t] for t in record.total_names]] = record.total_values
            ok[p, s, r] = True
        rows = []
        for i in sorted(failures):
            p, s, r = plan.where[i]
            f = failures[i]
            rows.append(
                {
                    "point": p,
                    "structure": plan.labels[s],
                    "replication": r,
                    "error": f.error,
                    "message": f.message,
                    "traceback": f.traceback,
                }
            )
        failure_frame = pd.DataFrame(rows, columns=["point", "structure", "replication", "error", "message", "traceback"])
        return cls(
            labels=plan.labels,
            totals=totals,
            total_names=list(total_names),
            series=series,
            columns=list(columns),
            ok=ok,
            seed=plan.seed,
            points=plan.points,
            failures=failure_frame,
            meta=meta,
            store_report=store_report,
        )

    # -- basics ------------------------------------------------------------------------------
    @property
    def is_sweep(self) -> bool:
        """True for a :func:`sweep` (results have a ``point`` dimension)."""
        return self.points is not None

    @property
    def n_failed(self) -> int:
        """Replications that raised (left out of every statistic)."""
        return int((~self._ok).sum())

    @property
    def seeds(self) -> pd.DataFrame:
        """Each replication's seed: ``SeedSequence(entropy, spawn_key=spawn_key)``."""
        return pd.DataFrame(
            {"entropy": [self.seed] * self.replications, "spawn_key": [(r,) for r in range(self.replications)]},
            index=pd.RangeIndex(self.replications, name="replication"),
        )

    def seed_sequence(self, replication: int) -> np.random.SeedSequence:
        """The seed of replication ``replication`` (the same for every structure and point)."""
        return np.random.SeedSequence(self.seed, spawn_key=(replication,))

    def __repr__(self) -> str:
        points = f"{len(self.points)} points x " if self.points is not None else ""
        n_periods = self._series.shape[3]
        return (
            f"Experiment({points}{len(self.labels)} structures x {self.replications} replications, {n_periods} periods; "
            f"{self.n_failed} failed)"
        )

    def _metric(self, metric: Any, names: Sequence[str], what: str = "metric") -> str:
        if isinstance(metric, str):
            if metric in names:
                return metric
            for candidate in (METRIC_ALIASES.get(metric), f"{metric}_usd"):
                if candidate in names:
                    return candidate
        close = difflib.get_close_matches(str(metric), list(names), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValidationError(Problem(what, metric, f"{hint}one of: {', '.join(names)}"))

    def _metrics(self, metric: Any) -> list[str]:
        if metric is None:
            return list(self.total_names)
        if isinstance(metric, str):
            return [self._metric(metric, self.total_names)]
        if isinstance(metric, Iterable):
            return [self._metric(m, self.total_names) for m in metric]
        raise ValidationError(Problem("metric", metric, "None (all), a metric name or a list of names"))

    def _label(self, label: Any, what: str) -> int:
        if label not in self.labels:
            raise ValidationError(Problem(what, label, f"one of the structures: {', '.join(map(repr, self.labels))}"))
        return self.labels.index(label)

    def _index(self, metric_names: list[str], structures: list[str], *, with_point: bool | None = None) -> pd.MultiIndex:
        point = self.is_sweep if with_point is None else with_point
        levels: list[Any] = []
        names = []
        if point:
            levels.append(range(self._totals.shape[0]))
            names.append("point")
        levels += [structures, metric_names]
        names += ["structure", "metric"]
        return pd.MultiIndex.from_product(levels, names=names)

    def totals(self, metric: str) -> pd.DataFrame:
        """One total per replication: rows = replications (and points), columns = structures (NaN = failed)."""
        k = self.total_names.index(self._metric(metric, self.total_names))
        values = self._totals[..., k]  # (P, S, R)
        if self.is_sweep:
            data = values.transpose(0, 2, 1).reshape(-1, len(self.labels))
            index = pd.MultiIndex.from_product([range(values.shape[0]), range(values.shape[2])], names=["point", "replication"])
        else:
            data = values[0].T
            index = pd.RangeIndex(values.shape[2], name="replication")
        return pd.DataFrame(data, index=index, columns=pd.Index(self.labels, name="structure"))

    # -- statistics ----------------------------------------------------------------------------
    def summary(self, metric: str | Sequence[str] | None = None, *, confidence: float = 0.95) -> pd.DataFrame:
        """Mean, sd, standard error and t-interval of each total, per structure (and point).

        Args:
            metric: a name in ``RunResult.totals`` (``"bookings"``, ``"profit"`` and
                ``"costs"`` stand for the ``_usd`` columns), a list of names, or None for all.
            confidence: of the interval (default 0.95).

        Returns:
            a DataFrame indexed by (``point``,) ``structure``, ``metric`` with columns ``n``
            (replications with a finite value), ``failed`` (replications that raised),
            ``mean``, ``sd``, ``se``, ``ci_low``, ``ci_high``. With fewer than two values the
            sd and interval are NaN.
        """
        _check_confidence(confidence)
        names = self._metrics(metric)
        ks = [self.total_names.index(m) for m in names]
        x = self._totals[..., ks]  # (P, S, R, K)
        n, mean, sd = _moments(x, axis=2)
        se = sd / np.sqrt(n)
        half = _t_quantile(confidence, n - 1) * se
        failed = np.broadcast_to((~self._ok).sum(axis=2)[..., None], n.shape)
        frame = pd.DataFrame(
            {
                "n": n.ravel().astype(int),
                "failed": failed.ravel().astype(int),
                "mean": mean.ravel(),
                "sd": sd.ravel(),
                "se": se.ravel(),
                "ci_low": (mean - half).ravel(),
                "ci_high": (mean + half).ravel(),
            },
            index=self._index(names, self.labels, with_point=True),
        )
        return frame if self.is_sweep else frame.droplevel("point")

    def differences(
        self, baseline: str, metric: str | Sequence[str] | None = None, *, paired: bool = True, confidence: float = 0.95
    ) -> pd.DataFrame:
        """Each structure minus ``baseline``: mean difference and its t-interval, per metric.

        With ``paired=True`` (the default) replication r of a structure is compared with
        replication r of the baseline, which used the same seed (common random numbers): the
        interval is that of the mean of the paired differences, usually much narrower than
        the ``paired=False`` (Welch, independent samples) interval on the same data.

        Returns:
            a DataFrame indexed by (``point``,) ``structure``, ``metric`` (structures other than
            the baseline) with columns ``n``, ``n_baseline`` (values used; equal when paired),
            ``mean``, ``se``, ``df``, ``ci_low``, ``ci_high``.
        """
        _check_confidence(confidence)
        if not isinstance(paired, bool):
            raise ValidationError(Problem("paired", paired, "true or false"))
        b = self._label(baseline, "baseline")
        names = self._metrics(metric)
        ks = [self.total_names.index(m) for m in names]
        others = [s for s in range(len(self.labels)) if s != b]
        x = self._totals[:, others][..., ks]  # (P, S', R, K)
        base = self._totals[:, [b]][..., ks]  # (P, 1, R, K)
        base = np.broadcast_to(base, x.shape)
        if paired:
            both = np.isfinite(x) & np.isfinite(base)
            d = np.where(both, x - base, np.nan)
            n, mean, sd = _moments(d, axis=2)
            n_base = n
            se = sd / np.sqrt(n)
            df = n - 1.0
        else:
            n, mean_x, sd_x = _moments(x, axis=2)
            n_base, mean_b, sd_b = _moments(base, axis=2)
            mean = mean_x - mean_b
            vx, vb = sd_x**2 / n, sd_b**2 / n_base
            se = np.sqrt(vx + vb)
            with np.errstate(invalid="ignore", divide="ignore"):
                df = (vx + vb) ** 2 / (vx**2 / (n - 1) + vb**2 / (n_base - 1))
        half = _t_quantile(confidence, df) * se
        frame = pd.DataFrame(
            {
                "n": n.ravel().astype(int),
                "n_baseline": n_base.ravel().astype(int),
                "mean": mean.ravel(),
                "se": se.ravel(),
                "df": df.ravel(),
                "ci_low": (mean - half).ravel(),
                "ci_high": (mean + half).ravel(),
            },
            index=self._index(names, [self.labels[s] for s in others], with_point=True),
        )
        return frame if self.is_sweep else frame.droplevel("point")

    def crossover(self, a: str, b: str, metric: str = "bookings") -> Crossover:
        """The first period after which ``a``'s cumulative ``metric`` stays above ``b``'s.

        Per replication (paired by seed), the series column ``metric`` (``"bookings"`` means
        ``bookings_usd``) is cumulated over periods (NaN periods count as 0); the crossover is
        the first period from whose end on ``a`` leads strictly until the end of the run.
        Replications where either structure failed are left out.
        """
        ia, ib = self._label(a, "a"), self._label(b, "b")
        if ia == ib:
            raise ValidationError(Problem("b", b, "a structure other than a"))
        column = self._metric(metric, self.columns)
        j = self.columns.index(column)
        end_j = self.columns.index("end_day") if "end_day" in self.columns else None
        rows = []
        n_points, _, n_reps, n_periods, _ = self._series.shape
        for p in range(n_points):
            cum_a = np.nancumsum(self._series[p, ia, :, :, j], axis=1)
            cum_b = np.nancumsum(self._series[p, ib, :, :, j], axis=1)
            behind = ~(cum_a - cum_b > 0)  # (R, T)
            for r in range(n_reps):
                if not (self._ok[p, ia, r] and self._ok[p, ib, r]):
                    continue
                if n_periods == 0 or behind[r, -1]:
                    period = None
                else:
                    last_behind = np.flatnonzero(behind[r])
                    period = int(last_behind[-1]) + 1 if last_behind.size else 0
                day = np.nan if period is None or end_j is None else float(self._series[p, ia, r, period, end_j])
                ahead = bool(n_periods and not behind[r, -1])
                rows.append({"point": p, "replication": r, "period": period, "day": day, "ahead_at_end": ahead})
        frame = pd.DataFrame(rows, columns=["point", "replication", "period", "day", "ahead_at_end"])
        frame["period"] = frame["period"].astype("Int64")
        if not self.is_sweep:
            frame = frame.drop(columns="point")
        return Crossover(a=a, b=b, metric=column, by_replication=frame)

    def replications_needed(self, metric: str, relative_precision: float, *, confidence: float = 0.95) -> ReplicationsNeeded:
        """How many replications give a confidence interval within ``relative_precision`` of the mean.

        The sequential method (Robinson, *Simulation: The Practice of Model Development and
        Use*; Law & Kelton): see :class:`ReplicationsNeeded`. Uses the replications in seed
        order, skipping failed ones and NaN values.

        Args:
            metric: a total, e.g. ``"profit_usd"`` (or ``"profit"``).
            relative_precision: the target half-width / |mean|, e.g. 0.05 for +-5%.
        """
        _check_confidence(confidence)
        if not (_is_real(relative_precision) and math.isfinite(relative_precision) and relative_precision > 0):
            raise ValidationError(Problem("relative_precision", relative_precision, "a number > 0, e.g. 0.05 for +-5% of the mean"))
        name = self._metric(metric, self.total_names)
        k = self.total_names.index(name)
        needed_rows, table_rows = [], []
        n_points = self._totals.shape[0]
        for p in range(n_points):
            for s, label in enumerate(self.labels):
                x = self._totals[p, s, :, k]
                x = x[np.isfinite(x)]
                key = (p, label) if self.is_sweep else (label,)
                if len(x) < 2:
                    needed_rows.append((*key, pd.NA))
                    continue
                n = np.arange(1, len(x) + 1, dtype=float)
                y = x - x[0]  # shifted sums: stable variances
                s1, s2 = np.cumsum(y), np.cumsum(y * y)
                mean = x[0] + s1 / n
                with np.errstate(invalid="ignore", divide="ignore"):
                    var = np.maximum(s2 - s1 * s1 / n, 0.0) / (n - 1)
                    half = _t_quantile(confidence, n - 1) * np.sqrt(var / n)
                    rel = np.where(mean != 0, half / np.abs(mean), np.where(half == 0, 0.0, np.inf))
                rel = rel[1:]  # n = 2..N
                within = rel <= relative_precision
                if not within[-1]:
                    needed = pd.NA
                else:
                    outside = np.flatnonzero(~within)
                    needed = int(outside[-1] + 3) if outside.size else 2
                needed_rows.append((*key, needed))
                for i, nn in enumerate(range(2, len(x) + 1)):
                    table_rows.append((*key, nn, mean[nn - 1], half[nn - 1], rel[i]))
        key_names = ["point", "structure"] if self.is_sweep else ["structure"]
        needed_frame = pd.DataFrame(needed_rows, columns=[*key_names, "needed"]).set_index(key_names)
        needed_series = needed_frame["needed"].astype("Int64")
        table = pd.DataFrame(table_rows, columns=[*key_names, "n", "mean", "half_width", "relative_half_width"]).set_index(
            [*key_names, "n"]
        )
        return ReplicationsNeeded(
            metric=name, relative_precision=float(relative_precision), confidence=float(confidence), needed=needed_series, table=table
        )

    # -- exports -------------------------------------------------------------------------------
    def to_frame(self, what: str = "series") -> pd.DataFrame:
        """Tidy long format: one row per value.

        Args:
            what: ``"series"``: columns (``point``,) ``structure``, ``replication``, ``period``,
                ``metric``, ``value`` for every column of ``RunResult.series`` (including
                ``start_day`` and ``end_day``); ``"totals"``: (``point``,) ``structure``,
                ``replication``, ``metric``, ``value``. Failed replications are left out.
        """
        if what == "series":
            data, names, metric_names = self._series, ["point", "structure", "replication", "period", "metric"], self.columns
        elif what == "totals":
            data, names, metric_names = self._totals, ["point", "structure", "replication", "metric"], self.total_names
        else:
            raise ValidationError(Problem("what", what, "'series' or 'totals'"))
        shape = data.shape
        grids = np.meshgrid(*[np.arange(n) for n in shape], indexing="ij")
        keep = np.broadcast_to(self._ok.reshape(self._ok.shape + (1,) * (data.ndim - 3)), shape)
        if what == "series" and shape[3] and "end_day" in self.columns:
            # drop padding of points with fewer periods (their end_day is NaN)
            real = np.isfinite(self._series[..., self.columns.index("end_day")])[..., None]
            keep = keep & np.broadcast_to(real, shape)
        flat = keep.ravel()
        columns: dict[str, Any] = {}
        for name, grid in zip(names, grids, strict=True):
            values = grid.ravel()[flat]
            if name == "structure":
                columns[name] = pd.Categorical.from_codes(values, categories=self.labels)
            elif name == "metric":
                columns[name] = pd.Categorical.from_codes(values, categories=list(metric_names))
            else:
                columns[name] = values.astype(np.int64)
        columns["value"] = data.ravel()[flat]
        frame = pd.DataFrame(columns)
        if not self.is_sweep:
            frame = frame.drop(columns="point")
        return frame

    def to_xarray(self, what: str = "series") -> Any:
        """An ``xarray.DataArray`` with dims (``point``,) ``structure``, ``replication``,
        ``period``, ``metric`` (``what="series"``) or without ``period`` (``what="totals"``).
        Failed replications are NaN. Needs the ``xarray`` extra: ``pip install 'orgsim[xarray]'``."""
        try:
            import xarray as xr
        except ImportError:
            raise ImportError("Experiment.to_xarray needs xarray: pip install 'orgsim[xarray]' (or use Experiment.to_frame())") from None
        if what == "series":
            data, dims = self._series, ["point", "structure", "replication", "period", "metric"]
            coords: dict[str, Any] = {"period": np.arange(data.shape[3]), "metric": self.columns}
        elif what == "totals":
            data, dims = self._totals, ["point", "structure", "replication", "metric"]
            coords = {"metric": self.total_names}
        else:
            raise ValidationError(Problem("what", what, "'series' or 'totals'"))
        coords.update({"structure": self.labels, "replication": np.arange(self.replications)})
        if self.is_sweep:
            assert self.points is not None
            coords["point"] = np.arange(len(self.points))
            for column in self.points.columns:
                coords[column] = ("point", self.points[column].to_numpy())
        else:
            data, dims = data[0], dims[1:]
        attrs = {"seed": self.seed, "replications": self.replications, "failed": self.n_failed}
        if "horizon_days" in self.meta:
            attrs["horizon_days"] = self.meta["horizon_days"]
        return xr.DataArray(data, dims=dims, coords=coords, name=what, attrs=attrs)


def _moments(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count of finite values, their mean and sample sd (NaN where undefined), along ``axis``."""
    finite = np.isfinite(x)
    n = finite.sum(axis=axis).astype(float)
    filled = np.where(finite, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=axis) / n
        dev = np.where(finite, x - np.expand_dims(mean, axis), 0.0)
        sd = np.sqrt((dev * dev).sum(axis=axis) / (n - 1))
    mean = np.where(n > 0, mean, np.nan)
    sd = np.where(n > 1, sd, np.nan)
    return n, mean, sd


__all__ = ["METRIC_ALIASES", "Crossover", "Experiment", "LatinHypercube", "ReplicationsNeeded", "compare", "sweep"]

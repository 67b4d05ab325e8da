"""Global sensitivity analysis of declared uncertainties, and which structure wins where.

Three questions about a scenario whose parameters are uncertain (declared with
:class:`~orgsim.uncertainty.Uncertainties`):

* :func:`morris`: which parameters matter at all? Morris elementary-effects screening
  (cheap: ``trajectories x (D + 1)`` points for ``D`` parameters).
* :func:`sobol`: how much of the output's variance does each parameter explain, alone
  (first-order ``S1``) and with its interactions (total ``ST``)? Sobol indices with the
  Saltelli design (``N x (D + 2)`` points, ``N x (2D + 2)`` with second-order indices).
* :func:`winners`: over a Latin hypercube sample of the uncertain space, how likely is each
  structure to be best on a metric, and where does the ranking flip?

SALib draws the samples and computes the indices; :func:`orgsim.sweep` evaluates every point
(validated before anything runs, on any executor, resumable from a result store, with the same
replication seeds at every point, i.e. common random numbers). An output is a total of
:attr:`orgsim.RunResult.totals` averaged over replications for one structure, or the paired
difference of a total between two structures (replication ``r`` of both used the same seed),
read at the horizon or, for flows and stocks, at an earlier day of the same runs.

SALib is an optional dependency: ``pip install 'orgsim[sensitivity]'``. Plots need matplotlib.
See ``docs/sensitivity.md`` for the method, the sample sizes and the limits.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from orgsim.config.errors import Problem, ValidationError
from orgsim.config.scenario import Scenario
from orgsim.experiment.uncertainty import Uncertain, Uncertainties

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from orgsim.experiment.study import Experiment, StructuresArg

UncertainArg = Uncertainties | Mapping[str, Any] | Sequence[Uncertain]
#: An output: a structure label, or a pair ``(a, b)`` for the paired difference a - b.
OutputArg = str | tuple[str, str] | None


def _salib(module: str) -> Any:
    """A SALib submodule, imported on first use."""
    import importlib

    try:
        return importlib.import_module(f"SALib.{module}")
    except ImportError:
        raise ImportError(
            "orgsim.experiment.sensitivity.morris/sobol need SALib: pip install 'orgsim[sensitivity]' (orgsim.sensitivity.winners does not)"
        ) from None


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _uncertainties(uncertain: Any) -> Uncertainties:
    if isinstance(uncertain, Uncertainties):
        return uncertain
    return Uncertainties(uncertain)


# -- running the points ------------------------------------------------------------------------


def _evaluate(
    scenario: Scenario | None,
    structures: Any,
    uncertain: Uncertainties,
    unit: np.ndarray,
    *,
    replications: Any,
    seed: Any,
    horizon_days: Any,
    executor: Any,
    progress: Any,
    store: Any,
) -> tuple[pd.DataFrame, np.ndarray, Experiment]:
    """Scale a unit-cube sample to scenario points and run each distinct point once with
    :func:`orgsim.sweep`. Returns the points of every sample row, the index of each row's
    distinct point in the experiment, and the experiment."""
    from orgsim.experiment.study import sweep

    base = scenario if isinstance(scenario, Scenario) else None  # anything else is reported by sweep
    points = uncertain.points(unit, base)
    # the same scenario point twice (Morris trajectories can meet; rounding can merge rows) runs once
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(points), sort=False)
    distinct = pd.DataFrame(list(uniques), columns=points.columns)
    distinct = distinct.astype(points.dtypes.to_dict())
    experiment = sweep(
        scenario,
        structures,
        distinct,
        replications=replications,
        seed=seed,
        horizon_days=horizon_days,
        executor=executor,
        progress=progress,
        store=store,
    )
    return points, np.asarray(codes), experiment


def _flow(name: str) -> bool:
    from orgsim.model.recorder import FLOW_COUNTERS

    return name in FLOW_COUNTERS or name == "profit_usd" or (name.startswith("effort_") and name.endswith("_days"))


def _values(experiment: Experiment, metric: str, at_day: float | None) -> tuple[np.ndarray, str, float]:
    """Values of ``metric`` per (point, structure, replication) and the day they are read at.

    ``at_day=None``: the total at the horizon. Otherwise, from the per-period series of the same
    runs: a flow (bookings, profit, costs, wins, ...) cumulated to the end of the last period
    ending on or before ``at_day``; a stock or level total (``brand_stock_end``, ...) read at
    that period's end.
    """
    horizon = float(experiment.meta.get("horizon_days", math.nan))
    if at_day is None:
        name = experiment._metric(metric, experiment.total_names)
        frame = experiment.totals(name)  # rows (point, replication), columns structures
        n_points = len(experiment.points) if experiment.points is not None else 1
        values = frame.to_numpy().reshape(n_points, experiment.replications, len(experiment.labels)).transpose(0, 2, 1)
        return values, name, horizon
    if not (_is_real(at_day) and 0 < at_day <= horizon + 1e-9):
        raise ValidationError(Problem("at_day", at_day, f"None (the horizon) or a day in (0, {horizon:g}] (the runs' horizon)"))
    name = experiment._metric(metric, experiment.total_names)
    column = name[: -len("_end")] if name.endswith("_end") and name[: -len("_end")] in experiment.columns else name
    if column not in experiment.columns or not (_flow(column) or column != name):
        raise ValidationError(
            Problem(
                "metric",
                metric,
                "at an earlier day: a flow (bookings_usd, profit_usd, costs_usd, wins, ...) or a stock (..._end)",
            )
        )
    series = experiment._series  # (P, S, R, T, C): the per-period series of every replication
    ends = series[..., experiment.columns.index("end_day")]
    finite = np.isfinite(ends)
    end_by_period = np.nanmax(np.where(finite, ends, -np.inf), axis=(0, 1, 2))
    eligible = np.flatnonzero(end_by_period <= at_day + 1e-9)
    if eligible.size == 0:
        raise ValidationError(Problem("at_day", at_day, f"a day at or after the end of the first period ({end_by_period[0]:g})"))
    t = int(eligible[-1])
    j = experiment.columns.index(column)
    # a flow is cumulated to the end of period t; a stock is read there
    values = np.nansum(series[..., : t + 1, j], axis=-1) if column == name else series[..., t, j].copy()
    values[~experiment._ok] = np.nan
    return values, name, float(end_by_period[t])


def _t_half(se: np.ndarray, n: np.ndarray, confidence: float) -> np.ndarray:
    from orgsim.experiment.study import _t_quantile

    return _t_quantile(confidence, n - 1.0) * se


def _mean_sd(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from orgsim.experiment.study import _moments

    return _moments(x, axis=axis)


# -- sensitivity indices -----------------------------------------------------------------------


@dataclass
class Sensitivity:
    """The runs of a Morris or Sobol design and the indices computed from them.

    Attributes:
        method: ``"morris"`` or ``"sobol"``.
        uncertain: the declared uncertainties (the parameters, in order).
        unit: the SALib sample in the unit cube, one row per design point.
        points: the scenario values of every design point (integer fields rounded).
        point_index: for each design row, its point in ``experiment`` (repeated points run once).
        experiment: the :class:`~orgsim.Experiment` of the distinct points (a sweep).
        levels: Morris grid levels; ``second_order``: whether the Sobol design allows S2.
    """

    method: str
    uncertain: Uncertainties
    unit: np.ndarray
    points: pd.DataFrame
    point_index: np.ndarray
    experiment: Experiment
    levels: int = 4
    second_order: bool = False
    sample_seed: int = 0
    _cache: dict[Any, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def labels(self) -> list[str]:
        """The structures run."""
        return list(self.experiment.labels)

    @property
    def runs(self) -> int:
        """Simulations in the experiment: distinct points x structures x replications."""
        assert self.experiment.points is not None
        return len(self.experiment.points) * len(self.labels) * self.experiment.replications

    def _output(self, output: OutputArg) -> tuple[str, tuple[int, ...]]:
        labels = self.labels
        if output is None:
            if len(labels) != 1:
                raise ValidationError(
                    Problem("output", None, f"a structure ({', '.join(map(repr, labels))}) or a pair (a, b): the paired difference a - b")
                )
            output = labels[0]
        if isinstance(output, str):
            if output not in labels:
                raise ValidationError(Problem("output", output, f"one of the structures: {', '.join(map(repr, labels))}"))
            return output, (labels.index(output),)
        if isinstance(output, (tuple, list)) and len(output) == 2 and all(isinstance(o, str) for o in output):
            a, b = output
            bad = [o for o in (a, b) if o not in labels]
            if bad or a == b:
                raise ValidationError(Problem("output", tuple(output), f"two different structures among {', '.join(map(repr, labels))}"))
            return f"{a} - {b}", (labels.index(a), labels.index(b))
        raise ValidationError(Problem("output", output, "a structure label or a pair (a, b) for the paired difference a - b"))

    def outputs(self, metric: str = "bookings", output: OutputArg = None, *, at_day: float | None = None) -> pd.Series:
        """The model output at every design point: the mean over replications of ``metric``
        for structure ``output``, or, for ``output=(a, b)``, the mean of the paired
        differences a - b (common random numbers).

        Args:
            metric: a total of :attr:`orgsim.RunResult.totals` (``"bookings"``, ``"profit"``,
                ``"costs"`` stand for the ``_usd`` totals; e.g. ``"brand_stock_end"``).
            output: a structure label, or a pair of labels; None with a single structure.
            at_day: read the metric at this day instead of the horizon (flows cumulated,
                stocks at that day; the last period ending on or before it).
        """
        label, which = self._output(output)
        values, name, day = _values(self.experiment, metric, at_day)
        x = values[:, which[0], :] if len(which) == 1 else values[:, which[0], :] - values[:, which[1], :]
        n, mean, _ = _mean_sd(x, axis=1)
        if (n == 0).any():
            bad = np.flatnonzero(n == 0).tolist()
            raise RuntimeError(
                f"no successful replication at point(s) {bad[:10]} for {label}; see Sensitivity.experiment.failures for the tracebacks"
            )
        y = pd.Series(mean[self.point_index], index=self.points.index, name=f"{name} ({label})")
        y.attrs.update({"metric": name, "output": label, "day": day})
        return y

    def indices(
        self,
        metric: str = "bookings",
        output: OutputArg = None,
        *,
        at_day: float | None = None,
        confidence: float = 0.95,
        resamples: int = 1000,
        seed: int = 0,
    ) -> pd.DataFrame:
        """Sensitivity indices of one output (see :meth:`outputs`), one row per parameter.

        Morris: ``mu`` (mean elementary effect), ``mu_star`` (mean absolute effect, the
        importance measure), ``sigma`` (spread of the effects: non-linearity or
        interactions), ``mu_star_conf`` (half-width of the bootstrap interval of ``mu_star``).
        Elementary effects are changes of the output per change of the parameter over its
        whole declared range, so they are in the output's unit (e.g. USD).

        Sobol: ``S1`` (first order: share of the output's variance explained by the
        parameter alone), ``ST`` (total: with all its interactions), ``S1_conf`` and
        ``ST_conf`` (half-widths of the bootstrap intervals).

        Args:
            confidence: level of the bootstrap intervals.
            resamples: bootstrap resamples.
            seed: seed of the bootstrap.
        """
        if not (_is_real(confidence) and 0 < confidence < 1):
            raise ValidationError(Problem("confidence", confidence, "a number in (0, 1), e.g. 0.95"))
        if not (_is_int(resamples) and resamples >= 10):
            raise ValidationError(Problem("resamples", resamples, "an integer >= 10"))
        if not (_is_int(seed) and seed >= 0):
            raise ValidationError(Problem("seed", seed, "an integer >= 0"))
        y = self.outputs(metric, output, at_day=at_day)
        key = (y.attrs["metric"], y.attrs["output"], y.attrs["day"], float(confidence), int(resamples), int(seed))
        if key in self._cache:
            return self._cache[key].copy()
        problem = self.uncertain.problem()
        yv = y.to_numpy(dtype=float)
        # SALib's Sobol analysis ignores a falsy seed and then draws from numpy's global state;
        # a seed derived from ours is never 0, so the bootstrap is reproducible
        boot_seed = int(np.random.SeedSequence(int(seed)).generate_state(1)[0]) or 1
        if self.method == "morris":
            si = _salib("analyze.morris").analyze(
                problem, self.unit, yv, num_resamples=int(resamples), conf_level=float(confidence), num_levels=self.levels, seed=boot_seed
            )
            frame = pd.DataFrame(
                {
                    "mu": np.asarray(si["mu"], dtype=float),
                    "mu_star": np.asarray(si["mu_star"], dtype=float),
                    "sigma": np.asarray(si["sigma"], dtype=float),
                    "mu_star_conf": np.asarray(si["mu_star_conf"], dtype=float),
                },
                index=pd.Index(self.uncertain.names, name="parameter"),
            )
        else:
            if np.ptp(yv) == 0:
                # SALib divides by the output's variance; with none, every index is zero
                zeros = np.zeros(len(self.uncertain))
                si = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
            else:
                si = _salib("analyze.sobol").analyze(
                    problem,
                    yv,
                    calc_second_order=self.second_order,
                    num_resamples=int(resamples),
                    conf_level=float(confidence),
                    seed=boot_seed,
                )
            frame = pd.DataFrame(
                {k: np.asarray(si[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")},
                index=pd.Index(self.uncertain.names, name="parameter"),
            )
            if self.second_order and "S2" in si:
                frame.attrs["S2"] = pd.DataFrame(si["S2"], index=self.uncertain.names, columns=self.uncertain.names)
        frame.attrs.update(
            {
                "method": self.method,
                "metric": y.attrs["metric"],
                "output": y.attrs["output"],
                "day": y.attrs["day"],
                "confidence": confidence,
            }
        )
        self._cache[key] = frame
        return frame.copy()

    def table(
        self,
        metric: str = "bookings",
        outputs: Sequence[OutputArg] | None = None,
        *,
        at_day: float | None = None,
        confidence: float = 0.95,
        resamples: int = 1000,
        seed: int = 0,
    ) -> pd.DataFrame:
        """:meth:`indices` of several outputs stacked: index (``output``, ``parameter``).

        ``outputs`` defaults to every structure, plus the paired difference first minus second
        when there are two or more.
        """
        if outputs is None:
            outputs = [*self.labels, *([(self.labels[0], self.labels[1])] if len(self.labels) > 1 else [])]
        frames = {}
        for o in outputs:
            frame = self.indices(metric, o, at_day=at_day, confidence=confidence, resamples=resamples, seed=seed)
            frames[frame.attrs["output"]] = frame
        out = pd.concat(frames, names=["output", "parameter"])
        out.attrs.update({"method": self.method, "metric": frame.attrs["metric"], "day": frame.attrs["day"]})
        return out

    def plot(self, metric: str = "bookings", output: OutputArg = None, *, at_day: float | None = None, ax: Axes | None = None) -> Axes:
        """:func:`plot_morris` or :func:`plot_sobol` of one output."""
        frame = self.indices(metric, output, at_day=at_day)
        return plot_morris(frame, ax=ax) if self.method == "morris" else plot_sobol(frame, ax=ax)

    def __repr__(self) -> str:
        n = len(self.unit)
        return (
            f"Sensitivity({self.method}: {len(self.uncertain)} parameters, {n} design points "
            f"({len(self.experiment.points) if self.experiment.points is not None else 0} distinct) x "
            f"{len(self.labels)} structures x {self.experiment.replications} replications = {self.runs} runs)"
        )


def _check_run_args(problems: list[Problem], sample_seed: Any) -> None:
    if not (_is_int(sample_seed) and sample_seed >= 0):
        problems.append(Problem("sample_seed", sample_seed, "an integer >= 0 (the design's seed: the same seed gives the same points)"))


def morris(
    scenario: Scenario | None,
    structures: StructuresArg,
    uncertain: UncertainArg,
    *,
    trajectories: int = 10,
    levels: int = 4,
    replications: int,
    seed: int,
    sample_seed: int = 0,
    horizon_days: float | None = None,
    executor: Executor | str | Any | None = None,
    progress: bool | None = None,
    store: str | os.PathLike[str] | None = None,
) -> Sensitivity:
    """Morris elementary-effects screening of the declared uncertainties.

    ``trajectories`` one-at-a-time paths through a grid of ``levels`` values per parameter,
    each path ``D + 1`` points (``D`` parameters): ``trajectories x (D + 1)`` points, each run
    under every structure with ``replications`` replications (the same seeds everywhere).

    Args:
        scenario: the base scenario (None: the default); the uncertain fields are replaced.
        structures: as in :func:`orgsim.compare`.
        uncertain: an :class:`~orgsim.uncertainty.Uncertainties`, a mapping ``{dotted key: (low, high)}``
            or a list of :class:`~orgsim.uncertainty.Uncertain`.
        trajectories: Morris paths (>= 2; 10 to 50 is usual).
        levels: grid levels per parameter (an even number >= 2; 4 is usual).
        replications: replications per structure and point (>= 1); outputs are their mean.
        seed: the root seed; replication r uses the same seed at every point and under every structure.
        sample_seed: seed of the design (the same seed gives the same points).
        horizon_days: days to simulate (default: the scenario's).
        executor: where the runs go, as in :func:`orgsim.sweep` (None: a process pool; ``"serial"``: here).
        progress: progress bar (None: in a terminal or notebook).
        store: a result-store folder; running again resumes.

    Returns:
        a :class:`Sensitivity`; call ``.indices(metric, output)`` for the indices.

    Raises:
        ValidationError: for bad declarations, arguments or points, before anything runs.
        ImportError: without SALib (``pip install 'orgsim[sensitivity]'``).
    """
    u = _uncertainties(uncertain)
    problems: list[Problem] = []
    if not (_is_int(trajectories) and trajectories >= 2):
        problems.append(Problem("trajectories", trajectories, "an integer >= 2 (10 to 50 is usual)"))
    if not (_is_int(levels) and levels >= 2 and levels % 2 == 0):
        problems.append(Problem("levels", levels, "an even integer >= 2 (4 is usual)"))
    _check_run_args(problems, sample_seed)
    if problems:
        raise ValidationError(problems)
    sample = _salib("sample.morris")
    unit = sample.sample(u.problem(), int(trajectories), num_levels=int(levels), seed=int(sample_seed))
    points, index, experiment = _evaluate(
        scenario,
        structures,
        u,
        unit,
        replications=replications,
        seed=seed,
        horizon_days=horizon_days,
        executor=executor,
        progress=progress,
        store=store,
    )
    return Sensitivity("morris", u, unit, points, index, experiment, levels=int(levels), sample_seed=int(sample_seed))


def sobol(
    scenario: Scenario | None,
    structures: StructuresArg,
    uncertain: UncertainArg,
    *,
    samples: int = 64,
    second_order: bool = False,
    replications: int,
    seed: int,
    sample_seed: int = 0,
    horizon_days: float | None = None,
    executor: Executor | str | Any | None = None,
    progress: bool | None = None,
    store: str | os.PathLike[str] | None = None,
) -> Sensitivity:
    """Sobol first-order and total indices of the declared uncertainties (Saltelli design).

    ``samples`` (``N``, a power of two) base points give ``N x (D + 2)`` design points, or
    ``N x (2D + 2)`` with ``second_order=True``, each run under every structure with
    ``replications`` replications (the same seeds everywhere).

    Args:
        samples: ``N``, a power of two >= 2 (the Sobol' sequence's balance needs it); the
            intervals shrink like ``1/sqrt(N)``: 512 to 1024 for stable indices, 32 to 64 to
            get a first idea.
        second_order: also estimate the pairwise indices ``S2`` (``indices(...).attrs["S2"]``).

    The other arguments are those of :func:`morris`.

    Raises:
        ValidationError: for bad declarations, arguments or points, before anything runs.
        ImportError: without SALib (``pip install 'orgsim[sensitivity]'``).
    """
    u = _uncertainties(uncertain)
    problems: list[Problem] = []
    if not (_is_int(samples) and samples >= 2 and (samples & (samples - 1)) == 0):
        problems.append(Problem("samples", samples, "a power of two >= 2 (e.g. 64, 512, 1024)"))
    if not isinstance(second_order, bool):
        problems.append(Problem("second_order", second_order, "true or false"))
    _check_run_args(problems, sample_seed)
    if problems:
        raise ValidationError(problems)
    sample = _salib("sample.sobol")
    unit = sample.sample(u.problem(), int(samples), calc_second_order=second_order, seed=int(sample_seed))
    points, index, experiment = _evaluate(
        scenario,
        structures,
        u,
        unit,
        replications=replications,
        seed=seed,
        horizon_days=horizon_days,
        executor=executor,
        progress=progress,
        store=store,
    )
    return Sensitivity("sobol", u, unit, points, index, experiment, second_order=second_order, sample_seed=int(sample_seed))


def design_size(method: str, n_parameters: int, samples: int, *, second_order: bool = False) -> int:
    """Design points of a study: Morris ``samples x (D + 1)``; Sobol ``samples x (D + 2)``
    (``samples x (2D + 2)`` with second order). Multiply by structures x replications for runs."""
    if method == "morris":
        return samples * (n_parameters + 1)
    if method == "sobol":
        return samples * (2 * n_parameters + 2 if second_order else n_parameters + 2)
    raise ValidationError(Problem("method", method, "'morris' or 'sobol'"))


# -- which structure wins where --------------------------------------------------------------


@dataclass
class Winners:
    """Which structure is best on a metric at each point of a sample of the uncertain space.

    Attributes:
        metric: the total compared; ``higher_is_better`` its direction.
        labels: the structures.
        by_point: one row per sampled point and day read (``horizon_days``): the parameter
            values, ``mean[<structure>]`` (mean over replications), ``best`` and ``runner_up``
            (by mean), ``margin`` (mean paired difference best - runner-up, in the metric's
            unit; its sign follows ``higher_is_better``), ``margin_ci_low``/``margin_ci_high``
            (t-interval over replications, common random numbers), ``clear`` (the interval
            excludes zero), and ``p_best[<structure>]`` (share of replications in which the
            structure was best; ties shared).
        experiment: the sweep that produced it.
    """

    metric: str
    labels: list[str]
    uncertain: Uncertainties
    by_point: pd.DataFrame
    experiment: Experiment
    higher_is_better: bool = True
    confidence: float = 0.95

    @property
    def days(self) -> list[float]:
        """The days the metric was read at (the horizon, or each of ``at_days``)."""
        return sorted(self.by_point["horizon_days"].unique().tolist())

    def probabilities(self, *, by: str = "points") -> pd.DataFrame:
        """The probability each structure is best, per day read: rows ``horizon_days``,
        columns structures, each row summing to 1.

        Args:
            by: ``"points"``: the share of sampled points where the structure has the best
                mean (uncertainty about the parameters only); ``"replications"``: the share of
                (point, replication) pairs where it is best (also counts the run-to-run noise).
        """
        frame = self.by_point
        if by == "points":
            counts = pd.crosstab(frame["horizon_days"], pd.Categorical(frame["best"], categories=self.labels), dropna=False)
            out = counts.div(counts.sum(axis=1), axis=0)
        elif by == "replications":
            out = frame.groupby("horizon_days")[[f"p_best[{s}]" for s in self.labels]].mean()
            out.columns = self.labels
        else:
            raise ValidationError(Problem("by", by, "'points' or 'replications'"))
        out.columns = pd.Index(self.labels, name="structure")
        out.index.name = "horizon_days"
        return out

    def regions(self, x: str, y: str | None = None, *, bins: int = 4, day: float | None = None) -> pd.DataFrame:
        """Where the ranking flips: the share of points where each structure is best, per bin
        of one or two parameters (equal-width bins over the declared range; ``"horizon_days"``
        is binned by its values). Columns: one per structure, ``winner`` (the most frequent
        best structure in the bin), ``points`` (how many points fell in it).

        Unless ``x`` or ``y`` is ``"horizon_days"``, only the points read at ``day`` count
        (default: the last day read, i.e. the horizon).
        """
        keys = [x] if y is None else [x, y]
        if not (_is_int(bins) and bins >= 1):
            raise ValidationError(Problem("bins", bins, "an integer >= 1"))
        frame = self.by_point
        if "horizon_days" not in keys:
            chosen = self.days[-1] if day is None else day
            if chosen not in self.days:
                raise ValidationError(
                    Problem("day", day, f"None (the last) or one of the days read: {', '.join(f'{d:g}' for d in self.days)}")
                )
            frame = frame[frame["horizon_days"] == chosen]
        frame = frame.copy()
        allowed = [*self.uncertain.names, "horizon_days"]
        columns = []
        for k in keys:
            if k not in allowed:
                import difflib

                close = difflib.get_close_matches(str(k), allowed, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValidationError(Problem("x" if k == x else "y", k, f"{hint}one of: {', '.join(allowed)}"))
            name = f"{k} bin"
            if k == "horizon_days":
                frame[name] = frame[k]
            else:
                low, high = self.uncertain[k].low, self.uncertain[k].high
                edges = np.linspace(low, high, bins + 1)
                # bins closed on the right, the first also on the left: [low, e1], (e1, e2], ...
                labels = [f"{'[' if i == 0 else '('}{a:.4g}, {b:.4g}]" for i, (a, b) in enumerate(itertools.pairwise(edges))]
                frame[name] = pd.cut(frame[k], edges, include_lowest=True, labels=labels)
            columns.append(name)
        counts = pd.crosstab([frame[c] for c in columns], pd.Categorical(frame["best"], categories=self.labels), dropna=False)
        total = counts.sum(axis=1)
        share = counts.div(total.where(total > 0), axis=0)
        share.columns = list(self.labels)
        share["winner"] = [counts.columns[np.argmax(row)] if row.sum() else None for row in counts.to_numpy()]
        share["points"] = total.astype(int)
        share.attrs.update(
            {"metric": self.metric, "x": x, "y": y, "day": None if "horizon_days" in keys else float(frame["horizon_days"].iloc[0])}
        )
        return share

    def plot(self, x: str, y: str | None = None, *, bins: int = 4, day: float | None = None, ax: Axes | None = None) -> Axes:
        """:func:`plot_winners` of these results."""
        return plot_winners(self, x, y, bins=bins, day=day, ax=ax)

    def __repr__(self) -> str:
        p = self.probabilities()
        last = p.iloc[-1]
        ranked = ", ".join(f"{s} {v:.0%}" for s, v in last.sort_values(ascending=False).items())
        return f"Winners({self.metric}, {len(self.by_point) // len(self.days)} points, day {p.index[-1]:g}: P(best) {ranked})"


def winners(
    scenario: Scenario | None,
    structures: StructuresArg,
    uncertain: UncertainArg,
    *,
    metric: str = "profit",
    samples: int = 32,
    at_days: Sequence[float] | None = None,
    higher_is_better: bool = True,
    replications: int,
    seed: int,
    sample_seed: int = 0,
    horizon_days: float | None = None,
    confidence: float = 0.95,
    executor: Executor | str | Any | None = None,
    progress: bool | None = None,
    store: str | os.PathLike[str] | None = None,
) -> Winners:
    """Over ``samples`` Latin hypercube points of the uncertain space, the best structure at
    each point, the probability each is best, and (with :meth:`Winners.regions`) where the
    ranking flips.

    Args:
        metric: a total of :attr:`orgsim.RunResult.totals` (``"profit"``, ``"bookings"``, ...).
        samples: Latin hypercube points (:meth:`Uncertainties.latin_hypercube`).
        at_days: read the metric at each of these days of the same runs (horizon as a
            dimension: flows are cumulated and stocks read at each day, cheaper than a run per
            horizon); the runs last ``max(at_days)`` days unless ``horizon_days`` is given.
            None: at the horizon only.
        higher_is_better: False for costs and the like.
        confidence: of the paired-difference intervals of the margin.

    The other arguments (``scenario``, ``structures``, ``uncertain``, ``replications``, ``seed``,
    ``sample_seed``, ``horizon_days``, ``executor``, ``progress``, ``store``) are those of :func:`morris`.

    Raises:
        ValidationError: for bad declarations, arguments or points, before anything runs.
    """
    u = _uncertainties(uncertain)
    problems: list[Problem] = []
    if not (_is_int(samples) and samples >= 1):
        problems.append(Problem("samples", samples, "an integer >= 1"))
    if not isinstance(higher_is_better, bool):
        problems.append(Problem("higher_is_better", higher_is_better, "true or false"))
    if not (_is_real(confidence) and 0 < confidence < 1):
        problems.append(Problem("confidence", confidence, "a number in (0, 1), e.g. 0.95"))
    days: list[float | None] = [None]
    if at_days is not None:
        ok = isinstance(at_days, Sequence) and not isinstance(at_days, str) and len(at_days) > 0
        ok = ok and all(_is_real(d) and math.isfinite(d) and d > 0 for d in at_days)
        if not ok:
            problems.append(Problem("at_days", at_days, "None or a non-empty list of days > 0, e.g. [180, 365, 730]"))
        else:
            days = sorted({float(d) for d in at_days})
            if horizon_days is None:
                horizon_days = days[-1]
            elif _is_real(horizon_days) and days[-1] > horizon_days:
                problems.append(Problem("at_days", at_days, f"days <= horizon_days ({horizon_days:g})"))
    _check_run_args(problems, sample_seed)
    if problems:
        raise ValidationError(problems)
    from orgsim.experiment.study import LatinHypercube

    unit = LatinHypercube(u.ranges, n=int(samples), seed=int(sample_seed)).unit_sample()
    points, index, experiment = _evaluate(
        scenario,
        structures,
        u,
        unit,
        replications=replications,
        seed=seed,
        horizon_days=horizon_days,
        executor=executor,
        progress=progress,
        store=store,
    )
    labels = list(experiment.labels)
    rows = []
    for day in days:
        values, name, read_day = _values(experiment, metric, day)
        signed = values if higher_is_better else -values
        rows.append(_rank(signed, values, labels, points, index, read_day, confidence, higher_is_better))
    by_point = pd.concat(rows, ignore_index=True)
    return Winners(
        metric=name,
        labels=labels,
        uncertain=u,
        by_point=by_point,
        experiment=experiment,
        higher_is_better=higher_is_better,
        confidence=float(confidence),
    )


def _rank(
    signed: np.ndarray,
    values: np.ndarray,
    labels: list[str],
    points: pd.DataFrame,
    index: np.ndarray,
    day: float,
    confidence: float,
    higher_is_better: bool,
) -> pd.DataFrame:
    """One row per sampled point: means, best and runner-up, the paired margin and P(best)."""
    signed = signed[index]  # (N, S, R): one entry per sample row
    raw = values[index]
    n_rows, n_structures, _ = signed.shape
    _, means, _ = _mean_sd(signed, axis=2)  # (N, S)
    filled = np.where(np.isfinite(means), means, -np.inf)
    order = np.argsort(-filled, axis=1, kind="stable")
    best = order[:, 0]
    frame = points.reset_index(drop=True).copy()
    frame.insert(0, "point", np.arange(n_rows))
    frame["horizon_days"] = day
    _, raw_means, _ = _mean_sd(raw, axis=2)
    for s, label in enumerate(labels):
        frame[f"mean[{label}]"] = raw_means[:, s]
    frame["best"] = [labels[b] for b in best]
    if n_structures > 1:
        runner = order[:, 1]
        d = signed[np.arange(n_rows), best, :] - signed[np.arange(n_rows), runner, :]  # (N, R), >= 0 on average
        n, mean, sd = _mean_sd(d, axis=1)
        half = _t_half(sd / np.sqrt(n), n, confidence)
        frame["runner_up"] = [labels[r] for r in runner]
        frame["margin"] = mean
        frame["margin_ci_low"] = mean - half
        frame["margin_ci_high"] = mean + half
        frame["clear"] = (mean - half) > 0
    else:
        frame["runner_up"] = None
        for c in ("margin", "margin_ci_low", "margin_ci_high"):
            frame[c] = np.nan
        frame["clear"] = True
    # per replication: which structure is best (ties share the win)
    with np.errstate(invalid="ignore"):
        top = np.nanmax(np.where(np.isfinite(signed), signed, -np.inf), axis=1, keepdims=True)
        is_top = (signed == top) & np.isfinite(signed)
        ties = is_top.sum(axis=1, keepdims=True)
        share = np.where(ties > 0, is_top / np.maximum(ties, 1), np.nan)  # (N, S, R)
        p_best = np.nanmean(share, axis=2)
    for s, label in enumerate(labels):
        frame[f"p_best[{label}]"] = p_best[:, s]
    return frame


# -- figures -------------------------------------------------------------------------------------


def _plt() -> Any:
    import matplotlib.pyplot as plt

    return plt


def _unit(metric: str) -> str:
    if metric.endswith("_usd"):
        return "USD"
    if metric.endswith("_days"):
        return "days"
    return "units of the metric"


def _title(frame: pd.DataFrame) -> str:
    metric, output, day = frame.attrs.get("metric", ""), frame.attrs.get("output", ""), frame.attrs.get("day", math.nan)
    at = f" at day {day:g}" if isinstance(day, float) and math.isfinite(day) else ""
    what = f"paired difference {output}" if " - " in str(output) else str(output)
    return f"{metric}{at}: {what}"


def plot_morris(indices: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Morris screening: ``mu_star`` (importance) against ``sigma`` (non-linearity and
    interactions) per parameter, with the bootstrap interval of ``mu_star`` as horizontal bars.
    Parameters near the origin can be fixed; the dashed line is ``sigma = mu_star``.

    Args:
        indices: :meth:`Sensitivity.indices` of a Morris study.
    """
    from orgsim.present.plot import OKABE_ITO

    if ax is None:
        _, ax = _plt().subplots(figsize=(7.0, 4.5), constrained_layout=True)
    unit = _unit(str(indices.attrs.get("metric", "")))
    conf = float(indices.attrs.get("confidence", 0.95))
    for i, (name, row) in enumerate(indices.iterrows()):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        ax.errorbar(row["mu_star"], row["sigma"], xerr=row["mu_star_conf"], fmt="o", color=colour, capsize=3, label=str(name))
    top = float(np.nanmax([indices["mu_star"].max() + indices["mu_star_conf"].max(), indices["sigma"].max(), 1e-12]))
    ax.plot([0, top], [0, top], ls="--", lw=0.8, color="0.5", label="σ = μ*")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(f"μ*: mean |elementary effect| ({unit} per full range; bars: {conf:.0%} bootstrap interval)")
    ax.set_ylabel(f"σ: sd of the elementary effects ({unit})")
    ax.set_title(f"Morris screening, {_title(indices)}", fontsize=10)
    ax.legend(fontsize=8, loc="best", frameon=False)
    if unit == "USD":
        ax.xaxis.set_major_formatter(_money())
        ax.yaxis.set_major_formatter(_money())
    return ax


def _money() -> Any:
    """Tick labels such as $250k, $1.5M (the formatter of :mod:`orgsim.plot`)."""
    from orgsim.present.plot import _money_formatter

    return _money_formatter()


def plot_sobol(indices: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Sobol indices: first-order ``S1`` and total ``ST`` per parameter as horizontal bars with
    their bootstrap intervals. ``ST - S1`` is the share due to interactions.

    Args:
        indices: :meth:`Sensitivity.indices` of a Sobol study.
    """
    from orgsim.present.plot import OKABE_ITO

    if ax is None:
        _, ax = _plt().subplots(figsize=(8.5, 0.6 * len(indices) + 1.8), constrained_layout=True)
    conf = float(indices.attrs.get("confidence", 0.95))
    y = np.arange(len(indices))
    h = 0.38
    ax.barh(y - h / 2, indices["S1"], h, xerr=indices["S1_conf"], color=OKABE_ITO[0], capsize=3, label="S1: first order (alone)")
    ax.barh(y + h / 2, indices["ST"], h, xerr=indices["ST_conf"], color=OKABE_ITO[1], capsize=3, label="ST: total (with interactions)")
    ax.set_yticks(y, [str(n) for n in indices.index])
    ax.invert_yaxis()
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel(f"share of the output's variance (bars: {conf:.0%} bootstrap interval)")
    ax.set_title(f"Sobol indices, {_title(indices)}", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def plot_winners(
    winners: Winners, x: str, y: str | None = None, *, bins: int = 4, day: float | None = None, ax: Axes | None = None
) -> Axes:
    """Where each structure wins. With one parameter: the share of points where each structure
    is best, per bin (stacked bars). With two: a map of bins coloured by the most frequent
    winner, annotated with its share and the number of points.
    """
    from matplotlib.patches import Patch

    from orgsim.present.plot import OKABE_ITO

    table = winners.regions(x, y, bins=bins, day=day)
    colours = {s: OKABE_ITO[i % len(OKABE_ITO)] for i, s in enumerate(winners.labels)}
    direction = "highest" if winners.higher_is_better else "lowest"
    if ax is None:
        _, ax = _plt().subplots(figsize=(7.5, 4.5), constrained_layout=True)
    if y is None:
        labels = [_bin_text(b) for b in table.index]
        xs = np.arange(len(table))
        bottom = np.zeros(len(table))
        for s in winners.labels:
            share = table[s].fillna(0.0).to_numpy()
            ax.bar(xs, share, bottom=bottom, color=colours[s], label=s, edgecolor="white", linewidth=0.5)
            bottom += share
        for xi, n in zip(xs, table["points"], strict=True):
            ax.text(xi, 1.01, f"n={n}", ha="center", va="bottom", fontsize=7)
        ax.set_xticks(xs, labels, rotation=20 if len(xs) > 4 else 0, fontsize=8)
        ax.set_ylim(0, 1.1)
        ax.set_ylabel(f"share of sampled points where best ({direction} {winners.metric})")
        ax.set_xlabel(_axis_label(x))
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        xs_levels = list(dict.fromkeys(table.index.get_level_values(0)))
        ys_levels = list(dict.fromkeys(table.index.get_level_values(1)))
        for i, xb in enumerate(xs_levels):
            for j, yb in enumerate(ys_levels):
                row = table.loc[(xb, yb)]
                if row["points"] == 0:
                    ax.add_patch(_plt().Rectangle((i - 0.5, j - 0.5), 1, 1, facecolor="white", edgecolor="0.8", hatch="//"))
                    continue
                winner = row["winner"]
                share = float(row[winner])
                alpha = 0.35 + 0.65 * share
                ax.add_patch(_plt().Rectangle((i - 0.5, j - 0.5), 1, 1, facecolor=colours[winner], alpha=alpha, edgecolor="white"))
                ax.text(i, j, f"{share:.0%}\nn={int(row['points'])}", ha="center", va="center", fontsize=8)
        ax.set_xlim(-0.5, len(xs_levels) - 0.5)
        ax.set_ylim(-0.5, len(ys_levels) - 0.5)
        ax.set_xticks(range(len(xs_levels)), [_bin_text(b) for b in xs_levels], fontsize=8, rotation=20 if len(xs_levels) > 4 else 0)
        ax.set_yticks(range(len(ys_levels)), [_bin_text(b) for b in ys_levels], fontsize=8)
        ax.set_xlabel(_axis_label(x))
        ax.set_ylabel(_axis_label(y))
        handles = [Patch(facecolor=colours[s], label=s) for s in winners.labels]
        handles.append(Patch(facecolor="white", edgecolor="0.8", hatch="//", label="no point sampled"))
        ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="most often best")
    at = "" if table.attrs["day"] is None else f" at day {table.attrs['day']:g}"
    ax.set_title(f"Best structure on {winners.metric}{at} ({direction} mean over replications)", fontsize=10)
    return ax


def _bin_text(b: Any) -> str:
    return f"{b:g}" if isinstance(b, float) else str(b)


def _axis_label(name: str) -> str:
    return "horizon (days)" if name == "horizon_days" else name


__all__ = [
    "Sensitivity",
    "Winners",
    "design_size",
    "morris",
    "plot_morris",
    "plot_sobol",
    "plot_winners",
    "sobol",
    "winners",
]

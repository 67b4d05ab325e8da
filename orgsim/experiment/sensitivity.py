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

import os
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from orgsim.config.checks import check_bool, check_number, is_int, raise_problems
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.scenario import Scenario
from orgsim.experiment.options import RunOptions
from orgsim.experiment.ranking import Winners, winners
from orgsim.experiment.results import Experiment
from orgsim.experiment.sample_runs import OutputArg, UncertainArg, evaluate, plot_backend, salib, sample_seed_problem, values_at
from orgsim.experiment.sample_runs import as_uncertainties as _uncertainties
from orgsim.experiment.stats import confidence_problem, moments
from orgsim.experiment.uncertainty import Uncertainties

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from orgsim.experiment.study import StructuresArg


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
        values, name, day = values_at(self.experiment, metric, at_day)
        x = values[:, which[0], :] if len(which) == 1 else values[:, which[0], :] - values[:, which[1], :]
        n, mean, _ = moments(x, axis=1)
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
        raise_problems(
            [
                confidence_problem(confidence),
                check_number("resamples", resamples, 10, integer=True),
                check_number("seed", seed, 0, integer=True),
            ]
        )
        y = self.outputs(metric, output, at_day=at_day)
        key = (y.attrs["metric"], y.attrs["output"], y.attrs["day"], float(confidence), int(resamples), int(seed))
        if key in self._cache:
            return self._cache[key].copy()
        # SALib's Sobol analysis ignores a falsy seed and then draws from numpy's global state;
        # a seed derived from ours is never 0, so the bootstrap is reproducible
        boot_seed = int(np.random.SeedSequence(int(seed)).generate_state(1)[0]) or 1
        analyse = self._morris_indices if self.method == "morris" else self._sobol_indices
        frame = analyse(y.to_numpy(dtype=float), float(confidence), int(resamples), boot_seed)
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

    def _morris_indices(self, y: np.ndarray, confidence: float, resamples: int, boot_seed: int) -> pd.DataFrame:
        si = salib("analyze.morris").analyze(
            self.uncertain.problem(), self.unit, y, num_resamples=resamples, conf_level=confidence, num_levels=self.levels, seed=boot_seed
        )
        return pd.DataFrame(
            {k: np.asarray(si[k], dtype=float) for k in ("mu", "mu_star", "sigma", "mu_star_conf")},
            index=pd.Index(self.uncertain.names, name="parameter"),
        )

    def _sobol_indices(self, y: np.ndarray, confidence: float, resamples: int, boot_seed: int) -> pd.DataFrame:
        if np.ptp(y) == 0:
            # SALib divides by the output's variance; with none, every index is zero
            zeros = np.zeros(len(self.uncertain))
            si = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
        else:
            si = salib("analyze.sobol").analyze(
                self.uncertain.problem(),
                y,
                calc_second_order=self.second_order,
                num_resamples=resamples,
                conf_level=confidence,
                seed=boot_seed,
            )
        frame = pd.DataFrame(
            {k: np.asarray(si[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")},
            index=pd.Index(self.uncertain.names, name="parameter"),
        )
        if self.second_order and "S2" in si:
            frame.attrs["S2"] = pd.DataFrame(si["S2"], index=self.uncertain.names, columns=self.uncertain.names)
        return frame

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
        """``orgsim.sensitivity.plot_morris`` or ``plot_sobol`` of one output (drawn by
        :mod:`orgsim.present.sensitivity_plots`)."""
        frame = self.indices(metric, output, at_day=at_day)
        plots = plot_backend()
        return plots.plot_morris(frame, ax=ax) if self.method == "morris" else plots.plot_sobol(frame, ax=ax)

    def __repr__(self) -> str:
        n = len(self.unit)
        return (
            f"Sensitivity({self.method}: {len(self.uncertain)} parameters, {n} design points "
            f"({len(self.experiment.points) if self.experiment.points is not None else 0} distinct) x "
            f"{len(self.labels)} structures x {self.experiment.replications} replications = {self.runs} runs)"
        )


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
    leaders: str = "sampled",
    population: Any = None,
    keep_series: bool = True,
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
        leaders: who holds the seats, as in :func:`~orgsim.compare` (default: ``"sampled"``).
        population: the :class:`~orgsim.LeaderPopulation` sampled holders come from (None: the default).
        keep_series: ``False`` keeps only every run's totals, not its per-period series (then
            ``at_day`` is not available): what a study of tens of thousands of runs wants, whose
            series would otherwise fill the memory (about 140 kB a three-year run).

    Returns:
        a :class:`Sensitivity`; call ``.indices(metric, output)`` for the indices.

    Raises:
        ValidationError: for bad declarations, arguments or points, before anything runs.
        ImportError: without SALib (``pip install 'orgsim[sensitivity]'``).
    """
    u = _uncertainties(uncertain)
    options = RunOptions(replications, seed, horizon_days, executor, progress, store, leaders, population, keep_series)
    even = is_int(levels) and levels >= 2 and levels % 2 == 0
    raise_problems(
        [
            check_number("trajectories", trajectories, 2, integer=True, allowed="an integer >= 2 (10 to 50 is usual)"),
            None if even else Problem("levels", levels, "an even integer >= 2 (4 is usual)"),
            sample_seed_problem(sample_seed),
            *options.problems(),
        ]
    )
    sample = salib("sample.morris")
    unit = sample.sample(u.problem(), int(trajectories), num_levels=int(levels), seed=int(sample_seed))
    points, index, experiment = evaluate(scenario, structures, u, unit, options)
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
    leaders: str = "sampled",
    population: Any = None,
    keep_series: bool = True,
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
    options = RunOptions(replications, seed, horizon_days, executor, progress, store, leaders, population, keep_series)
    power_of_two = is_int(samples) and samples >= 2 and (samples & (samples - 1)) == 0
    raise_problems(
        [
            None if power_of_two else Problem("samples", samples, "a power of two >= 2 (e.g. 64, 512, 1024)"),
            check_bool("second_order", second_order),
            sample_seed_problem(sample_seed),
            *options.problems(),
        ]
    )
    sample = salib("sample.sobol")
    unit = sample.sample(u.problem(), int(samples), calc_second_order=second_order, seed=int(sample_seed))
    points, index, experiment = evaluate(scenario, structures, u, unit, options)
    return Sensitivity("sobol", u, unit, points, index, experiment, second_order=second_order, sample_seed=int(sample_seed))


def design_size(method: str, n_parameters: int, samples: int, *, second_order: bool = False) -> int:
    """Design points of a study: Morris ``samples x (D + 1)``; Sobol ``samples x (D + 2)``
    (``samples x (2D + 2)`` with second order). Multiply by structures x replications for runs."""
    if method == "morris":
        return samples * (n_parameters + 1)
    if method == "sobol":
        return samples * (2 * n_parameters + 2 if second_order else n_parameters + 2)
    raise ValidationError(Problem("method", method, "'morris' or 'sobol'"))


__all__ = [
    "Sensitivity",
    "Winners",
    "design_size",
    "morris",
    "sobol",
    "winners",
]

"""Running a sample of the uncertain space, and reading a metric from its runs.

What the sensitivity studies (:mod:`orgsim.experiment.sensitivity`) and the winners study
(:mod:`orgsim.experiment.ranking`) share: a sample in the unit cube is scaled to scenario points
(:meth:`Uncertainties.points`), each distinct point runs once in one sweep (common random
numbers across points and structures), and a metric is read from those runs at the horizon or
at an earlier day.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from orgsim.config.checks import check_number, is_real
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.scenario import Scenario
from orgsim.experiment.options import RunOptions
from orgsim.experiment.results import Experiment
from orgsim.experiment.study import run_sweep
from orgsim.experiment.uncertainty import Uncertain, Uncertainties
from orgsim.model.outcomes import END, outcome

UncertainArg = Uncertainties | Mapping[str, Any] | Sequence[Uncertain]
#: An output: a structure label, or a pair ``(a, b)`` for the paired difference a - b.
OutputArg = str | tuple[str, str] | None

#: The module that draws the figures of :meth:`Sensitivity.plot` and :meth:`Winners.plot`. The
#: presentation layer sits above this one, so it is named here, not imported: it loads when a
#: figure is asked for, as pandas loads its plotting backend (``pandas.options.plotting.backend``).
PLOT_BACKEND = "orgsim.present.sensitivity_plots"


def plot_backend() -> ModuleType:
    """The module of :data:`PLOT_BACKEND`, imported on first use."""
    return importlib.import_module(PLOT_BACKEND)


def salib(module: str) -> Any:
    """A SALib submodule, imported on first use."""
    try:
        return importlib.import_module(f"SALib.{module}")
    except ImportError:
        raise ImportError(
            "orgsim.experiment.sensitivity.morris/sobol need SALib: pip install 'orgsim[sensitivity]' (orgsim.sensitivity.winners does not)"
        ) from None


def as_uncertainties(uncertain: Any) -> Uncertainties:
    """The declarations as an :class:`Uncertainties` (validated when built from anything else)."""
    if isinstance(uncertain, Uncertainties):
        return uncertain
    return Uncertainties(uncertain)


def sample_seed_problem(sample_seed: Any) -> Problem | None:
    """A Problem unless ``sample_seed`` is an integer >= 0."""
    allowed = "an integer >= 0 (the design's seed: the same seed gives the same points)"
    return check_number("sample_seed", sample_seed, 0, integer=True, allowed=allowed)


def evaluate(
    scenario: Scenario | None, structures: Any, uncertain: Uncertainties, unit: np.ndarray, options: RunOptions
) -> tuple[pd.DataFrame, np.ndarray, Experiment]:
    """Scale a unit-cube sample to scenario points and run each distinct point once in one
    sweep. Returns the points of every sample row, the index of each row's distinct point in
    the experiment, and the experiment."""
    base = scenario if isinstance(scenario, Scenario) else None  # anything else is reported by the sweep
    points = uncertain.points(unit, base)
    # the same scenario point twice (Morris trajectories can meet; rounding can merge rows) runs once
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(points), sort=False)
    distinct = pd.DataFrame(list(uniques), columns=points.columns)
    distinct = distinct.astype(points.dtypes.to_dict())
    experiment = run_sweep(scenario, structures, distinct, options)
    return points, np.asarray(codes), experiment


def _kind(name: str) -> str | None:
    """The declared kind of an outcome (flow, level or ratio), None for an undeclared name."""
    try:
        return outcome(name).kind
    except KeyError:
        return None


def _series_column(experiment: Experiment, name: str) -> tuple[str, bool] | None:
    """The series column a total is read from at an earlier day, and whether it is a flow
    (cumulated to the day) rather than a level (read at the day); None if it has none.

    A flow's total is the sum of its series column of the same name; a recorded level's total
    is its value at the end of the run, named by the registry's template :data:`~orgsim.model.outcomes.END`."""
    if name in experiment.columns and _kind(name) == "flow":
        return name, True
    for column in experiment.columns:
        if END.format(column) == name and _kind(column) == "level":
            return column, False
    return None


def values_at(experiment: Experiment, metric: str, at_day: float | None) -> tuple[np.ndarray, str, float]:
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
    if not (is_real(at_day) and 0 < at_day <= horizon + 1e-9):
        raise ValidationError(Problem("at_day", at_day, f"None (the horizon) or a day in (0, {horizon:g}] (the runs' horizon)"))
    name = experiment._metric(metric, experiment.total_names)
    experiment._require_series(f"at_day={at_day:g}")
    found = _series_column(experiment, name)
    if found is None:
        allowed = "at an earlier day: a flow (bookings_usd, profit_usd, costs_usd, wins, ...) or a stock (..._end)"
        raise ValidationError(Problem("metric", metric, allowed))
    column, is_flow = found
    series = experiment._series  # (P, S, R, T, C): the per-period series of every replication
    ends = series[..., experiment.columns.index("end_day")]
    finite = np.isfinite(ends)
    end_by_period = np.nanmax(np.where(finite, ends, -np.inf), axis=(0, 1, 2))
    eligible = np.flatnonzero(end_by_period <= at_day + 1e-9)
    if eligible.size == 0:
        raise ValidationError(Problem("at_day", at_day, f"a day at or after the end of the first period ({end_by_period[0]:g})"))
    t = int(eligible[-1])
    j = experiment.columns.index(column)
    # a flow is cumulated to the end of period t; a level is read there
    values = np.nansum(series[..., : t + 1, j], axis=-1) if is_flow else series[..., t, j].copy()
    values[~experiment._ok] = np.nan
    return values, name, float(end_by_period[t])


__all__ = [
    "PLOT_BACKEND",
    "OutputArg",
    "UncertainArg",
    "as_uncertainties",
    "evaluate",
    "plot_backend",
    "salib",
    "sample_seed_problem",
    "values_at",
]

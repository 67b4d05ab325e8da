"""Designs: the scenario points an experiment runs at.

A sweep's points come from a full factorial grid, a :class:`LatinHypercube` sample, a
DataFrame or a list of dicts, each a set of scenario changes by dotted key
(``"sales.reps"``). Samples in the unit cube are scaled to points by :func:`scaled_points`,
which :class:`LatinHypercube` and :mod:`orgsim.sensitivity` share, so integer fields are
rounded the same way everywhere.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from orgsim.config.checks import check_number, is_finite, raise_problems
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.scenario import Scenario


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
        problems: list[Problem | None] = []
        if not self.ranges:
            problems.append(Problem("LatinHypercube.ranges", self.ranges, "at least one {dotted key: (low, high)}"))
        for key, bounds in self.ranges.items():
            pair = isinstance(bounds, (tuple, list)) and len(bounds) == 2 and all(is_finite(b) for b in bounds)
            if not (isinstance(key, str) and pair and bounds[0] < bounds[1]):
                problems.append(Problem(f"LatinHypercube.ranges[{key!r}]", bounds, "a pair (low, high) of finite numbers with low < high"))
        problems.append(check_number("LatinHypercube.n", self.n, 1, integer=True))
        problems.append(check_number("LatinHypercube.seed", self.seed, 0, integer=True))
        raise_problems(problems)

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


def plain(value: Any) -> Any:
    """numpy scalars to Python ones (Scenario.replace expects int/float/bool/str)."""
    return value.item() if isinstance(value, np.generic) else value


_ALLOWED_POINTS = (
    "a dict {dotted scenario key: list of values} (full factorial), an orgsim.experiment.LatinHypercube, "
    "a pandas DataFrame with one row per point, or a list of {dotted key: value} dicts"
)


def sweep_points(scenario: Scenario, grid_or_samples: Any, problems: list[Problem]) -> pd.DataFrame | None:
    """The points of a sweep, one row each (columns = dotted keys), indexed by ``point``;
    None (with the reasons added to ``problems``) if ``grid_or_samples`` is not a design."""
    if isinstance(grid_or_samples, LatinHypercube):
        try:
            return grid_or_samples.points(scenario)
        except ValidationError as err:
            problems.extend(err.problems)
            return None
    if isinstance(grid_or_samples, pd.DataFrame):
        frame = grid_or_samples.reset_index(drop=True)
    elif isinstance(grid_or_samples, Mapping):
        frame = _factorial(grid_or_samples, problems)
    elif isinstance(grid_or_samples, Sequence) and not isinstance(grid_or_samples, (str, bytes)) and grid_or_samples:
        if not all(isinstance(p, Mapping) for p in grid_or_samples):
            problems.append(Problem("grid_or_samples", grid_or_samples, _ALLOWED_POINTS))
            return None
        frame = pd.DataFrame([dict(p) for p in grid_or_samples])
    else:
        problems.append(Problem("grid_or_samples", grid_or_samples, _ALLOWED_POINTS))
        return None
    if frame is None:
        return None
    if len(frame) == 0 or len(frame.columns) == 0:
        problems.append(Problem("grid_or_samples", "no points", _ALLOWED_POINTS))
        return None
    bad = [c for c in frame.columns if not isinstance(c, str)]
    if bad:
        problems.append(Problem("grid_or_samples", bad[0], "column names that are dotted scenario keys such as 'sales.reps'"))
        return None
    frame.index = pd.RangeIndex(len(frame), name="point")
    return frame


def _factorial(grid: Mapping[str, Any], problems: list[Problem]) -> pd.DataFrame | None:
    """The full factorial grid of ``{key: values}``, the first key varying slowest."""
    keys = list(grid)
    axes = []
    for key in keys:
        values = grid[key]
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            problems.append(Problem(f"grid_or_samples[{key!r}]", values, "a non-empty list of values"))
            return None
        values = [plain(v) for v in values]
        if not values:
            problems.append(Problem(f"grid_or_samples[{key!r}]", [], "a non-empty list of values"))
            return None
        axes.append(values)
    if not keys:
        problems.append(Problem("grid_or_samples", {}, _ALLOWED_POINTS))
        return None
    return pd.DataFrame(list(itertools.product(*axes)), columns=keys)


__all__ = ["LatinHypercube", "plain", "scaled_points", "sweep_points"]

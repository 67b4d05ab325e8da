"""Which structure wins where: the best structure at each point of a sample of the uncertain space.

:func:`winners` runs a Latin hypercube sample of the declared uncertainties under every
structure (the same replication seeds everywhere) and ranks the structures at each point on one
metric, read at the horizon or at several earlier days of the same runs; :class:`Winners` gives
the probability each structure is best and, with :meth:`Winners.regions`, where the ranking
flips. Re-exported by :mod:`orgsim.sensitivity`.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from orgsim.config.checks import check_bool, check_number, did_you_mean, is_finite, is_real, raise_problems
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.scenario import Scenario
from orgsim.experiment.designs import LatinHypercube
from orgsim.experiment.options import RunOptions
from orgsim.experiment.results import Experiment
from orgsim.experiment.sample_runs import UncertainArg, as_uncertainties, evaluate, plot_backend, sample_seed_problem, values_at
from orgsim.experiment.stats import confidence_problem, moments, t_interval
from orgsim.experiment.uncertainty import Uncertainties

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from orgsim.experiment.study import StructuresArg


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
        raise_problems([check_number("bins", bins, 1, integer=True)])
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
                raise ValidationError(Problem("x" if k == x else "y", k, f"{did_you_mean(k, allowed)}one of: {', '.join(allowed)}"))
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
        """``orgsim.sensitivity.plot_winners`` of these results (drawn by :mod:`orgsim.present.sensitivity_plots`)."""
        return plot_backend().plot_winners(self, x, y, bins=bins, day=day, ax=ax)

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
    leaders: str = "sampled",
    population: Any = None,
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
    ``sample_seed``, ``horizon_days``, ``executor``, ``progress``, ``store``, ``leaders``,
    ``population``) are those of :func:`morris`.

    Raises:
        ValidationError: for bad declarations, arguments or points, before anything runs.
    """
    u = as_uncertainties(uncertain)
    problems: list[Problem | None] = [
        check_number("samples", samples, 1, integer=True),
        check_bool("higher_is_better", higher_is_better),
        confidence_problem(confidence),
    ]
    days, horizon_days = _read_days(at_days, horizon_days, problems)
    options = RunOptions(replications, seed, horizon_days, executor, progress, store, leaders, population)
    raise_problems([*problems, sample_seed_problem(sample_seed), *options.problems()])
    unit = LatinHypercube(u.ranges, n=int(samples), seed=int(sample_seed)).unit_sample()
    points, index, experiment = evaluate(scenario, structures, u, unit, options)
    labels = list(experiment.labels)
    rows = []
    for day in days:
        values, name, read_day = values_at(experiment, metric, day)
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


def _read_days(at_days: Any, horizon_days: Any, problems: list[Problem | None]) -> tuple[list[float | None], Any]:
    """The days to read (``[None]``: the horizon only) and the horizon to run to: the last of
    ``at_days`` unless ``horizon_days`` is given. Problems are added to ``problems``."""
    if at_days is None:
        return [None], horizon_days
    ok = isinstance(at_days, Sequence) and not isinstance(at_days, str) and len(at_days) > 0
    if not (ok and all(is_finite(d) and d > 0 for d in at_days)):
        problems.append(Problem("at_days", at_days, "None or a non-empty list of days > 0, e.g. [180, 365, 730]"))
        return [None], horizon_days
    days = sorted({float(d) for d in at_days})
    if horizon_days is None:
        return [*days], days[-1]
    if is_real(horizon_days) and days[-1] > horizon_days:
        problems.append(Problem("at_days", at_days, f"days <= horizon_days ({horizon_days:g})"))
    return [*days], horizon_days


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
    _, means, _ = moments(signed, axis=2)  # (N, S)
    filled = np.where(np.isfinite(means), means, -np.inf)
    order = np.argsort(-filled, axis=1, kind="stable")
    best = order[:, 0]
    frame = points.reset_index(drop=True).copy()
    frame.insert(0, "point", np.arange(n_rows))
    frame["horizon_days"] = day
    _, raw_means, _ = moments(raw, axis=2)
    for s, label in enumerate(labels):
        frame[f"mean[{label}]"] = raw_means[:, s]
    frame["best"] = [labels[b] for b in best]
    if n_structures > 1:
        runner = order[:, 1]
        d = signed[np.arange(n_rows), best, :] - signed[np.arange(n_rows), runner, :]  # (N, R), >= 0 on average
        _, mean, _, _, half = t_interval(d, axis=1, confidence=confidence)
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


__all__ = ["Winners", "winners"]

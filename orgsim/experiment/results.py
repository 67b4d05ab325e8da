"""What an experiment returns: every replication in compact arrays, with the statistics on top.

:class:`Experiment` holds the totals and per-period series of every replication of every
structure (and point) and offers summaries with t-intervals, paired differences, crossover
times, the sequential replications-needed method and tidy/xarray exports; :class:`Crossover`
and :class:`ReplicationsNeeded` are what two of those return. The statistics themselves live in
:mod:`orgsim.experiment.stats`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from orgsim.config.checks import check_bool, check_number, did_you_mean, raise_problems
from orgsim.config.errors import Problem, ValidationError
from orgsim.experiment.feasible import clip_intervals, warn_if_few
from orgsim.experiment.stats import check_confidence, differences, first_n_within, sequential_precision, t_interval, t_quantile

if TYPE_CHECKING:
    from orgsim.experiment.verdict import Verdict

#: The module that writes :meth:`Experiment.report`. The presentation layer sits above this one,
#: so it is named here, not imported: it loads when a report is asked for (a declared plugin
#: point, as ``Sensitivity.plot()`` loads its figures).
REPORT_BACKEND = "orgsim.present.report"

#: Short metric names accepted wherever a metric is named.
METRIC_ALIASES: dict[str, str] = {"bookings": "bookings_usd", "profit": "profit_usd", "costs": "costs_usd"}

#: The columns of ``Experiment.failures``.
FAILURE_COLUMNS = ["point", "structure", "replication", "error", "message", "traceback"]


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
        self.failures = failures if failures is not None else pd.DataFrame(columns=FAILURE_COLUMNS)
        if points is None and "point" in self.failures.columns:
            self.failures = self.failures.drop(columns="point")
        self.meta = dict(meta or {})
        self.store_report = None if store_report is None else dict(store_report)

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

    @property
    def has_series(self) -> bool:
        """Whether the per-period series were kept (``keep_series=True``, the default)."""
        return self._series.shape[3] > 0

    def _require_series(self, what: str) -> None:
        """Refuse ``what`` (something read from the per-period series) when they were not kept."""
        if not self.has_series:
            allowed = f"True (the default) when the study runs: {what} reads the per-period series; this experiment kept its totals only"
            raise ValidationError(Problem("keep_series", False, allowed))

    def _metric(self, metric: Any, names: Sequence[str], what: str = "metric") -> str:
        if isinstance(metric, str):
            if metric in names:
                return metric
            for candidate in (METRIC_ALIASES.get(metric), f"{metric}_usd"):
                if candidate in names:
                    return candidate
        raise ValidationError(Problem(what, metric, f"{did_you_mean(metric, names)}one of: {', '.join(names)}"))

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
            sd and interval are NaN. The interval is clipped to the metric's feasible range
            (:mod:`orgsim.experiment.feasible`): bookings never below 0, shares never above 1.
            Below 5 replications a ``FewReplicationsWarning`` says the intervals are unreliable.
        """
        check_confidence(confidence)
        names = self._metrics(metric)
        ks = [self.total_names.index(m) for m in names]
        x = self._totals[..., ks]  # (P, S, R, K)
        n, mean, sd, se, half = t_interval(x, axis=2, confidence=confidence)
        failed = np.broadcast_to((~self._ok).sum(axis=2)[..., None], n.shape)
        warn_if_few(self.replications)
        table = self._interval_table(names, self.labels, {"n": n, "failed": failed}, {"mean": mean, "sd": sd, "se": se}, mean, half)
        return clip_intervals(table)

    def _interval_table(
        self,
        metric_names: list[str],
        structures: list[str],
        counts: Mapping[str, np.ndarray],
        values: Mapping[str, np.ndarray],
        mean: np.ndarray,
        half: np.ndarray,
    ) -> pd.DataFrame:
        """One row per (point,) structure and metric: the integer ``counts``, the ``values``,
        then ``ci_low`` and ``ci_high`` = mean -+ half."""
        data: dict[str, np.ndarray] = {k: v.ravel().astype(int) for k, v in counts.items()}
        data.update({k: v.ravel() for k, v in values.items()})
        data.update({"ci_low": (mean - half).ravel(), "ci_high": (mean + half).ravel()})
        frame = pd.DataFrame(data, index=self._index(metric_names, structures, with_point=True))
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
        check_confidence(confidence)
        raise_problems([check_bool("paired", paired)])
        b = self._label(baseline, "baseline")
        names = self._metrics(metric)
        ks = [self.total_names.index(m) for m in names]
        others = [s for s in range(len(self.labels)) if s != b]
        x = self._totals[:, others][..., ks]  # (P, S', R, K)
        base = self._totals[:, [b]][..., ks]  # (P, 1, R, K)
        base = np.broadcast_to(base, x.shape)
        d = differences(x, base, axis=2, paired=paired)
        half = t_quantile(confidence, d["df"]) * d["se"]
        warn_if_few(self.replications)
        counts = {"n": d["n"], "n_baseline": d["n_baseline"]}
        values = {"mean": d["mean"], "se": d["se"], "df": d["df"]}
        return self._interval_table(names, [self.labels[s] for s in others], counts, values, d["mean"], half)

    def structure_as_run(self, label: str, replication: int, point: int = 0) -> Any:
        """The structure ``label`` as replication ``replication`` ran it: with the seats' holders
        drawn for that replication (``leaders="sampled"``) or as given (``"fixed"``).

        ``orgsim.simulate(scenario, exp.structure_as_run(label, r), seed=exp.seed_sequence(r))``
        repeats that replication bit for bit (for a sweep, with the point's scenario)."""
        from orgsim.config.population import LeaderPopulation
        from orgsim.config.reorganization import structure_from_dict
        from orgsim.config.scenario import Scenario
        from orgsim.experiment.designs import plain
        from orgsim.experiment.holders import holders

        s = self._label(label, "label")
        raise_problems([check_number("replication", replication, 0, self.replications - 1, integer=True)])
        data = self.meta.get("structures", {}).get(self.labels[s])
        if data is None:
            return None
        scenario = Scenario.from_dict(self.meta["scenario"])
        if self.points is not None:
            raise_problems([check_number("point", point, 0, len(self.points) - 1, integer=True)])
            scenario = scenario.replace(**{str(k): plain(v) for k, v in self.points.iloc[int(point)].items()})
        population = self.meta.get("population")
        return holders(
            structure_from_dict(data),
            self.meta.get("leaders", "fixed"),
            None if population is None else LeaderPopulation.from_dict(population),
            self.seed,
            int(replication),
            scenario.costs.head_cost_usd_per_year,
        )

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
        self._require_series("crossover")
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

    def replications_needed(
        self, metric: str, relative_precision: float, *, confidence: float = 0.95, baseline: str | None = None
    ) -> ReplicationsNeeded:
        """How many replications give a confidence interval within ``relative_precision`` of the mean.

        The sequential method (Robinson, *Simulation: The Practice of Model Development and
        Use*; Law & Kelton): see :class:`ReplicationsNeeded`. Uses the replications in seed
        order, skipping failed ones and NaN values.

        Args:
            metric: a total, e.g. ``"profit_usd"`` (or ``"profit"``).
            relative_precision: the target half-width / |mean|, e.g. 0.05 for +-5%.
            baseline: with a structure's label, the method is applied to the paired differences
                of every other structure from it (replication r minus replication r: common
                random numbers), so ``needed`` is the replications at which each difference is
                known to within ``relative_precision``. :meth:`verdict` projects instead the
                replications at which a difference's interval would exclude zero.
        """
        check_confidence(confidence)
        allowed = "a number > 0, e.g. 0.05 for +-5% of the mean"
        raise_problems([check_number("relative_precision", relative_precision, 0.0, lo_open=True, allowed=allowed)])
        name = self._metric(metric, self.total_names)
        k = self.total_names.index(name)
        b = None if baseline is None else self._label(baseline, "baseline")
        needed_rows, table_rows = [], []
        n_points = self._totals.shape[0]
        for p in range(n_points):
            for s, label in enumerate(self.labels):
                if s == b:
                    continue
                x = self._totals[p, s, :, k] if b is None else self._totals[p, s, :, k] - self._totals[p, b, :, k]
                x = x[np.isfinite(x)]
                key = (p, label) if self.is_sweep else (label,)
                if len(x) < 2:
                    needed_rows.append((*key, pd.NA))
                    continue
                mean, half, rel = sequential_precision(x, confidence)
                rel = rel[1:]  # n = 2..N
                needed = first_n_within(rel, relative_precision)
                needed_rows.append((*key, pd.NA if needed is None else needed))
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

    def verdict(self, metric: str = "bookings_usd", baseline: str | None = None, *, confidence: float = 0.95) -> Verdict:
        """The structures ranked on ``metric``, each one's lead over the next with its interval.

        Paired differences (common random numbers); where an interval includes zero the two
        cannot be told apart at this number of replications, and the verdict says how many
        would separate them. ``baseline`` (default ``"siloed"`` when compared, else the first
        structure) is the structure every other one is also measured from; ``print()`` the
        result for the text ``orgsim compare`` prints, or read its ``table``. See
        :mod:`orgsim.experiment.verdict`.
        """
        from orgsim.experiment.verdict import verdict

        return verdict(self, metric, baseline, confidence=confidence)

    def decompose(
        self, a: str, b: str, metric: str = "bookings_usd", *, confidence: float = 0.95, executor: Any = None, progress: bool | None = None
    ) -> pd.DataFrame:
        """What separates structure ``b`` from ``a`` (``b`` minus ``a``, as ``differences(baseline=a)``),
        split into ``reporting_lines`` (the graph, the roles outside the seats, the positions' pay),
        ``background`` (each seat's) and ``talent`` (the holders' departure from their seat's typical
        leader: the replication's seat draw when sampled, the profile's departure from its
        background's defaults when fixed).

        Per replication, on its seed (common random numbers), the six hybrids mixing a's and b's
        factors are run (the experiment's own runs are the other two); each factor's component is
        its Shapley value, its contribution averaged over the 3! orders of switching the factors
        from a's to b's, and the three add up to the replication's paired difference. Returns a
        DataFrame indexed by ``component`` (the three and ``total``) with ``estimate`` (mean over
        replications), ``ci_low``, ``ci_high`` (t-interval), ``se``, ``n``. Limits: interactions are
        split equally between the factors involved; seats are matched by kind, so a dual-role seat
        (a CSO) gives the integrator's background and talent; under sampled leaders talent is zero in
        every replication where both structures draw their seats as the same kinds, not where a dual
        role makes one seat the integrator's twin; it costs 6 runs per replication. Replications that
        failed are left out (``n``). See :mod:`orgsim.experiment.decompose`.
        """
        from orgsim.experiment.decompose import decompose

        return decompose(self, a, b, metric, confidence=confidence, executor=executor, progress=progress)

    # -- files -------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Experiment:
        """An experiment read back from an ``orgsim compare --out`` folder or a result store
        (``store=``), with the same ``summary``, ``differences``, ``crossover``, ``verdict`` and
        figures as the original. Nothing is simulated. See :mod:`orgsim.experiment.reload`."""
        from orgsim.experiment.reload import load

        return load(path)

    def report(
        self, path: str | os.PathLike[str] = "report.html", *, baseline: str | None = None, metric: str = "bookings_usd"
    ) -> Path:
        """Write a self-contained HTML report (verdict, tables, every figure, scenario,
        structures, seeds, versions) to ``path`` and return its path; it prints on A4 or
        Letter. Needs matplotlib (a core dependency). See :mod:`orgsim.present.report`."""
        backend = importlib.import_module(REPORT_BACKEND)
        return Path(backend.write_report(self, path, baseline=baseline, metric=metric))

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
            self._require_series("to_frame('series')")
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
            self._require_series("to_xarray('series')")
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


__all__ = ["FAILURE_COLUMNS", "METRIC_ALIASES", "REPORT_BACKEND", "Crossover", "Experiment", "ReplicationsNeeded"]

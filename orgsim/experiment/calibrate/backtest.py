"""Back-tests: calibrate on what was known at a date, predict what came next, compare.

:func:`backtest` calibrates with :func:`~.opportunities.from_opportunities` on the deals created
before ``split_at``, with the window ending there (a deal closed after it was still open then, and
is right-censored), simulates the calibrated scenario for ``horizon_days`` from a fresh start (its
warm start fills the pipeline) in ``replications`` runs with the seeds of the experiment machinery
(``SeedSequence(seed).spawn(replications)``: common random numbers, as ``orgsim.compare`` uses),
and compares, period by period, what the runs predict with what the export shows happened after
``split_at``:

* ``wins``: deals won in the period (closed in it), whenever they were created;
* ``bookings_usd``: their amounts;
* ``cycle_days``: the mean days from creation to close of the deals closed (won or lost) in it.

The 95% prediction interval of a period is ``mean +- t(0.975, R - 1) sd sqrt(1 + 1/R)`` over the
R runs (the interval for one more draw of the same process, clipped at 0), so on data the model
itself generated, with a calibration close to the truth, about 95% of the actual values fall in
it. It includes the process noise, not the uncertainty of the calibrated parameters: with a short
training window, expect a lower coverage. A miss means the period did not behave as the
calibrated model does: the process changed (a trend, a new team, a price change), or the model
lacks what drove it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.config.checks import check_range, raise_problems
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.scenario import Scenario
from orgsim.experiment.calibrate.deal_inputs import DealTable, read_deals
from orgsim.experiment.calibrate.opportunities import check_dayfirst, from_opportunities
from orgsim.experiment.calibrate.report import Calibration

#: The metrics a back-test compares.
METRICS: tuple[str, ...] = ("wins", "bookings_usd", "cycle_days")
#: The columns of :attr:`Backtest.table`.
TABLE_COLUMNS = ["metric", "period", "start_day", "end_day", "predicted_mean", "predicted_low", "predicted_high", "actual", "covered"]
#: The module that draws :meth:`Backtest.plot`: the presentation layer, loaded on demand
#: (a declared plugin point, as :data:`orgsim.experiment.sample_runs.PLOT_BACKEND`).
PLOT_BACKEND = "orgsim.present.calibrate_plots"


@dataclass
class Backtest:
    """What :func:`backtest` returns.

    Attributes:
        table: one row per metric and period: ``metric``, ``period`` (0, 1, ...), its
            ``start_day``/``end_day`` (days after ``split_at``), ``predicted_mean``,
            ``predicted_low``/``predicted_high`` (the 95% prediction interval), ``actual`` and
            ``covered`` (the actual within the interval).
        calibration: the calibration on the data known at ``split_at``.
        split_at: the split, as given.
        horizon_days: days predicted after it.
        replications: simulated runs.
        runs: every run's value of each metric and period (``metric``, ``period``, ``replication``, ``value``).
    """

    table: pd.DataFrame
    calibration: Calibration
    split_at: Any
    horizon_days: float
    replications: int
    runs: pd.DataFrame = field(repr=False)

    @property
    def coverage(self) -> float:
        """The share of periods and metrics whose actual value lies in its 95% interval."""
        rows = self.table.dropna(subset=["actual", "predicted_mean"])
        return float(rows["covered"].mean()) if len(rows) else math.nan

    def coverage_by_metric(self) -> pd.Series:
        """:attr:`coverage` of each metric."""
        return self.table.dropna(subset=["actual", "predicted_mean"]).groupby("metric", sort=False)["covered"].mean()

    def plot(self, **kwargs: Any) -> Any:
        """Predicted intervals and actual values by period (drawn by :mod:`orgsim.present.calibrate_plots`)."""
        import importlib

        return importlib.import_module(PLOT_BACKEND).plot_backtest(self, **kwargs)

    def __repr__(self) -> str:
        return f"Backtest({len(self.table)} rows, {self.replications} replications, coverage {self.coverage:.0%})"


def backtest(
    source: str | Path | pd.DataFrame,
    *,
    split_at: Any,
    horizon_days: float,
    mapping: str | Mapping[str, str] | None = None,
    price_list: Mapping[str, float] | None = None,
    replications: int = 20,
    seed: int = 0,
    period_days: float = 30.0,
    base: Scenario | None = None,
    base_runs: int = 4,
    dayfirst: bool | None = None,
    date_format: str | None = None,
    stage_map: Mapping[str, str] | None = None,
) -> Backtest:
    """Calibrate on the deals known at ``split_at``, simulate ``horizon_days`` on, compare.

    Args:
        source: an opportunity export, as for :func:`~orgsim.experiment.calibrate.from_opportunities`.
        split_at: the date (or day number) the calibration is made at.
        horizon_days: days predicted after it (the export must reach that far).
        mapping, price_list, base, base_runs, dayfirst, date_format, stage_map: as for ``from_opportunities``.
        replications: simulated runs (>= 2).
        seed: root seed of the runs (replication r: ``SeedSequence(seed).spawn(replications)[r]``)
            and of the calibration.
        period_days: length of a compared period (the horizon is cut into equal periods of about this).

    Raises:
        ValidationError: a bad argument, a split outside the data, or an export that ends before
            the horizon does; and whatever ``from_opportunities`` raises.
    """
    problems = [
        check_range("horizon_days", horizon_days, 0.0, 3650.0, lo_open=True),
        check_range("replications", replications, 2, 10_000, integer=True),
        check_range("seed", seed, 0, integer=True),
        check_range("period_days", period_days, 1.0, 3650.0),
        check_dayfirst(dayfirst),
    ]
    raise_problems(problems)
    options = {"dayfirst": dayfirst, "date_format": date_format, "stage_map": stage_map}
    try:
        cal = from_opportunities(source, mapping, price_list=price_list, end=split_at, base=base, base_runs=base_runs, seed=seed, **options)
    except ValidationError as err:  # the window's end is the split here
        raise ValidationError([Problem("split_at", p.value, p.allowed) if p.field == "end" else p for p in err.problems]) from None
    full = read_deals(source, mapping, start=cal.window[0], end=None, **options)
    split_day = float(_day_of(cal.window[1], cal.window[0]))
    if split_day >= full.end_day:
        raise ValidationError(Problem("split_at", split_at, f"a date inside the export (its data end at {full.window[1]})"))
    # the latest time of an export falls a little before the export date: allow 5% (at least 2 days)
    if full.end_day < split_day + float(horizon_days) - max(2.0, 0.05 * float(horizon_days)):
        raise ValidationError(
            Problem(
                "horizon_days",
                horizon_days,
                f"at most the days the export covers after split_at ({max(full.end_day - split_day, 0.0):.0f}): "
                "the actual values of the horizon must be in it",
            )
        )
    edges = _edges(float(horizon_days), float(period_days))
    runs = _simulate(cal.scenario, edges, int(replications), int(seed))
    actual = _actual(full, split_day, edges)
    table = _compare(runs, actual, edges, int(replications))
    return Backtest(table, cal, split_at, float(horizon_days), int(replications), runs)


def _day_of(label: Any, origin: Any) -> float:
    if isinstance(origin, pd.Timestamp):
        return (pd.Timestamp(label) - origin) / pd.Timedelta(days=1)
    return float(label) - float(origin)


def _edges(horizon: float, period: float) -> np.ndarray:
    """Period boundaries in days after the split: equal periods of about ``period`` days."""
    periods = max(1, round(horizon / period))
    return np.linspace(0.0, horizon, periods + 1)


def _simulate(scenario: Scenario, edges: np.ndarray, replications: int, seed: int) -> pd.DataFrame:
    """Every run's wins, bookings and mean cycle per period (common random numbers across runs' uses)."""
    from orgsim.model import simulate

    daily = scenario.replace(period_days=1)
    seeds = np.random.SeedSequence(seed).spawn(replications)
    rows = []
    for r, child in enumerate(seeds):
        result = simulate(daily, seed=child, horizon_days=float(edges[-1]), record_leads=True)
        series, log = result.series, result.leads
        closes = log[log["closed_at"].notna()]
        for p in range(len(edges) - 1):
            a, b = edges[p], edges[p + 1]
            in_series = (series["start_day"] >= a - 1e-9) & (series["start_day"] < b - 1e-9)
            closed = closes[(closes["closed_at"] >= a) & (closes["closed_at"] < b)]
            cycle = float((closed["closed_at"] - closed["opportunity_at"]).mean()) if len(closed) else math.nan
            values = {
                "wins": float(series.loc[in_series, "wins"].sum()),
                "bookings_usd": float(series.loc[in_series, "bookings_usd"].sum()),
                "cycle_days": cycle,
            }
            rows.extend({"metric": m, "period": p, "replication": r, "value": values[m]} for m in METRICS)
    return pd.DataFrame(rows)


def _actual(deals: DealTable, split_day: float, edges: np.ndarray) -> dict[tuple[str, int], float]:
    """What the export shows for each metric and period after the split."""
    close, created = deals.close_day, deals.created
    amount = deals.amount if deals.amount is not None else np.full(len(close), np.nan)
    out: dict[tuple[str, int], float] = {}
    for p in range(len(edges) - 1):
        a, b = split_day + edges[p], split_day + edges[p + 1]
        closed = np.isfinite(close) & (close >= a) & (close < b) & np.isfinite(created)
        won = closed & deals.won
        out["wins", p] = float(won.sum())
        out["bookings_usd", p] = float(np.nansum(amount[won])) if deals.amount is not None else math.nan
        out["cycle_days", p] = float((close[closed] - created[closed]).mean()) if closed.any() else math.nan
    return out


def _compare(runs: pd.DataFrame, actual: dict[tuple[str, int], float], edges: np.ndarray, replications: int) -> pd.DataFrame:
    """The prediction interval of each metric and period, and whether the actual value is in it."""
    from scipy import stats

    t = float(stats.t.ppf(0.975, replications - 1))
    rows = []
    for (metric, period), group in runs.groupby(["metric", "period"], sort=False):
        v = group["value"].dropna().to_numpy()
        mean = float(v.mean()) if len(v) else math.nan
        half = t * float(v.std(ddof=1)) * math.sqrt(1 + 1 / len(v)) if len(v) > 1 else math.nan
        lo, hi = max(mean - half, 0.0), mean + half
        value = actual[metric, int(period)]
        covered = bool(lo <= value <= hi) if math.isfinite(value) and math.isfinite(half) else False
        rows.append([metric, int(period), float(edges[period]), float(edges[period + 1]), mean, lo, hi, value, covered])
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)

"""Observation: cumulative counters, per-period series and the optional columnar lead log.

Counters are plain attributes incremented on the hot path; a recorder process snapshots them
at every period boundary, so the series costs one event per period whatever the lead volume.
The lead log stores one row per lead in preallocated numpy columns (about 75 bytes a lead),
never a Python object per lead.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from simpy.events import Timeout

from orgsim.config import STOCKS, ProjectKind
from orgsim.model.outcomes import (
    COUNTER_FLOWS,
    COUNTER_LEVELS,
    DERIVED,
    END,
    SOURCES,
    Outcome,
    flow_columns,
    level_columns,
    outcome,
)

if TYPE_CHECKING:
    import pandas as pd
    import simpy

    from orgsim.model.market import MarketStocks

#: Lead outcomes, in the order of their integer codes in the lead log.
OUTCOMES: tuple[str, ...] = ("open", "won", "lost", "unfollowed", "nurture")
OPEN, WON, LOST, UNFOLLOWED, NURTURE = range(5)

#: Flow counters: the series shows their increase within each period (declared in :mod:`~orgsim.model.outcomes`).
FLOW_COUNTERS: tuple[str, ...] = COUNTER_FLOWS
#: Level counters: the series shows their value at the end of each period.
LEVEL_COUNTERS: tuple[str, ...] = COUNTER_LEVELS
#: All the flow (level) counters of a ``Counters`` at once, as a tuple.
_get_flows = operator.attrgetter(*FLOW_COUNTERS)
_get_levels = operator.attrgetter(*LEVEL_COUNTERS)


class Counters:
    """Cumulative counts and levels, updated in place by the model's processes."""

    __slots__ = (
        *FLOW_COUNTERS,
        *LEVEL_COUNTERS,
        "created",
        "final_nurture",
        "waiting_nurture",
        "carried_wins",
        "carried_losses",
        "carried_open",
    )

    def __init__(self) -> None:
        for name in self.__slots__:
            setattr(self, name, 0)
        self.response_hours_sum = 0.0
        self.bookings_usd = 0.0
        self.discount_sum = 0.0
        for name in (
            "costs_usd",
            "program_spend_usd",
            "dispute_wait_days",
            "rework_usd",
            "leader_costs_usd",
            "rep_hours_on_duty",
            "rep_hours_follow_up",
            "rep_hours_deals",
            "rep_hours_prospecting",
            "rep_hours_idle",
        ):
            setattr(self, name, 0.0)

    def flows(self) -> list[float]:
        return list(map(float, _get_flows(self)))

    def levels(self) -> list[float]:
        return list(map(float, _get_levels(self)))


class LeadLog:
    """Columnar per-lead log; rows are lead ids. Grows by a quarter, in place, when full.

    Memory (issue 7: at most 120 bytes a lead): 70 bytes a row, up to a quarter more of
    unused capacity while running; :meth:`to_frame` trims the columns and hands them to the
    DataFrame without copying them.
    """

    FLOAT_COLUMNS = ("arrived_at", "queued_at", "first_touch_at", "opportunity_at", "closed_at", "value")
    SMALL_FLOAT_COLUMNS = ("quality", "readiness", "score", "discount")
    BOOL_COLUMNS = ("mql", "contacted", "qualified", "won")

    def __init__(self, expected_rows: int):
        self.size = 0
        self.capacity = 0
        self._allocate(max(1024, int(expected_rows)))

    def _columns(self) -> list[tuple[str, type, object]]:
        """(name, dtype, fill value of an empty row) of every column."""
        return [
            *((name, np.float64, np.nan) for name in self.FLOAT_COLUMNS),
            *((name, np.float32, np.nan) for name in self.SMALL_FLOAT_COLUMNS),
            *((name, np.bool_, False) for name in self.BOOL_COLUMNS),
            ("source", np.int8, 0),
            ("outcome", np.int8, OPEN),
        ]

    def _allocate(self, capacity: int) -> None:
        """Allocate every column with ``capacity`` rows, or resize it to that many in place.

        ``ndarray.resize`` reallocates (for large arrays the allocator remaps pages), so growing
        or trimming the log never holds an old and a new copy of all the columns at once."""
        for name, dtype, fill in self._columns():
            if self.capacity == 0:
                setattr(self, name, np.full(capacity, fill, dtype=dtype))
            else:
                column = getattr(self, name)
                column.resize(capacity, refcheck=False)  # the log holds the only reference
                if capacity > self.capacity:
                    column[self.capacity :] = fill
        self.capacity = capacity

    def _names(self) -> tuple[str, ...]:
        return tuple(name for name, _, _ in self._columns())

    def new_row(self) -> int:
        """Reserve the next row and return its index (the lead id)."""
        return self.new_rows(1)

    def new_rows(self, n: int) -> int:
        """Reserve the next ``n`` rows and return the index of the first."""
        first = self.size
        if first + n > self.capacity:
            self._allocate(max(first + n, self.capacity + self.capacity // 4))
        self.size = first + n
        return first

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns (allocated capacity, not just used rows)."""
        return sum(getattr(self, name).nbytes for name in self._names())

    def to_frame(self) -> pd.DataFrame:
        """The log as a DataFrame, one row per lead, in the documented column order.

        Call once, when the run is over: the columns are trimmed to the rows used and become
        the DataFrame's columns without a copy, so the log must not be written afterwards."""
        import pandas as pd  # lazily: `import orgsim` stays light (issue 7)

        n = self.size
        self._allocate(max(n, 1))
        data: dict[str, object] = {"lead_id": np.arange(n, dtype=np.int64)}
        data["source"] = pd.Categorical.from_codes(self.source[:n], categories=list(SOURCES))
        data["quality"] = self.quality[:n]
        data["readiness"] = self.readiness[:n]
        data["score"] = self.score[:n]
        data["arrived_at"] = self.arrived_at[:n]
        data["mql"] = self.mql[:n]
        data["queued_at"] = self.queued_at[:n]
        data["first_touch_at"] = self.first_touch_at[:n]
        data["contacted"] = self.contacted[:n]
        data["qualified"] = self.qualified[:n]
        data["opportunity_at"] = self.opportunity_at[:n]
        data["closed_at"] = self.closed_at[:n]
        data["won"] = self.won[:n]
        data["value"] = self.value[:n]
        data["discount"] = self.discount[:n]
        data["outcome"] = pd.Categorical.from_codes(self.outcome[:n], categories=list(OUTCOMES))
        return pd.DataFrame(data, copy=False)


class Recorder:
    """Observation (MODEL.md 3.13): snapshots the counters at every period boundary, one event
    a period whatever the lead volume, and turns the snapshots into the series and the totals.

    ``before_snapshot`` are the calls that bring the levels up to date first (costs accrued to
    now, the queue's length); ``effort`` and ``stocks`` are the marketing team's effort by kind
    and the market stocks, read at each snapshot."""

    def __init__(
        self,
        env: simpy.Environment,
        counters: Counters,
        *,
        horizon_days: float,
        period_days: float,
        kinds: tuple[ProjectKind, ...],
        effort: Mapping[str, float],
        stocks: MarketStocks,
        before_snapshot: tuple[Callable[[], None], ...] = (),
    ):
        self.env = env
        self.counters = counters
        self.horizon_days = horizon_days
        self.period_days = period_days
        self._kind_names = [k.name for k in kinds]
        self._long_kinds = [k.name for k in kinds if k.term == "long"]  # a list: sum order is fixed
        self._short_kinds = [k.name for k in kinds if k.term == "short"]
        self.effort = effort
        self.stocks = stocks
        self._before_snapshot = before_snapshot
        self.flow_names = flow_columns(self._kind_names)
        self.level_names = level_columns()
        # One row of counters per period end, in a preallocated array (a list of lists of Python
        # floats would cost four times the memory; issue 7 asks for memory flat in the leads).
        self._snapshots: np.ndarray | None = None
        self._n_snapshots = 0
        self._boundaries: list[float] = [0.0]

    def run(self) -> Generator[simpy.Event, Any, None]:
        """The recorder process: a snapshot at every period end before the horizon."""
        period = self.period_days
        k = 1
        while k * period < self.horizon_days:
            yield Timeout(self.env, k * period - self.env.now)
            self.snapshot()
            k += 1

    def snapshot(self) -> None:
        """Append one row: the cumulative flows, then the levels, as of now."""
        for update in self._before_snapshot:
            update()
        c = self.counters
        effort = self.effort
        long_effort = sum(effort[k] for k in self._long_kinds)
        flows = [*c.flows(), *(effort[k] for k in self._kind_names), sum(effort[k] for k in self._short_kinds), long_effort]
        stocks = self.stocks
        levels = [*c.levels(), *(stocks.level[s] for s in STOCKS), *(stocks.saturation[s] for s in STOCKS)]
        row = flows + levels
        if self._snapshots is None:
            self._snapshots = np.empty((math.ceil(self.horizon_days / self.period_days) + 1, len(row)))
        self._snapshots[self._n_snapshots] = row
        self._n_snapshots += 1
        self._boundaries.append(self.env.now)

    def series(self, gross_margin: float) -> pd.DataFrame:
        """The per-period series (flows, levels, derived columns and profit)."""
        series = build_series(self._snapshots[: self._n_snapshots], self._boundaries, self.flow_names, self.level_names)  # type: ignore[index]
        series["profit_usd"] = series["bookings_usd"] * gross_margin - series["costs_usd"]
        return series

    def totals(self, series: pd.DataFrame, queued: int) -> dict[str, float]:
        """Flows summed over the run, levels at the end (``<level>_end``), overall ratios and
        the lead accounting (``queued``: MQLs still in the follow-up queue)."""
        # Each flow's column summed as pandas sums a column (NaN skipped, numpy's pairwise sum
        # along the contiguous column: the same bits), in one numpy call for all of them.
        flows = np.ascontiguousarray(series[self.flow_names].to_numpy().T)
        totals: dict[str, float] = dict(zip(self.flow_names, np.nansum(flows, axis=1).tolist(), strict=True))
        ends = series[self.level_names].to_numpy()[-1].tolist()  # each level at the end
        totals.update({END.format(name): float(value) for name, value in zip(self.level_names, ends, strict=True)})
        for name in TOTALS_ORDER:
            declared = outcome(name)
            totals[name] = _total_ratio(totals, declared) if declared.kind == "ratio" else float(series[name].sum())
        totals.update(lead_accounting(self.counters, queued))
        return totals


#: The totals after the flows and the levels' ends, in the order runs have always listed them
#: (an experiment keeps the order of the first run's totals).
TOTALS_ORDER: tuple[str, ...] = (
    "long_term_effort_share",
    "mql_qualify_rate",
    "unfollowed_mql_share",
    "mean_dispute_wait_days",
    "profit_usd",
    "leads",
    "sla_compliance",
    "mean_response_hours",
    "mean_discount",
    "win_rate",
    "prospecting_time_share",
    "response_within_1h_share",
    "response_1h_to_24h_share",
)


def _total_ratio(totals: Mapping[str, float], ratio: Outcome) -> float:
    """A declared ratio over the whole run: NaN where its denominator is 0."""
    denominator = _sum(totals, ratio.denominator)
    return totals[ratio.numerator] / denominator if denominator else float("nan")  # type: ignore[index]


def lead_accounting(c: Counters, queued: int) -> dict[str, float]:
    """Where the leads created in this run are at the end: ``leads_created`` is the sum of the
    ``outcome_*`` terms. Deals carried in from the warm start book in this run but are not its
    leads; each term is tracked separately."""
    return {
        "leads_created": float(c.created),
        "carried_in_deals": float(c.carried_wins + c.carried_losses + c.carried_open),
        "outcome_won": float(c.wins - c.carried_wins),
        "outcome_lost": float(c.losses - c.carried_losses + c.disqualified),
        "outcome_unfollowed": float(c.unfollowed),
        "outcome_nurture": float(c.final_nurture + c.waiting_nurture),
        # A lead is qualified or lost when a rep takes it, so leads being followed up are
        # already counted as open opportunities or lost; "open" is the queue and open deals.
        "outcome_open": float(queued + c.open_opportunities - c.carried_open),
    }


def build_series(
    rows: list[list[float]] | np.ndarray, boundaries: list[float], flow_names: list[str], level_names: list[str]
) -> pd.DataFrame:
    """Turn snapshots (one per period end: cumulative flows, then levels) into a per-period DataFrame."""
    import pandas as pd  # lazily, as in LeadLog.to_frame

    n_flow = len(flow_names)
    snapshots = np.asarray(rows, dtype=float).reshape(len(rows), n_flow + len(level_names))
    flows = np.diff(np.vstack([np.zeros((1, n_flow)), snapshots[:, :n_flow]]), axis=0)
    # Columns are gathered as arrays and the frame built once: inserting them one by one into a
    # DataFrame took most of the time of a short run's bookkeeping (issue 7 profile).
    data: dict[str, np.ndarray] = {
        "start_day": np.asarray(boundaries[:-1], dtype=float),
        "end_day": np.asarray(boundaries[1:], dtype=float),
    }
    data.update((name, flows[:, i]) for i, name in enumerate(flow_names))
    data.update((name, snapshots[:, n_flow + i]) for i, name in enumerate(level_names))
    add_ratios(data)
    return pd.DataFrame(data, index=pd.RangeIndex(len(snapshots), name="period"))


def _ratio(numerator: Any, denominator: Any) -> Any:
    with np.errstate(invalid="ignore", divide="ignore"):
        return numerator / np.where(denominator > 0, denominator, np.nan)


def _sum(frame: Any, names: tuple[str, ...]) -> Any:
    """``frame[a] + frame[b] + ...``, left to right (the float operations fix the bits)."""
    total = frame[names[0]]
    for name in names[1:]:
        total = total + frame[name]
    return total


def _parts(derived: Outcome) -> tuple[str, ...]:
    """The columns a derived column is computed from."""
    return (*derived.denominator, derived.numerator) if derived.kind == "ratio" else derived.sum_of  # type: ignore[return-value]


def _derive(frame: Any, derived: Outcome) -> Any:
    """One derived column: a declared sum of flows or a declared ratio."""
    if derived.kind != "ratio":
        return _sum(frame, derived.sum_of)
    return _ratio(frame[derived.numerator], _sum(frame, derived.denominator))


def add_ratios(frame: Any) -> Any:
    """The derived columns declared in :data:`~orgsim.model.outcomes.DERIVED`: ``leads`` and
    the ratios (SLA compliance, mean response time, ...), each from its declared parts.

    ``frame`` is a DataFrame or a dict of numpy columns; the columns are added in place. A
    column whose parts are missing (a frame from before they existed) is left out. Ratios are
    NaN in a period with nothing to measure (e.g. no MQL resolved)."""
    for derived in DERIVED:
        if all(part in frame for part in _parts(derived)):
            frame[derived.name] = _derive(frame, derived)
    return frame

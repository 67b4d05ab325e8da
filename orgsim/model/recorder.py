"""Observation: cumulative counters, per-period series and the optional columnar lead log.

Counters are plain attributes incremented on the hot path; a recorder process snapshots them
at every period boundary, so the series costs one event per period whatever the lead volume.
The lead log stores one row per lead in preallocated numpy columns (about 75 bytes a lead),
never a Python object per lead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

#: Lead sources, in the order of their integer codes in the lead log.
SOURCES: tuple[str, ...] = ("inbound", "campaign", "outbound", "channel")
#: Lead outcomes, in the order of their integer codes in the lead log.
OUTCOMES: tuple[str, ...] = ("open", "won", "lost", "unfollowed", "nurture")
OPEN, WON, LOST, UNFOLLOWED, NURTURE = range(5)
INBOUND, CAMPAIGN, OUTBOUND, CHANNEL = range(4)

#: Flow counters: the series shows their increase within each period.
FLOW_COUNTERS: tuple[str, ...] = (
    "leads_inbound",
    "leads_campaign",
    "leads_outbound",
    "leads_channel",
    "leads_recycled",
    "mqls",
    "nurtured",
    "unfollowed",
    "queued",
    "follow_ups",
    "contacted",
    "disqualified",
    "opportunities",
    "sla_met",
    "sla_missed",
    "response_hours_sum",
    "wins",
    "losses",
    "bookings_usd",
    "discount_sum",
    "costs_usd",
    "program_spend_usd",
    "projects_started",
    "projects_completed",
    "projects_preempted",
    "projects_cancelled",
    "rush_projects",
    "mql_follow_ups",
    "mql_qualified",
    "disputes",
    "disputes_resolved",
    "disputes_for_sales",
    "dispute_wait_days",
    "rework_usd",
    "leader_costs_usd",
)

#: Level counters: the series shows their value at the end of each period.
LEVEL_COUNTERS: tuple[str, ...] = (
    "queue_length",
    "open_opportunities",
    "reps",
    "follow_up_reps",
    "trust",
    "unfollowed_share",
    "rep_effectiveness",
    "quota_pressure",
    "discount_target",
    "crm_learning",
    "disputes_waiting",
)


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
        for name in ("costs_usd", "program_spend_usd", "dispute_wait_days", "rework_usd", "leader_costs_usd"):
            setattr(self, name, 0.0)

    def flows(self) -> list[float]:
        return [float(getattr(self, name)) for name in FLOW_COUNTERS]

    def levels(self) -> list[float]:
        return [float(getattr(self, name)) for name in LEVEL_COUNTERS]


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


def add_ratios(frame: Any) -> Any:
    """Derived columns: SLA compliance, mean response time, mean discount, profit, leads.

    ``frame`` is a DataFrame or a dict of numpy columns; the columns are added in place.
    Ratios are NaN in a period with nothing to measure (e.g. no MQL resolved)."""
    frame["leads"] = frame["leads_inbound"] + frame["leads_campaign"] + frame["leads_outbound"] + frame["leads_channel"]
    frame["sla_compliance"] = _ratio(frame["sla_met"], frame["sla_met"] + frame["sla_missed"])
    frame["mean_response_hours"] = _ratio(frame["response_hours_sum"], frame["follow_ups"])
    frame["mean_discount"] = _ratio(frame["discount_sum"], frame["wins"])
    if "mql_follow_ups" in frame:
        frame["mql_qualify_rate"] = _ratio(frame["mql_qualified"], frame["mql_follow_ups"])
        frame["mean_dispute_wait_days"] = _ratio(frame["dispute_wait_days"], frame["disputes_resolved"])
    if "effort_long_days" in frame:
        frame["long_term_effort_share"] = _ratio(frame["effort_long_days"], frame["effort_long_days"] + frame["effort_short_days"])
    return frame

"""The result of one run: per-period series, totals, the optional lead log, and metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported when a run builds its frames, not by `import orgsim`
    import pandas as pd


@dataclass(frozen=True)
class RunResult:
    """What :func:`orgsim.simulate` returns.

    Attributes:
        series: one row per period (``Scenario.period_days``), metrics as columns: leads by
            source, MQLs, follow-ups, SLA compliance, opportunities, wins, bookings, costs,
            profit, queue length, ... (see docs/model.md, "Observation").
        totals: scalars over the whole run (sums of the flows, overall ratios, and the lead
            accounting ``leads_created`` = ``outcome_won + outcome_lost + outcome_unfollowed
            + outcome_nurture + outcome_open``).
        leads: one row per lead when ``record_leads=True``, else ``None``.
        meta: seed, scenario (as a dict), structure, horizon and package versions.
        reps: one row per rep: ``rep_id``, ``skill``, ``queue_check_hours``, ``hired_day``,
            ``left_day`` (NaN while employed), ``bookings_usd`` (deals they own that were won,
            warm-start deals included), ``quota_usd`` (their share of the yearly plans over the
            run) and ``attainment`` (bookings / quota).
    """

    series: pd.DataFrame
    totals: dict[str, float]
    leads: pd.DataFrame | None
    meta: dict[str, Any] = field(default_factory=dict)
    reps: pd.DataFrame | None = None

    def __repr__(self) -> str:
        t = self.totals
        return (
            f"RunResult(horizon_days={self.meta.get('horizon_days')}, leads={t['leads_created']:.0f}, "
            f"wins={t['wins']:.0f}, bookings_usd={t['bookings_usd']:,.0f}, profit_usd={t['profit_usd']:,.0f})"
        )

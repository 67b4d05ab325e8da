"""Opportunity exports with a known truth: a simulated run's deals, for tests, docs and back-tests.

:func:`deals_from_run` turns a run's lead log (``simulate(..., record_leads=True)``) into the
export a CRM would give of the same company: one row per opportunity, created when the lead was
qualified, closed won or lost (or still open at the run's end, with an open stage), its value as
the amount, and owners and managers assigned at random (alike, as the model's reps are) from a
named stream of ``seed``. Opportunities the warm start carried in (created before day 0) are
left out: the log holds only those still open at day 0, not the rest of that past.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from orgsim.model.streams import named_generator

#: Day 0 of a run, as a date: a Monday, like the model's day 0.
DAY0 = pd.Timestamp("2024-01-01")
#: The open stages an exported open deal gets, in turn.
OPEN_STAGES = ("Prospecting", "Engaging", "Negotiation", "Proposal understood")


def deals_from_run(
    result: Any,
    *,
    reps: int = 10,
    managers: int = 2,
    seed: int = 0,
    dates: bool = True,
    end_day: float | None = None,
) -> pd.DataFrame:
    """One row per opportunity of ``result`` (a RunResult with its lead log), in orgsim's deal columns.

    Args:
        result: a run with ``record_leads=True``.
        reps: owners ``rep 1`` ... assigned at random; ``managers`` manage them in turn.
        seed: seed of the assignment (the named stream ``synthetic/owners``).
        dates: times as ``YYYY-MM-DD HH:MM`` text from :data:`DAY0`, else day numbers.
        end_day: the export date: deals closed later are still open (default: the run's end).
    """
    log = result.leads
    # the warm start's open deals (created before day 0) are the survivors of an unrecorded
    # past, not a sample of its deals: a CRM would hold that past's closed deals too, so they are left out
    opp = log[log["opportunity_at"].notna() & (log["opportunity_at"] >= 0)].reset_index(drop=True)
    end = float(result.meta["horizon_days"]) if end_day is None else float(end_day)
    opp = opp[opp["opportunity_at"] <= end].reset_index(drop=True)
    closed = opp["closed_at"].notna() & (opp["closed_at"] <= end)
    won = closed & opp["won"].astype(bool)
    rng = named_generator(seed, "synthetic/owners")
    owner = rng.integers(0, reps, size=len(opp))
    stage = np.where(won, "Closed Won", np.where(closed, "Closed Lost", [OPEN_STAGES[i % len(OPEN_STAGES)] for i in range(len(opp))]))
    created = opp["opportunity_at"].astype(float)
    close = opp["closed_at"].where(closed)
    return pd.DataFrame(
        {
            "opportunity_id": np.arange(len(opp)) + 1,
            "created_at": _time(created, dates),
            "closed_at": _time(close, dates),
            "stage": stage,
            "amount": opp["value"].where(won).round(2),
            "owner": [f"rep {i + 1}" for i in owner],
            "manager": [f"manager {i % managers + 1}" for i in owner],
            "source": opp["source"].astype(str),
        }
    )


def _time(days: pd.Series, dates: bool) -> pd.Series:
    if not dates:
        return days
    stamps = (DAY0 + pd.to_timedelta(days.astype(float), unit="D")).dt.strftime("%Y-%m-%d %H:%M")
    return stamps.where(days.notna(), None)

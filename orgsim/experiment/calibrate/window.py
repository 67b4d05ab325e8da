"""The window's default ends, robust to a few wrong dates, and the notes naming such dates.

One date typed as 2099 instead of 2024, or a record dated 1970-01-01 by an import, would
stretch a window that ran from the earliest to the latest time in the table, and every rate
would be divided by decades. So the default window is taken from the *bulk* of the creation
times: with Q1 and Q3 their quartiles and ``IQR = max(Q3 - Q1, 1 day)``, a time is **outlying**
when it lies outside Tukey's far-out fences ``[Q1 - 3 IQR, Q3 + 3 IQR]`` (an evenly spread
window of length T has fences ``-1.25 T`` and ``2.25 T``: no true time is near them). With fewer
than :data:`MIN_ROWS_FOR_FENCES` creation times nothing is outlying.

* the default start is midnight of the earliest creation date inside the fences (day 0 for day
  numbers, orgsim's convention);
* the default end is the latest time of any column inside the fences;
* :func:`outlier_notes` names (up to :data:`SHOWN_ROWS`) the rows with a time outside the fences,
  and, when ``end`` (the export date) is given, the rows with a time after it. Such rows created
  outside the window are left out as any other row outside it; a close after the window's end
  counts as not yet closed.

Times more than ``MAX_HORIZON_DAYS`` (100 years) from the window start, or not finite, are still
refused (:mod:`.inputs`), as they cannot be a date of the company's data at all.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from orgsim.experiment.calibrate.columns import row_name

#: Fewest creation times the fences are drawn from.
MIN_ROWS_FOR_FENCES = 8
#: Tukey's far-out multiple of the interquartile range.
FENCE_IQRS = 3.0
#: Rows named in a note; the rest are counted.
SHOWN_ROWS = 5


def as_days(times: pd.Series, kind: str) -> np.ndarray:
    """Times as float days on one scale (dates: since 1970-01-01; day numbers as they are)."""
    if kind == "datetime":
        return ((times - pd.Timestamp(0)) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    return times.to_numpy(dtype=float)


def fences(created_days: np.ndarray) -> tuple[float, float]:
    """Tukey's far-out fences of the creation times (``-inf, inf`` when there are too few)."""
    x = created_days[np.isfinite(created_days)]
    if len(x) < MIN_ROWS_FOR_FENCES:
        return -math.inf, math.inf
    q1, q3 = np.quantile(x, [0.25, 0.75])
    iqr = max(float(q3 - q1), 1.0)
    return float(q1 - FENCE_IQRS * iqr), float(q3 + FENCE_IQRS * iqr)


def default_origin(created: pd.Series, kind: str, bounds: tuple[float, float]) -> Any:
    """Midnight of the earliest creation date inside the fences; day 0 for day numbers."""
    if kind != "datetime":
        return 0.0
    days = as_days(created, kind)
    inside = np.isfinite(days) & (days >= bounds[0]) & (days <= bounds[1])
    return created[inside].min().normalize()


def default_end_day(days: dict[str, np.ndarray], bounds_since_origin: tuple[float, float]) -> float:
    """The latest time of any column inside the fences, in days since the window start."""
    latest = -math.inf
    for d in days.values():
        ok = np.isfinite(d) & (d >= bounds_since_origin[0]) & (d <= bounds_since_origin[1])
        if ok.any():
            latest = max(latest, float(d[ok].max()))
    return latest


def outlier_notes(
    raw: pd.DataFrame,
    by_canon: dict[str, str],
    label: str,
    days: dict[str, np.ndarray],
    bounds_since_origin: tuple[float, float],
    end_day: float | None,
    to_label: Any,
) -> list[str]:
    """Notes naming the rows with a time outside the fences, and (``end_day`` given: the export
    date) the rows with a time after it."""
    notes: list[str] = []
    lo, hi = bounds_since_origin
    outside = _cells(raw, by_canon, label, days, lambda d: np.isfinite(d) & ((d < lo) | (d > hi)))
    if outside:
        notes.append(
            f"{_count(outside)} far outside the bulk of the creation times (Tukey's far-out fences, "
            f"{_when(to_label, lo)} to {_when(to_label, hi)}): {_shown(outside)}. The default window ignores them; "
            "rows created outside the window are left out, and a close after its end counts as open. Check these dates."
        )
    if end_day is not None:
        after = _cells(raw, by_canon, label, days, lambda d: np.isfinite(d) & (d > end_day + 1e-9) & (d <= hi))
        if after:
            notes.append(
                f"{_count(after)} after the window's end {_when(to_label, end_day)} (the export date): {_shown(after)}. "
                "Rows created after it are left out, and a close after it counts as open."
            )
    return notes


def _cells(raw: pd.DataFrame, by_canon: dict[str, str], label: str, days: dict[str, np.ndarray], test: Any) -> list[tuple[int, str]]:
    """(row, text) of every cell ``test`` marks, by row then column."""
    found: list[tuple[int, int, str]] = []
    for order, (canon, d) in enumerate(days.items()):
        crm = by_canon.get(canon)
        if crm is None:
            continue
        for i in np.flatnonzero(test(d)):
            found.append((int(i), order, f"{row_name(int(i), label)} column {crm!r} ({raw[crm].iloc[int(i)]})"))
    found.sort()
    return [(i, text) for i, _, text in found]


def _count(cells: list[tuple[int, str]]) -> str:
    rows = len({i for i, _ in cells})
    return f"{rows} row{'s' if rows > 1 else ''} with {'a time' if len(cells) == 1 else 'times'}"


def _shown(cells: list[tuple[int, str]]) -> str:
    shown = "; ".join(text for _, text in cells[:SHOWN_ROWS])
    return shown + (f"; and {len(cells) - SHOWN_ROWS} more" if len(cells) > SHOWN_ROWS else "")


def _when(to_label: Any, day: float) -> str:
    if not math.isfinite(day):
        return str(day)
    try:
        value = to_label(day)
    except (OverflowError, ValueError):
        return f"day {day:.0f}"
    return f"{value:%Y-%m-%d}" if isinstance(value, pd.Timestamp) else f"{value:g}"

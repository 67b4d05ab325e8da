"""Intervals that stay where a metric can be: clipped to its declared feasible range.

A t-interval is symmetric around the mean, so with few replications it can reach below $0 of
bookings or above 100% SLA compliance, values no run can report. Every interval and band
orgsim shows is clipped to the outcome's feasible range, declared once in
:mod:`orgsim.model.outcomes` (``Outcome.lower``/``Outcome.upper``): money flows and counts are
at least 0, shares at most 1, profit unbounded. And with fewer than
:data:`MIN_RELIABLE_REPLICATIONS` replications a :class:`FewReplicationsWarning` says the
intervals are unreliable: the sample standard deviation of 2-4 values is itself too uncertain
for the interval to mean much (Law & Kelton recommend at least 5, better 10).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from orgsim.model.outcomes import outcome

#: Below this many replications, intervals are flagged as unreliable.
MIN_RELIABLE_REPLICATIONS = 5


class FewReplicationsWarning(UserWarning):
    """Intervals computed from fewer than :data:`MIN_RELIABLE_REPLICATIONS` replications."""


def feasible_range(metric: str) -> tuple[float, float]:
    """The declared feasible range of ``metric`` (``(-inf, inf)`` for a name the registry does not declare)."""
    try:
        return outcome(metric).feasible
    except KeyError:
        return (-math.inf, math.inf)


def clip_intervals(table: pd.DataFrame, low: str = "ci_low", high: str = "ci_high") -> pd.DataFrame:
    """``table`` (indexed by ..., ``metric``) with columns ``low`` and ``high`` clipped to each metric's feasible range."""
    metrics = table.index.get_level_values("metric")
    bounds = np.array([feasible_range(str(m)) for m in metrics], dtype=float).reshape(-1, 2)
    out = table.copy()
    out[low] = np.maximum(out[low].to_numpy(dtype=float), bounds[:, 0])
    out[high] = np.minimum(out[high].to_numpy(dtype=float), bounds[:, 1])
    return out


def clip_band(metric: str, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A band's lower and upper edges clipped to ``metric``'s feasible range."""
    lo, hi = feasible_range(metric)
    return np.clip(low, lo, hi), np.clip(high, lo, hi)


def warn_if_few(replications: int, *, stacklevel: int = 3) -> None:
    """Warn (:class:`FewReplicationsWarning`) when ``replications`` is below :data:`MIN_RELIABLE_REPLICATIONS`."""
    if 1 < replications < MIN_RELIABLE_REPLICATIONS:
        warnings.warn(few_replications_text(replications), FewReplicationsWarning, stacklevel=stacklevel)


def few_replications_text(replications: int) -> str:
    """What the warning (and the command line) says about ``replications`` replications."""
    return (
        f"only {replications} replications: the 95% intervals are unreliable below {MIN_RELIABLE_REPLICATIONS} "
        "(the spread of so few runs is itself too uncertain); run at least 5, and 10 or more for a decision"
    )


__all__ = [
    "MIN_RELIABLE_REPLICATIONS",
    "FewReplicationsWarning",
    "clip_band",
    "clip_intervals",
    "feasible_range",
    "few_replications_text",
    "warn_if_few",
]

"""Statistics over replications: moments, t-quantiles and t-intervals, paired differences.

The one place the experiment layer turns replications into intervals: :class:`Experiment`,
sensitivity outputs and the winners' margins all call these, so an interval means the same
thing everywhere. Every function works along one axis of an array in which NaN marks a
replication that failed or has no value; such entries are left out, not counted as zero.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from orgsim.config.checks import check_number, raise_problems
from orgsim.config.errors import Problem

#: The two-sided 95% quantile of the standard normal, Phi^-1(0.975). For large-sample (normal)
#: intervals; with replications use :func:`t_quantile`, which is wider for few of them.
Z95 = 1.959963984540054


def confidence_problem(confidence: Any, field: str = "confidence") -> Problem | None:
    """A Problem unless ``confidence`` is a number in (0, 1)."""
    return check_number(field, confidence, 0.0, 1.0, lo_open=True, hi_open=True, allowed="a number in (0, 1), e.g. 0.95")


def check_confidence(confidence: Any) -> None:
    """Raise a ValidationError unless ``confidence`` is a number in (0, 1)."""
    raise_problems([confidence_problem(confidence)])


def t_quantile(confidence: float, df: Any) -> np.ndarray:
    """The two-sided Student-t quantile ``t_{(1 + confidence) / 2, df}``, element-wise; NaN where ``df < 1``."""
    from scipy import stats

    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, np.nan)
    valid = df >= 1
    out[valid] = stats.t.ppf(0.5 + confidence / 2.0, df[valid])
    return out


def moments(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count of finite values, their mean and sample sd (NaN where undefined), along ``axis``."""
    finite = np.isfinite(x)
    n = finite.sum(axis=axis).astype(float)
    filled = np.where(finite, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=axis) / n
        dev = np.where(finite, x - np.expand_dims(mean, axis), 0.0)
        sd = np.sqrt((dev * dev).sum(axis=axis) / (n - 1))
    mean = np.where(n > 0, mean, np.nan)
    sd = np.where(n > 1, sd, np.nan)
    return n, mean, sd


def t_interval(x: np.ndarray, axis: int, confidence: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The t-interval of the mean along ``axis``: ``n``, ``mean``, ``sd``, ``se`` and the half-width."""
    n, mean, sd = moments(x, axis=axis)
    se = sd / np.sqrt(n)
    return n, mean, sd, se, t_quantile(confidence, n - 1) * se


def differences(x: np.ndarray, base: np.ndarray, axis: int, *, paired: bool) -> dict[str, np.ndarray]:
    """The mean of ``x - base`` along ``axis`` with its standard error and degrees of freedom.

    ``paired=True``: entry ``r`` of ``x`` is compared with entry ``r`` of ``base`` (the same
    seed, common random numbers); pairs where either is missing are left out. ``paired=False``:
    the two samples are independent (Welch's unequal-variance interval).

    Returns ``{"n", "n_baseline", "mean", "se", "df"}``.
    """
    if paired:
        both = np.isfinite(x) & np.isfinite(base)
        n, mean, sd = moments(np.where(both, x - base, np.nan), axis=axis)
        return {"n": n, "n_baseline": n, "mean": mean, "se": sd / np.sqrt(n), "df": n - 1.0}
    n, mean_x, sd_x = moments(x, axis=axis)
    n_base, mean_b, sd_b = moments(base, axis=axis)
    vx, vb = sd_x**2 / n, sd_b**2 / n_base
    with np.errstate(invalid="ignore", divide="ignore"):
        df = (vx + vb) ** 2 / (vx**2 / (n - 1) + vb**2 / (n_base - 1))
    return {"n": n, "n_baseline": n_base, "mean": mean_x - mean_b, "se": np.sqrt(vx + vb), "df": df}


def sequential_precision(x: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the first n = 1..N values of ``x`` (finite, in order): the running mean, the
    half-width of its t-interval and that half-width relative to |mean| (0 when both are 0,
    inf when only the mean is). Shifted sums keep the variances stable."""
    n = np.arange(1, len(x) + 1, dtype=float)
    y = x - x[0]
    s1, s2 = np.cumsum(y), np.cumsum(y * y)
    mean = x[0] + s1 / n
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.maximum(s2 - s1 * s1 / n, 0.0) / (n - 1)
        half = t_quantile(confidence, n - 1) * np.sqrt(var / n)
        relative = np.where(mean != 0, half / np.abs(mean), np.where(half == 0, 0.0, np.inf))
    return mean, half, relative


def replications_to_separate(mean: float, sd: float, confidence: float, *, max_n: int = 1_000_000) -> int | None:
    """Replications at which a paired difference's t-interval would exclude zero.

    Taking the mean ``mean`` and sd ``sd`` of the per-replication differences measured so far
    as the truth, the smallest ``n >= 2`` with ``t_{(1 + confidence) / 2, n - 1} * sd / sqrt(n)
    < |mean|`` (the half-width of the interval below the distance to zero). It starts from the
    normal approximation ``ceil((z * sd / |mean|)^2)`` and steps up while the t-quantile keeps
    the interval wide. A projection, not a promise: with few replications sd and mean are
    themselves uncertain. None when the mean is 0 (or not finite) or more than ``max_n`` would
    be needed.
    """
    if not (np.isfinite(mean) and np.isfinite(sd)) or mean == 0:
        return None
    if sd == 0:
        return 2
    ratio = sd / abs(mean)
    z = float(t_quantile(confidence, np.inf))
    n = max(2, math.ceil((z * ratio) ** 2))
    while n <= max_n:
        if float(t_quantile(confidence, n - 1)) * ratio / math.sqrt(n) < 1.0:
            return n
        n += 1  # from the normal start, a few steps: t exceeds z by about (1 + z^2) / (4 (n - 1))
    return None


def first_n_within(relative: np.ndarray, target: float) -> int | None:
    """The smallest n (counting from n = 2 at ``relative[0]``) from which every relative
    half-width stays at or below ``target``; None if the last one is above it."""
    within = relative <= target
    if not within[-1]:
        return None
    outside = np.flatnonzero(~within)
    return int(outside[-1] + 3) if outside.size else 2


__all__ = [
    "Z95",
    "check_confidence",
    "confidence_problem",
    "differences",
    "first_n_within",
    "moments",
    "replications_to_separate",
    "sequential_precision",
    "t_interval",
    "t_quantile",
]

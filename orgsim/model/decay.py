"""Response-delay decay: a piecewise log-linear multiplier over delay in hours.

The two lead-response studies (HBR 2011; MIT-InsideSales 2007) cannot be fitted by one
exponential, so the decay is a table of knots with the logarithm of the multiplier
interpolated linearly in delay between them and held flat past the last knot.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

from orgsim.config import DecayTable


class DecayCurve:
    """Multiplier ``m(delay_hours)`` from a validated decay table."""

    __slots__ = ("_hours", "_last", "_logs", "_slopes")

    def __init__(self, table: DecayTable):
        self._hours = [float(h) for h, _ in table]
        self._logs = [math.log(m) for _, m in table]
        self._slopes = [(self._logs[i + 1] - self._logs[i]) / (self._hours[i + 1] - self._hours[i]) for i in range(len(table) - 1)]
        self._last = math.exp(self._logs[-1])

    def __call__(self, delay_hours: float) -> float:
        i = bisect_right(self._hours, delay_hours) - 1
        if i >= len(self._slopes):
            return self._last
        if i < 0:
            return 1.0
        return math.exp(self._logs[i] + self._slopes[i] * (delay_hours - self._hours[i]))

    def many(self, delay_hours: np.ndarray) -> np.ndarray:
        """Vectorised multiplier for an array of delays."""
        return np.exp(np.interp(np.asarray(delay_hours, dtype=float), self._hours, self._logs))

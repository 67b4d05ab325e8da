"""Market stocks (MODEL.md 2): geometric decay (adstock), an optional lag, Hill saturation.

Each stock ``x`` loses ``1 - r`` of its level a day, with ``r = weekly_retention ** (1/7)``
(Robyn's geometric adstock, ``x*_t = x_t + theta * x*_{t-1}``, applied daily). The stock acts
through an *effective* level that follows it with an exponential lag (time constant
``lag_days``; brand effects show after about six months, Field 2018), and the effect is the
Hill saturation of the effective level, ``x^a / (x^a + g^a)`` (Robyn; Meridian applies adstock
first, then Hill, as here).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from orgsim.config import STOCKS, Market, Mechanisms


def hill(level: float, half_saturation: float, shape: float) -> float:
    """Hill saturation in [0, 1): 0 at level 0, 1/2 at the half-saturation level."""
    if level <= 0.0:
        return 0.0
    ratio = level / half_saturation
    if ratio > 1.0:  # the same value as below, without inf / inf = NaN (or an OverflowError) for huge ratios
        return 1.0 / (1.0 + (1.0 / ratio) ** shape)
    ratio = ratio**shape
    return ratio / (1.0 + ratio)


class MarketStocks:
    """The levels, effective levels and saturations of every stock."""

    def __init__(self, market: Market, initial_levels: Mapping[str, float]):
        self.params = {name: getattr(market, name) for name in STOCKS}
        self.level = {name: float(initial_levels.get(name, 0.0)) for name in STOCKS}
        self.effective = dict(self.level)
        self.daily_retention = {name: p.weekly_retention ** (1.0 / 7.0) for name, p in self.params.items()}
        self.lag_step = {name: 1.0 if p.lag_days == 0 else 1.0 - math.exp(-1.0 / p.lag_days) for name, p in self.params.items()}
        self.saturation: dict[str, float] = {}
        # each stock's constants in one tuple, in STOCKS order, for the day step
        self._steps = [
            (name, self.daily_retention[name], self.lag_step[name], p.half_saturation, p.hill_shape) for name, p in self.params.items()
        ]
        self._saturate()

    def add(self, stock: str, amount: float) -> None:
        """Investment arrives in a stock."""
        self.level[stock] += amount

    def step_day(self) -> None:
        """One day of decay, lag and saturation (of each stock in turn: the same operations as a
        loop of decay and lag over all stocks, then one of saturation)."""
        levels, effective, saturation = self.level, self.effective, self.saturation
        for name, retention, lag_step, half_saturation, shape in self._steps:
            level = levels[name] * retention
            levels[name] = level
            e = effective[name]
            e += lag_step * (level - e)
            effective[name] = e
            saturation[name] = hill(e, half_saturation, shape)

    def _saturate(self) -> None:
        for name, p in self.params.items():
            self.saturation[name] = hill(self.effective[name], p.half_saturation, p.hill_shape)


class StockEffects:
    """Today's effect of each stock on the funnel: its saturation, or 0 where the stock's
    mechanism switch (``mechanisms.<stock>_effect``) is off. Read once a day by the lead flow
    and the pipeline, which turn it into their own constants for the day."""

    def __init__(self, stocks: MarketStocks, mechanisms: Mechanisms):
        self.stocks = stocks
        self.on = {name: bool(getattr(mechanisms, f"{name}_effect")) for name in STOCKS}
        self.effect: dict[str, float] = {}

    def update(self) -> dict[str, float]:
        """Today's effects, from the stocks' current saturation."""
        sat = self.stocks.saturation
        effect = self.effect
        for name, on in self.on.items():
            effect[name] = sat[name] if on else 0.0
        return effect

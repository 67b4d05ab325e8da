"""Opportunities (MODEL.md 3.6): a qualified lead's sales cycle, its close, and the warm start.

An open opportunity is one ``Call`` (orgsim.model.call) to its close, whose plain-call callback decides the
deal: the win probability is a logistic function of the lead's quality, rep effectiveness,
brand and enablement, and the discount; the deal's value is list price x account size x
(1 - discount). The cycle is lognormal, gamma or Weibull (``deals.cycle_family``) with median
``deals.cycle_days_median``, shorter for readier buyers; the size around list price is one of the
same families with mean 1 (``deals.deal_size_family``). Every family draws from the lead's same
standard normal (``z_cycle``, ``z_size``): the lognormal as ``exp(sigma z)``, the others by their
quantile function at ``Phi(z)`` (:func:`cycle_quantile`, :func:`size_quantile`), so common
random numbers and the streams' use are the same in every family.

The warm start: a spin-up run keeps its open opportunities (:meth:`Pipeline.open_pipeline`),
and the run proper takes them over (:meth:`Pipeline.carry_in`), so every structure starts
from the same open deals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from orgsim.model.call import Call
from orgsim.model.outcomes import CHANNEL
from orgsim.model.recorder import LOST, WON

if TYPE_CHECKING:
    import simpy

    from orgsim.config import Deals, Market
    from orgsim.model.batch import Lead
    from orgsim.model.recorder import Counters, LeadLog

#: A warm-up run's open opportunity: (lead, close time, touch time, opportunity time).
OpenDeal = tuple["Lead", float, float, float]


def logistic(x: float) -> float:
    """The logistic function, safe for large |x|."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def logit(p: float) -> float:
    """log(p / (1 - p)) with p clipped away from 0 and 1."""
    p = min(max(p, 1e-6), 1.0 - 1e-6)
    return math.log(p / (1.0 - p))


#: The probabilities a quantile function is evaluated at are kept in [U_MIN, 1 - U_MIN].
U_MIN = 1e-12
_SQRT_HALF = math.sqrt(0.5)


def unit_quantile(family: str, shape: float) -> Callable[[float], float]:
    """The quantile function, at ``Phi(z)``, of a gamma or Weibull with shape ``shape`` and scale 1.

    ``Phi(z)`` is ``0.5 erfc(-z / sqrt 2)``, and ``1 - Phi(z)`` is ``0.5 erfc(z / sqrt 2)``: each
    tail is computed where it is small, so neither loses precision; both are kept in
    ``[U_MIN, 1 - U_MIN]``. Weibull: ``(-log(1 - u))^(1/k)``; gamma: scipy's inverse regularized
    incomplete gamma functions (scipy is imported here, only when a gamma family is used)."""
    k = float(shape)
    lo, hi = U_MIN, 1.0 - U_MIN
    if family == "weibull":
        inv_k = 1.0 / k

        def weibull(z: float) -> float:
            upper = min(max(0.5 * math.erfc(z * _SQRT_HALF), lo), hi)
            return (-math.log(upper)) ** inv_k

        return weibull
    if family == "gamma":
        from scipy.special import gammainccinv, gammaincinv

        def gamma(z: float) -> float:
            if z <= 0.0:
                return float(gammaincinv(k, min(max(0.5 * math.erfc(-z * _SQRT_HALF), lo), hi)))
            return float(gammainccinv(k, min(max(0.5 * math.erfc(z * _SQRT_HALF), lo), hi)))

        return gamma
    raise ValueError(f"no quantile function for the family {family!r}: one of 'gamma', 'weibull'")


def unit_median(family: str, shape: float) -> float:
    """The median of a gamma or Weibull with shape ``shape`` and scale 1."""
    if family == "weibull":
        return math.log(2.0) ** (1.0 / shape)
    from scipy.special import gammaincinv

    return float(gammaincinv(shape, 0.5))


def unit_mean(family: str, shape: float) -> float:
    """The mean of a gamma or Weibull with shape ``shape`` and scale 1."""
    return math.gamma(1.0 + 1.0 / shape) if family == "weibull" else float(shape)


def cycle_quantile(deals: Deals) -> Callable[[float], float]:
    """A buyer of average readiness' cycle, in days, as a function of its standard normal ``z_cycle``:
    median ``deals.cycle_days_median`` in every family (gamma and Weibull: scale = median / the
    unit family's median)."""
    median = deals.cycle_days_median
    if deals.cycle_family == "lognormal":
        sigma = deals.cycle_sigma
        return lambda z: median * math.exp(sigma * z)
    quantile = unit_quantile(deals.cycle_family, deals.cycle_shape)
    scale = median / unit_median(deals.cycle_family, deals.cycle_shape)
    return lambda z: scale * quantile(z)


def size_quantile(deals: Deals) -> Callable[[float], float]:
    """A deal's size around list price as a function of its standard normal ``z_size``: mean 1 in
    every family (gamma: scale 1/k; Weibull: scale 1/Gamma(1 + 1/k))."""
    if deals.deal_size_family == "lognormal":
        sigma = deals.deal_size_sigma
        return lambda z: math.exp(sigma * z - 0.5 * sigma**2)
    quantile = unit_quantile(deals.deal_size_family, deals.deal_size_shape)
    scale = 1.0 / unit_mean(deals.deal_size_family, deals.deal_size_shape)
    return lambda z: scale * quantile(z)


def _no_win_hook(lead: Lead, value: float, discount: float) -> None:
    """The default :attr:`Pipeline.on_win`: nothing happens after a booking."""


class Pipeline:
    """Open opportunities and their closes.

    A deal's win odds use its owner's effectiveness (skill x the leader's coaching); each open
    deal asks ``deals.rep_hours_per_opportunity`` of rep time over its cycle (``deal_work``).
    ``discount_mean`` is the leader's effect, fixed at build;
    quota pressure adds to the discount through :meth:`set_pressure_discount`; the stocks'
    effects (brand and enablement on the win odds, pricing on the discount's spread) are
    fixed each day by :meth:`start_day`. ``keep_open``: keep the open deals (a warm-up run).
    """

    def __init__(
        self,
        env: simpy.Environment,
        counters: Counters,
        log: LeadLog | None,
        deals: Deals,
        market: Market,
        *,
        readiness_mean: float,
        discount_mean: float,
        channel_discount_sd: float,
        duty_hours_per_day: float,
        deal_work: Callable[[float], None] | None = None,
        keep_open: bool = False,
    ):
        self.env = env
        self.counters = counters
        self.log = log
        self.deals = deals
        self.market = market
        self.readiness_mean = readiness_mean
        self.discount_mean = discount_mean
        self.channel_discount_sd = channel_discount_sd
        self.pressure_discount = 0.0
        self._win_bonus = 0.0
        self._discount_sd_now = deals.discount_sd
        self._channel_discount_sd_now = channel_discount_sd
        self._open: dict[int, OpenDeal] | None = {} if keep_open else None
        # Rep-equivalents of work per day of cycle: rep_hours_per_opportunity spread over the cycle's duty hours.
        self._work_per_cycle_day = deals.rep_hours_per_opportunity / duty_hours_per_day
        self._deal_work = deal_work
        # another family than the lognormal draws through its quantile function (scales worked out
        # here, once); the lognormal keeps its inline expression below
        self._cycle_of_z: Callable[[float], float] | None = None if deals.cycle_family == "lognormal" else cycle_quantile(deals)
        self._size_of_z: Callable[[float], float] | None = None if deals.deal_size_family == "lognormal" else size_quantile(deals)
        #: Called with (lead, value, discount) when a deal is booked (the customers' win hook; wired after build).
        self.on_win: Callable[[Lead, float, float], None] = _no_win_hook

    def start_day(self, effect: Mapping[str, float]) -> None:
        """Today's win bonus (brand, enablement) and discount spread (pricing)."""
        market = self.market
        self._win_bonus = market.brand_win_logit * effect["brand"] + market.enablement_win_logit * effect["enablement"]
        self._discount_sd_now = self.deals.discount_sd * (1.0 - market.pricing_dispersion_cut * effect["pricing"])
        self._channel_discount_sd_now = self.channel_discount_sd * (1.0 - market.pricing_dispersion_cut * effect["pricing"])

    def set_discount_mean(self, discount_mean: float) -> None:
        """A new sales leader's mean discount (a reorganisation), from the next deal on."""
        self.discount_mean = discount_mean
        self.counters.discount_target = discount_mean + self.pressure_discount

    def clear_pressure(self) -> None:
        """A new quarter: no pressure discount."""
        self.pressure_discount = 0.0
        self.counters.discount_target = self.discount_mean

    def set_pressure_discount(self, extra: float) -> None:
        """Quota pressure: ``extra`` on top of the mean discount until the next check."""
        self.pressure_discount = extra
        self.counters.discount_target = self.discount_mean + extra

    def open(self, lead: Lead, touched_at: float, done_at: float, now: float | None = None) -> None:
        """Schedule the close of a qualified lead's opportunity (counted and logged by the caller).

        ``now``: the time of the touch, when it is later than the current time (an outbound
        lead's, decided at the start of its day)."""
        deals = self.deals
        readiness_factor = (1.0 - deals.readiness_cycle_effect * lead.readiness) / (
            1.0 - deals.readiness_cycle_effect * self.readiness_mean
        )
        if self._cycle_of_z is None:
            cycle = deals.cycle_days_median * math.exp(deals.cycle_sigma * lead.z_cycle) * readiness_factor
        else:
            cycle = self._cycle_of_z(lead.z_cycle) * readiness_factor
        delay = done_at - touched_at + cycle
        if self._deal_work is not None and delay > 0:
            lead.deal_demand = self._work_per_cycle_day / delay
            self._deal_work(lead.deal_demand)
        else:
            lead.deal_demand = 0.0
        if now is None:
            now = self.env.now
            Call(self.env, delay, self._close, lead)
        else:  # the instant an event made at ``now`` would fire
            Call(self.env, (now + delay) - self.env.now, self._close, lead)
        if self._open is not None:
            self._open[id(lead)] = (lead, now + done_at - touched_at + cycle, touched_at, done_at)

    def _close(self, event: simpy.Event) -> None:
        lead: Lead = event.value
        c = self.counters
        deals = self.deals
        c.open_opportunities -= 1
        if self._open is not None:
            del self._open[id(lead)]
        carried = lead.arrived_at < 0.0
        if carried:
            c.carried_open -= 1
        if self._deal_work is not None and lead.deal_demand:
            self._deal_work(-lead.deal_demand)
        owner = lead.owner
        if not owner.active:  # the owner left (orgsim.model.workforce): the colleague holding their book closes it
            owner = lead.owner = owner.holder()
        spread = self._discount_sd_now if lead.source != CHANNEL else self._discount_sd_now + self._channel_discount_sd_now
        discount = self.discount_mean + self.pressure_discount + spread * lead.z_discount
        discount = min(max(discount, 0.0), deals.discount_max)
        win_logit = (
            logit(lead.quality)
            - deals.win_rep_weight * (1.0 - owner.effectiveness)
            + deals.win_discount_weight * discount
            + deals.win_logit_offset
            + self._win_bonus
        )
        won = lead.u_win < logistic(win_logit)
        if won:
            if self._size_of_z is None:
                size = math.exp(deals.deal_size_sigma * lead.z_size - 0.5 * deals.deal_size_sigma**2)
            else:
                size = self._size_of_z(lead.z_size)
            value = deals.list_price_usd * size * (1.0 - discount)
            c.wins += 1
            c.bookings_usd += value
            owner.bookings_usd += value
            owner.year_bookings_usd += value
            c.discount_sum += discount
            c.carried_wins += carried
            self.on_win(lead, value, discount)
        else:
            c.losses += 1
            c.carried_losses += carried
        log = self.log
        if log is not None:
            row = lead.row
            log.closed_at[row] = self.env.now
            log.won[row] = won
            log.outcome[row] = WON if won else LOST
            if won:
                log.value[row] = value
                log.discount[row] = discount

    # -- the warm start --------------------------------------------------------------------
    def open_pipeline(self) -> list[OpenDeal]:
        """A warm-up run's open opportunities, in closing order: (lead, close, touch, opportunity) times."""
        assert self._open is not None, "only a warm-up run keeps its pipeline"
        return sorted(self._open.values(), key=lambda item: item[1])

    def carry_in(self, pipeline: list[OpenDeal], warm_days: float, owner: Callable[[int], Any]) -> None:
        """Open deals from before time 0: they close (and book) in this run, but are not leads
        of this run (their times are negative, shifted by the warm-up length). ``owner(id)``
        is this run's rep with the id of the warm-up's owner (the same people)."""
        c, log = self.counters, self.log
        for lead, close, touched_at, opportunity_at in pipeline:
            lead.arrived_at -= warm_days
            lead.owner = owner(lead.owner.id)
            if self._deal_work is not None and lead.deal_demand:
                self._deal_work(lead.deal_demand)
            c.open_opportunities += 1
            c.carried_open += 1
            if log is not None:
                row = lead.row = log.new_row()
                log.source[row] = lead.source
                log.quality[row] = lead.quality
                log.readiness[row] = lead.readiness
                log.score[row] = lead.score
                log.arrived_at[row] = lead.arrived_at
                log.qualified[row] = True
                log.contacted[row] = True
                log.first_touch_at[row] = touched_at - warm_days
                log.opportunity_at[row] = opportunity_at - warm_days
            Call(self.env, close - warm_days, self._close, lead)

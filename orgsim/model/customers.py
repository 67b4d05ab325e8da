"""Customers after the sale: recurring revenue, churn, expansion, delight and referrals.

A won deal becomes a customer (``Pipeline.on_win``): its ARR is the deal's value less the
one-off part ``customers.one_off_share``, which is recognised at the win. Each customer churns
with a proportional hazard

    h_i(t) = h0 * exp(b_fit (q_ref - q_i) + b_disc (d_i - d_ref) - b_size log(s_i) - b_delight (D(t) - D_ref))

(fit ``q_i``, discount ``d_i``, account size ``s_i`` fixed at the win; delight ``D`` a slow
stock), by inversion of its cumulative hazard: at the win it draws a unit exponential clock
``E_i``, and it churns at the instant ``integral of h_i`` reaches ``E_i``. With a hazard constant
between day steps this is exact, whatever the steps, so a constant-hazard cohort survives to
``t`` with probability ``exp(-h t)``. Surviving customers' ARR grows at
``expansion_per_year x D / D_ref`` a year; active customers refer leads at
``referrals_per_customer_per_year x D / D_ref`` a year each (:class:`ReferralLeads`). Revenue is
recognised as ARR accrues, day by day. All of it is per-day numpy over the active customers in
preallocated arrays that double when full: no SimPy event per customer.

The installed base at time 0 (``customers.initial_base = "steady_state"``) is drawn from the
company's past: the deals won over ``customers.base_years`` before time 0 (a Poisson process whose
rate the plan's prior-year bookings set, falling going back at the plan's growth), each kept if
its clock outlasted its cumulative hazard at its age (delight at its reference in the past), with
the ARR its expansion gave it. The equations are in docs/model.md, section 7.25.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from orgsim.config.customers import DELIGHT_STOCKS, past_wins
from orgsim.model.arrivals import ArrivalProfile
from orgsim.model.batch import FOLLOW_UP_HOURS, QUALITY, READINESS, ROWS, TIME, DayBatch, beta_params
from orgsim.model.outcomes import REFERRAL
from orgsim.model.pipeline import size_quantile

if TYPE_CHECKING:
    import simpy

    from orgsim.config import Customers, Deals, Leadership, Mechanisms, Scenario
    from orgsim.model.batch import Lead
    from orgsim.model.calendar import WorkCalendar
    from orgsim.model.recorder import Counters

#: Days in the year that rates "per year" and ARR are measured over.
YEAR_DAYS = 365.0
#: The most rows the installed base at time 0 is drawn as; a larger base is drawn as this many
#: rows, each standing for an equal share of its customers (``count``), so that memory and time
#: stay bounded whatever the plan's bookings over the list price (a default base is ~1,000 rows).
MAX_BASE_ROWS = 100_000
#: The most past wins the installed base is drawn from (a bound for absurd inputs only: a plan
#: of 1e12 USD at a list price near 0).
MAX_PAST_WINS = 1e12
#: The most referral leads a day, on average: the ceiling of ``inbound.base_rate_per_day`` (a bound
#: for absurd installed bases only; the default base refers about two a day).
MAX_REFERRALS_PER_DAY = 1e5
#: The largest log-hazard multiplier: exp(700) is finite, so a hazard is never inf or NaN.
_MAX_LOG_REL = 700.0
#: The smallest account size the size effect sees (log(0) would be -inf).
_MIN_SIZE = 1e-300
#: The smallest churn clock: a unit exponential is 0 with probability 2^-53, which would make a
#: customer with no hazard churn at once (0 >= 0).
_MIN_CLOCK = np.finfo(float).tiny


class InstalledBase:
    """Columns of the installed base at time 0: won at ``-age``, ARR (of all the customers a row
    stands for), hazard per day, clock, cumulative hazard and customers per row (:func:`installed_base`)."""

    def __init__(self, won_at: np.ndarray, arr: np.ndarray, hazard: np.ndarray, clock: np.ndarray, cum: np.ndarray, count: np.ndarray):
        self.won_at, self.arr, self.hazard, self.clock, self.cum, self.count = won_at, arr, hazard, clock, cum, count

    def __len__(self) -> int:
        return len(self.won_at)


def installed_base(
    params: Customers, deals: Deals, leadership: Leadership, mechanisms: Mechanisms, rng: np.random.Generator
) -> InstalledBase:
    """The customers at time 0: the survivors of the deals won over ``params.base_years``.

    Past wins are Poisson with rate ``lambda(a) = lambda0 exp(-gamma a)`` at age ``a`` (days
    before time 0), ``gamma = log(1 + max(plan_growth, 0)) / 365``, and ``lambda0`` such that
    the last year's wins times the mean deal value ``list_price x (1 - discount_mean)`` equal
    ``plan_prior_bookings_usd``. Each has an account size from the deal-size family, the mean
    discount, the reference fit and the reference delight; it is kept if its churn clock
    exceeds its hazard times its age, with its ARR grown by its age's expansion. Draws, in
    order: the count, the ages (uniforms), the sizes (normals), the clocks (exponentials). More
    than :data:`MAX_BASE_ROWS` past wins are drawn as that many rows of equal ``count``."""
    expected = past_wins(params, deals.list_price_usd, deals.discount_mean, leadership.plan_prior_bookings_usd, leadership.plan_growth)
    wins = int(rng.poisson(min(expected, MAX_PAST_WINS))) if expected > 0 else 0
    n = min(wins, MAX_BASE_ROWS)
    per_row = wins / n if n else 1.0
    span = params.base_years * YEAR_DAYS
    gamma = math.log1p(max(leadership.plan_growth, 0.0)) / YEAR_DAYS
    u = rng.random(n)
    ages = -np.log1p(u * math.expm1(-gamma * span)) / gamma if gamma > 0 else u * span
    z = rng.standard_normal(n)
    if deals.deal_size_family == "lognormal":
        sigma = deals.deal_size_sigma
        sizes = np.exp(sigma * z - 0.5 * sigma**2)
    else:
        size_of = size_quantile(deals)
        sizes = np.array([size_of(x) for x in z.tolist()], dtype=float)
    clocks = np.maximum(rng.standard_exponential(n), _MIN_CLOCK)
    discount = deals.discount_mean
    log_size = np.log(np.maximum(sizes, _MIN_SIZE))
    log_rel = params.discount_churn_weight * (discount - params.discount_reference) - params.size_churn_elasticity * log_size
    h0 = params.churn_hazard_per_year / YEAR_DAYS if mechanisms.customer_churn else 0.0
    hazard = h0 * np.exp(np.minimum(log_rel, _MAX_LOG_REL))
    cum = hazard * ages
    kept = cum < clocks
    growth = math.log1p(params.expansion_per_year) / YEAR_DAYS if mechanisms.expansion else 0.0
    arr = per_row * deals.list_price_usd * sizes[kept] * (1.0 - discount) * (1.0 - params.one_off_share) * np.exp(growth * ages[kept])
    return InstalledBase(-ages[kept], arr, hazard[kept], clocks[kept], cum[kept], np.full(len(arr), per_row))


class CustomerBase:
    """The active customers: their ARR, churn clocks and cumulative hazards in preallocated
    columns (rows ``[:n]``, compacted when customers churn, so a day's work is a few numpy
    operations on slices), delight, and the counters ``customers``, ``arr_usd``, ``delight``
    (levels) and ``new_customers``, ``churned_customers``, ``revenue_usd``, ``expansion_usd``,
    ``churned_arr_usd`` (flows).

    :meth:`on_win` adds a customer (the pipeline's win hook); :meth:`catch_up` brings churn,
    expansion and revenue up to now (each day step and before each snapshot); :meth:`start_day`
    updates delight and the day's referral rate; :meth:`retention` gives NRR and GRR over the
    run's last year. ``churn_rng`` draws each new customer's clock (stream ``customers``)."""

    #: Float columns; ``ids`` (ascending: rows are appended in id order and compaction keeps the order) is the other.
    _COLUMNS = ("won_at", "arr", "hazard", "clock", "cum", "count")
    _DTYPES: tuple[tuple[str, type], ...] = (*((name, np.float64) for name in _COLUMNS), ("ids", np.int64))

    def __init__(
        self,
        counters: Counters,
        params: Customers,
        mechanisms: Mechanisms,
        *,
        env: simpy.Environment,
        list_price_usd: float,
        horizon_days: float,
        churn_rng: np.random.Generator,
        base: InstalledBase | None = None,
    ):
        self.env = env
        self.counters = counters
        self.params = params
        self._rng = churn_rng
        self._list_price = list_price_usd
        self._h0 = params.churn_hazard_per_year / YEAR_DAYS if mechanisms.customer_churn else 0.0
        self._expansion = params.expansion_per_year if mechanisms.expansion else 0.0
        self._delight_acts = mechanisms.delight_effect
        weights = params.delight_weights()
        total = sum(weights)
        self._weights = [(stock, w / total) for stock, w in zip(DELIGHT_STOCKS, weights, strict=True) if w > 0]
        self._delight_step = 1.0 - params.delight_weekly_retention ** (1.0 / 7.0)
        self.delight = params.delight_reference
        self._started = False
        self.referrals: ReferralLeads | None = None
        self.t = 0.0  # churn, expansion and revenue are accounted up to here
        self.n = self.capacity = self._next_id = 0
        # The sums of ``count[:n]`` and ``arr[:n]`` as last computed (None: the columns changed
        # since). Summing the same array again gives the same bits, so a sum is only recomputed
        # after a win, a churn or expansion; most days no customer is won or lost.
        self._count_sum: float | None = None
        self._arr_sum: float | None = None
        # Rows ``[:_settled]`` were won by ``self.t`` (each customer's exposure over the next
        # step is the whole step); ``_won_max`` bounds every row's ``won_at`` from above. Rows
        # are appended in the order they are won, so after a step to ``t`` every row is settled
        # unless a row was won after ``t`` (only at the retention mark).
        self._settled = 0
        self._won_max = -math.inf
        self._filled_array = np.empty(0)  # see _filled
        self._allocate(max(1024, 2 * (len(base) if base is not None else 0)))
        self.mark_at = horizon_days - YEAR_DAYS  # the start of the retention year (NaN retention if < 0)
        self._mark: tuple[np.ndarray, np.ndarray] | None = None  # the retention cohort's ids and ARR then
        if base is not None and len(base):
            self._load(base)

    # -- columns ---------------------------------------------------------------------------
    def _allocate(self, capacity: int) -> None:
        """The columns with room for ``capacity`` customers (the active rows copied over)."""
        n = self.n
        for name, dtype in self._DTYPES:
            column = np.empty(capacity, dtype=dtype)
            if n:
                column[:n] = getattr(self, name)[:n]
            setattr(self, name, column)
        self.capacity = capacity

    def _load(self, base: InstalledBase) -> None:
        n = len(base)
        for name in self._COLUMNS:
            getattr(self, name)[:n] = getattr(base, name)
        self.ids[:n] = np.arange(n)
        self.n = self._next_id = n
        self._count_sum = self._arr_sum = None
        self._won_max = max(self._won_max, float(base.won_at.max()))
        self.counters.customers = self._customers()
        self.counters.arr_usd = self._arr()

    def _customers(self) -> float:
        """``count[:n].sum()``, from the cache while the columns are unchanged."""
        if self._count_sum is None:
            self._count_sum = float(self.count[: self.n].sum())
        return self._count_sum

    def _arr(self) -> float:
        """``arr[:n].sum()``, from the cache while the columns are unchanged."""
        if self._arr_sum is None:
            self._arr_sum = float(self.arr[: self.n].sum())
        return self._arr_sum

    # -- a new customer --------------------------------------------------------------------
    def on_win(self, lead: Lead, value: float, discount: float) -> None:
        """A deal booked at the current time: a new customer (its one-off part is revenue now)."""
        p, c = self.params, self.counters
        one_off = value * p.one_off_share
        list_value = self._list_price * (1.0 - discount)
        size = max(value / list_value, _MIN_SIZE) if list_value > 0.0 else 1.0
        log_rel = (
            p.fit_churn_weight * (p.fit_reference - lead.quality)
            + p.discount_churn_weight * (discount - p.discount_reference)
            - p.size_churn_elasticity * math.log(size)
        )
        if self.n == self.capacity:
            self._allocate(2 * self.capacity)
        row = self.n
        now = self.env.now
        self.won_at[row] = now
        if now > self._won_max:
            self._won_max = now
        self.arr[row] = value - one_off
        self.hazard[row] = self._h0 * math.exp(min(log_rel, _MAX_LOG_REL))
        self.clock[row] = max(float(self._rng.standard_exponential()), _MIN_CLOCK)
        self.cum[row] = 0.0
        self.count[row] = 1.0
        self.ids[row] = self._next_id
        self._next_id += 1
        self.n = row + 1
        self._count_sum = self._arr_sum = None
        c.new_customers += 1
        c.revenue_usd += one_off

    # -- the passage of time ---------------------------------------------------------------
    def catch_up(self) -> None:
        """Churn, expansion and revenue up to now (and the retention year's start, if passed)."""
        now = self.env.now
        if self._mark is None and 0.0 <= self.mark_at <= now:
            self._advance(self.mark_at)
            self._take_mark()
        self._advance(now)

    def _advance(self, t: float) -> None:
        """Account ``[self.t, t]`` for the active customers at today's delight."""
        start, n, c = self.t, self.n, self.counters
        if t > start and n:
            # each row's exposure is t - max(won_at, start), at least 0 (a row won after t, only at
            # the retention mark, waits): the whole step for the settled rows, computed for the rest
            settled = self._settled
            step = t - start
            arr, cum, clock = self.arr[:n], self.cum[:n], self.clock[:n]  # views: written in place
            hazard = self.hazard[:n] * self._hazard_factor()
            exposure: np.ndarray | float
            if settled == n:  # every row is exposed the whole step (most days: nobody won since)
                exposure = step  # a scalar: the same products, sums and exponentials as a filled array
                cum_after = cum + (hazard if step == 1.0 else hazard * step)  # x * 1.0 == x
            else:
                exposure = np.empty(n)
                exposure[:settled] = step
                np.maximum(t - np.maximum(self.won_at[settled:n], start), 0.0, out=exposure[settled:])
                cum_after = cum + hazard * exposure
            churned = cum_after >= clock
            any_churn = bool(churned.any())
            if any_churn:  # the churn instant: where the cumulative hazard reaches the clock
                if not isinstance(exposure, np.ndarray):
                    exposure = np.full(n, step, dtype=np.float64)  # step may be an int (times are ints at first)
                exposure[churned] = (clock[churned] - cum[churned]) / hazard[churned]
            # np.dot: the same BLAS ddot as @, with less overhead (over an array of the exposures)
            c.revenue_usd += float(np.dot(arr, exposure if isinstance(exposure, np.ndarray) else self._filled(n, step))) / YEAR_DAYS
            rate = self._expansion_rate()
            if rate > 0.0:
                before = self._arr()  # arr.sum(): arr is the view arr[:n]
                arr *= np.exp(rate * exposure)
                self._arr_sum = after = float(arr.sum())
                c.expansion_usd += after - before
            cum[:] = cum_after
            if any_churn:
                self._churn(churned)
        self.t = max(start, t)
        self._settled = self.n if self._won_max <= self.t else 0
        c.customers = self._customers()
        c.arr_usd = self._arr()

    def _filled(self, n: int, value: float) -> np.ndarray:
        """``np.full(n, value)``, kept while ``value`` is the same (a whole day's step, most days)."""
        filled = self._filled_array
        if len(filled) < n or filled[0] != value:
            filled = self._filled_array = np.full(max(n, 2 * len(filled)), value, dtype=np.float64)
        return filled[:n]

    def _churn(self, churned: np.ndarray) -> None:
        """Count the churned rows out and compact the columns (the order, so the ids' order, is kept)."""
        n, c = self.n, self.counters
        c.churned_customers += float(self.count[:n][churned].sum())
        c.churned_arr_usd += float(self.arr[:n][churned].sum())
        keep = ~churned
        k = int(np.count_nonzero(keep))
        for name, _ in self._DTYPES:
            column = getattr(self, name)
            column[:k] = column[:n][keep]
        self.n = k
        self._count_sum = self._arr_sum = None

    def _hazard_factor(self) -> float:
        """Delight's multiplier of every hazard (1 at the reference, or with ``delight_effect`` off)."""
        if not self._delight_acts:
            return 1.0
        return math.exp(-self.params.delight_churn_weight * (self.delight - self.params.delight_reference))

    def _delight_ratio(self) -> float:
        """Delight over its reference: the multiplier of expansion and referrals (1 with ``delight_effect`` off)."""
        return self.delight / self.params.delight_reference if self._delight_acts else 1.0

    def _expansion_rate(self) -> float:
        """Today's continuous expansion rate per day, ``log(1 + g) / 365``."""
        return math.log1p(self._expansion * self._delight_ratio()) / YEAR_DAYS if self._expansion else 0.0

    def start_day(self, day: int, effect: Mapping[str, float]) -> None:
        """The day step: churn, expansion and revenue up to today, then today's delight (its
        steady state on the first day) and referral rate."""
        self.catch_up()
        feed = sum(w * effect[stock] for stock, w in self._weights)
        if self._started:
            self.delight += self._delight_step * (feed - self.delight)
        else:  # time 0: the steady state of the stocks' effects as they stand
            self.delight, self._started = feed, True
        self.counters.delight = self.delight
        if self.referrals is not None:
            per_year = self.params.referrals_per_customer_per_year * self.counters.customers * self._delight_ratio()
            self.referrals.rate_per_day = per_year / YEAR_DAYS

    # -- retention -------------------------------------------------------------------------
    def _take_mark(self) -> None:
        """The retention cohort: the customers active at the start of the run's last year, and their ARR then."""
        n = self.n
        cohort = self.won_at[:n] <= self.mark_at
        self._mark = (self.ids[:n][cohort], self.arr[:n][cohort])

    def retention(self) -> dict[str, float]:
        """Net and gross revenue retention over the run's last 365 days (call at the end).

        NRR = ARR now of the customers active a year before the end / their ARR then; GRR the
        same with each customer's ARR now capped at its ARR then (no expansion), so at most 1.
        NaN when the run is shorter than a year or nobody was a customer a year before the end."""
        nan = {"net_revenue_retention": math.nan, "gross_revenue_retention": math.nan}
        if self._mark is None:
            return nan
        cohort, then = self._mark
        total = float(then.sum())
        if not total > 0.0:
            return nan
        n = self.n
        ids = self.ids[:n]
        where = np.minimum(np.searchsorted(ids, cohort), max(n - 1, 0))
        alive = (ids[where] == cohort) if n else np.zeros(len(cohort), dtype=bool)
        now = np.where(alive, self.arr[where] if n else 0.0, 0.0)
        return {
            "net_revenue_retention": float(now.sum()) / total,
            "gross_revenue_retention": float(np.minimum(now, then).sum()) / total,
        }


class ReferralLeads:
    """Referral leads: active customers refer new buyers, who enter the lead flow like inbound
    leads (scored, handed off or nurtured), with their own quality and source ``referral``.

    Each day's count is Poisson with mean ``rate_per_day`` (set by :meth:`CustomerBase.start_day`)
    times the day's share of the week's arrivals (:class:`~orgsim.model.arrivals.ArrivalProfile`,
    as inbound); their times, quality (Beta), readiness (the inbound Beta) and every downstream
    draw come from the one stream ``referrals``, so no other stream's draws change."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator, calendar: WorkCalendar):
        self.rng = rng
        self.rate_per_day = 0.0
        self.profile = ArrivalProfile(calendar, scenario.inbound.working_hours_share)
        params, leads, sales = scenario.customers, scenario.leads, scenario.sales
        self.quality_beta = beta_params(params.referral_quality_mean, params.referral_quality_concentration)
        self.readiness_beta = beta_params(leads.readiness_mean, leads.readiness_concentration)
        cv = sales.follow_up_hours_cv
        self.follow_up_shape, self.follow_up_scale = 1.0 / (cv * cv), sales.follow_up_hours_mean * cv * cv
        # the downstream rows: standard normals (z_*) and uniforms (u_*); the rest are drawn by name below
        self._normal_rows = [i for i, name in enumerate(ROWS) if name.startswith("z_")]
        self._uniform_rows = [i for i, name in enumerate(ROWS) if name.startswith("u_")]
        named = {TIME, QUALITY, READINESS, FOLLOW_UP_HOURS}
        uncovered = set(range(len(ROWS))) - named - set(self._normal_rows) - set(self._uniform_rows)
        assert not uncovered, f"referral leads do not draw the rows {[ROWS[i] for i in sorted(uncovered)]}"

    def add_to(self, day: int, inbound: DayBatch) -> DayBatch:
        """The day's inbound batch with the day's referral leads merged in, in arrival order."""
        rate = min(self.rate_per_day, MAX_REFERRALS_PER_DAY) * self.profile.mass(day)
        if not rate > 0.0:
            return inbound
        rng = self.rng
        n = int(rng.poisson(rate))
        if n == 0:
            return inbound
        v = np.empty((len(ROWS), n))
        times = v[TIME]
        rng.random(out=times)
        times.sort()
        self.profile.place(day, times)
        times += day
        v[QUALITY] = rng.beta(*self.quality_beta, n)
        v[READINESS] = rng.beta(*self.readiness_beta, n)
        v[self._normal_rows] = rng.standard_normal((len(self._normal_rows), n))
        v[self._uniform_rows] = rng.random((len(self._uniform_rows), n))
        v[FOLLOW_UP_HOURS] = rng.gamma(self.follow_up_shape, self.follow_up_scale, n)
        merged = DayBatch(
            np.concatenate([inbound.source, np.full(n, REFERRAL, dtype=np.int8)]), np.concatenate([inbound.values, v], axis=1)
        )
        return merged.select(np.argsort(merged.values[TIME], kind="stable"))

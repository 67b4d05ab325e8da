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
recognised as ARR accrues, day by day. A day's step costs the same whatever the number of
customers, unless somebody churns (:class:`CustomerBase`); no SimPy event per customer.

The installed base at time 0 (``customers.initial_base = "steady_state"``) is drawn from the
company's past: the deals won over ``customers.base_years`` before time 0 (a Poisson process whose
rate the plan's prior-year bookings set, falling going back at the plan's growth), each kept if
its clock outlasted its cumulative hazard at its age (delight at its reference in the past), with
the ARR its expansion gave it. The equations are in docs/model.md, section 7.25.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from orgsim.config.customers import DELIGHT_STOCKS, past_wins
from orgsim.model.arrivals import ArrivalProfile
from orgsim.model.batch import FOLLOW_UP_HOURS, QUALITY, READINESS, ROWS, TIME, DayBatch, Lead, beta_params, make_leads
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
#: The integral of the expansion rate past which it is folded into the base ARR (exp(50) ~ 5e21,
#: far from overflow; at 10% a year it takes five centuries).
_REBASE_R = 50.0
#: Churned rows are compacted away once they are more than ``_MIN_COMPACT`` and than
#: ``_COMPACT_SHARE`` of the rows in use (so compaction's O(rows) work is amortised over churns).
_MIN_COMPACT = 64
_COMPACT_SHARE = 0.5


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


def _thresholds(left: np.ndarray, hazard: np.ndarray) -> np.ndarray:
    """``left / hazard`` (the integral of the delight factor from time 0 at which each row churns), inf where the hazard is 0."""
    out = np.full(len(hazard), math.inf)
    with np.errstate(over="ignore"):
        np.divide(left, hazard, out=out, where=hazard > 0.0)
    return out


class CustomerBase:
    """The active customers: their ARR and churn thresholds in preallocated columns, delight,
    and the counters ``customers``, ``arr_usd``, ``delight`` (levels) and ``new_customers``,
    ``churned_customers``, ``revenue_usd``, ``expansion_usd``, ``churned_arr_usd`` (flows).

    Between day steps every customer's hazard is its own constant ``h_i`` times the same delight
    factor ``f``, and every ARR grows at the same rate ``r``. So the base keeps two running
    integrals, ``G`` of the delight factor and ``R`` of the expansion rate, and per customer a
    churn threshold on ``G`` (``G`` at the start of its exposure plus its clock left over
    ``h_i``) and its ARR over ``exp(R)``. A customer churns when ``G`` reaches its threshold, the
    instant its cumulative hazard reaches its clock, and its ARR is ``base_arr_i exp(R)``. The
    thresholds wait in a heap, so a day costs a few float operations on sums, and each churn a
    heap pop and a look-up, however many the customers (docs/model.md, 7.25).

    Rows ``[:n]`` are in use, in the order customers were won (``ids`` ascending); a churned
    row is emptied (``count`` 0) and the columns are compacted once half the rows are empty.
    :meth:`active_ids` lists the active customers.

    :meth:`on_win` adds a customer (the pipeline's win hook); :meth:`catch_up` brings churn,
    expansion and revenue up to now (each day step and before each snapshot); :meth:`start_day`
    updates delight and the day's referral rate; :meth:`retention` gives NRR and GRR over the
    run's last year. ``churn_rng`` draws each new customer's clock (stream ``customers``)."""

    #: Float columns; ``ids`` is the other. A row won since the last step (``[settled:n]``)
    #: holds its ARR at the win in ``base_arr`` and its clock in ``threshold`` until the step
    #: that reaches its win settles it.
    _COLUMNS = ("won_at", "base_arr", "hazard", "threshold", "count")
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
        self._settled = 0  # rows [:_settled] were won by self.t; the rest since (see _COLUMNS)
        self._empty = 0  # churned rows not yet compacted away
        self._g = 0.0  # the integral of the delight factor up to self.t
        self._r = 0.0  # the integral of the expansion rate up to self.t (rebased, see _rebase)
        self._grow = 1.0  # exp(self._r)
        self._base_sum = 0.0  # base_arr[:_settled].sum()
        self._count_sum = 0.0  # count[:n].sum(): the active customers
        self._heap: list[tuple[float, int]] = []  # (threshold, id) of every settled customer who can churn
        self._allocate(max(1024, 2 * (len(base) if base is not None else 0)))
        self.mark_at = horizon_days - YEAR_DAYS  # the start of the retention year (NaN retention if < 0)
        self._mark: tuple[np.ndarray, np.ndarray] | None = None  # the retention cohort's ids and ARR then
        if base is not None and len(base):
            self._load(base)

    # -- columns ---------------------------------------------------------------------------
    def _allocate(self, capacity: int) -> None:
        """The columns with room for ``capacity`` rows (the rows in use copied over)."""
        n = self.n
        for name, dtype in self._DTYPES:
            column = np.empty(capacity, dtype=dtype)
            if n:
                column[:n] = getattr(self, name)[:n]
            setattr(self, name, column)
        self.capacity = capacity

    def _load(self, base: InstalledBase) -> None:
        """The installed base at time 0: every row settled, its threshold its clock left over its hazard."""
        n = len(base)
        self.won_at[:n] = base.won_at
        self.base_arr[:n] = base.arr
        self.hazard[:n] = base.hazard
        self.count[:n] = base.count
        thresholds = _thresholds(base.clock - base.cum, base.hazard)
        self.threshold[:n] = thresholds
        self.ids[:n] = np.arange(n)
        self.n = self._next_id = self._settled = n
        can_churn = np.isfinite(thresholds)
        self._heap = list(zip(thresholds[can_churn].tolist(), np.flatnonzero(can_churn).tolist(), strict=True))
        heapq.heapify(self._heap)
        self._sums()
        self.counters.customers = self._count_sum
        self.counters.arr_usd = self._base_sum

    def _sums(self) -> None:
        """The cached sums, from the columns (at the installed base and after a compaction)."""
        self._base_sum = float(self.base_arr[: self._settled].sum())
        self._count_sum = float(self.count[: self.n].sum())

    def _compact(self) -> None:
        """Drop the churned rows (the order, so the ids' order, is kept)."""
        n, s = self.n, self._settled
        keep = self.count[:n] > 0.0
        k = int(np.count_nonzero(keep))
        for name, _ in self._DTYPES:
            column = getattr(self, name)
            column[:k] = column[:n][keep]
        self._settled = s - int(np.count_nonzero(~keep[:s]))
        self.n, self._empty = k, 0
        self._sums()

    def active_ids(self) -> np.ndarray:
        """The active customers' ids, in the order they were won."""
        n = self.n
        return self.ids[:n][self.count[:n] > 0.0]

    def arr(self) -> np.ndarray:
        """ARR of each row in use as of the last step (a new array; a row won since at its win, a churned one 0)."""
        out = self.base_arr[: self.n].copy()
        out[: self._settled] *= self._grow
        return out

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
        self.won_at[row] = self.env.now
        self.base_arr[row] = value - one_off  # its ARR at the win until settled
        self.hazard[row] = self._h0 * math.exp(min(log_rel, _MAX_LOG_REL))
        self.threshold[row] = max(float(self._rng.standard_exponential()), _MIN_CLOCK)  # its clock until settled
        self.count[row] = 1.0
        self.ids[row] = self._next_id
        self._next_id += 1
        self.n = row + 1
        self._count_sum += 1.0
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
        """Account ``[self.t, t]`` at today's delight: settle the rows won in it, then revenue and
        expansion from sums (each customer from the later of the step's start and its win), then
        the churned customers, each from its heap entry: its revenue and expansion stop at its
        churn instant."""
        start, c = self.t, self.counters
        if t > start:
            step = t - start
            factor, rate = self._hazard_factor(), self._expansion_rate()
            g0, r0 = self._g, self._r
            g1 = g0 + factor * step
            r1 = r0 + rate * step
            arr_start = self._base_sum * self._grow  # the rows settled before the step, at its start
            revenue, arr_begin = arr_start * step, arr_start
            for into, at_win in self._settle(start, t, factor, rate):  # the rows won in the step, from their win
                revenue += at_win * (step - into)
                arr_begin += at_win
            heap = self._heap
            churned_arr = 0.0
            if factor > 0.0 and heap and heap[0][0] <= g1:
                ids = self.ids[: self.n]
                count, base_arr, won_at = self.count, self.base_arr, self.won_at
                while heap and heap[0][0] <= g1:
                    threshold, customer = heapq.heappop(heap)
                    row = int(ids.searchsorted(customer))
                    into = max(float(won_at[row]) - start, 0.0)
                    base = float(base_arr[row])
                    at_entry = base * math.exp(r0 + rate * into)
                    exposure = min(max((threshold - g0) / factor - into, 0.0), step - into)
                    revenue -= at_entry * (step - into - exposure)  # the sums counted the whole step
                    at_churn = at_entry * math.exp(rate * exposure)
                    churned_arr += at_churn
                    c.churned_customers += float(count[row])
                    self._count_sum -= float(count[row])
                    self._base_sum -= base
                    count[row] = base_arr[row] = 0.0
                    self._empty += 1
                c.churned_arr_usd += churned_arr
            c.revenue_usd += revenue / YEAR_DAYS
            grow = math.exp(r1)
            if rate > 0.0:
                c.expansion_usd += self._base_sum * grow + churned_arr - arr_begin
            self._g, self._r, self._grow, self.t = g1, r1, grow, t
            if r1 > _REBASE_R:
                self._rebase()
            if self._empty > _MIN_COMPACT and self._empty > _COMPACT_SHARE * self.n:
                self._compact()
        c.customers = self._count_sum
        c.arr_usd = self._base_sum * self._grow
        if self._settled < self.n:  # rows won after t (at the retention mark): at their win
            c.arr_usd += float(self.base_arr[self._settled : self.n].sum())

    def _settle(self, start: float, t: float, factor: float, rate: float) -> list[tuple[float, float]]:
        """Rows won in ``(start, t]``: their thresholds (into the heap) and base ARR in the
        integrals' terms (rows won after ``t``, only at the retention mark, wait). Returns each
        one's time into the step at its win and its ARR then."""
        row, n, won_at = self._settled, self.n, self.won_at
        settled: list[tuple[float, float]] = []
        while row < n and won_at[row] <= t:
            into = max(float(won_at[row]) - start, 0.0)
            h, clock, at_win = float(self.hazard[row]), float(self.threshold[row]), float(self.base_arr[row])
            if h > 0.0:
                threshold = self._g + factor * into + clock / h
                heapq.heappush(self._heap, (threshold, int(self.ids[row])))
            else:
                threshold = math.inf
            self.threshold[row] = threshold
            base = at_win / math.exp(self._r + rate * into)
            self.base_arr[row] = base
            self._base_sum += base
            settled.append((into, at_win))
            row += 1
        self._settled = row
        return settled

    def _rebase(self) -> None:
        """Fold ``exp(R)`` into the settled rows' base ARR (R = 0 again), long before it could overflow."""
        self.base_arr[: self._settled] *= self._grow
        self._r, self._grow = 0.0, 1.0
        self._sums()

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
        cohort = (self.won_at[:n] <= self.mark_at) & (self.count[:n] > 0.0)
        self._mark = (self.ids[:n][cohort], self.arr()[cohort])

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
        alive = ((ids[where] == cohort) & (self.count[where] > 0.0)) if n else np.zeros(len(cohort), dtype=bool)
        now = np.where(alive, self.arr()[where] if n else 0.0, 0.0)
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

    def count(self, day: int) -> int:
        """How many referral leads arrive on ``day`` (Poisson); draw them with :meth:`batch` or :meth:`leads`."""
        rate = min(self.rate_per_day, MAX_REFERRALS_PER_DAY) * self.profile.mass(day)
        return int(self.rng.poisson(rate)) if rate > 0.0 else 0

    def _draw(self, n: int) -> tuple[np.ndarray, ...]:
        """The draws of ``n`` leads, each stream call in the same order whatever they become:
        their sorted uniform times (to place in the day), quality, readiness, the standard
        normals of the ``z_*`` rows and the uniforms of the ``u_*`` rows (one row each), and
        their follow-up hours."""
        rng = self.rng
        u = rng.random(n)
        u.sort()
        quality = rng.beta(*self.quality_beta, n)
        readiness = rng.beta(*self.readiness_beta, n)
        normals = rng.standard_normal((len(self._normal_rows), n))
        uniforms = rng.random((len(self._uniform_rows), n))
        return u, quality, readiness, normals, uniforms, rng.gamma(self.follow_up_shape, self.follow_up_scale, n)

    def batch(self, day: int, n: int) -> DayBatch:
        """The day's ``n`` referral leads as a batch, unscored (the score row holds the noise
        draw, as a drawn inbound batch's), in arrival order."""
        times, quality, readiness, normals, uniforms, hours = self._draw(n)
        self.profile.place(day, times)
        times += day
        v = np.empty((len(ROWS), n))
        v[TIME], v[QUALITY], v[READINESS], v[FOLLOW_UP_HOURS] = times, quality, readiness, hours
        v[self._normal_rows] = normals
        v[self._uniform_rows] = uniforms
        return DayBatch(np.full(n, REFERRAL, dtype=np.int8), v)

    def leads(self, day: int, n: int) -> list[Lead]:
        """The same leads as :meth:`batch` would be, from the same draws, as ``Lead`` objects
        (no log rows), built in Python floats: for a few, cheaper than a batch (numpy's calls
        cost more than the arithmetic on so few), with the same bits."""
        u, quality, readiness, normals, uniforms, hours = self._draw(n)
        rows: list[Any] = [None] * len(ROWS)
        rows[TIME] = [day + t for t in self.profile.place_few(day, u.tolist())]  # day + t: the bits of times += day
        rows[QUALITY], rows[READINESS], rows[FOLLOW_UP_HOURS] = quality.tolist(), readiness.tolist(), hours.tolist()
        for i, row in zip(self._normal_rows, normals.tolist(), strict=True):
            rows[i] = row
        for i, row in zip(self._uniform_rows, uniforms.tolist(), strict=True):
            rows[i] = row
        return make_leads(zip(*rows, strict=True), [REFERRAL] * n, [0] * n)

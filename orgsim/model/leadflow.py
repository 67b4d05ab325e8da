"""Lead generation: inbound arrivals (MODEL.md 3.1) and outbound prospecting (3.2).

Arrivals are drawn one day at a time, in batches from the named streams:

* **Inbound** is a non-homogeneous Poisson process with a rate that is constant within a day.
  Candidates are drawn from a homogeneous process at the rate's upper bound and thinned with
  a uniform per candidate. Every candidate carries its own quality, readiness, score noise and
  downstream uniforms whether or not it is accepted, so two runs that differ only in the rate
  (for example through brand) share the same candidates: the run with the higher rate sees a
  superset of the other's leads, each with the same luck (common random numbers).
* **Outbound** leads are sourced by reps in their prospecting time on working days, with lower
  mean quality; a rep touches them at once, so they suffer no response-delay decay.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from orgsim.config.scenario import Scenario
from orgsim.model.recorder import CHANNEL, OUTBOUND
from orgsim.model.streams import Streams


class Lead:
    """One lead in flight. Attributes are plain floats; finished leads are dropped."""

    __slots__ = (
        "arrived_at",
        "follow_up_days",
        "quality",
        "queued_at",
        "readiness",
        "recycle_days",
        "row",
        "score",
        "source",
        "u_contact",
        "u_ignore",
        "u_qualify",
        "u_recycle",
        "u_win",
        "z_cycle",
        "z_discount",
        "z_rescore",
        "z_size",
    )


#: The rows of ``DayBatch.values``: arrival time, quality, readiness, then the downstream draws
#: every candidate carries. A lead's record is one column, in the order of ``Lead``'s floats.
ROWS: tuple[str, ...] = (
    "time",
    "quality",
    "readiness",
    "z_score",
    "z_rescore",
    "u_recycle",
    "u_recycle_delay",
    "u_ignore",
    "follow_up_hours",
    "u_contact",
    "u_qualify",
    "z_cycle",
    "u_win",
    "z_size",
    "z_discount",
)
(
    TIME,
    QUALITY,
    READINESS,
    Z_SCORE,
    Z_RESCORE,
    U_RECYCLE,
    U_RECYCLE_DELAY,
    U_IGNORE,
    FOLLOW_UP_HOURS,
    U_CONTACT,
    U_QUALIFY,
    Z_CYCLE,
    U_WIN,
    Z_SIZE,
    Z_DISCOUNT,
) = range(len(ROWS))


#: Batched per-candidate draws, each from its own stream so that a parameter feeding one
#: distribution (a Beta's shape, a Gamma's shape) never shifts another's draws.
@dataclass
class DayBatch:
    """All leads that arrive in one day: their source codes, and their floats as the rows of
    one 2-D array (``values[U_WIN]`` is every lead's win draw, ``values[:, i]`` lead i's record).

    One array rather than one per attribute so that selecting leads, or copying a few leads'
    records into Python objects, is one numpy call: the number of numpy calls a day costs, not
    the arithmetic, dominates the time per lead (issue 7 profile)."""

    source: np.ndarray  # int8 source codes
    values: np.ndarray  # shape (len(ROWS), n)

    @property
    def times(self) -> np.ndarray:
        return self.values[TIME]

    def select(self, keep: np.ndarray) -> DayBatch:
        """The leads at ``keep`` (a boolean mask or indices)."""
        return DayBatch(self.source[keep], self.values[:, keep])

    def before(self, horizon: float) -> DayBatch:
        """The leads arriving before ``horizon`` (all but on the last day of a run; times are sorted)."""
        times = self.values[TIME]
        if len(times) == 0 or times[-1] < horizon:
            return self
        return self.select(times < horizon)


def beta_params(mean: float, concentration: float) -> tuple[float, float]:
    """Beta shape parameters from a mean and a concentration a + b."""
    return mean * concentration, (1.0 - mean) * concentration


class LeadSource:
    """Draws each day's inbound and outbound leads from the named streams."""

    def __init__(self, scenario: Scenario, streams: Streams):
        self.scenario = scenario
        leads = scenario.leads
        self.inbound_beta = beta_params(leads.inbound_quality_mean, leads.inbound_quality_concentration)
        self.outbound_beta = beta_params(leads.outbound_quality_mean, leads.outbound_quality_concentration)
        self.readiness_beta = beta_params(leads.readiness_mean, leads.readiness_concentration)
        self.channel_beta = beta_params(scenario.growth.channel_quality_mean, scenario.growth.channel_quality_concentration)
        cv = scenario.sales.follow_up_hours_cv
        self.follow_up_shape = 1.0 / (cv * cv)
        self.follow_up_scale = scenario.sales.follow_up_hours_mean * cv * cv
        self.arrivals = streams["inbound_arrivals"]
        self.quality = streams["inbound_quality"]
        self.channel_quality = streams["channel_quality"]
        self.readiness = streams["inbound_readiness"]
        self.scoring = streams["scoring_noise"]
        self.nurture = streams["nurture"]
        self.follow_up = streams["follow_up"]
        self.follow_up_time = streams["follow_up_time"]
        self.contact = streams["contact"]
        self.deal = streams["deal"]
        self.outbound_arrivals = streams["outbound_arrivals"]
        self.outbound_quality = streams["outbound_quality"]
        self.outbound_readiness = streams["outbound_readiness"]
        self._code_arrays: dict[tuple[int, ...], np.ndarray] = {}

    def _attributes(self, v: np.ndarray, rng: np.random.Generator | None) -> None:
        """Downstream draws per candidate, into the rows of ``v``. Outbound leads draw them from their own stream.

        Draws fill the rows in place (``out=``: the same numbers as returning new arrays), in
        the same order on each stream as always, so the draws keep their streams."""
        scoring = rng or self.scoring
        nurture = rng or self.nurture
        follow_up = rng or self.follow_up
        contact = rng or self.contact
        deal = rng or self.deal
        scoring.standard_normal(out=v[Z_SCORE])
        scoring.standard_normal(out=v[Z_RESCORE])
        nurture.random(out=v[U_RECYCLE])
        nurture.random(out=v[U_RECYCLE_DELAY])
        follow_up.random(out=v[U_IGNORE])
        if rng is None:
            v[FOLLOW_UP_HOURS] = self.follow_up_time.gamma(self.follow_up_shape, self.follow_up_scale, v.shape[1])
        else:
            v[FOLLOW_UP_HOURS] = 0.0
        contact.random(out=v[U_CONTACT])
        contact.random(out=v[U_QUALIFY])
        deal.standard_normal(out=v[Z_CYCLE])
        deal.random(out=v[U_WIN])
        deal.standard_normal(out=v[Z_SIZE])
        deal.standard_normal(out=v[Z_DISCOUNT])

    def _codes(self, codes: tuple[int, ...]) -> np.ndarray:
        """Source code of each rate band, then -1 for a rejected candidate (one array per run)."""
        array = self._code_arrays.get(codes)
        if array is None:
            array = self._code_arrays[codes] = np.array([*codes, -1], dtype=np.int8)
        return array

    def inbound_day(self, day: float, rates: tuple[tuple[int, float], ...], rate_bound: float) -> DayBatch:
        """Inbound leads arriving in ``[day, day + 1)``.

        ``rates`` are the day's ``(source code, rate per day)`` pairs, summing to at most
        ``rate_bound``, the upper bound used for thinning (constant over a run, so that the
        candidates do not depend on the rates).
        """
        n = int(self.arrivals.poisson(rate_bound)) if rate_bound > 0 else 0
        v = np.empty((len(ROWS), n))
        times = v[TIME]
        self.arrivals.random(out=times)
        times.sort()
        times += day
        u_accept = self.arrivals.random(n)
        u_accept *= rate_bound
        a, b = self.inbound_beta
        v[QUALITY] = self.quality.beta(a, b, n)
        ca, cb = self.channel_beta
        channel_quality = self.channel_quality.beta(ca, cb, n)
        ra, rb = self.readiness_beta
        v[READINESS] = self.readiness.beta(ra, rb, n)
        # Thinning: which source's rate band each candidate's uniform falls in (none past the last).
        cuts = np.array(list(accumulate(rate for _, rate in rates)))  # the same sums as np.cumsum
        index = cuts.searchsorted(u_accept, side="right")
        source = self._codes(tuple(code for code, _ in rates))[index]
        if any(rate > 0 for code, rate in rates if code == CHANNEL):  # else no candidate is a channel lead
            np.copyto(v[QUALITY], channel_quality, where=source == CHANNEL)
        self._attributes(v, None)
        return DayBatch(source, v).select(index < len(rates))

    def outbound_day(self, day: float, start: float, end: float, prospecting_rep_hours: float) -> DayBatch:
        """Outbound leads sourced in the working window ``[start, end)`` of ``day``."""
        rate = prospecting_rep_hours * self.scenario.sales.outbound_leads_per_prospecting_hour
        rng = self.outbound_arrivals
        n = int(rng.poisson(rate)) if rate > 0 else 0
        v = np.empty((len(ROWS), n))
        times = v[TIME]
        rng.random(out=times)
        times.sort()
        times *= end - start
        times += start
        a, b = self.outbound_beta
        v[QUALITY] = self.outbound_quality.beta(a, b, n)
        ra, rb = self.readiness_beta
        v[READINESS] = self.outbound_readiness.beta(ra, rb, n)
        self._attributes(v, rng)
        return DayBatch(np.full(n, OUTBOUND, dtype=np.int8), v)

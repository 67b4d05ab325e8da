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

import numpy as np

from orgsim.config import Scenario
from orgsim.recorder import CHANNEL, OUTBOUND
from orgsim.streams import Streams


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


#: Batched per-candidate draws, each from its own stream so that a parameter feeding one
#: distribution (a Beta's shape, a Gamma's shape) never shifts another's draws.
@dataclass
class DayBatch:
    """All leads that arrive in one day, as arrays aligned by candidate."""

    times: np.ndarray
    source: np.ndarray
    quality: np.ndarray
    readiness: np.ndarray
    z_score: np.ndarray
    z_rescore: np.ndarray
    u_recycle: np.ndarray
    u_recycle_delay: np.ndarray
    u_ignore: np.ndarray
    follow_up_hours: np.ndarray
    u_contact: np.ndarray
    u_qualify: np.ndarray
    z_cycle: np.ndarray
    u_win: np.ndarray
    z_size: np.ndarray
    z_discount: np.ndarray

    def select(self, mask: np.ndarray) -> DayBatch:
        return DayBatch(**{name: value[mask] for name, value in self.__dict__.items()})


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

    def _attributes(
        self, n: int, times: np.ndarray, source: np.ndarray, quality: np.ndarray, readiness: np.ndarray, rng: np.random.Generator | None
    ) -> DayBatch:
        """Downstream draws per candidate. Outbound leads draw them from their own stream."""
        scoring = rng or self.scoring
        nurture = rng or self.nurture
        follow_up = rng or self.follow_up
        contact = rng or self.contact
        deal = rng or self.deal
        return DayBatch(
            times=times,
            source=source,
            quality=quality,
            readiness=readiness,
            z_score=scoring.standard_normal(n),
            z_rescore=scoring.standard_normal(n),
            u_recycle=nurture.random(n),
            u_recycle_delay=nurture.random(n),
            u_ignore=follow_up.random(n),
            follow_up_hours=self.follow_up_time.gamma(self.follow_up_shape, self.follow_up_scale, n) if rng is None else np.zeros(n),
            u_contact=contact.random(n),
            u_qualify=contact.random(n),
            z_cycle=deal.standard_normal(n),
            u_win=deal.random(n),
            z_size=deal.standard_normal(n),
            z_discount=deal.standard_normal(n),
        )

    def inbound_day(self, day: float, rates: tuple[tuple[int, float], ...], rate_bound: float) -> DayBatch:
        """Inbound leads arriving in ``[day, day + 1)``.

        ``rates`` are the day's ``(source code, rate per day)`` pairs, summing to at most
        ``rate_bound``, the upper bound used for thinning (constant over a run, so that the
        candidates do not depend on the rates).
        """
        n = int(self.arrivals.poisson(rate_bound)) if rate_bound > 0 else 0
        times = day + np.sort(self.arrivals.random(n))
        u_accept = self.arrivals.random(n) * rate_bound
        a, b = self.inbound_beta
        quality = self.quality.beta(a, b, n)
        ca, cb = self.channel_beta
        channel_quality = self.channel_quality.beta(ca, cb, n)
        ra, rb = self.readiness_beta
        readiness = self.readiness.beta(ra, rb, n)
        cuts = np.cumsum([rate for _, rate in rates])
        index = np.searchsorted(cuts, u_accept, side="right")
        codes = np.array([code for code, _ in rates] + [-1], dtype=np.int8)
        source = codes[index]
        quality = np.where(source == CHANNEL, channel_quality, quality)
        batch = self._attributes(n, times, source, quality, readiness, None)
        return batch.select(index < len(rates))

    def outbound_day(self, day: float, start: float, end: float, prospecting_rep_hours: float) -> DayBatch:
        """Outbound leads sourced in the working window ``[start, end)`` of ``day``."""
        rate = prospecting_rep_hours * self.scenario.sales.outbound_leads_per_prospecting_hour
        rng = self.outbound_arrivals
        n = int(rng.poisson(rate)) if rate > 0 else 0
        times = start + np.sort(rng.random(n)) * (end - start)
        a, b = self.outbound_beta
        quality = self.outbound_quality.beta(a, b, n)
        ra, rb = self.readiness_beta
        readiness = self.outbound_readiness.beta(ra, rb, n)
        source = np.full(n, OUTBOUND, dtype=np.int8)
        return self._attributes(n, times, source, quality, readiness, rng)

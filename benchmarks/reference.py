"""A bare-SimPy reference lead flow, written the ordinary textbook way, with no orgsim code.

The yardstick for ``benchmarks/run.py``: the same stages as orgsim's lead flow

    arrival -> scoring (MQL or nurture) -> sales follow-up by one of ``reps`` reps
            -> qualification -> opportunity -> close after a sales cycle

as one SimPy process per lead, the reps a ``simpy.Resource``, and every random number drawn
where it is needed from the standard library's ``random`` (as in SimPy's own examples). All
inputs are plain numbers in :class:`ReferenceParams`; ``run.py`` reads them from
``orgsim.Scenario()`` so the two models see the same arrival rate and the same team.

It is deliberately not optimised: it is what a competent modeller writes first, and the
issue's target is that orgsim, with all its mechanisms, costs no more per lead than this.

Run on its own: ``python benchmarks/reference.py --leads-per-day 32 --reps 10 --days 365``.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import simpy


@dataclass(frozen=True)
class ReferenceParams:
    """Plain-number inputs of the reference flow (defaults: orgsim's default scenario when written)."""

    leads_per_day: float = 32.0  # arrival rate of all leads, per calendar day (Poisson)
    reps: int = 10  # reps serving the follow-up queue, always on duty
    quality_alpha: float = 1.2  # Beta shape of latent lead quality
    quality_beta: float = 2.8
    readiness_alpha: float = 1.71  # Beta shape of buying-journey readiness
    readiness_beta: float = 1.29
    score_noise_sd: float = 0.15  # sd of the noise the lead score adds to quality
    mql_threshold: float = 0.52  # score at or above which a lead goes to sales
    ignore_share: float = 0.25  # share of MQLs sales never follows up
    follow_up_hours_mean: float = 1.0  # rep time per follow-up (Gamma)
    follow_up_hours_cv: float = 1.0
    contact_probability: float = 0.9
    qualify_intercept: float = 0.10  # qualification probability = intercept + weights . (q, r)
    qualify_quality_weight: float = 0.80
    qualify_readiness_weight: float = 0.40
    cycle_days_median: float = 45.0  # lognormal sales cycle
    cycle_sigma: float = 0.6
    win_logit_offset: float = -1.1  # win probability = logistic(logit(q) + offset)
    list_price_usd: float = 30_000.0
    deal_size_sigma: float = 0.5


@dataclass
class ReferenceStats:
    """What the reference counts (so its work cannot be optimised away)."""

    leads: int = 0
    nurtured: int = 0
    mqls: int = 0
    follow_ups: int = 0
    opportunities: int = 0
    wins: int = 0
    losses: int = 0
    response_hours_sum: float = 0.0
    bookings_usd: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def lead(
    env: simpy.Environment, p: ReferenceParams, reps: simpy.Resource, rng: random.Random, stats: ReferenceStats
) -> Generator[simpy.Event, Any, None]:
    """One lead's life, from scoring to the close of its opportunity."""
    arrived_at = env.now
    # Scoring: marketing sees the latent quality through noise.
    quality = rng.betavariate(p.quality_alpha, p.quality_beta)
    score = quality + rng.gauss(0.0, p.score_noise_sd)
    if score < p.mql_threshold:
        stats.nurtured += 1
        return
    stats.mqls += 1
    if rng.random() < p.ignore_share:
        return
    # Sales follow-up: wait for a free rep, who spends the follow-up time on the lead.
    with reps.request() as request:
        yield request
        stats.follow_ups += 1
        stats.response_hours_sum += (env.now - arrived_at) * 24.0
        shape = 1.0 / (p.follow_up_hours_cv * p.follow_up_hours_cv)
        yield env.timeout(rng.gammavariate(shape, p.follow_up_hours_mean / shape) / 24.0)
    # Qualification: contacted, then qualified with a probability rising with quality and readiness.
    readiness = rng.betavariate(p.readiness_alpha, p.readiness_beta)
    qualify_p = p.qualify_intercept + p.qualify_quality_weight * quality + p.qualify_readiness_weight * readiness
    if rng.random() >= p.contact_probability or rng.random() >= qualify_p:
        stats.losses += 1
        return
    # Opportunity: closes after a lognormal cycle, won or lost.
    stats.opportunities += 1
    yield env.timeout(p.cycle_days_median * math.exp(p.cycle_sigma * rng.gauss(0.0, 1.0)))
    q = min(max(quality, 1e-6), 1.0 - 1e-6)
    win_p = 1.0 / (1.0 + math.exp(-(math.log(q / (1.0 - q)) + p.win_logit_offset)))
    if rng.random() < win_p:
        stats.wins += 1
        stats.bookings_usd += p.list_price_usd * rng.lognormvariate(-0.5 * p.deal_size_sigma**2, p.deal_size_sigma)
    else:
        stats.losses += 1


def arrivals(
    env: simpy.Environment, p: ReferenceParams, reps: simpy.Resource, rng: random.Random, stats: ReferenceStats
) -> Generator[simpy.Event, Any, None]:
    """Poisson arrivals; each lead is its own process."""
    while True:
        yield env.timeout(rng.expovariate(p.leads_per_day))
        stats.leads += 1
        env.process(lead(env, p, reps, rng, stats))


def run_reference(params: ReferenceParams, horizon_days: float, seed: int) -> ReferenceStats:
    """Simulate ``horizon_days`` days of the reference flow."""
    env = simpy.Environment()
    reps = simpy.Resource(env, capacity=params.reps)
    rng = random.Random(seed)
    stats = ReferenceStats()
    env.process(arrivals(env, params, reps, rng, stats))
    env.run(until=horizon_days)
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads-per-day", type=float, default=ReferenceParams.leads_per_day)
    parser.add_argument("--reps", type=int, default=ReferenceParams.reps)
    parser.add_argument("--days", type=float, default=365.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    params = ReferenceParams(leads_per_day=args.leads_per_day, reps=args.reps)
    start = time.perf_counter()
    stats = run_reference(params, args.days, args.seed)
    elapsed = time.perf_counter() - start
    print(f"{stats.leads} leads in {elapsed:.3f} s: {stats.leads / elapsed:,.0f} leads/s, {1e6 * elapsed / stats.leads:.2f} us/lead")
    print(f"MQLs {stats.mqls}, follow-ups {stats.follow_ups}, opportunities {stats.opportunities}, wins {stats.wins}")


if __name__ == "__main__":
    main()

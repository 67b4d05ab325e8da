"""Verification: with every organisational mechanism off, the follow-up queue is M/M/c.

The reference is the Erlang C formula. Each replication gives one estimate (its mean wait
after a warm-up); the replication estimates are independent, so their standard error gives
the tolerance: the formula must lie within 3 standard errors of the simulated mean
(a false alarm about 0.3% of the time for a correct model, and the seeds are fixed).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import orgsim
from orgsim.config.scenarios import mmc

ARRIVALS_PER_DAY = 40.0
REPS = 5
MEAN_HANDLE_DAYS = 0.1  # utilisation 40 * 0.1 / 5 = 0.8
HORIZON_DAYS = 250.0
WARM_UP_DAYS = 20.0
REPLICATIONS = 12


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load a = lambda / mu."""
    top = offered_load**servers / math.factorial(servers) * servers / (servers - offered_load)
    bottom = sum(offered_load**k / math.factorial(k) for k in range(servers)) + top
    return top / bottom


@pytest.fixture(scope="module")
def waits() -> list[np.ndarray]:
    scenario = mmc(ARRIVALS_PER_DAY, REPS, MEAN_HANDLE_DAYS, horizon_days=HORIZON_DAYS)
    out = []
    for seed in range(REPLICATIONS):
        leads = orgsim.simulate(scenario, seed=seed, record_leads=True).leads
        served = leads[(leads.queued_at >= WARM_UP_DAYS) & leads.first_touch_at.notna()]
        out.append((served.first_touch_at - served.queued_at).to_numpy())
    return out


def test_mmc_scenario_makes_every_lead_an_mql_and_follows_all_up() -> None:
    scenario = mmc(ARRIVALS_PER_DAY, REPS, MEAN_HANDLE_DAYS, horizon_days=30.0)
    totals = orgsim.simulate(scenario, seed=1).totals
    assert totals["mqls"] == totals["leads_created"]
    assert totals["unfollowed"] == 0
    assert totals["leads_outbound"] == 0


def test_mean_wait_matches_erlang_c(waits: list[np.ndarray]) -> None:
    load = ARRIVALS_PER_DAY * MEAN_HANDLE_DAYS
    expected = erlang_c(REPS, load) / (REPS / MEAN_HANDLE_DAYS - ARRIVALS_PER_DAY)
    estimates = np.array([w.mean() for w in waits])
    se = estimates.std(ddof=1) / math.sqrt(len(estimates))
    assert abs(estimates.mean() - expected) < 3 * se, (estimates.mean(), expected, se)


def test_probability_of_waiting_matches_erlang_c(waits: list[np.ndarray]) -> None:
    expected = erlang_c(REPS, ARRIVALS_PER_DAY * MEAN_HANDLE_DAYS)
    estimates = np.array([(w > 0).mean() for w in waits])
    se = estimates.std(ddof=1) / math.sqrt(len(estimates))
    assert abs(estimates.mean() - expected) < 3 * se, (estimates.mean(), expected, se)


def test_arrivals_are_poisson_with_the_given_rate() -> None:
    scenario = mmc(ARRIVALS_PER_DAY, REPS, MEAN_HANDLE_DAYS, horizon_days=HORIZON_DAYS)
    counts = [orgsim.simulate(scenario, seed=100 + s).totals["leads_created"] for s in range(REPLICATIONS)]
    # A Poisson count over the horizon has variance equal to its mean.
    expected = ARRIVALS_PER_DAY * HORIZON_DAYS
    se = math.sqrt(expected / REPLICATIONS)
    assert abs(np.mean(counts) - expected) < 3 * se

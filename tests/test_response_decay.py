"""The calibrated response-delay decay reproduces the HBR 2011 ratios in a default run's lead log.

Oldroyd, McElheran & Elkington (HBR 2011): the odds of qualifying a lead are about 7 times
higher for contact within one hour than one hour later, and over 60 times higher than at
24 hours or later. We pool eight seeded default years (MQL follow-ups only, measured from
hand-off to first touch) and use the delta-method standard error of the log ratio.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import orgsim
from orgsim.model.decay import DecayCurve

SEEDS = range(8)


@pytest.fixture(scope="module")
def qualified_by_delay() -> pd.DataFrame:
    frames = []
    for seed in SEEDS:
        leads = orgsim.simulate(seed=seed, record_leads=True).leads
        touched = leads[leads.first_touch_at.notna() & leads.queued_at.notna()]
        frames.append(pd.DataFrame({"delay_hours": (touched.first_touch_at - touched.queued_at) * 24, "qualified": touched.qualified}))
    data = pd.concat(frames)
    bucket = pd.cut(data.delay_hours, [0, 1, 2, 24, np.inf], right=False, labels=["<1h", "1-2h", "2-24h", ">=24h"])
    return data.groupby(bucket, observed=True).qualified.agg(["sum", "count"])


def _log_ratio(table: pd.DataFrame, fast: str, slow: str) -> tuple[float, float]:
    k1, n1 = table.loc[fast]
    k2, n2 = table.loc[slow]
    p1, p2 = k1 / n1, k2 / n2
    return math.log(p1 / p2), math.sqrt((1 - p1) / k1 + (1 - p2) / k2)


def test_within_one_hour_qualifies_about_seven_times_more_than_one_hour_later(qualified_by_delay: pd.DataFrame) -> None:
    log_ratio, se = _log_ratio(qualified_by_delay, "<1h", "1-2h")
    # "about 7x": 7 lies inside the 95% interval of the simulated ratio.
    assert log_ratio - 1.96 * se < math.log(7) < log_ratio + 1.96 * se, math.exp(log_ratio)


def test_within_one_hour_qualifies_over_sixty_times_more_than_after_a_day(qualified_by_delay: pd.DataFrame) -> None:
    log_ratio, se = _log_ratio(qualified_by_delay, "<1h", ">=24h")
    # "over 60x": the point estimate exceeds 60 and the interval excludes 20.
    assert math.exp(log_ratio) > 60
    assert log_ratio - 1.96 * se > math.log(20)


def test_turning_the_decay_off_removes_the_delay_gradient() -> None:
    scenario = orgsim.Scenario().replace(**{"mechanisms.response_decay": False})
    leads = orgsim.simulate(scenario, seed=0, record_leads=True).leads
    touched = leads[leads.queued_at.notna() & leads.first_touch_at.notna()]
    delay = (touched.first_touch_at - touched.queued_at) * 24
    fast, slow = touched[delay < 1].contacted.mean(), touched[delay >= 24].contacted.mean()
    n_fast, n_slow = (delay < 1).sum(), (delay >= 24).sum()
    se = math.sqrt(fast * (1 - fast) / n_fast + slow * (1 - slow) / n_slow)
    assert abs(fast - slow) < 3 * se


def test_decay_curve_interpolates_log_linearly_and_holds_past_the_last_knot() -> None:
    curve = DecayCurve(((0.0, 1.0), (2.0, 0.25), (10.0, 0.1)))
    assert curve(0.0) == 1.0
    assert curve(1.0) == pytest.approx(0.5)  # geometric midpoint of 1 and 0.25
    assert curve(2.0) == pytest.approx(0.25)
    assert curve(50.0) == pytest.approx(0.1)
    np.testing.assert_allclose(curve.many(np.array([0.0, 1.0, 50.0])), [1.0, 0.5, 0.1])

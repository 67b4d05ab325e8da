"""The best fixed split between activation and long-term marketing depends on the horizon (issue 4).

Runs with no structure use the researcher-set policy :class:`orgsim.marketing.FixedShares`
(``marketing.long_term_share``), swept with :func:`orgsim.sweep`. Every point uses the same
replication seeds (common random numbers), so the split's effect is measured by paired
differences. The metric is bookings: the claim is about what each split sells, and profit over a
single quarter mostly reflects when program spend is charged (at a project's start) against deals
that close after the horizon (see docs/marketing-split.md for both metrics).

Tolerance: a split "beats" another when the one-sided 97.5% lower bound of the paired mean
difference in bookings is above zero (mean > t(0.975, R-1) x standard error), with 16
replications over one quarter and 8 over three years. The study in
docs/studies/marketing_split.py (30 replications, shares 0.0 to 1.0) gives the effect sizes: over
one quarter the best split (30% long-term) books about $11k more than the balanced split (not told
apart) and $97k more than 90% (95% half-width $84k); over three years 70% long-term books $0.56M
more than 50%, $1.0M more than all long-term and $4.2M more than all activation (95% half-widths
$225k-$527k with 30 replications).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

import orgsim

SEED = 2024
FIXED = {"fixed split": None}  # no structure: the fixed-share policy decides


def bookings_by_split(shares: tuple[float, ...], replications: int, horizon_days: float) -> pd.DataFrame:
    """replication x long-term share table of bookings."""
    experiment = orgsim.sweep(
        None,
        FIXED,
        {"marketing.long_term_share": list(shares)},
        replications=replications,
        seed=SEED,
        horizon_days=horizon_days,
        progress=False,
    )
    table = experiment.totals("bookings")["fixed split"].unstack("point")
    table.columns = [experiment.points.loc[p, "marketing.long_term_share"] for p in table.columns]
    return table


def assert_beats(table: pd.DataFrame, better: float, worse: float) -> None:
    d = (table[better] - table[worse]).to_numpy(dtype=float)
    mean, se = d.mean(), d.std(ddof=1) / math.sqrt(len(d))
    assert mean > stats.t.ppf(0.975, len(d) - 1) * se, (better, worse, mean, se)


@pytest.fixture(scope="module")
def one_quarter() -> pd.DataFrame:
    return bookings_by_split((0.1, 0.5, 0.9), replications=16, horizon_days=91)


@pytest.fixture(scope="module")
def three_years() -> pd.DataFrame:
    return bookings_by_split((0.0, 0.4, 0.7, 1.0), replications=8, horizon_days=1095)


def test_over_one_quarter_long_term_heavy_work_books_less(one_quarter: pd.DataFrame) -> None:
    # The best one-quarter split is at most balanced and beats the long-term-heavy one (0.9). With
    # the reps' queue checks calibrated to HBR's audit, 0.1 and 0.5 cannot be told apart over a
    # quarter (0.1 - 0.5: -$4k, SE $62k, 16 replications; -$16k, SE $38k, with 30); both beat 0.9
    # (+$121k, SE $51k, and +$125k, SE $45k). Before that calibration 0.1 led 0.5 by about $55k.
    best = float(one_quarter.mean().idxmax())
    assert best <= 0.5
    assert_beats(one_quarter, best, 0.9)


def test_over_three_years_the_best_split_puts_tens_of_percent_into_long_term_work(three_years: pd.DataFrame) -> None:
    best = float(three_years.mean().idxmax())
    assert 0.3 <= best <= 0.9
    for extreme in (0.0, 1.0):  # neither all activation nor all long-term work
        assert_beats(three_years, best, extreme)


def test_the_split_that_wins_a_quarter_loses_over_three_years(one_quarter: pd.DataFrame, three_years: pd.DataFrame) -> None:
    quarter_best = float(one_quarter.mean().idxmax())
    years_best = float(three_years.mean().idxmax())
    assert years_best > quarter_best
    activation_heavy = min(three_years.columns, key=lambda share: abs(share - quarter_best))
    assert_beats(three_years, years_best, activation_heavy)

"""The verdict of a comparison: ranking, each lead with its interval, and when structures cannot
be told apart (orgsim.experiment.verdict), with the paired replications-needed formulas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import orgsim
from orgsim.experiment.results import Experiment
from orgsim.experiment.stats import replications_to_separate


def _experiment(columns: dict[str, np.ndarray], metric: str = "bookings_usd") -> Experiment:
    """A comparison whose one total ``metric`` is given per structure and replication."""
    labels = list(columns)
    totals = np.stack([np.asarray(columns[label], dtype=float) for label in labels])[None, :, :, None]
    return Experiment(labels=labels, totals=totals, total_names=[metric])


def _clear_ranking() -> Experiment:
    """Three structures ranked a > b > c, every lead far larger than its noise."""
    rng = np.random.default_rng(7)
    base = rng.normal(10e6, 1e6, 6)  # shared by all: common random numbers
    return _experiment(
        {
            "siloed": base,
            "shared_leader": base + 2e6 + rng.normal(0, 1e4, 6),
            "marketing_under_sales": base + 1e6 + rng.normal(0, 1e4, 6),
        }
    )


def _close_pair() -> Experiment:
    """Two structures whose difference is small against its noise, and a clear third."""
    rng = np.random.default_rng(3)
    base = rng.normal(10e6, 1e6, 4)
    noise = np.array([3e5, -2e5, 2.5e5, -2.7e5])
    return _experiment({"siloed": base, "shared_leader": base + 5e6 + noise, "marketing_under_sales": base + 5e6 + 1e4})


# -- ranking ---------------------------------------------------------------------------------------


def test_the_verdict_ranks_the_structures_by_their_mean_highest_first() -> None:
    verdict = _clear_ranking().verdict()
    assert verdict.ranking == ["shared_leader", "marketing_under_sales", "siloed"]
    assert list(verdict.table.index) == [1, 2, 3]
    assert verdict.best == ["shared_leader"]


def test_each_lead_is_the_paired_difference_from_the_next_with_its_t_interval() -> None:
    experiment = _clear_ranking()
    table = experiment.verdict().table
    x = experiment.totals("bookings_usd")
    d = (x["shared_leader"] - x["marketing_under_sales"]).to_numpy()
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    first = table.loc[1]
    assert first["lead_over_next"] == pytest.approx(d.mean())
    assert (first["lead_ci_low"], first["lead_ci_high"]) == pytest.approx((d.mean() - half, d.mean() + half))
    assert table["told_apart"].iloc[:-1].all() and table["replications_to_separate"].isna().all()


def test_the_last_structure_has_no_lead() -> None:
    last = _clear_ranking().verdict().table.iloc[-1]
    assert math.isnan(last["lead_over_next"]) and pd.isna(last["told_apart"])


def test_the_differences_from_the_baseline_are_those_of_experiment_differences() -> None:
    experiment = _clear_ranking()
    table = experiment.verdict(baseline="marketing_under_sales").table.set_index("structure")
    diff = experiment.differences("marketing_under_sales", "bookings_usd").droplevel("metric")
    for structure in ("shared_leader", "siloed"):
        assert table.loc[structure, "vs_baseline"] == pytest.approx(diff.loc[structure, "mean"])
        assert table.loc[structure, "vs_baseline_ci_low"] == pytest.approx(diff.loc[structure, "ci_low"])
    assert table.loc["marketing_under_sales", "vs_baseline"] == 0


# -- cannot be told apart ----------------------------------------------------------------------------


def test_structures_whose_interval_includes_zero_cannot_be_told_apart() -> None:
    verdict = _close_pair().verdict()
    first = verdict.table.loc[1]
    assert first["lead_ci_low"] < 0 < first["lead_ci_high"] and not bool(first["told_apart"])
    assert sorted(verdict.best) == ["marketing_under_sales", "shared_leader"]
    text = " ".join(str(verdict).split())  # the notes are wrapped
    assert "cannot be told apart at this number of replications (4)" in text
    assert f"about {int(first['replications_to_separate']):,} would separate them" in text


def test_the_replications_that_would_separate_them_follow_the_paired_formula() -> None:
    experiment = _close_pair()
    verdict = experiment.verdict()
    first = verdict.table.loc[1]
    x = experiment.totals("bookings_usd")
    d = (x[verdict.ranking[0]] - x[verdict.ranking[1]]).to_numpy()
    assert first["replications_to_separate"] == replications_to_separate(d.mean(), d.std(ddof=1), 0.95)


@pytest.mark.parametrize(("mean", "sd"), [(1.0, 2.0), (0.3, 1.0), (5.0, 1.0), (-2.0, 7.0), (1.0, 0.05)])
def test_replications_to_separate_is_the_smallest_n_whose_t_interval_excludes_zero(mean: float, sd: float) -> None:
    n = replications_to_separate(mean, sd, 0.95)
    assert n is not None and n >= 2

    def half(k: int) -> float:
        return float(stats.t.ppf(0.975, k - 1) * sd / math.sqrt(k))

    assert half(n) < abs(mean)
    assert n == 2 or half(n - 1) >= abs(mean)


def test_replications_to_separate_for_the_worked_example_and_the_edge_cases() -> None:
    # mean 1, sd 2: the normal approximation gives (1.96 * 2)^2 = 15.4 -> 16; t(15) widens it to 18
    assert replications_to_separate(1.0, 2.0, 0.95) == 18
    assert replications_to_separate(0.0, 1.0, 0.95) is None  # no difference: never
    assert replications_to_separate(1.0, 0.0, 0.95) == 2  # no spread: the least a t-interval needs
    assert replications_to_separate(1.0, 1e4, 0.95) is None  # beyond a million


def test_replications_needed_on_paired_differences_is_the_sequential_method_on_the_differences() -> None:
    experiment = _close_pair()
    paired = experiment.replications_needed("bookings", 0.05, baseline="siloed")
    x = experiment.totals("bookings_usd")
    differences = _experiment({s: (x[s] - x["siloed"]).to_numpy() for s in ("shared_leader", "marketing_under_sales")})
    plain = differences.replications_needed("bookings", 0.05)
    assert "siloed" not in paired.needed.index
    assert paired.needed.to_dict() == plain.needed.to_dict()
    assert np.allclose(paired.table["half_width"], plain.table.loc[paired.table.index, "half_width"])


# -- the baseline and the text ---------------------------------------------------------------------


def test_the_baseline_is_siloed_when_compared_and_otherwise_the_first_structure_said_so() -> None:
    assert _clear_ranking().verdict().baseline == "siloed"
    assert "baseline siloed (the default)" in str(_clear_ranking().verdict())
    other = _experiment({"shared_leader": np.arange(3.0), "marketing_under_sales": np.arange(3.0) + 1})
    assert other.verdict().baseline == "shared_leader"
    assert "the first structure, as 'siloed' is not compared" in str(other.verdict())
    with pytest.raises(orgsim.ValidationError, match="baseline"):
        other.verdict(baseline="siloed")


def test_the_text_has_a_heading_a_best_line_and_defines_plus_minus() -> None:
    lines = str(_clear_ranking().verdict()).splitlines()
    assert lines[0] == "Verdict"
    assert lines[2].startswith("  Best: shared_leader, ahead of marketing_under_sales by +$")
    assert any(line.strip().startswith("± is the half-width of the 95% confidence interval of a paired difference") for line in lines)


def test_money_reads_minus_dollar_and_the_table_is_aligned() -> None:
    text = str(_clear_ranking().verdict(baseline="shared_leader"))
    assert "-$" in text and "$-" not in text
    table = [line for line in text.splitlines() if line.startswith(("  rank", "  1 ", "  2 ", "  3 "))]
    assert len(table) == 4
    assert len({len(line) for line in table}) == 1  # every column padded, the last right-aligned


def test_a_failed_replication_is_left_out_of_its_pairs_only() -> None:
    experiment = _clear_ranking()
    experiment._totals[0, 1, 0, 0] = np.nan  # shared_leader's first replication failed
    table = experiment.verdict().table
    x = experiment.totals("bookings_usd")
    d = (x["shared_leader"] - x["marketing_under_sales"]).dropna()
    assert table.loc[1, "lead_over_next"] == pytest.approx(d.mean())


def test_a_sweep_or_a_single_structure_has_no_verdict() -> None:
    with pytest.raises(orgsim.ValidationError, match="at least two structures"):
        _experiment({"siloed": np.arange(3.0)}).verdict()


def test_the_first_can_lead_the_second_clearly_yet_not_be_told_apart_from_a_noisier_third() -> None:
    rng = np.random.default_rng(11)
    base = rng.normal(10e6, 1e6, 4)
    experiment = _experiment(
        {
            "siloed": base + 0.875e6 + np.array([3e6, -3e6, 2e6, -2.5e6]),  # third, and noisy
            "shared_leader": base + 2e6 + rng.normal(0, 1e3, 4),
            "marketing_under_sales": base + 1.5e6 + rng.normal(0, 1e3, 4),
        }
    )
    verdict = experiment.verdict()
    assert verdict.ranking == ["shared_leader", "marketing_under_sales", "siloed"]
    assert bool(verdict.table.loc[1, "told_apart"]) and verdict.best == ["shared_leader", "siloed"]
    text = " ".join(str(verdict).split())
    assert "Best: shared_leader, ahead of marketing_under_sales by +$" in text
    assert "but it cannot be told apart from siloed at this number of replications" in text

"""Intervals and bands stay within what a metric can be, and too few replications are flagged."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import orgsim
from orgsim.experiment.feasible import FewReplicationsWarning, feasible_range
from orgsim.model.outcomes import outcome, outcomes
from orgsim.present import plot

PAIR = {name: orgsim.presets.all()[name] for name in ("siloed", "shared_leader")}


@pytest.fixture(scope="module")
def two_replications() -> orgsim.Experiment:
    """Two short replications: t-intervals wide enough to reach past $0 and 100% if left alone
    (seed 3: opportunities, wins and SLA compliance all need clipping; which do depends on the draws,
    and the last test below checks that some do)."""
    with pytest.warns(FewReplicationsWarning):  # compare itself does not warn; the statistics do
        experiment = orgsim.compare(None, PAIR, replications=2, seed=3, horizon_days=60, executor="serial", progress=False)
        experiment.summary()
    return experiment


def test_money_flows_and_counts_are_never_negative_profit_can_be() -> None:
    assert outcome("bookings_usd").feasible == (0.0, np.inf)
    assert outcome("wins").feasible == (0.0, np.inf)
    assert outcome("profit_usd").feasible == (-np.inf, np.inf)


def test_every_declared_share_ratio_lies_in_zero_one() -> None:
    shares = [o for o in outcomes("ratio") if o.unit == "share"]
    assert shares and all(o.feasible == (0.0, 1.0) for o in shares), [o.name for o in shares if o.feasible != (0.0, 1.0)]
    assert outcome("brand_effect_end").feasible == (0.0, 1.0) and outcome("trust_end").feasible == (0.0, 1.0)


def test_an_undeclared_name_is_unbounded() -> None:
    assert feasible_range("not_an_outcome") == (-np.inf, np.inf)


def test_summary_intervals_are_clipped_to_the_feasible_range(two_replications: orgsim.Experiment) -> None:
    with pytest.warns(FewReplicationsWarning):
        table = two_replications.summary(["opportunities", "unfollowed", "wins", "sla_compliance", "profit_usd"])
    raw_low = table["mean"] - (table["ci_high"] - table["mean"])
    for counted in ("opportunities", "unfollowed", "wins"):
        assert (table.xs(counted, level="metric")["ci_low"] >= 0).all()
    assert (table.xs("sla_compliance", level="metric")["ci_high"] <= 1).all()
    # profit is unbounded: its interval stays symmetric
    profit = table.xs("profit_usd", level="metric")
    np.testing.assert_allclose(profit["mean"] - profit["ci_low"], profit["ci_high"] - profit["mean"])
    needs_clipping = raw_low.xs("opportunities", level="metric") < 0
    needs_clipping |= raw_low.xs("unfollowed", level="metric") < 0
    needs_clipping |= raw_low.xs("wins", level="metric") < 0  # about 40 wins in 60 days, 2 replications
    assert needs_clipping.any(), "the case should need clipping"


def test_fewer_than_five_replications_warn_that_the_intervals_are_unreliable(two_replications: orgsim.Experiment) -> None:
    with pytest.warns(FewReplicationsWarning, match="only 2 replications: the 95% intervals are unreliable below 5"):
        two_replications.differences("siloed")


def test_plotted_bands_stay_within_the_feasible_range(two_replications: orgsim.Experiment) -> None:
    with pytest.warns(FewReplicationsWarning):
        ax = plot.sla(two_replications)
    for band in ax.collections:
        y = np.concatenate([path.vertices[:, 1] for path in band.get_paths()])
        assert y.min() >= 0.0 and y.max() <= 1.0 + 1e-12
    plt.close("all")


def test_the_command_line_prints_one_line_about_few_replications_instead_of_a_warning(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from orgsim.present.cli import main

    argv = ["compare", "--structures", "siloed", "shared_leader", "--replications", "2", "--horizon-days", "30"]
    assert main([*argv, "--workers", "1", "--no-progress", "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert "warning: only 2 replications: the 95% intervals are unreliable" in captured.out
    assert "FewReplicationsWarning" not in captured.err

"""Figures: every plot returns its Axes or Figure, labelled, and binning never changes totals."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import orgsim
from orgsim.present import plot

PAIR = {name: orgsim.presets.all()[name] for name in ("marketing_under_sales", "shared_leader")}


@pytest.fixture(scope="module")
def experiment() -> orgsim.Experiment:
    return orgsim.compare(orgsim.Scenario(), PAIR, replications=3, seed=5, horizon_days=400, executor="serial", progress=False)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", ["bookings", "cumulative", "funnel", "effort_split", "sla", "response_times"])
def test_each_axes_plot_is_labelled_and_has_one_series_per_structure(experiment: orgsim.Experiment, name: str) -> None:
    ax = getattr(plot, name)(experiment)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.get_title() and ax.get_ylabel()
    if name in ("bookings", "cumulative", "effort_split", "sla"):
        assert [line.get_label() for line in ax.get_lines()][:2] == list(PAIR)
        assert "time (" in ax.get_xlabel()


def test_differences_plot_shows_one_row_per_structure_and_one_interval_series_per_metric(experiment: orgsim.Experiment) -> None:
    ax = plot.differences(experiment, "marketing_under_sales")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["shared_leader"]  # the structures other than the baseline
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["bookings", "profit"]
    assert "95%" in ax.get_xlabel() and "USD" in ax.get_xlabel()
    expected = experiment.differences("marketing_under_sales", ["bookings_usd", "profit_usd"])["mean"].to_numpy()
    drawn = [line.get_xdata()[0] for line in ax.get_lines() if line.get_marker() in ("o", "s")]
    np.testing.assert_allclose(drawn, expected)  # the points are the paired mean differences


def test_cumulative_labels_the_crossover_with_its_time(experiment: orgsim.Experiment) -> None:
    cross = experiment.crossover("shared_leader", "marketing_under_sales")
    if not cross.by_replication["period"].notna().any():
        pytest.skip("no crossover with this seed")
    ax = plot.cumulative(experiment, "shared_leader", "marketing_under_sales")
    (marker,) = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    (note,) = [t for t in ax.texts if "months" in t.get_text()]
    assert float(note.get_text().split()[0]) == pytest.approx(marker.get_xdata()[0], abs=0.05)


def test_funnel_bottom_leaves_the_smallest_stage_visible(experiment: orgsim.Experiment) -> None:
    ax = plot.funnel(experiment)
    smallest = min(p.get_height() for p in ax.patches)
    assert ax.get_ylim()[0] < smallest / 1.5


def test_stocks_share_one_legend_below_the_panels(experiment: orgsim.Experiment) -> None:
    fig = plot.stocks(experiment)
    assert all(ax.get_legend() is None for ax in fig.axes)
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == list(PAIR)


def test_cumulative_marks_the_crossover_when_one_exists(experiment: orgsim.Experiment) -> None:
    cross = experiment.crossover("shared_leader", "marketing_under_sales")
    ax = plot.cumulative(experiment, "shared_leader", "marketing_under_sales")
    marked = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(marked) == (1 if cross.by_replication["period"].notna().any() else 0)


def test_dashboard_and_stocks_are_figures_with_every_panel(experiment: orgsim.Experiment) -> None:
    fig = plot.dashboard(experiment)
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 6
    assert all(ax.get_title() for ax in fig.axes)
    fig = plot.stocks(experiment)
    assert len(fig.axes) == 4


def test_binning_sums_flows_keeps_levels_and_recomputes_ratios(experiment: orgsim.Experiment) -> None:
    frame = experiment.to_frame()
    binned = plot.resample(frame, 4)

    def total(f, metric):
        return f[f.metric == metric].groupby(["structure", "replication"]).value.sum()

    # the horizon (400 days = 57 weeks and a day) leaves a one-day period that is dropped from the plot
    weekly = frame[frame.period < 56]
    np.testing.assert_allclose(total(binned, "bookings_usd"), total(weekly, "bookings_usd"), rtol=1e-12)
    one = binned[(binned.structure == "shared_leader") & (binned.replication == 0)].pivot(index="period", columns="metric", values="value")
    np.testing.assert_allclose(one.sla_compliance, one.sla_met / (one.sla_met + one.sla_missed))
    raw = frame[(frame.structure == "shared_leader") & (frame.replication == 0)].pivot(index="period", columns="metric", values="value")
    np.testing.assert_array_equal(one.brand_stock.to_numpy(), raw.brand_stock.to_numpy()[3:56:4])  # level at each bin's end
    assert len(one) == 14


def test_an_unknown_metric_is_a_clear_error(experiment: orgsim.Experiment) -> None:
    with pytest.raises(ValueError, match="not_a_metric"):
        plot.over_time(experiment, "not_a_metric")


def test_negative_money_reads_minus_dollar() -> None:
    assert [plot.money(v) for v in (-6e6, 1.5e6, -250e3, 0.0)] == ["-$6M", "$1.5M", "-$250k", "$0"]


def test_cumulative_difference_draws_each_structure_minus_the_baseline_paired(experiment: orgsim.Experiment) -> None:
    ax = plot.cumulative_difference(experiment, "marketing_under_sales")
    (line,) = [line for line in ax.get_lines() if line.get_label() == "shared_leader"]
    frame = experiment.to_frame()
    bookings = frame[frame.metric == "bookings_usd"].pivot_table(index=["structure", "replication"], columns="period", values="value")
    paired = (bookings.loc["shared_leader"].cumsum(axis=1) - bookings.loc["marketing_under_sales"].cumsum(axis=1)).mean()
    np.testing.assert_allclose(line.get_ydata(), paired.to_numpy())
    assert "marketing_under_sales" in ax.get_title() and "difference" in ax.get_ylabel()


def test_cumulative_difference_marks_a_crossover_on_the_zero_line_in_the_legend(experiment: orgsim.Experiment) -> None:
    cross = experiment.crossover("shared_leader", "marketing_under_sales").by_replication["period"]
    ax = plot.cumulative_difference(experiment, "marketing_under_sales")
    marks = [line for line in ax.get_lines() if line.get_marker() == "D"]
    assert len(marks) == (1 if cross.notna().sum() * 2 >= len(cross) else 0)
    for mark in marks:
        assert mark.get_ydata()[0] == 0.0 and "ahead for good" in mark.get_label()


def test_funnel_is_linear_with_an_interval_per_bar(experiment: orgsim.Experiment) -> None:
    ax = plot.funnel(experiment)
    assert ax.get_yscale() == "linear"
    bars = [p for p in ax.patches if p.get_height() > 0]
    error_bars = [c for c in ax.collections if len(c.get_segments())]
    assert sum(len(c.get_segments()) for c in error_bars) == len(bars) == len(PAIR) * len(plot.FUNNEL)


def test_response_figure_counts_never_followed_mqls_against_the_sla(experiment: orgsim.Experiment) -> None:
    fates = plot.mql_fates(experiment.to_frame())
    np.testing.assert_allclose(fates.sum(axis=1), 1.0, atol=1e-9)  # every MQL has one fate
    totals = experiment.to_frame("totals").pivot_table(index=["structure", "replication"], columns="metric", values="value")
    np.testing.assert_allclose(fates["never followed up"], totals["unfollowed_mql_share"].reindex(fates.index))
    runs = totals.reindex(fates.index)
    np.testing.assert_allclose(fates["followed up within the SLA"], runs["sla_met"] / runs["mqls"])
    ax = plot.response_times(experiment)
    assert f"{experiment.meta['scenario']['sales']['sla_hours']:g}-hour SLA" in ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [fate for fate, _ in plot.MQL_FATES]


def test_the_crossover_legend_keeps_clear_of_the_crossover_line(experiment: orgsim.Experiment) -> None:
    cross = experiment.crossover("shared_leader", "marketing_under_sales")
    if not cross.by_replication["period"].notna().any():
        pytest.skip("no crossover with this seed")
    ax = plot.cumulative(experiment, "shared_leader", "marketing_under_sales")
    ax.figure.canvas.draw()
    (marker,) = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    box = ax.get_legend().get_window_extent()
    x = ax.transData.transform((marker.get_xdata()[0], 0))[0]
    axes_box = ax.get_window_extent()  # the line runs from the bottom of the axes to the top
    assert not (box.x0 <= x <= box.x1 and box.y0 < axes_box.y1 and box.y1 > axes_box.y0)

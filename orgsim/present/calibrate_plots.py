"""Figures of calibration: a back-test's predicted intervals against what happened.

Presentation only: :func:`plot_backtest` takes a :class:`~orgsim.experiment.calibrate.Backtest`
and draws one panel per metric (wins, bookings, cycle): each period's 95% prediction interval
from the simulated runs as a bar, its mean as a tick, and the actual value from the export as a
dot, filled when it lies in the interval and hollow (a miss) when not. ``Backtest.plot`` calls it.
Colours are the Okabe-Ito palette of :mod:`orgsim.plot`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgsim.present.plot import OKABE_ITO, _money_formatter, _plt

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from orgsim.experiment.calibrate.backtest import Backtest

#: Panel titles of the back-test metrics.
_TITLES = {"wins": "deals won per period", "bookings_usd": "bookings per period (USD)", "cycle_days": "mean cycle of closed deals (days)"}


def plot_backtest(backtest: Backtest, *, title: str | None = None, figsize: tuple[float, float] | None = None) -> Figure:
    """One panel per metric: predicted 95% intervals and means by period, and the actual values."""
    plt = _plt()
    table = backtest.table
    metrics = [m for m in _TITLES if m in set(table["metric"])]
    fig, axes = plt.subplots(1, len(metrics), figsize=figsize or (4.2 * len(metrics), 3.6), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        rows = table[table["metric"] == metric]
        x = rows["period"].to_numpy()
        ax.vlines(x, rows["predicted_low"], rows["predicted_high"], color=OKABE_ITO[0], linewidth=8, alpha=0.35, label="95% prediction")
        ax.scatter(x, rows["predicted_mean"], marker="_", s=300, color=OKABE_ITO[0], label="predicted mean")
        hit = rows["covered"].to_numpy(dtype=bool)
        actual = rows["actual"].to_numpy(dtype=float)
        ax.scatter(x[hit], actual[hit], color=OKABE_ITO[5], zorder=3, label="actual (in interval)")
        ax.scatter(x[~hit], actual[~hit], facecolors="white", edgecolors=OKABE_ITO[5], zorder=3, label="actual (miss)")
        ax.set_xticks(x, [f"{a:.0f}-{b:.0f}" for a, b in zip(rows["start_day"], rows["end_day"], strict=True)], fontsize=8)
        ax.set_title(_TITLES[metric], fontsize=10)
        ax.set_xlabel("days after the split", fontsize=8)
        if metric == "bookings_usd":
            ax.yaxis.set_major_formatter(_money_formatter())
        ax.set_ylim(bottom=0)
        ax.margins(x=0.2)
    axes[0][-1].legend(fontsize=7, loc="lower center")
    coverage = backtest.coverage
    default = f"back-test from {_label(backtest.split_at)}: {backtest.replications} runs, coverage {coverage:.0%}"
    fig.suptitle(title or default, fontsize=11)
    fig.tight_layout()
    return fig


def _label(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if hasattr(value, "strftime") else str(value)

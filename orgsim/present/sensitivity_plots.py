"""Figures of sensitivity studies: Morris screening, Sobol indices, and where each structure wins.

Presentation only: each function takes what :mod:`orgsim.sensitivity` computed (the indices of
:meth:`Sensitivity.indices <orgsim.experiment.sensitivity.Sensitivity.indices>`, or a
:class:`~orgsim.experiment.ranking.Winners`), draws on a given ``ax`` (or a new figure) and
returns the matplotlib ``Axes``. ``Sensitivity.plot`` and ``Winners.plot`` call these. Colours
are the Okabe-Ito palette of :mod:`orgsim.plot`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from orgsim.model.outcomes import outcome
from orgsim.present.plot import OKABE_ITO, _money_formatter, _plt

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from orgsim.experiment.ranking import Winners


def _unit(metric: str) -> str:
    """The axis unit of a metric, as declared in :mod:`orgsim.model.outcomes`."""
    try:
        unit = outcome(metric).unit
    except KeyError:  # not a declared outcome name
        return "units of the metric"
    return {"usd": "USD", "days": "days"}.get(unit, "units of the metric")


def _title(frame: pd.DataFrame) -> str:
    metric, output, day = frame.attrs.get("metric", ""), frame.attrs.get("output", ""), frame.attrs.get("day", math.nan)
    at = f" at day {day:g}" if isinstance(day, float) and math.isfinite(day) else ""
    what = f"paired difference {output}" if " - " in str(output) else str(output)
    return f"{metric}{at}: {what}"


def plot_morris(indices: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Morris screening: ``mu_star`` (importance) against ``sigma`` (non-linearity and
    interactions) per parameter, with the bootstrap interval of ``mu_star`` as horizontal bars.
    Parameters near the origin can be fixed; the dashed line is ``sigma = mu_star``.

    Args:
        indices: :meth:`~orgsim.experiment.sensitivity.Sensitivity.indices` of a Morris study.
    """
    if ax is None:
        _, ax = _plt().subplots(figsize=(7.0, 4.5), constrained_layout=True)
    unit = _unit(str(indices.attrs.get("metric", "")))
    conf = float(indices.attrs.get("confidence", 0.95))
    for i, (name, row) in enumerate(indices.iterrows()):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        ax.errorbar(row["mu_star"], row["sigma"], xerr=row["mu_star_conf"], fmt="o", color=colour, capsize=3, label=str(name))
    top = float(np.nanmax([indices["mu_star"].max() + indices["mu_star_conf"].max(), indices["sigma"].max(), 1e-12]))
    ax.plot([0, top], [0, top], ls="--", lw=0.8, color="0.5", label="σ = μ*")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(f"μ*: mean |elementary effect| ({unit} per full range; bars: {conf:.0%} bootstrap interval)")
    ax.set_ylabel(f"σ: sd of the elementary effects ({unit})")
    ax.set_title(f"Morris screening, {_title(indices)}", fontsize=10)
    ax.legend(fontsize=8, loc="best", frameon=False)
    if unit == "USD":
        ax.xaxis.set_major_formatter(_money_formatter())
        ax.yaxis.set_major_formatter(_money_formatter())
    return ax


def plot_sobol(indices: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Sobol indices: first-order ``S1`` and total ``ST`` per parameter as horizontal bars with
    their bootstrap intervals. ``ST - S1`` is the share due to interactions.

    Args:
        indices: :meth:`~orgsim.experiment.sensitivity.Sensitivity.indices` of a Sobol study.
    """
    if ax is None:
        _, ax = _plt().subplots(figsize=(8.5, 0.6 * len(indices) + 1.8), constrained_layout=True)
    conf = float(indices.attrs.get("confidence", 0.95))
    y = np.arange(len(indices))
    h = 0.38
    ax.barh(y - h / 2, indices["S1"], h, xerr=indices["S1_conf"], color=OKABE_ITO[0], capsize=3, label="S1: first order (alone)")
    ax.barh(y + h / 2, indices["ST"], h, xerr=indices["ST_conf"], color=OKABE_ITO[1], capsize=3, label="ST: total (with interactions)")
    ax.set_yticks(y, [str(n) for n in indices.index])
    ax.invert_yaxis()
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel(f"share of the output's variance (bars: {conf:.0%} bootstrap interval)")
    ax.set_title(f"Sobol indices, {_title(indices)}", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def plot_winners(
    winners: Winners, x: str, y: str | None = None, *, bins: int = 4, day: float | None = None, ax: Axes | None = None
) -> Axes:
    """Where each structure wins. With one parameter: the share of points where each structure
    is best, per bin (stacked bars). With two: a map of bins coloured by the most frequent
    winner, annotated with its share and the number of points.
    """
    from matplotlib.patches import Patch

    table = winners.regions(x, y, bins=bins, day=day)
    colours = {s: OKABE_ITO[i % len(OKABE_ITO)] for i, s in enumerate(winners.labels)}
    direction = "highest" if winners.higher_is_better else "lowest"
    if ax is None:
        _, ax = _plt().subplots(figsize=(7.5, 4.5), constrained_layout=True)
    if y is None:
        labels = [_bin_text(b) for b in table.index]
        xs = np.arange(len(table))
        bottom = np.zeros(len(table))
        for s in winners.labels:
            share = table[s].fillna(0.0).to_numpy()
            ax.bar(xs, share, bottom=bottom, color=colours[s], label=s, edgecolor="white", linewidth=0.5)
            bottom += share
        for xi, n in zip(xs, table["points"], strict=True):
            ax.text(xi, 1.01, f"n={n}", ha="center", va="bottom", fontsize=7)
        ax.set_xticks(xs, labels, rotation=20 if len(xs) > 4 else 0, fontsize=8)
        ax.set_ylim(0, 1.1)
        ax.set_ylabel(f"share of sampled points where best ({direction} {winners.metric})")
        ax.set_xlabel(_axis_label(x))
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        xs_levels = list(dict.fromkeys(table.index.get_level_values(0)))
        ys_levels = list(dict.fromkeys(table.index.get_level_values(1)))
        for i, xb in enumerate(xs_levels):
            for j, yb in enumerate(ys_levels):
                row = table.loc[(xb, yb)]
                if row["points"] == 0:
                    ax.add_patch(_plt().Rectangle((i - 0.5, j - 0.5), 1, 1, facecolor="white", edgecolor="0.8", hatch="//"))
                    continue
                winner = row["winner"]
                share = float(row[winner])
                alpha = 0.35 + 0.65 * share
                ax.add_patch(_plt().Rectangle((i - 0.5, j - 0.5), 1, 1, facecolor=colours[winner], alpha=alpha, edgecolor="white"))
                ax.text(i, j, f"{share:.0%}\nn={int(row['points'])}", ha="center", va="center", fontsize=8)
        ax.set_xlim(-0.5, len(xs_levels) - 0.5)
        ax.set_ylim(-0.5, len(ys_levels) - 0.5)
        ax.set_xticks(range(len(xs_levels)), [_bin_text(b) for b in xs_levels], fontsize=8, rotation=20 if len(xs_levels) > 4 else 0)
        ax.set_yticks(range(len(ys_levels)), [_bin_text(b) for b in ys_levels], fontsize=8)
        ax.set_xlabel(_axis_label(x))
        ax.set_ylabel(_axis_label(y))
        handles = [Patch(facecolor=colours[s], label=s) for s in winners.labels]
        handles.append(Patch(facecolor="white", edgecolor="0.8", hatch="//", label="no point sampled"))
        ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="most often best")
    at = "" if table.attrs["day"] is None else f" at day {table.attrs['day']:g}"
    ax.set_title(f"Best structure on {winners.metric}{at} ({direction} mean over replications)", fontsize=10)
    return ax


def _bin_text(b: Any) -> str:
    return f"{b:g}" if isinstance(b, float) else str(b)


def _axis_label(name: str) -> str:
    return "horizon (days)" if name == "horizon_days" else name


__all__ = ["plot_morris", "plot_sobol", "plot_winners"]

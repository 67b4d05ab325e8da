"""Figures of experiments (presentation only; the model never imports this module).

Every function takes an :class:`~orgsim.experiment.Experiment` (or its tidy frame from
``Experiment.to_frame()``: columns ``structure, replication, period, metric, value``), draws on
a given ``ax`` (or a new figure) and returns the matplotlib ``Axes`` (``dashboard`` returns the
``Figure``). Colours are the Okabe-Ito palette, safe for colour-blind readers; bands are 95%
t-intervals over replications, clipped to the metric's feasible range (no band below $0 or
above 100%), and fewer than 5 replications draw a ``FewReplicationsWarning``
(:mod:`orgsim.experiment.feasible`). Money reads ``$1.5M`` and ``-$6M``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from orgsim.experiment.feasible import clip_band, feasible_range, warn_if_few
from orgsim.model.outcomes import DERIVED, outcome

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

_LABELS = {
    "bookings_usd": "bookings (USD per period)",
    "profit_usd": "profit (USD per period)",
    "sla_compliance": "SLA compliance (share of MQLs\nfollowed up within the SLA)",
    "brand_stock": "brand stock (units of finished projects)",
    "long_term_effort_share": "long-term share of marketing effort",
}


#: Series columns that :func:`orgsim.model.recorder.add_ratios` recomputes from the summed
#: flows (``leads`` and the ratios), as declared in the outcome registry.
_DERIVED = frozenset(o.name for o in DERIVED)


def _is_money(metric: str) -> bool:
    """Whether an outcome is declared in US dollars (tick labels such as $1.5M)."""
    return outcome(metric).unit == "usd"


def _kind(metric: str) -> str | None:
    """The declared kind of an outcome; None for a name the registry does not declare (a column of an older version's run)."""
    try:
        return outcome(metric).kind
    except KeyError:
        return None


def _plt() -> Any:
    """pyplot, imported on first use (the backend is the user's choice; matplotlib falls back
    to a non-interactive one where there is no display)."""
    import matplotlib.pyplot as plt

    return plt


def tidy(experiment: Any) -> pd.DataFrame:
    """The tidy frame of an experiment (or the frame itself)."""
    return experiment if isinstance(experiment, pd.DataFrame) else experiment.to_frame()


def resample(frame: pd.DataFrame, periods_per_bin: int) -> pd.DataFrame:
    """The tidy frame with ``periods_per_bin`` consecutive periods merged into one: flows are
    summed, levels take the value at the end of the bin and ratios (SLA compliance, effort
    share, ...) are recomputed from the summed flows, never averaged."""
    from orgsim.model.recorder import add_ratios

    if periods_per_bin <= 1:
        return frame
    wide = frame.pivot_table(index=["structure", "replication", "period"], columns="metric", values="value", sort=False)
    keys = [wide.index.get_level_values("structure"), wide.index.get_level_values("replication")]
    bins = wide.index.get_level_values("period") // periods_per_bin
    grouped = wide.groupby([*keys, bins], sort=False)
    kinds = {c: _kind(c) for c in wide.columns if c not in _DERIVED}  # undeclared columns (an older run's) are left out
    flows = [c for c, kind in kinds.items() if kind == "flow"]
    levels = [c for c, kind in kinds.items() if kind == "level" and c != "start_day"]
    merged = pd.concat([grouped[flows].sum(), grouped[levels].last(), grouped[["start_day"]].min()], axis=1)
    # a short last bin (a horizon that is not a whole number of bins) would look like a drop
    length = merged["end_day"] - merged["start_day"]
    merged = merged[length >= 0.75 * length.max()]
    merged = add_ratios(merged)
    merged.index.names = ["structure", "replication", "period"]
    out = merged.stack().rename("value").reset_index()
    return out.rename(columns={out.columns[3]: "metric"})


def _auto_bin(frame: pd.DataFrame) -> int:
    """Periods per plotted bin: weekly up to half a year, about monthly up to two years, quarterly beyond
    (four overlapping monthly bands over three years are hard to tell apart)."""
    ends = frame[frame.metric == "end_day"].groupby("period").value.first()
    if len(ends) < 2:
        return 1
    horizon, period = float(ends.iloc[-1]), float(ends.iloc[0])
    target = 1.0 if horizon <= 182 else (30.0 if horizon <= 2 * 365 else 91.0)
    return max(1, round(target / period))


def _wide(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Rows (structure, replication), columns period, for one metric."""
    sub = frame[frame.metric == metric]
    if sub.empty:
        raise ValueError(f"metric {metric!r} is not in the experiment; known: {sorted(frame.metric.unique())}")
    return sub.pivot_table(index=["structure", "replication"], columns="period", values="value", sort=False, dropna=False)


def _time_axis(frame: pd.DataFrame) -> tuple[np.ndarray, str]:
    ends = frame[frame.metric == "end_day"].groupby("period").value.first().to_numpy()
    if len(ends) and ends[-1] > 3 * 365:
        return ends / 365.0, "years"
    if len(ends) and ends[-1] > 180:
        return ends / 30.4, "months"
    return ends, "days"


def _mean_band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over rows and the half-width of the 95% t-interval (0 with one replication)."""
    n = values.shape[0]
    mean = np.nanmean(values, axis=0)
    if n < 2:
        return mean, np.zeros_like(mean)
    half = stats.t.ppf(0.975, n - 1) * np.nanstd(values, axis=0, ddof=1) / np.sqrt(n)
    return mean, half


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7.0, 4.0)) -> Axes:
    if ax is not None:
        return ax
    _, ax = _plt().subplots(figsize=figsize, constrained_layout=True)
    return ax


def _structures(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame.structure))


def _replications(frame: pd.DataFrame) -> int:
    """The fewest replications of any structure in the frame."""
    return int(frame.groupby("structure", observed=True).replication.nunique().min()) if len(frame) else 0


def _lower(metric: str) -> float:
    return feasible_range(metric)[0]


def over_time(
    experiment: Any,
    metric: str = "bookings_usd",
    *,
    cumulative: bool = False,
    ax: Axes | None = None,
    ylabel: str | None = None,
    periods_per_bin: int | None = None,
) -> Axes:
    """A metric over time per structure: mean over replications with a 95% band.

    Periods are merged into bins for legibility (``periods_per_bin``; by default weekly up to
    half a year, about monthly up to two years, quarterly beyond); flows are summed per bin."""
    frame = tidy(experiment)
    frame = resample(frame, _auto_bin(frame) if periods_per_bin is None else periods_per_bin)
    ax = _axes(ax)
    x, unit = _time_axis(frame)
    wide = _wide(frame, metric)
    warn_if_few(_replications(frame))
    for i, structure in enumerate(_structures(frame)):
        values = wide.loc[structure].to_numpy(dtype=float)
        if cumulative:
            values = np.nancumsum(values, axis=1)
        mean, half = _mean_band(values)
        # a band never leaves the feasible range (a cumulative sum keeps only the lower bound)
        if cumulative:
            low, high = np.maximum(mean - half, _lower(metric)), mean + half
        else:
            low, high = clip_band(metric, mean - half, mean + half)
        color = OKABE_ITO[i % len(OKABE_ITO)]
        ax.plot(x[: len(mean)], mean, color=color, label=structure, lw=1.8)
        ax.fill_between(x[: len(mean)], low, high, color=color, alpha=0.2, lw=0)
    label = ylabel or _LABELS.get(metric, metric)
    if "per period" in label:
        label = label.replace("per period", _bin_name(x, unit))
    money = _is_money(metric)
    ax.set_ylabel(("cumulative " + label.split(" (")[0] + " (USD)" * money) if cumulative else label)
    ax.set_xlabel(f"time ({unit})")
    if money:
        ax.yaxis.set_major_formatter(_money_formatter())
    ax.legend(frameon=False, fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def _bin_name(x: np.ndarray, unit: str) -> str:
    width = float(x[1] - x[0]) if len(x) > 1 else float(x[0])
    days = width * {"days": 1.0, "months": 30.4, "years": 365.0}[unit]
    return "per week" if days < 10 else ("per month" if days < 45 else ("per quarter" if days < 120 else f"per {days:.0f} days"))


def _money_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(value: float, _pos: int) -> str:
        return money(value)

    return FuncFormatter(fmt)


def money(value: float) -> str:
    """US dollars the way people write them: ``$1.5M``, ``-$6M``, ``$250k``, ``$0``."""
    sign = "-" if value < 0 else ""
    size = abs(value)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= scale:
            return f"{sign}${size / scale:g}{suffix}"
    return f"{sign}${size:g}"


def bookings(experiment: Any, *, ax: Axes | None = None) -> Axes:
    """Bookings per period per structure with 95% bands."""
    ax = over_time(experiment, "bookings_usd", ax=ax)
    ax.set_title("Bookings over time (mean, 95% band)")
    return ax


def cumulative(
    experiment: Any, a: str | None = None, b: str | None = None, *, metric: str = "bookings_usd", ax: Axes | None = None
) -> Axes:
    """Cumulative metric per structure; with ``a`` and ``b``, the crossover of a over b is marked."""
    ax = over_time(experiment, metric, cumulative=True, ax=ax)
    ax.set_title("Cumulative " + _LABELS.get(metric, metric).split(" (")[0])
    if a is not None and b is not None and not isinstance(experiment, pd.DataFrame):
        cross = experiment.crossover(a, b, metric=metric)
        period = _crossover_period(cross)
        if period is not None:
            frame = tidy(experiment)
            x, unit = _time_axis(frame)
            at = x[period]
            ax.axvline(at, color="0.3", ls="--", lw=1, label=f"crossover (median): {a}\nstays ahead of {b} from here on")
            # cumulative lines rise from lower left to upper right: an early crossover is labelled at
            # the top and the legend goes lower right, a late one at the bottom and the legend upper left
            right = at < 0.6 * x[-1]
            ax.annotate(
                f" {at:.1f} {unit} ",
                xy=(at, 0.96 if right else 0.04),
                xycoords=("data", "axes fraction"),
                ha="left" if right else "right",
                va="top" if right else "bottom",
                fontsize="small",
                color="0.2",
            )
            _legend_clear_of(ax, at, ["lower right", "upper left"] if right else ["upper left", "lower right"])
    return ax


def _legend_clear_of(ax: Axes, x: float, places: list[str]) -> None:
    """A legend in the first of ``places`` whose box does not cross the vertical line at data
    ``x``; below the axes if none is clear (a long legend and a crossover near the middle)."""
    at = ax.transData.transform((x, 0.0))[0]
    for place in places:
        box = ax.legend(fontsize="small", loc=place, framealpha=0.85, edgecolor="none").get_window_extent()
        if not box.x0 <= at <= box.x1:
            return
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.15), framealpha=0.85, edgecolor="none")


def cumulative_difference(
    experiment: Any, baseline: str | None = None, *, metric: str = "bookings_usd", ax: Axes | None = None
) -> Axes:
    """Each structure's cumulative metric minus ``baseline``'s (by default the first structure),
    paired by replication (common random numbers): mean and 95% band.

    Where a line crosses zero for good, that structure overtakes the baseline: for an
    :class:`~orgsim.experiment.Experiment`, the median crossover over the replications (when
    at least half of them cross) is marked with a diamond in the structure's colour on the zero
    line, and its time is given in the legend. Cumulative lines of similar structures overlap;
    their differences do not."""
    frame = tidy(experiment)
    structures = _structures(frame)
    baseline = structures[0] if baseline is None else baseline
    if baseline not in structures:
        raise ValueError(f"baseline {baseline!r} is not one of the structures: {structures}")
    ax = _axes(ax, (7.5, 4.2))
    x, unit = _time_axis(frame)
    wide = _wide(frame, metric)
    base = np.nancumsum(wide.loc[baseline].to_numpy(dtype=float), axis=1)
    for i, structure in enumerate(structures):
        if structure == baseline:
            continue
        paired = np.nancumsum(wide.loc[structure].to_numpy(dtype=float), axis=1) - base
        mean, half = _mean_band(paired)
        color = OKABE_ITO[i % len(OKABE_ITO)]
        ax.plot(x[: len(mean)], mean, color=color, lw=1.8, label=structure)
        ax.fill_between(x[: len(mean)], mean - half, mean + half, color=color, alpha=0.2, lw=0)
        at = _crossover_time(experiment, structure, baseline, metric, x)
        if at is not None:
            # a marker on the zero line, not a line across the axes: the legend can always avoid it
            label = f"{structure} ahead for good\nfrom {at:.1f} {unit} (median)"
            ax.plot([at], [0.0], ls="none", marker="D", ms=7, mfc=color, mec="black", zorder=5, label=label)
    ax.axhline(0, color="0.3", lw=1)
    name = _LABELS.get(metric, metric).split(" (")[0]
    ax.set_ylabel(f"difference in cumulative {name}" + (" (USD)" if _is_money(metric) else ""))
    ax.set_xlabel(f"time ({unit})")
    if _is_money(metric):
        ax.yaxis.set_major_formatter(_money_formatter())
    ax.set_title(f"Cumulative {name}, each structure minus {baseline}\n(paired by replication: mean and 95% band)", fontsize="medium")
    ax.legend(frameon=False, fontsize="small", loc="best")
    ax.grid(alpha=0.3)
    return ax


def _crossover_time(experiment: Any, a: str, b: str, metric: str, x: np.ndarray) -> float | None:
    """The median time ``a`` overtakes ``b`` for good, if at least half of the replications cross (Experiment only)."""
    if isinstance(experiment, pd.DataFrame):
        return None
    cross = experiment.crossover(a, b, metric=metric)
    periods = cross.by_replication["period"]
    if periods.notna().sum() * 2 < max(1, len(periods)):
        return None
    period = _crossover_period(cross)
    return None if period is None or period >= len(x) else float(x[period])



def _crossover_period(cross: Any) -> int | None:
    """The median crossover period over the replications that crossed, if any did."""
    periods = cross.by_replication["period"].dropna()
    return int(np.median(periods.to_numpy(dtype=float))) if len(periods) else None


def differences(experiment: Any, baseline: str, metrics: Sequence[str] = ("bookings_usd", "profit_usd"), *, ax: Axes | None = None) -> Axes:
    """Paired differences of each structure from ``baseline`` (totals over the horizon), with
    95% intervals: one row per structure, one colour per metric."""
    frame = experiment.differences(baseline, list(metrics)).reset_index()
    structures = list(dict.fromkeys(frame["structure"]))
    names = list(dict.fromkeys(frame["metric"]))
    ax = _axes(ax, (7.0, 1.4 + 0.55 * len(structures) * max(1, len(names)) ** 0.5))
    step = 0.7 / max(1, len(names))
    for j, metric in enumerate(names):
        rows = frame[frame["metric"] == metric].set_index("structure").reindex(structures)
        y = np.arange(len(structures)) - (j - (len(names) - 1) / 2) * step
        mean = rows["mean"].to_numpy(dtype=float)
        err = [mean - rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float) - mean]
        label = _LABELS.get(metric, metric).split(" (")[0]
        ax.errorbar(mean, y, xerr=err, fmt="os^Dv"[j % 5], color=OKABE_ITO[j % len(OKABE_ITO)], capsize=3, label=label)
    ax.axvline(0, color="0.3", lw=1)
    ax.set_yticks(np.arange(len(structures)), structures)
    ax.invert_yaxis()  # first structure on top
    money = all(_is_money(m) for m in names)
    ax.set_xlabel(f"paired difference ({'USD ' if money else ''}over the horizon, 95% interval)")
    if money:
        ax.xaxis.set_major_formatter(_money_formatter())
    ax.set_title(f"Differences from {baseline}")
    ax.legend(frameon=False, fontsize="small", loc="best")
    ax.grid(axis="x", alpha=0.3)
    return ax


#: Funnel stages: total and tick label (short enough for a dashboard panel).
FUNNEL = (
    ("leads", "all\nleads"),
    ("mqls", "MQLs"),
    ("follow_ups", "MQLs\nfollowed\nup"),
    ("opportunities", "opportu-\nnities"),
    ("wins", "wins"),
)


def funnel(experiment: Any, *, ax: Axes | None = None) -> Axes:
    """The lead funnel per structure: mean count per stage over the horizon with its 95%
    interval over replications, on a linear scale (a log scale hides the gaps that matter)."""
    frame = tidy(experiment)
    ax = _axes(ax)
    structures = _structures(frame)
    width = 0.8 / max(1, len(structures))
    per_run = _run_totals(frame, [metric for metric, _ in FUNNEL])
    warn_if_few(_replications(frame))
    for i, structure in enumerate(structures):
        runs = per_run.loc[structure].reindex(columns=[metric for metric, _ in FUNNEL]).to_numpy(dtype=float)
        mean, half = _mean_band(runs)
        low, _ = clip_band("leads", mean - half, mean + half)  # counts: never below 0
        positions = np.arange(len(FUNNEL)) + (i - (len(structures) - 1) / 2) * width
        color = OKABE_ITO[i % len(OKABE_ITO)]
        ax.bar(positions, mean, width=width, color=color, label=structure, yerr=[mean - low, half], capsize=2, ecolor="0.2")
    ax.set_xticks(np.arange(len(FUNNEL)), [label for _, label in FUNNEL])
    ax.set_ylabel("count over the horizon (mean, 95% interval)")
    ax.yaxis.set_major_formatter(_count_formatter())
    ax.set_xlabel("outbound leads skip scoring: counted in leads and opportunities only", fontsize="small")
    ax.set_title("Lead funnel")
    ax.legend(frameon=False, fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return ax


def _run_totals(frame: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Flows summed over the periods of each run: rows (structure, replication), one column per metric."""
    sub = frame[frame.metric.isin(metrics)]
    return sub.pivot_table(index=["structure", "replication"], columns="metric", values="value", aggfunc="sum", observed=True)


def _count_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: f"{value / 1e3:g}k" if abs(value) >= 1e3 else f"{value:g}")


def effort_split(experiment: Any, *, ax: Axes | None = None, periods_per_bin: int | None = None) -> Axes:
    """Long-term share of marketing effort over time per structure (quarterly bins by default:
    projects are lumpy, so shorter bins mostly show which project happened to run)."""
    frame = tidy(experiment)
    if periods_per_bin is None:
        period = float(frame[frame.metric == "end_day"].value.min())
        periods_per_bin = max(1, round(91.0 / period))
    ax = over_time(frame, "long_term_effort_share", ax=ax, periods_per_bin=periods_per_bin)
    ax.set_ylim(0, 1)
    ax.set_title("Marketing effort on long-term work")
    return ax


def stocks(experiment: Any, names: Sequence[str] = ("brand", "content", "campaign", "automation"), *, fig: Figure | None = None) -> Figure:
    """Market stock levels over time, one panel per stock."""
    plt = _plt()
    fig = fig or plt.figure(figsize=(9.0, 5.5), constrained_layout=True)
    axes = fig.subplots(2, (len(names) + 1) // 2, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        over_time(experiment, f"{name}_stock", ax=ax, ylabel=f"{name} stock (units)")
        ax.set_title(name)
        ax.get_legend().remove()
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    fig.suptitle("Market stocks (units of finished projects; mean of replications, 95% bands)")
    return fig


def sla(experiment: Any, *, ax: Axes | None = None) -> Axes:
    """SLA compliance over time per structure."""
    ax = over_time(experiment, "sla_compliance", ax=ax)
    ax.set_ylim(0, 1)
    ax.set_title("Follow-up SLA compliance")
    return ax


#: What becomes of an MQL, against the SLA: (label, colour). Shares of all MQLs.
MQL_FATES = (
    ("followed up within the SLA", "#009E73"),
    ("followed up after the SLA", "#E69F00"),
    ("never followed up", "#D55E00"),
    ("still waiting at the end", "#BBBBBB"),
)


def mql_fates(frame: pd.DataFrame) -> pd.DataFrame:
    """Per structure and replication, the share of MQLs in each of :data:`MQL_FATES`."""
    runs = _run_totals(frame, ["mqls", "sla_met", "follow_ups", "unfollowed", "queued"])
    mqls = runs["mqls"].where(runs["mqls"] > 0)
    fates = pd.DataFrame(
        {
            MQL_FATES[0][0]: runs["sla_met"],
            MQL_FATES[1][0]: runs["follow_ups"] - runs["sla_met"],
            MQL_FATES[2][0]: runs["unfollowed"],
            MQL_FATES[3][0]: (runs["queued"] - runs["follow_ups"]).clip(lower=0),
        }
    )
    return fates.div(mqls, axis=0)


def response_times(experiment: Any, *, ax: Axes | None = None) -> Axes:
    """What becomes of the MQLs against the SLA, per structure: the share followed up within
    the SLA, after it, never, or still waiting at the end (mean over replications), with the
    95% interval of the share within the SLA (the SLA compliance) and the mean response time of
    the MQLs that were followed up. MQLs nobody follows up count: a response-time average
    over the followed-up ones alone hides them."""
    frame = tidy(experiment)
    ax = _axes(ax, (7.5, 1.6 + 0.6 * len(_structures(frame))))
    structures = _structures(frame)
    fates = mql_fates(frame)
    hours = _run_totals(frame, ["response_hours_sum", "follow_ups"])
    y = np.arange(len(structures))
    for j, (fate, color) in enumerate(MQL_FATES):
        left = np.array([fates.loc[s].iloc[:, :j].sum(axis=1).mean() for s in structures])
        width = np.array([fates.loc[s][fate].mean() for s in structures])
        ax.barh(y, width, left=left, color=color, label=fate, height=0.6)
        if j == 0:
            bands = [_mean_band(fates.loc[s][[fate]].to_numpy(dtype=float)) for s in structures]
            low = np.array([max(0.0, m[0] - h[0]) for m, h in bands])
            high = np.array([min(1.0, m[0] + h[0]) for m, h in bands])
            ax.errorbar(width, y, xerr=[width - low, high - width], fmt="none", ecolor="black", capsize=3, lw=1)
        if j in (0, 2):  # the shares that differ: within the SLA, and never
            for k, share in enumerate(width):
                if share >= 0.04:
                    x_mid = left[k] + share / 2
                    ax.text(x_mid, y[k], f"{share:.0%}", ha="center", va="center", fontsize="small", color="white", weight="bold")
    labels = []
    for s in structures:
        h = hours.loc[s]
        mean_hours = float((h["response_hours_sum"] / h["follow_ups"].where(h["follow_ups"] > 0)).mean())
        labels.append(f"{s}\n(followed up in {mean_hours:.1f} h on average)")
    ax.set_yticks(y, labels, fontsize="small")
    ax.set_ylabel("structure")
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(_percent_formatter())
    sla_hours = _sla_hours(experiment)
    sla = f"the {sla_hours:g}-hour SLA" if sla_hours is not None else "the SLA"
    ax.set_xlabel("share of all MQLs (mean of replications; error bar: 95% interval of the share within the SLA)", fontsize="small")
    ax.set_title(f"What became of the MQLs, against {sla}")
    ax.legend(frameon=False, fontsize="small", ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.28))
    return ax


def _percent_formatter() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=0)


def _sla_hours(experiment: Any) -> float | None:
    """The scenario's SLA in hours, from an Experiment's metadata (None for a frame)."""
    meta = getattr(experiment, "meta", None) or {}
    value = meta.get("scenario", {}).get("sales", {}).get("sla_hours")
    return None if value is None else float(value)


def dashboard(experiment: Any, baseline: str | None = None) -> Figure:
    """One figure with the key panels: bookings, the cumulative difference of bookings from
    ``baseline`` (by default the first structure) with the crossovers, SLA compliance, effort
    split, brand stock and the funnel."""
    plt = _plt()
    fig, axes = plt.subplots(2, 3, figsize=(16.0, 8.5), constrained_layout=True)
    bookings(experiment, ax=axes[0, 0])
    frame = tidy(experiment)
    structures = _structures(frame)
    baseline = baseline if baseline is not None else structures[0]
    if len(structures) > 1:
        cumulative_difference(experiment, baseline, ax=axes[0, 1]).set_title(f"Cumulative bookings minus {baseline}")
        marks = [line for line in axes[0, 1].get_lines() if line.get_marker() == "D"]
        axes[0, 1].legend(handles=marks, loc="best", frameon=False, fontsize="small")  # the crossovers only
    else:
        cumulative(experiment, ax=axes[0, 1])
    sla(experiment, ax=axes[0, 2])
    effort_split(experiment, ax=axes[1, 0])
    over_time(experiment, "brand_stock", ax=axes[1, 1]).set_title("Brand stock")
    funnel(experiment, ax=axes[1, 2])
    handles, labels = axes[0, 0].get_legend_handles_labels()
    for ax in axes.ravel():
        legend = ax.get_legend()
        if legend is not None and ax is not axes[0, 1]:  # keep the crossover's own legend
            legend.remove()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    fig.suptitle("orgsim: structures compared (mean of replications, 95% bands)")
    return fig


__all__ = [
    "OKABE_ITO",
    "bookings",
    "cumulative",
    "cumulative_difference",
    "dashboard",
    "differences",
    "effort_split",
    "funnel",
    "money",
    "mql_fates",
    "over_time",
    "response_times",
    "sla",
    "stocks",
    "tidy",
]

"""The default comparison of the four structures, for docs/structures.md.

Runs the default scenario under the four preset structures for three years with common random
numbers (replication r of every structure shares its seed), prints the numbers quoted in the
page and writes the figures into docs/figures/ with the plotting functions of ``orgsim.plot``.
Runs under a structure do not depend on the horizon (the first 182 days of a three-year run
are exactly a 182-day run; checked below), so the one- and two-quarter results are read from
the same runs.

Run from the repository root: ``.venv/bin/python docs/studies/structures.py`` (about three
minutes on two cores).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

import orgsim
from orgsim import plot

REPLICATIONS = 30
SEED = 2024
HORIZON_DAYS = 1095
MUS = "marketing_under_sales"
FIGURES = Path(__file__).resolve().parent.parent / "figures"
TABLE = {
    "bookings_usd": ("bookings (M$)", 1e-6, 2),
    "profit_usd": ("profit (M$)", 1e-6, 2),
    "brand_stock_end": ("brand stock at the end", 1.0, 3),
    "sla_compliance": ("SLA compliance", 1.0, 3),
    "long_term_effort_share": ("long-term share of effort", 1.0, 3),
    "mean_discount": ("mean discount", 1.0, 4),
    "rep_effectiveness_end": ("rep effectiveness", 1.0, 3),
}


def cumulative_at(experiment: orgsim.Experiment, column: str, day: float) -> pd.DataFrame:
    """replication x structure table of ``column`` summed over the periods ending on or before ``day``."""
    frame = experiment.to_frame()
    ends = frame[frame.metric == "end_day"][["structure", "replication", "period", "value"]].rename(columns={"value": "end_day"})
    values = frame[frame.metric == column][["structure", "replication", "period", "value"]]
    merged = values.merge(ends, on=["structure", "replication", "period"])
    kept = merged[merged.end_day <= day + 1e-9]
    return kept.groupby(["replication", "structure"], observed=True).value.sum().unstack("structure")[experiment.labels]


def paired_line(table: pd.DataFrame, other: str, base: str, scale: float = 1e-3) -> str:
    d = (table[other] - table[base]).to_numpy(dtype=float)
    n = len(d)
    half = stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n)
    return f"{other} - {base}: {d.mean() * scale:9.1f} [{(d.mean() - half) * scale:9.1f}, {(d.mean() + half) * scale:9.1f}]"


def main() -> None:
    structures = orgsim.presets.all()
    experiment = orgsim.compare(None, structures, replications=REPLICATIONS, seed=SEED, horizon_days=HORIZON_DAYS, progress=False)
    check = orgsim.simulate(structure=structures[MUS], seed=experiment.seed_sequence(0), horizon_days=182)
    assert check.totals["bookings_usd"] == cumulative_at(experiment, "bookings_usd", 182).loc[0, MUS]
    print(f"four structures x {REPLICATIONS} replications, {HORIZON_DAYS} days, seed {SEED}, failed: {experiment.n_failed}\n")

    summary = experiment.summary(list(TABLE))
    print("| structure | " + " | ".join(label for label, _, _ in TABLE.values()) + " |")
    print("|---" * (len(TABLE) + 1) + "|")
    for structure in experiment.labels:
        cells = []
        for metric, (_, scale, digits) in TABLE.items():
            row = summary.loc[(structure, metric)]
            cells.append(f"{row['mean'] * scale:.{digits}f} [{row['ci_low'] * scale:.{digits}f}, {row['ci_high'] * scale:.{digits}f}]")
        print(f"| {structure} | " + " | ".join(cells) + " |")

    for label, day in (("one quarter", 91), ("two quarters", 182), ("one year", 364), ("three years", HORIZON_DAYS)):
        table = cumulative_at(experiment, "bookings_usd", day)
        print(f"\nbookings over {label} (k$), paired difference from {MUS}, 95% interval; mean {MUS} {table[MUS].mean() / 1e3:.0f}")
        for other in experiment.labels:
            if other != MUS:
                print("  " + paired_line(table, other, MUS))
    profit = experiment.totals("profit_usd")
    print("\nprofit over three years (k$), paired difference from", MUS)
    for other in experiment.labels:
        if other != MUS:
            print("  " + paired_line(profit, other, MUS))
    for metric in ("leader_costs_usd", "program_spend_usd", "costs_usd"):
        table = experiment.totals(metric)
        print(f"\n{metric} over three years (k$), paired difference from", MUS)
        for other in experiment.labels:
            if other != MUS:
                print("  " + paired_line(table, other, MUS))
    for metric in ("sla_compliance", "long_term_effort_share", "brand_stock_end", "mean_discount"):
        table = experiment.totals(metric)
        print(f"\n{metric} over three years, paired difference (x1000)")
        for other in experiment.labels:
            if other != MUS:
                print("  " + paired_line(table, other, MUS, 1e3))
    print()
    for other in experiment.labels:
        if other != MUS:
            s = experiment.crossover(other, MUS, metric="bookings").summary().iloc[0]
            print(
                f"crossover {other} over {MUS}: {int(s['crossed'])}/{int(s['replications'])} replications, "
                f"median day {s['median_day']:.0f}, 10-90% [{s['q10_day']:.0f}, {s['q90_day']:.0f}]"
            )

    FIGURES.mkdir(parents=True, exist_ok=True)
    ax = plot.bookings(experiment)
    ax.figure.savefig(FIGURES / "structures_bookings.png", dpi=110)
    ax = plot.cumulative(experiment, "shared_leader", MUS)
    ax.figure.savefig(FIGURES / "structures_cumulative.png", dpi=110)
    ax = plot.differences(experiment, MUS)
    ax.figure.savefig(FIGURES / "structures_differences.png", dpi=110)
    frame = experiment.to_frame()
    early = frame[frame.period < 26]
    ax = plot.over_time(early, "bookings_usd", cumulative=True)
    ax.set_title("Cumulative bookings, first two quarters (mean, 95% band)")
    ax.figure.savefig(FIGURES / "structures_first_two_quarters.png", dpi=110)
    ax = plot.cumulative_difference(experiment, MUS)  # the figure orgsim compare writes as cumulative_difference.png
    ax.figure.savefig(FIGURES / "structures_cumulative_difference.png", dpi=110)
    fig = plot.dashboard(experiment, baseline=MUS)
    fig.savefig(FIGURES / "structures_dashboard.png", dpi=90)
    plt.close("all")
    print("\nwrote structures_*.png into", FIGURES)


if __name__ == "__main__":
    main()

"""The default comparison of the four structures, for docs/structures.md.

Runs the default scenario under the four preset structures for three years with common random
numbers (replication r of every structure shares its seed), prints the numbers quoted in the
page and writes the figures into docs/figures/ with the plotting functions of ``orgsim.plot``.
Runs under a structure do not depend on the horizon (the first 182 days of a three-year run
are exactly a 182-day run; checked below), so the one- and two-quarter results are read from
the same runs.

Then switches the leadership mechanisms off one at a time (``decomposition``) to show which of them
explains marketing-under-sales's first-year gap.

Run from the repository root: ``.venv/bin/python docs/studies/structures.py`` (about four
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
#: The reps' time, response and quota outcomes of the reps'-time model (docs/model.md 7.3, 7.7, 7.13).
REPS_TABLE = {
    "mean_response_hours": ("mean response (h)", 1.0, 1),
    "response_within_1h_share": ("MQLs answered within 1 h", 1.0, 3),
    "unfollowed_mql_share": ("MQLs never followed up", 1.0, 3),
    "prospecting_time_share": ("reps' time prospecting", 1.0, 3),
    "leads_outbound": ("outbound meetings", 1.0, 0),
    "opportunities": ("opportunities", 1.0, 0),
    "share_of_reps_at_quota": ("rep plan years at quota", 1.0, 3),
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


#: The leadership mechanisms switched off one at a time in ``decomposition`` (docs/model.md 7.12-7.20).
LEADERSHIP = [
    "planning_allocation",
    "quota_pressure",
    "follow_up_discipline",
    "scoring_criteria",
    "sales_effectiveness",
    "crm_learning",
    "escalation",
    "discount_authority",
    "leader_costs",
]
DECOMPOSITION_REPLICATIONS = 20
DECOMPOSITION_DAYS = 364


def decomposition(structures: dict[str, orgsim.Structure]) -> None:
    """Which mechanism explains marketing-under-sales's first-year gap: a sweep with every leadership
    mechanism on, then each one off, then all off (common random numbers across points and
    structures), printing each structure's paired bookings gap from marketing-under-sales at one
    quarter, two quarters and one year, and the intermediate totals behind it."""
    on = {f"mechanisms.{name}": True for name in LEADERSHIP}
    points = [on] + [{**on, f"mechanisms.{name}": False} for name in LEADERSHIP] + [{key: False for key in on}]
    labels = ["all on"] + [f"no {name}" for name in LEADERSHIP] + ["no leadership mechanisms"]
    trio = {name: structures[name] for name in (MUS, "sales_under_marketing", "shared_leader")}
    sweep = orgsim.sweep(
        None,
        trio,
        pd.DataFrame(points),
        replications=DECOMPOSITION_REPLICATIONS,
        seed=SEED,
        horizon_days=DECOMPOSITION_DAYS,
        progress=False,
    )
    frame = sweep.to_frame()
    keys = ["point", "structure", "replication", "period"]
    ends = frame[frame.metric == "end_day"][[*keys, "value"]].rename(columns={"value": "end_day"})
    bookings = frame[frame.metric == "bookings_usd"][[*keys, "value"]].merge(ends, on=keys)
    print(
        f"\nmechanisms off one at a time: {DECOMPOSITION_REPLICATIONS} replications, seed {SEED}; "
        f"bookings gap from {MUS} (k$, 95% interval)"
    )
    for day in (91, 182, DECOMPOSITION_DAYS):
        table = bookings[bookings.end_day <= day + 1e-9].groupby(["point", "replication", "structure"], observed=True).value.sum()
        table = table.unstack("structure")
        print(f"  over {day} days")
        for point, label in enumerate(labels):
            rows = table.xs(point, level="point")
            lines = [paired_line(rows, other, MUS).split(": ")[1] for other in trio if other != MUS]
            print(f"    {label:26s} {MUS} {rows[MUS].mean() / 1e3:7.0f}   sales_under_marketing {lines[0]}   shared_leader {lines[1]}")
    intermediate = [
        "mean_response_hours",
        "response_within_1h_share",
        "unfollowed_mql_share",
        "follow_ups",
        "prospecting_time_share",
        "leads_outbound",
        "opportunities",
        "win_rate",
    ]
    means = sweep.summary(intermediate)["mean"].unstack("metric")[intermediate]
    means = means.rename(index=dict(enumerate(labels)), level="point")
    with pd.option_context("display.width", 250, "display.max_columns", 20, "display.float_format", "{:,.3f}".format):
        print(f"\nintermediate totals over {DECOMPOSITION_DAYS} days (means), all on and follow-up discipline off")
        print(means.loc[["all on", "no follow_up_discipline"]])


def main() -> None:
    structures = orgsim.presets.all()
    experiment = orgsim.compare(None, structures, replications=REPLICATIONS, seed=SEED, horizon_days=HORIZON_DAYS, progress=False)
    check = orgsim.simulate(structure=structures[MUS], seed=experiment.seed_sequence(0), horizon_days=182)
    assert check.totals["bookings_usd"] == cumulative_at(experiment, "bookings_usd", 182).loc[0, MUS]
    print(f"four structures x {REPLICATIONS} replications, {HORIZON_DAYS} days, seed {SEED}, failed: {experiment.n_failed}\n")

    for table in (TABLE, REPS_TABLE):
        summary = experiment.summary(list(table))
        print("| structure | " + " | ".join(label for label, _, _ in table.values()) + " |")
        print("|---" * (len(table) + 1) + "|")
        for structure in experiment.labels:
            cells = []
            for metric, (_, scale, digits) in table.items():
                row = summary.loc[(structure, metric)]
                cells.append(
                    f"{row['mean'] * scale:,.{digits}f} [{row['ci_low'] * scale:,.{digits}f}, {row['ci_high'] * scale:,.{digits}f}]"
                )
            print(f"| {structure} | " + " | ".join(cells) + " |")
        print()

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
    decomposition(structures)


if __name__ == "__main__":
    main()

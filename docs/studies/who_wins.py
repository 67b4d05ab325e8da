"""Who wins where: the four structures, with sampled leaders, one setting at a time around the default.

Every cell runs the four preset structures (``presets.all()``, background profiles) with
``leaders="sampled"`` (the default of ``orgsim.compare``: each seat's holder is drawn per
replication from ``orgsim.LeaderPopulation()`` around the seat's background, the same talent
quantile in the same seat of every structure), 30 replications, seed 2024 (the seed of
docs/studies/structures.py: the default cell repeats its runs), common random numbers across
structures and cells. The cells change one thing at a time:

* company size: the default company and ``scenarios/startup.toml``, ``scaleup.toml`` and
  ``enterprise.toml`` (each run over three years, whatever the file's own horizon);
* growth stage: one rep hired a quarter and 8 channel leads a day (half the default inbound
  base rate, the scale-up file's ratio of channel to inbound leads; docs/model.md 7.21);
* sales cycle: ``deals.cycle_days_median`` 0.5x and 2x (22.5 and 90 days);
* inbound share: ``inbound.base_rate_per_day`` 0.5x and 2x (8 and 32 leads a day);
* planning horizon: one, three and five years, read from one five-year run of the default
  (runs do not depend on the horizon: the first 156 weeks of a five-year run are a 156-week run,
  checked below).

"Three years" is 156 weeks (1,092 days) in every cell, so that the default cell is the three-year
reading of the five-year run; "one year" is 52 weeks (364 days), "five years" 1,825 days.

For each cell and metric (bookings, profit) the script prints the winner (highest mean), its
paired margin over the runner-up with a 95% t-interval (``Experiment.differences`` with the
runner-up as baseline; computed from the per-replication cumulative totals for the horizon cells)
and whether the interval excludes 0 (otherwise "no clear winner"). It writes
docs/figures/who_wins.png (bookings) and docs/figures/who_wins_profit.png, docs/data/who_wins.csv,
and prints the markdown tables of docs/structures.md between ``who-wins table`` markers.

The printed output of the run quoted in docs/structures.md is kept in docs/data/who_wins_output.txt.

Run from the repository root: ``.venv/bin/python docs/studies/who_wins.py`` (19 minutes on two cores
shared with other work; the cells themselves took 1,128 s).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats
from structures import cumulative_at  # the same folder: docs/studies/structures.py

import orgsim

REPLICATIONS = int(os.environ.get("WHO_WINS_REPLICATIONS", "30"))  # fewer only to test the script
SEED = 2024
EXECUTOR = 2
YEAR_DAYS = 364  # 52 weeks
THREE_YEARS = 1092  # 156 weeks
FIVE_YEARS = 1825
ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "docs" / "figures"
DATA = ROOT / "docs" / "data"
METRICS = {"bookings_usd": "bookings", "profit_usd": "profit"}
SHORT = {
    "marketing_under_sales": "MuS",
    "sales_under_marketing": "SuM",
    "shared_leader": "shared",
    "siloed": "siloed",
}

DEFAULT = orgsim.Scenario()
GROWTH = {"growth.rep_hires_per_quarter": 1, "growth.channel_leads_per_day": 8.0}
#: The one-at-a-time changes to the default scenario, run as one sweep: (group, cell label, changes).
VARIANTS = [
    ("growth stage", "growing (+1 rep/quarter, 8 channel leads/day)", GROWTH),
    ("sales cycle", "cycle 0.5x (22.5 days)", {"deals.cycle_days_median": 0.5 * DEFAULT.deals.cycle_days_median}),
    ("sales cycle", "cycle 2x (90 days)", {"deals.cycle_days_median": 2.0 * DEFAULT.deals.cycle_days_median}),
    ("inbound share", "inbound 0.5x (8 leads/day)", {"inbound.base_rate_per_day": 0.5 * DEFAULT.inbound.base_rate_per_day}),
    ("inbound share", "inbound 2x (32 leads/day)", {"inbound.base_rate_per_day": 2.0 * DEFAULT.inbound.base_rate_per_day}),
]
SIZES = ["startup", "scaleup", "enterprise"]


def default_value(key: str) -> object:
    """The default scenario's value of a dotted key such as ``deals.cycle_days_median``."""
    section, field = key.split(".")
    return getattr(getattr(DEFAULT, section), field)


def paired(table: pd.DataFrame, other: str, base: str) -> tuple[float, float, float]:
    """Mean of ``other - base`` over replications and its 95% t-interval."""
    d = (table[other] - table[base]).to_numpy(dtype=float)
    d = d[np.isfinite(d)]
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def cell_rows(group: str, cell: str, metric: str, table: pd.DataFrame, margin: tuple[float, float, float] | None = None) -> list[dict]:
    """One row per structure: its mean, its paired difference from the cell's best, and the cell's
    verdict (winner, runner-up, margin with its interval, whether the interval excludes 0).
    ``margin``: the winner-minus-runner-up interval from ``Experiment.differences`` (else computed here)."""
    means = table.mean().sort_values(ascending=False)
    winner, runner_up = means.index[0], means.index[1]
    computed = paired(table, winner, runner_up)
    if margin is not None:  # the same paired t-interval, checked against Experiment.differences
        assert np.allclose(margin, computed, rtol=1e-9, atol=1e-3), (cell, metric, margin, computed)
    else:
        margin = computed
    clear = margin[1] > 0
    rows = []
    for structure in table.columns:
        diff = paired(table, structure, winner) if structure != winner else (0.0, 0.0, 0.0)
        rows.append(
            {
                "group": group,
                "cell": cell,
                "metric": metric,
                "structure": structure,
                "mean": float(table[structure].mean()),
                "diff_from_best": diff[0],
                "diff_ci_low": diff[1],
                "diff_ci_high": diff[2],
                "winner": winner if clear else "no clear winner",
                "best": winner,
                "runner_up": runner_up,
                "margin": margin[0],
                "margin_ci_low": margin[1],
                "margin_ci_high": margin[2],
                "clear": clear,
                "replications": int(table[structure].notna().sum()),
            }
        )
    return rows


def margin_from(differences: pd.DataFrame, winner: str, metric: str) -> tuple[float, float, float]:
    row = differences.loc[(winner, metric)]
    return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])


def run() -> pd.DataFrame:
    structures = orgsim.presets.all()
    common = {"replications": REPLICATIONS, "seed": SEED, "executor": EXECUTOR, "progress": False}
    rows: list[dict] = []
    started = time.time()

    # planning horizon, and the default cell: one five-year run of the default scenario
    five = orgsim.compare(None, structures, horizon_days=FIVE_YEARS, **common)
    check = orgsim.simulate(structure=five.structure_as_run("shared_leader", 0), seed=five.seed_sequence(0), horizon_days=THREE_YEARS)
    assert np.isclose(check.totals["bookings_usd"], cumulative_at(five, "bookings_usd", THREE_YEARS).loc[0, "shared_leader"], rtol=1e-12)
    print(f"default, five years: {time.time() - started:.0f} s, failed {five.n_failed}", flush=True)
    for metric in METRICS:
        full = five.totals(metric)
        assert np.allclose(cumulative_at(five, metric, FIVE_YEARS).to_numpy(), full.to_numpy(), rtol=1e-9, atol=1e-3)
        for label, day in (("default (3 years)", THREE_YEARS), ("horizon 1 year", YEAR_DAYS)):
            group = "default" if day == THREE_YEARS else "planning horizon"
            rows += cell_rows(group, label, metric, cumulative_at(five, metric, day))
        winner = full.mean().idxmax()
        runner_up = full.mean().sort_values(ascending=False).index[1]
        rows += cell_rows(
            "planning horizon", "horizon 5 years", metric, full, margin_from(five.differences(runner_up, metric), winner, metric)
        )

    # company size: the three scenario files, each over three years
    for name in SIZES:
        t0 = time.time()
        scenario = orgsim.Scenario.from_toml(ROOT / "scenarios" / f"{name}.toml")
        exp = orgsim.compare(scenario, structures, horizon_days=THREE_YEARS, **common)
        print(f"{name}: {time.time() - t0:.0f} s, failed {exp.n_failed}", flush=True)
        for metric in METRICS:
            table = exp.totals(metric)
            order = table.mean().sort_values(ascending=False).index
            rows += cell_rows("company size", name, metric, table, margin_from(exp.differences(order[1], metric), order[0], metric))

    # growth stage, sales cycle, inbound share: one sweep over the changes to the default
    t0 = time.time()
    keys = list(dict.fromkeys(key for _, _, changes in VARIANTS for key in changes))
    grid = pd.DataFrame([{key: changes.get(key, default_value(key)) for key in keys} for _, _, changes in VARIANTS])
    sweep = orgsim.sweep(None, structures, grid, horizon_days=THREE_YEARS, **common)
    print(f"sweep of {len(VARIANTS)} variants: {time.time() - t0:.0f} s, failed {sweep.n_failed}", flush=True)
    for metric in METRICS:
        totals = sweep.totals(metric)
        for point, (group, label, _) in enumerate(VARIANTS):
            table = totals.xs(point, level="point")
            order = table.mean().sort_values(ascending=False).index
            diffs = sweep.differences(order[1], metric).xs(point, level="point")
            rows += cell_rows(group, label, metric, table, margin_from(diffs, order[0], metric))
    print(f"all cells: {time.time() - started:.0f} s\n")
    return pd.DataFrame(rows)


#: Row order of the table and figure.
ORDER = [
    "default (3 years)",
    "startup",
    "scaleup",
    "enterprise",
    VARIANTS[0][1],
    VARIANTS[1][1],
    VARIANTS[2][1],
    VARIANTS[3][1],
    VARIANTS[4][1],
    "horizon 1 year",
    "horizon 5 years",
]


def money(x: float, signed: bool = False) -> str:
    return f"{x / 1e6:+.2f}" if signed else f"{x / 1e6:.2f}"


def markdown(frame: pd.DataFrame, metric: str) -> str:
    sub = frame[frame.metric == metric]
    labels = list(SHORT)
    lines = [
        f"| cell | {' | '.join(f'`{s}`' for s in labels)} | winner: margin over runner-up (M$, 95% interval) |",
        "|---" * (len(labels) + 2) + "|",
    ]
    for cell in ORDER:
        rows = sub[sub.cell == cell].set_index("structure")
        first = rows.iloc[0]
        cells = []
        for s in labels:
            text = money(rows.loc[s, "mean"])
            cells.append(f"**{text}**" if s == first["best"] and first["clear"] else text)
        margin = f"{money(first['margin'], True)} [{money(first['margin_ci_low'], True)}, {money(first['margin_ci_high'], True)}]"
        if first["clear"]:
            verdict = f"**{SHORT[first['best']]}**, {margin} over {SHORT[first['runner_up']]}"
        else:
            verdict = f"no clear winner: {SHORT[first['best']]} {margin} over {SHORT[first['runner_up']]}"
        lines.append(f"| {cell} | " + " | ".join(cells) + f" | {verdict} |")
    return "\n".join(lines)


def figure(frame: pd.DataFrame, metric: str, path: Path) -> None:
    """Heat map: cells as rows, structures as columns; colour = paired difference from the cell's
    best as a share of the best's mean bookings (so profit and bookings share a scale), text = the
    difference in M$ with its 95% interval; the right margin gives the verdict."""
    sub = frame[frame.metric == metric]
    labels = list(SHORT)
    bookings_best = frame[frame.metric == "bookings_usd"].groupby("cell")["mean"].max()
    shares = np.zeros((len(ORDER), len(labels)))
    fig, ax = plt.subplots(figsize=(12.5, 7.6), constrained_layout=True)
    for i, cell in enumerate(ORDER):
        rows = sub[sub.cell == cell].set_index("structure")
        for j, s in enumerate(labels):
            shares[i, j] = 100 * rows.loc[s, "diff_from_best"] / bookings_best[cell]
    lowest = -20.0
    image = ax.imshow(np.clip(shares, lowest, 0), cmap="YlOrRd_r", vmin=lowest, vmax=0, aspect="auto")
    for i, cell in enumerate(ORDER):
        rows = sub[sub.cell == cell].set_index("structure")
        first = rows.iloc[0]
        for j, s in enumerate(labels):
            row = rows.loc[s]
            if s == first["best"]:
                text = f"best\n{money(row['mean'])} M$"
                weight = "bold"
            else:
                text = f"{money(row['diff_from_best'], True)}\n[{money(row['diff_ci_low'], True)}, {money(row['diff_ci_high'], True)}]"
                weight = "normal"
            colour = "white" if shares[i, j] < 0.6 * lowest else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=9, color=colour, fontweight=weight)
        if first["clear"]:
            verdict = f"{SHORT[first['best']]} wins by {money(first['margin'], True)} M$"
        else:
            verdict = f"no clear winner ({SHORT[first['best']]} vs {SHORT[first['runner_up']]})"
        ax.text(len(labels) - 0.4, i, verdict, ha="left", va="center", fontsize=9.5)
    for boundary in (0.5, 3.5, 4.5, 8.5):
        ax.axhline(boundary, color="0.25", lw=1.2)
    ax.set_xticks(range(len(labels)), [s.replace("_", "_\n", 1) if s != "siloed" else s for s in labels], fontsize=10)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(ORDER)), ORDER, fontsize=10)
    ax.set_xlim(-0.5, len(labels) + 1.55)
    for spine in ax.spines.values():
        spine.set_visible(False)
    bar = fig.colorbar(image, ax=ax, shrink=0.6, pad=0.01)
    bar.set_label(f"{METRICS[metric]} below the cell's best, % of the best's bookings")
    name = METRICS[metric]
    ax.set_title(
        f"Who wins where: {name} over three years unless stated, difference from each cell's best\n"
        f"(M$, paired 95% interval; sampled leaders, {REPLICATIONS} replications, seed {SEED})",
        fontsize=11,
    )
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    frame = run()
    DATA.mkdir(parents=True, exist_ok=True)
    frame.to_csv(DATA / "who_wins.csv", index=False, float_format="%.6g")
    for metric in METRICS:
        print(f"\n{METRICS[metric]}: winner and margin over the runner-up, M$ (paired 95% interval)")
        sub = frame[frame.metric == metric].drop_duplicates("cell").set_index("cell").loc[ORDER]
        for cell, row in sub.iterrows():
            print(
                f"  {cell:48s} {row['best']:22s} over {row['runner_up']:22s} "
                f"{money(row['margin'], True)} [{money(row['margin_ci_low'], True)}, {money(row['margin_ci_high'], True)}]"
                f"  {'clear' if row['clear'] else 'no clear winner'}"
            )
    for metric in METRICS:
        print(f"\n<!-- who-wins table: {METRICS[metric]} (docs/studies/who_wins.py) -->")
        print(markdown(frame, metric))
        print(f"<!-- end who-wins table: {METRICS[metric]} -->")
    FIGURES.mkdir(parents=True, exist_ok=True)
    figure(frame, "bookings_usd", FIGURES / "who_wins.png")
    figure(frame, "profit_usd", FIGURES / "who_wins_profit.png")
    print("\nwrote", DATA / "who_wins.csv", FIGURES / "who_wins.png", FIGURES / "who_wins_profit.png")


if __name__ == "__main__":
    main()

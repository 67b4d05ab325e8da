"""When should a growing company reorganise? Switch day x growth stage, with intervals.

A company that starts sales-led (marketing under sales, ``presets.marketing_under_sales()``)
considers moving to sales under marketing (the equal-talent winner in most cells of
docs/structures.md). Each cell is one growth stage and one switch day:

* growth stages: the start-up (``scenarios/startup.toml``: 3 reps, 5 inbound leads a day), the
  default mid-market company, and the scale-up (``scenarios/scaleup.toml``: 25 reps, channels, two
  hires a quarter), each run over three years (156 weeks) whatever the file's own horizon;
* switch days: 0 (sales under marketing from the start), then every half year (day 182, 364,
  546, 728), against never switching (``"stay"``).

Every switch pays the default :class:`orgsim.Transition` (a 10% productivity dip recovering over
180 days, 5% leavers, a quarter of CRM learning and half of sales' trust reset, $50k). Seats are
held by sampled holders (``leaders="sampled"``, the default), the same person in a seat before and
after the switch; common random numbers across the cells of a stage (replication ``r`` has seed
``SEED`` and spawn key ``r``). The script prints, per stage and switch day, the mean paired
difference from staying in three-year bookings, profit and ending ARR with 95% t-intervals, and
writes docs/figures/reorganise.png and docs/data/reorganise.csv; it prints the markdown table that
goes between the ``reorganise table`` markers of docs/reorganise.md (paste it there).

Run from the repository root: ``.venv/bin/python docs/studies/reorganise.py``. The printed output
of the run quoted in docs/reorganise.md is kept in docs/data/reorganise_output.txt.
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

import orgsim
from orgsim import Reorganization, presets

REPLICATIONS = int(os.environ.get("REORGANISE_REPLICATIONS", "16"))  # fewer only to test the script
SEED = 2024
THREE_YEARS = 1092
SWITCH_DAYS = (0, 182, 364, 546, 728)
ROOT = Path(__file__).resolve().parents[2]
STAGES = {
    "start-up": orgsim.Scenario.from_toml(ROOT / "scenarios" / "startup.toml"),
    "mid-market (default)": orgsim.Scenario(),
    "scale-up": orgsim.Scenario.from_toml(ROOT / "scenarios" / "scaleup.toml"),
}
METRICS = {"bookings_usd": "3-year bookings", "profit_usd": "3-year profit", "arr_usd_end": "ARR at the end"}


def structures() -> dict[str, object]:
    start, to = presets.marketing_under_sales(), presets.sales_under_marketing()
    out: dict[str, object] = {"stay": start}
    for day in SWITCH_DAYS:
        out[f"switch at day {day}"] = Reorganization(start, to, at_day=day)
    return out


def run_stage(name: str, scenario: orgsim.Scenario) -> pd.DataFrame:
    exp = orgsim.compare(scenario, structures(), replications=REPLICATIONS, seed=SEED, horizon_days=THREE_YEARS, executor=2)
    rows = []
    metrics = [m for m in METRICS if m in exp.total_names]
    for metric in metrics:
        table = exp.totals(metric)
        stay = table["stay"].to_numpy()
        for label in table.columns:
            if label == "stay":
                continue
            d = table[label].to_numpy() - stay
            n = int(np.isfinite(d).sum())
            mean, se = float(np.nanmean(d)), float(np.nanstd(d, ddof=1) / np.sqrt(n))
            half = float(stats.t.ppf(0.975, n - 1) * se)
            rows.append(
                {
                    "stage": name,
                    "switch_day": int(label.rsplit(" ", 1)[1]),
                    "metric": metric,
                    "mean_difference": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "stay_mean": float(np.nanmean(stay)),
                    "n": n,
                }
            )
    return pd.DataFrame(rows)


def money(x: float) -> str:
    sign = "-" if x < 0 else "+"
    x = abs(x)
    return f"{sign}${x / 1e6:.2f}M" if x >= 1e6 else f"{sign}${x / 1e3:.0f}k"


def table_markdown(frame: pd.DataFrame) -> str:
    lines = []
    metrics = [m for m in METRICS if m in set(frame.metric)]
    head = "| stage | switch day | " + " | ".join(f"{METRICS[m]} vs staying (95% interval)" for m in metrics) + " |"
    lines += [head, "| --- | --- | " + " | ".join("---" for _ in metrics) + " |"]
    for (stage, day), cell in frame.groupby(["stage", "switch_day"], sort=False):
        parts = []
        for m in metrics:
            row = cell[cell.metric == m].iloc[0]
            clear = "" if row.ci_low > 0 or row.ci_high < 0 else " (not told apart)"
            parts.append(f"{money(row.mean_difference)} [{money(row.ci_low)}, {money(row.ci_high)}]{clear}")
        lines.append(f"| {stage} | {day} | " + " | ".join(parts) + " |")
    return "\n".join(lines)


def figure(frame: pd.DataFrame, path: Path) -> None:
    metrics = [m for m in METRICS if m in set(frame.metric)]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 4.2), squeeze=False)
    colours = {"start-up": "#0072B2", "mid-market (default)": "#E69F00", "scale-up": "#009E73"}
    for ax, metric in zip(axes[0], metrics, strict=True):
        for k, (stage, cell) in enumerate(frame[frame.metric == metric].groupby("stage", sort=False)):
            x = cell.switch_day.to_numpy() / 30.44 + (k - 1) * 0.35
            y = cell.mean_difference.to_numpy()
            err = np.vstack([y - cell.ci_low.to_numpy(), cell.ci_high.to_numpy() - y])
            ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=stage, color=colours.get(stage))
        ax.axhline(0.0, color="black", lw=0.8)
        ax.set_title(f"{METRICS[metric]}: switching minus staying")
        ax.set_xlabel("month of the switch (0 = sales under marketing from the start)")
        ax.yaxis.set_major_formatter(lambda v, _pos: money(v).replace("+", "") if v else "$0")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("paired difference (mean, 95% interval)")
    axes[0][0].legend(loc="best", fontsize=8)
    fig.suptitle("Marketing under sales -> sales under marketing: when to switch (three years, default transition)")
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def main() -> None:
    started = time.perf_counter()
    frames = []
    for name, scenario in STAGES.items():
        t0 = time.perf_counter()
        frames.append(run_stage(name, scenario))
        print(f"{name}: {time.perf_counter() - t0:.0f} s", flush=True)
    frame = pd.concat(frames, ignore_index=True)
    (ROOT / "docs" / "data").mkdir(exist_ok=True)
    frame.to_csv(ROOT / "docs" / "data" / "reorganise.csv", index=False)
    figure(frame, ROOT / "docs" / "figures" / "reorganise.png")
    print("<!-- reorganise table -->")
    print(table_markdown(frame))
    print("<!-- /reorganise table -->")
    stay = frame[frame.metric == "bookings_usd"].groupby("stage", sort=False).stay_mean.first()
    print("three-year bookings when staying: " + ", ".join(f"{s} {money(v)}" for s, v in stay.items()))
    print(f"{REPLICATIONS} replications per cell, seed {SEED}; {time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()

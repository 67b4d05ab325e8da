"""The marketing split study: which fixed split of marketing effort books most, by horizon.

Runs the default scenario with no structure, so the researcher-set policy
``orgsim.model.marketing.FixedShares`` decides the split (``marketing.long_term_share``), at every
long-term share 0.0, 0.1, ..., 1.0, over three years, with common random numbers (every share
uses the same replication seeds). Because a run with no structure does not depend on its
horizon, the first 91 days of a three-year run are exactly a 91-day run (checked below), so one
sweep gives the optimum at every horizon.

Prints the numbers quoted in docs/marketing-split.md and writes
docs/figures/marketing_split.png and docs/figures/marketing_split_horizon.png.

Run from the repository root: ``.venv/bin/python docs/studies/marketing_split.py``
(about five minutes on two cores).
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
from orgsim.model.marketing import fixed_shares
from orgsim.present.plot import OKABE_ITO

SHARES = [round(0.1 * i, 1) for i in range(11)]
REPLICATIONS = 30
SEED = 1
HORIZON_DAYS = 1095
HORIZONS = {"one quarter": 91, "two quarters": 182, "one year": 364, "two years": 728, "three years": 1095}
BOOTSTRAP = 2000
FIGURES = Path(__file__).resolve().parent.parent / "figures"


def cumulative_at(experiment: orgsim.Experiment, column: str, day: float) -> pd.DataFrame:
    """replication x share table of ``column`` summed over the periods ending on or before ``day``."""
    frame = experiment.to_frame()
    ends = frame[frame.metric == "end_day"][["point", "replication", "period", "value"]].rename(columns={"value": "end_day"})
    values = frame[frame.metric == column][["point", "replication", "period", "value"]]
    merged = values.merge(ends, on=["point", "replication", "period"])
    summed = merged[merged.end_day <= day + 1e-9].groupby(["replication", "point"]).value.sum().unstack("point")
    summed.columns = [float(experiment.points.loc[p, "marketing.long_term_share"]) for p in summed.columns]
    return summed


def optimum(table: pd.DataFrame, rng: np.random.Generator) -> dict[str, object]:
    """The best share by mean, paired differences from it, and a bootstrap interval of the argmax."""
    means = table.mean()
    best = float(means.idxmax())
    d = table.sub(table[best], axis=0)
    n = len(d)
    half = stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n)
    # shares whose paired 95% interval of the shortfall from the best includes zero
    plausible = [s for s in table.columns if s == best or d[s].mean() + half[s] >= 0]
    picks = []
    values = table.to_numpy()
    for _ in range(BOOTSTRAP):
        rows = rng.integers(0, n, n)
        picks.append(table.columns[int(np.argmax(values[rows].mean(axis=0)))])
    lo, hi = np.quantile(picks, [0.025, 0.975])
    return {"best": best, "means": means, "diff": d.mean(), "half": half, "plausible": plausible, "boot": (float(lo), float(hi))}


def spend_share(long_term_share: float) -> float:
    """Long-term work's share of program spend at a given share of effort (from the project kinds)."""
    kinds = orgsim.Scenario().marketing.kinds
    shares = fixed_shares(kinds, long_term_share)
    spend = {k.name: shares[k.name] * k.cost_usd / k.effort_person_days for k in kinds}
    return sum(v for k, v in spend.items() if next(x for x in kinds if x.name == k).term == "long") / sum(spend.values())


def main() -> None:
    experiment = orgsim.sweep(
        None,
        {"fixed split": None},
        {"marketing.long_term_share": SHARES},
        replications=REPLICATIONS,
        seed=SEED,
        horizon_days=HORIZON_DAYS,
        progress=False,
    )
    check = orgsim.simulate(
        orgsim.Scenario().replace(**{"marketing.long_term_share": 0.3}), seed=experiment.seed_sequence(0), horizon_days=91
    )
    prefix = cumulative_at(experiment, "bookings_usd", 91).loc[0, 0.3]
    assert check.totals["bookings_usd"] == prefix, "a 91-day run must equal the first 91 days of a longer one"

    rng = np.random.default_rng(0)
    results: dict[tuple[str, str], dict[str, object]] = {}
    print(f"fixed-share sweep: {len(SHARES)} shares x {REPLICATIONS} replications, seed {SEED}, common random numbers\n")
    for metric in ("bookings_usd", "profit_usd"):
        for label, day in HORIZONS.items():
            table = cumulative_at(experiment, metric, day)
            res = optimum(table, rng)
            results[(metric, label)] = res
            best = res["best"]
            print(
                f"{metric:12s} {label:13s} best long-term share {best:.1f}  mean ${res['means'][best] / 1e6:.3f}M  "
                f"within 95% of best: {', '.join(f'{s:.1f}' for s in res['plausible'])}  "
                f"bootstrap 95% of the argmax: [{res['boot'][0]:.1f}, {res['boot'][1]:.1f}]"
            )
        print()
    for metric in ("bookings_usd", "profit_usd"):
        for label in ("one quarter", "three years"):
            res = results[(metric, label)]
            print(f"{metric} {label}: paired difference from the best share {res['best']:.1f} (k$, 95% half-width)")
            for s in SHARES:
                print(f"  {s:.1f}: {res['diff'][s] / 1e3:9.0f} +- {res['half'][s] / 1e3:6.0f}   mean {res['means'][s] / 1e6:.3f}M")
    effort = experiment.totals("long_term_effort_share")["fixed split"].unstack("point").mean()
    print("\nrealised long-term share of effort over three years:", [round(float(v), 3) for v in effort])
    print("long-term share of program spend at each effort share:", [round(spend_share(s), 3) for s in SHARES])
    brand = next(k for k in orgsim.Scenario().marketing.kinds if k.name == "brand")
    long_weight = sum(k.weight for k in orgsim.Scenario().marketing.kinds if k.term == "long")
    print(f"brand projects' share of long-term effort: {brand.weight / long_weight:.2f}")

    FIGURES.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(2, 2, figsize=(10.0, 7.0), constrained_layout=True, sharex=True)
    for col, label in enumerate(("one quarter", "three years")):
        for row, metric in enumerate(("bookings_usd", "profit_usd")):
            res = results[(metric, label)]
            ax = axes[row, col]
            x = np.array(SHARES)
            ax.errorbar(x, res["diff"].to_numpy() / 1e3, yerr=res["half"].to_numpy() / 1e3, fmt="o-", color=OKABE_ITO[row], capsize=3)
            ax.axhline(0, color="0.3", lw=1)
            ax.axvline(res["best"], color="0.3", ls="--", lw=1)
            ax.set_title(f"{metric.removesuffix('_usd')}, {label} (best: {res['best']:.0%} long-term)")
            ax.set_ylabel("difference from the best split (k$)")
            ax.grid(alpha=0.3)
            if row == 1:
                ax.set_xlabel("long-term share of marketing effort")
    fig.suptitle(f"Fixed splits vs the best one: paired mean difference, 95% interval ({REPLICATIONS} replications)")
    fig.savefig(FIGURES / "marketing_split.png", dpi=110)

    fig, ax = plt.subplots(figsize=(7.0, 4.0), constrained_layout=True)
    months = np.array(list(HORIZONS.values())) / 30.4
    for i, metric in enumerate(("bookings_usd", "profit_usd")):
        best = np.array([results[(metric, label)]["best"] for label in HORIZONS])
        lo = np.array([results[(metric, label)]["boot"][0] for label in HORIZONS])
        hi = np.array([results[(metric, label)]["boot"][1] for label in HORIZONS])
        shift = (i - 0.5) * 0.4
        ax.errorbar(
            months + shift, best, yerr=[best - lo, hi - best], fmt="o-", color=OKABE_ITO[i], capsize=3, label=metric.removesuffix("_usd")
        )
    ax.axhline(0.46, color="0.4", ls=":", lw=1, label="Binet & Field B2B brand share (46%)")
    ax.set_xlabel("horizon (months)")
    ax.set_ylabel("best long-term share")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("The best fixed split by horizon (bars: bootstrap 95% of the best share)")
    ax.legend(frameon=False, fontsize="small")
    ax.grid(alpha=0.3)
    fig.savefig(FIGURES / "marketing_split_horizon.png", dpi=110)
    print("\nwrote", FIGURES / "marketing_split.png", "and", FIGURES / "marketing_split_horizon.png")


if __name__ == "__main__":
    main()

"""The default comparison of the four structures with sampled leaders, for docs/structures.md.

Prints every number quoted in the page and writes its figures into docs/figures/ with the
plotting functions of ``orgsim.plot``. In order:

1. ``position_facts``: what each preset's reporting lines do to the profiles the mechanisms read
   (docs/model.md 7.23), computed at time 0, first with one and the same person (a plain
   background-0.5 profile) in every seat, then with the plain profile of each seat's background.
2. ``lines_only``: the four structures with that one person in every seat (``leaders="fixed"``):
   what differs by reporting lines alone.
3. ``default_comparison``: the default comparison with sampled leaders (``compare``'s default: each seat's
   holder drawn per replication from ``orgsim.LeaderPopulation()`` around the seat's background,
   the same talent quantile in the same seat of every structure), four structures x 30
   replications x three years, seed 2024, common random numbers. Runs do not depend on the
   horizon (the first 182 days of a three-year run are exactly a 182-day run; checked below), so
   the one- and two-quarter results are read from the same runs.
4. The same structures with fixed leaders: the plain profiles (``presets.all()``) and the seeds'
   hand-set profiles (``presets.all("seed")``, the first round's set-up), 30 replications each.
5. ``claims``: the paired differences behind the seed claims in each of those three runs.
6. ``position_switches``: the position mechanisms switched off one at a time and all five at
   once (sampled leaders, 20 replications, three years, same seed), for which mechanism explains
   which difference, and the siloed SLA question.
7. ``decompositions``: ``Experiment.decompose`` of each headline bookings difference (each
   structure against marketing-under-sales, and the shared leader against siloed) into reporting
   lines, seat backgrounds and talent, with sampled leaders (the first 20 replications of the same
   seed) and with both fixed set-ups (the first 10).

The printed output of the run quoted in docs/structures.md is kept in
docs/data/structures_output.txt.

Run from the repository root: ``.venv/bin/python docs/studies/structures.py`` (13-16 minutes
on two cores shared with other work); name parts to run only those, e.g.
``structures.py lines positions``.
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
from orgsim import plot
from orgsim.config import Leader, Structure
from orgsim.model.costs import leadership_cost_per_year
from orgsim.model.positions import interface_share, positions

REPLICATIONS = int(os.environ.get("STRUCTURES_REPLICATIONS", "30"))  # fewer only to test the script
SEED = 2024
HORIZON_DAYS = int(os.environ.get("STRUCTURES_HORIZON_DAYS", "1095"))  # shorter only to test the script
EXECUTOR = 2
MUS, SUM, SHARED, SILOED = "marketing_under_sales", "sales_under_marketing", "shared_leader", "siloed"
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
    "mean_dispute_wait_days": ("dispute wait (days)", 1.0, 2),
    "opportunities": ("opportunities", 1.0, 0),
    "share_of_reps_at_quota": ("rep plan years at quota", 1.0, 3),
}
#: The pairs whose bookings difference is decomposed: (a, b), the difference is b - a.
PAIRS = [(MUS, SUM), (MUS, SHARED), (MUS, SILOED), (SILOED, SHARED)]
#: The position mechanisms of docs/model.md 7.23 that change the profiles the other mechanisms
#: read (``leader_costs``, the sixth, only charges each layer's salary: see ``leader_costs_usd``).
POSITION_SWITCHES = ["quota_ownership", "dual_roles", "span_of_control", "reporting_distance", "heads_below"]
POSITION_REPLICATIONS = min(20, REPLICATIONS)
#: Replications of the decompositions (six extra runs per replication and pair); the fixed runs
#: vary only in the market, so their paired differences are tighter.
DECOMPOSE_REPLICATIONS = {"sampled": min(20, REPLICATIONS), "fixed": min(10, REPLICATIONS)}
#: Differences (column label, a, b: the difference is b - a) printed for each metric.
CONTRASTS = [
    (f"{SUM} - {MUS}", MUS, SUM),
    (f"{SHARED} - {MUS}", MUS, SHARED),
    (f"{SILOED} - {MUS}", MUS, SILOED),
    (f"{SILOED} - {SHARED}", SHARED, SILOED),
    (f"{SILOED} - {SUM}", SUM, SILOED),
    (f"{SUM} - {SHARED}", SHARED, SUM),
]
#: Metrics behind the seed claims (docs/structures.md, "Which seed claims survive equal talent").
CLAIM_METRICS = {
    "bookings_usd": ("bookings over three years (k$)", 1e-3, 0),
    "profit_usd": ("profit over three years (k$)", 1e-3, 0),
    "long_term_effort_share": ("long-term share of effort (x1000)", 1e3, 1),
    "brand_stock_end": ("brand stock at the end (x1000)", 1e3, 1),
    "sla_compliance": ("SLA compliance (x1000)", 1e3, 1),
    "unfollowed_mql_share": ("MQLs never followed up (x1000)", 1e3, 1),
    "mean_dispute_wait_days": ("mean dispute wait (days)", 1.0, 2),
    "rep_effectiveness_end": ("rep effectiveness (x1000)", 1e3, 1),
    "mean_discount": ("mean discount (x1000)", 1e3, 2),
    "crm_learning_end": ("CRM learning at the end (x1000)", 1e3, 1),
    "mql_qualify_rate": ("MQL qualification rate (x1000)", 1e3, 1),
}


def cumulative_at(experiment: orgsim.Experiment, column: str, day: float) -> pd.DataFrame:
    """replication x structure table of ``column`` summed over the periods ending on or before ``day``."""
    frame = experiment.to_frame()
    keys = ["structure", "replication", "period"]
    ends = frame[frame.metric == "end_day"][[*keys, "value"]].rename(columns={"value": "end_day"})
    values = frame[frame.metric == column][[*keys, "value"]].merge(ends, on=keys)
    kept = values[values.end_day <= day + 1e-9]
    return kept.groupby(["replication", "structure"], observed=True).value.sum().unstack("structure")[experiment.labels]


def interval(d: np.ndarray) -> tuple[float, float, float]:
    d = np.asarray(d, dtype=float)
    d = d[np.isfinite(d)]
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def fmt(triple: tuple[float, float, float], scale: float = 1e-3, digits: int = 0) -> str:
    m, lo, hi = (x * scale for x in triple)
    return f"{m:+,.{digits}f} [{lo:+,.{digits}f}, {hi:+,.{digits}f}]"


def paired_line(table: pd.DataFrame, other: str, base: str, scale: float = 1e-3, digits: int = 1) -> str:
    return f"{other} - {base}: {fmt(interval(table[other] - table[base]), scale, digits)}"


def print_contrasts(title: str, tables: dict[str, pd.DataFrame], metrics: dict[str, tuple[str, float, int]]) -> None:
    """One row per metric, one column per contrast: paired mean difference [95% interval]."""
    print(f"\n{title}")
    print("| metric | " + " | ".join(label for label, _, _ in CONTRASTS) + " |")
    print("|---" * (len(CONTRASTS) + 1) + "|")
    for metric, (label, scale, digits) in metrics.items():
        table = tables[metric]
        cells = [fmt(interval(table[b] - table[a]), scale, digits) for _, a, b in CONTRASTS]
        print(f"| {label} | " + " | ".join(cells) + " |")


def run(
    structures: dict[str, Structure], replications: int = REPLICATIONS, scenario: orgsim.Scenario | None = None, **kwargs
) -> orgsim.Experiment:
    started = time.time()
    experiment = orgsim.compare(
        scenario, structures, replications=replications, seed=SEED, horizon_days=HORIZON_DAYS, executor=EXECUTOR, progress=False, **kwargs
    )
    print(f"[{kwargs.get('leaders', 'sampled')} run: {time.time() - started:.0f} s, failed {experiment.n_failed}]", flush=True)
    return experiment


# -- 1, 2: reporting lines alone ----------------------------------------------------------------


def one_person(structure: Structure, head_cost_usd_per_year: float) -> Structure:
    """``structure`` with the same plain background-0.5 profile in every seat (each seat keeps its
    position's salary: the integrator's, or a head's cost)."""
    roles = dict.fromkeys(structure.seats().values())
    leaders = {
        role: Leader(
            background=0.5,
            salary_usd_per_year=structure.integrator.salary_usd_per_year if role == structure.integrator_role else head_cost_usd_per_year,
        )
        for role in roles
    }
    return structure.replace(leaders=leaders, backgrounds=dict.fromkeys(roles, 0.5))


def position_facts(structures: dict[str, Structure], label: str) -> None:
    scenario = orgsim.Scenario()
    rows = {}
    for name, structure in structures.items():
        p = positions(structure, scenario.mechanisms, scenario.leadership)
        rows[name] = {
            "interface share of the integrator's time": interface_share(structure, scenario.mechanisms),
            "integrator's attention left for the interface": p.interface.attention,
            "reporting lines a dispute travels": p.dispute_levels,
            "quota sensitivity the allocator feels": p.allocator.quota_sensitivity,
            "quota sensitivity behind pressure discounts": p.discount_sensitivity,
            "allocator's horizon (days)": p.allocator.horizon_days,
            "allocator's marketing understanding": p.allocator.marketing_understanding,
            "sales function: SLA enforcement": p.sales.sla_enforcement,
            "sales function: sales understanding": p.sales.sales_understanding,
            "sales function: CRM discipline": p.sales.crm_discipline,
            "sales function: discount authority": p.sales.discount_authority,
            "leadership cost charged (k$ a year)": leadership_cost_per_year(
                structure, scenario.costs.head_cost_usd_per_year, scenario.mechanisms
            )
            / 1e3,
        }
    table = pd.DataFrame(rows)
    print(f"\nposition facts at time 0, {label} (default leadership coefficients)")
    print("| | " + " | ".join(f"`{n}`" for n in table.columns) + " |")
    print("|---" * (len(table.columns) + 1) + "|")
    for metric, row in table.iterrows():
        print(f"| {metric} | " + " | ".join(f"{v:.4g}" for v in row) + " |")


def lines_only(structures: dict[str, Structure]) -> None:
    head_cost = orgsim.Scenario().costs.head_cost_usd_per_year
    same = {name: one_person(s, head_cost) for name, s in structures.items()}
    position_facts(same, "one plain background-0.5 profile in every seat")
    position_facts(structures, "the plain profile of each seat's background (presets.all())")
    experiment = run(same, leaders="fixed")
    print(
        "\nreporting lines alone: one plain background-0.5 profile in every seat, fixed, "
        f"{REPLICATIONS} replications, {HORIZON_DAYS} days, seed {SEED}"
    )
    means = experiment.summary(["bookings_usd", "profit_usd"])["mean"].unstack("metric") / 1e6
    print("means (M$):\n" + means.round(2).to_string())
    print_contrasts("paired differences, reporting lines alone", {m: experiment.totals(m) for m in CLAIM_METRICS}, CLAIM_METRICS)


# -- 3: the default comparison -----------------------------------------------------------------


def default_comparison(structures: dict[str, Structure]) -> orgsim.Experiment:
    experiment = run(structures)
    check = orgsim.simulate(structure=experiment.structure_as_run(MUS, 0), seed=experiment.seed_sequence(0), horizon_days=182)
    assert np.isclose(check.totals["bookings_usd"], cumulative_at(experiment, "bookings_usd", 182).loc[0, MUS], rtol=1e-12)
    print(
        f"\nsampled leaders: four structures x {REPLICATIONS} replications, {HORIZON_DAYS} days, seed {SEED}, "
        f"failed: {experiment.n_failed}\n"
    )

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
    response = experiment.totals("mean_response_hours")
    print("per-replication mean response (h): median by structure", response.median().round(1).to_dict())
    profit = experiment.totals("profit_usd")
    print("profit (M$): sd by structure", (profit.std() / 1e6).round(2).to_dict(), "min", (profit.min() / 1e6).round(2).to_dict())

    for label, day in (("one quarter", 91), ("two quarters", 182), ("one year", 364), ("three years", HORIZON_DAYS)):
        table = cumulative_at(experiment, "bookings_usd", day)
        means = ", ".join(f"{s} {table[s].mean() / 1e3:,.0f}" for s in experiment.labels)
        print(f"\nbookings over {label} (k$): means {means}; paired differences, 95% interval")
        for _, a, b in CONTRASTS:
            print("  " + paired_line(table, b, a, digits=0))
    for metric in ("profit_usd", "leader_costs_usd", "program_spend_usd", "rework_usd", "costs_usd"):
        table = experiment.totals(metric)
        print(f"\n{metric} over three years (k$), paired difference")
        for _, a, b in CONTRASTS:
            print("  " + paired_line(table, b, a, digits=0))
    print()
    for a, b in ((SUM, MUS), (SHARED, MUS), (SILOED, MUS), (SUM, SHARED), (SHARED, SILOED)):
        s = experiment.crossover(a, b, metric="bookings").summary().iloc[0]
        print(
            f"crossover {a} over {b}: {int(s['crossed'])}/{int(s['replications'])} replications, "
            f"median day {s['median_day']:.0f}, 10-90% [{s['q10_day']:.0f}, {s['q90_day']:.0f}]"
        )
    ahead = experiment.totals("bookings_usd")
    for a, b in ((SUM, SHARED), (SUM, MUS), (SHARED, MUS)):
        print(f"{a} books more than {b} over three years in {(ahead[a] > ahead[b]).sum()}/{len(ahead)} replications")

    FIGURES.mkdir(parents=True, exist_ok=True)
    best = ahead.mean().idxmax()
    ax = plot.bookings(experiment)
    ax.figure.savefig(FIGURES / "structures_bookings.png", dpi=110)
    ax = plot.cumulative(experiment, best, MUS)
    ax.figure.savefig(FIGURES / "structures_cumulative.png", dpi=110)
    ax = plot.differences(experiment, MUS)
    ax.figure.savefig(FIGURES / "structures_differences.png", dpi=110)
    frame = experiment.to_frame()
    ax = plot.over_time(frame[frame.period < 26], "bookings_usd", cumulative=True)
    ax.set_title("Cumulative bookings, first two quarters (mean, 95% band)")
    ax.figure.savefig(FIGURES / "structures_first_two_quarters.png", dpi=110)
    ax = plot.cumulative_difference(experiment, MUS)  # the figure orgsim compare writes as cumulative_difference.png
    ax.figure.savefig(FIGURES / "structures_cumulative_difference.png", dpi=110)
    fig = plot.dashboard(experiment, baseline=MUS)
    fig.savefig(FIGURES / "structures_dashboard.png", dpi=90)
    plt.close("all")
    print(f"\nwrote structures_*.png into {FIGURES} (structures_cumulative.png: {best} against {MUS})")
    return experiment


# -- 4, 5, 6: fixed leaders, decompositions and the seed claims ----------------------------------


def decompositions(structures: dict[str, Structure]) -> None:
    """``Experiment.decompose`` of each pair's bookings difference. Six extra runs per replication and
    pair, so on fewer replications than the comparison: the first ``DECOMPOSE_REPLICATIONS`` of the
    same seed (replication r has the same seed whatever the number of replications)."""
    setups = {
        "sampled leaders (presets.all())": (structures, "sampled"),
        'fixed plain profiles (presets.all(), leaders="fixed")': (structures, "fixed"),
        'fixed seed profiles (presets.all("seed"), leaders="fixed")': (orgsim.presets.all("seed"), "fixed"),
    }
    for label, (chosen, leaders) in setups.items():
        replications = DECOMPOSE_REPLICATIONS[leaders]
        experiment = run(chosen, replications=replications, leaders=leaders)
        print(
            f"\ndecomposition of the paired bookings difference over {HORIZON_DAYS} days, {label}, {replications} replications, "
            f"seed {SEED} (k$, estimate [95% interval])"
        )
        print("| difference | reporting lines | seat backgrounds | talent | total (b - a) |")
        print("|---|---|---|---|---|")
        for a, b in PAIRS:
            started = time.time()
            table = experiment.decompose(a, b, metric="bookings_usd", executor=EXECUTOR, progress=False)
            components = table.loc[["reporting_lines", "background", "talent", "total"]]
            cells = [fmt((row["estimate"], row["ci_low"], row["ci_high"])) for _, row in components.iterrows()]
            direct = experiment.totals("bookings_usd")
            assert np.isclose(table.loc["total", "estimate"], (direct[b] - direct[a]).mean(), rtol=1e-6, atol=1.0), (label, a, b)
            assert np.isclose(components["estimate"].iloc[:3].sum(), table.loc["total", "estimate"], rtol=1e-6, atol=1.0), (label, a, b)
            print(f"| {b} - {a} | " + " | ".join(cells) + f" |   [{time.time() - started:.0f} s]", flush=True)


def claims(experiments: dict[str, orgsim.Experiment]) -> None:
    for label, experiment in experiments.items():
        tables: dict[str, pd.DataFrame] = {m: experiment.totals(m) for m in CLAIM_METRICS}
        metrics = dict(CLAIM_METRICS)
        for name, day in (("one quarter", 91), ("two quarters", 182), ("one year", 364)):
            tables[f"bookings {name}"] = cumulative_at(experiment, "bookings_usd", day)
            metrics[f"bookings {name}"] = (f"bookings over {name} (k$)", 1e-3, 0)
        print_contrasts(f"seed claims, {label}: paired differences over three years unless stated", tables, metrics)


# -- 7: the position mechanisms switched off -----------------------------------------------------


def position_switches(structures: dict[str, Structure]) -> None:
    on = {f"mechanisms.{name}": True for name in POSITION_SWITCHES}
    points = [on] + [{**on, f"mechanisms.{name}": False} for name in POSITION_SWITCHES] + [{key: False for key in on}]
    labels = ["all on"] + [f"no {name}" for name in POSITION_SWITCHES] + ["all five off"]
    started = time.time()
    sweep = orgsim.sweep(
        None,
        structures,
        pd.DataFrame(points),
        replications=POSITION_REPLICATIONS,
        seed=SEED,
        horizon_days=HORIZON_DAYS,
        executor=EXECUTOR,
        progress=False,
    )
    print(
        f"\nposition mechanisms off one at a time: sampled leaders, {POSITION_REPLICATIONS} replications, {HORIZON_DAYS} days, "
        f"seed {SEED} [{time.time() - started:.0f} s, failed {sweep.n_failed}]"
    )
    metrics = {
        "bookings_usd": ("bookings (k$)", 1e-3, 0),
        "profit_usd": ("profit (k$)", 1e-3, 0),
        "sla_compliance": ("SLA compliance (x1000)", 1e3, 1),
        "unfollowed_mql_share": ("MQLs never followed up (x1000)", 1e3, 1),
        "response_within_1h_share": ("MQLs answered within 1 h (x1000)", 1e3, 1),
        "mean_dispute_wait_days": ("mean dispute wait (days)", 1.0, 2),
        "long_term_effort_share": ("long-term share (x1000)", 1e3, 1),
        "mean_discount": ("mean discount (x1000)", 1e3, 2),
    }
    totals = {m: sweep.totals(m) for m in metrics}
    for metric, (label, scale, digits) in metrics.items():
        print(f"\n{label}: means and paired differences by point")
        print(
            "| mechanisms | "
            + " | ".join(f"mean {short}" for short in ("MuS", "SuM", "shared", "siloed"))
            + " | "
            + " | ".join(c for c, _, _ in CONTRASTS)
            + " |"
        )
        print("|---" * (5 + len(CONTRASTS)) + "|")
        for point, name in enumerate(labels):
            table = totals[metric].xs(point, level="point")
            means = [f"{table[s].mean() * scale:,.{digits}f}" for s in structures]
            cells = [fmt(interval(table[b] - table[a]), scale, digits) for _, a, b in CONTRASTS]
            print(f"| {name} | " + " | ".join(means + cells) + " |")


PARTS = ("lines", "default", "claims", "positions", "decompose")


def main(parts: tuple[str, ...] = PARTS) -> None:
    """Run the parts named (all by default; ``structures.py decompose`` runs only what that needs)."""
    started = time.time()
    structures = orgsim.presets.all()
    if "lines" in parts:
        lines_only(structures)
    if {"default", "claims"} & set(parts):
        sampled = default_comparison(structures) if "default" in parts else run(structures)
        fixed_plain = run(structures, leaders="fixed")
        fixed_seed = run(orgsim.presets.all("seed"), leaders="fixed")
        experiments = {
            "sampled leaders (presets.all())": sampled,
            'fixed plain profiles (presets.all(), leaders="fixed")': fixed_plain,
            'fixed seed profiles (presets.all("seed"), leaders="fixed")': fixed_seed,
        }
        for label, experiment in list(experiments.items())[1:]:
            means = experiment.summary(["bookings_usd", "profit_usd"])["mean"].unstack("metric") / 1e6
            print(f"\n{label}: {REPLICATIONS} replications, {HORIZON_DAYS} days, seed {SEED}; means (M$)\n" + means.round(2).to_string())
        if "claims" in parts:
            claims(experiments)
    if "positions" in parts:
        position_switches(structures)
    if "decompose" in parts:
        decompositions(structures)
    print(f"\ntotal {time.time() - started:.0f} s")


if __name__ == "__main__":
    import sys

    unknown = set(sys.argv[1:]) - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    main(tuple(sys.argv[1:]) or PARTS)

"""Long runs (issue 8): memory of a 20-year run of the scale-up scenario without the lead log.

Run from the repository root::

    .venv/bin/python benchmarks/long_run.py            # horizons 2, 5, 10 and 20 years
    .venv/bin/python benchmarks/long_run.py --quick    # 1, 2 and 4 years

For each horizon it simulates ``scenarios/scaleup.toml`` under the shared-leader preset with
``record_leads=False`` and reports, from ``tracemalloc`` (Python and numpy allocations):

* ``peak``: the largest amount of memory allocated at any moment of ``orgsim.simulate``;
* ``held``: the memory still allocated after the call returns (the result, with its
  per-period series, which grows by design with the number of periods, and anything the
  libraries cache; a warm-up run first keeps lazy imports out of the numbers);
* ``peak - held``: the working memory of the simulation itself (the model, its processes,
  open deals and queues), freed when the call returns;

and the leads simulated, so the working memory can be compared per lead and per year.

Two variants: the scenario as written (``growth_stage`` on: two reps hired every quarter, so
after 20 years the company has 185 reps instead of 25 and generates several times the leads
per day), and with ``mechanisms.growth_stage`` off (a company of constant size). Memory that
does not grow with time shows as a working memory that is about the same at every horizon in
the constant-size variant; in the growing variant it may follow the size of the company (open
deals, the follow-up queue), not the number of days simulated.

Nothing here is a test and no test depends on these numbers (tracemalloc slows a run about
twofold; times are printed for orientation only).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

import orgsim

ROOT = Path(__file__).resolve().parents[1]
SEED = 1


def measure(scenario: orgsim.Scenario, structure: orgsim.Structure, years: float) -> dict[str, float]:
    """Peak traced memory of one run, the memory held after it returns, leads and CPU seconds."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    started = time.process_time()
    result = orgsim.simulate(scenario, structure, seed=SEED, horizon_days=365.0 * years, record_leads=False)
    cpu = time.process_time() - started
    _, peak = tracemalloc.get_traced_memory()
    gc.collect()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  ... {years:g} y: peak {(peak - before) / 1e6:.2f} MB, held {(held - before) / 1e6:.2f} MB, {cpu:.0f} s", file=sys.stderr)
    return {
        "years": years,
        "leads": result.totals["leads_created"],
        "peak": peak - before,
        "held": held - before,
        "cpu_s": cpu,
        "reps_end": result.totals["reps_end"],
        "open_deals_end": result.totals["open_opportunities_end"],
    }


def report(title: str, rows: list[dict[str, float]]) -> None:
    print(f"\n{title}")
    header = ("years", "leads", "reps at end", "open deals", "peak MB", "held MB", "peak-held MB", "cpu s")
    widths = (5, 10, 11, 10, 9, 9, 14, 7)
    print("  " + " ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for r in rows:
        work = r["peak"] - r["held"]
        print(
            f"  {r['years']:>5g} {r['leads']:>10,.0f} {r['reps_end']:>11,.0f} {r['open_deals_end']:>10,.0f} "
            f"{r['peak'] / 1e6:>9.2f} {r['held'] / 1e6:>9.2f} {work / 1e6:>14.2f} {r['cpu_s']:>7.1f}"
        )
    first, last = rows[0], rows[-1]
    grow_work = (last["peak"] - last["held"]) / (first["peak"] - first["held"])
    print(
        f"  {last['years'] / first['years']:g}x the horizon: {last['leads'] / first['leads']:.1f}x the leads, "
        f"{grow_work:.2f}x the working memory (peak - held)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="horizons 1, 2 and 4 years")
    parser.add_argument("--variant", choices=("constant", "growing", "both"), default="both", help="which variant(s) to run (default both)")
    args = parser.parse_args(argv)
    horizons = [1.0, 2.0, 4.0] if args.quick else [2.0, 5.0, 10.0, 20.0]
    scenario = orgsim.Scenario.from_toml(ROOT / "scenarios" / "scaleup.toml")
    structure = orgsim.presets.shared_leader()
    print(f"orgsim {orgsim.__version__}, Python {sys.version.split()[0]}; scenario {scenario.name!r}, shared_leader, seed {SEED}")
    constant = scenario.replace(**{"mechanisms.growth_stage": False})
    orgsim.simulate(scenario, structure, seed=SEED, horizon_days=30.0)  # lazy imports and caches, so they are not counted below
    if args.variant in ("constant", "both"):
        report("constant size (mechanisms.growth_stage = false):", [measure(constant, structure, y) for y in horizons])
    if args.variant in ("growing", "both"):
        report("as written (two reps hired a quarter):", [measure(scenario, structure, y) for y in horizons])
    return 0


if __name__ == "__main__":
    sys.exit(main())

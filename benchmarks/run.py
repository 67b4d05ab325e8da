"""orgsim performance benchmarks: cost per lead, scaling, memory, parallelism, import.

Run from the repository root::

    .venv/bin/python benchmarks/run.py           # full run, about 5 minutes on 2 quiet cores
    .venv/bin/python benchmarks/run.py --quick   # smoke run, about a minute (no 1M-lead runs)
    .venv/bin/python benchmarks/run.py --update-docs --json benchmarks/results.json
    .venv/bin/python benchmarks/run.py --sobol 3 --update-docs   # every target of the round

``--update-docs`` puts every table and the verdicts, as Markdown, between the results markers
of ``docs/performance.md``; ``--markdown PATH`` writes the same block to a file; ``--json PATH``
writes the raw numbers.

For the default scenario with no structure and with each preset structure it prints

* simulated leads per second per core and SimPy events per lead;
* time per lead at about 10k, 100k and 1M leads (the horizon grows, the arrival rate stays),
  and the ratio 1M / 100k of runs with the same seed;
* the CPU time of a simulated day with no leads (20-year runs);
* peak memory per lead with and without ``record_leads`` (tracemalloc);
* replication throughput of ``orgsim.compare`` on a process pool of 1 and 2 workers;
* the time ``import orgsim`` adds to importing simpy and numpy (fresh interpreters);
* the paired ratio of orgsim's time per lead to the bare-SimPy reference
  (``benchmarks/reference.py``), measured interleaved in the same process;
* with ``--sobol ROUNDS``, the Sobol benchmark study of ``benchmarks/sobol_study.py`` on
  orgsim's pool and on a dask ``LocalCluster``, ROUNDS each, and its projected N = 512 time;

and then the performance targets with PASS or MISS, and whether the machine was quiet (the
reference's time per lead against :data:`QUIET_REFERENCE_US`).

How things are counted. A run of ``orgsim.simulate`` includes a warm-up run of the scenario's
base behaviour (``deals.warm_start_days``) that fills the pipeline; its leads are simulated
too, so the time per lead divides the whole call by all leads simulated (run + warm-up), and
"leads" in the sizes below are the leads of the run itself. ``orgsim.simulate`` keeps the last
warm-up per process (structures sharing a seed simulate it once); the timed runs here forget
it first, so each pays for its own. Single-process times are CPU times
of this process (``time.process_time``), which other jobs on the machine disturb less than
wall time; throughput with worker processes and import times are wall times. Events are
counted by wrapping ``simpy.Environment.schedule`` in separate, untimed runs. Nothing here is
a test: no test depends on these numbers.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import math
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import simpy
import simpy.core
import sobol_study
from reference import ReferenceParams, run_reference

import orgsim
import orgsim.model.engine
from orgsim.config.files import atomic_write_text

SEED = 1
DOC = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
DOC_START, DOC_END = "<!-- benchmark results: start -->", "<!-- benchmark results: end -->"
# The performance issues' targets: the second round's (time per lead, flat cost, a day without
# leads, memory) and the first round's that still stand (workers, import).
TARGET_RATIO = 0.15  # orgsim time per lead / reference time per lead (first round: 1.0)
TARGET_FLAT = 1.10  # time per lead at 1M leads / at 100k (first round: 1M / 10k)
TARGET_DAY_MS = 0.04  # CPU ms per simulated day with no leads
TARGET_LOG_BYTES = 120.0  # bytes per lead with record_leads=True
TARGET_SPEEDUP = 1.6  # 2-worker / 1-worker replication throughput
TARGET_IMPORT_MS = 150.0  # import orgsim over import simpy, numpy
NO_LEAD_YEARS = 20  # horizon of the no-lead runs
#: The bare-SimPy reference's time per lead on the quiet 2-core machine of round two's second
#: session (docs/performance.md), the unit the no-lead day is scaled by on other machines.
QUIET_REFERENCE_US = 6.4
#: A session whose reference runs more than this much slower than QUIET_REFERENCE_US is not a
#: quiet-machine session (the round's done-when asks for one); the script says so in the targets.
QUIET_TOLERANCE = 1.15
#: The default scenario with no source of leads and no warm-up: what a simulated day costs by itself.
NO_LEADS = {
    "inbound.base_rate_per_day": 0.0,
    "market.campaign_rate_per_day_max": 0.0,
    "growth.channel_leads_per_day": 0.0,
    "sales.outbound_attempts_per_hour": 0.0,
    "customers.referrals_per_customer_per_year": 0.0,
    "deals.warm_start_days": 0.0,
}
# "Memory does not grow with the number of leads" (record_leads=False) is read as: the growth of
# the peak per extra lead is below 16 bytes, less than one Python float (24 bytes) or one list
# slot plus a small int, so nothing is kept per lead. What does grow, with the horizon, is the
# output: the per-period series (one row of about 90 numbers per week, ~3 bytes per lead at the
# default lead rate, held as a snapshot array and as the DataFrame built from it).
NO_GROWTH_BYTES = 16.0


# -- helpers ---------------------------------------------------------------------------------------


def cpu_timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """CPU seconds of this process spent in ``fn()`` (garbage collected before, not during)."""
    gc.collect()
    start = time.process_time()
    value = fn()
    return time.process_time() - start, value


def structures() -> dict[str, orgsim.Structure | None]:
    return {"none": None, **orgsim.presets.all()}


@dataclass
class Count:
    events: int = 0
    leads: int = 0  # leads created by every Model run (the run and its warm-up)


@contextmanager
def counting() -> Iterator[Count]:
    """Count the events SimPy schedules and the leads orgsim's models create, while inside."""
    count = Count()
    schedule = simpy.core.Environment.schedule
    model_advance = orgsim.model.Model.advance  # the run and its warm-up both advance a Model

    def counted_schedule(env: simpy.Environment, event: simpy.Event, priority: int = simpy.core.NORMAL, delay: float = 0) -> None:
        count.events += 1
        schedule(env, event, priority, delay)

    def counted_advance(model: orgsim.model.Model) -> None:
        model_advance(model)
        count.leads += model.counters.created

    simpy.core.Environment.schedule = counted_schedule  # type: ignore[method-assign]
    orgsim.model.Model.advance = counted_advance  # type: ignore[method-assign]
    try:
        yield count
    finally:
        simpy.core.Environment.schedule = schedule  # type: ignore[method-assign]
        orgsim.model.Model.advance = model_advance  # type: ignore[method-assign]


@dataclass
class Profile:
    """What an untimed, instrumented default-horizon run of one structure shows."""

    leads_per_day: float  # leads of the run itself per simulated day
    warm_leads: int  # leads of the warm-up run (the same for every horizon)
    events_per_lead: float


def profile_structure(scenario: orgsim.Scenario, structure: orgsim.Structure | None) -> Profile:
    forget_warm_up()  # count the warm-up's leads whatever ran before
    with counting() as count:
        result = orgsim.simulate(scenario, structure, seed=SEED, horizon_days=scenario.horizon_days)
    run_leads = int(result.totals["leads_created"])
    return Profile(run_leads / scenario.horizon_days, count.leads - run_leads, count.events / count.leads)


def forget_warm_up() -> None:
    """Drop the warm-up ``orgsim.simulate`` keeps per process (structures that share a seed
    simulate it once), so that every timed run pays for its own warm-up, as the leads it is
    divided by include the warm-up's."""
    importlib.import_module("orgsim.model.simulate")._last_warm_up = None


def time_per_lead_us(scenario: orgsim.Scenario, structure: orgsim.Structure | None, horizon: float, warm_leads: int, seed: int) -> float:
    forget_warm_up()
    seconds, result = cpu_timed(lambda: orgsim.simulate(scenario, structure, seed=seed, horizon_days=horizon))
    return 1e6 * seconds / (result.totals["leads_created"] + warm_leads)


def horizon_for(leads: float, leads_per_day: float) -> float:
    return min(36_500.0, math.ceil(leads / leads_per_day))


def fmt_bytes(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


#: Everything printed, as Markdown (for --markdown), and the raw numbers (for --json).
MARKDOWN: list[str] = []
DATA: dict[str, Any] = {}


def note(text: str = "") -> None:
    """Print a line and keep it for the Markdown report."""
    print(text)
    MARKDOWN.append(text)


def print_table(header: list[str], rows: list[list[str]]) -> None:
    MARKDOWN.extend(
        [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
            *("| " + " | ".join(row) + " |" for row in rows),
            "",
        ]
    )
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True)))
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    print()


def section(title: str) -> None:
    print(f"== {title} " + "=" * max(0, 96 - len(title)))
    MARKDOWN.extend([f"#### {title}", ""])


# -- the machine -----------------------------------------------------------------------------------


def describe_machine() -> None:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("orgsim", "simpy", "numpy", "pandas"))
    memory = "unknown"
    try:
        with open("/proc/meminfo") as meminfo:
            memory = f"{int(meminfo.readline().split()[1]) / 2**20:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    note(f"- machine: {cores} cores available ({os.cpu_count()} online), {model}, {memory}, {platform.system()} {platform.release()}")
    note(f"- python {platform.python_version()} ({platform.python_implementation()}); {versions}")
    note(f"- load average at start: {load} (other jobs on the machine make timings noisy)")
    note()
    DATA["machine"] = {
        "cores": cores,
        "cpu": model,
        "memory": memory,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": {name: metadata.version(name) for name in ("orgsim", "simpy", "numpy", "pandas")},
        "load_average_start": os.getloadavg(),
    }


# -- 1. the reference and the paired ratio ---------------------------------------------------------


def reference_params(scenario: orgsim.Scenario, leads_per_day: float) -> ReferenceParams:
    """The reference's plain numbers, read from the scenario (and orgsim's measured lead rate)."""
    leads, sales, deals = scenario.leads, scenario.sales, scenario.deals
    return ReferenceParams(
        leads_per_day=leads_per_day,
        reps=sales.reps,
        quality_alpha=leads.inbound_quality_mean * leads.inbound_quality_concentration,
        quality_beta=(1.0 - leads.inbound_quality_mean) * leads.inbound_quality_concentration,
        readiness_alpha=leads.readiness_mean * leads.readiness_concentration,
        readiness_beta=(1.0 - leads.readiness_mean) * leads.readiness_concentration,
        score_noise_sd=leads.score_noise_sd,
        mql_threshold=leads.mql_threshold,
        ignore_share=sales.ignore_share,
        follow_up_hours_mean=sales.follow_up_hours_mean,
        follow_up_hours_cv=sales.follow_up_hours_cv,
        contact_probability=sales.contact_probability,
        qualify_intercept=sales.qualify_intercept,
        qualify_quality_weight=sales.qualify_quality_weight,
        qualify_readiness_weight=sales.qualify_readiness_weight,
        cycle_days_median=deals.cycle_days_median,
        cycle_sigma=deals.cycle_sigma,
        win_logit_offset=deals.win_logit_offset,
        list_price_usd=deals.list_price_usd,
        deal_size_sigma=deals.deal_size_sigma,
    )


def reference_events_per_lead(params: ReferenceParams, horizon: float) -> float:
    with counting() as count:
        stats = run_reference(params, horizon, SEED)
    return count.events / stats.leads


def paired_ratios(
    scenario: orgsim.Scenario, profiles: dict[str, Profile], params: ReferenceParams, rounds: int
) -> tuple[list[float], dict[str, list[float]], dict[str, list[float]]]:
    """Time per lead (CPU us) of the reference and of orgsim, measured in pairs.

    Each round runs, for every structure in an order rotated each round, the reference and
    orgsim back to back (which goes first alternates), with the round's seed; the ratio of a
    pair is orgsim's time per lead over the reference's. Pairs a fraction of a second apart see
    the same machine, so the ratio is steadier than either time when other jobs run."""
    horizon = scenario.horizon_days
    names = list(structures())
    ref_us: list[float] = []
    org_us: dict[str, list[float]] = {name: [] for name in names}
    ratios: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        seed = SEED + r
        for k, name in enumerate(names[r % len(names) :] + names[: r % len(names)]):

            def reference(seed: int = seed) -> float:
                seconds, stats = cpu_timed(lambda: run_reference(params, horizon, seed))
                return 1e6 * seconds / stats.leads

            def model(seed: int = seed, name: str = name) -> float:
                return time_per_lead_us(scenario, structures()[name], horizon, profiles[name].warm_leads, seed)

            if (r + k) % 2 == 0:
                ref, org = reference(), model()
            else:
                org, ref = model(), reference()
            ref_us.append(ref)
            org_us[name].append(org)
            ratios[name].append(org / ref)
    return ref_us, org_us, ratios


# -- 2. scaling ------------------------------------------------------------------------------------


def scaling(
    scenario: orgsim.Scenario, profiles: dict[str, Profile], sizes: list[int], repeats: dict[int, int]
) -> dict[str, dict[int, list[float]]]:
    """Time per lead (us) of every run, per structure and size.

    The sizes take turns (10k, 100k, 1M, 10k, 100k, 1M, 10k, ...) with the same seed in a
    turn, so the small runs the large ones are compared with are spread over the same stretch
    of time and see the same machine, and run k of one size pairs with run k of another."""
    out: dict[str, dict[int, list[float]]] = {}
    for name, structure in structures().items():
        profile = profiles[name]
        runs: dict[int, list[float]] = {size: [] for size in sizes}
        for k in range(max(repeats.values())):
            for size in sizes:
                if k < repeats[size]:
                    horizon = horizon_for(size, profile.leads_per_day)
                    runs[size].append(time_per_lead_us(scenario, structure, horizon, profile.warm_leads, SEED + k))
        out[name] = runs
    return out


def no_lead_day_ms(scenario: orgsim.Scenario, runs: int) -> dict[str, list[float]]:
    """CPU ms per simulated day of ``NO_LEAD_YEARS``-year runs with no leads (and no warm-up), per structure."""
    quiet = scenario.replace(**NO_LEADS)
    days = 365.0 * NO_LEAD_YEARS
    out: dict[str, list[float]] = {name: [] for name in structures()}
    # untimed: the first run with a structure imports scipy.signal (leadership's stock paths), ~1 s
    orgsim.simulate(quiet, orgsim.presets.shared_leader(), seed=SEED, horizon_days=30.0)
    for k in range(runs):
        for name, structure in structures().items():
            seed = SEED + k
            run = lambda structure=structure, seed=seed: orgsim.simulate(quiet, structure, seed=seed, horizon_days=days)  # noqa: E731
            seconds, result = cpu_timed(run)
            assert result.totals["leads_created"] == 0
            out[name].append(1e3 * seconds / days)
    return out


def spread(values: list[float], digits: int = 2) -> str:
    """``median (min-max)``."""
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


# -- 3. memory -------------------------------------------------------------------------------------


def peak_bytes(scenario: orgsim.Scenario, structure: orgsim.Structure | None, horizon: float, record_leads: bool) -> tuple[int, int]:
    """Peak traced memory of one simulate call above what was allocated before it, and its leads."""
    forget_warm_up()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    result = orgsim.simulate(scenario, structure, seed=SEED, horizon_days=horizon, record_leads=record_leads)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - before, int(result.totals["leads_created"])


def memory(
    scenario: orgsim.Scenario, profiles: dict[str, Profile], names: list[str], small: int, large: int
) -> dict[str, dict[bool, tuple[int, int, float]]]:
    """Per structure and record_leads: (peak small, peak large, growth in bytes per extra lead)."""
    out: dict[str, dict[bool, tuple[int, int, float]]] = {}
    for name in names:
        structure, profile = structures()[name], profiles[name]
        out[name] = {}
        for record in (False, True):
            peak_s, leads_s = peak_bytes(scenario, structure, horizon_for(small, profile.leads_per_day), record)
            peak_l, leads_l = peak_bytes(scenario, structure, horizon_for(large, profile.leads_per_day), record)
            out[name][record] = (peak_s, peak_l, (peak_l - peak_s) / (leads_l - leads_s))
    return out


def series_bytes_per_lead(scenario: orgsim.Scenario, profile: Profile, leads: int) -> float:
    """Bytes of the per-period series DataFrame of a run of about ``leads`` leads, per lead."""
    result = orgsim.simulate(scenario, orgsim.presets.shared_leader(), seed=SEED, horizon_days=horizon_for(leads, profile.leads_per_day))
    return int(result.series.memory_usage(deep=True).sum()) / result.totals["leads_created"]


# -- 4. replications on worker processes -----------------------------------------------------------


def warm_worker(seconds: float) -> int:
    """Import orgsim and run tiny simulations in a worker, so timed work excludes start-up
    (a structure's first run imports scipy.signal for the leader's planning, about a second)."""
    for structure in structures().values():
        orgsim.simulate(orgsim.Scenario(), structure, seed=0, horizon_days=7)
    time.sleep(seconds)
    return os.getpid()


def replication_throughput(replications: int, horizon: float, rounds: int) -> dict[int, list[tuple[float, int]]]:
    """(wall seconds, runs) of ``orgsim.compare`` per round, on warm pools of 1 and 2 workers."""
    context = multiprocessing.get_context("spawn")
    pools = {workers: ProcessPoolExecutor(max_workers=workers, mp_context=context) for workers in (1, 2)}
    out: dict[int, list[tuple[float, int]]] = {1: [], 2: []}
    try:
        for workers, pool in pools.items():
            wait([pool.submit(warm_worker, 0.5) for _ in range(2 * workers)])
        for r in range(rounds):
            for workers in (1, 2) if r % 2 == 0 else (2, 1):
                start = time.perf_counter()
                experiment = orgsim.compare(
                    orgsim.Scenario(),
                    structures(),
                    replications=replications,
                    seed=SEED + r,
                    horizon_days=horizon,
                    executor=pools[workers],
                    progress=False,
                )
                seconds = time.perf_counter() - start
                assert experiment.n_failed == 0, experiment.failures
                out[workers].append((seconds, replications * len(structures())))
    finally:
        for pool in pools.values():
            pool.shutdown()
    return out


# -- 5. import time --------------------------------------------------------------------------------


def import_times(repeats: int) -> tuple[list[float], list[float]]:
    """Wall seconds of fresh interpreters importing simpy+numpy, and simpy+numpy+orgsim, interleaved."""
    base, full = [], []
    for _ in range(repeats):
        for code, into in (("import simpy, numpy", base), ("import simpy, numpy, orgsim", full)):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            into.append(time.perf_counter() - start)
    return base, full


def heaviest_imports(top: int) -> list[tuple[str, float]]:
    """Top-level packages that ``import orgsim`` adds, by their summed self import time (ms)."""

    def self_times(code: str) -> dict[str, float]:
        err = subprocess.run([sys.executable, "-X", "importtime", "-c", code], check=True, capture_output=True, text=True).stderr
        totals: dict[str, float] = {}
        for line in err.splitlines():
            parts = line.split("|")
            if len(parts) != 3 or not parts[0].startswith("import time:") or "self" in parts[0]:
                continue
            package = parts[2].strip().split(".")[0]
            totals[package] = totals.get(package, 0.0) + int(parts[0].split(":")[1]) / 1000.0
        return totals

    base = self_times("import simpy, numpy")
    full = self_times("import simpy, numpy, orgsim")
    added = {name: ms for name, ms in full.items() if name not in base}
    return sorted(added.items(), key=lambda item: -item[1])[:top]


# -- 7. the Sobol study ----------------------------------------------------------------------------


def dask_available() -> bool:
    try:
        importlib.import_module("dask.distributed")
    except ImportError:
        return False
    return True


def sobol_timings(rounds: int, options: list[str]) -> dict[str, list[sobol_study.Measurement]]:
    """The Sobol benchmark study (``benchmarks/sobol_study.py`` with ``options``; its defaults:
    N = 4, 352 three-year runs, 2 workers) ``rounds`` times on orgsim's process pool and on a
    dask ``LocalCluster``, the executors taking turns (which goes first alternates)."""
    executors = {"orgsim process pool": options, **({"dask LocalCluster": [*options, "--dask"]} if dask_available() else {})}
    measured: dict[str, list[sobol_study.Measurement]] = {name: [] for name in executors}
    for k in range(rounds):
        order = list(executors) if k % 2 == 0 else list(reversed(executors))
        for name in order:
            measurement, _ = sobol_study.measure(sobol_study.parse_args(executors[name]))
            if measurement.failed:
                raise SystemExit(f"the Sobol study on the {name} had {measurement.failed} failed runs")
            measured[name].append(measurement)
            print(f"  round {k + 1}, {name}: {measurement.wall_s:.1f} s, {measurement.runs_per_s:.2f} runs/s", flush=True)
    return measured


# -- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description="orgsim performance benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller runs, no 1M-lead runs (about a minute)")
    parser.add_argument("--markdown", metavar="PATH", help="also write the tables and verdicts as Markdown")
    parser.add_argument("--json", metavar="PATH", help="also write the raw numbers as JSON")
    parser.add_argument(
        "--update-docs", action="store_true", help=f"replace the results block of {DOC.name} (between its marker comments) with this run's"
    )
    parser.add_argument(
        "--sobol",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="also time the Sobol benchmark study (benchmarks/sobol_study.py: N = 4, 352 three-year runs) ROUNDS times on "
        "orgsim's pool of 2 workers and on a dask LocalCluster of 2, taking turns; 3 for the round's done-when "
        "(about 6 minutes more on 2 quiet cores)",
    )
    args = parser.parse_args()
    if args.sobol < 0:
        parser.error(f"--sobol must be 0 or more rounds, not {args.sobol}")
    quick = args.quick
    started = time.perf_counter()
    scenario = orgsim.Scenario()
    names = list(structures())
    DATA["quick"] = quick

    section("machine")
    describe_machine()

    section("events per lead (default scenario, default horizon, untimed instrumented runs)")
    profiles = {name: profile_structure(scenario, structure) for name, structure in structures().items()}
    params = reference_params(scenario, profiles["none"].leads_per_day)
    ref_events = reference_events_per_lead(params, scenario.horizon_days)
    rows = [[n, f"{p.leads_per_day:.1f}", str(p.warm_leads), f"{p.events_per_lead:.2f}"] for n, p in profiles.items()]
    rows.append(["reference (bare SimPy)", f"{params.leads_per_day:.1f}", "0", f"{ref_events:.2f}"])
    note(
        f"scenario: inbound.base_rate_per_day {scenario.inbound.base_rate_per_day:g}, sales.reps {scenario.sales.reps}, "
        f"horizon {scenario.horizon_days:g} days, warm-up {scenario.deals.warm_start_days:g} days; "
        f"reference: {params.leads_per_day:.2f} leads/day (orgsim's measured rate, structure none), {params.reps} reps"
    )
    note()
    print_table(["structure", "leads/day", "warm-up leads", "events/lead"], rows)
    DATA["events_per_lead"] = {n: p.events_per_lead for n, p in profiles.items()} | {"reference": ref_events}

    rounds = 5 if quick else 7
    section(f"paired ratio to the bare-SimPy reference ({rounds} interleaved rounds, {scenario.horizon_days:g}-day runs, CPU time)")
    ref_us, org_us, ratios = paired_ratios(scenario, profiles, params, rounds)
    rows = [
        [
            n,
            f"{statistics.median(org_us[n]):.2f}",
            f"{statistics.median(ref_us):.2f}",
            f"{statistics.median(ratios[n]):.2f}",
            f"{min(ratios[n]):.2f}-{max(ratios[n]):.2f}",
        ]
        for n in names
    ]
    print_table(["structure", "orgsim us/lead", "reference us/lead", "median ratio", "range"], rows)
    DATA["paired"] = {"reference_us": ref_us, "orgsim_us": org_us, "ratios": ratios}

    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    repeats = {10_000: 3, 100_000: 2, 1_000_000: 1} if quick else {10_000: 5, 100_000: 3, 1_000_000: 3}
    largest = sizes[-1]
    section(f"time per lead by run size (CPU us per lead, median (min-max) of {', '.join(str(repeats[s]) for s in sizes)} runs)")
    scale = scaling(scenario, profiles, sizes, repeats)
    label = {10_000: "10k", 100_000: "100k", 1_000_000: "1M"}
    flat = {n: [big / mid for big, mid in zip(scale[n][largest], scale[n][100_000], strict=False)] for n in names}
    rows = []
    for n in names:
        per = scale[n]
        rows.append(
            [
                n,
                f"{1e6 / statistics.median(per[100_000]):,.0f}",
                *(spread(per[s]) for s in sizes),
                spread(flat[n]) if largest != 100_000 else "-",
                f"{profiles[n].events_per_lead:.2f}",
            ]
        )
    print_table(
        ["structure", "leads/s/core (100k)", *(f"us/lead {label[s]}" for s in sizes), f"{label[largest]}/100k", "events/lead (365 d)"],
        rows,
    )
    note(
        "A 10k-lead run (about 280 days) is mostly the model's transient: market stocks and the pipeline settle over the first "
        "year or two. Over longer runs the installed base keeps growing (about 1,000 customers after 3 years, 3,400 after 38 "
        "with no structure), but the customer base's day step does not grow with it (two running integrals and a heap of "
        "churn thresholds: a churn costs a heap pop), and nothing is kept per lead (see memory)."
    )
    note()
    DATA["scaling_us_per_lead"] = scale

    day_runs = 3 if quick else 5
    section(f"a simulated day with no leads ({NO_LEAD_YEARS}-year runs, no warm-up, CPU ms per day, median (min-max) of {day_runs} runs)")
    day_ms = no_lead_day_ms(scenario, day_runs)
    print_table(["structure", "ms per day"], [[n, spread(day_ms[n], 4)] for n in names])
    note(
        "What a day costs by itself: the day step (effects, stocks, marketing, workforce, the customer base's churn and "
        "revenue), the shifts, the disputes, the marketers' projects and the recorder."
    )
    reference_us = statistics.median(DATA["paired"]["reference_us"])
    worst_day = max(statistics.median(day_ms[n]) for n in names)
    scaled = worst_day * QUIET_REFERENCE_US / reference_us
    note(
        f"Scaled to the quiet machine of the round's second session (the bare-SimPy reference at {QUIET_REFERENCE_US} us a "
        f"lead, here {reference_us:.2f}): {scaled:.4f} ms for the worst structure. A projection, for a machine slower or "
        "faster than that one; the target's verdict below is on the measured time."
    )
    note()
    DATA["no_lead_day_ms"] = day_ms
    DATA["no_lead_day_ms_scaled_to_quiet_machine"] = scaled

    small, large = (20_000, 40_000) if quick else (20_000, 80_000)
    mem_names = ["shared_leader"] if quick else names
    section(f"peak memory (tracemalloc) at ~{small // 1000}k and ~{large // 1000}k leads; growth = extra bytes per extra lead")
    mem = memory(scenario, profiles, mem_names, small, large)
    rows = []
    for n in mem_names:
        for record in (False, True):
            peak_s, peak_l, growth = mem[n][record]
            rows.append([n, str(record), fmt_bytes(peak_s), fmt_bytes(peak_l), f"{growth:.1f}"])
    print_table(["structure", "record_leads", f"peak {small // 1000}k", f"peak {large // 1000}k", "bytes/lead"], rows)
    series_bytes = series_bytes_per_lead(scenario, profiles["shared_leader"], large)
    note(
        f"The per-period series (one row per week) is the output that grows with the horizon: {series_bytes:.1f} bytes per lead "
        "as a DataFrame, built from a snapshot array of about the same size."
    )
    note()
    DATA["memory"] = {n: {str(r): mem[n][r] for r in (False, True)} for n in mem_names} | {"series_bytes_per_lead": series_bytes}

    replications, rep_rounds = (2, 1) if quick else (6, 2)
    section(f"replication throughput: orgsim.compare, 5 structures x {replications} replications x 365 days, warm spawn pools, wall time")
    throughput = replication_throughput(replications, 365.0, rep_rounds)
    rows = []
    for workers in (1, 2):
        rates = [runs / seconds for seconds, runs in throughput[workers]]
        rows.append(
            [f"{workers} worker{'s' if workers > 1 else ''}", ", ".join(f"{x:.2f}" for x in rates), f"{statistics.median(rates):.2f}"]
        )
    per_round = [(runs2 / s2) / (runs1 / s1) for (s1, runs1), (s2, runs2) in zip(throughput[1], throughput[2], strict=True)]
    speedup = statistics.median(per_round)
    print_table(["pool", "runs/s per round", "median runs/s"], rows)
    note(f"2-worker / 1-worker throughput: {speedup:.2f} (per round: {', '.join(f'{x:.2f}' for x in per_round)})")
    note()
    DATA["replications"] = {"throughput": throughput, "speedup": speedup}

    import_repeats = 5 if quick else 9
    section(f"import time (fresh interpreters, {import_repeats} interleaved runs each, wall ms)")
    base, full = import_times(import_repeats)
    import_ms = 1000.0 * (statistics.median(full) - statistics.median(base))
    heavy = heaviest_imports(6)
    note(f"- import simpy, numpy: median {1000 * statistics.median(base):.0f} ms")
    note(f"- import simpy, numpy, orgsim: median {1000 * statistics.median(full):.0f} ms")
    note(f"- added by orgsim: {import_ms:.0f} ms")
    note("- packages orgsim adds, by summed self time (-X importtime, one run): " + ", ".join(f"{n} {ms:.0f} ms" for n, ms in heavy))
    note()
    DATA["import"] = {"base_s": base, "full_s": full, "added_ms": import_ms, "heaviest_ms": dict(heavy)}

    sobol: dict[str, list[sobol_study.Measurement]] = {}
    if args.sobol:
        options = ["--samples", "2", "--horizon-days", "365"] if quick else []
        study = sobol_study.parse_args(options)
        rounds_text = f"{args.sobol} round" + ("s" if args.sobol > 1 else "")
        section(
            f"the Sobol benchmark study ({len(sobol_study.UNCERTAINTIES)} uncertainties, N = {study.samples}, "
            f"4 structures, {study.horizon_days:g} days; {rounds_text}, executors taking turns, wall time)"
        )
        sobol = sobol_timings(args.sobol, options)
        rows = []
        for name, measured in sobol.items():
            m = measured[0]
            rows.append(
                [
                    f"{name}, {m.workers} workers",
                    str(m.runs),
                    spread([x.wall_s for x in measured], 1),
                    spread([x.runs_per_s for x in measured]),
                    spread([x.projected_s / 3600 for x in measured]),
                ]
            )
        print_table(["executor", "runs", "wall s", "runs/s", f"projected N = {sobol_study.FULL_SAMPLES} wall, h"], rows)
        m = next(iter(sobol.values()))[0]
        note(
            f"The N = {sobol_study.FULL_SAMPLES} study is {m.full_runs:,} runs; its wall time is projected from each measured rate "
            "(a projection, not a measurement). The pool's time includes starting its workers; the cluster's start is not "
            "included. Runs are independent, so a real cluster's throughput is about the workers times the per-worker rate."
            + ("" if "dask LocalCluster" in sobol else " dask.distributed is not installed: no LocalCluster rounds.")
        )
        note()
        DATA["sobol"] = {
            name: [{"wall_s": x.wall_s, "runs": x.runs, "runs_per_s": x.runs_per_s, "projected_s": x.projected_s} for x in measured]
            for name, measured in sobol.items()
        }

    section("targets")
    worst_ratio_name = max(names, key=lambda n: statistics.median(ratios[n]))
    worst_ratio = statistics.median(ratios[worst_ratio_name])
    worst_flat_name = max(names, key=lambda n: statistics.median(flat[n]))
    worst_flat = statistics.median(flat[worst_flat_name])
    worst_day_name = max(names, key=lambda n: statistics.median(day_ms[n]))
    worst_day = statistics.median(day_ms[worst_day_name])
    worst_growth_off = max(mem[n][False][2] for n in mem_names)
    worst_growth_on = max(mem[n][True][2] for n in mem_names)

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    targets = [
        (
            "time per lead / bare-SimPy reference",
            f"<= {TARGET_RATIO:.2f}",
            f"{worst_ratio:.2f} ({worst_ratio_name})",
            worst_ratio <= TARGET_RATIO,
        ),
        (
            f"time per lead {label[largest]} / 100k leads" + (" (quick: no 1M runs)" if quick else ""),
            f"<= {TARGET_FLAT:.2f}",
            f"{worst_flat:.2f} ({worst_flat_name})",
            worst_flat <= TARGET_FLAT,
        ),
        (
            "a simulated day with no leads",
            f"<= {TARGET_DAY_MS:.2f} ms",
            f"{worst_day:.4f} ms ({worst_day_name})",
            worst_day <= TARGET_DAY_MS,
        ),
        (
            "memory growth, record_leads=False",
            f"< {NO_GROWTH_BYTES:.0f} B/lead",
            f"{worst_growth_off:.1f} B/lead",
            worst_growth_off < NO_GROWTH_BYTES,
        ),
        (
            "memory growth, record_leads=True",
            f"<= {TARGET_LOG_BYTES:.0f} B/lead",
            f"{worst_growth_on:.1f} B/lead",
            worst_growth_on <= TARGET_LOG_BYTES,
        ),
        ("2-worker / 1-worker throughput", f">= {TARGET_SPEEDUP:.1f}", f"{speedup:.2f}", speedup >= TARGET_SPEEDUP),
        ("import orgsim over simpy + numpy", f"<= {TARGET_IMPORT_MS:.0f} ms", f"{import_ms:.0f} ms", import_ms <= TARGET_IMPORT_MS),
    ]
    if sobol:
        hours = {name: statistics.median(x.projected_s for x in measured) / 3600 for name, measured in sobol.items()}
        pool = hours["orgsim process pool"]
        measured_text = ", ".join(f"{h:.2f} h ({name})" for name, h in hours.items())
        within = pool <= sobol_study.BUDGET_SECONDS / 3600
        name = f"Sobol N = {sobol_study.FULL_SAMPLES}, 2 cores (projected" + (", quick: 365-day runs)" if quick else ")")
        targets.append((name, "<= 1 h", measured_text, within))
    print_table(["target", "goal", "measured (worst structure)", "result"], [[t, g, m, verdict(ok)] for t, g, m, ok in targets])
    DATA["targets"] = {t: {"goal": g, "measured": m, "met": ok} for t, g, m, ok in targets}
    slowdown = reference_us / QUIET_REFERENCE_US
    quiet = slowdown <= QUIET_TOLERANCE
    note(
        f"Machine speed: the bare-SimPy reference took {reference_us:.2f} us a lead, against {QUIET_REFERENCE_US} on the quiet "
        f"machine of the round's second session ({slowdown:.2f}x): "
        + (
            "a quiet-machine session."
            if quiet
            else f"NOT a quiet-machine session (more than {QUIET_TOLERANCE:.2f}x): the absolute times above are slower than the "
            "targets assume; the ratios are not affected."
        )
    )
    DATA["quiet_machine"] = {"reference_us": reference_us, "slowdown": slowdown, "quiet": quiet}
    total = time.perf_counter() - started
    note(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; total {total:.0f} s wall")
    DATA["total_wall_s"] = total

    markdown = "\n".join(MARKDOWN) + "\n"
    if args.markdown:
        atomic_write_text(Path(args.markdown), markdown)
    if args.json:
        atomic_write_text(Path(args.json), json.dumps(DATA, indent=1, default=float) + "\n")
    if args.update_docs:
        update_docs(markdown)


def update_docs(markdown: str) -> None:
    """Put ``markdown`` between the results markers of docs/performance.md."""
    text = DOC.read_text()
    start, end = text.index(DOC_START) + len(DOC_START), text.index(DOC_END)
    atomic_write_text(DOC, text[:start] + "\n" + markdown + text[end:])
    print(f"updated {DOC}")


if __name__ == "__main__":
    main()

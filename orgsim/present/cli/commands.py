"""The commands ``run``, ``validate``, ``compare``, ``sweep`` and ``init``.

Each ``cmd_*`` takes the parsed arguments, calls the public API, prints and returns the exit
code; its docstring is the command's ``--help`` description.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from orgsim.config.scenario import Scenario, describe
from orgsim.present.cli.options import executor_arg, invalid, load_scenario, out_arg, parse_grid, parse_ranges, structures_arg
from orgsim.present.cli.output import write_csv, write_results
from orgsim.present.cli.outputset import check_output_file, check_output_folder, output_set
from orgsim.present.cli.tables import compare_table, format_totals, sweep_table


def cmd_run(args: argparse.Namespace) -> int:
    """Simulate one scenario under one structure with one seed and print the totals.

    Without --structure the run has no reporting structure (no leadership mechanisms), the
    model's base behaviour. --leads-csv writes the per-lead log (one row per lead: source,
    quality, score, arrival, MQL, first touch, opportunity, close, outcome, value).
    Example: orgsim run scenarios/startup.toml --structure shared_leader --seed 3
    """
    from orgsim.config import presets
    from orgsim.model.simulate import simulate

    scenario = load_scenario(args.scenario)
    structures = presets.all()
    if args.structure is not None and args.structure not in structures:
        raise invalid("--structure", args.structure, f"one of {', '.join(structures)}")
    structure = structures[args.structure] if args.structure else None
    leads_csv = None if args.leads_csv is None else Path(args.leads_csv)
    if leads_csv is not None:
        check_output_file(leads_csv, "--leads-csv")
    result = simulate(scenario, structure, seed=args.seed, horizon_days=args.horizon_days, record_leads=leads_csv is not None)
    label = args.structure or "no structure"
    print(f"orgsim run: scenario {scenario.name!r}, {label}, seed {args.seed}, {result.meta['horizon_days']:g} days")
    print(format_totals(result.totals))
    if leads_csv is not None and result.leads is not None:
        args.phase = "writing"
        write_csv(leads_csv, result.leads, index=False)
        print(f"lead log written to {args.leads_csv}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a scenario file without simulating anything.

    Every invalid field is reported at once, each with its value and the allowed range, and
    the exit code is 2; unknown keys get a did-you-mean suggestion. A valid file prints one
    line and exits 0. Example: orgsim validate scenarios/scaleup.toml
    """
    scenario = Scenario.from_toml(args.scenario)
    print(f"{args.scenario}: valid scenario {scenario.name!r}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare reporting structures over replications with common random numbers.

    Prints mean ± 95% half-width of the key totals per structure and the paired differences
    from the baseline, and writes into --out: summary.csv, totals.csv (one row per structure,
    replication and total), series.csv.gz (tidy: structure, replication, period, metric,
    value), differences.csv, run.json (scenario, structures, seeds, versions) and figures/*.png.
    With no arguments: the four presets on the default scenario over three years, 10
    replications.
    """
    from orgsim.experiment.study import compare

    scenario = load_scenario(args.scenario)
    structures = structures_arg(args.structures, args.structure_file)
    executor = executor_arg(args.workers)
    out = out_arg(args.out)
    baseline = args.baseline or next(iter(structures))
    if baseline not in structures:
        raise invalid("--baseline", baseline, f"one of the compared structures: {', '.join(structures)}")
    check_output_folder(out, store=args.store)
    horizon = args.horizon_days
    print(
        f"orgsim compare: scenario {scenario.name!r}, {len(structures)} structures x {args.replications} replications, "
        f"{horizon:g} days, seed {args.seed}",
        flush=True,
    )
    experiment = compare(
        scenario,
        structures,
        replications=args.replications,
        seed=args.seed,
        horizon_days=horizon,
        executor=executor,
        progress=False if args.no_progress else None,
        store=args.store,
    )
    print(compare_table(experiment, baseline))
    if experiment.n_failed:
        print(f"\n{experiment.n_failed} replication(s) failed; their tracebacks are in Experiment.failures / the store")
    args.phase = "writing"
    with output_set(out, args) as folder:
        written = write_results(experiment, folder, baseline)
    print(f"\nwrote {len(written)} files into {out}/ (figures in {out / 'figures'}/)")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Compare structures at every point of a parameter grid or a Latin hypercube sample.

    A grid: ``--param sales.reps=6,10,14 --param deals.cycle_days_median=30,60`` (every
    combination). A sample: ``--range sales.reps=5:20 --range inbound.base_rate_per_day=10:60
    --samples 16``. Writes points.csv, summary.csv (per point, structure and metric) and
    totals.csv into --out, and prints mean bookings per point and structure.
    """
    from orgsim.experiment.study import LatinHypercube, sweep

    scenario = load_scenario(args.scenario)
    structures = structures_arg(args.structures, args.structure_file)
    out = out_arg(args.out)
    if bool(args.param) == bool(args.range):
        raise invalid("--param/--range", None, "either --param KEY=V1,V2,... (a grid) or --range KEY=LOW:HIGH with --samples N")
    points: Any
    if args.param:
        points = parse_grid(args.param, "--param")
    else:
        points = LatinHypercube(parse_ranges(args.range, "--range"), n=args.samples, seed=args.seed)
    executor = executor_arg(args.workers)
    check_output_folder(out, store=args.store)
    experiment: Any = sweep(
        scenario,
        structures,
        points,
        replications=args.replications,
        seed=args.seed,
        horizon_days=args.horizon_days,
        executor=executor,
        progress=False if args.no_progress else None,
        store=args.store,
    )
    print(sweep_table(experiment))
    args.phase = "writing"
    with output_set(out, args) as folder:
        write_csv(folder / "points.csv", experiment.points)
        write_csv(folder / "summary.csv", experiment.summary())
        write_csv(folder / "totals.csv", experiment.to_frame("totals"), index=False)
    print(f"\nwrote points.csv, summary.csv and totals.csv into {out}/")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Write an annotated example scenario into DIR/scenario.toml.

    Every field appears with its default, a comment giving its meaning, unit, allowed range
    and the source of the default (CALIBRATION.md). Edit it, check it with orgsim validate,
    and run it with orgsim compare DIR/scenario.toml.
    """
    from orgsim.config.files import atomic_write_text

    folder = out_arg(args.directory, "DIR")
    path = folder / "scenario.toml"
    if path.exists() and not args.force:
        raise invalid("DIR", str(folder), f"a folder without scenario.toml ({path} exists; use --force)")
    check_output_file(path, "DIR")
    atomic_write_text(path, annotated_toml(Scenario()))
    print(f"wrote {path}")
    return 0


def annotated_toml(scenario: Scenario) -> str:
    """The scenario as TOML with a comment above every field: meaning, allowed range, source."""
    import tomli_w

    notes = {name: (allowed, doc, source) for name, _, allowed, doc, source in describe()}
    lines = ["# orgsim scenario. Every field is optional; missing ones take the default shown.", ""]
    section = ""
    for raw in tomli_w.dumps(scenario.to_dict()).splitlines():
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped.strip("[]") + "."
            lines.append(raw)
            continue
        if "=" in stripped:
            key = stripped.split("=", 1)[0].strip()
            name = f"{section}{key}" if section else key
            if name in notes:
                allowed, doc, source = notes[name]
                comment = doc + (f"; {allowed}" if allowed else "") + (f". Source: {source}" if source else "")
                lines.append(f"# {comment}")
        lines.append(raw)
    return "\n".join(lines) + "\n"

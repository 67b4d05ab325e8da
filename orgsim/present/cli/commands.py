"""The commands ``run``, ``validate``, ``compare``, ``sweep`` and ``init``.

Each ``cmd_*`` takes the parsed arguments, calls the public API, prints and returns the exit
code; its docstring is the command's ``--help`` description. (``calibrate`` lives in
:mod:`orgsim.present.cli.calibrate`, ``sensitivity`` in :mod:`orgsim.present.cli.sensitivity`.)
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from orgsim.config.checks import raise_problems
from orgsim.config.reorganization import Reorganization
from orgsim.config.scenario import Scenario
from orgsim.experiment.options import RunOptions
from orgsim.present.cli.annotated import annotated_toml
from orgsim.present.cli.inputs import experiment_scenario, is_structure_file, read_scenario_file, read_structure_file
from orgsim.present.cli.options import (
    baseline_arg,
    executor_arg,
    invalid,
    out_arg,
    parse_grid,
    parse_ranges,
    run_structure_arg,
    structures_arg,
)
from orgsim.present.cli.output import pngs_in, write_csv, write_results
from orgsim.present.cli.outputset import check_output_file, check_output_folder, output_set
from orgsim.present.cli.tables import compare_table, format_totals, sweep_table


def cmd_run(args: argparse.Namespace) -> int:
    """Simulate one scenario under one structure with one seed and print the totals.

    Without --structure the run has no reporting structure (no leadership mechanisms), the
    model's base behaviour. --leads-csv writes the per-lead log (one row per lead: source,
    quality, score, arrival, MQL, first touch, opportunity, close, outcome, value).
    --structure-file FILE runs a custom structure instead of a preset; a scenario file with a
    [structure] table runs that structure when neither is given.

    Examples:
      orgsim run scenarios/startup.toml --structure shared_leader --seed 3
      orgsim run --structure-file scenarios/structure_cco.toml --horizon-days 365
    """
    from orgsim.model.simulate import simulate

    found = read_scenario_file(args.scenario)
    scenario = found.scenario
    label, structure = run_structure_arg(args.structure, args.structure_file, found.structure, args.profile)
    leads_csv = None if args.leads_csv is None else Path(args.leads_csv)
    if leads_csv is not None:
        check_output_file(leads_csv, "--leads-csv")
    result = simulate(scenario, structure, seed=args.seed, horizon_days=args.horizon_days, record_leads=leads_csv is not None)
    print(f"orgsim run: scenario {scenario.name!r}, {label}, seed {args.seed}, {result.meta['horizon_days']:g} days")
    print(format_totals(result.totals))
    if leads_csv is not None and result.leads is not None:
        args.phase = "writing"
        write_csv(leads_csv, result.leads, index=False)
        print(f"lead log written to {args.leads_csv}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a scenario file or a structure file without simulating anything.

    The file is told by its keys: a structure file (name, marketing_head, sales_head,
    [reports_to], [leaders.*]) is checked as a structure, anything else as a scenario, with the
    structure in its [structure] table if it embeds one. Every invalid field is reported at
    once, each with its value and the allowed range, and the exit code is 2; unknown keys get a
    did-you-mean suggestion. A valid file prints one line and exits 0.

    Examples:
      orgsim validate scenarios/scaleup.toml
      orgsim validate scenarios/structure_cco.toml
    """
    from orgsim.config.files import read_toml

    if is_structure_file(read_toml(args.scenario)):
        structure = read_structure_file(args.scenario)
        if isinstance(structure, Reorganization):
            start, to = structure.start, structure.to
            print(
                f"{args.scenario}: valid reorganisation {structure.name!r}: {start.name!r} (integrator: {start.integrator_role})"
                f" to {to.name!r} (integrator: {to.integrator_role}) at day {structure.at_day:g}"
            )
            return 0
        print(f"{args.scenario}: valid structure {structure.name!r} (integrator: {structure.integrator_role})")
        return 0
    found = read_scenario_file(args.scenario)
    embedded = "" if found.structure is None else f" with the structure {found.structure.name!r}"
    print(f"{args.scenario}: valid scenario {found.scenario.name!r}{embedded}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare reporting structures over replications with common random numbers.

    Prints mean ± 95% half-width of the key totals per structure, the paired differences
    from the baseline (--baseline, default siloed when compared) and a verdict: the structures
    ranked on bookings, each one's lead over the next with its 95% interval, and which cannot be
    told apart at this number of replications. Writes into --out: summary.csv, totals.csv (one
    row per structure, replication and total), series.csv.gz (tidy: structure, replication,
    period, metric, value), differences.csv, run.json (scenario, structures, seeds, versions)
    and figures/*.png; with --report also report.html, one self-contained page with the
    verdict, the tables and every figure, to share or print. With no arguments: the four
    presets on the default scenario over three years, 10 replications. The horizon is
    --horizon-days, else the scenario file's horizon_days, else three years.

    Examples:
      orgsim compare
      orgsim compare --replications 3 --horizon-days 365
      orgsim compare scenarios/startup.toml --structures shared_leader siloed --baseline siloed
      orgsim compare --structures siloed --structure-file scenarios/structure_cco.toml
    """
    from orgsim.experiment.feasible import MIN_RELIABLE_REPLICATIONS, few_replications_text
    from orgsim.experiment.study import compare
    from orgsim.present.report import write_report

    found = experiment_scenario(args)
    scenario = found.scenario
    structures = structures_arg(args.structures, args.structure_file, found.structure, args.profile)
    executor = executor_arg(args.workers)
    out = out_arg(args.out)
    baseline, chosen = baseline_arg(args.baseline, structures)
    check_output_folder(out, store=args.store)
    horizon = args.horizon_days  # --horizon-days, else the scenario file's, else three years
    raise_problems(RunOptions(args.replications, args.seed, horizon, executor, leaders=args.leaders).problems())  # before the header
    held = f"leaders fixed ({args.profile} profiles)"
    if args.leaders == "sampled":
        held = "leaders sampled per replication (paired" + ("; the seeds' hand-set holders kept)" if args.profile == "seed" else ")")
    print(
        f"orgsim compare: scenario {scenario.name!r}, {len(structures)} structures x {args.replications} replications, "
        f"{horizon:g} days, seed {args.seed}, {held}, baseline {baseline}{chosen}",
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
        leaders=args.leaders,
    )
    print(compare_table(experiment, baseline))
    if len(structures) > 1 and "bookings_usd" in experiment.total_names:  # names are empty when every run failed
        print(f"\n{experiment.verdict('bookings_usd', baseline)}")
    if 1 < experiment.replications < MIN_RELIABLE_REPLICATIONS:
        print(f"\nwarning: {few_replications_text(experiment.replications)}")
    if experiment.n_failed:
        print(f"\n{experiment.n_failed} replication(s) failed; their tracebacks are in Experiment.failures / the store")
    args.phase = "writing"
    with output_set(out, args) as folder:
        written = write_results(experiment, folder, baseline)
        if args.report:
            written.append(write_report(experiment, folder / "report.html", baseline=baseline, command=args.argv, figures=pngs_in(written)))
    print(f"\nwrote {len(written)} files into {out}/ (figures in {out / 'figures'}/{', report.html' if args.report else ''})")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Compare structures at every point of a parameter grid or a Latin hypercube sample.

    A grid: --param KEY=V1,V2,... (repeatable; every combination). A sample: --range
    KEY=LOW:HIGH (repeatable) with --samples N Latin hypercube points. Writes points.csv,
    summary.csv (per point, structure and metric) and totals.csv into --out, and prints mean
    bookings per point and structure.

    Examples:
      orgsim sweep --param sales.reps=6,10,14 --param deals.cycle_days_median=30,60
      orgsim sweep --range sales.reps=5:20 --range inbound.base_rate_per_day=10:60 --samples 16
    """
    from orgsim.experiment.study import LatinHypercube, sweep

    found = experiment_scenario(args)
    scenario = found.scenario
    structures = structures_arg(args.structures, args.structure_file, found.structure, args.profile)
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
        leaders=args.leaders,
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
    and the source of the default, graded by how firm it is (the legend is at the top of the
    file). Edit it, check it with orgsim validate, and run it with orgsim compare.

    Examples:
      orgsim init my-company
      orgsim validate my-company/scenario.toml
      orgsim compare my-company/scenario.toml --replications 4
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

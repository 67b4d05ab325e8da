"""The ``sensitivity`` command: Morris screening, Sobol indices, and which structure wins where."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orgsim.present.cli.inputs import experiment_scenario
from orgsim.present.cli.options import executor_arg, invalid, out_arg, parse_ranges, structures_arg
from orgsim.present.cli.output import pyplot, save_figure, write_csv
from orgsim.present.cli.outputset import check_output_folder, output_set

#: ``--samples`` when it is not given, per ``--method``.
_DEFAULT_SAMPLES = {"morris": 10, "sobol": 64, "winners": 32}
#: The index columns printed per method (all of them are written to indices.csv).
_PRINTED_COLUMNS = {"morris": ["mu_star", "mu_star_conf", "mu", "sigma"], "sobol": ["S1", "S1_conf", "ST", "ST_conf"]}

#: What an analysis leaves to write: CSV tables by file name, figure drawers by file stem.
Tables = dict[str, Any]
Figures = dict[str, Callable[[], Any]]


@dataclass(frozen=True)
class _Inputs:
    """What every method runs: the scenario, the structures, the uncertain parameters, the
    sample size (--samples or the method's default) and the run options passed on as keywords."""

    scenario: Any
    structures: dict[str, object]
    uncertain: Any
    samples: int
    options: dict[str, Any]


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Global sensitivity analysis of uncertain scenario parameters, and which structure wins where.

    Declare the uncertain parameters with --param KEY=LOW:HIGH (repeatable), with --uncertain
    FILE (a TOML file with an [uncertain] table: "sales.reps" = [5, 20]), or in the scenario
    file's own [uncertain] table. Then:

      --method morris   screening: mu* (importance) and sigma (non-linearity, interactions)
                        per parameter; --samples trajectories (default 10), runs = samples x (D+1)
                        points x structures x replications
      --method sobol    variance shares S1 (alone) and ST (with interactions); --samples N, a
                        power of two (default 64), runs = N x (D+2) points x structures x replications
      --method winners  the best structure at --samples Latin hypercube points (default 32),
                        P(best) per structure and the share best per bin of --by PARAM (one or
                        two), optionally at several --at-days of the same runs

    Outputs are each structure's --metric (totals averaged over replications) and, for two or
    more structures, the paired difference first minus second (or --difference A B). Prints the
    indices and writes indices.csv, design.csv, outputs.csv and figures/*.png into --out.
    Examples:
      orgsim sensitivity --method morris --param sales.reps=5:20 --param deals.cycle_days_median=30:120
      orgsim sensitivity --method winners --param sales.reps=5:20 --structures shared_leader siloed
    """
    found = experiment_scenario(args)
    scenario = found.scenario
    structures = structures_arg(args.structures, args.structure_file, found.structure, args.profile)
    out = out_arg(args.out)
    executor = executor_arg(args.workers)
    uncertain = _uncertain_arg(args)
    outputs = _outputs_arg(args.difference, structures)
    _check_by(args.by, uncertain)
    check_output_folder(out, store=args.store)
    options = {
        "replications": args.replications,
        "seed": args.seed,
        "sample_seed": args.sample_seed,
        "horizon_days": args.horizon_days,
        "executor": executor,
        "progress": False if args.no_progress else None,
        "store": args.store,
        "leaders": args.leaders,
    }
    samples = _DEFAULT_SAMPLES[args.method] if args.samples is None else args.samples
    inputs = _Inputs(scenario, structures, uncertain, samples, options)
    tables, figures = _winners(args, inputs) if args.method == "winners" else _indices(args, inputs, outputs)
    args.phase = "writing"
    with output_set(out, args) as folder:
        for name, frame in tables.items():
            write_csv(folder / name, frame)
        pyplot()  # the Agg backend before anything is drawn
        for stem, draw in figures.items():
            save_figure(draw().figure, folder / "figures" / f"{stem}.png")
    print(f"\nwrote {', '.join(tables)} and {len(figures)} figure(s) into {out}/")
    return 0


def _uncertain_arg(args: argparse.Namespace) -> Any:
    """The uncertain parameters: from --param, from --uncertain FILE or from the scenario file."""
    from orgsim.experiment.uncertainty import Uncertainties

    if args.param and args.uncertain:
        raise invalid("--param/--uncertain", None, "one of --param KEY=LOW:HIGH (repeatable) or --uncertain FILE")
    if args.param:
        return Uncertainties(parse_ranges(args.param, "--param"))
    if args.uncertain:
        return Uncertainties.from_toml(args.uncertain)
    if args.scenario and Uncertainties.in_toml(args.scenario):
        return Uncertainties.from_toml(args.scenario)
    allowed = "uncertain parameters: --param KEY=LOW:HIGH, --uncertain FILE, or an [uncertain] table in the scenario file"
    raise invalid("--param", None, allowed)


def _outputs_arg(difference: list[str] | None, structures: dict[str, object]) -> list[Any]:
    """Each structure, then the paired difference --difference A B (by default first minus second)."""
    outputs: list[Any] = list(structures)
    if difference:
        a, b = difference
        if a not in structures or b not in structures or a == b:
            raise invalid("--difference", f"{a} {b}", f"two different structures among {', '.join(structures)}")
        outputs.append((a, b))
    elif len(structures) > 1:
        labels = list(structures)
        outputs.append((labels[0], labels[1]))
    return outputs


def _check_by(by: list[str] | None, uncertain: Any) -> None:
    """--by names one or two of the uncertain parameters."""
    if by and len(by) > 2:
        raise invalid("--by", by, "one or two parameters")
    for name in by or []:
        if name not in uncertain.names:
            raise invalid("--by", name, f"one of the uncertain parameters: {', '.join(uncertain.names)}")


def _winners(args: argparse.Namespace, inputs: _Inputs) -> tuple[Tables, Figures]:
    """--method winners: prints P(best) per structure and the share best per bin of --by."""
    from orgsim.experiment import sensitivity
    from orgsim.present.sensitivity_plots import plot_winners

    metric = args.metric[0]
    if len(args.metric) > 1:
        raise invalid("--metric", args.metric, "one metric with --method winners")
    if args.at_days and max(args.at_days) > args.horizon_days:
        raise invalid("--at-days", args.at_days, f"days <= --horizon-days ({args.horizon_days:g})")
    at_days = args.at_days or None
    print(
        f"orgsim sensitivity: winners on {metric}, {len(inputs.uncertain)} parameters, {inputs.samples} points "
        f"x {len(inputs.structures)} structures x {args.replications} replications, {args.horizon_days:g} days",
        flush=True,
    )
    result = sensitivity.winners(
        inputs.scenario, inputs.structures, inputs.uncertain, metric=metric, samples=inputs.samples, at_days=at_days, **inputs.options
    )
    print("\nprobability of being best (share of sampled points):")
    print(result.probabilities().to_string(float_format="{:.0%}".format))
    by = args.by or [inputs.uncertain.names[0]]
    x, y = by[0], (by[1] if len(by) > 1 else None)
    regions = result.regions(x, y, bins=args.bins)
    print(f"\nshare of points where best, by {' and '.join(by)}:")
    print(regions.to_string(float_format="{:.0%}".format))
    tables = {"winners_by_point.csv": result.by_point, "probabilities.csv": result.probabilities(), "regions.csv": regions}
    return tables, {"winners": lambda: plot_winners(result, x, y, bins=args.bins)}


def _indices(args: argparse.Namespace, inputs: _Inputs, outputs: list[Any]) -> tuple[Tables, Figures]:
    """--method morris or sobol: prints the indices of every --metric and output."""
    import pandas as pd

    from orgsim.experiment import sensitivity
    from orgsim.present.sensitivity_plots import plot_morris, plot_sobol

    metrics, samples = args.metric, inputs.samples
    if args.method == "sobol" and (samples < 2 or samples & (samples - 1)):
        raise invalid("--samples", samples, "a power of two >= 2 with --method sobol (e.g. 64, 512)")
    n_points = sensitivity.design_size(args.method, len(inputs.uncertain), samples)
    print(
        f"orgsim sensitivity: {args.method}, {len(inputs.uncertain)} parameters, {n_points} design points "
        f"x {len(inputs.structures)} structures x {args.replications} replications, {args.horizon_days:g} days",
        flush=True,
    )
    run = (inputs.scenario, inputs.structures, inputs.uncertain)
    # the indices and outputs written here are read at the horizon, from the totals: the runs'
    # weekly series are not kept (a study of many runs would fill the memory with them)
    if args.method == "morris":
        study = sensitivity.morris(*run, trajectories=samples, levels=args.levels, keep_series=False, **inputs.options)
    else:
        study = sensitivity.sobol(*run, samples=samples, keep_series=False, **inputs.options)
    frames = []
    for metric in metrics:
        table = study.table(metric, outputs)
        print(f"\n{table.attrs['metric']} at day {table.attrs['day']:g} ({args.method}; *_conf: 95% bootstrap half-width):")
        print(table[_PRINTED_COLUMNS[args.method]].to_string(float_format="{:,.4g}".format))
        frames.append(table.assign(metric=table.attrs["metric"]).set_index("metric", append=True).reorder_levels([2, 0, 1]))
    ys = {f"{m} | {study.outputs(m, o).attrs['output']}": study.outputs(m, o).to_numpy() for m in metrics for o in outputs}
    design = study.points.copy()
    tables = {"indices.csv": pd.concat(frames), "design.csv": design, "outputs.csv": design.assign(**ys)}
    plot_indices = plot_morris if args.method == "morris" else plot_sobol
    figures = {
        f"{args.method}-{_file_stem(metric)}-{_file_stem(study.outputs(metric, o).attrs['output'])}": (
            lambda m=metric, o=o: plot_indices(study.indices(m, o))
        )
        for metric in metrics
        for o in outputs
    }
    return tables, figures


def _file_stem(text: str) -> str:
    """``text`` safe in a file name: ``siloed - shared_leader`` -> ``siloed-minus-shared_leader``."""
    return "".join(c if c.isalnum() or c in "._" else "-" for c in text.replace(" - ", "-minus-"))

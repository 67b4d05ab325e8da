"""The ``orgsim`` command line. Presentation only: it calls the public API and prints.

Exit codes: 0 success, 2 invalid input (every problem is listed), 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orgsim.config.errors import ValidationError
from orgsim.config.scenario import Scenario, describe

_SUMMARY_ROWS = (
    ("leads_created", "leads", "{:,.0f}"),
    ("mqls", "MQLs", "{:,.0f}"),
    ("unfollowed", "MQLs never followed up", "{:,.0f}"),
    ("sla_compliance", "SLA compliance", "{:.1%}"),
    ("mean_response_hours", "mean response (hours)", "{:,.1f}"),
    ("opportunities", "opportunities", "{:,.0f}"),
    ("wins", "deals won", "{:,.0f}"),
    ("win_rate", "win rate", "{:.1%}"),
    ("mean_discount", "mean discount", "{:.1%}"),
    ("bookings_usd", "bookings (USD)", "{:,.0f}"),
    ("costs_usd", "costs (USD)", "{:,.0f}"),
    ("profit_usd", "profit (USD)", "{:,.0f}"),
)


def _format_totals(totals: dict[str, float]) -> str:
    width = max(len(label) for _, label, _ in _SUMMARY_ROWS)
    lines = []
    for key, label, fmt in _SUMMARY_ROWS:
        if key in totals:
            lines.append(f"  {label:<{width}}  {fmt.format(totals[key])}")
    return "\n".join(lines)


def _load_scenario(path: str | None) -> Scenario:
    return Scenario() if path is None else Scenario.from_toml(path)


def cmd_run(args: argparse.Namespace) -> int:
    """Simulate one scenario under one structure with one seed and print the totals.

    Without --structure the run has no reporting structure (no leadership mechanisms), the
    model's base behaviour. --leads-csv writes the per-lead log (one row per lead: source,
    quality, score, arrival, MQL, first touch, opportunity, close, outcome, value).
    Example: orgsim run scenarios/startup.toml --structure shared_leader --seed 3
    """
    from orgsim.config import presets
    from orgsim.model.simulate import simulate

    scenario = _load_scenario(args.scenario)
    structures = presets.all()
    if args.structure is not None and args.structure not in structures:
        raise ValidationError_for("--structure", args.structure, f"one of {', '.join(structures)}")
    structure = structures[args.structure] if args.structure else None
    if args.leads_csv is not None and Path(args.leads_csv).is_dir():
        raise ValidationError_for("--leads-csv", args.leads_csv, "a file path to write the lead log to, not a folder")
    result = simulate(scenario, structure, seed=args.seed, horizon_days=args.horizon_days, record_leads=args.leads_csv is not None)
    label = args.structure or "no structure"
    print(f"orgsim run: scenario {scenario.name!r}, {label}, seed {args.seed}, {result.meta['horizon_days']:g} days")
    print(_format_totals(result.totals))
    if args.leads_csv is not None and result.leads is not None:
        from orgsim.config.files import atomic_write_text

        atomic_write_text(Path(args.leads_csv), result.leads.to_csv(index=False))
        print(f"lead log written to {args.leads_csv}")
    return 0


# -- compare and sweep ----------------------------------------------------------------------------

#: The comparison table printed by ``orgsim compare``: (total, label, format of the mean).
_COMPARE_ROWS = (
    ("bookings_usd", "bookings (USD)", "{:,.0f}"),
    ("profit_usd", "profit (USD)", "{:,.0f}"),
    ("wins", "deals won", "{:,.0f}"),
    ("win_rate", "win rate", "{:.1%}"),
    ("mean_discount", "mean discount", "{:.1%}"),
    ("sla_compliance", "SLA compliance", "{:.1%}"),
    ("unfollowed_mql_share", "MQLs never followed up", "{:.1%}"),
    ("long_term_effort_share", "long-term marketing effort", "{:.1%}"),
    ("brand_stock_end", "brand stock at the end", "{:.2f}"),
)

#: Figures written by ``orgsim compare``: file stem and the plot function's name.
_FIGURES = ("dashboard", "bookings", "cumulative", "differences", "funnel", "effort_split", "stocks", "sla", "response_times")


def _structures_arg(names: Sequence[str] | None, files: Sequence[str] | None) -> dict[str, object]:
    """Presets by name plus structures from TOML files, labelled by name (all presets if neither is given)."""
    from orgsim.config import presets
    from orgsim.config.structure import Structure

    known = presets.all()
    chosen: dict[str, object] = {}
    for name in names or ([] if files else list(known)):
        if name not in known:
            raise ValidationError_for("--structures", name, f"preset names: {', '.join(known)} (custom ones with --structure-file)")
        chosen[name] = known[name]
    for path in files or []:
        structure = Structure.from_toml(path)
        if structure.name in chosen:
            raise ValidationError_for("--structure-file", path, f"a structure whose name ({structure.name!r}) is not already used")
        chosen[structure.name] = structure
    return chosen


def _executor_arg(workers: int | None) -> object:
    if workers is None:
        return None
    if workers < 1:
        raise ValidationError_for("--workers", workers, "an integer >= 1 (1 runs in this process)")
    return "serial" if workers == 1 else workers


def _out_arg(out: str, option: str = "--out") -> Path:
    """The output folder, refused before simulating if it is an existing file."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ValidationError_for(option, out, "a folder (new or existing), not a file")
    return path


def _cell(mean: float, half: float, fmt: str) -> str:
    if mean != mean:  # NaN: nothing to measure
        return "n/a"
    pct = fmt.endswith("%}")
    return f"{fmt.format(mean)} ± {fmt.format(half).rstrip('%')}{'%' if pct else ''}" if half == half else fmt.format(mean)


def compare_table(experiment: object, baseline: str | None = None) -> str:
    """The comparison as text: mean ± 95% half-width per structure, then paired differences."""
    summary = experiment.summary([key for key, _, _ in _COMPARE_ROWS])  # type: ignore[attr-defined]
    structures = list(dict.fromkeys(summary.index.get_level_values("structure")))
    rows = [["", *structures]]
    for key, label, fmt in _COMPARE_ROWS:
        cells = [label]
        for structure in structures:
            row = summary.loc[(structure, key)]
            cells.append(_cell(row["mean"], row["ci_high"] - row["mean"], fmt))
        rows.append(cells)
    lines = _aligned(rows)
    if baseline is not None and len(structures) > 1:
        diff = experiment.differences(baseline, ["bookings_usd", "profit_usd"])  # type: ignore[attr-defined]
        lines += ["", f"paired differences from {baseline} (95% interval, common random numbers):"]
        drows = [["", "bookings (USD)", "profit (USD)"]]
        for structure in [s for s in structures if s != baseline]:
            cells = [structure]
            for metric in ("bookings_usd", "profit_usd"):
                r = diff.loc[(structure, metric)]
                cells.append(f"{r['mean']:+,.0f}  [{r['ci_low']:+,.0f}, {r['ci_high']:+,.0f}]")
            drows.append(cells)
        lines += _aligned(drows)
    return "\n".join(lines)


def _aligned(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))) for row in rows
    ]


def write_results(experiment: object, out: Path, baseline: str | None) -> list[Path]:
    """Tidy results, the summary, paired differences, run metadata and figures, each written atomically."""
    import io
    import json

    import matplotlib

    matplotlib.use("Agg")  # files only; the command line never opens a window
    import matplotlib.pyplot as plt

    from orgsim.config.files import atomic_write, atomic_write_bytes
    from orgsim.present import plot

    ex: Any = experiment
    written: list[Path] = []

    def csv(name: str, frame: Any, **kwargs: Any) -> None:
        path = out / name
        atomic_write(path, lambda tmp: frame.to_csv(tmp, **kwargs))
        written.append(path)

    csv("summary.csv", ex.summary())
    csv("totals.csv", ex.to_frame("totals"), index=False)
    csv("series.csv.gz", ex.to_frame(), index=False, compression="gzip")
    structures = list(ex.labels)
    if baseline is not None and len(structures) > 1:
        csv("differences.csv", ex.differences(baseline))
    meta = {**ex.meta, "failed_replications": ex.n_failed, "seeds": ex.seeds.reset_index().to_dict("records")}
    atomic_write_bytes(out / "run.json", json.dumps(meta, indent=2, default=str).encode())
    written.append(out / "run.json")
    for name in _FIGURES:
        if name == "differences" and (baseline is None or len(structures) < 2):
            continue
        fn = getattr(plot, name)
        if name == "dashboard":
            result = fn(ex, baseline=baseline)
        elif name == "differences":
            result = fn(ex, baseline)
        elif name == "cumulative" and baseline is not None and len(structures) > 1:
            final = ex.totals("bookings_usd").mean()
            best = max((s for s in structures if s != baseline), key=lambda s: final[s])
            result = fn(ex, best, baseline)
        else:
            result = fn(ex)
        fig = result if isinstance(result, matplotlib.figure.Figure) else result.figure
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=150)
        plt.close(fig)
        path = out / "figures" / f"{name}.png"
        atomic_write_bytes(path, buffer.getvalue())
        written.append(path)
    return written


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

    scenario = _load_scenario(args.scenario)
    structures = _structures_arg(args.structures, args.structure_file)
    executor = _executor_arg(args.workers)
    out = _out_arg(args.out)
    baseline = args.baseline or next(iter(structures))
    if baseline not in structures:
        raise ValidationError_for("--baseline", baseline, f"one of the compared structures: {', '.join(structures)}")
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
    written = write_results(experiment, out, baseline)
    print(f"\nwrote {len(written)} files into {out}/ (figures in {out / 'figures'}/)")
    return 0


def _parse_values(text: str) -> list[object]:
    """``6,10,14`` -> [6, 10, 14]; numbers where they parse, strings otherwise."""
    values: list[object] = []
    for item in text.split(","):
        item = item.strip()
        for cast in (int, float):
            try:
                values.append(cast(item))
                break
            except ValueError:
                continue
        else:
            values.append({"true": True, "false": False}.get(item.lower(), item))
    return values


def cmd_sweep(args: argparse.Namespace) -> int:
    """Compare structures at every point of a parameter grid or a Latin hypercube sample.

    A grid: ``--param sales.reps=6,10,14 --param deals.cycle_days_median=30,60`` (every
    combination). A sample: ``--range sales.reps=5:20 --range inbound.base_rate_per_day=10:60
    --samples 16``. Writes points.csv, summary.csv (per point, structure and metric) and
    totals.csv into --out, and prints mean bookings per point and structure.
    """
    from orgsim.experiment.study import LatinHypercube, sweep

    scenario = _load_scenario(args.scenario)
    structures = _structures_arg(args.structures, args.structure_file)
    out = _out_arg(args.out)
    if bool(args.param) == bool(args.range):
        raise ValidationError_for("--param/--range", None, "either --param KEY=V1,V2,... (a grid) or --range KEY=LOW:HIGH with --samples N")
    points: Any
    if args.param:
        points = {}
        for item in args.param:
            key, sep, values = item.partition("=")
            if not sep or not values:
                raise ValidationError_for("--param", item, "KEY=V1,V2,... such as sales.reps=6,10,14")
            points[key.strip()] = _parse_values(values)
    else:
        points = LatinHypercube(_parse_ranges(args.range, "--range"), n=args.samples, seed=args.seed)
    experiment: Any = sweep(
        scenario,
        structures,
        points,
        replications=args.replications,
        seed=args.seed,
        horizon_days=args.horizon_days,
        executor=_executor_arg(args.workers),
        progress=False if args.no_progress else None,
        store=args.store,
    )
    table = experiment.summary("bookings_usd")["mean"].unstack("structure")
    print(
        experiment.points.join(table.droplevel("metric") if "metric" in table.index.names else table).to_string(
            float_format="{:,.0f}".format
        )
    )
    from orgsim.config.files import atomic_write

    for name, frame, kwargs in (
        ("points.csv", experiment.points, {}),
        ("summary.csv", experiment.summary(), {}),
        ("totals.csv", experiment.to_frame("totals"), {"index": False}),
    ):
        atomic_write(out / name, lambda tmp, f=frame, k=kwargs: f.to_csv(tmp, **k))
    print(f"\nwrote points.csv, summary.csv and totals.csv into {out}/")
    return 0


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
    Example: orgsim sensitivity --method morris --param sales.reps=5:20
    --param deals.cycle_days_median=30:120 --structures shared_leader siloed --horizon-days 365
    """
    import io

    import pandas as pd

    from orgsim.config.files import atomic_write, atomic_write_bytes
    from orgsim.experiment import sensitivity
    from orgsim.experiment.uncertainty import Uncertainties

    scenario = _load_scenario(args.scenario)
    structures = _structures_arg(args.structures, args.structure_file)
    out = _out_arg(args.out)
    executor = _executor_arg(args.workers)
    if args.param and args.uncertain:
        raise ValidationError_for("--param/--uncertain", None, "one of --param KEY=LOW:HIGH (repeatable) or --uncertain FILE")
    if args.param:
        uncertain = Uncertainties(_parse_ranges(args.param, "--param"))
    elif args.uncertain:
        uncertain = Uncertainties.from_toml(args.uncertain)
    elif args.scenario and Uncertainties.in_toml(args.scenario):
        uncertain = Uncertainties.from_toml(args.scenario)
    else:
        raise ValidationError_for(
            "--param", None, "uncertain parameters: --param KEY=LOW:HIGH, --uncertain FILE, or an [uncertain] table in the scenario file"
        )
    outputs: list[Any] = list(structures)
    if args.difference:
        a, b = args.difference
        if a not in structures or b not in structures or a == b:
            raise ValidationError_for("--difference", f"{a} {b}", f"two different structures among {', '.join(structures)}")
        outputs.append((a, b))
    elif len(structures) > 1:
        labels = list(structures)
        outputs.append((labels[0], labels[1]))
    if args.by and len(args.by) > 2:
        raise ValidationError_for("--by", args.by, "one or two parameters")
    for name in args.by or []:
        if name not in uncertain.names:
            raise ValidationError_for("--by", name, f"one of the uncertain parameters: {', '.join(uncertain.names)}")
    defaults = {"morris": 10, "sobol": 64, "winners": 32}
    samples = defaults[args.method] if args.samples is None else args.samples
    common: dict[str, Any] = {
        "replications": args.replications,
        "seed": args.seed,
        "sample_seed": args.sample_seed,
        "horizon_days": args.horizon_days,
        "executor": executor,
        "progress": False if args.no_progress else None,
        "store": args.store,
    }
    if args.method == "winners":
        metric = args.metric[0]
        if len(args.metric) > 1:
            raise ValidationError_for("--metric", args.metric, "one metric with --method winners")
        if args.at_days and max(args.at_days) > args.horizon_days:
            raise ValidationError_for("--at-days", args.at_days, f"days <= --horizon-days ({args.horizon_days:g})")
        at_days = args.at_days or None
        print(
            f"orgsim sensitivity: winners on {metric}, {len(uncertain)} parameters, {samples} points x {len(structures)} structures "
            f"x {args.replications} replications, {args.horizon_days:g} days",
            flush=True,
        )
        result = sensitivity.winners(scenario, structures, uncertain, metric=metric, samples=samples, at_days=at_days, **common)
        print("\nprobability of being best (share of sampled points):")
        print(result.probabilities().to_string(float_format="{:.0%}".format))
        by = args.by or [uncertain.names[0]]
        regions = result.regions(by[0], by[1] if len(by) > 1 else None, bins=args.bins)
        print(f"\nshare of points where best, by {' and '.join(by)}:")
        print(regions.to_string(float_format="{:.0%}".format))
        tables = {"winners_by_point.csv": result.by_point, "probabilities.csv": result.probabilities(), "regions.csv": regions}
        figures = {"winners": lambda: result.plot(by[0], by[1] if len(by) > 1 else None, bins=args.bins)}
    else:
        metrics = args.metric
        if args.method == "sobol" and (samples < 2 or samples & (samples - 1)):
            raise ValidationError_for("--samples", samples, "a power of two >= 2 with --method sobol (e.g. 64, 512)")
        n_points = sensitivity.design_size(args.method, len(uncertain), samples)
        print(
            f"orgsim sensitivity: {args.method}, {len(uncertain)} parameters, {n_points} design points x {len(structures)} structures "
            f"x {args.replications} replications, {args.horizon_days:g} days",
            flush=True,
        )
        if args.method == "morris":
            study = sensitivity.morris(scenario, structures, uncertain, trajectories=samples, levels=args.levels, **common)
        else:
            study = sensitivity.sobol(scenario, structures, uncertain, samples=samples, **common)
        frames = []
        columns = ["mu_star", "mu_star_conf", "mu", "sigma"] if args.method == "morris" else ["S1", "S1_conf", "ST", "ST_conf"]
        for metric in metrics:
            table = study.table(metric, outputs)
            print(f"\n{table.attrs['metric']} at day {table.attrs['day']:g} ({args.method}; *_conf: 95% bootstrap half-width):")
            print(table[columns].to_string(float_format="{:,.4g}".format))
            frames.append(table.assign(metric=table.attrs["metric"]).set_index("metric", append=True).reorder_levels([2, 0, 1]))
        indices = pd.concat(frames)
        ys = {f"{m} | {study.outputs(m, o).attrs['output']}": study.outputs(m, o).to_numpy() for m in metrics for o in outputs}
        design = study.points.copy()
        tables = {"indices.csv": indices, "design.csv": design, "outputs.csv": design.assign(**ys)}
        figures = {
            f"{args.method}-{_sensitivity_stem(metric)}-{_sensitivity_stem(study.outputs(metric, o).attrs['output'])}": (
                lambda m=metric, o=o: study.plot(m, o)
            )
            for metric in metrics
            for o in outputs
        }
    for name, frame in tables.items():
        atomic_write(out / name, lambda tmp, f=frame: f.to_csv(tmp))
    import matplotlib

    matplotlib.use("Agg")  # files only
    import matplotlib.pyplot as plt

    for stem, draw in figures.items():
        ax = draw()
        buffer = io.BytesIO()
        ax.figure.savefig(buffer, format="png", dpi=150)
        plt.close(ax.figure)
        atomic_write_bytes(out / "figures" / f"{stem}.png", buffer.getvalue())
    print(f"\nwrote {', '.join(tables)} and {len(figures)} figure(s) into {out}/")
    return 0


def _sensitivity_stem(text: str) -> str:
    return "".join(c if c.isalnum() or c in "._" else "-" for c in text.replace(" - ", "-minus-"))


def _parse_ranges(items: Sequence[str], flag: str) -> dict[str, tuple[float, float]]:
    """``KEY=LOW:HIGH`` arguments as ``{key: (low, high)}``; a malformed one is a ValidationError naming ``flag``."""
    ranges: dict[str, tuple[float, float]] = {}
    for item in items:
        key, sep, bounds = item.partition("=")
        low, colon, high = bounds.partition(":")
        try:
            ranges[key.strip()] = (float(low), float(high))
        except ValueError:
            raise ValidationError_for(flag, item, "KEY=LOW:HIGH such as sales.reps=5:20") from None
        if not sep or not colon:
            raise ValidationError_for(flag, item, "KEY=LOW:HIGH such as sales.reps=5:20")
    return ranges


def ValidationError_for(field: str, value: object, allowed: str) -> ValidationError:
    from orgsim.config.errors import Problem

    return ValidationError(Problem(field, value, allowed))


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a scenario file without simulating anything.

    Every invalid field is reported at once, each with its value and the allowed range, and
    the exit code is 2; unknown keys get a did-you-mean suggestion. A valid file prints one
    line and exits 0. Example: orgsim validate scenarios/scaleup.toml
    """
    scenario = Scenario.from_toml(args.scenario)
    print(f"{args.scenario}: valid scenario {scenario.name!r}")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Write an annotated example scenario into DIR/scenario.toml.

    Every field appears with its default, a comment giving its meaning, unit, allowed range
    and the source of the default (CALIBRATION.md). Edit it, check it with orgsim validate,
    and run it with orgsim compare DIR/scenario.toml.
    """
    from orgsim.config.files import atomic_write_text

    folder = _out_arg(args.directory, "DIR")
    path = folder / "scenario.toml"
    if path.exists() and not args.force:
        raise ValidationError_for("DIR", str(folder), f"a folder without scenario.toml ({path} exists; use --force)")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="orgsim",
        description="Simulate how a B2B company's sales and marketing reporting structure drives revenue, profit and brand. "
        "With no command, runs orgsim compare on the default scenario.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="simulate one structure with one seed and print the totals",
        description=cmd_run.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("scenario", nargs="?", help="scenario TOML file (default: the built-in default scenario)")
    run.add_argument("--structure", help="a preset: marketing_under_sales, sales_under_marketing, shared_leader, siloed")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--horizon-days", type=float, default=None, help="days to simulate (default: the scenario's)")
    run.add_argument("--leads-csv", default=None, help="also write the per-lead log to this CSV file")
    run.set_defaults(func=cmd_run)

    validate = sub.add_parser(
        "validate",
        help="check a scenario file and list every problem",
        description=cmd_validate.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument("scenario", help="scenario TOML file")
    validate.set_defaults(func=cmd_validate)

    compare = sub.add_parser(
        "compare",
        help="compare structures over replications (the default: all presets, default scenario, 3 years)",
        description=cmd_compare.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _experiment_arguments(compare, default_replications=10, default_out="orgsim-results")
    compare.add_argument("--baseline", default=None, help="structure the paired differences are taken from (default: the first)")
    compare.set_defaults(func=cmd_compare)

    sweep = sub.add_parser(
        "sweep",
        help="compare structures over a parameter grid or Latin hypercube sample",
        description=cmd_sweep.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _experiment_arguments(sweep, default_replications=5, default_out="orgsim-sweep")
    sweep.add_argument("--param", action="append", metavar="KEY=V1,V2,...", help="grid values of a scenario field (repeatable)")
    sweep.add_argument("--range", action="append", metavar="KEY=LOW:HIGH", help="sampled range of a scenario field (repeatable)")
    sweep.add_argument("--samples", type=int, default=16, help="Latin hypercube points with --range (default 16)")
    sweep.set_defaults(func=cmd_sweep)

    sens = sub.add_parser(
        "sensitivity",
        help="global sensitivity (Morris, Sobol) of uncertain parameters; which structure wins where",
        description=cmd_sensitivity.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _experiment_arguments(sens, default_replications=4, default_out="orgsim-sensitivity")
    sens.add_argument("--method", choices=("morris", "sobol", "winners"), default="morris", help="the analysis (default morris)")
    sens.add_argument("--param", action="append", metavar="KEY=LOW:HIGH", help="an uncertain scenario field and its range (repeatable)")
    sens.add_argument("--uncertain", metavar="FILE", help="TOML file with an [uncertain] table of KEY = [LOW, HIGH]")
    sens.add_argument(
        "--metric", nargs="+", default=["bookings"], help="totals to analyse, e.g. bookings profit brand_stock_end (default bookings)"
    )
    sens.add_argument("--difference", nargs=2, metavar=("A", "B"), help="analyse the paired difference A - B (default: first minus second)")
    sens.add_argument(
        "--samples", type=int, default=None, help="Morris trajectories (10), Sobol N (64, a power of two), winners points (32)"
    )
    sens.add_argument("--levels", type=int, default=4, help="Morris grid levels, even (default 4)")
    sens.add_argument("--sample-seed", type=int, default=0, help="seed of the design (default 0)")
    sens.add_argument("--at-days", type=float, nargs="+", metavar="DAY", help="winners: read the metric at these days of the same runs")
    sens.add_argument("--by", nargs="+", metavar="KEY", help="winners: one or two uncertain parameters to bin (default: the first)")
    sens.add_argument("--bins", type=int, default=4, help="winners: bins per parameter (default 4)")
    sens.set_defaults(func=cmd_sensitivity)

    init = sub.add_parser(
        "init",
        help="write an annotated example scenario into a folder",
        description=cmd_init.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument("directory", help="folder to write scenario.toml into (created if needed)")
    init.add_argument("--force", action="store_true", help="overwrite an existing scenario.toml")
    init.set_defaults(func=cmd_init)
    return parser


def _experiment_arguments(parser: argparse.ArgumentParser, *, default_replications: int, default_out: str) -> None:
    parser.add_argument("scenario", nargs="?", help="scenario TOML file (default: the built-in default scenario)")
    parser.add_argument(
        "--structures", nargs="+", metavar="NAME", help="presets to compare (default: all four, unless --structure-file is given)"
    )
    parser.add_argument("--structure-file", action="append", metavar="FILE", help="a custom structure in TOML (repeatable)")
    parser.add_argument(
        "--replications", type=int, default=default_replications, help=f"replications per structure (default {default_replications})"
    )
    parser.add_argument("--horizon-days", type=float, default=1095.0, help="days to simulate (default 1095, three years)")
    parser.add_argument("--seed", type=int, default=0, help="root seed; replication r uses SeedSequence(seed).spawn()[r] (default 0)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: every core; 1 = in this process)")
    parser.add_argument("--out", default=default_out, help=f"folder for results and figures (default {default_out})")
    parser.add_argument("--store", default=None, metavar="DIR", help="save each replication here as it finishes; rerun to resume")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``orgsim`` console script and ``python -m orgsim``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # The main job: with no command, compare the structures on the default scenario.
        args = parser.parse_args(["compare"])
    try:
        return int(args.func(args))
    except ValidationError as err:
        print(f"orgsim: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

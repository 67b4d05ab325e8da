"""The argument parser: one subcommand per ``cmd_*`` function, whose docstring is its ``--help``."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from orgsim.present.cli.calibrate import calibrate_arguments, cmd_calibrate
from orgsim.present.cli.commands import cmd_compare, cmd_init, cmd_run, cmd_sweep, cmd_validate
from orgsim.present.cli.sensitivity import cmd_sensitivity


def build_parser() -> argparse.ArgumentParser:
    """The ``orgsim`` parser; each subcommand sets ``func``, the command to call with the arguments."""
    parser = argparse.ArgumentParser(
        prog="orgsim",
        description="Simulate how a B2B company's sales and marketing reporting structure drives revenue, profit and brand. "
        "Start with: orgsim compare. Each command has its own --help, with examples.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = _command(sub, "run", cmd_run, "simulate one structure with one seed and print the totals")
    run.add_argument("scenario", nargs="?", help="scenario TOML file (default: the built-in default scenario)")
    run.add_argument("--structure", help="a preset: marketing_under_sales, sales_under_marketing, shared_leader, siloed")
    run.add_argument("--structure-file", action="append", metavar="FILE", help="a custom structure in TOML, instead of --structure")
    run.add_argument(
        "--profile",
        choices=("background", "seed"),
        default="background",
        help="the preset's holders: plain profiles of each seat's background (default) or the seeds' hand-set ones",
    )
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--horizon-days", type=float, default=None, help="days to simulate (default: the scenario's)")
    run.add_argument("--leads-csv", default=None, help="also write the per-lead log to this CSV file")

    validate = _command(sub, "validate", cmd_validate, "check a scenario or structure file and list every problem")
    validate.add_argument("scenario", metavar="FILE", help="scenario or structure TOML file")

    compare = _command(
        sub, "compare", cmd_compare, "compare structures over replications (the default: all presets, default scenario, 3 years)"
    )
    _experiment_arguments(compare, default_replications=10, default_out="orgsim-results")
    compare.add_argument(
        "--baseline", default=None, help="structure the paired differences are taken from (default: siloed if compared, else the first)"
    )
    compare.add_argument(
        "--report", action="store_true", help="also write report.html: verdict, tables, every figure, inputs; one file to share or print"
    )

    sweep = _command(sub, "sweep", cmd_sweep, "compare structures over a parameter grid or Latin hypercube sample")
    _experiment_arguments(sweep, default_replications=5, default_out="orgsim-sweep")
    sweep.add_argument("--param", action="append", metavar="KEY=V1,V2,...", help="grid values of a scenario field (repeatable)")
    sweep.add_argument("--range", action="append", metavar="KEY=LOW:HIGH", help="sampled range of a scenario field (repeatable)")
    sweep.add_argument("--samples", type=int, default=16, help="Latin hypercube points with --range (default 16)")

    _sensitivity_arguments(
        _command(
            sub, "sensitivity", cmd_sensitivity, "global sensitivity (Morris, Sobol) of uncertain parameters; which structure wins where"
        )
    )

    calibrate_arguments(
        _command(sub, "calibrate", cmd_calibrate, "calibrate a scenario from an opportunity export and back-test it")
    )

    init = _command(sub, "init", cmd_init, "write an annotated example scenario into a folder")
    init.add_argument("directory", help="folder to write scenario.toml into (created if needed)")
    init.add_argument("--force", action="store_true", help="overwrite an existing scenario.toml")
    return parser


def short_help(parser: argparse.ArgumentParser) -> str:
    """What bare ``orgsim`` prints: where to start, and the commands."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands = "\n".join(f"  {c.dest:<12} {c.help}" for c in sub._choices_actions)
    return (
        "orgsim: simulate how a B2B company's sales and marketing reporting structure drives revenue, profit and brand.\n\n"
        "Start here (the four structures on the default scenario over three years, 10 replications each):\n"
        "  orgsim compare\n"
        "A quicker first look:\n"
        "  orgsim compare --replications 3 --horizon-days 365\n\n"
        f"Commands:\n{commands}\n\n"
        "orgsim COMMAND --help shows a command's options and examples; orgsim --help the full usage."
    )


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, func: Callable[[argparse.Namespace], int], summary: str
) -> argparse.ArgumentParser:
    """Subcommand ``name``: ``summary`` in the list of commands, ``func``'s docstring as its ``--help``."""
    parser = sub.add_parser(name, help=summary, description=func.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(func=func)
    return parser


def _experiment_arguments(parser: argparse.ArgumentParser, *, default_replications: int, default_out: str) -> None:
    """The arguments every experiment command shares: scenario, structures, replications, horizon, seed, workers, output."""
    parser.add_argument("scenario", nargs="?", help="scenario TOML file (default: the built-in default scenario)")
    parser.add_argument(
        "--structures", nargs="+", metavar="NAME", help="presets to compare (default: all four, unless --structure-file is given)"
    )
    parser.add_argument("--structure-file", action="append", metavar="FILE", help="a custom structure in TOML (repeatable)")
    parser.add_argument(
        "--replications", type=int, default=default_replications, help=f"replications per structure (default {default_replications})"
    )
    parser.add_argument(
        "--horizon-days", type=float, default=None, help="days to simulate (default: the scenario file's horizon_days; 1095 built in)"
    )
    parser.add_argument("--seed", type=int, default=0, help="root seed; replication r uses SeedSequence(seed).spawn()[r] (default 0)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: every core; 1 = in this process)")
    parser.add_argument("--out", default=default_out, help=f"folder for results and figures (default {default_out})")
    parser.add_argument("--store", default=None, metavar="DIR", help="save each replication here as it finishes; rerun to resume")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--leaders",
        choices=("sampled", "fixed"),
        default="sampled",
        help="who holds the seats: drawn per replication, paired across structures (default), or the profiles as given",
    )
    parser.add_argument(
        "--profile",
        choices=("background", "seed"),
        default="background",
        help="the presets' holders: plain profiles of each seat's background (default) or the seeds' hand-set ones",
    )


def _sensitivity_arguments(sens: argparse.ArgumentParser) -> None:
    """The arguments of ``orgsim sensitivity``."""
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

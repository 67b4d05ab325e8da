"""The ``calibrate`` command: a scenario from an opportunity export, with its report and a back-test."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from orgsim.config.errors import ValidationError
from orgsim.present.cli.options import invalid, out_arg
from orgsim.present.cli.output import pyplot, save_figure, write_csv
from orgsim.present.cli.outputset import check_output_folder, output_set


def calibrate_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``orgsim calibrate``."""
    parser.add_argument("file", metavar="FILE", help="opportunity export: .csv, .csv.gz or .parquet, one row per deal")
    parser.add_argument(
        "--mapping",
        default=None,
        help="a preset (salesforce, hubspot, maven, orgsim) or a CSV file of export column,orgsim column (default: detected)",
    )
    parser.add_argument("--price-list", default=None, metavar="CSV", help="CSV file of product,list price: estimates the discounts")
    parser.add_argument("--start", default=None, help="window start, a date (default: the earliest creation date of the bulk)")
    parser.add_argument("--end", default=None, help="the export date (default: the latest date of the bulk)")
    parser.add_argument("--dayfirst", choices=("yes", "no"), default=None, help="read 05/03/2024 as 5 March (yes) or May 3 (no)")
    parser.add_argument("--horizon-days", type=float, default=90.0, help="back-test: days predicted after the split (default 90)")
    parser.add_argument("--split-at", default=None, help="back-test: the split date (default: --horizon-days before the end)")
    parser.add_argument("--no-backtest", action="store_true", help="calibrate only")
    parser.add_argument("--replications", type=int, default=20, help="back-test runs (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    parser.add_argument("--out", default="orgsim-calibration", help="folder for the results (default orgsim-calibration)")


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Calibrate a scenario from an opportunity export (one row per deal) and back-test it.

    Writes into --out: report.csv (one row per estimate, with its 95% interval and method),
    notes.txt (what could not be estimated, outlying dates, the distribution family chosen),
    fits.csv (every family's fit of the cycle and deal size), reps.csv (each rep's win rate, raw
    and shrunk), scenario.toml (the calibrated scenario) and, unless --no-backtest, backtest.csv
    and figures/backtest.png: the calibration made at --split-at, the next --horizon-days
    simulated and compared with what the export shows.
    Example: orgsim calibrate deals.csv --mapping salesforce --price-list prices.csv --out cal
    """
    from orgsim.experiment import calibrate

    path = _input_file(args.file)
    mapping = _mapping_arg(args.mapping)
    prices = _price_list_arg(args.price_list)
    dayfirst = None if args.dayfirst is None else args.dayfirst == "yes"
    out = out_arg(args.out)
    check_output_folder(out)
    common: dict[str, Any] = {"mapping": mapping, "price_list": prices, "dayfirst": dayfirst}
    cal = _flagged(lambda: calibrate.from_opportunities(path, start=args.start, end=args.end, seed=args.seed, **common))
    print(f"orgsim calibrate: {path.name}, window {cal.window[0]} to {cal.window[1]}, {len(cal.report)} estimates")
    print(cal.report[["parameter", "estimate", "ci_low", "ci_high"]].to_string(index=False, float_format="{:,.4g}".format))
    bt = None if args.no_backtest else _backtest(args, path, cal, common)
    args.phase = "writing"
    with output_set(out, args) as folder:
        write_csv(folder / "report.csv", cal.report, index=False)
        (folder / "notes.txt").write_text("\n".join(cal.notes) + "\n", encoding="utf-8")
        for name, table in cal.tables.items():
            write_csv(folder / f"{name}.csv", table, index=False)
        cal.scenario.to_toml(folder / "scenario.toml")
        if bt is not None:
            write_csv(folder / "backtest.csv", bt.table, index=False)
            pyplot()
            save_figure(bt.plot(), folder / "figures" / "backtest.png")
    print(f"\nwrote report.csv, notes.txt, scenario.toml{', backtest.csv, figures/backtest.png' if bt else ''} into {out}/")
    return 0


def _backtest(args: argparse.Namespace, path: Path, cal: Any, common: dict[str, Any]) -> Any:
    """The back-test at --split-at (default: --horizon-days before the calibration window's end)."""
    import pandas as pd

    from orgsim.experiment import calibrate

    split = args.split_at
    if split is None:
        end = cal.window[1]
        split = end - pd.Timedelta(days=args.horizon_days) if isinstance(end, pd.Timestamp) else end - args.horizon_days
    bt = _flagged(
        lambda: calibrate.backtest(
            path, split_at=split, horizon_days=args.horizon_days, replications=args.replications, seed=args.seed, **common
        )
    )
    shown = split.round("min") if isinstance(split, pd.Timestamp) else split
    print(f"\nback-test from {shown}: coverage {bt.coverage:.0%} of {len(bt.table)} period values in their 95% interval")
    return bt


#: Arguments of the API and the flags that set them, for messages.
_FLAGS = {
    "mapping": "--mapping",
    "price_list": "--price-list",
    "start": "--start",
    "end": "--end",
    "split_at": "--split-at",
    "horizon_days": "--horizon-days",
    "replications": "--replications",
    "seed": "--seed",
    "dayfirst": "--dayfirst",
}


def _flagged(call: Any) -> Any:
    """``call()``, with a ValidationError about an argument renamed to the flag that set it."""
    try:
        return call()
    except ValidationError as err:
        problems = [p.__class__(_FLAGS.get(p.field.split("[")[0], p.field), p.value, p.allowed) for p in err.problems]
        raise ValidationError(problems) from None


def _input_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise invalid("FILE", value, "an existing .csv, .csv.gz or .parquet file")
    return path


def _mapping_arg(value: str | None) -> Any:
    """A preset name, or the two-column CSV file of export column -> orgsim column."""
    from orgsim.experiment.calibrate import DEAL_PRESETS

    if value is None or value in DEAL_PRESETS:
        return value
    return _pairs(value, "--mapping", f"a preset ({', '.join(DEAL_PRESETS)}) or a CSV file of export column,orgsim column", str)


def _price_list_arg(value: str | None) -> dict[str, float] | None:
    if value is None:
        return None
    prices = _pairs(value, "--price-list", "a CSV file of product,list price (a header row, then one product a row)", float)
    bad = [k for k, v in prices.items() if not (math.isfinite(v) and v > 0)]
    if bad:
        raise invalid("--price-list", value, f"list prices > 0 (product {bad[0]!r})")
    return prices


def _pairs(value: str, flag: str, allowed: str, kind: Any) -> dict[str, Any]:
    """The first two columns of a CSV file with a header, as a dict; a ValidationError naming ``flag``."""
    import pandas as pd

    path = Path(value)
    if not path.is_file():
        raise invalid(flag, value, allowed)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        pairs = {
            str(k).strip(): kind(str(v).replace(",", "").replace("$", "").strip())
            for k, v in zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True)
        }
    except (ValueError, IndexError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        raise invalid(flag, value, allowed) from None
    if not pairs:
        raise invalid(flag, value, allowed)
    return pairs

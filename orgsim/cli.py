"""The ``orgsim`` command line. Presentation only: it calls the public API and prints.

Exit codes: 0 success, 2 invalid input (every problem is listed), 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from orgsim.config import Scenario, describe
from orgsim.errors import ValidationError

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
    """One scenario, one structure, one seed: print the totals."""
    from orgsim import presets
    from orgsim.simulate import simulate

    scenario = _load_scenario(args.scenario)
    structures = presets.all()
    if args.structure is not None and args.structure not in structures:
        raise ValidationError_for("--structure", args.structure, f"one of {', '.join(structures)}")
    structure = structures[args.structure] if args.structure else None
    result = simulate(scenario, structure, seed=args.seed, horizon_days=args.horizon_days, record_leads=args.leads_csv is not None)
    label = args.structure or "no structure"
    print(f"orgsim run: scenario {scenario.name!r}, {label}, seed {args.seed}, {result.meta['horizon_days']:g} days")
    print(_format_totals(result.totals))
    if args.leads_csv is not None and result.leads is not None:
        from orgsim._io import atomic_write_text

        atomic_write_text(Path(args.leads_csv), result.leads.to_csv(index=False))
        print(f"lead log written to {args.leads_csv}")
    return 0


def ValidationError_for(field: str, value: object, allowed: str) -> ValidationError:
    from orgsim.errors import Problem

    return ValidationError(Problem(field, value, allowed))


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a scenario file; list every problem and exit 2 if there is any."""
    scenario = Scenario.from_toml(args.scenario)
    print(f"{args.scenario}: valid scenario {scenario.name!r}")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Write an annotated example scenario (every field, its range and its source)."""
    from orgsim._io import atomic_write_text

    folder = Path(args.directory)
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
        description="Simulate how a B2B company's sales and marketing reporting structure drives revenue, profit and brand.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="simulate one structure with one seed and print the totals", description=cmd_run.__doc__)
    run.add_argument("scenario", nargs="?", help="scenario TOML file (default: the built-in default scenario)")
    run.add_argument("--structure", help="a preset: marketing_under_sales, sales_under_marketing, shared_leader, siloed")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--horizon-days", type=float, default=None, help="days to simulate (default: the scenario's)")
    run.add_argument("--leads-csv", default=None, help="also write the per-lead log to this CSV file")
    run.set_defaults(func=cmd_run)

    validate = sub.add_parser("validate", help="check a scenario file and list every problem", description=cmd_validate.__doc__)
    validate.add_argument("scenario", help="scenario TOML file")
    validate.set_defaults(func=cmd_validate)

    init = sub.add_parser("init", help="write an annotated example scenario into a folder", description=cmd_init.__doc__)
    init.add_argument("directory", help="folder to write scenario.toml into (created if needed)")
    init.add_argument("--force", action="store_true", help="overwrite an existing scenario.toml")
    init.set_defaults(func=cmd_init)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``orgsim`` console script and ``python -m orgsim``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["run", *(argv or [])])
    try:
        return int(args.func(args))
    except ValidationError as err:
        print(f"orgsim: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

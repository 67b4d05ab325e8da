"""Errors in the words the user typed: a problem with an option names the flag, not the Python name.

The commands pass option values to the public API, which names a bad value by its keyword
(``horizon_days = -5.0``). On the command line the user typed ``--horizon-days -5``, so
:func:`cli_message` writes ``--horizon-days -5: must be ...``; a missing option is named without
a value (never ``= None``). Problems in a file (``startup.toml: sales.reps = -2: ...``) are
left as they are: there, the dotted key is what the user typed.
"""

from __future__ import annotations

import argparse
from collections.abc import Collection

from orgsim.config.errors import Problem, ValidationError, shown

#: The keyword of the public API each option is passed as, and the flag the user typed.
FLAGS: dict[str, str] = {
    "replications": "--replications",
    "seed": "--seed",
    "horizon_days": "--horizon-days",
    "executor": "--workers",
    "workers": "--workers",
    "store": "--store",
    "baseline": "--baseline",
    "structures": "--structures",
    "metric": "--metric",
    "samples": "--samples",
    "trajectories": "--samples",
    "n": "--samples",
    "levels": "--levels",
    "sample_seed": "--sample-seed",
    "at_days": "--at-days",
    "by": "--by",
    "bins": "--bins",
}


def flag_problem(problem: Problem, options: Collection[str] | None = None) -> str:
    """One problem as a line: ``--flag value: allowed`` for an option, ``field: allowed`` when
    there is no value to show (a missing option), and the problem as it is otherwise. With
    ``options`` (the command's flags), a keyword is named by its flag only if the command has it."""
    flag = FLAGS.get(problem.field, problem.field if problem.field.startswith("-") or problem.field.isupper() else None)
    if options is not None and problem.field in FLAGS and flag not in options:
        flag = None
    if problem.value is None:
        return f"{flag or problem.field}: {problem.allowed}"
    if flag is None:
        return str(problem)
    return f"{flag} {_typed(problem.value)}: {problem.allowed}"


def _typed(value: object) -> str:
    """A value as it was typed: ``-5`` for ``-5.0``, words without quotes, lists space-separated."""
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value if value and " " not in value else repr(value)
    if isinstance(value, (list, tuple)):
        return " ".join(_typed(v) for v in value)
    return shown(value)


def cli_message(err: ValidationError, options: Collection[str] | None = None) -> str:
    """The error's message with every option named by its flag (among ``options``, if given)."""
    lines = [flag_problem(p, options) for p in err.problems]
    return f"invalid input: {lines[0]}" if len(lines) == 1 else f"{len(lines)} invalid inputs:\n  " + "\n  ".join(lines)


def command_options(parser: argparse.ArgumentParser, command: str | None) -> set[str]:
    """The flags of ``orgsim COMMAND`` (``--horizon-days``, ...)."""
    sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    chosen = None if sub is None or command is None else sub.choices.get(command)
    return {o for a in (chosen or parser)._actions for o in a.option_strings}


__all__ = ["FLAGS", "cli_message", "command_options", "flag_problem"]

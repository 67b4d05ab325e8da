"""Option values turned into what the commands need: a scenario, structures, a worker count, an
output folder, parameter values and ranges.

Each refuses a bad value with a :class:`ValidationError` naming the option (exit code 2), before
anything is simulated.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orgsim.config.checks import check_number, raise_problems
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.scenario import Scenario


def invalid(option: str, value: object, allowed: str) -> ValidationError:
    """The error for one bad option value, to ``raise``."""
    return ValidationError(Problem(option, value, allowed))


def load_scenario(path: str | None) -> Scenario:
    """The scenario in a TOML file (an embedded ``[structure]`` table set aside), or the built-in default one."""
    from orgsim.present.cli.inputs import read_scenario_file

    return read_scenario_file(path).scenario


def structures_arg(
    names: Sequence[str] | None, files: Sequence[str] | None, embedded: Any = None, profile: str = "background"
) -> dict[str, object]:
    """Presets by name (holders of ``profile``) plus structures from TOML files and the scenario
    file's embedded ``[structure]``, labelled by name (all presets if none of these is given)."""
    from orgsim.config import presets
    from orgsim.present.cli.inputs import read_structure_file

    known = presets.all(profile)  # type: ignore[arg-type]
    chosen: dict[str, object] = {}
    custom = [*(files or []), *([] if embedded is None else [embedded])]
    for name in names or ([] if custom else list(known)):
        if name not in known:
            raise invalid("--structures", name, f"preset names: {', '.join(known)} (custom ones with --structure-file)")
        chosen[name] = known[name]
    if embedded is not None:
        if embedded.name in chosen:
            raise invalid("[structure] name", embedded.name, "a name not already used by a compared structure")
        chosen[embedded.name] = embedded
    for path in files or []:
        structure = read_structure_file(path)
        if structure.name in chosen:
            raise invalid("--structure-file", path, f"a structure whose name ({structure.name!r}) is not already used")
        chosen[structure.name] = structure
    return chosen


def run_structure_arg(name: str | None, files: Sequence[str] | None, embedded: Any = None, profile: str = "background") -> tuple[str, Any]:
    """The one structure of ``orgsim run`` and its label: ``--structure NAME``, ``--structure-file
    FILE`` or the scenario file's embedded ``[structure]``, else none (the model's base behaviour)."""
    from orgsim.config import presets
    from orgsim.present.cli.inputs import read_structure_file

    if name is not None and files:
        raise invalid("--structure-file", files[0], "either --structure NAME or --structure-file FILE: orgsim run simulates one structure")
    if files and len(files) > 1:
        raise invalid("--structure-file", files, "one file: orgsim run simulates one structure (compare several with orgsim compare)")
    if name is not None:
        known = presets.all(profile)  # type: ignore[arg-type]
        if name not in known:
            raise invalid("--structure", name, f"one of {', '.join(known)} (a custom one with --structure-file)")
        return name, known[name]
    structure = read_structure_file(files[0]) if files else embedded
    return ("no structure", None) if structure is None else (structure.name, structure)


def baseline_arg(baseline: str | None, structures: dict[str, object]) -> tuple[str, str]:
    """The ``--baseline`` structure and how it was chosen (" (the default)", or empty when named):
    ``siloed`` when it is compared, otherwise the first structure."""
    from orgsim.experiment.verdict import DEFAULT_BASELINE

    if baseline is not None:
        if baseline not in structures:
            raise invalid("--baseline", baseline, f"one of the compared structures: {', '.join(structures)}")
        return baseline, ""
    if DEFAULT_BASELINE in structures:
        return DEFAULT_BASELINE, " (the default; choose another with --baseline)"
    return next(iter(structures)), f" (the first structure, as {DEFAULT_BASELINE} is not compared; choose with --baseline)"


def executor_arg(workers: int | None) -> object:
    """The executor for ``--workers``: every core (``None``), in this process (1) or N processes."""
    if workers is None:
        return None
    raise_problems([check_number("--workers", workers, 1, integer=True, allowed="an integer >= 1 (1 runs in this process)")])
    return "serial" if workers == 1 else workers


def out_arg(out: str, option: str = "--out") -> Path:
    """The output folder, refused before simulating if it is an existing file."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise invalid(option, out, "a folder (new or existing), not a file")
    return path


def parse_values(text: str) -> list[object]:
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


def parse_grid(items: Sequence[str], option: str) -> dict[str, list[object]]:
    """``KEY=V1,V2,...`` arguments as ``{key: [values]}``; a malformed one is a ValidationError naming ``option``."""
    grid: dict[str, list[object]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not values:
            raise invalid(option, item, "KEY=V1,V2,... such as sales.reps=6,10,14")
        grid[key.strip()] = parse_values(values)
    return grid


def parse_ranges(items: Sequence[str], option: str) -> dict[str, tuple[float, float]]:
    """``KEY=LOW:HIGH`` arguments as ``{key: (low, high)}``; a malformed one is a ValidationError naming ``option``."""
    ranges: dict[str, tuple[float, float]] = {}
    for item in items:
        key, sep, bounds = item.partition("=")
        low, colon, high = bounds.partition(":")
        try:
            ranges[key.strip()] = (float(low), float(high))
        except ValueError:
            raise invalid(option, item, "KEY=LOW:HIGH such as sales.reps=5:20") from None
        if not sep or not colon:
            raise invalid(option, item, "KEY=LOW:HIGH such as sales.reps=5:20")
    return ranges

"""The files the commands read: a scenario (perhaps with an embedded structure), a structure,
and the horizon an experiment runs for.

A *scenario file* holds the sections of :class:`~orgsim.config.scenario.Scenario`; it may
embed a reporting structure in a ``[structure]`` table (the layout of a structure file) and
declared uncertainties in an ``[uncertain]`` table. A *structure file* holds one
:class:`~orgsim.config.structure.Structure` (``name``, ``marketing_head``, ``sales_head``,
``[reports_to]``, ``[leaders.*]``), such as ``scenarios/structure_cco.toml``. Each is told by
its keys, so ``orgsim validate`` checks either as what it is.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orgsim.config.checks import check_horizon, problems_under, raise_problems
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.files import read_toml
from orgsim.config.reorganization import Reorganization, structure_from_dict
from orgsim.config.scenario import Scenario
from orgsim.config.structure import Structure

#: The horizon of ``compare``, ``sweep`` and ``sensitivity`` when neither ``--horizon-days`` nor
#: the scenario file sets one: three years, long enough for long-term marketing to pay back.
DEFAULT_HORIZON_DAYS = 1095.0

#: Top-level keys only a structure file has.
_STRUCTURE_KEYS = frozenset({"marketing_head", "sales_head", "reports_to", "leaders", "reorganization"})
#: Top-level keys only a scenario file has (its sections and fields).
_SCENARIO_KEYS = frozenset(f.name for f in Scenario.__dataclass_fields__.values())


@dataclass(frozen=True)
class ScenarioFile:
    """What a scenario file holds.

    Attributes:
        scenario: the scenario.
        structure: the structure of its ``[structure]`` table, or None.
        sets_horizon: whether the file sets ``horizon_days`` itself.
    """

    scenario: Scenario
    structure: Structure | None = None
    sets_horizon: bool = False


def is_structure_file(data: Mapping[str, Any]) -> bool:
    """True for the contents of a structure file: structure keys, and no scenario section."""
    return bool(_STRUCTURE_KEYS & data.keys()) and not (_SCENARIO_KEYS - {"name"}) & data.keys()


def read_scenario_file(path: str | Path | None) -> ScenarioFile:
    """The scenario file at ``path`` (None: the built-in default scenario), with its embedded
    structure; every problem of both is reported at once. A structure file is refused with a
    word on where it goes (``--structure-file``)."""
    if path is None:
        return ScenarioFile(Scenario())
    data = read_toml(path)
    if is_structure_file(data):
        raise ValidationError(
            Problem(str(path), None, "a structure file, where a scenario file is expected: give it with --structure-file FILE")
        )
    if isinstance(data.get("uncertain"), Mapping):  # declared uncertainties, read by orgsim sensitivity
        del data["uncertain"]
    table = data.pop("structure", None)
    problems: list[Problem] = []
    scenario = structure = None
    try:
        scenario = Scenario.from_dict(data, source=str(path))
    except ValidationError as err:
        problems += err.problems
    if table is not None:
        try:
            with problems_under(f"{path}: "):
                structure = Structure.from_dict(table)
        except ValidationError as err:
            problems += err.problems
    raise_problems(problems)
    assert scenario is not None
    return ScenarioFile(scenario, structure, "horizon_days" in data)


def read_structure_file(path: str | Path) -> Structure | Reorganization:
    """The structure file (or reorganisation file) at ``path``; a scenario file is refused with a
    word on where it goes."""
    data = read_toml(path)
    if not is_structure_file(data):
        raise ValidationError(
            Problem(
                str(path),
                None,
                "not a structure file (one has name, marketing_head, sales_head, [reports_to], [leaders.*])"
                " or a reorganisation file (one has [reorganization])",
            )
        )
    with problems_under(f"{path}: "):
        return structure_from_dict(data)


def experiment_scenario(args: argparse.Namespace) -> ScenarioFile:
    """The scenario of an experiment command, its horizon settled.

    The horizon is ``--horizon-days`` if given, else the scenario file's ``horizon_days`` if it
    sets one, else :data:`DEFAULT_HORIZON_DAYS`. The scenario is given that horizon, so the
    results' ``run.json`` records one horizon, and ``args.horizon_days`` is set to it.
    """
    if args.horizon_days is not None:
        raise_problems([check_horizon("--horizon-days", args.horizon_days)])
    found = read_scenario_file(args.scenario)
    if args.horizon_days is not None:
        horizon = float(args.horizon_days)
    elif found.sets_horizon:
        horizon = float(found.scenario.horizon_days)
    else:
        horizon = DEFAULT_HORIZON_DAYS
    args.horizon_days = horizon
    if horizon == found.scenario.horizon_days:
        return found
    return ScenarioFile(found.scenario.replace(horizon_days=horizon), found.structure, True)


__all__ = [
    "DEFAULT_HORIZON_DAYS",
    "ScenarioFile",
    "experiment_scenario",
    "is_structure_file",
    "read_scenario_file",
    "read_structure_file",
]

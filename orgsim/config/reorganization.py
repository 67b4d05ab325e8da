"""Reorganising mid-run: :class:`Reorganization` (from one structure to another on a given day)
and :class:`Transition` (what the switch costs).

A :class:`Reorganization` is accepted wherever a :class:`~orgsim.config.Structure` is
(:func:`orgsim.simulate`, :func:`orgsim.compare`, :func:`orgsim.sweep`, structure files, the
command line): the run starts in ``start`` and, at the beginning of day ``at_day``, the reporting
lines, seats and holders become those of ``to``. What the switch costs is declared in a
:class:`Transition`; :meth:`Transition.none` costs nothing, so a reorganisation at day 0 with no
transition is the target structure from the start, bit for bit.

The defaults are graded as in docs/calibration: the size of each cost is an assumption (A);
the sources say that costs exist and how long they last, not how large they are in a sales and
marketing team.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgsim.config.checks import check_number, problems_under, raise_problems, unknown_keys
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.files import read_toml, write_toml
from orgsim.config.params import Section, build, param
from orgsim.config.structure import Structure

_REORG_SOURCE = (
    "Heidari-Robinson & Heywood, HBR 2016 (H): in a McKinsey survey of 1,800 executives, reorganisations noticeably reduced productivity "
    "in about 60% of cases"
)


@dataclass(frozen=True)
class Transition(Section, prefix="transition."):
    """What switching structures costs (MODEL.md 3: reorganisation).

    At the switch, reps' and marketers' productivity falls by ``productivity_dip`` and recovers
    linearly over ``recovery_days``; ``attrition_spike`` of the reps and marketers leave at once
    (and are backfilled as any leaver is, where the workforce mechanisms are on); CRM learning
    loses ``crm_reset`` of what it had logged and sales' trust in marketing's leads moves
    ``trust_reset`` of the way back to neutral; ``one_off_cost_usd`` is charged on the day.
    """

    productivity_dip: float = param(
        0.10,
        0.0,
        1.0,
        "share of reps' and marketers' productivity lost on the day of the switch (recovers linearly)",
        source=f"A: about 60% of reorganisations x a noticeable dip of about 15%; {_REORG_SOURCE}",
    )
    recovery_days: float = param(
        180.0,
        0.0,
        3650.0,
        "days until productivity is back to normal after the switch",
        source="I: McKinsey Global Survey 2010 (2,525 executives): redesigns that succeeded were implemented in six months or less",
    )
    attrition_spike: float = param(
        0.05,
        0.0,
        1.0,
        "share of reps and marketers who leave on the day of the switch (backfilled where the workforce mechanisms are on)",
        source="A: reorganisations raise voluntary turnover (HBR 2016, H: 'greater stress and anxiety than layoffs'); size assumed",
    )
    crm_reset: float = param(
        0.25,
        0.0,
        1.0,
        "share of the CRM learning (logged outcomes) lost when teams, territories and fields are redrawn",
        source="A",
    )
    trust_reset: float = param(
        0.5,
        0.0,
        1.0,
        "how far sales' trust in marketing's leads moves back to neutral (0 = kept, 1 = reset to neutral)",
        source="A: new reporting lines restart the working relationship (Kotler, Rackham & Krishnaswamy, HBR 2006, H, qualitative)",
    )
    one_off_cost_usd: float = param(
        50_000.0,
        0.0,
        1e10,
        "one-off cost of the switch (advisers, systems, severance), charged on the day",
        source="A",
    )

    @classmethod
    def none(cls) -> Transition:
        """A switch that costs nothing: no dip, no leavers, no resets, no one-off cost."""
        return cls(productivity_dip=0.0, recovery_days=0.0, attrition_spike=0.0, crm_reset=0.0, trust_reset=0.0, one_off_cost_usd=0.0)

    def is_none(self) -> bool:
        """Whether the switch costs nothing."""
        return self == Transition.none()

    def dip_at(self, days_since: float) -> float:
        """The share of productivity lost ``days_since`` days after the switch."""
        if days_since < 0.0 or self.productivity_dip <= 0.0:
            return 0.0
        if self.recovery_days <= 0.0:
            return 0.0
        return self.productivity_dip * max(0.0, 1.0 - days_since / self.recovery_days)


@dataclass(frozen=True)
class Reorganization:
    """A run that starts in one structure and switches to another at the start of day ``at_day``.

    Args:
        start: the structure from day 0.
        to: the structure from ``at_day`` on (a different object from ``start``).
        at_day: the day of the switch, a whole number in ``[0, horizon)``; 0 starts in ``to``.
        transition: what the switch costs (default :class:`Transition`; :meth:`Transition.none`
            costs nothing).
        name: a label for tables and plots (default ``"<start> -> <to> at day <at_day>"``).

    The holders of the seats move with the lines: where both structures have a seat of the same
    kind (see :meth:`Structure.seats`), an experiment that samples holders puts the same person
    in it before and after.
    """

    start: Structure
    to: Structure
    at_day: float
    transition: Transition = field(default_factory=Transition)
    name: str = ""

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        for key in ("start", "to"):
            value = getattr(self, key)
            if not isinstance(value, Structure):
                problems.append(Problem(f"reorganization.{key}", type(value).__name__, "an orgsim.Structure"))
        if self.start is self.to and isinstance(self.start, Structure):
            problems.append(
                Problem("reorganization.to", "the same object as start", "a different structure (a reorganisation changes something)")
            )
        day = self.at_day
        whole = isinstance(day, float) and math.isfinite(day) and day.is_integer()
        problems.append(check_number("reorganization.at_day", int(day) if whole else day, 0.0, 36_500.0, hi_open=True, integer=True))
        if not isinstance(self.transition, Transition):
            problems.append(Problem("reorganization.transition", type(self.transition).__name__, "an orgsim.Transition"))
        if not isinstance(self.name, str):
            problems.append(Problem("reorganization.name", self.name, "a string"))
        raise_problems(problems)
        object.__setattr__(self, "at_day", float(self.at_day))
        if not self.name:
            object.__setattr__(self, "name", f"{self.start.name} -> {self.to.name} at day {self.at_day:g}")

    def check_horizon(self, horizon_days: float) -> None:
        """Refuse a switch on or after the last day of the run (it would never happen)."""
        if not math.isfinite(horizon_days) or self.at_day >= horizon_days:
            raise ValidationError(
                Problem("reorganization.at_day", self.at_day, f"a day before the horizon ({horizon_days:g} days): 0 <= at_day < horizon")
            )

    def replace(self, **changes: Any) -> Reorganization:
        """A copy with some fields changed (validated like any new instance)."""
        names = [f.name for f in dataclasses.fields(self)]
        raise_problems(unknown_keys("reorganization.", changes, names, "attribute", known_label="known attributes"))
        if "name" not in changes and self.name == _default_name(self):
            changes["name"] = ""  # a derived label follows the new fields
        return dataclasses.replace(self, **changes)

    # -- plain data and TOML --------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``{"reorganization": {...}}``, the layout of a reorganisation file."""
        return {
            "reorganization": {
                "name": self.name,
                "at_day": self.at_day,
                "start": self.start.to_dict(),
                "to": self.to.to_dict(),
                "transition": self.transition.to_dict(),
            }
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reorganization:
        """Inverse of :meth:`to_dict`."""
        table = data.get("reorganization") if isinstance(data, Mapping) else None
        if not isinstance(table, Mapping):
            raise ValidationError(Problem("reorganization", table, "a table with start, to, at_day and optionally transition and name"))
        raise_problems(unknown_keys("reorganization.", table, ["name", "at_day", "start", "to", "transition"], known_label="known keys"))
        missing = [k for k in ("start", "to", "at_day") if k not in table]
        if missing:
            raise ValidationError([Problem(f"reorganization.{k}", "missing", "required") for k in missing])
        start, to = _structure_or_preset(table["start"], "start"), _structure_or_preset(table["to"], "to")
        transition_data = table.get("transition", {})
        if not isinstance(transition_data, Mapping):
            raise ValidationError(Problem("reorganization.transition", transition_data, "a table of transition costs"))
        with problems_under("reorganization."):
            transition = build(Transition, transition_data)
        return cls(start=start, to=to, at_day=table["at_day"], transition=transition, name=table.get("name", ""))

    @classmethod
    def from_toml(cls, path: str | Path) -> Reorganization:
        """Load a reorganisation from a TOML file (the layout of :meth:`to_dict`)."""
        data = read_toml(path)
        with problems_under(f"{path}: "):
            return cls.from_dict(data)

    def to_toml(self, path: str | Path | None = None) -> str:
        """The reorganisation as TOML text; also written atomically to ``path`` when given."""
        return write_toml(self.to_dict(), path)


def _structure_or_preset(data: Any, key: str) -> Structure:
    """A structure table, or the name of a preset (held by the plain profiles of its seats)."""
    if isinstance(data, str):
        from orgsim.config import presets

        known = presets.all()
        if data not in known:
            raise ValidationError(Problem(f"reorganization.{key}", data, f"a structure table or a preset name: {', '.join(known)}"))
        return known[data]
    with problems_under(f"reorganization.{key}: "):
        return Structure.from_dict(data)


def _default_name(r: Reorganization) -> str:
    return f"{r.start.name} -> {r.to.name} at day {r.at_day:g}"


def structure_from_dict(data: Mapping[str, Any]) -> Structure | Reorganization:
    """A structure or a reorganisation from plain data (a ``reorganization`` table marks the latter)."""
    if isinstance(data, Mapping) and "reorganization" in data:
        return Reorganization.from_dict(data)
    return Structure.from_dict(data)


def read_structure_toml(path: str | Path) -> Structure | Reorganization:
    """A structure file or a reorganisation file."""
    data = read_toml(path)
    with problems_under(f"{path}: "):
        return structure_from_dict(data)


def structures_of(structure: Structure | Reorganization | None) -> tuple[Structure, ...]:
    """The structures a run goes through, in order."""
    if structure is None:
        return ()
    if isinstance(structure, Reorganization):
        return (structure.start, structure.to)
    return (structure,)


__all__ = ["Reorganization", "Transition", "read_structure_toml", "structure_from_dict", "structures_of"]

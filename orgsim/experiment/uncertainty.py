"""Declared uncertainties: which scenario parameters are uncertain, and over what range.

An :class:`Uncertain` names one numeric scenario field by its dotted key (as in
``Scenario.replace``) and the range it may take; :class:`Uncertainties` is an ordered set of
them, the input of :mod:`orgsim.sensitivity`. Declarations are checked against the scenario's
own field metadata before anything runs: an unknown key gets a did-you-mean hint, a
true/false or text field is refused, ``low`` must be below ``high`` and both must lie in the
field's allowed range. Values are drawn uniformly within each range; integer fields (such as
``sales.reps``) are rounded to the nearest integer, exactly as
:class:`~orgsim.experiment.LatinHypercube` does.

In TOML, an ``[uncertain]`` table maps dotted keys to ``[low, high]`` (or to a table with
``low``, ``high`` and optionally ``integer``). It may sit in a scenario file (where
``Scenario.from_toml`` skips it) or in a file of its own::

    [uncertain]
    "sales.reps" = [5, 20]
    "inbound.base_rate_per_day" = [10.0, 60.0]
    "deals.cycle_days_median" = { low = 30.0, high = 120.0 }
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.config import params
from orgsim.config.checks import did_you_mean, is_finite
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.files import read_toml
from orgsim.config.scenario import Scenario
from orgsim.experiment.designs import LatinHypercube, scaled_points

#: The name of the TOML table holding the declarations.
TOML_TABLE = "uncertain"


@dataclass(frozen=True)
class Uncertain:
    """One uncertain scenario parameter, drawn uniformly in ``[low, high]``.

    Args:
        name: a dotted scenario key such as ``"sales.reps"`` or ``"market.brand.weekly_retention"``.
        low: the smallest value (in the field's unit, e.g. days or USD).
        high: the largest value, > ``low``.
        integer: round drawn values to the nearest integer. ``None`` (the default) follows the
            field: integer fields are always rounded, number fields are not. ``True`` also
            rounds a number field; ``False`` is refused for an integer field.

    Checked when an :class:`Uncertainties` is built (the field's range needs the scenario's
    metadata), not here.
    """

    name: str
    low: float
    high: float
    integer: bool | None = None


def _field(dotted: str) -> tuple[Any, Mapping[str, Any]] | Problem:
    """The type hint and metadata of a scalar scenario field, or the problem with its name."""
    cls: Any = Scenario
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        fields = {f.name: f for f in dataclasses.fields(cls)}
        if part not in fields:
            where = ".".join(parts[: i + 1])
            hint = f"unknown key; {did_you_mean(part, fields)}known keys: {', '.join(sorted(fields))}"
            return Problem(f"{TOML_TABLE}[{dotted!r}]", where, hint)
        hint = params.type_hints(cls)[part]
        if i < len(parts) - 1:
            if not dataclasses.is_dataclass(hint):
                return Problem(f"{TOML_TABLE}[{dotted!r}]", dotted, f"{'.'.join(parts[: i + 1])} is a field, not a section")
            cls = hint
            continue
        if dataclasses.is_dataclass(hint):
            names = ", ".join(f.name for f in dataclasses.fields(hint))
            return Problem(f"{TOML_TABLE}[{dotted!r}]", dotted, f"a field, not a section; name one of its fields: {names}")
        if hint not in (int, float):
            return Problem(f"{TOML_TABLE}[{dotted!r}]", dotted, f"a numeric scenario field (this one is {params.type_name(hint)})")
        return hint, fields[part].metadata
    raise AssertionError("unreachable")  # pragma: no cover


def _range_text(meta: Any) -> str:
    """``" in [0, 1]"`` (with its leading space), or ``""`` for a field with no range."""
    allowed = params.allowed_range(meta)
    return f" {allowed}" if allowed else ""


class Uncertainties:
    """An ordered set of declared uncertain parameters, validated as a whole.

    Build from :class:`Uncertain` items, from a mapping ``{dotted key: (low, high)}``, or from
    TOML with :meth:`from_toml`::

        Uncertainties([Uncertain("sales.reps", 5, 20), Uncertain("deals.cycle_days_median", 30.0, 120.0)])
        Uncertainties({"sales.reps": (5, 20), "deals.cycle_days_median": (30.0, 120.0)})

    Raises:
        ValidationError: listing every bad declaration (unknown key with a did-you-mean hint,
            non-numeric field, ``low >= high``, a bound outside the field's allowed range,
            a duplicate), before anything runs.
    """

    def __init__(self, items: Iterable[Uncertain] | Mapping[str, Any] | Uncertainties, *, source: str = ""):
        if isinstance(items, Uncertainties):
            self._items: tuple[Uncertain, ...] = items._items
            return
        problems: list[Problem] = []
        parsed = _parse(items, problems)
        seen: set[str] = set()
        for u in parsed:
            if u.name in seen:
                problems.append(Problem(f"{TOML_TABLE}[{u.name!r}]", u.name, "each parameter declared once"))
            seen.add(u.name)
            problems.extend(_check(u))
        if not parsed and not problems:
            problems.append(Problem(TOML_TABLE, {}, "at least one uncertain parameter, e.g. {'sales.reps': (5, 20)}"))
        if problems:
            if source:
                problems = [Problem(f"{source}: {p.field}", p.value, p.allowed) for p in problems]
            raise ValidationError(problems)
        self._items = tuple(
            Uncertain(u.name, float(u.low), float(u.high), u.integer if u.integer is not None else _field(u.name)[0] is int)  # type: ignore[index]
            for u in parsed
        )

    # -- reading --------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "") -> Uncertainties:
        """From ``{dotted key: [low, high] or {low, high, integer}}``; nested tables
        (``{"sales": {"reps": [5, 20]}}``) are read as dotted keys."""
        return cls(data, source=source)

    @classmethod
    def from_toml(cls, path: str | Path) -> Uncertainties:
        """The ``[uncertain]`` table of a TOML file (a scenario file or a file of its own)."""
        data = read_toml(path)
        table = data.get(TOML_TABLE)
        if table is None:
            raise ValidationError(
                Problem(
                    f"{path}: [{TOML_TABLE}]", "missing", 'a table of dotted key = [low, high], e.g. [uncertain] "sales.reps" = [5, 20]'
                )
            )
        if not isinstance(table, Mapping):
            raise ValidationError(Problem(f"{path}: {TOML_TABLE}", table, "a table of dotted key = [low, high]"))
        return cls(table, source=str(path))

    @staticmethod
    def in_toml(path: str | Path) -> bool:
        """Whether a TOML file has an ``[uncertain]`` table."""
        return TOML_TABLE in read_toml(path)

    # -- views ------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Uncertain]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, name: str) -> Uncertain:
        for u in self._items:
            if u.name == name:
                return u
        raise KeyError(name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Uncertainties) and self._items == other._items

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        inner = ", ".join(f"{u.name}: [{u.low:g}, {u.high:g}]{' (integer)' if u.integer else ''}" for u in self._items)
        return f"Uncertainties({inner})"

    @property
    def names(self) -> list[str]:
        """The dotted keys, in declaration order."""
        return [u.name for u in self._items]

    @property
    def ranges(self) -> dict[str, tuple[float, float]]:
        """``{dotted key: (low, high)}``, in declaration order."""
        return {u.name: (u.low, u.high) for u in self._items}

    def to_dict(self) -> dict[str, Any]:
        """``{dotted key: [low, high]}`` (a table where ``integer`` is set against the field's type)."""
        out: dict[str, Any] = {}
        for u in self._items:
            natural = _field(u.name)[0] is int  # type: ignore[index]
            low, high = (int(u.low), int(u.high)) if natural and u.low.is_integer() and u.high.is_integer() else (u.low, u.high)
            out[u.name] = [low, high] if u.integer == natural else {"low": low, "high": high, "integer": u.integer}
        return out

    def to_toml(self, path: str | Path | None = None) -> str:
        """The declarations as an ``[uncertain]`` TOML table; also written atomically to ``path``."""

        def number(x: float) -> str:
            return repr(x)  # ints stay ints, floats keep a '.' or an exponent: valid TOML either way

        lines = [f"[{TOML_TABLE}]"]
        for name, value in self.to_dict().items():
            if isinstance(value, dict):  # an inline table keeps the declaration order
                text = f"{{ low = {number(value['low'])}, high = {number(value['high'])}, integer = {str(value['integer']).lower()} }}"
            else:
                text = f"[{number(value[0])}, {number(value[1])}]"
            lines.append(f'"{name}" = {text}')
        text = "\n".join(lines) + "\n"
        if path is not None:
            from orgsim.config.files import atomic_write_text

            atomic_write_text(Path(path), text)
        return text

    def problem(self) -> dict[str, Any]:
        """The SALib problem in the unit cube (``bounds`` all ``[0, 1]``): samples are drawn
        there and scaled by :meth:`points`, which rounds integer fields."""
        return {"num_vars": len(self._items), "names": self.names, "bounds": [[0.0, 1.0]] * len(self._items)}

    def points(self, unit: np.ndarray, scenario: Scenario | None = None) -> pd.DataFrame:
        """Scenario points (one row each, columns = dotted keys) from a sample in the unit cube.

        ``low + u * (high - low)``; integer fields are rounded by the same code as
        :class:`~orgsim.experiment.LatinHypercube`, and number fields declared ``integer=True``
        are rounded too.
        """
        unit = np.asarray(unit, dtype=float)
        if unit.ndim != 2 or unit.shape[1] != len(self._items):
            raise ValidationError(Problem("unit", unit.shape, f"an array of shape (n, {len(self._items)}) with values in [0, 1]"))
        frame = scaled_points(self.ranges, unit, scenario, what=TOML_TABLE)
        for u in self._items:
            if u.integer and frame[u.name].dtype.kind == "f":
                frame[u.name] = np.rint(frame[u.name].to_numpy())
        return frame

    def latin_hypercube(self, n: int, seed: int = 0) -> pd.DataFrame:
        """``n`` Latin hypercube points (``scipy.stats.qmc``; the same seed gives the same points)."""
        return self.points(LatinHypercube(self.ranges, n=n, seed=seed).unit_sample())


def _parse(items: Any, problems: list[Problem]) -> list[Uncertain]:
    allowed = "a list of orgsim.Uncertain or a mapping {dotted key: (low, high)}"
    if isinstance(items, Mapping):
        out: list[Uncertain] = []
        for key, value in _flatten(items):
            if isinstance(value, Mapping):
                extra = sorted(set(value) - {"low", "high", "integer"})
                if extra or "low" not in value or "high" not in value:
                    problems.append(
                        Problem(f"{TOML_TABLE}[{key!r}]", dict(value), "[low, high] or a table of low, high and optionally integer")
                    )
                    continue
                integer = value.get("integer")
                if integer is not None and not isinstance(integer, bool):
                    problems.append(Problem(f"{TOML_TABLE}[{key!r}].integer", integer, "true or false"))
                    continue
                out.append(Uncertain(key, value["low"], value["high"], integer))
            elif isinstance(value, (list, tuple)) and len(value) == 2:
                out.append(Uncertain(key, value[0], value[1]))
            else:
                problems.append(Problem(f"{TOML_TABLE}[{key!r}]", value, "[low, high], e.g. [5, 20]"))
        return out
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        problems.append(Problem(TOML_TABLE, items, allowed))
        return []
    out = []
    for i, item in enumerate(items):
        if isinstance(item, Uncertain):
            out.append(item)
        else:
            problems.append(Problem(f"{TOML_TABLE}[{i}]", item, "an orgsim.Uncertain(name, low, high)"))
    return out


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted keys from nested tables: a table without ``low``/``high`` is a section."""
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and not ({"low", "high"} & set(value)):
            yield from _flatten(value, f"{name}.")
        else:
            yield name, value


def _check(u: Uncertain) -> list[Problem]:
    where = f"{TOML_TABLE}[{u.name!r}]"
    if not isinstance(u.name, str) or not u.name:
        return [Problem(TOML_TABLE, u.name, "a dotted scenario key such as 'sales.reps'")]
    info = _field(u.name)
    if isinstance(info, Problem):
        return [info]
    hint, meta = info
    problems = []
    if u.integer is not None and not isinstance(u.integer, bool):
        problems.append(Problem(f"{where}.integer", u.integer, "None (follow the field), true or false"))
    elif u.integer is False and hint is int:
        problems.append(Problem(f"{where}.integer", False, "None or true: this is an integer field, always rounded"))
    bounds_ok = True
    for label, value in (("low", u.low), ("high", u.high)):
        if not is_finite(value):
            problems.append(Problem(f"{where}.{label}", value, "a finite number"))
            bounds_ok = False
            continue
        # the field's own range check; an integer field is checked at the rounded value it will take
        probe = int(np.rint(value)) if hint is int else float(value)
        problem = params.check_value(u.name, probe, hint, meta)
        if problem is not None:
            problems.append(Problem(f"{where}.{label}", value, f"inside the field's range: {u.name}{_range_text(meta)}"))
            bounds_ok = False
    if bounds_ok and not u.low < u.high:
        problems.append(Problem(f"{where}", (u.low, u.high), "low < high"))
    elif bounds_ok and hint is int and np.rint(u.low) == np.rint(u.high):
        problems.append(Problem(f"{where}", (u.low, u.high), "bounds that round to different integers (an integer field)"))
    return problems


__all__ = ["TOML_TABLE", "Uncertain", "Uncertainties"]

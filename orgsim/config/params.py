"""Declared parameters: the ``param()`` schema and the sections built from it.

A configuration section is a frozen dataclass derived from :class:`Section` whose fields are
declared with :func:`param`: a default, the allowed range, a one-line description and the
source of the default, all kept in the field's metadata. From that one declaration this module
checks values (:func:`check_value`, with the kit of :mod:`orgsim.config.checks`), builds
sections from plain data as read from TOML (:func:`build_section`, converting TOML's types and
naming every problem at once), turns them back into plain data, and describes them for the
docs (:func:`field_rows`).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any, Self

from orgsim.config.checks import (
    check_bool,
    check_choice,
    check_range,
    interval_text,
    is_bool,
    is_int,
    is_real,
    problems_under,
    raise_problems,
    reported_under,
    unknown_key,
    unknown_keys,
)
from orgsim.config.errors import Problem, ValidationError

#: A decay table: ``(delay_hours, multiplier)`` knots; log-linear interpolation between them.
DecayTable = tuple[tuple[float, float], ...]


def param(
    default: Any,
    lo: float | None = None,
    hi: float | None = None,
    doc: str = "",
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    source: str = "",
    check: Callable[[Any], str | None] | None = None,
    choices: tuple[str, ...] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Any:
    """A dataclass field with its allowed range, description and source in the metadata.

    ``check`` is a field's own rule (returns what is allowed when a value breaks it, else
    ``None``); ``choices`` the strings a text field may take; ``extra`` further metadata for the
    field's readers (a leader attribute's defaults by background).
    """
    meta: dict[str, Any] = {"lo": lo, "hi": hi, "lo_open": lo_open, "hi_open": hi_open, "doc": doc, "source": source}
    if choices is not None:
        meta["choices"] = choices
    if check is not None:
        meta["check"] = check
    meta.update(extra or {})
    if isinstance(default, (list, dict, set)):
        raise TypeError("mutable defaults are not allowed; use tuples")
    return field(default=default, metadata=meta)


class Section:
    """Behaviour shared by every configuration section: validated on construction.

    A subclass names the dotted prefix its problems are reported under and what its fields are
    called in messages: ``class Sales(Section, prefix="sales."): ...``.
    """

    _prefix = ""
    _noun = "key"

    def __init_subclass__(cls, *, prefix: str = "", noun: str = "key", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._prefix, cls._noun = prefix, noun

    def __post_init__(self) -> None:
        raise_problems(self._problems())
        for f in _fields_of(type(self)):
            value = getattr(self, f.name)
            if type(value) not in _PLAIN and _is_numpy_scalar(value):  # welcome, stored as the Python number it equals
                object.__setattr__(self, f.name, value.item())

    def _problems(self) -> list[Problem]:
        """Every problem with the values of this section (a section with cross-field rules adds them)."""
        return check_section(self, self._prefix)

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (validated like any new instance)."""
        names = [f.name for f in dataclasses.fields(self)]  # type: ignore[arg-type]
        raise_problems(unknown_keys(self._prefix, changes, names, self._noun, known_label=f"known {self._noun}s"))
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (tuples become lists), the shape written to TOML."""
        return to_plain(self)


def to_plain(obj: Any) -> Any:
    """Sections as dicts, tuples as lists, numpy scalars as Python numbers: data TOML can hold."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple):
        return [to_plain(v) for v in obj]
    return obj.item() if _is_numpy_scalar(obj) else obj


_PLAIN = (int, float, bool, str, tuple)


def _is_numpy_scalar(value: Any) -> bool:
    return (is_real(value) or is_bool(value)) and hasattr(value, "item")


@functools.cache
def type_hints(cls: type) -> Mapping[str, Any]:
    """The resolved annotations of a section, read-only.

    Cached: resolving the annotations costs ~0.3 ms a class, paid on every validation, which
    dominated building the points of a sweep.
    """
    return types.MappingProxyType(typing.get_type_hints(cls))


class _Field(typing.NamedTuple):
    """What checking needs of one declared field, worked out once per class."""

    name: str
    hint: Any
    meta: Mapping[str, Any]
    section: type | None  # the class of a nested section
    item: type | None  # the class of the entries of a tuple of sections


@functools.cache
def _fields_of(cls: type) -> tuple[_Field, ...]:
    hints = type_hints(cls)
    fields = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        fields.append(_Field(f.name, hint, f.metadata, hint if dataclasses.is_dataclass(hint) else None, _section_item_type(hint)))
    return tuple(fields)


@functools.cache
def _optional(hint: Any) -> Any:
    """``X`` of an ``X | None`` hint, else None."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0]
    return None


def _section_item_type(hint: Any) -> type | None:
    """The section class of a ``tuple[Section, ...]`` hint, else None."""
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis and dataclasses.is_dataclass(args[0]):
            return args[0]
    return None


# -- checking --------------------------------------------------------------------------------
def allowed_range(meta: Mapping[str, Any]) -> str:
    """The declared range of a field, ``"in [0, 1]"``, or ``""`` when it has none."""
    return interval_text(meta.get("lo"), meta.get("hi"), lo_open=meta.get("lo_open", False), hi_open=meta.get("hi_open", False))


def check_value(name: str, value: Any, hint: Any, meta: Mapping[str, Any]) -> Problem | None:
    """The problem with one value of a declared field (its type, choices, own rule or range), or None."""
    if hint is bool:
        return check_bool(name, value)
    if hint is str:
        return check_choice(name, value, meta.get("choices"))
    if "check" in meta:
        message = meta["check"](value)
        return Problem(name, value, message) if message else None
    if hint is int or hint is float:
        lo_open, hi_open = meta.get("lo_open", False), meta.get("hi_open", False)
        return check_range(name, value, meta.get("lo"), meta.get("hi"), lo_open=lo_open, hi_open=hi_open, integer=hint is int)
    inner = _optional(hint)
    if inner is not None:  # X | None: None stands for a default worked out elsewhere
        return None if value is None else check_value(name, value, inner, meta)
    return None


def check_field(obj: Any, name: str, prefix: str = "") -> Problem | None:
    """The problem with one field of a section instance, or None."""
    f = next(f for f in _fields_of(type(obj)) if f.name == name)
    return check_value(f"{prefix}{name}", getattr(obj, name), f.hint, f.meta)


def check_section(obj: Any, prefix: str) -> list[Problem]:
    """Type and range problems of a section and every section nested in it."""
    problems: list[Problem] = []
    for f in _fields_of(type(obj)):
        value = getattr(obj, f.name)
        if f.section is not None:
            if isinstance(value, f.section):
                problems.extend(check_section(value, f"{prefix}{f.name}."))
            else:
                problems.append(Problem(f"{prefix}{f.name}", value, f"a {f.section.__name__} section"))
        elif f.item is not None:
            if not isinstance(value, tuple) or not all(isinstance(v, f.item) for v in value):
                problems.append(Problem(f"{prefix}{f.name}", value, f"a tuple of {f.item.__name__}"))
            else:
                for i, entry in enumerate(value):
                    problems.extend(check_section(entry, f"{prefix}{f.name}[{i}]."))
        else:
            problem = check_value(f"{prefix}{f.name}", value, f.hint, f.meta)
            if problem:
                problems.append(problem)
    return problems


# -- building from plain data ----------------------------------------------------------------
_BAD = object()

#: Parameters of earlier versions, with what replaced them (a file that still sets one is told why).
REMOVED: dict[str, str] = {
    "sales.prospecting_share": "reps prospect in whatever time follow-ups and deals leave (see the rep_hours_* outcomes)",
    "sales.outbound_leads_per_prospecting_hour": "outbound is a funnel: sales.outbound_attempts_per_hour, "
    "sales.outbound_conversation_rate, sales.outbound_meeting_rate",
    "leadership.quota_usd_per_rep_per_year": "quotas come from a yearly plan: "
    "leadership.plan_prior_bookings_usd and leadership.plan_growth",
    "leadership.sla_priority": "SLA enforcement shortens reps' queue checks: leadership.sla_check_cut",
}


def build_kwargs(cls: type, data: Any, prefix: str, problems: list[Problem]) -> dict[str, Any]:
    """Turn a mapping into constructor kwargs for ``cls``, collecting structural problems."""
    if not isinstance(data, Mapping):
        problems.append(Problem(prefix.rstrip(".") or cls.__name__, data, "a table of fields"))
        return {}
    hints = type_hints(cls)
    fields_by_name = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in fields_by_name:
            if name in REMOVED:
                problems.append(Problem(name, value, f"no longer a parameter: {REMOVED[name]}"))
            else:
                problems.append(unknown_key(name, key, fields_by_name, known_label="known keys", value=value))
            continue
        built = _build_value(name, value, hints[key], fields_by_name[key].metadata, problems)
        if built is not _BAD:
            kwargs[key] = built
    return kwargs


def _build_value(name: str, value: Any, hint: Any, meta: Mapping[str, Any], problems: list[Problem]) -> Any:
    """One field's value from plain data (a nested section, a list of them, or a scalar), or _BAD."""
    if dataclasses.is_dataclass(hint):
        return build_section(hint, value, name, problems)
    item = _section_item_type(hint)
    if item is not None:
        if not isinstance(value, (list, tuple)):
            problems.append(Problem(name, value, f"a list of {item.__name__} tables"))
            return _BAD
        items = [build_section(item, entry, f"{name}[{i}]", problems) for i, entry in enumerate(value)]
        return _BAD if any(entry is _BAD for entry in items) else tuple(items)
    converted = coerce(value, hint)
    if converted is _BAD:
        # a field with its own rule (a decay table, check days) states the rule, not just the type
        rule = meta["check"](value) if "check" in meta else None
        interval = allowed_range(meta)
        problems.append(Problem(name, value, rule or f"{_article(type_name(hint))}{f' {interval}' if interval else ''}"))
        return _BAD
    problem = check_value(name, converted, hint, meta)
    if problem:
        problems.append(Problem(name, value, problem.allowed))  # the value as written: 1e308, not its 309 digits
        return _BAD
    return converted


def build_section(cls: type, data: Any, name: str, problems: list[Problem]) -> Any:
    """Build one nested section from a mapping; problems are reported under ``name``, and the
    section is ``_BAD`` if there were any."""
    if isinstance(data, cls):
        return data
    sub_problems: list[Problem] = []
    sub = build_kwargs(cls, data, f"{name}.", sub_problems)
    if sub_problems:
        problems.extend(sub_problems)
        return _BAD
    try:
        return cls(**sub)
    except ValidationError as err:
        problems.extend(reported_under(f"{name}.", err.problems, replacing=getattr(cls, "_prefix", "")))
        return _BAD


def build(cls: type, data: Mapping[str, Any], *, source: str = "") -> Any:
    """A section built from plain data, every problem reported at once (under ``"source: "``
    when a source is named)."""
    with problems_under(f"{source}: " if source else ""):
        problems: list[Problem] = []
        kwargs = build_kwargs(cls, data, "", problems)
        raise_problems(problems)
        return cls(**kwargs)


def type_name(hint: Any) -> str:
    """A field's type as messages name it: ``"integer"``, ``"list of numbers"``, ..."""
    if hint == tuple[float, ...]:
        return "list of numbers"
    if hint == DecayTable:  # typing.get_type_hints returns an equal alias, not the same object
        return "list of [delay_hours, multiplier] pairs"
    return {int: "integer", float: "number", bool: "boolean (true or false)", str: "string"}.get(hint, str(hint))


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def coerce(value: Any, hint: Any) -> Any:
    """Convert TOML/JSON values to the declared type, or return ``_BAD``.

    An integer too large for a float stays an integer, for the range check to refuse it by
    name; in a list of numbers (a decay table) it makes the list ``_BAD``. Strings and booleans
    are never numbers.
    """
    if hint is bool:
        return bool(value) if is_bool(value) else _BAD
    if hint is int:
        if is_int(value):
            return int(value)
        return int(value) if isinstance(value, float) and value.is_integer() else _BAD
    if hint is float:
        return _float(value) if is_real(value) else _BAD
    if hint is str:
        return value if isinstance(value, str) else _BAD
    if typing.get_origin(hint) is not tuple:
        return value
    if not isinstance(value, (list, tuple)):
        return _BAD
    try:
        if hint == tuple[float, ...]:
            return tuple(float(x) for x in value) if all(is_real(x) for x in value) else _BAD
        if all(isinstance(pair, (list, tuple)) and all(is_real(x) for x in pair) for pair in value):
            return tuple(tuple(float(x) for x in pair) for pair in value)
    except OverflowError:
        pass
    return _BAD


def _float(value: Any) -> Any:
    """``float(value)``, or the integer itself when it is too large for a float."""
    try:
        return float(value)
    except OverflowError:
        return value


# -- describing --------------------------------------------------------------------------------
def field_rows(cls: type, prefix: str = "") -> list[tuple[str, Any, str, str, str]]:
    """Rows of (dotted name, default, allowed range, description, source) of a section's
    fields at their defaults, nested sections flattened."""
    return _rows_of(cls(), prefix)


def _rows_of(obj: Any, prefix: str) -> list[tuple[str, Any, str, str, str]]:
    rows = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        doc = f.metadata.get("doc", "")
        if dataclasses.is_dataclass(value):
            rows.extend(_rows_of(value, f"{prefix}{f.name}."))
        elif isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            rows.append((f"{prefix}{f.name}", f"{len(value)} entries", "", doc, ""))
        else:
            rows.append((f"{prefix}{f.name}", value, allowed_range(f.metadata), doc, f.metadata.get("source", "")))
    return rows


__all__ = [
    "DecayTable",
    "Section",
    "allowed_range",
    "build",
    "build_section",
    "check_field",
    "check_section",
    "check_value",
    "coerce",
    "field_rows",
    "param",
    "to_plain",
    "type_hints",
    "type_name",
]

"""The one validation kit: every check of user input in orgsim is built from these.

Each check returns ``None`` when the value is fine, or a :class:`Problem` naming the field, the
value and what is allowed; callers collect problems and raise one :class:`ValidationError`
with all of them, before anything is simulated. numpy scalars count as numbers, booleans never
do (``True`` is not 1 replication).
"""

from __future__ import annotations

import contextlib
import difflib
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from orgsim.config.errors import Problem, ValidationError

#: The longest horizon any run, experiment or leader may plan over: 100 years, in days. One
#: bound, checked here for the scenario, ``simulate``, ``compare``/``sweep`` and leaders.
MAX_HORIZON_DAYS = 36_500.0

_BOOL_TYPES: tuple[type, ...] = (bool,)
_INT_TYPES: tuple[type, ...] = (int,)
_REAL_TYPES: tuple[type, ...] = (int, float)
try:  # numpy is a core dependency, but the kit must not need it to import
    import numpy as _np

    _BOOL_TYPES = (bool, _np.bool_)
    _INT_TYPES = (int, _np.integer)
    _REAL_TYPES = (int, float, _np.integer, _np.floating)
except ImportError:  # pragma: no cover
    pass


def is_bool(value: Any) -> bool:
    """``True``/``False`` (Python or numpy)."""
    return isinstance(value, _BOOL_TYPES)


def is_int(value: Any) -> bool:
    """An integer (Python or numpy), not a bool."""
    return isinstance(value, _INT_TYPES) and not is_bool(value)


def is_real(value: Any) -> bool:
    """A real number (Python or numpy int or float), not a bool; may be inf or nan."""
    return isinstance(value, _REAL_TYPES) and not is_bool(value)


def is_finite(value: Any) -> bool:
    """A real number that is neither inf nor nan (huge integers that overflow a float are not)."""
    if not is_real(value):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


# -- describing what is allowed ----------------------------------------------------------------
def interval_text(lo: float | None, hi: float | None, *, lo_open: bool = False, hi_open: bool = False, integer: bool = False) -> str:
    """``"in (0, 36500]"``, ``">= 1"``, ``"<= 5"``, or ``""`` when there is no bound."""
    if lo is not None and hi is not None:
        return f"in {'(' if lo_open else '['}{_fmt(lo, integer)}, {_fmt(hi, integer)}{')' if hi_open else ']'}"
    if lo is not None:
        return f"{'>' if lo_open else '>='} {_fmt(lo, integer)}"
    if hi is not None:
        return f"{'<' if hi_open else '<='} {_fmt(hi, integer)}"
    return ""


def range_text(lo: float | None, hi: float | None, *, lo_open: bool = False, hi_open: bool = False, integer: bool = False) -> str:
    """``"a number in (0, 36500]"``, ``"an integer >= 1"``, ... for error messages."""
    interval = interval_text(lo, hi, lo_open=lo_open, hi_open=hi_open, integer=integer)
    if not interval:
        return "an integer" if integer else "a finite number"
    return f"{'an integer' if integer else 'a number'} {interval}"


def _fmt(x: float, integer: bool = False) -> str:
    """A bound as the messages and docs show it: ``1``, ``0.999``, ``1e+09`` (``%g``); an
    integer bound in full."""
    if isinstance(x, float) and not (integer and x.is_integer()):
        return f"{x:g}"
    return str(int(x))


# -- checks ----------------------------------------------------------------------------------
def check_number(
    field: str,
    value: Any,
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    integer: bool = False,
    allowed: str | None = None,
) -> Problem | None:
    """A finite number (or integer) in ``[lo, hi]`` (ends open where asked); else a Problem.

    ``allowed`` replaces the generated description of the range in the message.
    """
    if check_range(field, value, lo, hi, lo_open=lo_open, hi_open=hi_open, integer=integer) is None:
        return None
    return Problem(field, value, allowed or range_text(lo, hi, lo_open=lo_open, hi_open=hi_open, integer=integer))


def check_range(
    field: str,
    value: Any,
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    integer: bool = False,
) -> Problem | None:
    """As :func:`check_number`, with a message that says what is wrong: the type (``"an integer
    in [0, 10]"``), a value that is not finite (``"a finite number in [0, 10]"``) or one outside
    the range (``"must be in [0, 10]"``). The check of every declared parameter."""
    if integer:
        wrong = None if is_int(value) else "an integer"  # an integer is always finite, however large
    elif not is_real(value):
        wrong = "a number"
    elif is_finite(value):
        wrong = None
    elif is_int(value) and not _inside(value, lo, hi, lo_open, hi_open):
        wrong = "must be"  # an integer too large for a float, and out of range anyway: say so
    else:
        wrong = "a finite number"
    if wrong is None and _inside(value, lo, hi, lo_open, hi_open):
        return None
    interval = interval_text(lo, hi, lo_open=lo_open, hi_open=hi_open, integer=integer)  # only now: checks are hot
    return Problem(field, value, f"{wrong or 'must be'}{f' {interval}' if interval else ''}")


def _inside(value: Any, lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> bool:
    try:  # Python compares integers of any size with floats exactly; numpy types may overflow
        below = lo is not None and (value <= lo if lo_open else value < lo)
        above = hi is not None and (value >= hi if hi_open else value > hi)
    except OverflowError:
        return False
    return not (below or above)


def check_bool(field: str, value: Any) -> Problem | None:
    """``True`` or ``False``; else a Problem."""
    return None if is_bool(value) else Problem(field, value, "true or false")


def check_choice(field: str, value: Any, choices: Iterable[str] | None = None) -> Problem | None:
    """A string, one of ``choices`` when given (with a did-you-mean); else a Problem."""
    if not isinstance(value, str):
        return Problem(field, value, "a string")
    choices = tuple(choices or ())
    if not choices or value in choices:
        return None
    hint = did_you_mean(value, choices).strip()
    return Problem(field, value, f"one of {', '.join(map(repr, choices))}{f' ({hint})' if hint else ''}")


def check_horizon(field: str, value: Any, *, allow_none: bool = False) -> Problem | None:
    """A horizon in days: a number in ``(0, MAX_HORIZON_DAYS]`` (or ``None`` where allowed)."""
    if value is None and allow_none:
        return None
    text = range_text(0.0, MAX_HORIZON_DAYS, lo_open=True)
    if allow_none:
        text = f"None (the scenario's horizon) or {text}"
    return check_number(field, value, 0.0, MAX_HORIZON_DAYS, lo_open=True, allowed=text)


# -- names -----------------------------------------------------------------------------------
def did_you_mean(key: Any, known: Iterable[str]) -> str:
    """``"did you mean 'reps'? "`` when ``key`` is close to one of ``known``, else ``""``."""
    close = difflib.get_close_matches(str(key), list(known), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


_THE_KEY = object()


def unknown_key(
    field: str,
    key: Any,
    known: Iterable[str],
    what: str = "key",
    *,
    list_known: bool = True,
    known_label: str = "known",
    value: Any = _THE_KEY,
) -> Problem:
    """A Problem for a name that is not one of ``known``, with a did-you-mean hint.

    The message lists the known names after ``known_label`` (``"known keys: a, b"``) unless
    ``list_known`` is false; the Problem's value is ``value`` where given (what was set under
    the unknown name), else the name itself.
    """
    known = sorted(known)
    listing = f"{known_label}: {', '.join(known)}" if list_known else ""
    allowed = f"unknown {what}; {did_you_mean(key, known)}{listing}".rstrip("; ")
    return Problem(field, key if value is _THE_KEY else value, allowed)


def unknown_keys(
    prefix: str, given: Mapping[str, Any], known: Iterable[str], what: str = "key", *, list_known: bool = True, known_label: str = "known"
) -> list[Problem]:
    """A Problem for each key of ``given`` not in ``known``, reported as ``prefix + key`` with its value."""
    known = list(known)
    return [
        unknown_key(f"{prefix}{key}", key, known, what, list_known=list_known, known_label=known_label, value=value)
        for key, value in given.items()
        if key not in known
    ]


# -- collecting and raising ----------------------------------------------------------------------
def reported_under(prefix: str, problems: Iterable[Problem], *, replacing: str = "") -> list[Problem]:
    """The problems with each field reported under ``prefix`` (``"file.toml: "``,
    ``"structure.leaders.cco."``), dropping ``replacing`` from the front of the field first."""
    return [Problem(f"{prefix}{p.field.removeprefix(replacing)}", p.value, p.allowed) for p in problems]


@contextlib.contextmanager
def problems_under(prefix: str, *, replacing: str = "") -> Iterator[None]:
    """Re-raise a ValidationError from inside the block with its fields reported under ``prefix``."""
    try:
        yield
    except ValidationError as err:
        raise ValidationError(reported_under(prefix, err.problems, replacing=replacing)) from None


def raise_problems(problems: Iterable[Problem | None]) -> None:
    """Raise one ValidationError listing every Problem given (``None`` entries are ignored)."""
    found = [p for p in problems if p is not None]
    if found:
        raise ValidationError(found)


__all__ = [
    "MAX_HORIZON_DAYS",
    "Problem",
    "ValidationError",
    "check_bool",
    "check_choice",
    "check_horizon",
    "check_number",
    "check_range",
    "did_you_mean",
    "interval_text",
    "is_bool",
    "is_finite",
    "is_int",
    "is_real",
    "problems_under",
    "raise_problems",
    "range_text",
    "reported_under",
    "unknown_key",
    "unknown_keys",
]

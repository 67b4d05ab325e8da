"""The one validation kit: every check of user input in orgsim is built from these.

Each check returns ``None`` when the value is fine, or a :class:`Problem` naming the field, the
value and what is allowed; callers collect problems and raise one :class:`ValidationError`
with all of them, before anything is simulated. numpy scalars count as numbers, booleans never
do (``True`` is not 1 replication).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
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


def range_text(lo: float | None, hi: float | None, *, lo_open: bool = False, hi_open: bool = False, integer: bool = False) -> str:
    """``"a number in (0, 36500]"``, ``"an integer >= 1"``, ... for error messages."""
    noun = "an integer" if integer else "a number"
    if lo is not None and hi is not None:
        return f"{noun} in {'(' if lo_open else '['}{_fmt(lo)}, {_fmt(hi)}{')' if hi_open else ']'}"
    if lo is not None:
        return f"{noun} {'>' if lo_open else '>='} {_fmt(lo)}"
    if hi is not None:
        return f"{noun} {'<' if hi_open else '<='} {_fmt(hi)}"
    return f"a finite {noun[2:] if integer else 'number'}" if not integer else noun


def _fmt(x: float) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


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
    text = allowed or range_text(lo, hi, lo_open=lo_open, hi_open=hi_open, integer=integer)
    if not (is_int(value) if integer else is_finite(value)):
        return Problem(field, value, text)
    try:
        below = lo is not None and (value <= lo if lo_open else value < lo)
        above = hi is not None and (value >= hi if hi_open else value > hi)
    except OverflowError:  # an integer too large to compare with a float bound
        return Problem(field, value, text)
    return Problem(field, value, text) if below or above else None


def check_bool(field: str, value: Any) -> Problem | None:
    """``True`` or ``False``; else a Problem."""
    return None if is_bool(value) else Problem(field, value, "true or false")


def check_horizon(field: str, value: Any, *, allow_none: bool = False) -> Problem | None:
    """A horizon in days: a number in ``(0, MAX_HORIZON_DAYS]`` (or ``None`` where allowed)."""
    if value is None and allow_none:
        return None
    text = range_text(0.0, MAX_HORIZON_DAYS, lo_open=True)
    if allow_none:
        text = f"None (the scenario's horizon) or {text}"
    return check_number(field, value, 0.0, MAX_HORIZON_DAYS, lo_open=True, allowed=text)


def did_you_mean(key: Any, known: Iterable[str]) -> str:
    """``"did you mean 'reps'? "`` when ``key`` is close to one of ``known``, else ``""``."""
    close = difflib.get_close_matches(str(key), list(known), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def unknown_key(field: str, key: Any, known: Iterable[str], what: str = "key", *, list_known: bool = True) -> Problem:
    """A Problem for a name that is not one of ``known``, with a did-you-mean hint."""
    known = sorted(known)
    listing = f"known: {', '.join(known)}" if list_known else ""
    return Problem(field, key, f"unknown {what}; {did_you_mean(key, known)}{listing}".rstrip("; "))


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
    "check_horizon",
    "check_number",
    "did_you_mean",
    "is_bool",
    "is_finite",
    "is_int",
    "is_real",
    "raise_problems",
    "range_text",
    "unknown_key",
]

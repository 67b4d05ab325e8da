"""The one exception type users see for bad input."""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from typing import Any

#: An integer with more digits than this is shown cut short, with its digit count.
MAX_SHOWN_DIGITS = 30


class _Shown(reprlib.Repr):
    """``repr`` kept short: long strings, containers and integers are cut, with their size."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 4
        self.maxtuple = self.maxlist = self.maxset = self.maxfrozenset = self.maxdeque = self.maxdict = 12
        self.maxstring = 80
        self.maxother = 160

    def repr_str(self, x: str, level: int) -> str:
        if len(x) <= self.maxstring:
            return repr(x)
        return f"{x[: self.maxstring - 20]!r}... ({len(x)} characters)"

    def repr_int(self, x: int, level: int) -> str:
        return shown_int(x)


def shown_int(x: int) -> str:
    """An integer as messages show it: in full up to ``MAX_SHOWN_DIGITS`` digits, else its
    first and last digits and how many there are (``1000000...0000 (400 digits)``). Works past
    Python's limit on converting integers to text (4300 digits)."""
    n = abs(x)
    digits = max(1, int((n.bit_length() - 1) * 0.30102999566398120) + 1)  # log10(2): exact or one short
    if n >= 10**digits:
        digits += 1
    if digits <= MAX_SHOWN_DIGITS:
        return repr(x)
    head, tail = n // 10 ** (digits - 12), n % 10**4
    return f"{'-' if x < 0 else ''}{head}...{tail:04d} ({digits} digits)"


_SHOWN = _Shown()


def shown(value: Any) -> str:
    """``repr(value)``, kept short enough for a message (see :class:`_Shown`)."""
    try:
        return _SHOWN.repr(value)
    except Exception:  # a value whose repr fails is still worth naming
        return f"<{type(value).__name__}>"


@dataclass(frozen=True)
class Problem:
    """One invalid input: where it is, what it was and what is allowed."""

    field: str
    value: object
    allowed: str

    def __str__(self) -> str:
        return f"{self.field} = {shown(self.value)}: {self.allowed}"


class ValidationError(ValueError):
    """Raised before any simulation starts when an input is invalid.

    ``problems`` lists every invalid field found (not just the first), each naming the
    field, the offending value and the allowed range.
    """

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        lines = [str(p) for p in self.problems]
        message = f"invalid input: {lines[0]}" if len(lines) == 1 else f"{len(lines)} invalid inputs:\n  " + "\n  ".join(lines)
        super().__init__(message)

    @property
    def fields(self) -> list[str]:
        """The dotted names of the invalid fields."""
        return [p.field for p in self.problems]

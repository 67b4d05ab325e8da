"""The one exception type users see for bad input."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One invalid input: where it is, what it was and what is allowed."""

    field: str
    value: object
    allowed: str

    def __str__(self) -> str:
        return f"{self.field} = {self.value!r}: {self.allowed}"


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

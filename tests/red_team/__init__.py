"""The red team's cases (issue 17), one module per area; ``tests/test_red_team.py`` replays them.

Each case runs in a fresh interpreter in an empty temporary folder, with a bound on time, so a
case that hangs fails instead of hanging the suite. A case is either Python code (which asserts
what it expects itself and must exit 0) or a command line (``python -m orgsim ARGS``) with the
exit code and a piece of stderr it must print. No case may print a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    """One hostile input and what orgsim must do with it.

    Attributes:
        name: what the case tries, as a test id (``toml-400-digit-integer``).
        setup: Python code run first in the case's folder (writes files, makes folders ...).
        code: Python code that must exit 0 (it asserts the clear error itself); or
        cli: arguments of ``python -m orgsim`` (with ``exit`` and ``stderr`` expected).
        exit: the CLI's expected exit code.
        stderr: a piece of text the CLI's stderr (or the code's output) must contain.
        seconds: the bound on time for the whole case.
        env: extra environment variables.
    """

    name: str
    code: str = ""
    cli: tuple[str, ...] = ()
    setup: str = ""
    exit: int = 2
    stderr: str = ""
    seconds: float = 60.0
    env: dict[str, str] = field(default_factory=dict)

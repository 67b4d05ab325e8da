"""The ``orgsim`` command line. Presentation only: it calls the public API and prints.

Exit codes: 0 success, 2 invalid input (every problem is listed), 1 anything else.

Modules: :mod:`.parser` (the subcommands and their options), :mod:`.commands` (``run``,
``validate``, ``compare``, ``sweep``, ``init``), :mod:`.sensitivity` (``sensitivity``),
:mod:`.options` (option values checked and converted), :mod:`.tables` (the printed tables) and
:mod:`.output` (the results folders).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from orgsim.config.errors import ValidationError
from orgsim.present.cli.parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``orgsim`` console script and ``python -m orgsim``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # The main job: with no command, compare the structures on the default scenario.
        args = parser.parse_args(["compare"])
    try:
        return int(args.func(args))
    except ValidationError as err:
        print(f"orgsim: {err}", file=sys.stderr)
        return 2


__all__ = ["build_parser", "main"]

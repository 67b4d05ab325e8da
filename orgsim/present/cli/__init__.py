"""The ``orgsim`` command line. Presentation only: it calls the public API and prints.

``orgsim`` with no command prints a short help pointing to ``orgsim compare`` and exits 0.
Exit codes: 0 success, 2 invalid input (every problem is listed; also a path that cannot be
used as given), 1 anything else (such as a full disk), 130 interrupted by Ctrl-C (SIGINT),
143 stopped by SIGTERM. Every failure the user can cause ends with one line on stderr, never a
traceback.

Modules: :mod:`.parser` (the subcommands and their options), :mod:`.commands` (``run``,
``validate``, ``compare``, ``sweep``, ``init``), :mod:`.sensitivity` (``sensitivity``),
:mod:`.options` (option values checked and converted), :mod:`.inputs` (scenario and structure
files, and the horizon), :mod:`.flags` (errors named by the flag typed), :mod:`.annotated` (the
file ``orgsim init`` writes, with the legend of sources), :mod:`.tables` (the printed tables),
:mod:`.output` (writing tables and figures), :mod:`.outputset` (output locations checked before
simulating, results folders replaced as a whole) and :mod:`.interrupts` (signals and errors of
the operating system).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence

from orgsim.config.errors import ValidationError
from orgsim.present.cli.flags import cli_message, command_options
from orgsim.present.cli.interrupts import child_processes, interrupted, os_error, signals_as_interrupts
from orgsim.present.cli.parser import build_parser, short_help

#: The message of ``orgsim.experiment.feasible.FewReplicationsWarning`` (matched by text, so that
#: ``orgsim --help`` does not import pandas to name the class).
FEW_REPLICATIONS_WARNING = r"only \d+ replications: "


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``orgsim`` console script and ``python -m orgsim``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # nothing asked: say where to start, run nothing
        print(short_help(parser))
        return 0
    args.argv = list(sys.argv[1:] if argv is None else argv)  # recorded with the results
    children = child_processes()  # not ours to stop on an interrupt (main called from a program)
    with signals_as_interrupts(), warnings.catch_warnings():
        # the commands print their own line about too few replications (the warning is for Python users)
        warnings.filterwarnings("ignore", message=FEW_REPLICATIONS_WARNING)
        try:
            return int(args.func(args))
        except ValidationError as err:
            print(f"orgsim: {cli_message(err, command_options(parser, args.command))}", file=sys.stderr)
            return 2
        except KeyboardInterrupt as err:
            return interrupted(args, err, children)
        except OSError as err:
            return os_error(err)


__all__ = ["build_parser", "main"]

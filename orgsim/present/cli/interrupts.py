"""How a command ends when it cannot finish: Ctrl-C, SIGTERM, an error of the operating system.

Each ends with one line on stderr, never a traceback:

* SIGINT (Ctrl-C) and SIGTERM stop the command the same way: SIGTERM is turned into a
  :class:`Terminated`, a ``KeyboardInterrupt``, so the process pool is shut down with its
  queued work cancelled; the worker processes still running are then terminated. The line
  says what had finished and how to resume; the exit code is 130 (SIGINT) or 143 (SIGTERM),
  as a shell reports a process ended by the signal.
* An ``OSError`` (permission denied, disk full, a path through a file) names the path; the exit
  code is 2 when the path cannot be used as given (missing, not permitted, not a folder,
  read-only), 1 when the system failed (disk full, an I/O error).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import sys
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

#: Errors of a path as given (exit code 2); any other OSError is a failure of the system (1).
_PATH_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENOENT", "EACCES", "EPERM", "ENOTDIR", "EISDIR", "EEXIST", "EROFS", "ENAMETOOLONG", "ELOOP", "ENOTEMPTY")
    if hasattr(errno, name)
)
#: Commands that simulate many replications and can save them in --store.
_EXPERIMENTS = ("compare", "sweep", "sensitivity")


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the main thread is, so the command stops as it does on Ctrl-C."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


@contextlib.contextmanager
def signal_handlers(handlers: dict[int, Any]) -> Iterator[None]:
    """Install ``handlers`` for the block and restore the previous ones after it (nothing is
    changed outside the main thread, where Python runs no signal handler anyway)."""
    try:
        before = {number: signal.signal(number, handler) for number, handler in handlers.items()}
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)


@contextlib.contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` (and SIGINT ``KeyboardInterrupt``) within the block."""
    with signal_handlers({signal.SIGINT: signal.default_int_handler, signal.SIGTERM: _raise_terminated}):
        yield


def interrupted(args: argparse.Namespace, err: KeyboardInterrupt, before: Collection[BaseProcess] = ()) -> int:
    """Stop the worker processes (those not in ``before``), print one line on what finished and
    how to resume; 130 or 143."""
    for number in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the clean-up short
        with contextlib.suppress(ValueError):
            signal.signal(number, signal.SIG_IGN)
    stop_workers(before)
    terminated = isinstance(err, Terminated)
    finished = getattr(err, "finished_tasks", None)  # (done, total), set by the runner
    print(f"orgsim: {_what_happened(args, 'SIGTERM' if terminated else 'SIGINT', finished)}", file=sys.stderr, flush=True)
    return 143 if terminated else 130


def _what_happened(args: argparse.Namespace, name: str, finished: tuple[int, int] | None = None) -> str:
    """One line: the signal, the stage the command was in (with how many runs had finished), what
    is kept and how to go on."""
    command = getattr(args, "command", None) or "compare"
    phase = getattr(args, "phase", None)
    writing = phase == "writing"
    store, out = getattr(args, "store", None), getattr(args, "out", None)
    if command not in _EXPERIMENTS:
        kept = f"; {args.leads_csv} is unchanged" if writing and getattr(args, "leads_csv", None) else ""
        return f"interrupted by {name}{kept}"
    if phase == "written":
        return f"interrupted by {name} after the results were written into {out}"
    if writing:
        again = f"(its replications are in {store}: nothing is simulated again)" if store else "to simulate and write them again"
        return f"interrupted by {name} while writing the results; {out} is unchanged; run the same command again {again}"
    count = f" ({finished[0]} of {finished[1]} runs had finished)" if finished else ""
    if store:
        kept = f"the replications that finished are saved in {store}"
        return f"interrupted by {name} while simulating{count}; {kept}: run the same command again to resume"
    return (
        f"interrupted by {name} while simulating{count}; nothing was written ({out} is unchanged); "
        "add --store DIR to keep each replication as it finishes and resume by running the same command again"
    )


def child_processes() -> set[BaseProcess]:
    """The ``multiprocessing`` children of this process now (none if it was never imported)."""
    if "multiprocessing" not in sys.modules:
        return set()
    import multiprocessing

    return set(multiprocessing.active_children())


def stop_workers(before: Collection[BaseProcess] = (), timeout: float = 5.0) -> None:
    """Terminate the worker processes started since ``before`` and still running (a pool shut
    down on an interrupt lets running tasks finish), so none outlives the command."""
    children = [child for child in child_processes() if child not in before]
    for child in children:
        with contextlib.suppress(OSError):
            child.terminate()
    for child in children:
        child.join(timeout)
        if child.is_alive():
            with contextlib.suppress(OSError):
                child.kill()
            child.join(1.0)


def os_error(err: OSError) -> int:
    """One line naming the path and the reason; 2 for a path that cannot be used as given, else 1."""
    if isinstance(err, BrokenPipeError):  # stdout closed (orgsim ... | head): nothing more to say
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    paths = " -> ".join(str(p) for p in (err.filename, err.filename2) if p is not None)
    reason = err.strerror or str(err) or type(err).__name__
    print(f"orgsim: {paths}: {reason}" if paths else f"orgsim: {reason}", file=sys.stderr)
    return 2 if err.errno in _PATH_ERRNOS else 1

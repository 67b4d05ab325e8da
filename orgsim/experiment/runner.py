"""Running many independent tasks: executors, recovery from dead workers, progress bars.

:func:`run_tasks` applies a top-level function to a list of items on

* ``"serial"``: in this process, in order (for debugging; breakpoints work);
* ``None`` / ``"processes"``: a process pool that orgsim creates and shuts down itself, with
  the ``spawn`` start method passed to the pool (never set globally), so it behaves the same
  in a script or a notebook on Linux and macOS;
* an integer ``k``: the same pool with ``k`` worker processes;
* any :class:`concurrent.futures.Executor` (a ``ThreadPoolExecutor``, your own
  ``ProcessPoolExecutor``, a Dask ``Client.get_executor()``), or a Dask ``Client`` itself.

Results are delivered in completion order to a callback (so they can be saved as they
arrive) and returned in item order, so what comes back never depends on scheduling.

An exception raised by the function for one item is caught where it runs and returned as a
:class:`TaskFailure` with its traceback; the other items carry on. If a worker process of an
orgsim-managed pool dies (``BrokenProcessPool``: killed, out of memory, a crash in C code),
the pool is recreated and the unfinished items are resubmitted; the items that were in flight
are then re-run one at a time so that a task which kills its worker every time is identified
and recorded as failed after ``max_attempts`` deaths, instead of taking innocent tasks with it.
If the process that runs the pool dies instead (``kill -9``), its workers notice within a
second and exit by themselves, rather than running on as orphans.
"""

from __future__ import annotations

import ast
import contextlib
import math
import os
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, CancelledError, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from orgsim.config.errors import Problem, ValidationError

T = TypeVar("T")
R = TypeVar("R")

#: What ``executor=`` accepts besides an Executor instance.
EXECUTOR_NAMES = ("serial", "processes")


@dataclass(frozen=True)
class TaskFailure:
    """An item whose function raised (or whose worker died): what went wrong, with the traceback."""

    error: str
    message: str
    traceback: str

    @classmethod
    def from_exception(cls, err: BaseException) -> TaskFailure:
        """Capture an exception (with the traceback of where it was raised)."""
        tb = "".join(traceback.format_exception(type(err), err, err.__traceback__))
        return cls(error=type(err).__name__, message=str(err), traceback=tb)


def available_cores() -> int:
    """The cores this process may run on (respects CPU affinity and container limits where the OS reports them)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        count = os.process_cpu_count()
    elif hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:
        count = os.cpu_count()
    return max(1, count or 1)


def check_executor(executor: Any) -> Problem | None:
    """A Problem if ``executor`` is not something :func:`run_tasks` accepts."""
    if executor is None or isinstance(executor, Executor) or hasattr(executor, "get_executor"):
        return None
    if isinstance(executor, str) and executor in EXECUTOR_NAMES:
        return None
    if isinstance(executor, int) and not isinstance(executor, bool) and executor >= 1:
        return None
    return Problem(
        "executor",
        executor,
        "None (a process pool over the available cores), 'serial', 'processes', a number of worker processes >= 1, "
        "a concurrent.futures.Executor, or a dask.distributed Client",
    )


def _apply_batch(fn: Callable[[T], R], items: Sequence[T]) -> list[R | TaskFailure]:
    """Run ``fn`` on each item where this is called (a worker), catching each item's exception.

    Top level so any executor can pickle it by reference."""
    out: list[R | TaskFailure] = []
    for item in items:
        try:
            out.append(fn(item))
        except Exception as err:
            out.append(TaskFailure.from_exception(err))
    return out


# -- progress --------------------------------------------------------------------------------


def in_notebook() -> bool:
    """True when running inside a Jupyter (IPython kernel) session."""
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    try:
        ip = shell.get_ipython()  # type: ignore[attr-defined]
    except Exception:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


class _NoBar:
    """Stands in for a progress bar when progress is off."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def check_progress(progress: Any) -> Problem | None:
    """A Problem if ``progress`` is not None, True or False."""
    if progress is None or isinstance(progress, bool):
        return None
    return Problem("progress", progress, "None (on in a terminal or notebook), True or False")


#: Seconds between the plain progress lines printed when stderr is not a terminal (a log, CI).
HEARTBEAT_SECONDS = 10.0


class Heartbeat(_NoBar):
    """Plain progress for a log: once the run has lasted ``interval_s`` seconds, and every
    ``interval_s`` seconds after, one line on stderr such as
    ``orgsim: 12/40 runs done, 00:15 elapsed``. A short run prints nothing."""

    def __init__(self, total: int, *, initial: int = 0, interval_s: float | None = None) -> None:
        import threading

        self.total, self.done, self.postfix = total, initial, ""
        self.interval_s = HEARTBEAT_SECONDS if interval_s is None else interval_s
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="orgsim-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval_s) and self.done < self.total:
            print(self.line(), file=sys.stderr, flush=True)

    def line(self) -> str:
        """The progress line as it would be printed now."""
        minutes, seconds = divmod(int(time.monotonic() - self._started), 60)
        hours, minutes = divmod(minutes, 60)
        elapsed = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"
        failed = f" ({self.postfix})" if self.postfix else ""
        return f"orgsim: {self.done}/{self.total} runs done{failed}, {elapsed} elapsed"

    def update(self, n: int = 1) -> None:
        self.done += n

    def set_postfix_str(self, text: str) -> None:
        self.postfix = text

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)


def progress_bar(total: int, *, progress: bool | None, desc: str = "", initial: int = 0) -> Any:
    """A tqdm bar (``tqdm.auto`` in notebooks), a :class:`Heartbeat` or a no-op stand-in.

    ``progress=None`` shows a bar when stderr is a terminal or in a notebook, and otherwise (a
    log, CI) a :class:`Heartbeat`: a plain line every :data:`HEARTBEAT_SECONDS` once the run is
    that long. tqdm is a dependency of orgsim; if it is missing anyway, ``None`` shows no bar,
    ``True`` insists (an ImportError) and ``False`` never shows one."""
    notebook = in_notebook()
    if progress is None:
        progress = notebook or _stderr_is_terminal()
        if not progress:
            return Heartbeat(total, initial=initial)
        required = False
    else:
        required = progress
    if not progress:
        return _NoBar()
    try:
        if notebook:
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
    except ImportError:
        if required:
            message = "progress=True needs tqdm, a dependency of orgsim: pip install tqdm 'orgsim[progress]' (or pass progress=False)"
            raise ImportError(message) from None
        return _NoBar()
    if notebook:
        return tqdm(total=total, initial=initial, desc=desc, unit="run")
    # a terminal that reports no size (a bare pseudo-terminal) would hide the bar: 80 x 24 then
    sized = _terminal_columns() > 0
    size = {} if sized else {"ncols": 80, "nrows": 24}
    return tqdm(total=total, initial=initial, desc=desc, unit="run", file=sys.stderr, dynamic_ncols=sized, **size)


def _terminal_columns() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 0


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


# -- running ---------------------------------------------------------------------------------


def _chunks(indices: Sequence[int], size: int) -> list[list[int]]:
    return [list(indices[i : i + size]) for i in range(0, len(indices), size)]


def run_tasks(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    executor: Executor | str | Any | None = None,
    progress: bool | None = None,
    on_result: Callable[[int, R | TaskFailure], None] | None = None,
    chunk_size: int | None = None,
    max_attempts: int = 3,
    desc: str = "",
    initial: int = 0,
) -> list[R | TaskFailure]:
    """Apply ``fn`` to every item and return the results in item order.

    Args:
        fn: a picklable (top-level) function of one item.
        items: the work; items must be picklable for anything but ``"serial"``.
        executor: see the module docstring.
        progress: see :func:`progress_bar`.
        on_result: called in this process as ``on_result(index, result)`` as each result
            arrives (completion order); ``result`` is a :class:`TaskFailure` if ``fn`` raised.
        chunk_size: items per submitted task. Default: about 8 chunks per worker, at most 16
            items each. Pass 1 when each result must be handed to ``on_result`` the moment it
            exists (e.g. to save it): a chunk's results arrive together when it completes.
        max_attempts: deaths of a worker process an item may cause before it is recorded as
            failed (orgsim-managed pools only).
        desc: label of the progress bar.
        initial: work already done, shown at the start of the progress bar (e.g. results
            loaded from a store); the bar's total is ``initial + len(items)``.

    Raises:
        RuntimeError: when an executor you passed in breaks (it cannot be recreated from here).
        KeyboardInterrupt: on Ctrl-C, with ``finished_tasks = (done, total)`` set on it (done
            counts the ``initial`` ones).
    """
    problem = check_executor(executor)
    if problem:
        raise ValidationError(problem)
    results: list[Any] = [None] * len(items)
    if not items:
        return results

    def deliver(index: int, result: Any) -> None:
        results[index] = result
        if on_result is not None:
            on_result(index, result)

    bar = progress_bar(initial + len(items), progress=progress, desc=desc, initial=initial)
    failed, done = 0, initial

    def tick(batch: list[int]) -> None:
        nonlocal failed, done
        failed += sum(isinstance(results[i], TaskFailure) for i in batch)
        done += len(batch)
        if failed:
            bar.set_postfix_str(f"{failed} failed")
        bar.update(len(batch))

    try:
        _dispatch(fn, items, executor, chunk_size, max_attempts, deliver, tick)
    except KeyboardInterrupt as err:
        err.finished_tasks = (done, initial + len(items))  # type: ignore[attr-defined]  # for the command line's one line
        raise
    finally:
        bar.close()
    return results


def _dispatch(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    executor: Any,
    chunk_size: int | None,
    max_attempts: int,
    deliver: Callable[[int, Any], None],
    tick: Callable[[list[int]], None],
) -> None:
    """Run every item where ``executor`` says, handing each result to ``deliver`` and each finished batch to ``tick``."""
    owned = executor is None or executor == "processes" or isinstance(executor, int)
    if owned and _unguarded_script_call():
        # Spawned workers import the main script again; unguarded, it would start the
        # experiment again in every worker, and every worker would die. Run here instead.
        warnings.warn(
            "orgsim runs replications in worker processes, which import your script again; it calls orgsim at its "
            'top level, outside `if __name__ == "__main__":`, so this experiment runs in this process only. '
            "Put the call under that guard to use every core (or pass executor='serial' to silence this).",
            RuntimeWarning,
            stacklevel=5,
        )
        executor, owned = "serial", False
    if executor == "serial":
        for i, item in enumerate(items):
            deliver(i, _apply_batch(fn, [item])[0])
            tick([i])
    elif owned:
        workers = min(executor if isinstance(executor, int) else available_cores(), len(items))
        size = chunk_size or _default_chunk(len(items), workers)
        _run_owned_pool(fn, items, workers, size, max_attempts, deliver, tick)
    else:
        if hasattr(executor, "get_executor") and not isinstance(executor, Executor):
            executor = executor.get_executor()
        size = chunk_size or _default_chunk(len(items), 8)
        _run_foreign(fn, items, executor, size, deliver, tick)


def _unguarded_script_call() -> bool:
    """True when this call comes from the top level of the main script, outside its ``__main__`` guard.

    A spawned worker imports the main module again (as ``__mp_main__``), running its top-level
    code: a call there would start the experiment again in each worker (Python's "safe importing
    of main module" rule). Notebooks and interactive sessions have no main file and are never
    affected; a call inside a function that the guard calls is found at the guard's line.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path or not str(path).endswith(".py"):
        return False
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name.endswith("__main__"):  # python -m pkg: workers never re-run a __main__ module
        return False
    frame = sys._getframe(1)
    while frame is not None and not (frame.f_globals is main.__dict__ and frame.f_code.co_name == "<module>"):
        frame = frame.f_back
    if frame is None:
        return False
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return False
    line = frame.f_lineno
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_main_guard(node.test) and node.body[0].lineno <= line <= (node.end_lineno or line):
            return False
    return True


def _is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    values = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and values == ["__main__"]


def _default_chunk(n_items: int, workers: int) -> int:
    # Chunks save the per-task round trip (pickling, queues; about a millisecond), not the
    # start-up of the workers, which is paid once per worker. Enough chunks per worker keep
    # the load balanced when task durations differ; at most 16 items keep progress smooth.
    return max(1, min(16, math.ceil(n_items / (workers * 8))))


def _new_pool(workers: int) -> Executor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # The start method is passed to this pool only; nothing global changes. "spawn" works the
    # same on Linux and macOS, in scripts and notebooks, and is safe with threads (unlike fork).
    # Each worker watches this process and exits when it is gone (see _exit_with_parent).
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    )


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Block SIGINT in this thread while a pool may start workers, so they are born blocking it.

    Ctrl-C in a terminal signals the whole process group: a worker still importing orgsim
    would print a traceback of its own. A process inherits the signal mask of the thread that
    forks it and keeps it across ``exec``, so the workers started here never take SIGINT (the
    pattern of CPython's own ``multiprocessing.resource_tracker``); this process, which does
    get the KeyboardInterrupt, shuts them down. Unlike ignoring SIGINT for the same window,
    blocking it loses nothing: a Ctrl-C that arrives meanwhile stays pending and raises as
    soon as the window closes (or at once, if another thread of this process takes it)."""
    import threading

    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield  # no signal masks here (Windows), or not the thread Python runs signal handlers in
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


#: How often a worker of an orgsim-managed pool checks that the process that started it lives.
PARENT_POLL_SECONDS = 0.5


def _exit_with_parent(parent_pid: int) -> None:
    """Start a watchdog in this worker: exit as soon as ``parent_pid`` is no longer its parent.

    A worker waits for work on a queue whose pipe it holds both ends of, so it never sees its
    parent die: after a ``kill -9`` of the parent, the workers (and multiprocessing's resource
    tracker, which waits for them) would live on, computing and waiting, for ever. When the
    parent dies the worker is re-parented (to init or a subreaper) and ``os.getppid()``
    changes; the watchdog then ends the process at once, without cleanup (``os._exit``), as
    nothing of the dead run can be delivered. The pid is passed in rather than read here, so a
    parent killed before this runs is noticed too. Runs in the worker (top level, so the pool
    pickles it by reference); does nothing to the results.
    """
    import threading

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="orgsim-exit-with-parent", daemon=True).start()


def _run_owned_pool(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    workers: int,
    chunk_size: int,
    max_attempts: int,
    deliver: Callable[[int, Any], None],
    tick: Callable[[list[int]], None],
) -> None:
    """A pool we create, keep at most ``2 x workers`` chunks in flight, and recreate if it breaks."""
    queue: list[list[int]] = _chunks(list(range(len(items))), chunk_size)
    queue.reverse()  # pop() from the end takes chunks in item order
    suspects: list[int] = []  # in flight when a worker died; re-run one at a time
    deaths: dict[int, int] = {}
    pool: Executor | None = None
    clean_exit = False
    start_method_before = _default_start_method()
    try:
        while queue or suspects:
            if pool is None:
                pool = _new_pool(workers)
            isolating = bool(suspects)
            in_flight: dict[Future, list[int]] = {}
            broken = False
            while (queue or suspects or in_flight) and not broken:
                limit = 1 if isolating else 2 * workers
                while len(in_flight) < limit and (suspects if isolating else queue):
                    batch = [suspects.pop(0)] if isolating else queue.pop()
                    with _sigint_held():  # a worker started here inherits the mask
                        in_flight[pool.submit(_apply_batch, fn, [items[i] for i in batch])] = batch
                if not in_flight:
                    break  # isolation finished; back to normal submission with the same pool
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    batch = in_flight.pop(future)
                    try:
                        values = future.result()
                    except BrokenExecutor:
                        broken = True
                        for i in batch:
                            deaths[i] = deaths.get(i, 0) + 1
                            if deaths[i] >= max_attempts:
                                deliver(i, _died(deaths[i]))
                                tick([i])
                            else:
                                suspects.append(i)
                        continue
                    except Exception as err:
                        for i in batch:
                            deliver(i, TaskFailure.from_exception(err))
                        tick(batch)
                        continue
                    for i, value in zip(batch, values, strict=True):
                        deliver(i, value)
                    tick(batch)
            if broken:
                # Every other future of a broken pool fails too: they were in flight, so suspects.
                for future, batch in in_flight.items():
                    try:
                        values = future.result()
                    except Exception:
                        suspects.extend(batch)
                        continue
                    for i, value in zip(batch, values, strict=True):
                        deliver(i, value)
                    tick(batch)
                suspects.sort()
                pool.shutdown(wait=True, cancel_futures=True)
                pool = None
        clean_exit = True
    finally:
        if pool is not None:
            # On an error or KeyboardInterrupt don't wait for queued work; running tasks finish.
            pool.shutdown(wait=clean_exit, cancel_futures=True)
        _restore_default_start_method(start_method_before)


def _default_start_method() -> str | None:
    import multiprocessing

    return multiprocessing.get_start_method(allow_none=True)


def _restore_default_start_method(before: str | None) -> None:
    """Undo a side effect of the standard library: starting a ``spawn`` process calls
    ``multiprocessing.get_start_method()``, which fixes the *global* default context, after
    which your own ``multiprocessing.set_start_method(...)`` would raise "context has
    already been set". If nothing had fixed it before we ran, unfix it again."""
    if before is not None:
        return
    import multiprocessing.context

    default = multiprocessing.context._default_context
    if getattr(default, "_actual_context", None) is not None:
        default._actual_context = None  # type: ignore[attr-defined]


def _died(times: int) -> TaskFailure:
    message = f"the worker process running this task died {times} times (killed, out of memory, or crashed); gave up"
    return TaskFailure(error="BrokenProcessPool", message=message, traceback=f"concurrent.futures.process.BrokenProcessPool: {message}\n")


def _run_foreign(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    executor: Executor,
    chunk_size: int,
    deliver: Callable[[int, Any], None],
    tick: Callable[[list[int]], None],
) -> None:
    """An executor the caller owns: submit everything, never shut it down."""
    in_flight: dict[Future, list[int]] = {}
    try:
        for batch in _chunks(list(range(len(items))), chunk_size):
            in_flight[executor.submit(_apply_batch, fn, [items[i] for i in batch])] = batch
        while in_flight:
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                batch = in_flight.pop(future)
                try:
                    values = future.result()
                except BrokenExecutor as err:
                    raise RuntimeError(
                        f"the executor you passed in broke ({type(err).__name__}: {err}); results delivered so far are kept "
                        "(and saved, with a store). Pass executor=None to let orgsim manage a process pool and recreate it "
                        "when a worker dies."
                    ) from err
                except CancelledError as err:
                    raise RuntimeError("a task was cancelled by the executor (was it shut down?)") from err
                except Exception as err:  # e.g. dask's KilledWorker: record and carry on
                    values = [TaskFailure.from_exception(err)] * len(batch)
                for i, value in zip(batch, values, strict=True):
                    deliver(i, value)
                tick(batch)
    finally:
        for future in in_flight:
            future.cancel()


__all__ = ["HEARTBEAT_SECONDS", "Heartbeat", "TaskFailure", "available_cores", "in_notebook", "progress_bar", "run_tasks"]

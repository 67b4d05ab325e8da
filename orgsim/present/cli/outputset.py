"""Where a command writes: checked before simulating, and replaced as a whole when written.

Before anything is simulated, :func:`check_output_folder` and :func:`check_output_file` make
sure the results can be written: no part of the path is a file, the folder that will hold them
exists (it is created if needed) and takes a new file, and an existing ``--out`` folder is one
orgsim may replace (empty, or a previous output set). A location that fails is a
:class:`ValidationError` naming the option (exit code 2), so a long run never ends with its
results lost.

An output set (everything ``compare``, ``sweep`` or ``sensitivity`` writes into ``--out``) is
written by :func:`output_set` into a hidden folder next to ``--out``, ``.NAME.partial-*``,
with a manifest, :data:`MANIFEST`, written last; then it is put in place with renames. If
``--out`` already holds an output set, that set is moved aside to ``.NAME.old-*`` and deleted
once the new one is in place. ``--out`` therefore always holds one complete run's files (an
interruption while writing leaves the previous set untouched), never a mix of two runs. SIGINT
and SIGTERM are held back during the renames; only ``kill -9`` between them (microseconds)
leaves ``--out`` missing, with both complete sets in the hidden folders next to it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

from orgsim.config.errors import Problem, ValidationError
from orgsim.present.cli.interrupts import signal_handlers

#: The file that marks a folder as a complete orgsim output set; written last.
MANIFEST = "orgsim-output.json"


def _refuse(option: str, value: object, allowed: str) -> ValidationError:
    return ValidationError(Problem(option, str(value), allowed))


def _reason(err: OSError) -> str:
    where = f"{err.filename}: " if err.filename else ""
    return f"{where}{err.strerror or err}"


def _folder_for(folder: Path, option: str, value: object) -> None:
    """``folder`` exists (created if needed) and takes a new file, or a ValidationError naming ``option``."""
    for part in [folder, *folder.parents]:
        if part.exists() or part.is_symlink():
            if not part.is_dir():
                raise _refuse(option, value, f"a path through folders only ({part} is a file)")
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _refuse(option, value, f"a location orgsim can write to (cannot make {_reason(err)})") from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".orgsim-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise _refuse(option, value, f"a location orgsim can write to (cannot write in {folder}: {err.strerror or err})") from None


def check_output_file(path: Path, option: str) -> None:
    """``path`` can be written as a file: not a folder, its folder exists or can be made and is writable."""
    if path.is_dir():
        raise _refuse(option, path, "a file path to write to, not a folder")
    _folder_for(path.parent, option, path)


def check_output_folder(out: Path, option: str = "--out", *, store: str | None = None) -> None:
    """``out`` can take an output set: see the module docstring. Creates ``out``'s parent if needed."""
    real = out.resolve()
    if out.exists() and not out.is_dir():
        raise _refuse(option, out, "a folder (new, empty or a previous orgsim output), not a file")
    cwd = Path.cwd().resolve()
    if real == cwd or real in cwd.parents:
        raise _refuse(option, out, "a folder other than the current one or one above it (the output folder is replaced as a whole)")
    if store is not None and (Path(store).resolve() == real or real in Path(store).resolve().parents):
        raise _refuse(option, out, f"a folder outside --store {store} (the output folder is replaced as a whole)")
    if real.is_dir():
        if os.path.ismount(real):
            raise _refuse(option, out, "a folder that can be replaced (this is a mount point; use a folder inside it)")
        if not _replaceable(real):
            allowed = f"a new or empty folder, or one orgsim wrote (with {MANIFEST}); it holds other files: move them, or pick another"
            raise _refuse(option, out, allowed)
    _folder_for(real.parent, option, out)


def _replaceable(folder: Path) -> bool:
    """An empty folder, or one holding a complete orgsim output set."""
    return (folder / MANIFEST).is_file() or not any(folder.iterdir())


@contextlib.contextmanager
def output_set(out: Path, args: argparse.Namespace) -> Iterator[Path]:
    """A hidden folder next to ``out`` to write the set into; on success the manifest is written
    last and the folder replaces ``out``; on any error or interruption it is deleted."""
    real = out.resolve()
    real.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{real.name}.partial-", dir=real.parent))
    try:
        yield staging
        _write_manifest(staging, args)
        with _signals_held():  # an interruption comes after the renames, and knows they are done
            placed = _place(staging, real)
            if placed:
                args.phase = "written"
    except OSError as err:
        shutil.rmtree(staging, ignore_errors=True)
        detail = f"{err.strerror or err} while writing the results ({out} is unchanged)"
        raise OSError(err.errno, detail, str(out)) from err
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if not placed:  # something else was put there while we simulated: keep the results where they are
        allowed = f"a new or empty folder, or a previous orgsim output set (with {MANIFEST}); the results are in {staging}"
        raise _refuse("--out", out, allowed)


def _write_manifest(folder: Path, args: argparse.Namespace) -> None:
    """The manifest: what wrote the set (command line, versions, time) and every file in it."""
    from orgsim.config.files import atomic_write_text
    from orgsim.model.simulate import package_versions

    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    manifest = {
        "orgsim_output": 1,
        "command": getattr(args, "command", None),
        "argv": getattr(args, "argv", None),
        "versions": package_versions(),
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": files,
    }
    atomic_write_text(folder / MANIFEST, json.dumps(manifest, indent=1) + "\n")


def _place(staging: Path, out: Path) -> bool:
    """Rename ``staging`` onto ``out``, moving a previous output set aside first and deleting it after;
    False (and nothing moved) if ``out`` holds something else."""
    old: Path | None = None
    if out.exists() or out.is_symlink():
        if not out.is_dir() or not _replaceable(out):
            return False
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old)  # a folder renamed onto an empty folder replaces it
    try:
        os.rename(staging, out)
    except BaseException:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return True


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block is done, then deliver them to their handlers.

    Done with Python handlers rather than a signal mask: in a process with threads (numpy's,
    a progress bar's) the kernel may deliver a signal to any thread that does not mask it."""
    pending: list[int] = []

    def hold(signum: int, _frame: object) -> None:
        pending.append(signum)

    try:
        with signal_handlers({signal.SIGINT: hold, signal.SIGTERM: hold}):
            yield
    finally:
        if pending:
            signal.raise_signal(pending[0])

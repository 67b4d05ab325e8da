"""A result store: every finished replication saved as it completes, so a run can resume.

Layout of a store folder::

    manifest.json                       what the store holds: orgsim and library versions, the
                                        scenario (and its sha256), root seed, horizon, every
                                        structure, replication seed and sweep point used
    runs/<label>/r000003-<key>.parquet  one replication: the per-period series as columns, the
                                        totals in the Parquet metadata
    runs/<label>/r000003-<key>.json     its sidecar: task identity, seed, sha256 and size of the
                                        Parquet file (written after it, so a sidecar means done)
    runs/<label>/r000003-<key>.failed.json   a replication that raised: error and traceback
    quarantine/                         files found corrupt, moved aside for inspection
    .lock                               held while a run writes (one writer at a time)

``<key>`` is a hash of everything that determines the replication's result (the scenario of
the sweep point, the structure, the seed and the horizon), so re-running the same call finds
each finished replication and skips it, and changing a structure or a point never reuses a
stale file. Every file is written atomically (temp file, fsync, rename): a run killed at any
moment leaves each replication either complete or absent, never half-written, and a restart
loses nothing finished and duplicates nothing. A file whose bytes no longer match the sha256
in its sidecar (truncated, corrupted) is reported, quarantined and recomputed, never read.

A store belongs to one orgsim version, one base scenario, one root seed and one
``horizon_days`` argument; opening it with different ones raises :class:`ValidationError`.
A store is created, and its manifest written, only under its lock, so processes that open a
new store at once see one create it and the others refused with the lock message. A store in a
folder this process cannot write (a read-only file system, no write permission) is opened
read-only: what it holds is loaded, and a call that would add to it raises
:class:`StorePathError` before anything runs. Every failure of the file system is a
:class:`StoreError` (an ``OSError``) naming the folder, the file and what to do: a full disk a
plain StoreError, a path that cannot be used as given (under a file, a dangling symbolic link,
read-only) a :class:`StorePathError`, which is also a :class:`ValidationError`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from orgsim.config.errors import Problem, ValidationError
from orgsim.config.files import atomic_write_bytes, atomic_write_text
from orgsim.experiment.store_manifest import (
    STORE_FORMAT,
    StoreError,
    StorePathError,
    StoreWarning,
    check_compatible,
    dangling_link,
    is_read_only,
    new_manifest,
    read_manifest,
    safe_label,
    scenario_sha256,
    store_error,
    structure_sha256,
    verified,
    with_check,
)

# The checksum helper's former private name, kept for code that imported it from here.
_with_check = with_check

#: What a store folder may hold besides ``manifest.json``: a folder holding only these (say, a
#: store whose first manifest write was killed) is a store to create, anything else is not.
_STORE_PARTS = frozenset({".lock", "runs", "quarantine"})
#: The temp files of a manifest write (``orgsim.config.files.atomic_write``) that never finished.
_MANIFEST_TEMP = re.compile(r"\.manifest\.json\..*\.tmp")


@dataclass(frozen=True)
class RunRecord:
    """One replication in compact form: the series as a float array (periods x columns) and the totals."""

    columns: tuple[str, ...]
    values: np.ndarray
    total_names: tuple[str, ...]
    total_values: np.ndarray


@dataclass(frozen=True)
class Entry:
    """The identity of one replication in a store."""

    label: str
    replication: int
    point: int
    key: str
    seed: dict[str, Any]


@dataclass
class StoreReport:
    """What happened in the store during one call."""

    path: str
    reused: int = 0
    computed: int = 0
    failed: int = 0
    retried_failures: int = 0
    incomplete: int = 0
    corrupt: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "reused": self.reused,
            "computed": self.computed,
            "failed": self.failed,
            "retried_failures": self.retried_failures,
            "incomplete": self.incomplete,
            "corrupt": [{"file": f, "reason": r} for f, r in self.corrupt],
        }


def _require_pyarrow() -> Any:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError("store= needs pyarrow: pip install 'orgsim[store]'") from None
    return pq


# -- the store ---------------------------------------------------------------------------------


class ResultStore:
    """A folder of finished replications. Use as a context manager (it holds the lock).

    Normally used through ``orgsim.compare(..., store=path)``; open it directly to check a
    store's integrity with :meth:`verify`.

    Args:
        path: the store's folder.
        read_only: open without ever writing (a shared lock, if the store has a lock file). A
            store this process cannot write is opened read-only whatever this says; see
            :attr:`read_only` after :meth:`open`.
    """

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False):
        self.path = Path(path)
        self.report = StoreReport(str(self.path))
        #: True when the store was opened (or found) read-only: loading works, writing raises StorePathError.
        self.read_only = bool(read_only)
        self._why_read_only = "opened with read_only=True" if read_only else ""
        self._lock_fd: int | None = None
        self._manifest: dict[str, Any] | None = None

    # -- opening -------------------------------------------------------------------------------
    def open(
        self,
        *,
        scenario: Mapping[str, Any],
        seed: int,
        horizon_days: float | None,
        versions: Mapping[str, str],
    ) -> ResultStore:
        """Create the store, or check that it was made for the same experiment; take the lock.

        The lock is exclusive for writing; a store that cannot be written is opened read-only
        under a shared lock. The check of the folder and the creation of the manifest happen
        under the lock, so concurrent openers never see a store half made.

        Raises:
            ValidationError: the folder is not a store, or holds a different orgsim version,
                scenario, seed or horizon, or another process writes to it.
            StorePathError: (a ValidationError and a StoreError) the path is a file, under a
                file or a dangling link, the manifest is corrupt or malformed, or a read-only
                folder holds no store to read.
            StoreError: (an OSError) the file system failed (a full disk, an I/O error).
        """
        _require_pyarrow()
        with self._os_errors():
            self._check_path()
            self._make_folder()
            self._lock()
        try:
            with self._os_errors():
                self._open_locked(scenario, seed, horizon_days, versions)
        except BaseException:
            self.close()
            raise
        return self

    def _open_locked(self, scenario: Mapping[str, Any], seed: int, horizon_days: float | None, versions: Mapping[str, str]) -> None:
        """Read and check the manifest, or create the store: only ever under the lock."""
        if (self.path / "manifest.json").exists():
            self._manifest = read_manifest(self.path)
            check_compatible(self.path, self._manifest, scenario_sha256(scenario), seed, horizon_days, versions)
        else:
            if self._foreign_entries():  # again, now under the lock
                raise self._not_a_store()
            if self.read_only:
                raise self._read_only_error("there is no store here to read (no manifest.json)", "use a folder you can write to")
            self._manifest = new_manifest(scenario, seed, horizon_days, versions)
            self._write_manifest()
        self._remove_stale_manifest_temps()

    @contextlib.contextmanager
    def _os_errors(self) -> Iterator[None]:
        """Any other OSError of the block (a folder not ours to list, ...) as a StoreError naming the store."""
        try:
            yield
        except StoreError:
            raise
        except OSError as err:
            raise store_error(err, self.path) from None

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the lock."""
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
            self._lock_fd = None

    def _check_path(self) -> None:
        """Refuse, before anything is created, a path that is a file, a dangling link or a folder of other things."""
        path = self.path
        if path.is_symlink() and not path.exists():
            raise StorePathError(Problem("store", str(path), dangling_link(path)))
        if path.exists() and not path.is_dir():
            raise StorePathError(Problem("store", str(path), "a folder (this is a file)"))
        if path.is_dir() and self._foreign_entries():
            raise self._not_a_store()

    def _foreign_entries(self) -> list[str]:
        """What a folder without a manifest holds that a store never does (empty for a store)."""
        try:
            names = os.listdir(self.path)
        except OSError as err:
            raise store_error(err, self.path) from None
        if "manifest.json" in names:
            return []
        return [n for n in names if n not in _STORE_PARTS and not _MANIFEST_TEMP.fullmatch(n)]

    def _not_a_store(self) -> ValidationError:
        return ValidationError(Problem("store", str(self.path), "an empty folder or an orgsim result store (no manifest.json here)"))

    def _make_folder(self) -> None:
        if self.path.is_dir():
            return
        if self.read_only:
            raise self._read_only_error("there is no store here to read", "use a folder you can write to")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            if not self.path.is_dir():  # another process may have made it meanwhile
                raise store_error(err, self.path) from None

    def _lock(self) -> None:
        """Take the exclusive lock on ``.lock``; in a folder this process cannot write, switch to
        read-only and take a shared lock (none if there is no lock file: nobody can write there)."""
        try:
            import fcntl
        except ImportError:  # Windows: no advisory lock
            return
        lock = self.path / ".lock"
        fd = None
        if not self.read_only:
            try:
                fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as err:
                if not is_read_only(err):
                    raise store_error(err, self.path, lock) from None
                self.read_only, self._why_read_only = True, err.strerror or str(err)
        if fd is None:
            try:
                fd = os.open(lock, os.O_RDONLY)
            except OSError:
                return
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if self.read_only else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ValidationError(
                Problem("store", str(self.path), "a store no other process is writing to (its lock is held); wait, or use another path")
            ) from None
        self._lock_fd = fd

    def _remove_stale_manifest_temps(self) -> None:
        """Temp files of a manifest write that was killed: under the exclusive lock nobody else writes one."""
        if self.read_only:
            return
        for name in os.listdir(self.path):
            if _MANIFEST_TEMP.fullmatch(name):
                with contextlib.suppress(OSError):
                    os.unlink(self.path / name)

    # -- writing -------------------------------------------------------------------------------
    def _read_only_error(self, what: str, advice: str = "copy the store somewhere writable to add to it") -> StorePathError:
        why = self._why_read_only or "no write permission"
        return StorePathError(
            Problem("store", str(self.path), f"a folder you can write to: it is read-only here ({why}) and {what}; {advice}")
        )

    def _write(self, path: Path, data: str | bytes) -> None:
        """Write ``data`` to ``path`` atomically; every failure of the file system as a StoreError."""
        if self.read_only:
            raise self._read_only_error(f"{path.name} cannot be written")
        try:
            if isinstance(data, bytes):
                atomic_write_bytes(path, data)
            else:
                atomic_write_text(path, data)
        except OSError as err:
            raise store_error(err, self.path, path) from None

    def check_writable(self, missing: int, total: int) -> None:
        """Raise StorePathError, before anything runs, when a call must add ``missing`` of its
        ``total`` replications to a store opened read-only."""
        if not (self.read_only and missing):
            return
        corrupt = self.report.corrupt
        damaged = f" ({len(corrupt)} of them corrupt, e.g. {corrupt[0][0]}: {corrupt[0][1]})" if corrupt else ""
        raise self._read_only_error(f"{missing} of the {total} replications of this call are not in it{damaged}")

    def _write_manifest(self) -> None:
        assert self._manifest is not None
        self._write(self.path / "manifest.json", with_check(self._manifest))

    def register(
        self, structures: Mapping[str, Mapping[str, Any] | None], seeds: list[dict[str, Any]], points: list[dict[str, Any]]
    ) -> None:
        """Add structures, replication seeds and sweep points used by this call to the manifest
        (in memory only when the store is read-only: then :meth:`check_writable` refuses new work)."""
        m = self._manifest
        assert m is not None
        changed = False
        known = {(s["label"], s["sha256"]) for s in m["structures"]}
        for label, data in structures.items():
            sha = structure_sha256(data)
            if (label, sha) not in known:
                m["structures"].append({"label": label, "sha256": sha, "structure": data})
                changed = True
        if len(seeds) > len(m["replication_seeds"]):
            m["replication_seeds"] = seeds
            changed = True
        known_points = {p["scenario_sha256"] for p in m["points"]}
        for point in points:
            if point["scenario_sha256"] not in known_points:
                m["points"].append(point)
                known_points.add(point["scenario_sha256"])
                changed = True
        if changed and not self.read_only:
            self._write_manifest()

    # -- files ---------------------------------------------------------------------------------
    def _paths(self, entry: Entry) -> tuple[Path, Path, Path]:
        folder = self.path / "runs" / safe_label(entry.label)
        stem = f"r{entry.replication:06d}-{entry.key[:16]}"
        return folder / f"{stem}.parquet", folder / f"{stem}.json", folder / f"{stem}.failed.json"

    def load(self, entry: Entry) -> RunRecord | None:
        """The stored replication, or None if it is absent, failed earlier, or corrupt (reported)."""
        parquet, sidecar, failed = self._paths(entry)
        if not sidecar.exists():
            if failed.exists():
                self.report.retried_failures += 1
            elif parquet.exists():
                self.report.incomplete += 1  # killed between the Parquet file and its sidecar
            return None
        try:
            info = verified(sidecar.read_text(encoding="utf-8"))
            if info.get("key") != entry.key or info.get("replication") != entry.replication:
                raise ValueError("sidecar describes another replication")
            if info.get("orgsim_version") != (self._manifest or {}).get("orgsim_version"):
                raise ValueError(f"written by orgsim {info.get('orgsim_version')}")
            if not parquet.exists():
                raise ValueError("Parquet file missing")
            data = parquet.read_bytes()
            if len(data) != info.get("bytes") or hashlib.sha256(data).hexdigest() != info.get("sha256"):
                raise ValueError(f"sha256 mismatch ({len(data)} bytes, expected {info.get('bytes')}): truncated or corrupted")
            record = _record_from_parquet(data)
        except Exception as err:  # ValueError, OSError, a RecursionError of a nested sidecar, pyarrow's errors ...
            self._quarantine(entry, f"{type(err).__name__}: {err}")
            return None
        self.report.reused += 1
        return record

    def _quarantine(self, entry: Entry, reason: str) -> None:
        parquet, sidecar, _ = self._paths(entry)
        self.report.corrupt.append((str(parquet.relative_to(self.path)), reason))
        if self.read_only:
            return  # reported; check_writable refuses to recompute it here
        target = self.path / "quarantine"
        with contextlib.suppress(OSError):  # if it cannot be made, the moves fail too and the save replaces the files
            target.mkdir(exist_ok=True)
        stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        for path in (sidecar, parquet):  # sidecar first: without it the entry reads as absent
            if path.exists():
                with contextlib.suppress(OSError):
                    os.replace(path, target / f"{safe_label(entry.label)}-{path.name}.{stamp}")

    def save(self, entry: Entry, record: RunRecord) -> None:
        """Write one replication: Parquet first, then its sidecar (both atomic)."""
        parquet, sidecar, failed = self._paths(entry)
        data = _record_to_parquet(record)
        self._write(parquet, data)
        info = {
            "format": STORE_FORMAT,
            "key": entry.key,
            "label": entry.label,
            "replication": entry.replication,
            "point": entry.point,
            "seed": entry.seed,
            "orgsim_version": (self._manifest or {}).get("orgsim_version"),
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "file": parquet.name,
        }
        self._write(sidecar, with_check(info))
        with contextlib.suppress(OSError):  # a stale failure record is never read when a sidecar exists
            failed.unlink(missing_ok=True)
        self.report.computed += 1

    def save_failure(self, entry: Entry, error: str, message: str, traceback: str) -> None:
        """Record a replication that raised, with its traceback (retried on the next run)."""
        _, _, failed = self._paths(entry)
        info = {
            "key": entry.key,
            "label": entry.label,
            "replication": entry.replication,
            "point": entry.point,
            "seed": entry.seed,
            "error": error,
            "message": message,
            "traceback": traceback,
            "when": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
        self._write(failed, json.dumps(info, indent=1))
        self.report.failed += 1

    # -- inspection ----------------------------------------------------------------------------
    def verify(self) -> Any:
        """Check every stored replication against its sidecar without changing anything.

        Returns a DataFrame with one row per file: ``file``, ``status`` (``ok``, ``corrupt``,
        ``incomplete`` = Parquet without sidecar, ``failed``) and ``reason``."""
        import pandas as pd

        rows = []
        runs = self.path / "runs"
        for sidecar in sorted(runs.glob("*/*.json")) if runs.exists() else []:
            if sidecar.name.endswith(".failed.json"):
                rows.append((str(sidecar.relative_to(self.path)), "failed", ""))
                continue
            parquet = sidecar.with_suffix(".parquet")
            try:
                info = verified(sidecar.read_text(encoding="utf-8"))
                data = parquet.read_bytes()
                if len(data) != info.get("bytes") or hashlib.sha256(data).hexdigest() != info.get("sha256"):
                    raise ValueError("sha256 mismatch: truncated or corrupted")
                _record_from_parquet(data)
                rows.append((str(parquet.relative_to(self.path)), "ok", ""))
            except Exception as err:
                rows.append((str(parquet.relative_to(self.path)), "corrupt", f"{type(err).__name__}: {err}"))
        for parquet in sorted(runs.glob("*/*.parquet")) if runs.exists() else []:
            if not parquet.with_suffix(".json").exists():
                rows.append(
                    (str(parquet.relative_to(self.path)), "incomplete", "no sidecar (interrupted write); recomputed on the next run")
                )
        return pd.DataFrame(rows, columns=["file", "status", "reason"])


def _record_to_parquet(record: RunRecord) -> bytes:
    pq = _require_pyarrow()
    import pyarrow as pa

    columns = {name: pa.array(np.ascontiguousarray(record.values[:, j]), type=pa.float64()) for j, name in enumerate(record.columns)}
    totals = {"names": list(record.total_names), "values": [float(v) for v in record.total_values]}
    table = pa.table(columns, metadata={b"orgsim.totals": json.dumps(totals, allow_nan=True).encode("utf-8")})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def _record_from_parquet(data: bytes) -> RunRecord:
    pq = _require_pyarrow()
    import pyarrow as pa

    # One small file a replication, read by the plain file reader: `pq.read_table` goes through
    # Arrow's dataset scanner, whose pool threads can abort the interpreter at exit
    # (apache/arrow#34314: "terminate called without an active exception", SIGABRT after a
    # finished run; 5 exits in 160 under load here before this change).
    table = pq.ParquetFile(pa.BufferReader(data)).read(use_threads=False)
    meta = table.schema.metadata or {}
    if b"orgsim.totals" not in meta:
        raise ValueError("no totals in the Parquet metadata")
    totals = json.loads(meta[b"orgsim.totals"].decode("utf-8"))
    names = tuple(str(n) for n in totals["names"])
    values = np.array([float(v) for v in totals["values"]], dtype=np.float64)
    if len(names) != len(values):
        raise ValueError("totals names and values differ in length")
    for column in table.columns:
        if column.type != pa.float64():
            raise ValueError(f"column of type {column.type}, expected float64")
    series = np.column_stack([c.to_numpy() for c in table.columns]) if table.num_columns else np.empty((table.num_rows, 0))
    return RunRecord(tuple(table.column_names), np.ascontiguousarray(series, dtype=np.float64), names, values)


__all__ = ["ResultStore", "RunRecord", "StoreError", "StorePathError", "StoreWarning"]

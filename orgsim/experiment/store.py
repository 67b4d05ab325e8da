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
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from orgsim.config.errors import Problem, ValidationError
from orgsim.config.files import atomic_write_bytes, atomic_write_text

#: Version of the on-disk layout.
STORE_FORMAT = 1


class StoreWarning(UserWarning):
    """Something in a result store needed attention (e.g. corrupt files that were recomputed)."""


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


# -- hashing -----------------------------------------------------------------------------------


def canonical_json(obj: Any) -> str:
    """Sorted keys, no spaces, floats as their shortest exact repr: stable text for hashing."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scenario_sha256(scenario_dict: Mapping[str, Any]) -> str:
    """The sha256 of a scenario's canonical JSON (``Scenario.to_dict()``)."""
    return sha256_text(canonical_json(scenario_dict))


def structure_sha256(structure_dict: Mapping[str, Any] | None) -> str:
    """The sha256 of a structure's canonical JSON (``None``: no structure)."""
    return sha256_text(canonical_json(structure_dict))


def task_key(scenario_sha: str, structure_sha: str, seed: Mapping[str, Any], horizon_days: float) -> str:
    """The key of one replication: a hash of everything that determines its result."""
    return sha256_text(canonical_json({"scenario": scenario_sha, "structure": structure_sha, "seed": seed, "horizon_days": horizon_days}))[
        :32
    ]


def safe_label(label: str) -> str:
    """A label as a folder name: unusual characters replaced, never '.' or '..'."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", label)[:80].lstrip(".")
    return safe or "_"


def _with_check(body: dict[str, Any]) -> str:
    body = {k: v for k, v in body.items() if k != "check"}
    body["check"] = sha256_text(canonical_json(body))
    return json.dumps(body, indent=1, sort_keys=True, allow_nan=True)


def _verified(text: str) -> dict[str, Any]:
    data = json.loads(text)
    if not isinstance(data, dict) or "check" not in data:
        raise ValueError("no checksum")
    check = data.pop("check")
    if sha256_text(canonical_json(data)) != check:
        raise ValueError("checksum mismatch")
    return data


def _require_pyarrow() -> Any:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError("store= needs pyarrow: pip install 'orgsim[store]'") from None
    return pq


# -- the store ---------------------------------------------------------------------------------


class ResultStore:
    """A folder of finished replications. Use as a context manager (it holds a write lock).

    Normally used through ``orgsim.compare(..., store=path)``; open it directly to check a
    store's integrity with :meth:`verify`.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.report = StoreReport(str(self.path))
        self._lock_fh: Any = None
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
        """Create the store, or check that it was made for the same experiment; take the write lock.

        Raises:
            ValidationError: the folder is not a store, or holds a different orgsim version,
                scenario, seed or horizon, or its manifest is corrupt, or another process writes to it.
        """
        _require_pyarrow()
        if self.path.exists() and not self.path.is_dir():
            raise ValidationError(Problem("store", str(self.path), "a folder (this is a file)"))
        manifest_path = self.path / "manifest.json"
        if self.path.is_dir() and not manifest_path.exists() and any(p.name != ".lock" for p in self.path.iterdir()):
            raise ValidationError(Problem("store", str(self.path), "an empty folder or an orgsim result store (no manifest.json here)"))
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            sha = scenario_sha256(scenario)
            if manifest_path.exists():
                self._manifest = self._read_manifest(manifest_path)
                self._check_compatible(self._manifest, sha, seed, horizon_days, versions)
            else:
                self._manifest = {
                    "format": STORE_FORMAT,
                    "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                    "orgsim_version": versions.get("orgsim", "unknown"),
                    "versions": dict(versions),
                    "scenario_sha256": sha,
                    "scenario": dict(scenario),
                    "seed": int(seed),
                    "horizon_days": horizon_days,
                    "structures": [],
                    "replication_seeds": [],
                    "points": [],
                }
                self._write_manifest()
        except BaseException:
            self.close()
            raise
        return self

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the write lock."""
        if self._lock_fh is not None:
            with contextlib.suppress(OSError):
                self._lock_fh.close()
            self._lock_fh = None

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory lock
            return
        fh = open(self.path / ".lock", "a+b")  # noqa: SIM115 - held until close()
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise ValidationError(
                Problem("store", str(self.path), "a store no other process is writing to (its lock is held); wait, or use another path")
            ) from None
        self._lock_fh = fh

    def _read_manifest(self, path: Path) -> dict[str, Any]:
        try:
            return _verified(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError, OSError) as err:
            raise ValidationError(
                Problem(
                    "store",
                    str(self.path),
                    f"a readable store, but manifest.json is corrupt ({err}); the run files are intact and self-describing: "
                    "move manifest.json aside to rebuild it from the same call, or use a new path",
                )
            ) from None

    def _check_compatible(self, m: dict[str, Any], sha: str, seed: int, horizon_days: float | None, versions: Mapping[str, str]) -> None:
        where = str(self.path)
        problems = []
        if m.get("format") != STORE_FORMAT:
            problems.append(Problem("store", where, f"store format {STORE_FORMAT}, not {m.get('format')!r}; use a new path"))
        ours = versions.get("orgsim", "unknown")
        if m.get("orgsim_version") != ours:
            problems.append(
                Problem(
                    "store",
                    where,
                    f"results of orgsim {ours} (this store holds results of orgsim {m.get('orgsim_version')}; "
                    "results of different versions are not mixed); use a new path",
                )
            )
        if m.get("scenario_sha256") != sha:
            problems.append(
                Problem(
                    "store",
                    where,
                    f"the same scenario as the store (scenario sha256 {str(m.get('scenario_sha256'))[:12]}..., "
                    f"yours {sha[:12]}...; the store's scenario is in manifest.json); use a new path",
                )
            )
        if m.get("seed") != seed:
            problems.append(Problem("store", where, f"seed={m.get('seed')!r} as in the store (you passed seed={seed}); or use a new path"))
        if m.get("horizon_days") != horizon_days:
            problems.append(
                Problem(
                    "store",
                    where,
                    f"horizon_days={m.get('horizon_days')!r} as in the store (you passed {horizon_days!r}); or use a new path",
                )
            )
        if problems:
            raise ValidationError(problems)
        others = {k: (m.get("versions", {}).get(k), v) for k, v in versions.items() if k not in ("orgsim", "python")}
        changed = {k: ab for k, ab in others.items() if ab[0] != ab[1]}
        if changed:
            text = ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changed.items())
            warnings.warn(
                f"store {where} was made with other library versions ({text}); results may differ from what it holds",
                StoreWarning,
                stacklevel=3,
            )

    def _write_manifest(self) -> None:
        assert self._manifest is not None
        atomic_write_text(self.path / "manifest.json", _with_check(self._manifest))

    def register(
        self, structures: Mapping[str, Mapping[str, Any] | None], seeds: list[dict[str, Any]], points: list[dict[str, Any]]
    ) -> None:
        """Add structures, replication seeds and sweep points used by this call to the manifest."""
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
        if changed:
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
            info = _verified(sidecar.read_text(encoding="utf-8"))
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
        except (ValueError, OSError, UnicodeDecodeError, KeyError, TypeError) as err:
            self._quarantine(entry, f"{type(err).__name__}: {err}")
            return None
        except Exception as err:  # pyarrow's errors
            self._quarantine(entry, f"{type(err).__name__}: {err}")
            return None
        self.report.reused += 1
        return record

    def _quarantine(self, entry: Entry, reason: str) -> None:
        parquet, sidecar, _ = self._paths(entry)
        self.report.corrupt.append((str(parquet.relative_to(self.path)), reason))
        target = self.path / "quarantine"
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
        atomic_write_bytes(parquet, data)
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
        atomic_write_text(sidecar, _with_check(info))
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
        atomic_write_text(failed, json.dumps(info, indent=1))
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
                info = _verified(sidecar.read_text(encoding="utf-8"))
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

    # One small file a replication: no gain from Arrow's thread pool, whose threads can abort
    # the interpreter at exit (apache/arrow#34314, seen here as SIGABRT after a finished run).
    table = pq.read_table(pa.BufferReader(data), use_threads=False)
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


__all__ = ["ResultStore", "RunRecord", "StoreWarning"]

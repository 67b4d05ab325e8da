"""A result store's manifest, hashes and checksums, and its errors.

The hashes that key each replication; the checksums of the manifest and the sidecars; the
manifest itself (its shape, and whether it fits a call); and the store's errors, each naming
the folder and what to do.

The checksums here detect accidental damage (a truncated or half-written file, flipped bits);
they are plain sha256 sums stored next to what they cover, not signatures, so they do not stop
someone who can write the folder from replacing a file and its checksum together.
"""

from __future__ import annotations

import datetime as _dt
import errno
import hashlib
import json
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orgsim.config.errors import Problem, ValidationError

#: Version of the on-disk layout.
STORE_FORMAT = 1


class StoreWarning(UserWarning):
    """Something in a result store needed attention (e.g. corrupt files that were recomputed)."""


class StoreError(OSError):
    """A result store could not be used or written. The message names the store's folder (and
    the file being written), what went wrong and what to do; ``errno`` is the cause's, where
    there was one.

    A failure of the system, such as a full disk or an I/O error, is a StoreError only (the
    command line exits with 1); when the store cannot be used as given, it is a
    :class:`StorePathError`, also a ValidationError.
    """

    def __init__(self, problems: list[Problem] | Problem, errno_: int | None = None):
        self.problems: list[Problem] = [problems] if isinstance(problems, Problem) else list(problems)
        lines = [str(p) for p in self.problems]
        super().__init__(f"result store: {lines[0]}" if len(lines) == 1 else "result store:\n  " + "\n  ".join(lines))
        self.errno = errno_

    def __str__(self) -> str:
        return str(self.args[0])


class StorePathError(StoreError, ValidationError):
    """A result store that cannot be used as given: the path is a file, under a file or a
    dangling symbolic link, the folder is read-only (or not ours to write) where a write is
    needed, or its manifest is corrupt or malformed.

    Both a :class:`StoreError` (an ``OSError``) and a
    :class:`~orgsim.config.errors.ValidationError` whose ``problems`` name the field ``store``
    (the command line prints it and exits with 2, as for any invalid input).
    """

    # ValidationError.__init__ is not called: StoreError.__init__ sets ``problems`` and the message.


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


def with_check(body: dict[str, Any]) -> str:
    """``body`` as JSON text with a ``check`` field: the sha256 of the rest (accidental damage only)."""
    body = {k: v for k, v in body.items() if k != "check"}
    body["check"] = sha256_text(canonical_json(body))
    return json.dumps(body, indent=1, sort_keys=True, allow_nan=True)


def verified(text: str) -> dict[str, Any]:
    """The JSON object in ``text`` without its ``check`` field, if the check matches; else ValueError."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply to be an orgsim file") from None
    if not isinstance(data, dict) or "check" not in data:
        raise ValueError("no checksum")
    check = data.pop("check")
    if sha256_text(canonical_json(data)) != check:
        raise ValueError("checksum mismatch")
    return data


# -- errors of the operating system ----------------------------------------------------------------

_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def is_read_only(err: OSError) -> bool:
    """A write refused because the file system is read-only or the folder is not ours to write."""
    return err.errno == errno.EROFS or isinstance(err, PermissionError)


def store_error(err: OSError, store: Path, target: Path | None = None) -> StoreError:
    """The OSError ``err``, met writing ``target`` of the store at ``store``, as a StoreError
    that names the folder, what went wrong and what to do: a :class:`StorePathError` when the
    path cannot be used as given, a plain StoreError when the system failed (a full disk)."""
    where = "" if target is None or target == store else f" writing {_relative(target, store)}"
    reason = err.strerror or str(err)
    path_error = True
    if err.errno in _NO_SPACE:
        allowed = (
            f"a folder on a disk with room: no space left on the device{where}; free some space (or use another path), "
            "then run the same call again: every replication saved so far is kept"
        )
        path_error = False
    elif is_read_only(err):
        allowed = (
            f"a folder you can write to ({reason}{where}); a finished store is read where it is, "
            "but to create a store or add to one, copy it somewhere writable or use another path"
        )
    elif isinstance(err, NotADirectoryError) or err.errno == errno.ENOTDIR:
        blocker = _file_on_path(store)
        allowed = f"a folder, but {blocker or 'a part of its path'} is a file; use another path"
    elif isinstance(err, FileExistsError) and store.is_symlink() and not store.exists():
        allowed = dangling_link(store)
    elif err.errno in (errno.ELOOP, errno.ENAMETOOLONG):
        allowed = f"a folder with a usable path ({reason}); use another path"
    else:
        allowed = f"a folder orgsim can write to ({type(err).__name__}: {reason}{where}); check the disk, then run the same call again"
        path_error = False
    return (StorePathError if path_error else StoreError)(Problem("store", str(store), allowed), err.errno)


def dangling_link(store: Path) -> str:
    """What to say about a store path that is a symbolic link to nothing."""
    try:
        target = os.readlink(store)
    except OSError:
        target = "?"
    return f"a folder, but this is a symbolic link to {target}, which does not exist; create that folder, or use another path"


def _file_on_path(path: Path) -> str | None:
    """The first part of ``path`` that exists and is not a folder (what blocks making it)."""
    for part in [*reversed(path.parents), path]:
        if part.exists() and not part.is_dir():
            return str(part)
    return None


def _relative(path: Path, store: Path) -> str:
    try:
        return str(path.relative_to(store))
    except ValueError:
        return str(path)


# -- the manifest --------------------------------------------------------------------------------


def new_manifest(scenario: Mapping[str, Any], seed: int, horizon_days: float | None, versions: Mapping[str, str]) -> dict[str, Any]:
    """The manifest of a new store, before any structure, seed or point is registered."""
    return {
        "format": STORE_FORMAT,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "orgsim_version": versions.get("orgsim", "unknown"),
        "versions": dict(versions),
        "scenario_sha256": scenario_sha256(scenario),
        "scenario": dict(scenario),
        "seed": int(seed),
        "horizon_days": horizon_days,
        "structures": [],
        "replication_seeds": [],
        "points": [],
    }


def _rebuild_advice() -> str:
    return (
        "the run files are intact and self-describing: move manifest.json out of the folder to rebuild it "
        "from the same call, or use a new path"
    )


def read_manifest(store: Path) -> dict[str, Any]:
    """The verified manifest of the store at ``store``, with a well-formed body.

    Raises:
        StorePathError: the manifest is unreadable, fails its checksum, or a field has the wrong shape.
    """
    try:
        manifest = verified((store / "manifest.json").read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, OSError) as err:
        raise StorePathError(
            Problem("store", str(store), f"a readable store, but manifest.json is corrupt ({err}); {_rebuild_advice()}"),
            getattr(err, "errno", None),
        ) from None
    field, expected = _malformed_field(manifest)
    if field:
        raise StorePathError(
            Problem(
                "store",
                str(store),
                f"a readable store, but manifest.json is malformed: {field!r} must be {expected} "
                f"(found {_describe(manifest.get(field))}); {_rebuild_advice()}",
            )
        )
    return manifest


def _is_list_of(value: Any, keys: tuple[str, ...]) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) and all(isinstance(v.get(k), str) for k in keys) for v in value)


def _malformed_field(m: dict[str, Any]) -> tuple[str, str]:
    """The first field of the manifest ``m`` whose shape is wrong, and what it must be; ``("", "")`` if none."""
    shapes = [
        ("structures", _is_list_of(m.get("structures"), ("label", "sha256")), "a list of objects with a 'label' and a 'sha256'"),
        ("replication_seeds", isinstance(m.get("replication_seeds"), list), "a list of seeds"),
        ("points", _is_list_of(m.get("points"), ("scenario_sha256",)), "a list of objects with a 'scenario_sha256'"),
        ("versions", isinstance(m.get("versions", {}), dict), "an object of library versions"),
    ]
    for field, ok, expected in shapes:
        if not ok:
            return field, expected
    return "", ""


def _describe(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


def check_compatible(store: Path, m: dict[str, Any], sha: str, seed: int, horizon_days: float | None, versions: Mapping[str, str]) -> None:
    """Refuse a manifest ``m`` made for another experiment; warn when only library versions differ."""
    where = str(store)
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
                "store", where, f"horizon_days={m.get('horizon_days')!r} as in the store (you passed {horizon_days!r}); or use a new path"
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


__all__ = ["STORE_FORMAT", "StoreError", "StorePathError", "StoreWarning"]

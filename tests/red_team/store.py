"""Issue 17, the result store: folders orgsim cannot write to, paths that are not folders, a
full disk, manifests with a valid checksum but a malformed body, several processes creating one
store at once, and the temp file of a creation that was killed.

Each Python case asserts the clear error itself, naming the store's path and what to do, never
a raw ``OSError``, ``TypeError``, ``KeyError`` or ``RecursionError``: a store that cannot be used
as given raises ``orgsim.experiment.store.StorePathError``, a ``ValidationError`` (the command
line exits with 2); a full disk raises its base class ``StoreError``, an ``OSError`` only (the
command line exits with 1, as for any failure of the system).

A read-only store is made read-only for real with ``chmod -R a-w`` when the tests run as an
ordinary user. root ignores file permissions, so as root the case emulates a read-only mount of
the store folder instead: every call that would change something inside it (``open``/``os.open``
for writing, ``mkdir``, ``replace``, ``rename``, ``unlink``, ``rmdir``, ``chmod``) fails with
``OSError(EROFS)`` as the kernel's does, and everything else (reading, ``flock``) works.
"""

from __future__ import annotations

from red_team import Case

#: ``refused(call, *pieces)`` asserts that ``call()`` raises a ValidationError on ``store`` whose
#: message holds every piece, and returns it; ``small(store, **kw)`` is a quick serial compare.
_COMMON = """
import os
import orgsim
from orgsim import ValidationError

def small(store, replications=2, **kw):
    return orgsim.compare(None, [orgsim.presets.siloed(), orgsim.presets.shared_leader()], replications=replications,
                          seed=5, horizon_days=20, executor="serial", progress=False, store=store, **kw)

def refused(call, *pieces):
    try:
        call()
    except ValidationError as err:
        text = str(err)
        assert "store" in err.fields, (err.fields, text)
        for piece in pieces:
            assert piece in text, (piece, text)
        return err
    raise AssertionError(f"no ValidationError; expected one with {pieces}")

def failed(call, *pieces):
    '''As refused, for a failure of the system: a StoreError that is not a ValidationError.'''
    from orgsim.experiment.store import StoreError
    try:
        call()
    except StoreError as err:
        text = str(err)
        assert not isinstance(err, ValidationError), text
        for piece in pieces:
            assert piece in text, (piece, text)
        return err
    raise AssertionError(f"no StoreError; expected one with {pieces}")
"""

#: ``make_read_only(folder)``: chmod -R a-w as an ordinary user, an emulated read-only mount as root.
_READ_ONLY = """
import builtins, errno, io, stat

def make_read_only(folder):
    folder = os.path.realpath(folder)
    if os.geteuid() != 0:
        for root, dirs, files in os.walk(folder, topdown=False):
            for name in dirs + files:
                p = os.path.join(root, name)
                os.chmod(p, stat.S_IMODE(os.lstat(p).st_mode) & ~0o222)
        os.chmod(folder, stat.S_IMODE(os.stat(folder).st_mode) & ~0o222)
        return "chmod"

    def inside(p):
        if isinstance(p, int):
            return False
        p = os.path.realpath(os.fspath(p))
        return p == folder or p.startswith(folder + os.sep)

    def erofs(p):
        return OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(p))

    real_open = io.open
    def ro_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and inside(file):
            raise erofs(file)
        return real_open(file, mode, *args, **kwargs)
    io.open = builtins.open = ro_open

    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    real_os_open = os.open
    def ro_os_open(path, flags, mode=0o777, *, dir_fd=None):
        if flags & writing and inside(path):
            raise erofs(path)
        return real_os_open(path, flags, mode, dir_fd=dir_fd)
    os.open = ro_os_open

    for name in ("mkdir", "replace", "rename", "unlink", "remove", "rmdir", "chmod"):
        def changing(path, *args, _real=getattr(os, name), _name=name, **kwargs):
            if inside(path) or (_name in ("replace", "rename") and args and inside(args[0])):
                if _name == "mkdir" and os.path.lexists(path):
                    raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fspath(path))
                raise erofs(path)
            return _real(path, *args, **kwargs)
        setattr(os, name, changing)
    return "emulated EROFS"
"""

_FINISHED_STORE = _COMMON + "\nsmall('store')\n"

_EDIT_MANIFEST = """
import json, pathlib
from orgsim.experiment.store import _with_check

def edit(**changes):
    path = pathlib.Path("store/manifest.json")
    manifest = json.loads(path.read_text())
    manifest.pop("check")
    manifest.update(changes)
    path.write_text(_with_check(manifest))
"""


def _malformed_manifest(name: str, field: str, value: str) -> Case:
    """A manifest whose checksum is right but whose ``field`` holds ``value``."""
    return Case(
        name,
        setup=_FINISHED_STORE + _EDIT_MANIFEST + f"\nedit({field}={value})\n",
        code=_COMMON + f"\nrefused(lambda: small('store'), 'store', 'manifest.json', {field!r})\n",
    )


_ENOSPC = """
import errno
import orgsim.config.files as files

real_atomic_write = files.atomic_write

def disk_full_after(n_parquet):
    '''Every write after the first n_parquet Parquet files fails as a full disk does: the temp
    file is started, then the write raises ENOSPC (atomic_write removes the temp file).'''
    seen = {"parquet": 0}
    def atomic_write(path, write):
        if path.suffix == ".parquet":
            seen["parquet"] += 1
        if seen["parquet"] > n_parquet or (n_parquet == 0 and path.name == "manifest.json"):
            def full(tmp):
                tmp.write_bytes(b"PAR1")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))
            return real_atomic_write(path, full)
        return real_atomic_write(path, write)
    files.atomic_write = atomic_write
"""

#: A process that creates ``new`` and is slow to finish writing its manifest (each fsync takes 3 s).
_SLOW_CREATOR = """
import os, time, orgsim
real_fsync = os.fsync
calls = []
def slow_fsync(fd):  # the first (the new manifest's) is slow: a wide window for the opener, even on a loaded machine
    calls.append(fd)
    time.sleep(15 if len(calls) == 1 else 0)
    real_fsync(fd)
os.fsync = slow_fsync
orgsim.compare(None, [orgsim.presets.siloed()], replications=1, seed=5, horizon_days=5, executor="serial", progress=False, store="new")
"""

#: Eight processes open the same new store at the same moment (each holds it 0.3 s).
_RACER = """
import os, sys, time, pathlib
from orgsim import ValidationError
from orgsim.experiment.store import ResultStore
from orgsim.model.simulate import package_versions
while not pathlib.Path("go").exists():
    time.sleep(0.001)
try:
    store = ResultStore("new").open(scenario={"name": "x"}, seed=1, horizon_days=None, versions=package_versions())
except ValidationError as err:
    print("lock" if "lock is held" in str(err) else f"OTHER {err}")
else:
    time.sleep(0.3)
    store.close()
    print("ok")
"""

CASES = [
    # -- 1. a read-only store can be read ------------------------------------------------------
    Case(
        "store-read-only-finished-store-loads-and-verifies",
        setup=_FINISHED_STORE,
        code=_COMMON
        + _READ_ONLY
        + """
reference = small(None)
how = make_read_only("store")
exp = small("store")
assert exp.store_report["reused"] == 4 and exp.store_report["computed"] == 0, (how, exp.store_report)
assert exp._totals.tobytes() == reference._totals.tobytes()
from orgsim.experiment.store import ResultStore
report = ResultStore("store").verify()
assert list(report["status"]) == ["ok"] * 4, report
""",
    ),
    Case(
        "store-read-only-refuses-new-work-clearly",
        setup=_FINISHED_STORE,
        code=_COMMON
        + _READ_ONLY
        + """
make_read_only("store")
refused(lambda: small("store", replications=3), "read-only", "2 of the 6 replications")
os.makedirs("empty")
make_read_only("empty")
refused(lambda: small("empty"), "read-only")
""",
    ),
    # -- 2. paths that are not folders, a full disk ------------------------------------------
    Case(
        "store-path-under-a-file",
        code=_COMMON + "\nopen('afile', 'w').write('x')\nrefused(lambda: small('afile/store'), 'afile', 'is a file')\n",
    ),
    Case(
        "store-dangling-symlink",
        code=_COMMON + "\nos.symlink('nowhere', 'link')\nrefused(lambda: small('link'), 'link', 'symbolic link', 'nowhere')\n",
    ),
    Case(
        "store-cli-path-under-a-file",
        setup="open('afile', 'w').write('x')",
        cli=(
            *("compare", "--structures", "siloed", "--replications", "1", "--horizon-days", "5"),
            *("--workers", "1", "--no-progress", "--store", "afile/store"),
        ),
        exit=2,
        stderr="is a file",
    ),
    Case(
        "store-disk-full-while-saving-then-resume",
        code=_COMMON
        + _ENOSPC
        + """
disk_full_after(2)
err = failed(lambda: small("store"), "'store'", "no space left", "writing runs/", "run the same call again")
assert err.errno == errno.ENOSPC
files.atomic_write = real_atomic_write
exp = small("store")
assert exp.store_report["reused"] == 2 and exp.store_report["computed"] == 2, exp.store_report
assert not [p for p in os.listdir("store/runs/siloed") if p.endswith(".tmp")]
disk_full_after(0)
failed(lambda: small("other"), "'other'", "no space left", "writing manifest.json")
""",
    ),
    Case(
        "store-cli-disk-full",
        code=_COMMON
        + _ENOSPC
        + """
import contextlib, io
from orgsim.present.cli import main
disk_full_after(1)
stderr = io.StringIO()
with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
    code = main(["compare", "--structures", "siloed", "--replications", "3", "--horizon-days", "5", "--workers", "1",
                 "--no-progress", "--store", "store", "--out", "out"])
text = stderr.getvalue()
assert code == 1, (code, text)
assert "no space left" in text and "store" in text and "run the same call again" in text, text
assert "Traceback" not in text and len(text.strip().splitlines()) == 1, text
""",
    ),
    # -- 3. manifests with a valid checksum but a malformed body -----------------------------
    _malformed_manifest("store-manifest-structures-not-objects", "structures", "[1, 2]"),
    _malformed_manifest("store-manifest-structure-without-sha256", "structures", "[{'label': 'siloed'}]"),
    _malformed_manifest("store-manifest-points-a-dict", "points", "{'a': 1}"),
    _malformed_manifest("store-manifest-point-without-scenario", "points", "[{'changes': {}}]"),
    _malformed_manifest("store-manifest-versions-a-list", "versions", "['numpy']"),
    _malformed_manifest("store-manifest-seeds-a-number", "replication_seeds", "7"),
    Case(
        "store-manifest-deeply-nested",
        setup=_FINISHED_STORE + "\nopen('store/manifest.json', 'w').write('[' * 100000 + ']' * 100000)\n",
        code=_COMMON + "\nrefused(lambda: small('store'), 'store', 'manifest.json')\n",
    ),
    # -- 4. creation races, a killed creation -------------------------------------------------
    Case(
        "store-opened-while-another-process-creates-it",
        code=_COMMON
        + f"""
import pathlib, subprocess, sys, time
creator = subprocess.Popen([sys.executable, "-c", {_SLOW_CREATOR!r}])
try:
    deadline = time.monotonic() + 40
    while not list(pathlib.Path("new").glob(".manifest.json.*.tmp")):
        assert creator.poll() is None and time.monotonic() < deadline, "the creator never started its manifest"
        time.sleep(0.005)
    refused(lambda: small("new"), "lock is held")
finally:
    assert creator.wait(timeout=60) == 0
exp = orgsim.compare(None, [orgsim.presets.siloed()], replications=1, seed=5, horizon_days=5, executor="serial", store="new")
assert exp.store_report["reused"] == 1, exp.store_report
""",
        seconds=90,
    ),
    Case(
        "store-created-by-eight-processes-at-once",
        code=f"""
import pathlib, subprocess, sys, time
racers = [subprocess.Popen([sys.executable, "-c", {_RACER!r}], stdout=subprocess.PIPE, text=True) for _ in range(8)]
time.sleep(3)
pathlib.Path("go").touch()
answers = [r.communicate(timeout=60)[0].strip() for r in racers]
assert all(a in ("ok", "lock") for a in answers), answers
assert "ok" in answers, answers
assert pathlib.Path("new/manifest.json").exists()
""",
        seconds=90,
    ),
    Case(
        "store-leftover-manifest-temp-of-a-killed-creation",
        setup="""
import os
os.makedirs("store")
open("store/.lock", "w").close()
open("store/.manifest.json.k2j3x_9.tmp", "w").write('{"format": 1, "orgsim_ver')
""",
        code=_COMMON
        + """
exp = small("store")
assert exp.store_report["computed"] == 4, exp.store_report
assert not [p for p in os.listdir("store") if p.endswith(".tmp")], os.listdir("store")
""",
    ),
]

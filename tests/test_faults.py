"""Faults not covered elsewhere: worker processes that die or raise during ``orgsim.compare``,
and store files that are intact but describe another replication.

Where each fault of issue 8 is tested:

* a replication raising in a worker: ``run_tasks`` in worker processes
  (test_executors.py::test_an_exception_in_a_worker_process_comes_back_with_its_traceback),
  ``compare`` in this process (test_experiment.py::test_a_replication_that_raises_is_recorded_...),
  with a store (test_store.py::test_a_failed_replication_is_stored_...); here: ``compare`` on
  its own process pool;
* a killed worker: ``run_tasks`` (test_executors.py::test_a_killed_worker_is_detected_...); here:
  a worker SIGKILLed in the middle of ``compare`` with a store;
* a run SIGKILLed and resumed: test_store.py::test_a_run_killed_with_sigkill_resumes_...;
  here: the worker processes of a run whose parent was SIGKILLed exit by themselves;
* corrupted or truncated store files: test_store.py (truncated, flipped byte, damaged sidecar,
  Parquet without sidecar, leftover temp files, verify); here: a complete, self-consistent pair
  of files under another replication's name, and a sidecar cut short;
* a store of another orgsim version, scenario or seed: test_store.py::test_a_store_made_by_...

The worker faults are injected through a Structure subclass defined here: the tasks pickle it
by reference, so the spawned workers import this module, and its ``__setstate__`` (run when a
worker unpickles a task) arms the fault. A marker file created with O_EXCL makes the fault
happen exactly once across all workers.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

import orgsim
from orgsim.config.structure import Structure
from orgsim.experiment import Experiment
from orgsim.experiment.store import StoreWarning

HORIZON = 40.0
REPLICATIONS = 2
SEED = 17


def _first_time(marker: str) -> bool:
    """True exactly once per marker path, across processes."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


class FaultyStructure(Structure):
    """A structure that arms a fault the first time a worker process unpickles it.

    ``fault`` is ``"kill"`` (the worker SIGKILLs itself a moment later, in the middle of the
    replication it is starting) or ``"raise"`` (the replication raises). Same data, same
    results as the plain structure otherwise."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if multiprocessing.parent_process() is None or not _first_time(self.__dict__["marker"]):
            return  # not in a worker, or the fault already happened
        if self.__dict__["fault"] == "kill":
            threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGKILL)).start()
        else:
            object.__setattr__(self, "leaders", None)  # the model fails on it: a replication that raises

    @classmethod
    def of(cls, structure: Structure, fault: str, marker: Path) -> FaultyStructure:
        s = cls(
            structure.name,
            structure.marketing_head,
            structure.sales_head,
            structure.reports_to,
            structure.leaders,
            structure.quota_owner,
            structure.backgrounds,
        )
        object.__setattr__(s, "fault", fault)
        object.__setattr__(s, "marker", str(marker))
        return s


def _compare(structures: list[Structure], **kwargs: Any) -> Experiment:
    # fixed holders: the fault rides on the structure object the workers unpickle, which
    # sampling would replace by a plain Structure holding drawn leaders
    return orgsim.compare(None, structures, replications=REPLICATIONS, seed=SEED, horizon_days=HORIZON, leaders="fixed", **kwargs)


def assert_bit_identical(a: Experiment, b: Experiment) -> None:
    assert a.labels == b.labels and a.columns == b.columns and a.total_names == b.total_names
    assert a._series.tobytes() == b._series.tobytes()
    assert a._totals.tobytes() == b._totals.tobytes()


@pytest.fixture(scope="module")
def reference() -> Experiment:
    return _compare([orgsim.presets.siloed(), orgsim.presets.shared_leader()], executor="serial")


# -- worker processes ------------------------------------------------------------------------------


def test_a_worker_killed_mid_compare_is_detected_and_its_replication_rerun_with_identical_results(
    tmp_path: Path, reference: Experiment
) -> None:
    marker = tmp_path / "killed"
    structures = [orgsim.presets.siloed(), FaultyStructure.of(orgsim.presets.shared_leader(), "kill", marker)]
    exp = _compare(structures, executor=2, store=tmp_path / "store", progress=False)
    assert marker.exists()  # a worker really was killed
    assert exp.n_failed == 0
    assert_bit_identical(reference, exp)
    # the store holds every replication exactly once, the killed one recomputed
    assert exp.store_report["computed"] == 2 * REPLICATIONS and exp.store_report["failed"] == 0
    sidecars = [p for p in (tmp_path / "store" / "runs").glob("*/*.json") if not p.name.endswith(".failed.json")]
    assert len(sidecars) == 2 * REPLICATIONS


def test_a_replication_raising_in_a_worker_process_is_reported_and_the_others_finish(tmp_path: Path, reference: Experiment) -> None:
    marker = tmp_path / "raised"
    structures = [orgsim.presets.siloed(), FaultyStructure.of(orgsim.presets.shared_leader(), "raise", marker)]
    with pytest.warns(RuntimeWarning, match=f"1 of {2 * REPLICATIONS} replications failed"):
        exp = _compare(structures, executor=2, progress=False)
    failures = exp.failures
    assert len(failures) == 1 and failures["structure"].item() == "shared_leader"
    assert "Traceback" in failures["traceback"].item()
    failed = int(failures["replication"].item())
    for label in ("siloed", "shared_leader"):
        ours, theirs = exp.totals("profit_usd")[label], reference.totals("profit_usd")[label]
        kept = [r for r in range(REPLICATIONS) if not (label == "shared_leader" and r == failed)]
        assert ours[kept].tolist() == theirs[kept].tolist()
        assert ours.isna().sum() == (label == "shared_leader")


ORPHAN_SCRIPT = """
import orgsim

if __name__ == "__main__":
    structures = [orgsim.presets.siloed(), orgsim.presets.shared_leader()]
    orgsim.compare(None, structures, replications=400, seed=3, horizon_days=3650, executor=2, progress=False)
"""


def _processes_with(marker: str) -> list[int]:
    """The live processes whose environment holds ``marker`` (zombies have an empty environment)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_worker_processes_exit_by_themselves_when_the_parent_is_killed(tmp_path: Path) -> None:
    """A compare on orgsim's own process pool, SIGKILLed: its workers and multiprocessing's
    resource tracker, found by a marker in their environment, must all be gone within 20 s."""
    marker = f"ORGSIM_ORPHAN_TEST={uuid.uuid4().hex}"
    env = {**os.environ, "ORGSIM_ORPHAN_TEST": marker.partition("=")[2]}
    proc = subprocess.Popen(
        [sys.executable, "-c", ORPHAN_SCRIPT], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    children: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(children) < 2:  # two workers at least (the resource tracker may be a third)
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no worker processes within 120 s"
            time.sleep(0.1)
            children = [pid for pid in _processes_with(marker) if pid != proc.pid]
        time.sleep(2.0)  # the workers are busy with replications
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 20
        while _processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _processes_with(marker)
        assert not left, f"processes still alive 20 s after their parent was killed: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in _processes_with(marker):  # only processes this test started carry the marker
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


# -- store files -----------------------------------------------------------------------------------


def _store_files(store: Path, label: str, replication: int) -> tuple[Path, Path]:
    (sidecar,) = [p for p in (store / "runs" / label).glob(f"r{replication:06d}-*.json") if not p.name.endswith(".failed.json")]
    return sidecar.with_suffix(".parquet"), sidecar


def test_intact_files_of_another_replication_under_this_replications_name_are_never_read(tmp_path: Path, reference: Experiment) -> None:
    store = tmp_path / "store"
    _compare([orgsim.presets.siloed(), orgsim.presets.shared_leader()], executor="serial", store=store)
    source, target = _store_files(store, "siloed", 0), _store_files(store, "siloed", 1)
    for src, dst in zip(source, target, strict=True):  # a valid Parquet file with a matching sidecar, of replication 0
        shutil.copyfile(src, dst)
    with pytest.warns(StoreWarning, match="corrupt"):
        exp = _compare([orgsim.presets.siloed(), orgsim.presets.shared_leader()], executor="serial", store=store)
    (corrupt,) = exp.store_report["corrupt"]
    assert "another replication" in corrupt["reason"]
    assert exp.store_report["computed"] == 1 and exp.store_report["reused"] == 2 * REPLICATIONS - 1
    assert_bit_identical(reference, exp)


def test_a_sidecar_cut_short_is_detected_and_its_replication_recomputed(tmp_path: Path, reference: Experiment) -> None:
    store = tmp_path / "store"
    _compare([orgsim.presets.siloed(), orgsim.presets.shared_leader()], executor="serial", store=store)
    _, sidecar = _store_files(store, "shared_leader", 1)
    text = sidecar.read_text()
    sidecar.write_text(text[: len(text) // 2])
    with pytest.warns(StoreWarning, match="corrupt"):
        exp = _compare([orgsim.presets.siloed(), orgsim.presets.shared_leader()], executor="serial", store=store)
    (corrupt,) = exp.store_report["corrupt"]
    assert "r000001" in corrupt["file"] and "JSONDecodeError" in corrupt["reason"]
    assert exp.store_report["computed"] == 1
    assert_bit_identical(reference, exp)
    assert json.loads(sidecar.read_text())["replication"] == 1  # rewritten whole

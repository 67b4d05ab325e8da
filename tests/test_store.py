"""The result store: persisted replications, resuming, corruption, refusals, failures."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import orgsim
import orgsim.experiment.study as experiment_module
from orgsim.experiment import Experiment
from orgsim.experiment.store import ResultStore, StoreError, StorePathError, StoreWarning, _with_check
from orgsim.model.simulate import package_versions

pytest.importorskip("pyarrow")

HORIZON = 50.0
STRUCTURES = [orgsim.presets.siloed(), orgsim.presets.shared_leader()]


def run(store: Path | None, replications: int = 3, **kwargs: Any) -> Experiment:
    args: dict[str, Any] = {"replications": replications, "seed": 8, "horizon_days": HORIZON, "executor": "serial", "store": store}
    args.update(kwargs)
    scenario = args.pop("scenario", None)
    return orgsim.compare(scenario, STRUCTURES, **args)


def assert_bit_identical(a: Experiment, b: Experiment) -> None:
    assert a._series.tobytes() == b._series.tobytes()
    assert a._totals.tobytes() == b._totals.tobytes()
    assert a.columns == b.columns and a.total_names == b.total_names


def finished(store: Path) -> list[Path]:
    return sorted(p for p in (store / "runs").glob("*/*.json") if not p.name.endswith(".failed.json"))


def _must_not_simulate(*args: object, **kwargs: object) -> None:
    raise AssertionError("simulate() was called for a replication that is in the store")


@pytest.fixture(scope="module")
def reference() -> Experiment:
    return run(None)


# -- persisting and resuming -----------------------------------------------------------------------


def test_every_replication_is_saved_as_parquet_with_a_sidecar_and_a_manifest(tmp_path: Path) -> None:
    exp = run(tmp_path / "store")
    store = tmp_path / "store"
    assert len(list((store / "runs").glob("*/*.parquet"))) == 6
    assert len(finished(store)) == 6
    manifest = json.loads((store / "manifest.json").read_text())
    assert manifest["orgsim_version"] == package_versions()["orgsim"]
    assert len(manifest["scenario_sha256"]) == 64
    assert manifest["seed"] == 8
    assert [s["label"] for s in manifest["structures"]] == ["siloed", "shared_leader"]
    assert manifest["replication_seeds"][2] == {"entropy": 8, "spawn_key": [2]}
    sidecar = json.loads(finished(store)[0].read_text())
    assert {"sha256", "bytes", "seed", "key", "replication"} <= set(sidecar)
    assert exp.store_report["computed"] == 6


def test_stored_results_are_bit_identical_to_a_run_without_a_store(tmp_path: Path, reference: Experiment) -> None:
    first = run(tmp_path / "store")
    second = run(tmp_path / "store")  # read back from the Parquet files
    assert_bit_identical(reference, first)
    assert_bit_identical(reference, second)


def test_running_the_same_call_again_skips_what_is_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(tmp_path / "store")
    monkeypatch.setattr(experiment_module, "simulate_sharing", _must_not_simulate)
    again = run(tmp_path / "store")
    assert again.store_report["reused"] == 6 and again.store_report["computed"] == 0


def test_more_replications_reuse_the_stored_ones_and_run_only_the_new_ones(tmp_path: Path) -> None:
    run(tmp_path / "store", replications=2)
    more = run(tmp_path / "store", replications=4)
    assert more.store_report["reused"] == 4 and more.store_report["computed"] == 4
    assert_bit_identical(more, run(None, replications=4))


def test_a_sweep_resumes_from_its_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    grid = {"sales.reps": [8, 12]}
    first = orgsim.sweep(None, STRUCTURES, grid, replications=2, seed=1, horizon_days=HORIZON, executor="serial", store=tmp_path / "s")
    monkeypatch.setattr(experiment_module, "simulate_sharing", _must_not_simulate)
    again = orgsim.sweep(None, STRUCTURES, grid, replications=2, seed=1, horizon_days=HORIZON, executor="serial", store=tmp_path / "s")
    assert_bit_identical(first, again)
    assert again.store_report["reused"] == 8


KILL_SCRIPT = """
import sys
import orgsim

if __name__ == "__main__":
    structures = [orgsim.presets.siloed(), orgsim.presets.shared_leader()]
    orgsim.compare(None, structures, replications=25, seed=21, horizon_days=90, store=sys.argv[1], progress=False)
"""


def test_a_run_killed_with_sigkill_resumes_without_losing_or_duplicating_replications(tmp_path: Path) -> None:
    store = tmp_path / "store"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(store)], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        while not ((store / "runs").exists() and len(finished(store)) >= 8):
            assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read().decode()[-2000:]}"  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "no progress within 120 s"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its worker processes, mid-run
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in finished(store)}
    before.update({p.with_suffix(".parquet"): (p.with_suffix(".parquet").stat().st_ino, 0) for p in list(before)})
    n_done = len(finished(store))
    assert 8 <= n_done < 50, "the kill must come mid-run"

    structures = [orgsim.presets.siloed(), orgsim.presets.shared_leader()]
    resumed = orgsim.compare(None, structures, replications=25, seed=21, horizon_days=90, store=store, executor="serial")

    # nothing finished was lost or redone: same files (inode, and mtime of the sidecar)
    for path, (inode, mtime) in before.items():
        assert path.stat().st_ino == inode
        assert mtime == 0 or path.stat().st_mtime_ns == mtime
    assert resumed.store_report["reused"] == n_done
    assert resumed.store_report["computed"] == 50 - n_done
    # nothing duplicated: exactly one Parquet file and one sidecar per replication
    assert len(list((store / "runs").glob("*/*.parquet"))) == 50
    keys = [json.loads(p.read_text())["key"] for p in finished(store)]
    assert len(keys) == len(set(keys)) == 50
    fresh = orgsim.compare(None, structures, replications=25, seed=21, horizon_days=90, executor="serial")
    assert_bit_identical(fresh, resumed)


# -- corruption ------------------------------------------------------------------------------------


def _corrupt_and_rerun(store: Path, damage: Any) -> tuple[Experiment, Path]:
    run(store)
    victim = finished(store)[1].with_suffix(".parquet")
    damage(victim)
    with pytest.warns(StoreWarning, match="corrupt"):
        exp = run(store)
    return exp, victim


def test_a_truncated_parquet_file_is_detected_reported_and_recomputed(tmp_path: Path, reference: Experiment) -> None:
    def truncate(path: Path) -> None:
        path.write_bytes(path.read_bytes()[:-100])

    exp, victim = _corrupt_and_rerun(tmp_path / "store", truncate)
    assert exp.store_report["computed"] == 1 and exp.store_report["reused"] == 5
    assert victim.name in exp.store_report["corrupt"][0]["file"]
    assert "sha256 mismatch" in exp.store_report["corrupt"][0]["reason"]
    assert any((tmp_path / "store" / "quarantine").iterdir())
    assert_bit_identical(reference, exp)


def test_a_flipped_byte_in_a_parquet_file_is_never_silently_read(tmp_path: Path, reference: Experiment) -> None:
    def flip(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))

    exp, _ = _corrupt_and_rerun(tmp_path / "store", flip)
    assert len(exp.store_report["corrupt"]) == 1
    assert_bit_identical(reference, exp)


def test_a_damaged_sidecar_is_detected_and_its_replication_recomputed(tmp_path: Path, reference: Experiment) -> None:
    run(tmp_path / "store")
    sidecar = finished(tmp_path / "store")[0]
    sidecar.write_text(sidecar.read_text().replace('"replication": ', '"replication": 1'))
    with pytest.warns(StoreWarning, match="corrupt"):
        exp = run(tmp_path / "store")
    assert "checksum" in exp.store_report["corrupt"][0]["reason"]
    assert_bit_identical(reference, exp)


def test_a_parquet_file_without_its_sidecar_counts_as_unfinished(tmp_path: Path, reference: Experiment) -> None:
    run(tmp_path / "store")
    finished(tmp_path / "store")[0].unlink()  # as if killed between the two writes
    exp = run(tmp_path / "store")
    assert exp.store_report["incomplete"] == 1 and exp.store_report["computed"] == 1
    assert_bit_identical(reference, exp)


def test_leftover_temp_files_of_an_interrupted_write_are_ignored(tmp_path: Path, reference: Experiment) -> None:
    run(tmp_path / "store")
    folder = finished(tmp_path / "store")[0].parent
    (folder / ".r000000-0123.parquet.abc.tmp").write_bytes(b"half a file")
    exp = run(tmp_path / "store")
    assert exp.store_report["reused"] == 6 and not exp.store_report["corrupt"]
    assert_bit_identical(reference, exp)


def test_verify_lists_ok_and_corrupt_files_without_changing_anything(tmp_path: Path) -> None:
    run(tmp_path / "store")
    victim = finished(tmp_path / "store")[0].with_suffix(".parquet")
    victim.write_bytes(victim.read_bytes()[:10])
    report = ResultStore(tmp_path / "store").verify()
    assert sorted(report["status"].value_counts().items()) == [("corrupt", 1), ("ok", 5)]
    assert victim.exists()


# -- refusals --------------------------------------------------------------------------------------


def _edit_manifest(store: Path, **changes: Any) -> None:
    manifest = json.loads((store / "manifest.json").read_text())
    manifest.pop("check")
    manifest.update(changes)
    (store / "manifest.json").write_text(_with_check(manifest))


def test_a_store_made_by_another_orgsim_version_is_refused(tmp_path: Path) -> None:
    run(tmp_path / "store")
    _edit_manifest(tmp_path / "store", orgsim_version="0.0.1")
    with pytest.raises(orgsim.ValidationError, match=r"orgsim 0\.0\.1"):
        run(tmp_path / "store")


def test_a_store_made_for_another_scenario_is_refused(tmp_path: Path) -> None:
    run(tmp_path / "store")
    with pytest.raises(orgsim.ValidationError, match="same scenario"):
        run(tmp_path / "store", scenario=orgsim.Scenario().replace(**{"sales.reps": 12}))


def test_a_store_made_with_another_seed_is_refused(tmp_path: Path) -> None:
    run(tmp_path / "store")
    with pytest.raises(orgsim.ValidationError, match="seed=8"):
        run(tmp_path / "store", seed=9)


def test_a_store_made_with_another_horizon_is_refused(tmp_path: Path) -> None:
    run(tmp_path / "store")
    with pytest.raises(orgsim.ValidationError, match=f"horizon_days={HORIZON!r}"):
        run(tmp_path / "store", horizon_days=HORIZON + 7)


def test_a_corrupt_manifest_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    run(tmp_path / "store")
    (tmp_path / "store" / "manifest.json").write_text('{"format": 1, "orgsim_ver')
    with pytest.raises(orgsim.ValidationError, match=r"manifest\.json is corrupt"):
        run(tmp_path / "store")


def test_a_folder_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("my notes")
    with pytest.raises(orgsim.ValidationError, match=r"no manifest\.json"):
        run(tmp_path)


def test_a_store_in_use_by_another_writer_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("fcntl")
    run(tmp_path / "store")
    holder = ResultStore(tmp_path / "store")
    holder._lock()
    try:
        with pytest.raises(orgsim.ValidationError, match="lock is held"):
            run(tmp_path / "store")
    finally:
        holder.close()


def test_a_store_whose_corrupt_manifest_was_moved_out_is_rebuilt_by_the_same_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the corrupt-manifest message advises works: the run files are reused."""
    run(tmp_path / "store")
    (tmp_path / "store" / "manifest.json").write_text('{"format": 1, "orgsim_ver')
    with pytest.raises(StorePathError, match=r"move manifest\.json out of the folder"):
        run(tmp_path / "store")
    (tmp_path / "store" / "manifest.json").rename(tmp_path / "manifest.json.bad")
    monkeypatch.setattr(experiment_module, "simulate_sharing", _must_not_simulate)
    again = run(tmp_path / "store")
    assert again.store_report["reused"] == 6
    assert (tmp_path / "store" / "manifest.json").exists()


def _read_only_lock_and_files(monkeypatch: pytest.MonkeyPatch, store: Path) -> None:
    """As on a read-only mount (root ignores chmod): the lock file cannot be opened for writing
    and no file of the store can be written."""
    import orgsim.config.files as files

    real_open = os.open

    def ro_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).startswith(str(store)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    def ro_write(path: Path, write: Any) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    monkeypatch.setattr(os, "open", ro_open)
    monkeypatch.setattr(files, "atomic_write", ro_write)


def test_a_read_only_store_loads_what_it_holds_and_refuses_new_work_before_running_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: Experiment
) -> None:
    store = tmp_path / "store"
    run(store)
    _read_only_lock_and_files(monkeypatch, store)
    monkeypatch.setattr(experiment_module, "simulate_sharing", _must_not_simulate)
    again = run(store)
    assert again.store_report["reused"] == 6
    assert_bit_identical(reference, again)
    with pytest.raises(StorePathError, match=r"read-only here .* 2 of the 8 replications of this call are not in it"):
        run(store, replications=4)
    report = ResultStore(store).verify()
    assert (report["status"] == "ok").all() and len(report) == 6


def test_a_store_opened_read_only_never_writes_and_waits_for_no_writer(tmp_path: Path) -> None:
    pytest.importorskip("fcntl")
    store = tmp_path / "store"
    run(store)
    before = {p: p.stat().st_mtime_ns for p in store.rglob("*")}
    versions = package_versions()
    manifest = json.loads((store / "manifest.json").read_text())
    args = {"scenario": manifest["scenario"], "seed": 8, "horizon_days": HORIZON, "versions": versions}
    with ResultStore(store, read_only=True).open(**args) as reader:
        assert reader.read_only
        with pytest.raises(orgsim.ValidationError, match="lock is held"):
            ResultStore(store).open(**args)  # a writer waits for the readers
        with ResultStore(store, read_only=True).open(**args):
            pass  # readers share the lock
    assert {p: p.stat().st_mtime_ns for p in store.rglob("*")} == before
    holder = ResultStore(store)
    holder._lock()
    try:
        with pytest.raises(orgsim.ValidationError, match="lock is held"):
            ResultStore(store, read_only=True).open(**args)
    finally:
        holder.close()


def test_a_full_disk_is_a_store_error_naming_the_file_and_the_run_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: Experiment
) -> None:
    import orgsim.config.files as files

    real = files.atomic_write
    written: list[Path] = []

    def full_after_two(path: Path, write: Any) -> None:
        if path.suffix == ".parquet" and len(written) >= 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, write)
        if path.suffix == ".parquet":
            written.append(path)

    with monkeypatch.context() as patch:
        patch.setattr(files, "atomic_write", full_after_two)
        with pytest.raises(StoreError, match="no space left on the device writing runs/") as caught:
            run(tmp_path / "store")
    assert isinstance(caught.value, OSError) and not isinstance(caught.value, orgsim.ValidationError)  # a failure, not bad input
    assert caught.value.errno == errno.ENOSPC and caught.value.problems[0].field == "store"
    resumed = run(tmp_path / "store")
    assert resumed.store_report["reused"] == 2 and resumed.store_report["computed"] == 4
    assert_bit_identical(reference, resumed)


def test_the_store_extra_needs_a_pyarrow_without_cve_2023_47248() -> None:
    """pyarrow 0.14.0 to 14.0.0 run code hidden in a crafted Parquet file (CVE-2023-47248); a
    store reads Parquet files, perhaps of someone else's store, so the floor is 14.0.1."""
    import re
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    (spec,) = [s for s in pyproject["project"]["optional-dependencies"]["store"] if s.startswith("pyarrow")]
    floor = re.fullmatch(r"pyarrow>=([0-9.]+)", spec.replace(" ", ""))
    assert floor, spec
    assert tuple(int(x) for x in floor.group(1).split(".")) >= (14, 0, 1), spec


def test_a_store_without_pyarrow_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ImportError, match=r"orgsim\[store\]"):
        run(tmp_path / "store")


# -- failures --------------------------------------------------------------------------------------


def _fail_replication_1(*args: object, seed: np.random.SeedSequence, **kwargs: object) -> orgsim.RunResult:
    if seed.spawn_key == (1,):
        raise ZeroDivisionError("replication 1 divides by zero")
    return orgsim.simulate(*args, seed=seed, **kwargs)  # type: ignore[arg-type]


def test_a_failed_replication_is_stored_with_its_traceback_and_retried_on_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: Experiment
) -> None:
    store = tmp_path / "store"
    with monkeypatch.context() as patch:
        patch.setattr(experiment_module, "simulate_sharing", _fail_replication_1)
        with pytest.warns(RuntimeWarning, match="2 of 6 replications failed"):
            first = run(store)
    assert first.store_report["failed"] == 2 and first.summary("profit")["failed"].tolist() == [1, 1]
    records = [json.loads(p.read_text()) for p in sorted((store / "runs").glob("*/*.failed.json"))]
    assert len(records) == 2 and all("ZeroDivisionError" in r["traceback"] for r in records)
    second = run(store)  # the cause is gone: the failed replications run again and succeed
    assert second.store_report["retried_failures"] == 2 and second.n_failed == 0
    assert not list((store / "runs").glob("*/*.failed.json"))
    assert_bit_identical(reference, second)

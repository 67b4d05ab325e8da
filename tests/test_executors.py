"""Executors: identical results on any executor and in any completion order, dead workers, progress."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import orgsim
import orgsim.experiment.runner as parallel
from orgsim.experiment import Experiment
from orgsim.experiment.runner import TaskFailure, run_tasks

HORIZON = 60.0
REPLICATIONS = 3


def _compare(executor: Any) -> Experiment:
    structures = [orgsim.presets.shared_leader(), orgsim.presets.siloed()]
    return orgsim.compare(None, structures, replications=REPLICATIONS, seed=99, horizon_days=HORIZON, executor=executor)


def assert_bit_identical(a: Experiment, b: Experiment) -> None:
    assert a.labels == b.labels and a.columns == b.columns and a.total_names == b.total_names
    assert a._series.tobytes() == b._series.tobytes()
    assert a._totals.tobytes() == b._totals.tobytes()


@pytest.fixture(scope="module")
def serial() -> Experiment:
    return _compare("serial")


# -- top-level task functions for the worker-death tests (spawned workers import this module) ---


def _square(x: int) -> int:
    return x * x


def _raise_on_odd(x: int) -> int:
    if x % 2:
        raise ValueError(f"odd item {x}")
    return x


def _die_once_on_3(item: tuple[int, str]) -> int:
    value, marker = item
    if value == 3 and not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)  # the worker process dies, as if killed
    return value * value


def _always_die_on_3(value: int) -> int:
    if value == 3:
        os._exit(1)
    return value * value


class ReverseOrderExecutor(Executor):
    """Runs submitted calls in a thread, in the reverse order of submission, once submissions pause."""

    def __init__(self) -> None:
        self._pending: list[tuple[Future, Callable[..., Any], tuple[Any, ...]]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        with self._lock:
            self._pending.append((future, fn, args))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True)
                self._thread.start()
        return future

    def _run(self) -> None:
        seen = -1
        while True:
            time.sleep(0.05)
            with self._lock:
                if len(self._pending) == seen:
                    batch, self._pending, self._thread = self._pending[::-1], [], None
                    break
                seen = len(self._pending)
        for future, fn, args in batch:
            time.sleep(0.05)  # one completion at a time, so the receiver sees this order
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as err:
                    future.set_exception(err)


# -- identical results -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool_run() -> tuple[Experiment, str | None, str | None]:
    before = multiprocessing.get_start_method(allow_none=True)
    exp = _compare(None)
    return exp, before, multiprocessing.get_start_method(allow_none=True)


def test_serial_and_default_process_pool_give_bit_identical_results(serial: Experiment, pool_run: tuple[Experiment, Any, Any]) -> None:
    assert_bit_identical(serial, pool_run[0])


def test_the_default_pool_leaves_the_global_start_method_alone(pool_run: tuple[Experiment, Any, Any]) -> None:
    _, before, after = pool_run
    assert before == after


def test_results_do_not_depend_on_the_order_tasks_finish_in(serial: Experiment) -> None:
    assert_bit_identical(serial, _compare(ReverseOrderExecutor()))


def test_results_arrive_in_completion_order_and_return_in_item_order() -> None:
    arrivals: list[int] = []
    results = run_tasks(_square, list(range(6)), executor=ReverseOrderExecutor(), on_result=lambda i, r: arrivals.append(i))
    assert arrivals == [5, 4, 3, 2, 1, 0]
    assert results == [0, 1, 4, 9, 16, 25]


def test_dask_local_cluster_gives_bit_identical_results(serial: Experiment) -> None:
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert_bit_identical(serial, _compare(client.get_executor()))
        assert_bit_identical(serial, _compare(client))  # a Client is accepted too


def test_a_thread_pool_passed_in_gives_identical_results_and_is_left_running(serial: Experiment) -> None:
    with ThreadPoolExecutor(2) as pool:
        assert_bit_identical(serial, _compare(pool))
        assert pool.submit(_square, 3).result() == 9


# -- failures and dead workers ---------------------------------------------------------------------


def test_an_exception_in_a_worker_process_comes_back_with_its_traceback() -> None:
    results = run_tasks(_raise_on_odd, [0, 1, 2, 3], executor="processes")
    assert results[0] == 0 and results[2] == 2
    failure = results[1]
    assert isinstance(failure, TaskFailure) and failure.error == "ValueError"
    assert "odd item 1" in failure.traceback and "_raise_on_odd" in failure.traceback


def test_a_killed_worker_is_detected_and_its_task_rerun_in_a_new_pool(tmp_path: Path) -> None:
    marker = str(tmp_path / "died")
    results = run_tasks(_die_once_on_3, [(i, marker) for i in range(8)], executor=None)
    assert os.path.exists(marker)  # a worker really died
    assert results == [i * i for i in range(8)]


def test_a_task_that_kills_every_worker_is_recorded_as_failed_and_the_others_finish() -> None:
    results = run_tasks(_always_die_on_3, list(range(8)), executor=None, max_attempts=3)
    assert isinstance(results[3], TaskFailure) and results[3].error == "BrokenProcessPool"
    assert "died 3 times" in results[3].message
    assert [r for i, r in enumerate(results) if i != 3] == [i * i for i in range(8) if i != 3]


def test_a_broken_executor_passed_in_raises_a_clear_error() -> None:
    with (
        ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool,
        pytest.raises(RuntimeError, match="executor you passed in broke"),
    ):
        run_tasks(_always_die_on_3, list(range(6)), executor=pool)


@pytest.mark.parametrize("executor", ["threads", 0, -2, 2.5, True, object()])
def test_an_unknown_executor_is_rejected(executor: object) -> None:
    with pytest.raises(orgsim.ValidationError, match=r"concurrent\.futures\.Executor"):
        run_tasks(_square, [1], executor=executor)


def test_a_number_of_workers_is_accepted_as_the_executor() -> None:
    assert run_tasks(_square, [1, 2, 3], executor=2) == [1, 4, 9]


# -- progress --------------------------------------------------------------------------------------


def test_progress_is_off_by_default_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    orgsim.compare(None, [orgsim.presets.siloed()], replications=2, seed=1, horizon_days=30, executor="serial")
    assert capsys.readouterr().err == ""


def test_progress_is_on_by_default_in_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tqdm")
    monkeypatch.setattr(parallel, "_stderr_is_terminal", lambda: True)
    bar = parallel.progress_bar(3, progress=None)
    assert type(bar).__module__.startswith("tqdm")
    bar.close()


def test_progress_true_draws_a_bar_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    orgsim.compare(None, [orgsim.presets.siloed()], replications=2, seed=1, horizon_days=30, executor="serial", progress=True)
    err = capsys.readouterr().err
    assert "orgsim compare" in err and "2/2" in err


def test_progress_true_without_tqdm_names_the_progress_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(ImportError, match=r"orgsim\[progress\]"):
        parallel.progress_bar(3, progress=True)


def test_automatic_progress_without_tqdm_is_silently_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setattr(parallel, "_stderr_is_terminal", lambda: True)
    assert isinstance(parallel.progress_bar(3, progress=None), parallel._NoBar)


# -- scripts without a main guard ------------------------------------------------------------

SCRIPT = """
import orgsim
import orgsim.experiment.runner

pools = []
_new_pool = orgsim.experiment.runner._new_pool
orgsim.experiment.runner._new_pool = lambda workers: pools.append(workers) or _new_pool(workers)
{body}
"""
CALL = (
    "experiment = orgsim.compare(None, [orgsim.presets.siloed()], replications=2, seed=1, horizon_days=20)\n"
    'print("failed:", experiment.n_failed, "pools:", len(pools))'
)


def _run_script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "study.py"
    script.write_text(SCRIPT.format(body=body))
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=False, cwd=tmp_path, timeout=300)


def test_a_script_calling_compare_at_top_level_runs_here_with_a_warning(tmp_path: Path) -> None:
    done = _run_script(tmp_path, CALL)
    assert done.returncode == 0, done.stderr
    assert "failed: 0 pools: 0" in done.stdout
    assert 'if __name__ == "__main__":' in done.stderr and "RuntimeWarning" in done.stderr


@pytest.mark.parametrize(
    "body",
    [
        'if __name__ == "__main__":\n' + "\n".join("    " + line for line in CALL.splitlines()),
        "def main():\n" + "\n".join("    " + line for line in CALL.splitlines()) + '\n\nif __name__ == "__main__":\n    main()',
    ],
    ids=["guarded", "main_function"],
)
def test_a_guarded_script_uses_the_process_pool_without_a_warning(tmp_path: Path, body: str) -> None:
    done = _run_script(tmp_path, body)
    assert done.returncode == 0, done.stderr
    assert "failed: 0 pools: 1" in done.stdout
    assert "RuntimeWarning" not in done.stderr

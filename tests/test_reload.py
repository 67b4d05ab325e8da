"""Reloading: an ``--out`` folder or a result store read back into the same Experiment."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

import orgsim
from orgsim.config.errors import ValidationError
from orgsim.present.cli.output import write_results

PAIR = {name: orgsim.presets.all()[name] for name in ("siloed", "shared_leader")}
RUN = {"replications": 3, "seed": 4, "horizon_days": 120, "executor": "serial", "progress": False}


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[orgsim.Experiment, Path]:
    store = tmp_path_factory.mktemp("reload") / "store"
    return orgsim.compare(None, PAIR, store=store, **RUN), store


def _same(loaded: orgsim.Experiment, original: orgsim.Experiment) -> None:
    assert loaded.labels == original.labels and loaded.replications == original.replications and loaded.seed == original.seed
    pd.testing.assert_frame_equal(loaded.summary(), original.summary())
    pd.testing.assert_frame_equal(loaded.differences("siloed"), original.differences("siloed"))
    pd.testing.assert_frame_equal(
        loaded.crossover("shared_leader", "siloed").by_replication, original.crossover("shared_leader", "siloed").by_replication
    )
    assert str(loaded.verdict()) == str(original.verdict())
    pd.testing.assert_frame_equal(loaded.to_frame(), original.to_frame())  # so every figure is the same


def test_an_output_folder_reloads_with_the_same_summary_differences_crossover_and_verdict(
    stored: tuple[orgsim.Experiment, Path], tmp_path: Path
) -> None:
    original, _ = stored
    write_results(original, tmp_path, "siloed")
    loaded = orgsim.Experiment.load(tmp_path)
    _same(loaded, original)
    assert loaded.meta["scenario"] == original.meta["scenario"] and loaded.meta["structures"] == original.meta["structures"]


def test_a_result_store_reloads_without_simulating(stored: tuple[orgsim.Experiment, Path]) -> None:
    original, store = stored
    loaded = orgsim.Experiment.load(store)
    _same(loaded, original)
    assert loaded.store_report is not None
    assert loaded.store_report["reused"] == 6 and loaded.store_report["computed"] == 0


def test_a_failed_replication_stays_failed(stored: tuple[orgsim.Experiment, Path], tmp_path: Path) -> None:
    original, _ = stored
    write_results(original, tmp_path, "siloed")
    totals = pd.read_csv(tmp_path / "totals.csv")
    drop = (totals.structure == "shared_leader") & (totals.replication == 1)
    totals[~drop].to_csv(tmp_path / "totals.csv", index=False)
    loaded = orgsim.Experiment.load(tmp_path)
    assert loaded.n_failed == 1
    assert loaded.summary("bookings_usd").loc[("shared_leader", "bookings_usd"), "n"] == 2


def test_structure_names_quoted_against_spreadsheet_formulas_come_back_as_they_were(tmp_path: Path) -> None:
    structures = {"=risky": PAIR["siloed"], "shared_leader": PAIR["shared_leader"]}
    original = orgsim.compare(None, structures, replications=2, seed=0, horizon_days=30, executor="serial", progress=False)
    write_results(original, tmp_path, "=risky")
    assert "'=risky" in (tmp_path / "totals.csv").read_text()
    loaded = orgsim.Experiment.load(tmp_path)
    assert loaded.labels == ["=risky", "shared_leader"]
    pd.testing.assert_frame_equal(loaded.summary(), original.summary())


def test_a_folder_that_is_neither_is_refused_naming_what_it_must_hold(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"run\.json"):
        orgsim.Experiment.load(tmp_path)
    (tmp_path / "run.json").write_text(json.dumps({"structures": {}}))
    with pytest.raises(ValidationError, match=r"totals\.csv"):
        orgsim.Experiment.load(tmp_path)

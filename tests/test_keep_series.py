"""``keep_series=False``: a study keeps every run's totals and no per-period series (docs/performance.md)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import orgsim
from orgsim.config.errors import ValidationError
from orgsim.experiment.study import _run_task, _Task

STRUCTURES = [orgsim.presets.marketing_under_sales(), orgsim.presets.sales_under_marketing()]


def _compare(**kwargs: object) -> orgsim.Experiment:
    return orgsim.compare(None, STRUCTURES, replications=2, seed=4, horizon_days=60, executor="serial", progress=False, **kwargs)


def test_totals_are_the_same_bits_and_the_series_are_not_kept() -> None:
    full, light = _compare(), _compare(keep_series=False)
    assert full.has_series and not light.has_series
    assert light.total_names == full.total_names
    np.testing.assert_array_equal(light.to_frame("totals")["value"], full.to_frame("totals")["value"])
    assert light.summary("bookings").equals(full.summary("bookings"))
    assert light.meta["keep_series"] is False and full.meta["keep_series"] is True
    assert light.columns == [] and light.to_frame("totals").shape == full.to_frame("totals").shape


def test_what_reads_the_series_says_to_keep_them() -> None:
    light = _compare(keep_series=False)
    a, b = STRUCTURES[1].name, STRUCTURES[0].name
    for call in (lambda: light.crossover(a, b), lambda: light.to_frame("series"), lambda: light.to_frame()):
        with pytest.raises(ValidationError) as err:
            call()
        assert err.value.problems[0].field == "keep_series"
        assert "per-period series" in str(err.value)


def test_a_worker_sends_back_a_few_kilobytes_without_the_series() -> None:
    scenario = orgsim.Scenario()
    task = _Task(scenario, STRUCTURES[0], 4, (0,), 365.0)
    full = len(pickle.dumps(_run_task(task)))
    light = len(pickle.dumps(_run_task(_Task(scenario, STRUCTURES[0], 4, (0,), 365.0, with_series=False))))
    assert light < 10_000 < 40_000 < full  # a year of weekly rows is about 50 kB; the totals a few kB


def test_keep_series_is_checked_before_anything_runs() -> None:
    with pytest.raises(ValidationError) as err:
        _compare(keep_series="no")
    assert [p.field for p in err.value.problems] == ["keep_series"]


def test_a_store_keeps_whole_runs_and_reloads_with_their_series(tmp_path: object) -> None:
    light = _compare(keep_series=False, store=tmp_path)
    assert not light.has_series
    again = _compare(store=tmp_path)  # every run loaded from the store, with its series
    assert again.has_series and again.store_report is not None and again.store_report["reused"] == 4
    np.testing.assert_array_equal(again.to_frame("totals")["value"], light.to_frame("totals")["value"])
    assert again.to_frame("series").equals(_compare().to_frame("series"))


def test_sobol_indices_do_not_need_the_series() -> None:
    pytest.importorskip("SALib")
    kwargs = dict(samples=2, replications=1, seed=1, horizon_days=45, executor="serial", progress=False)
    uncertain = {"sales.contact_probability": (0.6, 0.9), "leads.mql_threshold": (0.4, 0.6)}
    full = orgsim.sensitivity.sobol(None, STRUCTURES[:1], uncertain, **kwargs)
    light = orgsim.sensitivity.sobol(None, STRUCTURES[:1], uncertain, keep_series=False, **kwargs)
    assert light.outputs("bookings").equals(full.outputs("bookings"))
    with pytest.raises(ValidationError) as err:
        light.outputs("bookings", at_day=30)
    assert err.value.problems[0].field == "keep_series"

"""Randomness: named streams, bit-identical reruns, common random numbers."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pandas as pd

import orgsim
from orgsim.streams import Streams, named_generator


def fingerprint(result: orgsim.RunResult) -> str:
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(result.series, index=True).to_numpy().tobytes())
    if result.leads is not None:
        digest.update(pd.util.hash_pandas_object(result.leads, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def test_same_seed_gives_identical_series_and_leads_in_one_process() -> None:
    a = orgsim.simulate(seed=7, horizon_days=120, record_leads=True)
    b = orgsim.simulate(seed=7, horizon_days=120, record_leads=True)
    pd.testing.assert_frame_equal(a.series, b.series, check_exact=True)
    pd.testing.assert_frame_equal(a.leads, b.leads, check_exact=True)


def test_same_seed_gives_identical_results_in_a_subprocess() -> None:
    here = fingerprint(orgsim.simulate(seed=7, horizon_days=120, record_leads=True))
    code = (
        "import orgsim, tests.test_reproducibility as t;print(t.fingerprint(orgsim.simulate(seed=7, horizon_days=120, record_leads=True)))"
    )
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert here == there


def test_different_seeds_give_different_results() -> None:
    assert fingerprint(orgsim.simulate(seed=1, horizon_days=60)) != fingerprint(orgsim.simulate(seed=2, horizon_days=60))


def test_a_stream_depends_only_on_seed_and_name() -> None:
    alone = Streams(5, ["contact"])["contact"].random(10)
    among_many = Streams(5, ["aaa", "contact", "zzz", "deal"])["contact"].random(10)
    np.testing.assert_array_equal(alone, among_many)
    assert not np.array_equal(named_generator(5, "contact").random(10), named_generator(5, "deal").random(10))


def _inbound(result: orgsim.RunResult) -> pd.DataFrame:
    leads = result.leads
    return leads[leads.source == "inbound"][["arrived_at", "quality", "readiness", "score"]].reset_index(drop=True)


def test_sales_side_changes_do_not_move_inbound_arrivals() -> None:
    base = orgsim.Scenario()
    changed = base.replace(**{"sales.follow_up_hours_mean": 3.0, "sales.reps": 14, "deals.cycle_days_median": 80.0})
    a = orgsim.simulate(base, seed=11, horizon_days=90, record_leads=True)
    b = orgsim.simulate(changed, seed=11, horizon_days=90, record_leads=True)
    pd.testing.assert_frame_equal(_inbound(a), _inbound(b), check_exact=True)
    assert not a.series.equals(b.series)


def test_every_structure_sees_the_same_inbound_leads() -> None:
    runs = [orgsim.simulate(structure=s, seed=3, horizon_days=90, record_leads=True) for s in orgsim.presets.all().values()]
    for other in runs[1:]:
        pd.testing.assert_frame_equal(_inbound(runs[0]), _inbound(other), check_exact=True)


def test_seed_sequence_and_int_seed_agree() -> None:
    a = orgsim.simulate(seed=9, horizon_days=30)
    b = orgsim.simulate(seed=np.random.SeedSequence(9), horizon_days=30)
    pd.testing.assert_frame_equal(a.series, b.series, check_exact=True)
    assert a.meta["seed"] == {"entropy": 9, "spawn_key": []}

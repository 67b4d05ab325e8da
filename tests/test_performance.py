"""Guards for the structure behind docs/performance.md (issue 7). Nothing here measures time."""

from __future__ import annotations

import importlib
import subprocess
import sys

import numpy as np

import orgsim
from orgsim.model.recorder import OUTCOMES, LeadLog


def test_importing_orgsim_does_not_import_pandas_scipy_or_pyarrow() -> None:
    """`import orgsim` stays light: the heavy libraries load when a run or an experiment needs them."""
    code = "import sys, orgsim; print(sorted(m for m in ('pandas', 'scipy', 'pyarrow', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_the_lazily_loaded_names_are_the_same_objects_as_in_their_modules() -> None:
    from orgsim.experiment import study as experiment
    from orgsim.experiment import uncertainty

    assert orgsim.compare is experiment.compare
    assert orgsim.Experiment is experiment.Experiment
    assert orgsim.Uncertain is uncertainty.Uncertain
    assert orgsim.sensitivity.__name__ == "orgsim.experiment.sensitivity"


def test_the_lead_log_keeps_every_row_when_it_grows_past_its_first_guess() -> None:
    log = LeadLog(expected_rows=10)  # at least 1024 rows; 3000 rows need two growths
    first = log.new_rows(2000)
    log.arrived_at[first : first + 2000] = np.arange(2000.0)
    row = log.new_row()
    log.arrived_at[row] = -1.0
    more = log.new_rows(999)
    log.outcome[more : more + 999] = OUTCOMES.index("won")
    frame = log.to_frame()
    assert len(frame) == 3000
    assert frame["arrived_at"].iloc[:2000].tolist() == list(np.arange(2000.0))
    assert frame["arrived_at"].iloc[2000] == -1.0
    assert frame["arrived_at"].iloc[2001:].isna().all()  # rows never written keep their empty value
    assert (frame["outcome"].iloc[2001:] == "won").all() and (frame["outcome"].iloc[:2001] == "open").all()
    assert frame["lead_id"].tolist() == list(range(3000))


def test_a_run_with_the_lead_log_logs_each_lead_once_in_arrival_order() -> None:
    result = orgsim.simulate(orgsim.Scenario(), orgsim.presets.shared_leader(), seed=4, horizon_days=60, record_leads=True)
    leads = result.leads
    own = leads[leads["arrived_at"] >= 0]  # deals carried in from the warm-up have negative times
    assert len(own) == result.totals["leads_created"]
    assert own["arrived_at"].is_monotonic_increasing
    assert (own["source"] == "outbound").any() and (own["source"] == "inbound").any()


def test_a_kept_warm_up_gives_the_same_bits_as_a_fresh_one() -> None:
    """The last warm-up is kept per process (structures sharing a seed simulate it once): a run
    after another structure's run with the same seed, or after a run that changed its leads,
    equals the run with the warm-up simulated afresh, lead log included."""
    from pandas.testing import assert_frame_equal

    simulate_module = importlib.import_module("orgsim.model.simulate")  # the module (the package exports the function)

    scenario = orgsim.Scenario()
    other = scenario.replace(**{"leads.mql_threshold": scenario.leads.mql_threshold + 0.05})

    def run(structure: orgsim.Structure) -> orgsim.RunResult:
        return orgsim.simulate(scenario, structure, seed=7, horizon_days=60, record_leads=True)

    simulate_module._last_warm_up = None
    fresh = run(orgsim.presets.siloed())
    kept_before = simulate_module._last_warm_up
    run(orgsim.presets.shared_leader())  # the same warm-up, kept: its leads must come back untouched
    assert simulate_module._last_warm_up is kept_before
    again = run(orgsim.presets.siloed())
    assert again.totals.keys() == fresh.totals.keys()
    np.testing.assert_array_equal(list(again.totals.values()), list(fresh.totals.values()))  # NaN equals NaN here
    assert_frame_equal(again.series, fresh.series)
    assert_frame_equal(again.leads, fresh.leads)
    orgsim.simulate(other, orgsim.presets.siloed(), seed=7, horizon_days=60)  # another scenario: a new warm-up
    assert simulate_module._last_warm_up is not kept_before
    orgsim.simulate(scenario, orgsim.presets.siloed(), seed=8, horizon_days=60)  # another seed: a new one too
    assert simulate_module._last_warm_up[0][1] == 8


def _same_run(a: orgsim.RunResult, b: orgsim.RunResult) -> None:
    from pandas.testing import assert_frame_equal

    assert a.totals.keys() == b.totals.keys()
    np.testing.assert_array_equal(list(a.totals.values()), list(b.totals.values()))  # NaN equals NaN here
    assert_frame_equal(a.series, b.series)


def test_runs_sharing_a_candidate_tape_give_the_bits_of_plain_runs(monkeypatch: object) -> None:
    """An experiment's runs replay the inbound candidates the previous run of the same scenario
    and seed drew: every order of structures and horizons, a tape cut short by its day limit,
    and another seed give the same bits as plain ``simulate``."""
    simulate_module = importlib.import_module("orgsim.model.simulate")
    monkeypatch.setattr(simulate_module, "TAPE_MAX_DAYS", 150)  # type: ignore[attr-defined]
    scenario = orgsim.Scenario()
    presets = orgsim.presets.all()
    simulate_module._forget_tape()
    plan = [  # (structure, seed, horizon): record 100 days, replay, extend to 140, past the limit, shorter, another seed, back
        ("siloed", 3, 100.0),
        ("shared_leader", 3, 100.0),
        ("sales_under_marketing", 3, 140.0),
        ("marketing_under_sales", 3, 200.0),
        ("siloed", 3, 60.0),
        ("shared_leader", 4, 90.0),
        ("siloed", 3, 220.0),
    ]
    for name, seed, horizon in plan:
        shared = simulate_module.simulate_sharing(scenario, presets[name], seed=seed, horizon_days=horizon)
        _same_run(shared, orgsim.simulate(scenario, presets[name], seed=seed, horizon_days=horizon))
    kept = simulate_module._last_tape
    assert kept is not None and kept[0][1] == 3 and len(kept[1].days) == 150  # the last run's seed, cut at the limit


def test_a_run_that_fails_part_way_drops_the_tape(monkeypatch: object) -> None:
    simulate_module = importlib.import_module("orgsim.model.simulate")
    scenario = orgsim.Scenario()
    simulate_module._forget_tape()
    simulate_module.simulate_sharing(scenario, orgsim.presets.siloed(), seed=5, horizon_days=30)
    assert simulate_module._last_tape is not None
    from orgsim.model import engine

    real_day = engine.Model._day

    def failing_day(self: engine.Model, day: int) -> None:
        if day == 40:
            raise RuntimeError("a fault in the middle of a run")
        real_day(self, day)

    monkeypatch.setattr(engine.Model, "_day", failing_day)  # type: ignore[attr-defined]
    try:
        simulate_module.simulate_sharing(scenario, orgsim.presets.siloed(), seed=5, horizon_days=60)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the fault did not reach the caller")
    assert simulate_module._last_tape is None


def test_a_few_arrivals_are_placed_with_the_bits_of_the_numpy_path(monkeypatch) -> None:
    """ArrivalProfile.place turns a few uniforms (a day's referrals) into times in Python floats:
    the same bits as its numpy expressions, including uniforms at and next to the profile's
    breakpoints and next to 1."""
    from orgsim.model import arrivals
    from orgsim.model.calendar import WorkCalendar

    calendar = WorkCalendar(orgsim.Scenario().calendar)
    profile = arrivals.ArrivalProfile(calendar, 0.7)
    day = next(d for d in range(7) if calendar.is_workday(d))
    total = profile.workday_mass
    before = profile.outside * profile.start / total
    within = before + profile.inside * (profile.end - profile.start) / total
    edges = [0.0, before, within, np.nextafter(before, 0), np.nextafter(within, 0), np.nextafter(1.0, 0)]
    rng = np.random.default_rng(5)
    batches = [np.sort(rng.random(k)) for k in range(1, arrivals._FEW + 1) for _ in range(200)] + [np.sort(np.array(edges))]
    assert not profile.even and all(len(u) <= arrivals._FEW for u in batches)
    few = [u.copy() for u in batches]
    for u in few:
        profile.place(day, u)
    monkeypatch.setattr(arrivals, "_FEW", 0)  # every batch through numpy
    for u, placed in zip(batches, few, strict=True):
        profile.place(day, u)
        assert u.tobytes() == placed.tobytes()
        assert np.all(np.diff(placed) >= 0) and placed[-1] < 1.0


def test_outbound_meetings_carry_the_draws_of_an_array_filled_row_by_row() -> None:
    """``LeadSource.outbound_day`` builds a few meetings in Python floats, drawing rows that
    follow one another on its stream in one call. Its leads must hold, bit for bit, what filling
    an array of the inbound rows one call per row (the straightforward way) gives from the same
    stream states, for meeting counts from 1 to over 10."""
    from orgsim.model.batch import FOLLOW_UP_HOURS, QUALITY, READINESS, ROWS, TIME, U_OWNER, Z_SCORE
    from orgsim.model.engine import Model

    fields = ["arrived_at", "quality", "readiness", "score", "z_rescore", "u_recycle", "recycle_days", "u_ignore"]
    fields += ["follow_up_days", "u_contact", "u_qualify", "z_cycle", "u_win", "z_size", "z_discount", "u_owner"]
    assert len(fields) == len(ROWS)
    normal_rows = [i for i, name in enumerate(ROWS) if name.startswith("z_")]
    seen = set()
    for seed in range(40):
        source = Model(orgsim.Scenario(), None, seed=seed, horizon_days=30).leadflow.source
        streams = (source.outbound_arrivals, source.outbound_quality, source.outbound_readiness)
        states = [g.bit_generator.state for g in streams]
        leads = source.outbound_day(3.0, 3.375, 3.708, 4000.0, 0.06 + 0.01 * seed)
        for g, state in zip(streams, states, strict=True):
            g.bit_generator.state = state
        rng = source.outbound_arrivals
        attempts = int(rng.poisson(4000.0 * (0.06 + 0.01 * seed)))
        conversations = int(rng.binomial(attempts, orgsim.Scenario().sales.outbound_conversation_rate))
        n = int(rng.binomial(conversations, orgsim.Scenario().sales.outbound_meeting_rate))
        assert n == len(leads)
        if n == 0:
            continue
        seen.add(n)
        v = np.empty((len(ROWS), n))
        v[TIME] = np.sort(rng.random(n)) * (3.708 - 3.375) + 3.375
        v[QUALITY] = source.outbound_quality.beta(*source.outbound_beta, n)
        v[READINESS] = source.outbound_readiness.beta(*source.readiness_beta, n)
        for row in range(Z_SCORE, U_OWNER + 1):  # one call per row, in the order of the rows
            if row == FOLLOW_UP_HOURS:
                v[row] = 0.0
            else:
                v[row] = rng.standard_normal(n) if row in normal_rows else rng.random(n)
        for i, lead in enumerate(leads):
            got = [getattr(lead, name) for name in fields]
            got[fields.index("follow_up_days")] *= 24.0
            assert np.array(got).tobytes() == v[:, i].tobytes(), f"meeting {i} of {n}"
    assert len(seen) >= 8 and max(seen) > 10, seen


def test_a_runs_totals_are_its_series_summed_as_pandas_sums_them() -> None:
    """The recorder sums every flow's series in one numpy call: each total must be, bit for bit,
    the pandas sum of its column (and each level's end its last value), over runs of different
    structures, seeds and horizons (weeks that end part-way, a run shorter than a period)."""
    from orgsim.model.outcomes import END, outcome

    checked = 0
    for structure, seed, days in [(None, 1, 400), (orgsim.presets.siloed(), 2, 1000.5), (orgsim.presets.shared_leader(), 3, 3.0)]:
        result = orgsim.simulate(orgsim.Scenario(), structure, seed=seed, horizon_days=days)
        for column in result.series.columns:
            try:
                kind = outcome(column).kind
            except KeyError:
                continue
            if kind == "flow" and column in result.totals:
                expected = float(result.series[column].sum())
                assert np.float64(result.totals[column]).tobytes() == np.float64(expected).tobytes(), column
                checked += 1
            elif kind == "level" and END.format(column) in result.totals:
                expected = float(result.series[column].iloc[-1])
                assert np.float64(result.totals[END.format(column)]).tobytes() == np.float64(expected).tobytes(), column
                checked += 1
    assert checked > 200


def test_runs_are_the_same_whether_inbound_candidates_go_one_by_one_or_as_a_batch(monkeypatch) -> None:
    """Without a lead log, a day's inbound candidates are thinned, scored and sent on one by one
    in Python floats; as a numpy batch (as with the log) a run gives the same totals and series,
    bit for bit: every preset and no structure, channel and campaign leads in their own bands
    (both above zero, so every band is used), nurture recycling, a fractional horizon (the last
    day's candidates cut) and runs replaying a candidate tape. The Python path must have run."""
    from orgsim.model import leadflow
    from orgsim.model.simulate import simulate_sharing

    calls = {"few": 0}
    few = leadflow.LeadFlow._inbound_few

    def counted(self, candidates, day):  # type: ignore[no-untyped-def]
        calls["few"] += 1
        few(self, candidates, day)

    monkeypatch.setattr(leadflow.LeadFlow, "_inbound_few", counted)
    busy = orgsim.Scenario().replace(
        **{
            "mechanisms.growth_stage": True,
            "growth.channel_leads_per_day": 6.0,
            "market.campaign_rate_per_day_max": 25.0,
            "leads.nurture_recycle_share": 0.5,
        }
    )
    cases = [(orgsim.Scenario(), name, 120.0) for name in ("none", *orgsim.presets.all())]
    cases += [(busy, "shared_leader", 300.5), (busy, "none", 200.25)]
    for scenario, name, horizon in cases:
        structure = None if name == "none" else orgsim.presets.all()[name]
        runs = []
        for in_python in (True, False):
            monkeypatch.setattr(leadflow, "INBOUND_IN_PYTHON", in_python)
            runs.append(orgsim.simulate(scenario, structure, seed=31, horizon_days=horizon))
            runs.append(simulate_sharing(scenario, structure, seed=31, horizon_days=horizon))  # replays the tape just drawn
        one_by_one = runs[0]
        assert one_by_one.totals["leads_created"] > 100 * horizon / 120
        for run in runs[1:]:
            _same_run(one_by_one, run)
    assert calls["few"] > 1000
    channel = one_by_one.totals
    assert channel["leads_channel"] > 0 and channel["leads_campaign"] > 0 and channel["leads_recycled"] > 0


def _scalar_fields(section: dict, prefix: str = "") -> list[tuple[str, object]]:
    """A scenario's scalar numeric and boolean fields, by dotted name."""
    out: list[tuple[str, object]] = []
    for name, value in section.items():
        if isinstance(value, dict):
            out += _scalar_fields(value, f"{prefix}{name}.")
        elif isinstance(value, bool | int | float):
            out.append((f"{prefix}{name}", value))
    return out


def test_the_candidate_key_holds_every_input_of_the_inbound_candidates() -> None:
    """Runs with the same seed and the same ``LeadSource.candidate_key`` replay one another's
    candidate tape (``simulate_sharing``), so a scenario field the key leaves out must not change
    the candidates. Every scalar field in turn is moved (a switch flipped, a number up by 10%, or
    down, or off zero, whatever validates); where the key stays, 40 days of candidates drawn from
    the same seed are the same arrays; the fields known to feed the candidates change the key."""
    from orgsim.config import ValidationError
    from orgsim.model import Model

    def source(scenario: orgsim.Scenario) -> tuple[object, object, float]:
        model = Model(scenario, None, seed=5, horizon_days=40)
        leadflow = model.leadflow
        return leadflow.source.candidate_key(leadflow.rate_bound), leadflow.source, leadflow.rate_bound

    def draws(src: object, bound: float) -> list:  # type: ignore[type-arg]
        return [src._candidates(float(day), bound) for day in range(40)]  # type: ignore[attr-defined]

    base = orgsim.Scenario()
    base_key, base_source, base_bound = source(base)
    expected = draws(base_source, base_bound)
    kept, changed = 0, set()
    for name, value in _scalar_fields(base.to_dict()):
        if isinstance(value, bool):
            moves: list[object] = [not value]
        elif isinstance(value, int):
            moves = [value + 1, value - 1]
        else:
            moves = [value * 1.1, value * 0.9] if value else [0.1, 0.5]
        for moved in moves:
            try:
                scenario = base.replace(**{name: moved})
            except ValidationError:
                continue
            key, src, bound = source(scenario)
            if key != base_key:
                changed.add(name)
            else:
                kept += 1
                for got, want in zip(draws(src, bound), expected, strict=True):
                    assert (got is None) == (want is None), name
                    if got is not None:
                        for a, b in zip(got, want, strict=True):
                            np.testing.assert_array_equal(a, b, err_msg=name)
            break
    assert kept > 150
    feeds = {
        "inbound.base_rate_per_day",
        "inbound.working_hours_share",
        "market.brand_inbound_lift",
        "market.content_inbound_lift",
        "market.campaign_rate_per_day_max",
        "growth.channel_leads_per_day",
        "growth.channel_quality_mean",
        "leads.inbound_quality_mean",
        "leads.readiness_concentration",
        "sales.follow_up_hours_mean",
        "sales.follow_up_hours_cv",
        "calendar.workday_start_hour",
        "calendar.business_hours",
    }
    assert feeds <= changed, feeds - changed

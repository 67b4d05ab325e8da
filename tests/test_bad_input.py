"""Bad input: every invalid input is an orgsim.ValidationError (exit code 2 on the command line)
naming the field and what is allowed, raised before anything is simulated.

One table of API inputs (Scenario and its sections, Mechanisms, Leader, Structure, TOML files,
simulate/compare/sweep arguments) and one of command lines. Each row gives the call, a piece of
the field name the error must report and a piece of the allowed range or rule it must state.
While these tests run, constructing a model raises, so an input that slipped through to the
simulation would fail here rather than deep inside SimPy or numpy.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

import orgsim
import orgsim.model.engine
from orgsim import Leader, Mechanisms, Scenario, Structure
from orgsim.present.cli import main

NAN, INF = math.nan, math.inf
S = Scenario()
CEO_ONLY = {"ceo": Leader()}
HEADS_UNDER_CEO = {"ceo": None, "m": "ceo", "s": "ceo"}

STRUCTURE_TOML = 'name = "x"\nmarketing_head = "m"\nsales_head = "s"\n[leaders.{lead}]\nbackground = 0.5\n[reports_to]\n'


@pytest.fixture(autouse=True)
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building a model fails loudly: bad input must be refused before any simulation starts."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model was built although the input is invalid")

    monkeypatch.setattr(orgsim.model.Model, "__init__", refuse)


def write(tmp: Path, text: str | bytes, name: str = "input.toml") -> Path:
    path = tmp / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def folder(tmp: Path, name: str) -> Path:
    (tmp / name).mkdir()
    return tmp / name


def structure_file(tmp: Path, reports_to: str, lead: str = "m") -> Path:
    return write(tmp, STRUCTURE_TOML.format(lead=lead) + reports_to, "structure.toml")


def frames_of(tb: TracebackType | None) -> list[str]:
    files = []
    while tb is not None:
        files.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    return files


Call = Callable[[Path], Any]

# (call given a temporary folder, a piece of the reported field, a piece of the allowed range/rule)
API_CASES = [
    # -- Scenario: negative counts and rates, probabilities outside [0, 1], NaN and infinity --------
    pytest.param(lambda t: S.replace(**{"sales.reps": -1}), "sales.reps", "[0, 100000]", id="negative-reps"),
    pytest.param(
        lambda t: S.replace(**{"inbound.base_rate_per_day": -0.5}), "inbound.base_rate_per_day", "[0, 100000]", id="negative-rate"
    ),
    pytest.param(
        lambda t: S.replace(**{"growth.channel_leads_per_day": -2.0}), "growth.channel_leads_per_day", "[0, 100000]", id="negative-channel"
    ),
    pytest.param(lambda t: S.replace(**{"deals.list_price_usd": -1.0}), "deals.list_price_usd", "(0, 1e+09]", id="negative-price"),
    pytest.param(lambda t: S.replace(**{"sales.ignore_share": 1.5}), "sales.ignore_share", "[0, 1]", id="probability-above-1"),
    pytest.param(
        lambda t: S.replace(**{"sales.contact_probability": -0.1}), "sales.contact_probability", "[0, 1]", id="probability-below-0"
    ),
    pytest.param(lambda t: S.replace(**{"costs.gross_margin": 2.0}), "costs.gross_margin", "[0, 1]", id="margin-above-1"),
    pytest.param(lambda t: S.replace(**{"leadership.sla_check_cut": 1.0}), "leadership.sla_check_cut", "[0, 1)", id="share-at-open-bound"),
    pytest.param(
        lambda t: S.replace(**{"growth.channel_quality_mean": 0.0}), "growth.channel_quality_mean", "[0.001, 0.999]", id="zero-mean"
    ),
    pytest.param(
        lambda t: S.replace(**{"leads.inbound_quality_concentration": 0.0}),
        "leads.inbound_quality_concentration",
        "[0.01, 10000]",
        id="zero-beta-concentration",
    ),
    pytest.param(lambda t: S.replace(**{"leads.mql_threshold": NAN}), "leads.mql_threshold", "finite number", id="nan"),
    pytest.param(lambda t: S.replace(**{"inbound.base_rate_per_day": INF}), "inbound.base_rate_per_day", "finite number", id="infinity"),
    pytest.param(lambda t: S.replace(**{"deals.list_price_usd": -INF}), "deals.list_price_usd", "finite number", id="minus-infinity"),
    pytest.param(lambda t: S.replace(**{"sales.reps": NAN}), "sales.reps", "an integer", id="nan-for-an-integer"),
    pytest.param(lambda t: S.replace(**{"sales.reps": 0}), "sales.reps", "at least 1 while inbound.base_rate_per_day > 0", id="no-reps"),
    pytest.param(lambda t: S.replace(horizon_days=0), "horizon_days", "(0, 36500]", id="zero-horizon"),
    pytest.param(lambda t: S.replace(horizon_days=-30.0), "horizon_days", "(0, 36500]", id="negative-horizon"),
    pytest.param(lambda t: S.replace(period_days=0), "period_days", "[1, 365]", id="zero-period"),
    # -- Scenario: wrong types, unknown keys ------------------------------------------------------
    pytest.param(lambda t: S.replace(**{"sales.reps": 2.5}), "sales.reps", "an integer", id="fractional-reps"),
    pytest.param(lambda t: S.replace(**{"sales.reps": "ten"}), "sales.reps", "an integer", id="string-for-an-integer"),
    pytest.param(lambda t: orgsim.Sales(reps=True), "sales.reps", "an integer", id="bool-for-an-integer"),
    pytest.param(lambda t: S.replace(name=3), "name", "a string", id="number-for-a-string"),
    pytest.param(lambda t: Scenario.from_dict({"sales": 3}), "sales", "a table of fields", id="number-for-a-section"),
    pytest.param(lambda t: Scenario(sales={"reps": 3}), "sales", "a Sales section", id="dict-for-a-section-object"),
    pytest.param(lambda t: Scenario.from_dict({"salse": {"reps": 3}}), "salse", "did you mean 'sales'", id="unknown-section"),
    pytest.param(lambda t: S.replace(**{"sales.repz": 3}), "sales.repz", "did you mean 'reps'", id="unknown-dotted-key"),
    pytest.param(lambda t: orgsim.Sales().replace(repz=3), "sales.repz", "did you mean 'reps'", id="unknown-section-field"),
    # -- Scenario: cross-field rules and structured fields ----------------------------------------
    pytest.param(
        lambda t: S.replace(**{"calendar.workday_start_hour": 18.0}), "calendar.workday_end_hour", "must be after", id="day-ends-first"
    ),
    pytest.param(
        lambda t: S.replace(**{"leads.nurture_max_days": 100.0}), "leads.nurture_max_days", ">= leads.nurture_min_days", id="nurture-window"
    ),
    pytest.param(
        lambda t: S.replace(**{"deals.discount_mean": 0.5}), "deals.discount_mean", "<= deals.discount_max", id="discount-above-max"
    ),
    pytest.param(
        lambda t: S.replace(**{"sales.contact_decay": [[1.0, 1.0], [2.0, 0.5]]}),
        "sales.contact_decay",
        "strictly increasing from 0",
        id="decay-table-not-from-0",
    ),
    pytest.param(
        lambda t: S.replace(**{"sales.qualify_decay": [[0.0, 1.0], [NAN, 0.5]]}),
        "sales.qualify_decay",
        "multipliers in (0, 1]",
        id="nan-in-decay",
    ),
    pytest.param(
        lambda t: S.replace(**{"marketing.kinds": [S.marketing.kinds[0].to_dict()] * 2}), "marketing.kinds", "unique", id="duplicate-kinds"
    ),
    pytest.param(
        lambda t: S.replace(**{"marketing.initial_stocks": "emtpy"}), "marketing.initial_stocks", "did you mean 'empty'", id="choice-typo"
    ),
    pytest.param(
        lambda t: S.replace(**{"market.brand.weekly_retention": 1.0}), "market.brand.weekly_retention", "[0, 0.999]", id="retention-of-1"
    ),
    pytest.param(
        lambda t: S.replace(**{"leadership.pressure_check_days": []}), "leadership.pressure_check_days", "non-empty list", id="no-checks"
    ),
    # -- Mechanisms ------------------------------------------------------------------------------
    pytest.param(lambda t: Mechanisms(brand_effect="yes"), "mechanisms.brand_effect", "true or false", id="mechanism-string"),
    pytest.param(lambda t: S.replace(**{"mechanisms.brand_effect": 1}), "mechanisms.brand_effect", "true or false", id="mechanism-number"),
    pytest.param(
        lambda t: Scenario.from_dict({"mechanisms": {"brand_efect": False}}),
        "mechanisms.brand_efect",
        "did you mean 'brand_effect'",
        id="mechanism-typo",
    ),
    # -- Leader ----------------------------------------------------------------------------------
    pytest.param(lambda t: Leader(background=1.5), "leader.background", "[0, 1]", id="background-above-1"),
    pytest.param(lambda t: Leader(background=NAN), "leader.background", "[0, 1]", id="background-nan"),
    pytest.param(lambda t: Leader(bias=-2.0), "leader.bias", "[-1, 1]", id="bias-below-minus-1"),
    pytest.param(lambda t: Leader(horizon_days=0.0), "leader.horizon_days", "[1, 36500]", id="zero-planning-horizon"),
    pytest.param(lambda t: Leader(salary_usd_per_year=-1.0), "leader.salary_usd_per_year", "[0, 1e+08]", id="negative-salary"),
    pytest.param(lambda t: Leader(attention=INF), "leader.attention", "[0, 1]", id="infinite-attention"),
    pytest.param(lambda t: Leader(sla_enforcement=True), "leader.sla_enforcement", "[0, 1]", id="bool-for-a-number"),
    pytest.param(
        lambda t: Leader(agreed_scoring_criteria="yes"), "leader.agreed_scoring_criteria", "true or false", id="string-for-a-bool"
    ),
    pytest.param(
        lambda t: orgsim.presets.siloed().with_integrator(biass=0.2), "leader.biass", "did you mean 'bias'", id="leader-attribute-typo"
    ),
    # -- Structure -------------------------------------------------------------------------------
    pytest.param(lambda t: Structure("x", "m", "s", {"m": "s", "s": "m"}, {"m": Leader()}), "structure.reports_to", "cycle", id="cycle"),
    pytest.param(
        lambda t: Structure("x", "m", "s", {"ceo": "ceo", "m": "ceo", "s": "ceo"}, CEO_ONLY),
        "structure.reports_to.ceo",
        "cycle",
        id="self-loop",
    ),
    pytest.param(
        lambda t: Structure("x", "m", "s", {"m": None, "s": None}, {"m": Leader()}),
        "structure.reports_to",
        "common manager",
        id="heads-report-to-nobody",
    ),
    pytest.param(
        lambda t: Structure("x", "m", "s", {"ceo": None, "m": "cfo", "s": "ceo"}, CEO_ONLY),
        "structure.reports_to.m",
        "a role listed in reports_to",
        id="head-reports-to-an-unknown-role",
    ),
    pytest.param(
        lambda t: Structure("x", "m", "s", {"ceo": None, "s": "ceo"}, CEO_ONLY),
        "structure.marketing_head",
        "listed in reports_to",
        id="head-missing",
    ),
    pytest.param(
        lambda t: Structure("x", "m", "s", HEADS_UNDER_CEO, {}),
        "structure.leaders.ceo",
        "profile for the integrator",
        id="no-integrator-profile",
    ),
    pytest.param(
        lambda t: Structure("x", "m", "s", HEADS_UNDER_CEO, {**CEO_ONLY, "cfo": Leader()}),
        "structure.leaders.cfo",
        "listed in reports_to",
        id="profile-of-a-stranger",
    ),
    pytest.param(lambda t: Structure("", "m", "s", HEADS_UNDER_CEO, CEO_ONLY), "structure.name", "non-empty string", id="empty-name"),
    pytest.param(
        lambda t: Structure.from_dict({"name": "x", "marketing_head": "m", "sales_head": "s", "reports_too": {}}),
        "structure.reports_too",
        "did you mean 'reports_to'",
        id="structure-key-typo",
    ),
    pytest.param(lambda t: orgsim.presets.siloed().replace(nmae="y"), "structure.nmae", "did you mean 'name'", id="structure-replace-typo"),
    # -- TOML files ------------------------------------------------------------------------------
    pytest.param(lambda t: Scenario.from_toml(write(t, "[sales\nreps = 3\n")), "input.toml", "valid TOML", id="file-not-toml"),
    pytest.param(lambda t: Scenario.from_toml(t / "absent.toml"), "absent.toml", "does not exist", id="file-missing"),
    pytest.param(lambda t: Scenario.from_toml(folder(t, "scenarios")), "scenarios", "a TOML file", id="file-is-a-folder"),
    pytest.param(lambda t: Scenario.from_toml(write(t, b"\x89PNG\x00\xff\xfe")), "input.toml", "UTF-8", id="file-is-binary"),
    pytest.param(lambda t: Scenario.from_toml(write(t, "[sales]\nrepz = 3\n")), "sales.repz", "did you mean 'reps'", id="file-key-typo"),
    pytest.param(lambda t: Scenario.from_toml(write(t, '[sales]\nreps = "ten"\n')), "sales.reps", "an integer", id="file-wrong-type"),
    pytest.param(lambda t: Scenario.from_toml(write(t, "horizon_days = nan\n")), "horizon_days", "finite number", id="file-nan"),
    pytest.param(
        lambda t: Structure.from_toml(structure_file(t, 'm = "s"\ns = "m"\n')),
        "structure.toml: structure.reports_to",
        "cycle",
        id="file-cycle",
    ),
    pytest.param(
        lambda t: Structure.from_toml(structure_file(t, 'm = ""\ns = ""\n')),
        "structure.toml: structure.reports_to",
        "common manager",
        id="file-heads-report-to-nobody",
    ),
    pytest.param(
        lambda t: Structure.from_toml(structure_file(t, 'ceo = ""\nm = "ceo"\ns = "ceo"\n', lead="ceo").parent / "nope.toml"),
        "nope.toml",
        "does not exist",
        id="structure-file-missing",
    ),
    # -- simulate, compare and sweep arguments ------------------------------------------------------
    pytest.param(lambda t: orgsim.simulate(seed=1, horizon_days=0), "horizon_days", "(0, 36500]", id="simulate-zero-horizon"),
    pytest.param(lambda t: orgsim.simulate(seed=1, horizon_days=NAN), "horizon_days", "(0, 36500]", id="simulate-nan-horizon"),
    pytest.param(lambda t: orgsim.simulate(seed=-1, horizon_days=5), "seed", "non-negative integer", id="simulate-negative-seed"),
    pytest.param(lambda t: orgsim.simulate(structure="siloed", seed=1), "structure", "orgsim.Structure", id="simulate-structure-name"),
    pytest.param(
        lambda t: orgsim.compare(None, [orgsim.presets.siloed()], replications=2, seed=0, horizon_days=INF),
        "horizon_days",
        "(0, 36500]",
        id="compare-infinite-horizon",
    ),
    pytest.param(
        lambda t: orgsim.sweep(None, [orgsim.presets.siloed()], {"sales.ignore_share": [0.5, 1.5]}, replications=1, seed=0),
        "point 1] sales.ignore_share",
        "[0, 1]",
        id="sweep-point-out-of-range",
    ),
]


@pytest.mark.parametrize(("call", "field", "allowed"), API_CASES)
def test_invalid_input_raises_validation_error_naming_field_and_allowed_range(call: Call, field: str, allowed: str, tmp_path: Path) -> None:
    with pytest.raises(orgsim.ValidationError) as info:
        call(tmp_path)
    err = info.value
    assert isinstance(err, ValueError)
    assert any(field in name for name in err.fields), (field, err.fields)
    assert allowed in str(err), str(err)
    inside = [f for f in frames_of(info.tb) if "/simpy/" in f or "/numpy/" in f]
    assert not inside, f"raised from inside a library: {inside}"


def test_there_are_at_least_40_bad_inputs_in_the_table() -> None:
    assert len(API_CASES) + len(CLI_CASES) >= 40


def test_every_problem_of_a_file_is_reported_at_once_each_with_its_range(tmp_path: Path) -> None:
    path = write(tmp_path, "horizon_days = 0\n[sales]\nreps = -1\nignore_share = 2.0\n[inbound]\nbase_rate_per_day = inf\n")
    with pytest.raises(orgsim.ValidationError) as info:
        Scenario.from_toml(path)
    prefix = f"{path}: "
    # in the order of the file
    assert info.value.fields == [prefix + f for f in ("horizon_days", "sales.reps", "sales.ignore_share", "inbound.base_rate_per_day")]
    assert [p.allowed for p in info.value.problems] == [
        "must be in (0, 36500]",
        "must be in [0, 100000]",
        "must be in [0, 1]",
        "a finite number in [0, 100000]",
    ]


# -- the command line ------------------------------------------------------------------------------


def run_cli(argv: list[str]) -> tuple[int, str]:
    """Exit code and stderr of ``orgsim ARGV`` run in this process (argparse errors exit via SystemExit)."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = exit_.code  # type: ignore[assignment]
    return int(code), err.getvalue()


QUICK = ["--workers", "1", "--no-progress", "--replications", "1", "--horizon-days", "5"]

# (argv given a temporary folder, text stderr must contain)
CLI_CASES = [
    pytest.param(lambda t: ["validate", str(write(t, "[sales]\nrepz = 3\n"))], "did you mean 'reps'", id="validate-key-typo"),
    pytest.param(lambda t: ["validate", str(write(t, "[sales\n"))], "valid TOML", id="validate-not-toml"),
    pytest.param(lambda t: ["validate", str(t / "absent.toml")], "does not exist", id="validate-missing-file"),
    pytest.param(lambda t: ["run", str(write(t, '[sales]\nreps = "ten"\n'))], "sales.reps = 'ten': an integer", id="run-wrong-type"),
    pytest.param(lambda t: ["run", "--horizon-days", "0"], "--horizon-days 0: a number in (0, 36500]", id="run-zero-horizon"),
    pytest.param(lambda t: ["run", "--horizon-days", "nan"], "--horizon-days nan: ", id="run-nan-horizon"),
    pytest.param(lambda t: ["run", "--seed", "-1"], "--seed -1: a non-negative integer", id="run-negative-seed"),
    pytest.param(lambda t: ["run", "--seed", "abc"], "argument --seed: invalid int value", id="run-seed-not-a-number"),
    pytest.param(lambda t: ["run", "--leads-csv", str(t)], "--leads-csv", id="run-leads-csv-is-a-folder"),
    pytest.param(
        lambda t: ["compare", *QUICK, "--replications", "-3"], "--replications -3: an integer in [1, ", id="compare-negative-reps"
    ),
    pytest.param(
        lambda t: ["compare", *QUICK, "--structure-file", str(structure_file(t, 'm = "s"\ns = "m"\n'))], "cycle", id="compare-cycle"
    ),
    pytest.param(
        lambda t: ["compare", *QUICK, "--structure-file", str(structure_file(t, 'm = ""\ns = ""\n'))],
        "common manager",
        id="compare-heads-report-to-nobody",
    ),
    pytest.param(lambda t: ["compare", *QUICK, "--out", str(write(t, "x", "out.txt"))], "--out", id="compare-out-is-a-file"),
    pytest.param(lambda t: ["sweep", *QUICK, "--range", "sales.reps=20:5"], "low < high", id="sweep-empty-range"),
    pytest.param(lambda t: ["sweep", *QUICK, "--param", "sales.ignore_share=0.5,nan"], "sales.ignore_share = nan", id="sweep-nan-value"),
    pytest.param(lambda t: ["init", str(write(t, "x", "taken"))], "DIR", id="init-into-a-file"),
    pytest.param(lambda t: ["simulate"], "invalid choice: 'simulate'", id="unknown-command"),
]


@pytest.mark.parametrize(("argv", "message"), CLI_CASES)
def test_invalid_command_line_exits_2_naming_the_problem(argv: Callable[[Path], list[str]], message: str, tmp_path: Path) -> None:
    code, err = run_cli(argv(tmp_path))
    assert code == 2
    assert message in err
    assert "Traceback" not in err

"""Issue 17, the config and model layers: what a scenario, a leader or a structure may hold, and
inputs that made validation or the marketing model slow without bound.

Each Python case asserts the clear error itself (``ValidationError`` naming the field, the value
and what is allowed); the CLI cases write a TOML file and run ``orgsim validate`` (exit 2).
"""

from __future__ import annotations

from red_team import Case

#: Shared by the Python cases: ``refused(call, field, *pieces)`` asserts that ``call()`` raises a
#: ValidationError with a problem on ``field`` whose message holds every piece, and returns it.
_REFUSED = """
import orgsim
from orgsim import ValidationError

def refused(call, field, *pieces):
    try:
        call()
    except ValidationError as err:
        text = str(err)
        assert field in err.fields, (field, err.fields, text)
        for piece in pieces:
            assert piece in text, (piece, text)
        return err
    raise AssertionError(f"no ValidationError for {field}")
"""

_BIG = "1" + "0" * 399  # a 400-digit integer, as TOML would hold it

_LEADER_STRUCTURE = f"""
import pathlib
pathlib.Path("structure.toml").write_text('''name = "x"
marketing_head = "m"
sales_head = "s"
[reports_to]
ceo = ""
m = "ceo"
s = "ceo"
[leaders.ceo]
salary_usd_per_year = {_BIG}
''')
"""


def _toml(body: str, name: str = "scenario.toml") -> str:
    """Setup code writing ``body`` (TOML text) to ``name``."""
    return f"import pathlib\npathlib.Path({name!r}).write_text({body!r})\n"


def _code(body: str) -> str:
    return _REFUSED + body


CASES = [
    # 1. a project kind with (almost) no effort finished and restarted at t = 0 for ever
    Case(
        "marketing-effort-1e-9",
        code=_code(
            """
from orgsim.config import Marketing, Scenario
kinds = [k.to_dict() for k in Marketing().kinds]
kinds[0]["effort_person_days"] = 1e-9
refused(lambda: Scenario.from_dict({"marketing": {"kinds": kinds}}), "marketing.kinds[0].effort_person_days", "1e-09", "in [0.1, 3650]")
from orgsim.config.marketing import ProjectKind
refused(lambda: ProjectKind(effort_person_days=1e-9), "effort_person_days", "in [0.1, 3650]")
"""
        ),
        seconds=30,
    ),
    Case(
        "marketing-effort-1e-9-cli",
        setup=_toml(
            '[[marketing.kinds]]\nname = "tiny"\nterm = "short"\neffort_person_days = 1e-9\n'
            '[[marketing.kinds]]\nname = "brand"\nterm = "long"\nstock = "brand"\n'
        ),
        cli=("validate", "scenario.toml"),
        stderr="marketing.kinds[0].effort_person_days = 1e-09",
        seconds=30,
    ),
    Case(
        "marketing-smallest-effort-runs-in-bounded-time",
        code="""
import orgsim
from orgsim.config import Marketing, Scenario
kinds = tuple(k.replace(effort_person_days=0.1) for k in Marketing().kinds)
# no programme budget: money would cap the projects (about 115), and the case is about their number
scenario = Scenario(marketing=Marketing(marketers=50, kinds=kinds)).replace(**{"mechanisms.program_budget": False})
result = orgsim.simulate(scenario, horizon_days=30, seed=1)
assert result.totals["projects_completed"] > 5_000, result.totals["projects_completed"]
""",
        seconds=60,
    ),
    # 2. checking a reporting chain was cubic in its depth (2,000 levels: 9-29 s); now linear and bounded
    Case(
        "structure-2000-levels",
        code=_code(
            """
chain = {"r0": None, **{f"r{i}": f"r{i - 1}" for i in range(1, 2000)}}
refused(
    lambda: orgsim.Structure("deep", "r1999", "r1998", chain, {"r1998": orgsim.Leader()}),
    "structure.reports_to.r1999", "at most 100 levels", "2000 levels",
)
"""
        ),
        seconds=10,
    ),
    Case(
        "structure-many-chains-100-levels-deep",
        code="""
import orgsim
# 1,000 chains of 99 roles under one top (99,001 roles, 100 levels, the most allowed): linear time
reports_to = {"top": None}
for c in range(1000):
    for level in range(99):
        reports_to[f"c{c}.{level}"] = "top" if level == 0 else f"c{c}.{level - 1}"
s = orgsim.Structure("wide", "c0.98", "c1.98", reports_to, {"top": orgsim.Leader()})
assert s.integrator_role == "top"
""",
        seconds=20,
    ),
    Case(
        "structure-2000-levels-cli",
        setup="""
import pathlib
lines = ['name = "deep"', 'marketing_head = "r1999"', 'sales_head = "r1998"', "[reports_to]", 'r0 = ""']
lines += [f'r{i} = "r{i - 1}"' for i in range(1, 2000)]
lines += ["[leaders.r1998]", "background = 0.5"]
pathlib.Path("structure.toml").write_text("\\n".join(lines) + "\\n")
""",
        cli=("compare", "--structure-file", "structure.toml", "--structures", "siloed", "--replications", "1", "--out", "out"),
        stderr="structure.reports_to.r1999",
        seconds=20,
    ),
    # 3. starting projects was quadratic in marketers: 100,000 (the maximum then) never finished;
    # now linear, and the maximum is 10,000
    Case(
        "marketing-10000-marketers-30-days",
        code="""
import orgsim
from orgsim.config import Marketing, Scenario
result = orgsim.simulate(Scenario(marketing=Marketing(marketers=10_000)), horizon_days=30, seed=1)
assert result.totals["projects_started"] >= 10_000, result.totals["projects_started"]
""",
        seconds=60,
    ),
    Case(
        "marketing-10000-marketers-under-quota-pressure",
        code="""
import orgsim
from orgsim.config import Marketing, Scenario, presets
# every pressure check pulls all marketers onto rush work, preempting thousands of projects at once
# (no programme budget: rush projects it cannot pay for are not launched, and the case is about their number)
scenario = Scenario(marketing=Marketing(marketers=10_000)).replace(
    **{"leadership.plan_prior_bookings_usd": 1e10, "leadership.pressure_rush_share": 1.0, "deals.warm_start_days": 0.0,
       "mechanisms.program_budget": False}
)
result = orgsim.simulate(scenario, presets.marketing_under_sales(), horizon_days=60, seed=1)
assert result.totals["projects_preempted"] >= 5_000, result.totals["projects_preempted"]
""",
        seconds=60,  # a hang guard: 14-17 s with other work running, and CI runs two test files at a time beside the docs build
    ),
    Case(
        "marketing-100000-marketers",
        code=_code(
            """
from orgsim.config import Marketing, Scenario
refused(lambda: Marketing(marketers=100_000), "marketing.marketers", "must be in [0, 10000]")
refused(lambda: Scenario().replace(**{"marketing.marketers": 100_000}), "marketing.marketers", "100000", "[0, 10000]")
"""
        ),
        seconds=30,
    ),
    # 4. numbers too large for a float: OverflowError instead of a ValidationError
    Case(
        "toml-400-digit-integer-float-field",
        setup=_toml(f"[deals]\ndiscount_max = {_BIG}\n"),
        cli=("validate", "scenario.toml"),
        stderr="deals.discount_max = 1000000000",
        seconds=30,
    ),
    Case(
        "toml-400-digit-integer-api",
        code=_code(
            f"""
from orgsim import Scenario, Leader
big = {_BIG}
refused(lambda: Scenario.from_dict({{"deals": {{"discount_max": big}}}}), "deals.discount_max", "400 digits", "must be in [0, 1)")
refused(lambda: Scenario.from_dict({{"sales": {{"reps": big}}}}), "sales.reps", "400 digits", "in [0, 100000]")
refused(lambda: Scenario.from_dict({{"sales": {{"contact_decay": [[0, 1], [big, 0.5]]}}}}), "sales.contact_decay", "pairs")
refused(lambda: Leader(salary_usd_per_year=big), "leader.salary_usd_per_year", "400 digits", "in [0, 1e+08]")
"""
        ),
        seconds=30,
    ),
    Case(
        "toml-400-digit-leader-salary-cli",
        setup=_LEADER_STRUCTURE,
        cli=("compare", "--structure-file", "structure.toml", "--structures", "siloed", "--replications", "1", "--out", "out"),
        stderr="structure.leaders.ceo.salary_usd_per_year = 1000000000",
        seconds=30,
    ),
    Case(
        "toml-5000-digit-integer",
        setup=_toml(f"[sales]\nreps = 1{'0' * 5000}\n"),
        cli=("validate", "scenario.toml"),
        stderr="scenario.toml = 'an integer too long to read'",
        seconds=30,
    ),
    # 5. numpy integers are integers; a decay table holds numbers, not strings or booleans
    Case(
        "numpy-integers-and-floats",
        code=_code(
            """
import numpy as np
from orgsim import Scenario
from orgsim.config import Marketing, Sales
assert Sales(reps=np.int64(12)).reps == 12 and type(Sales(reps=np.int64(12)).reps) is int
assert Marketing(marketers=np.int32(3)).marketers == 3
assert Scenario.from_dict({"sales": {"reps": np.int64(12)}}).sales.reps == 12
assert Scenario.from_dict({"sales": {"reps": np.float64(12.0)}}).sales.reps == 12
assert Sales(follow_up_hours_mean=np.float64(2.0)).follow_up_hours_mean == 2.0
refused(lambda: Sales(reps=np.float64(12.5)), "sales.reps", "an integer")
"""
        ),
        seconds=30,
    ),
    Case(
        "decay-table-strings-and-bools",
        code=_code(
            """
from orgsim import Scenario
from orgsim.config import Sales
rule = "delays strictly increasing from 0"
refused(lambda: Sales(contact_decay=(("0", "1"), ("2", "0.5"))), "sales.contact_decay", rule)
refused(lambda: Sales(contact_decay=((False, True), (2.0, 0.5))), "sales.contact_decay", rule)
refused(lambda: Sales(qualify_decay=((0.0, 1.0), (True, 0.5))), "sales.qualify_decay", rule)
refused(lambda: Scenario.from_dict({"sales": {"contact_decay": [["0", "1"], ["2", "0.5"]]}}), "sales.contact_decay", rule)
refused(lambda: Scenario.from_dict({"sales": {"contact_decay": [[False, True], [2, 0.5]]}}), "sales.contact_decay", rule)
"""
        ),
        seconds=30,
    ),
    Case(
        "decay-table-strings-cli",
        setup=_toml('[sales]\ncontact_decay = [["0", "1"], ["2", "0.5"]]\n'),
        cli=("validate", "scenario.toml"),
        stderr="sales.contact_decay",
        seconds=30,
    ),
    # 6. a leader with several bad attributes: every one reported, even with a bad background
    Case(
        "leader-several-bad-fields",
        code=_code(
            """
err = refused(lambda: orgsim.Leader(background=2.0, bias=5.0, attention="x", horizon_days=0.0), "leader.background")
assert sorted(err.fields) == ["leader.attention", "leader.background", "leader.bias", "leader.horizon_days"], err.fields
err = refused(lambda: orgsim.Leader(bias=5.0, attention="x", salary_usd_per_year=-1.0), "leader.bias")
assert sorted(err.fields) == ["leader.attention", "leader.bias", "leader.salary_usd_per_year"], err.fields
"""
        ),
        seconds=30,
    ),
    # 7. values shown as written, and long ones kept short
    Case(
        "reps-1e308-shown-as-written",
        code=_code(
            """
from orgsim import Scenario
err = refused(lambda: Scenario.from_dict({"sales": {"reps": 1e308}}), "sales.reps", "sales.reps = 1e+308", "in [0, 100000]")
assert "0000000000" not in str(err), str(err)
"""
        ),
        seconds=30,
    ),
    Case(
        "reps-1e308-cli",
        setup=_toml("[sales]\nreps = 1e308\n"),
        cli=("validate", "scenario.toml"),
        stderr="scenario.toml: sales.reps = 1e+308: must be in [0, 100000]",
        seconds=30,
    ),
    Case(
        "long-values-kept-short",
        code=_code(
            f"""
from orgsim import Scenario
for field, value in (("sales.reps", {_BIG}), ("sales.reps", -{_BIG}), ("deals.discount_max", {_BIG})):
    section, key = field.split(".")
    err = refused(lambda: Scenario.from_dict({{section: {{key: value}}}}), field, "(400 digits)")
    assert len(str(err)) < 200, str(err)
from orgsim.config import Sales
err = refused(lambda: Sales(reps=10**5000), "sales.reps", "(5001 digits)")  # past Python's 4300-digit limit on str(int)
assert len(str(err)) < 200, str(err)
err = refused(lambda: Scenario.from_dict({{"marketing": {{"initial_stocks": "n" * 10_000}}}}), "marketing.initial_stocks")
assert len(str(err)) < 300 and "(10000 characters)" in str(err), str(err)
"""
        ),
        seconds=30,
    ),
    Case(
        "long-values-kept-short-cli",
        setup=_toml(f"[sales]\nreps = {_BIG}\n"),
        cli=("validate", "scenario.toml"),
        stderr="(400 digits): must be in [0, 100000]",
        seconds=30,
    ),
]

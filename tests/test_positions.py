"""Position mechanisms: the reporting lines act whoever holds the seats (issue 14).

With one profile in every seat, the four presets still differ, and only through the position
mechanisms: switch them all off and the four give bit-identical results; switch one on and
exactly the structures whose lines it reads move. Renaming every role changes nothing.
"""

from __future__ import annotations

import dataclasses

import pytest

import orgsim
from orgsim import Leader, Structure
from orgsim.config import ValidationError
from orgsim.model.positions import interface_share, positions, sales_and_marketing_roles

POSITION_SWITCHES = ("quota_ownership", "dual_roles", "span_of_control", "reporting_distance", "heads_below", "leader_costs")
PERSON = Leader(background=0.5)


def one_person_everywhere(structure: Structure, person: Leader = PERSON) -> Structure:
    """``structure`` with ``person`` in each of its seats (integrator and both heads)."""
    return structure.replace(leaders=dict.fromkeys(structure.seats().values(), person))


def totals(structure: Structure, scenario: orgsim.Scenario) -> dict[str, float]:
    return dict(orgsim.simulate(scenario, structure, seed=7, horizon_days=365).totals)


def only(*switches: str) -> orgsim.Scenario:
    """The default scenario with every position mechanism off except ``switches``."""
    return orgsim.Scenario().replace(**{f"mechanisms.{m}": (m in switches) for m in POSITION_SWITCHES})


def groups(results: dict[str, dict[str, float]]) -> list[set[str]]:
    """The presets grouped by bit-identical totals."""
    out: list[tuple[dict[str, float], set[str]]] = []
    for name, t in results.items():
        for seen, members in out:
            if seen == t:
                members.add(name)
                break
        else:
            out.append((t, {name}))
    return sorted((members for _, members in out), key=lambda m: sorted(m))


def run_all(scenario: orgsim.Scenario, person_in_heads: bool = True) -> dict[str, dict[str, float]]:
    out = {}
    for name, s in orgsim.presets.all().items():
        held = one_person_everywhere(s) if person_in_heads else s.replace(leaders={s.integrator_role: PERSON})
        out[name] = totals(held, scenario)
    return out


MUS, SUM, SHARED, SILOED = "marketing_under_sales", "sales_under_marketing", "shared_leader", "siloed"


def test_with_every_position_mechanism_off_one_person_gives_identical_structures() -> None:
    results = run_all(only())
    assert groups(results) == [{MUS, SUM, SHARED, SILOED}]


def test_with_one_person_in_every_seat_the_structures_still_differ() -> None:
    results = run_all(orgsim.Scenario())
    # Marketing under sales and sales under marketing are mirror images as positions (a
    # dual-role integrator who carries the number, one line between the heads): with one person
    # in every seat they are the same company. What separates them is who sits where.
    assert groups(results) == sorted([{MUS, SUM}, {SHARED}, {SILOED}], key=lambda m: sorted(m))


# Which presets each mechanism alone separates, read off their reporting lines:
# quota ownership: only the siloed CEO is a line away from the number (the head of sales has it);
# dual roles: the CSO and the CMO head a function themselves;
# span of control: only the CEO has more than the two heads reporting;
# reporting distance: one line between the heads under a CSO/CMO, two under a CRO/CEO;
# leader costs: the CRO and the CEO are one more salary each (the CEO's share of it is the span
# of control's, switched off here).
EXPECTED = {
    "quota_ownership": [{MUS, SUM, SHARED}, {SILOED}],
    "dual_roles": [{MUS, SUM}, {SHARED, SILOED}],
    "span_of_control": [{MUS, SUM, SHARED}, {SILOED}],
    "reporting_distance": [{MUS, SUM}, {SHARED, SILOED}],
    "leader_costs": [{MUS, SUM}, {SHARED, SILOED}],
}


@pytest.mark.parametrize("switch", sorted(EXPECTED))
def test_each_position_mechanism_alone_separates_the_structures_its_lines_say(switch: str) -> None:
    results = run_all(only(switch))
    assert groups(results) == sorted(EXPECTED[switch], key=lambda m: sorted(m))


def test_the_interface_attention_left_by_dual_roles_and_span() -> None:
    mech = orgsim.Scenario().mechanisms
    params = orgsim.Scenario().leadership
    for name, expected in ((MUS, 0.5), (SUM, 0.5), (SHARED, 1.0), (SILOED, 2 / 7)):
        s = one_person_everywhere(orgsim.presets.all()[name])
        assert positions(s, mech, params).interface.attention == pytest.approx(PERSON.attention * expected), name


def test_heads_below_moves_only_structures_whose_heads_are_not_the_integrator() -> None:
    # The heads hold profiles of their own backgrounds, the integrator the same person everywhere.
    results = run_all(only("heads_below"), person_in_heads=False)
    # MuS: the CSO heads sales (marketing's head mixes in); SuM: the CMO heads marketing (sales'
    # head mixes in); shared and siloed: both heads mix in, alike (same seats, same delegation).
    assert groups(results) == sorted([{MUS}, {SUM}, {SHARED, SILOED}], key=lambda m: sorted(m))
    off = run_all(only(), person_in_heads=False)
    assert groups(off) == [{MUS, SUM, SHARED, SILOED}]


def test_quota_owner_feels_its_own_sensitivity_and_the_integrator_a_share_per_line() -> None:
    params = orgsim.Scenario().leadership
    s = orgsim.presets.siloed()
    pos = positions(s, orgsim.Scenario().mechanisms, params)
    assert pos.allocator.quota_sensitivity == pytest.approx(s.integrator.quota_sensitivity * params.quota_pressure_per_level)
    assert pos.discount_sensitivity == pytest.approx(Leader(background=0.0).quota_sensitivity)
    owner_is_integrator = positions(orgsim.presets.shared_leader(), orgsim.Scenario().mechanisms, params)
    assert owner_is_integrator.allocator.quota_sensitivity == Leader(background=0.5).quota_sensitivity


def test_an_extra_layer_costs_its_salary_and_lengthens_the_dispute_path() -> None:
    base = orgsim.presets.shared_leader()
    deeper = Structure(
        name="deeper",
        marketing_head="head_of_marketing",
        sales_head="head_of_sales",
        reports_to={"cro": None, "vp_growth": "cro", "head_of_marketing": "vp_growth", "head_of_sales": "cro"},
        leaders={"cro": Leader(background=0.5)},
        quota_owner="cro",
    )
    assert sales_and_marketing_roles(deeper) == ["head_of_marketing", "vp_growth", "cro", "head_of_sales"]
    mech, params = orgsim.Scenario().mechanisms, orgsim.Scenario().leadership
    assert positions(deeper, mech, params).dispute_levels == positions(base, mech, params).dispute_levels + 1
    scenario = orgsim.Scenario()
    a, b = totals(base, scenario), totals(deeper, scenario)
    assert b["leader_costs_usd"] > a["leader_costs_usd"]


def test_interface_share_is_two_over_the_span() -> None:
    mech = orgsim.Scenario().mechanisms
    assert interface_share(orgsim.presets.siloed(), mech) == pytest.approx(2 / 7)
    assert interface_share(orgsim.presets.marketing_under_sales(), mech) == 1.0
    assert interface_share(orgsim.presets.siloed(), mech.replace(span_of_control=False)) == 1.0


def _renamed(s: Structure, suffix: str) -> Structure:
    rename = {role: f"{role}{suffix}" for role in s.reports_to}
    return Structure(
        name=f"{s.name}{suffix}",
        marketing_head=rename[s.marketing_head],
        sales_head=rename[s.sales_head],
        reports_to={rename[r]: (rename[b] if b else None) for r, b in s.reports_to.items()},
        leaders={rename[r]: p for r, p in s.leaders.items()},
        quota_owner=rename[s.quota_owner] if s.quota_owner else None,
        backgrounds={rename[r]: b for r, b in s.backgrounds.items()},
    )


@pytest.mark.parametrize("name", [MUS, SUM, SHARED, SILOED])
def test_renaming_every_role_and_the_preset_gives_bit_identical_results(name: str) -> None:
    s = orgsim.presets.all()[name]
    a = orgsim.simulate(orgsim.Scenario(), s, seed=3, horizon_days=200)
    b = orgsim.simulate(orgsim.Scenario(), _renamed(s, "_x"), seed=3, horizon_days=200)
    assert a.totals == b.totals
    assert a.series.equals(b.series)


def test_a_quota_owner_outside_the_structure_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"structure\.quota_owner = 'vp_sales'"):
        orgsim.presets.shared_leader().replace(quota_owner="vp_sales")


@pytest.mark.parametrize("value", [None, "sales", -0.1, 1.5, float("nan")])
def test_a_seat_background_that_is_not_in_0_1_is_refused(value: object) -> None:
    s = orgsim.presets.shared_leader()
    with pytest.raises(ValidationError, match=r"structure\.backgrounds\.cro"):
        s.replace(backgrounds={**s.backgrounds, "cro": value})


def test_structure_round_trips_through_toml_with_its_new_fields(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = orgsim.presets.siloed("seed")
    path = tmp_path / "s.toml"
    s.to_toml(path)
    back = Structure.from_toml(path)
    assert dataclasses.asdict(back) == dataclasses.asdict(s)


def test_the_seed_profiles_are_a_named_choice() -> None:
    assert orgsim.presets.shared_leader("seed").integrator.agreed_scoring_criteria
    assert not orgsim.presets.shared_leader().integrator.agreed_scoring_criteria
    with pytest.raises(ValidationError, match="profile = 'best'"):
        orgsim.presets.shared_leader("best")  # type: ignore[arg-type]

"""Configuration: defaults, validation in one place, TOML round trips, replace."""

from __future__ import annotations

import dataclasses

import pytest

import orgsim
from orgsim.config import describe


def test_toml_round_trip_is_exact(tmp_path) -> None:
    scenario = orgsim.Scenario().replace(**{"sales.reps": 12, "leads.mql_threshold": 0.123456789, "name": "round trip"})
    path = tmp_path / "s.toml"
    scenario.to_toml(path)
    assert orgsim.Scenario.from_toml(path) == scenario
    assert orgsim.Scenario.from_toml(path).to_toml() == path.read_text()


def test_a_partial_toml_file_takes_defaults_for_the_rest(tmp_path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[sales]\nreps = 4\n")
    scenario = orgsim.Scenario.from_toml(path)
    assert scenario.sales.reps == 4
    assert scenario.inbound == orgsim.Scenario().inbound


def test_replace_accepts_dotted_keys_section_dicts_and_sections() -> None:
    base = orgsim.Scenario()
    assert base.replace(**{"sales.reps": 3}).sales.reps == 3
    assert base.replace(sales={"reps": 3}).sales.reps == 3
    assert base.replace(sales=base.sales.replace(reps=3)).sales.reps == 3
    assert base.sales.reps == 10  # the original is untouched


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(orgsim.ValidationError) as info:
        orgsim.Scenario().replace(**{"sales.reps": -1, "leads.mql_threshold": float("nan"), "horizon_days": 0})
    assert set(info.value.fields) == {"sales.reps", "leads.mql_threshold", "horizon_days"}


def test_a_section_built_on_its_own_is_validated() -> None:
    with pytest.raises(orgsim.ValidationError, match=r"sales.ignore_share = 1.5: must be in \[0, 1\]"):
        orgsim.Sales(ignore_share=1.5)


def test_every_field_has_a_description_and_numeric_fields_a_range_and_source() -> None:
    rows = describe()
    assert len(rows) > 40
    for name, default, allowed, doc, source in rows:
        assert doc, name
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            assert allowed, name
            assert source, name


def test_sections_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        orgsim.Scenario().sales.reps = 3  # type: ignore[misc]

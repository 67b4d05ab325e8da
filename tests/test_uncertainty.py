"""Declared uncertainties: checked against the scenario's field metadata, read from Python and TOML."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import orgsim
from orgsim.experiment import LatinHypercube
from orgsim.experiment.uncertainty import Uncertain, Uncertainties


def test_a_mapping_and_a_list_of_uncertain_declare_the_same_thing() -> None:
    from_mapping = Uncertainties({"sales.reps": (5, 20), "deals.cycle_days_median": (30.0, 120.0)})
    from_items = Uncertainties([Uncertain("sales.reps", 5, 20), Uncertain("deals.cycle_days_median", 30.0, 120.0)])
    assert from_mapping == from_items
    assert from_mapping.names == ["sales.reps", "deals.cycle_days_median"]
    assert from_mapping.ranges == {"sales.reps": (5.0, 20.0), "deals.cycle_days_median": (30.0, 120.0)}


def test_integer_fields_are_marked_integer_and_number_fields_are_not() -> None:
    u = Uncertainties({"sales.reps": (5, 20), "deals.cycle_days_median": (30.0, 120.0)})
    assert u["sales.reps"].integer is True
    assert u["deals.cycle_days_median"].integer is False


def test_an_unknown_field_is_refused_with_a_did_you_mean_hint() -> None:
    with pytest.raises(orgsim.ValidationError) as err:
        Uncertainties({"sales.rep": (5, 20)})
    assert err.value.fields == ["uncertain['sales.rep']"]
    assert "did you mean 'reps'" in str(err.value)


def test_an_unknown_section_is_refused_with_a_did_you_mean_hint() -> None:
    with pytest.raises(orgsim.ValidationError, match="did you mean 'sales'"):
        Uncertainties({"sale.reps": (5, 20)})


def test_low_must_be_below_high() -> None:
    with pytest.raises(orgsim.ValidationError) as err:
        Uncertainties({"deals.cycle_days_median": (90.0, 30.0)})
    assert err.value.fields == ["uncertain['deals.cycle_days_median']"]
    assert "low < high" in str(err.value)


def test_a_bound_outside_the_fields_allowed_range_is_refused_naming_the_range() -> None:
    # sla_check_cut is allowed in [0, 1): the open upper end is excluded
    with pytest.raises(orgsim.ValidationError) as err:
        Uncertainties({"leadership.sla_check_cut": (0.1, 1.0)})
    assert err.value.fields == ["uncertain['leadership.sla_check_cut'].high"]
    assert "in [0, 1)" in str(err.value)


def test_every_bad_declaration_is_reported_at_once() -> None:
    with pytest.raises(orgsim.ValidationError) as err:
        Uncertainties({"sales.reps": (-3, 20), "deals.cycle_days_median": (30.0, 30.0), "nope.x": (0, 1)})
    assert len(err.value.problems) == 3


def test_true_false_text_and_table_fields_cannot_be_uncertain() -> None:
    for key in ("mechanisms.brand_effect", "marketing.initial_stocks", "sales.contact_decay"):
        with pytest.raises(orgsim.ValidationError, match="a numeric scenario field"):
            Uncertainties({key: (0, 1)})


def test_a_section_cannot_be_uncertain() -> None:
    with pytest.raises(orgsim.ValidationError, match="a field, not a section"):
        Uncertainties({"sales": (0, 1)})


def test_integer_false_is_refused_for_an_integer_field() -> None:
    with pytest.raises(orgsim.ValidationError, match="always rounded"):
        Uncertainties([Uncertain("sales.reps", 5, 20, integer=False)])


def test_bounds_of_an_integer_field_must_round_to_different_integers() -> None:
    with pytest.raises(orgsim.ValidationError, match="round to different integers"):
        Uncertainties({"sales.reps": (5.2, 5.4)})


def test_nested_stock_parameters_can_be_uncertain() -> None:
    u = Uncertainties({"market.brand.weekly_retention": (0.85, 0.95)})
    points = u.latin_hypercube(4, seed=1)
    scenario = orgsim.Scenario().replace(**{"market.brand.weekly_retention": float(points.iloc[0, 0])})
    assert 0.85 <= scenario.market.brand.weekly_retention <= 0.95


def test_points_round_integer_fields_exactly_as_the_latin_hypercube_does() -> None:
    ranges = {"sales.reps": (5, 20), "inbound.base_rate_per_day": (10.0, 60.0)}
    u = Uncertainties(ranges)
    design = LatinHypercube(ranges, n=12, seed=3)
    assert u.points(design.unit_sample()).equals(design.points())
    assert u.latin_hypercube(12, seed=3).equals(design.points())


def test_a_number_field_declared_integer_is_rounded() -> None:
    u = Uncertainties([Uncertain("deals.cycle_days_median", 30.0, 120.0, integer=True)])
    values = u.points(np.array([[0.0], [0.123], [0.5], [1.0]]))["deals.cycle_days_median"].to_numpy()
    assert values.tolist() == [30.0, 41.0, 75.0, 120.0]


def test_points_refuse_a_sample_of_the_wrong_width() -> None:
    u = Uncertainties({"sales.reps": (5, 20)})
    with pytest.raises(orgsim.ValidationError, match=r"shape \(n, 1\)"):
        u.points(np.zeros((3, 2)))


def test_toml_round_trip(tmp_path: Path) -> None:
    u = Uncertainties(
        [
            Uncertain("sales.reps", 5, 20),
            Uncertain("deals.cycle_days_median", 30.0, 120.0, integer=True),
            Uncertain("costs.gross_margin", 0.6, 0.8),
        ]
    )
    path = tmp_path / "uncertain.toml"
    u.to_toml(path)
    assert Uncertainties.from_toml(path) == u


def test_a_scenario_file_may_carry_an_uncertain_table_that_from_toml_skips(tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(
        'name = "with uncertainty"\n[sales]\nreps = 12\n'
        '[uncertain]\n"sales.reps" = [5, 20]\n'
        "[uncertain.deals]\ncycle_days_median = { low = 30.0, high = 90.0 }\n"
    )
    scenario = orgsim.Scenario.from_toml(path)
    assert scenario.sales.reps == 12
    u = Uncertainties.from_toml(path)
    assert u.ranges == {"sales.reps": (5.0, 20.0), "deals.cycle_days_median": (30.0, 90.0)}


def test_unknown_top_level_keys_in_a_scenario_file_are_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text('[uncertainty]\n"sales.reps" = [5, 20]\n')
    with pytest.raises(orgsim.ValidationError, match=r"uncertainty = .*unknown key"):
        orgsim.Scenario.from_toml(path)


def test_a_bad_declaration_in_toml_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[uncertain]\n"sales.reps" = [20, 5]\n')
    with pytest.raises(orgsim.ValidationError) as err:
        Uncertainties.from_toml(path)
    assert err.value.fields == [f"{path}: uncertain['sales.reps']"]


def test_a_toml_file_without_an_uncertain_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.toml"
    path.write_text('name = "x"\n')
    with pytest.raises(orgsim.ValidationError, match=r"\[uncertain\]"):
        Uncertainties.from_toml(path)

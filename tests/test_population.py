"""LeaderPopulation: a declared distribution of leader profiles for one seat.

Grouped as the specification reads: refusing bad input, the typical leader as the zero-spread
case, talent and pairing across backgrounds, the random numbers a seat takes, and the
distribution itself checked against its parameters over 4000 seeded draws.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import warnings

import numpy as np
import pytest

from orgsim.config.errors import ValidationError
from orgsim.config.population import (
    NOISE_ATTRIBUTES,
    SEAT_DRAW_SIZE,
    SHARE_ATTRIBUTES,
    TALENT_ATTRIBUTES,
    LeaderPopulation,
    SeatDraw,
)
from orgsim.config.structure import Leader

N_DRAWS = 4000
BACKGROUND = 0.5
#: Every loading and spread 0: the population of typical leaders.
TYPICAL = LeaderPopulation(talent_loading=0.0, spread=0.0, horizon_spread=0.0, bias_spread=0.0)
NUMERIC = [f.name for f in dataclasses.fields(Leader) if f.name != "agreed_scoring_criteria"]


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.log(p / (1.0 - p))


def _draw(talent: float = 0.0, noise: float | tuple[float, ...] = 0.0, u: float = 0.5) -> SeatDraw:
    noise = noise if isinstance(noise, tuple) else (noise,) * len(NOISE_ATTRIBUTES)
    return SeatDraw(talent, noise, u)


@pytest.fixture(scope="module")
def many() -> tuple[LeaderPopulation, list[SeatDraw], list[Leader]]:
    """4000 leaders of the default population at background 0.5, seed 2026."""
    population = LeaderPopulation()
    rng = np.random.default_rng(2026)
    draws = [population.draw_seat(rng) for _ in range(N_DRAWS)]
    return population, draws, [population.profile(BACKGROUND, d) for d in draws]


# -- refusing bad input ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("background", "message"),
    [
        (None, "background = None: a number in [0, 1]"),
        ("sales", "background = 'sales': a number in [0, 1]"),
        (float("nan"), "background = nan: a finite number in [0, 1]"),
        (1.5, "background = 1.5: must be in [0, 1]"),
        (-0.1, "background = -0.1: must be in [0, 1]"),
        (True, "background = True: a number in [0, 1]"),
    ],
)
def test_a_seat_with_no_valid_background_is_refused_naming_background(background: object, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        LeaderPopulation().profile(background, _draw())  # type: ignore[arg-type]
    assert info.value.fields == ["background"]
    assert str(info.value.problems[0]) == message


def test_a_refused_background_draws_no_numbers() -> None:
    rng, untouched = np.random.default_rng(1), np.random.default_rng(1)
    with pytest.raises(ValidationError, match="background = None"):
        LeaderPopulation().sample(None, rng)  # type: ignore[arg-type]
    assert rng.bit_generator.state == untouched.bit_generator.state


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"spread": -1.0}, r"population.spread = -1.0: must be in \[0, 5\]"),
        ({"talent_loading": 6.0}, r"population.talent_loading = 6.0: must be in \[0, 5\]"),
        ({"horizon_spread": float("inf")}, r"population.horizon_spread = inf: a finite number in \[0, 3\]"),
        ({"bias_spread": 2.5}, r"population.bias_spread = 2.5: must be in \[0, 2\]"),
        ({"agreed_criteria_rate": 1.2}, r"population.agreed_criteria_rate = 1.2: must be in \[0, 1\]"),
    ],
)
def test_a_parameter_out_of_range_is_refused_naming_it_and_its_value(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        LeaderPopulation(**changes)
    assert info.value.fields == [f"population.{next(iter(changes))}"]


def test_from_dict_names_every_problem_under_population() -> None:
    with pytest.raises(ValidationError) as info:
        LeaderPopulation.from_dict({"spread": -1, "sprad": 0.2})
    assert info.value.fields == ["population.spread", "population.sprad"]
    with pytest.raises(ValidationError, match="population = 3: a table of fields"):
        LeaderPopulation.from_dict(3)  # type: ignore[arg-type]


def test_to_dict_and_from_dict_round_trip() -> None:
    population = LeaderPopulation(spread=0.5, agreed_criteria_rate=0.0)
    assert LeaderPopulation.from_dict(population.to_dict()) == population
    assert LeaderPopulation.from_dict({}) == LeaderPopulation()


def test_fixed_attributes_are_checked_as_leader_attributes() -> None:
    with pytest.raises(ValidationError, match=r"leader.horizn_days = 365: unknown attribute; did you mean 'horizon_days'\?"):
        LeaderPopulation().profile(0.5, _draw(), horizn_days=365)
    with pytest.raises(ValidationError, match=r"leader.sales_understanding = 2: must be in \[0, 1\]"):
        LeaderPopulation().profile(0.5, _draw(), sales_understanding=2)


def test_a_seat_draw_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        SeatDraw(float("nan"), (0.0,) * (len(NOISE_ATTRIBUTES) - 1), 1.0)
    assert info.value.fields == ["seat_draw.talent", "seat_draw.noise", "seat_draw.u_criteria"]
    with pytest.raises(ValidationError, match="seat_draw"):
        SeatDraw.from_numbers([0.0] * (SEAT_DRAW_SIZE - 1))
    with pytest.raises(TypeError, match=r"numpy\.random\.Generator"):
        LeaderPopulation.draw_seat(np.random.RandomState(1))  # type: ignore[arg-type]


# -- the typical leader --------------------------------------------------------------------------
@pytest.mark.parametrize("background", [0.0, 0.2, 0.5, 0.8, 1.0])
@pytest.mark.parametrize("talent", [-3.0, 0.0, 2.5])
def test_zero_loading_and_spreads_give_the_backgrounds_defaults_exactly(background: float, talent: float) -> None:
    draw = _draw(talent, tuple(np.linspace(-2.5, 2.5, len(NOISE_ATTRIBUTES))))
    leader, typical = TYPICAL.profile(background, draw), Leader(background=background)
    assert {n: getattr(leader, n) for n in NUMERIC} == {n: getattr(typical, n) for n in NUMERIC}


def test_fixed_attributes_override_the_drawn_ones_and_salary_keeps_its_default() -> None:
    draw = _draw(1.0, 1.0)
    leader = LeaderPopulation().profile(0.3, draw, horizon_days=365.0, bias=0.0, agreed_scoring_criteria=False)
    assert (leader.horizon_days, leader.bias, leader.agreed_scoring_criteria) == (365.0, 0.0, False)
    assert leader.salary_usd_per_year == Leader().salary_usd_per_year
    assert LeaderPopulation().profile(0.3, draw, salary_usd_per_year=0.0).salary_usd_per_year == 0.0
    assert leader.sales_understanding == LeaderPopulation().profile(0.3, draw).sales_understanding


def test_one_attribute_follows_the_stated_formula() -> None:
    population = LeaderPopulation(talent_loading=0.5, spread=0.35, horizon_spread=0.3, bias_spread=0.15)
    noise = tuple(0.1 * (k + 1) for k in range(len(NOISE_ATTRIBUTES)))
    draw, default = _draw(1.2, noise), Leader(background=0.25)
    leader = population.profile(0.25, draw)
    k = NOISE_ATTRIBUTES.index("crm_discipline")
    x = math.log(default.crm_discipline / (1 - default.crm_discipline)) + 0.5 * 1.2 + 0.35 * noise[k]  # type: ignore[operator]
    assert leader.crm_discipline == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-12)
    k = NOISE_ATTRIBUTES.index("horizon_days")
    assert leader.horizon_days == pytest.approx(default.horizon_days * math.exp(0.3 * noise[k]), rel=1e-12)  # type: ignore[operator]
    k = NOISE_ATTRIBUTES.index("bias")
    assert leader.bias == pytest.approx(default.bias + 0.15 * noise[k], rel=1e-12)  # type: ignore[operator]


def test_extreme_noise_stays_within_each_attributes_range() -> None:
    wide = LeaderPopulation(talent_loading=5.0, spread=5.0, horizon_spread=3.0, bias_spread=2.0)
    for sign in (-1.0, 1.0):
        leader = wide.profile(0.5, _draw(sign * 40.0, sign * 1e6))
        assert leader.horizon_days == (36_500.0 if sign > 0 else 1.0)
        assert leader.bias == sign
        assert all(0.0 <= getattr(leader, n) <= 1.0 for n in SHARE_ATTRIBUTES)


# -- talent and pairing ----------------------------------------------------------------------
@pytest.mark.parametrize("background", [0.0, 0.5, 1.0])
def test_higher_talent_raises_every_talent_attribute_and_nothing_else(background: float) -> None:
    population, noise = LeaderPopulation(), tuple(np.linspace(-1, 1, len(NOISE_ATTRIBUTES)))
    leaders = [population.profile(background, _draw(t, noise)) for t in (-2.0, -0.5, 0.0, 0.7, 2.0)]
    for name in TALENT_ATTRIBUTES:
        values = [getattr(leader, name) for leader in leaders]
        assert all(a < b for a, b in itertools.pairwise(values)), name
    for name in ("quota_sensitivity", "discount_authority", "delegation", "horizon_days", "bias"):
        assert len({getattr(leader, name) for leader in leaders}) == 1, name


@pytest.mark.parametrize("population", [LeaderPopulation(spread=0.0), LeaderPopulation()], ids=["spread 0", "default"])
def test_the_same_draws_rank_leaders_alike_at_every_background(population: LeaderPopulation) -> None:
    """Replication r puts the same talent quantile into the seat of every structure."""
    rng = np.random.default_rng(11)
    draws = [population.draw_seat(rng) for _ in range(200)]
    by_background = {
        b: {name: np.argsort([getattr(population.profile(b, d), name) for d in draws]) for name in TALENT_ATTRIBUTES}
        for b in (0.0, 0.5, 1.0)
    }
    for name in TALENT_ATTRIBUTES:
        assert np.array_equal(by_background[0.0][name], by_background[0.5][name]), name
        assert np.array_equal(by_background[0.0][name], by_background[1.0][name]), name
    if population.spread == 0.0:  # then every talent attribute ranks leaders by talent itself
        assert np.array_equal(by_background[0.0]["sales_understanding"], np.argsort([d.talent for d in draws]))


# -- the random numbers of a seat ------------------------------------------------------------
def test_the_same_seed_gives_the_same_leaders() -> None:
    population = LeaderPopulation()
    first = [population.sample(0.3, rng) for rng in [np.random.default_rng(5)] for _ in range(50)]
    again = [population.sample(0.3, rng) for rng in [np.random.default_rng(5)] for _ in range(50)]
    assert first == again
    assert len({leader.sales_understanding for leader in first}) == 50


@pytest.mark.parametrize("other", [TYPICAL, LeaderPopulation(spread=0.0), LeaderPopulation(talent_loading=5.0, agreed_criteria_rate=1.0)])
def test_a_seat_takes_the_same_random_numbers_whatever_the_parameters(other: LeaderPopulation) -> None:
    rng_default, rng_other = np.random.default_rng(3), np.random.default_rng(3)
    for _ in range(20):
        LeaderPopulation().sample(0.5, rng_default)
        other.sample(0.5, rng_other)
    assert rng_default.bit_generator.state == rng_other.bit_generator.state


def test_a_seat_draw_is_its_numbers_in_the_documented_order() -> None:
    draw = LeaderPopulation.draw_seat(np.random.default_rng(9))
    numbers = np.random.default_rng(9)
    assert draw.talent == numbers.standard_normal()
    assert draw.noise == tuple(numbers.standard_normal(len(NOISE_ATTRIBUTES)))
    assert draw.u_criteria == numbers.random()
    assert len(draw.numbers) == SEAT_DRAW_SIZE == 12
    assert SeatDraw.from_numbers(draw.numbers) == draw
    assert draw.noise_of("bias") == draw.noise[-1]


# -- agreed scoring criteria -----------------------------------------------------------------
def test_rates_of_0_and_1_are_exact_and_warn_of_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for talent in (-40.0, 0.0, 40.0):
            for u in (0.0, 0.5, 0.999999):
                assert (
                    LeaderPopulation(talent_loading=5.0, agreed_criteria_rate=0.0).profile(0.5, _draw(talent, u=u)).agreed_scoring_criteria
                    is False
                )
                assert (
                    LeaderPopulation(talent_loading=5.0, agreed_criteria_rate=1.0).profile(0.5, _draw(talent, u=u)).agreed_scoring_criteria
                    is True
                )


def test_talent_raises_the_chance_of_agreed_criteria() -> None:
    population = LeaderPopulation(talent_loading=1.0, agreed_criteria_rate=0.3)
    assert population.agreed_criteria_probability(0.0) == 0.3
    chances = [population.agreed_criteria_probability(t) for t in (-2.0, -1.0, 0.0, 1.0, 2.0)]
    assert all(a < b for a, b in itertools.pairwise(chances))
    assert chances[3] == pytest.approx(1 / (1 + math.exp(-(math.log(0.3 / 0.7) + 1.0))))


def test_the_share_with_agreed_criteria_matches_the_rate_averaged_over_talent(many) -> None:  # type: ignore[no-untyped-def]
    """E[expit(logit(rate) + loading * Z)] by Gauss-Hermite; SE of a share = sqrt(p (1 - p) / n)."""
    population, _, leaders = many
    z, w = np.polynomial.hermite_e.hermegauss(60)
    x = _logit(population.agreed_criteria_rate) + population.talent_loading * z
    expected = float(np.sum(w / (1 + np.exp(-x))) / np.sqrt(2 * np.pi))
    share = np.mean([leader.agreed_scoring_criteria for leader in leaders])
    se = math.sqrt(expected * (1 - expected) / N_DRAWS)  # about 0.0072
    assert abs(share - expected) < 4 * se


# -- the distribution against its parameters -------------------------------------------------
def _shift_stats(leaders: list[Leader], name: str) -> tuple[float, float]:
    """Mean and sd of the attribute's departure from its default, on its own scale (logit, log or plain)."""
    values, default = np.array([getattr(leader, name) for leader in leaders]), getattr(Leader(background=BACKGROUND), name)
    if name == "horizon_days":
        shift = np.log(values / default)
    elif name == "bias":
        shift = values - default
    else:
        shift = _logit(values) - _logit(default)
    return float(np.mean(shift)), float(np.std(shift, ddof=1))


def _expected_sd(population: LeaderPopulation, name: str) -> float:
    if name in TALENT_ATTRIBUTES:
        return math.hypot(population.talent_loading, population.spread)
    return {"horizon_days": population.horizon_spread, "bias": population.bias_spread}.get(name, population.spread)


@pytest.mark.parametrize("name", NOISE_ATTRIBUTES)
def test_each_attribute_departs_from_its_default_with_the_declared_sd(many, name: str) -> None:  # type: ignore[no-untyped-def]
    """Over 4000 draws: |mean| < 4 SE with SE = sd / sqrt(n) (about 0.0097 for a talent
    attribute), and |sd - expected| < 4 SE with SE = sd / sqrt(2 (n - 1)) (about 0.0068)."""
    population, _, leaders = many
    mean, sd = _shift_stats(leaders, name)
    expected = _expected_sd(population, name)
    assert abs(mean) < 4 * expected / math.sqrt(N_DRAWS), (name, mean)
    assert abs(sd - expected) < 4 * expected / math.sqrt(2 * (N_DRAWS - 1)), (name, sd, expected)


def test_talent_attributes_share_the_talents_variance_and_the_others_do_not(many) -> None:  # type: ignore[no-untyped-def]
    """Correlation of two talent attributes' logits = loading^2 / (loading^2 + spread^2) (0.67 by
    default), within 4 SE with SE = (1 - rho^2) / sqrt(n) (about 0.0088); a talent attribute and
    quota_sensitivity are uncorrelated (SE = 1 / sqrt(n), about 0.016)."""
    population, _, leaders = many
    logits = {n: _logit([getattr(leader, n) for leader in leaders]) for n in ("sales_understanding", "crm_discipline", "quota_sensitivity")}
    rho = population.talent_loading**2 / (population.talent_loading**2 + population.spread**2)
    shared = np.corrcoef(logits["sales_understanding"], logits["crm_discipline"])[0, 1]
    assert abs(shared - rho) < 4 * (1 - rho**2) / math.sqrt(N_DRAWS)
    apart = np.corrcoef(logits["sales_understanding"], logits["quota_sensitivity"])[0, 1]
    assert abs(apart) < 4 / math.sqrt(N_DRAWS)


def test_the_seat_draws_are_standard_normal_and_uniform(many) -> None:  # type: ignore[no-untyped-def]
    """Means within 4 SE (1 / sqrt(n) for a standard normal, sqrt(1/12 / n) for the uniform)."""
    _, draws, _ = many
    talent, u = np.array([d.talent for d in draws]), np.array([d.u_criteria for d in draws])
    assert abs(talent.mean()) < 4 / math.sqrt(N_DRAWS)
    assert abs(u.mean() - 0.5) < 4 * math.sqrt(1 / 12 / N_DRAWS)
    assert np.all((u >= 0) & (u < 1))

"""The distribution families of the sales cycle and the deal size (``deals.cycle_family``,
``deals.deal_size_family``): what the model draws, how a bad value is refused, and calibration
choosing a family and writing it into the scenario.

Statistical checks state their tolerance: a Monte Carlo mean within 4 standard errors (fails by
chance about 6 times in 100,000), a Kolmogorov-Smirnov p-value above 0.001; each is run on a
fixed seed, so it passes or fails the same way every time.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from scipy.special import gammaincinv

import orgsim
from orgsim.config import Deals, ValidationError
from orgsim.experiment import calibrate
from orgsim.experiment.calibrate.deals import _shaped_fields_allowed
from orgsim.experiment.calibrate.families import AnchoredFit
from orgsim.experiment.calibrate.findings import Findings
from orgsim.model.pipeline import cycle_quantile, size_quantile

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ("lognormal", "gamma", "weibull")
#: Shapes with little and much spread: gamma 0.8 and Weibull 0.8 are more spread than an exponential.
SHAPES = (0.8, 3.0)


def _deals(family: str, shape: float) -> Deals:
    return Deals(cycle_family=family, cycle_shape=shape, deal_size_family=family, deal_size_shape=shape, cycle_days_median=45.0)


def _declared(deals: Deals, what: str) -> stats.rv_continuous:
    """The distribution the scenario declares, in scipy: the cycle with its median, the size with mean 1."""
    family, k = (deals.cycle_family, deals.cycle_shape) if what == "cycle" else (deals.deal_size_family, deals.deal_size_shape)
    if family == "lognormal":
        if what == "cycle":
            return stats.lognorm(deals.cycle_sigma, scale=deals.cycle_days_median)
        return stats.lognorm(deals.deal_size_sigma, scale=math.exp(-0.5 * deals.deal_size_sigma**2))
    if what == "cycle":
        unit_median = gammaincinv(k, 0.5) if family == "gamma" else math.log(2.0) ** (1.0 / k)
        scale = deals.cycle_days_median / unit_median
    else:
        scale = 1.0 / k if family == "gamma" else 1.0 / math.gamma(1.0 + 1.0 / k)
    return stats.gamma(k, scale=scale) if family == "gamma" else stats.weibull_min(k, scale=scale)


# -- what the model draws ------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_has_the_declared_median_cycle_and_mean_one_size(family, shape):
    deals = _deals(family, shape)
    cycle, size = cycle_quantile(deals), size_quantile(deals)
    # the median is exact: z = 0 is the median of the standard normal and the draws are monotone in z
    assert cycle(0.0) == pytest.approx(45.0, rel=1e-12)
    # the mean of the size, integrated over z (quadrature, not sampling): 1 up to the clipped tails (u in [1e-12, 1 - 1e-12])
    mean, _ = integrate.quad(lambda z: size(z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi), -8.5, 8.5, limit=200)
    assert mean == pytest.approx(1.0, abs=1e-6)
    # and by sampling: 100,000 draws, the mean within 4 standard errors of 1, the share of cycles
    # below the median within 4 binomial standard errors (0.0063) of 1/2, and each sample the declared family (KS)
    z = np.random.default_rng(np.random.SeedSequence([16, 4])).standard_normal(100_000).tolist()
    sizes = np.array([size(v) for v in z])
    cycles = np.array([cycle(v) for v in z])
    se = sizes.std(ddof=1) / math.sqrt(len(sizes))
    assert abs(sizes.mean() - 1.0) <= 4 * se, (sizes.mean(), se)
    assert abs((cycles < 45.0).mean() - 0.5) <= 4 * math.sqrt(0.25 / len(cycles))
    assert stats.kstest(cycles, _declared(deals, "cycle").cdf).pvalue > 0.001
    assert stats.kstest(sizes, _declared(deals, "size").cdf).pvalue > 0.001


def test_every_family_draws_from_the_same_normal_in_the_same_order():
    """Common random numbers: a lead with a longer cycle in one family has a longer one in every
    family (each is a monotone function of the lead's z_cycle)."""
    z = np.random.default_rng(np.random.SeedSequence([16, 5])).standard_normal(2000).tolist()
    orders = [np.argsort([cycle_quantile(_deals(f, 2.0))(v) for v in z], kind="stable") for f in FAMILIES]
    assert all((order == orders[0]).all() for order in orders[1:])


def test_extreme_normals_give_finite_positive_draws():
    for family in ("gamma", "weibull"):
        deals = _deals(family, 0.1)
        for z in (-40.0, -8.0, 8.0, 40.0):
            assert 0.0 <= cycle_quantile(deals)(z) < math.inf and 0.0 <= size_quantile(deals)(z) < math.inf


def test_a_gamma_cycle_and_weibull_size_scenario_runs_and_draws_them():
    scenario = orgsim.Scenario().replace(
        **{"deals.cycle_family": "gamma", "deals.cycle_shape": 2.5, "deals.deal_size_family": "weibull", "deals.deal_size_shape": 1.2}
    )
    result = orgsim.simulate(scenario, seed=3, record_leads=True, horizon_days=365)
    assert result.totals["wins"] > 100 and result.totals["bookings_usd"] > 0
    log = result.leads
    # opportunities opened in the first 150 days have all closed by day 365: their cycles, with the
    # readiness factor divided out, are the declared gamma (median 45 days)
    opened = log[(log["opportunity_at"] >= 0) & (log["opportunity_at"] < 150)]
    assert opened["closed_at"].notna().all()
    effect, mean_readiness = scenario.deals.readiness_cycle_effect, scenario.leads.readiness_mean
    factor = (1 - effect * opened["readiness"]) / (1 - effect * mean_readiness)
    cycles = (opened["closed_at"] - opened["opportunity_at"]) / factor
    assert stats.kstest(cycles, _declared(scenario.deals, "cycle").cdf).pvalue > 0.001
    # won deals' sizes (value / list price / kept share) are the declared Weibull with mean 1
    won = log[log["won"].astype(bool) & (log["arrived_at"] >= 0)]
    sizes = won["value"] / (scenario.deals.list_price_usd * (1 - won["discount"]))
    assert stats.kstest(sizes, _declared(scenario.deals, "size").cdf).pvalue > 0.001


def _golden_module():
    spec = importlib.util.spec_from_file_location("golden", ROOT / "tests" / "test_golden.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lognormal_default_leaves_golden_results_unchanged_whatever_the_unused_shapes():
    golden = _golden_module()
    expected = json.loads((ROOT / "tests" / "golden" / "hashes.json").read_text())["preset/siloed/seed11"]
    assert Deals().cycle_family == Deals().deal_size_family == "lognormal"
    for scenario in (
        orgsim.Scenario(),
        orgsim.Scenario().replace(**{"deals.cycle_family": "lognormal", "deals.cycle_shape": 7.0, "deals.deal_size_shape": 0.3}),
    ):
        result = orgsim.simulate(scenario, orgsim.presets.siloed(), seed=11, horizon_days=365, record_leads=True)
        assert golden.run_hash(result) == expected


# -- refused values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("cycle_family", "normal", "'lognormal', 'gamma', 'weibull'"),
        ("cycle_family", "Gamma", "did you mean 'gamma'"),
        ("deal_size_family", 2, "a string"),
        ("cycle_shape", 0.0, "[0.1, 100]"),
        ("cycle_shape", 101.0, "[0.1, 100]"),
        ("deal_size_shape", -1.0, "[0.1, 100]"),
        ("deal_size_shape", math.nan, "[0.1, 100]"),
        ("deal_size_shape", "2", "a number"),
    ],
)
def test_bad_family_or_shape_is_refused_naming_the_field(field, value, allowed):
    with pytest.raises(ValidationError) as info:
        orgsim.Scenario().replace(**{f"deals.{field}": value})
    assert info.value.fields == [f"deals.{field}"]
    assert allowed in str(info.value), str(info.value)


def test_a_bad_family_in_a_scenario_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_text('[deals]\ncycle_family = "weibul"\n')
    with pytest.raises(ValidationError) as info:
        orgsim.Scenario.from_toml(path)
    assert "deals.cycle_family" in str(info.value) and "did you mean 'weibull'" in str(info.value)


def test_a_family_round_trips_through_toml(tmp_path):
    scenario = orgsim.Scenario().replace(**{"deals.cycle_family": "weibull", "deals.cycle_shape": 2.25})
    scenario.to_toml(tmp_path / "s.toml")
    assert orgsim.Scenario.from_toml(tmp_path / "s.toml") == scenario


# -- calibration writes the chosen family ------------------------------------------------------

GAMMA_TRUTH = {"deals.cycle_family": "gamma", "deals.cycle_shape": 1.5, "deals.deal_size_family": "weibull", "deals.deal_size_shape": 2.0}


@pytest.fixture(scope="module")
def gamma_calibration() -> calibrate.Calibration:
    # two years of deals (about 1,700 opportunities, 400 won): at this size the family test picked
    # the generating families in 20 of 20 seeds (gamma cycle, Weibull size); at one year about 9 in 10
    result = orgsim.simulate(orgsim.Scenario().replace(**GAMMA_TRUTH), seed=1, record_leads=True, horizon_days=730)
    return calibrate.from_opportunities(calibrate.deals_from_run(result), base_runs=2)


def test_the_family_test_on_a_model_export_picks_gamma_and_the_scenario_uses_it(gamma_calibration):
    cal = gamma_calibration
    fits = cal.tables["fits"].set_index(["quantity", "family"])
    assert fits.loc[("cycle_days", "gamma"), "chosen"] and fits.loc[("deal_size_usd", "weibull"), "chosen"]
    deals = cal.scenario.deals
    assert (deals.cycle_family, deals.deal_size_family) == ("gamma", "weibull")
    assert cal.fields["deals.cycle_family"] == "gamma" and cal.fields["deals.deal_size_family"] == "weibull"
    # four interval checks on one export: each 95% interval is widened to the Bonferroni family
    # level (z = 2.50 instead of 1.96), so that the four together fail by chance < 5%
    scale = float(stats.norm.ppf(1 - 0.025 / 4)) / float(stats.norm.ppf(0.975))
    truths = {**GAMMA_TRUTH, "deals.cycle_days_median": 45.0, "deals.list_price_usd": 30_000.0}
    for field in ("deals.cycle_shape", "deals.cycle_days_median", "deals.deal_size_shape", "deals.list_price_usd"):
        row = cal.estimate(field)
        low = row["estimate"] - scale * (row["estimate"] - row["ci_low"])
        high = row["estimate"] + scale * (row["ci_high"] - row["estimate"])
        assert low <= truths[field] <= high, (field, row.to_dict())
        assert getattr(deals, field.split(".")[1]) == pytest.approx(row["estimate"])
    # the lognormal-only fields are neither estimated for the scenario nor changed
    assert deals.cycle_sigma == orgsim.Scenario().deals.cycle_sigma and "deals.cycle_sigma" not in cal.fields
    assert "deals.deal_size_sigma" not in cal.fields
    assert any("deals.cycle_family = 'gamma'" in note for note in cal.notes)
    assert "deals.cycle_family=gamma" in repr(cal)


def test_the_export_chooses_the_families_whatever_the_base_says():
    """A lognormal model's export calibrated from a gamma base chooses what it chooses from a
    lognormal base: the data pick the family, not the base. (A realised deal value is a lognormal
    size times 1 - discount, so with about 170 deals the family test may pick a neighbour of the
    lognormal for the size: seed 7 does, since referrals, attrition and budgets are on.)"""
    result = orgsim.simulate(orgsim.Scenario(), seed=7, record_leads=True, horizon_days=365)
    deals = calibrate.deals_from_run(result)
    gamma = orgsim.Scenario().replace(**{"deals.cycle_family": "gamma", "deals.deal_size_family": "gamma"})
    from_gamma = calibrate.from_opportunities(deals, base=gamma, base_runs=1)
    from_lognormal = calibrate.from_opportunities(deals, base_runs=1)
    families = (from_gamma.scenario.deals.cycle_family, from_gamma.scenario.deals.deal_size_family)
    assert families == (from_lognormal.scenario.deals.cycle_family, from_lognormal.scenario.deals.deal_size_family)
    assert families[0] == "lognormal" and "deals.cycle_sigma" in from_gamma.fields
    shape_fields = {field for field in from_gamma.fields if field.endswith(("_sigma", "_shape"))}
    assert shape_fields == {field for field in from_lognormal.fields if field.endswith(("_sigma", "_shape"))}


def _two_humped_amounts(seed: int = 0, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(np.random.SeedSequence([16, 6, seed]))
    created = np.sort(rng.uniform(0, 200, n))
    close = created + 30 * np.exp(0.6 * rng.standard_normal(n))
    amount = np.where(rng.random(n) < 0.5, rng.normal(5_000, 300, n), rng.normal(90_000, 4_000, n))
    return pd.DataFrame({"created_at": created, "closed_at": close, "won": True, "amount": amount.round(2)})


def test_when_no_family_fits_the_scenario_keeps_the_lognormal_and_says_so():
    base = orgsim.Scenario().replace(**{"deals.deal_size_family": "weibull"})
    cal = calibrate.from_opportunities(_two_humped_amounts(), base=base, base_runs=1, end=300.0)
    fits = cal.tables["fits"]
    assert not fits[fits["quantity"] == "deal_size_usd"]["fits"].any()
    assert cal.scenario.deals.deal_size_family == "lognormal" and cal.fields["deals.deal_size_family"] == "lognormal"
    assert any("no family fits, so the scenario's size stays lognormal" in note for note in cal.notes)


def test_a_fitted_shape_outside_the_fields_range_keeps_the_lognormal_and_says_so():
    found = Findings()
    fit = AnchoredFit("gamma", "median", 40.0, 250.0, np.eye(2) * 1e-4, 0.0)
    assert not _shaped_fields_allowed(found, fit, "gamma", "cycle", "cycle_shape")
    assert "outside deals.cycle_shape's range" in found.notes[0] and "keeps the lognormal" in found.notes[0]

"""Which distribution family fits a duration or an amount: lognormal, gamma or Weibull, or none.

:func:`fit_families` fits each candidate of :data:`FAMILIES` by maximum likelihood with scipy
(``scipy.stats.<family>.fit`` with the location fixed at 0; right-censored values, such as the
cycles of deals still open at the export, go in as ``scipy.stats.CensoredData``, so the
likelihood uses the density of each observed value and the survival function of each censored
one). For each it reports:

* the log-likelihood and ``AIC = 2 k - 2 log L`` (``k = 2``: shape and scale);
* a Kolmogorov-Smirnov distance ``D``: the largest gap between the fitted CDF and the
  Kaplan-Meier estimate of the CDF (``scipy.stats.ecdf``, which is the plain empirical CDF when
  nothing is censored), taken just before and at each observed value. It is compared with
  ``1.358 / sqrt(n_observed)``, the 5% critical value of the Kolmogorov distribution with known
  parameters and no censoring. With parameters estimated from the same data the true level is
  well below 5% (the test is conservative), and under censoring the Kaplan-Meier estimate is
  noisier than an empirical CDF of the observed values alone, which counting only the observed
  values partly allows for: a family that fails is clearly wrong, one that passes may still be
  only roughly right.

**The rule.** Among the families that pass the KS check, the one with the lowest AIC is chosen;
if none passes, the choice is ``"empirical"`` (the Kaplan-Meier estimate itself) and a note says
that no family fits. When the next family's AIC is within 2 of the chosen one, the note says the
data hardly tell them apart.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The candidate families (scipy.stats names, and how orgsim names them).
FAMILIES: dict[str, str] = {"lognormal": "lognorm", "gamma": "gamma", "weibull": "weibull_min"}
#: The 5% critical value of sqrt(n) times the Kolmogorov-Smirnov distance.
KS_CRITICAL_5 = 1.358
#: AIC differences below this do not distinguish two families (Burnham & Anderson 2002).
AIC_CLOSE = 2.0
#: The columns of a fit table.
FIT_COLUMNS = ["quantity", "family", "shape", "scale", "median", "mean", "loglik", "aic", "ks_distance", "ks_critical", "fits", "chosen"]


@dataclass
class FamilyChoice:
    """The candidates' fits (one row each, as :data:`FIT_COLUMNS`) and the family chosen."""

    table: pd.DataFrame
    chosen: str  # a key of FAMILIES, or "empirical"
    note: str  # what the choice rests on, for Calibration.notes

    def row(self, family: str) -> pd.Series:
        return self.table.set_index("family").loc[family]


def fit_families(values: np.ndarray, observed: np.ndarray, quantity: str) -> FamilyChoice:
    """Fit every family to ``values`` (``observed`` False: right-censored there) and choose one."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    d = np.asarray(observed, dtype=bool)
    data = stats.CensoredData(uncensored=x[d], right=x[~d]) if (~d).any() else x
    km = stats.ecdf(data).cdf
    n_obs = int(d.sum())
    critical = KS_CRITICAL_5 / math.sqrt(n_obs)
    rows = []
    for name, scipy_name in FAMILIES.items():
        family = getattr(stats, scipy_name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                shape, _, scale = family.fit(data, floc=0)
        except (ValueError, RuntimeError, FloatingPointError):  # e.g. every value equal: no fit, and the family is out
            rows.append({"quantity": quantity, "family": name, "fits": False, "aic": math.inf})
            continue
        frozen = family(shape, loc=0, scale=scale)
        loglik = float(frozen.logpdf(x[d]).sum() + frozen.logsf(x[~d]).sum())
        ks = _ks_distance(frozen, km.quantiles, km.probabilities)
        rows.append(
            {
                "quantity": quantity,
                "family": name,
                "shape": float(shape),
                "scale": float(scale),
                "median": float(frozen.median()),
                "mean": float(frozen.mean()),
                "loglik": loglik,
                "aic": 4.0 - 2.0 * loglik,
                "ks_distance": ks,
                "ks_critical": critical,
                "fits": ks <= critical,
            }
        )
    table = pd.DataFrame(rows).reindex(columns=FIT_COLUMNS[:-1])
    table["ks_critical"] = critical
    table["fits"] = table["fits"].astype(bool)
    passing = table[table["fits"]].sort_values("aic")
    chosen = str(passing["family"].iloc[0]) if len(passing) else "empirical"
    table["chosen"] = table["family"] == chosen
    return FamilyChoice(table[FIT_COLUMNS], chosen, _note(table, passing, quantity, n_obs, int((~d).sum())))


def _ks_distance(frozen: object, points: np.ndarray, cdf: np.ndarray) -> float:
    """The largest gap between the fitted CDF and a step CDF, at and just before each step."""
    fitted = frozen.cdf(points)  # type: ignore[attr-defined]
    before = np.concatenate([[0.0], cdf[:-1]])
    return float(max(np.abs(fitted - cdf).max(), np.abs(fitted - before).max()))


def _note(table: pd.DataFrame, passing: pd.DataFrame, quantity: str, n_obs: int, n_cens: int) -> str:
    """What the choice rests on."""
    scores = ", ".join(f"{r.family} AIC {r.aic:.1f} KS {r.ks_distance:.3f}" for r in table.itertuples())
    base = (
        f"{quantity}: {n_obs} observed"
        + (f", {n_cens} right-censored" if n_cens else "")
        + f" ({scores}; KS 5% limit {table['ks_critical'].iloc[0]:.3f})"
    )
    if passing.empty:
        return f"{base}: no family fits (every KS distance is above the limit); use the Kaplan-Meier (empirical) median and quantiles."
    chosen = passing.iloc[0]
    text = f"{base}: {chosen.family} chosen (lowest AIC among the families the KS check accepts)"
    if len(passing) > 1 and passing["aic"].iloc[1] - chosen.aic < AIC_CLOSE:
        text += f"; {passing['family'].iloc[1]} is within {AIC_CLOSE:g} AIC of it, so the data hardly tell them apart"
    return text + "."


def km_median(values: np.ndarray, observed: np.ndarray) -> tuple[float, float, float]:
    """The Kaplan-Meier median and its 95% interval (scipy's log-log confidence band, inverted)."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    d = np.asarray(observed, dtype=bool)
    data = stats.CensoredData(uncensored=x[d], right=x[~d]) if (~d).any() else x
    sf = stats.ecdf(data).sf
    with warnings.catch_warnings():  # undefined at the last steps: the band is open there
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(0.95, method="log-log")
    t = sf.quantiles

    def first_below(p: np.ndarray) -> float:
        hit = np.flatnonzero(p <= 0.5)
        return float(t[hit[0]]) if len(hit) else math.inf

    return first_below(sf.probabilities), first_below(band.low.probabilities), first_below(band.high.probabilities)

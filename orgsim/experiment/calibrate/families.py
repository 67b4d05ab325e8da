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

**The scenario's form.** The fits above describe what the export shows. The scenario's cycle is
its family times each buyer's readiness factor, with median ``deals.cycle_days_median``; its won
amount is the list price times a size of mean 1 times the share the discount keeps.
:func:`fit_anchored` fits a gamma or Weibull in that form by maximum likelihood (Nelder-Mead on
``(log location, log shape)``, censored values by their survival probability, the factor a known
mixture of equally likely values from the base scenario's runs), with the normalization the model
draws with (:func:`orgsim.model.pipeline.unit_median`, :func:`~orgsim.model.pipeline.unit_mean`),
and the covariance from the observed information.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orgsim.experiment.calibrate.intervals import numeric_hessian

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


# ---------------------------------------------------------------------------------------------
# the scenario's form of a family: median or mean anchored, with a known mixing factor

#: How each scenario quantity is anchored: the cycle by its median, the size around list price by its mean 1.
ANCHORS = ("median", "mean")


@dataclass
class AnchoredFit:
    """A gamma or Weibull fitted in the scenario's form: ``exp(a) x X_k x exp(o)``, ``X_k`` of shape
    ``k`` with median (or mean) 1, ``o`` from a known mixing distribution.

    ``location`` is ``exp(a)`` (the median of a cycle, the list price of a size); ``cov`` the
    covariance of ``(a, log k)`` from the observed information."""

    family: str
    anchor: str
    location: float
    shape: float
    cov: np.ndarray
    loglik: float

    @property
    def se_log_location(self) -> float:
        return math.sqrt(self.cov[0, 0])

    @property
    def se_log_shape(self) -> float:
        return math.sqrt(self.cov[1, 1])

    def shape_interval(self, z: float = 1.959963984540054) -> tuple[float, float]:
        """The 95% interval of the shape, ``exp(log k +- z se)``."""
        return self.shape * math.exp(-z * self.se_log_shape), self.shape * math.exp(z * self.se_log_shape)


def unit_scale(family: str, shape: float, anchor: str) -> float:
    """The scale of a gamma or Weibull of shape ``shape`` whose median (or mean) is 1, as the model draws it."""
    from orgsim.model.pipeline import unit_mean, unit_median

    return 1.0 / (unit_median(family, shape) if anchor == "median" else unit_mean(family, shape))


def fit_anchored(values: np.ndarray, observed: np.ndarray, family: str, anchor: str, offsets: np.ndarray) -> AnchoredFit | None:
    """Maximum likelihood of ``family`` in the scenario's form (see :class:`AnchoredFit`), values
    with ``observed`` False right-censored there, the log factor ``o`` equally likely each of
    ``offsets``. None when the fit does not converge to a finite optimum with a proper covariance."""
    from scipy import optimize

    x = np.asarray(values, dtype=float)
    d = np.asarray(observed, dtype=bool)
    o = np.asarray(offsets, dtype=float)
    nll = _anchored_nll(np.log(x[d]), np.log(x[~d]), o, family, anchor)
    start = _anchored_start(x[d], o, family, anchor)
    fit = optimize.minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 4000})
    theta = fit.x
    if not (fit.success and np.isfinite(fit.fun)):
        return None
    hess = numeric_hessian(nll, theta)
    if not np.all(np.isfinite(hess)) or np.linalg.det(hess) <= 0 or hess[0, 0] <= 0:
        return None
    cov = np.linalg.inv(hess)
    return AnchoredFit(family, anchor, float(math.exp(theta[0])), float(math.exp(theta[1])), cov, -float(fit.fun))


def _anchored_nll(y_obs: np.ndarray, y_cens: np.ndarray, o: np.ndarray, family: str, anchor: str):  # type: ignore[no-untyped-def]
    """The negative log-likelihood of ``(a, log k)``: log values observed and censored, log factors ``o``."""
    from scipy import special

    log_k_mix = math.log(len(o))
    obs, cens = y_obs[:, None] - o[None, :], y_cens[:, None] - o[None, :]  # log(value / factor)

    def nll(theta: np.ndarray) -> float:
        a, log_k = float(theta[0]), float(theta[1])
        if not -50.0 < log_k < 10.0:
            return math.inf
        k = math.exp(log_k)
        try:
            log_s = a + math.log(unit_scale(family, k, anchor))  # log scale of the unmixed family
        except (ValueError, OverflowError, ZeroDivisionError):
            return math.inf
        lz_obs, lz_cens = obs - log_s, cens - log_s  # log(value / (factor x scale))
        if family == "weibull":
            dens = log_k + k * lz_obs - np.exp(k * lz_obs)
            surv = -np.exp(k * lz_cens)
        else:
            dens = k * lz_obs - np.exp(lz_obs) - special.gammaln(k)
            with np.errstate(divide="ignore"):
                surv = np.log(special.gammaincc(k, np.exp(lz_cens)))
        # log density of a value v = log f(w) - log(factor x scale), w = v / (factor x scale): that is
        # log f(w) + log w - log v, so ``dens`` is log(w f(w)) and log v is taken off once per value
        total = (special.logsumexp(dens, axis=1) - log_k_mix - y_obs).sum() + (special.logsumexp(surv, axis=1) - log_k_mix).sum()
        return -float(total) if np.isfinite(total) else math.inf

    return nll


def _anchored_start(x_obs: np.ndarray, o: np.ndarray, family: str, anchor: str) -> np.ndarray:
    """A start for the fit: the shape from the observed values' coefficient of variation, the location from their median or mean."""
    cv = float(x_obs.std() / x_obs.mean()) if len(x_obs) > 1 and x_obs.mean() > 0 else 1.0
    cv = min(max(cv, 0.05), 5.0)
    k = 1.0 / cv**2 if family == "gamma" else cv**-1.086
    k = min(max(k, 0.2), 50.0)
    centre = float(np.median(x_obs)) if anchor == "median" else float(x_obs.mean())
    return np.array([math.log(centre) - float(np.log(np.mean(np.exp(o)))), math.log(k)])

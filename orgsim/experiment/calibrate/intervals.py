"""The interval estimators calibration reports with, all at 95%.

* :func:`poisson_ci`: a rate from a count and its exposure, the exact (Garwood) interval;
* :func:`wilson_ci`: a binomial proportion, the Wilson score interval;
* :func:`quantile_ci`: a sample quantile, the distribution-free interval from order statistics;
* :func:`bootstrap_mean_ci`: a mean, the percentile bootstrap (resampling with a given stream);
* :func:`lognormal_censored_mle`: a lognormal's parameters from right-censored durations, with an
  optional known mixing distribution, and their covariance from the observed information.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

#: The normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054


def poisson_ci(count: int, exposure: float) -> tuple[float, float]:
    """Exact (Garwood) 95% interval of a Poisson rate from ``count`` events in ``exposure``."""
    from scipy import stats

    lo = 0.0 if count == 0 else stats.chi2.ppf(0.025, 2 * count) / 2.0
    hi = stats.chi2.ppf(0.975, 2 * count + 2) / 2.0
    return lo / exposure, hi / exposure


def wilson_ci(successes: int, n: int) -> tuple[float, float]:
    """Wilson score 95% interval of a binomial proportion."""
    if n == 0:
        return math.nan, math.nan
    z = Z95
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def quantile_ci(values: np.ndarray, q: float) -> tuple[float, float, float]:
    """Sample quantile and its distribution-free 95% interval from order statistics (binomial)."""
    from scipy import stats

    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    estimate = float(np.quantile(x, q))
    lo_rank = int(stats.binom.ppf(0.025, n, q))  # 0-based order statistics
    hi_rank = int(stats.binom.ppf(0.975, n, q))
    lo = float(x[max(lo_rank - 1, 0)]) if lo_rank >= 1 else -math.inf if q > 0 else float(x[0])
    hi = float(x[min(hi_rank, n - 1)]) if hi_rank < n else math.inf
    return estimate, lo, hi


def bootstrap_mean_ci(values: np.ndarray, rng: np.random.Generator, replicates: int = 2000) -> tuple[float, float, float, float]:
    """Mean, bootstrap standard error and percentile 95% interval (resampling with ``rng``)."""
    x = np.asarray(values, dtype=float)
    idx = rng.integers(0, len(x), size=(replicates, len(x)))
    means = x[idx].mean(axis=1)
    return float(x.mean()), float(means.std(ddof=1)), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def numeric_hessian(f: Callable[[np.ndarray], float], theta: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """The Hessian of ``f`` at ``theta`` by central differences of step ``h``."""
    n = len(theta)
    hess = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.eye(n)[i] * h, np.eye(n)[j] * h
            hess[i, j] = (f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej) + f(theta - ei - ej)) / (4 * h * h)
    return hess


def lognormal_censored_mle(
    durations: np.ndarray, observed: np.ndarray, offsets: np.ndarray | None = None
) -> tuple[float, float, np.ndarray]:
    """MLE of a lognormal's (mu, sigma) from durations, some right-censored (``observed`` False).

    With ``offsets``, each log duration is ``mu + sigma z + o`` with ``o`` drawn from the equally
    likely ``offsets`` (a known mixing distribution, e.g. the log readiness factor of a cycle).
    Returns mu, sigma and the covariance of (mu, log sigma) from the observed information."""
    from scipy import optimize, special

    y = np.log(np.asarray(durations, dtype=float))
    d = np.asarray(observed, dtype=bool)
    o = np.zeros(1) if offsets is None else np.asarray(offsets, dtype=float)
    log_k = math.log(len(o))

    y_obs, y_cens = y[d][:, None] - o[None, :], y[~d][:, None] - o[None, :]
    half_log_2pi = 0.5 * math.log(2.0 * math.pi)

    def nll(theta: np.ndarray) -> float:
        mu, log_s = theta
        s = math.exp(log_s)
        z_obs = (y_obs - mu) / s
        dens = special.logsumexp(-0.5 * z_obs * z_obs, axis=1) - half_log_2pi - log_k - log_s
        surv = special.logsumexp(special.log_ndtr(-(y_cens - mu) / s), axis=1) - log_k
        return -float(dens.sum() + surv.sum())

    start = np.array([(y[d].mean() if d.any() else y.mean()) - o.mean(), math.log(max(y[d].std() if d.sum() > 1 else 1.0, 1e-3))])
    fit = optimize.minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 4000})
    theta = fit.x
    hess = numeric_hessian(nll, theta)
    cov = np.linalg.inv(hess)
    return float(theta[0]), float(math.exp(theta[1])), cov

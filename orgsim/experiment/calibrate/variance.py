"""How much win rates differ between reps and between managers: variance components with shrinkage.

The raw spread of the reps' win rates overstates how much reps differ: a rep with 12 closed deals
has a win rate that varies by ``sqrt(p (1 - p) / 12)``, about 0.12, from sampling alone. The
model here is the one-way (reps) or nested (reps within managers) random-effects model on the
proportion scale: a deal closed by rep ``i`` of manager ``j`` is won with probability
``p + a_j + b_ij``, where the manager effects ``a_j`` have variance ``s2_manager``, the rep effects
``b_ij`` variance ``s2_rep``, and a deal's outcome adds binomial variance ``s2_deal``.

The components are estimated by the method of moments for unbalanced nested designs (Henderson's
method I; Searle, Casella & McCulloch, *Variance Components*, 1992, ch. 5), each truncated at 0:

* ``s2_deal`` = the within-rep sum of squares ``sum n_ij p_ij (1 - p_ij)`` over ``N - R``;
* ``s2_rep`` = (``sum n_ij (p_ij - p_j)^2`` - (R - M) s2_deal) / (N - sum_j sum_i n_ij^2 / n_j);
* ``s2_manager`` = (``sum n_j (p_j - p)^2`` - (sum_j sum_i n_ij^2 / n_j - sum n_ij^2 / N) s2_rep
  - (M - 1) s2_deal) / (N - sum n_j^2 / N);

(N deals, R reps, M managers; without a manager column, M = 1 and only ``s2_rep`` is estimated.)
When the reps are alike, the between-rep sum of squares is what sampling alone gives and
``s2_rep`` comes out near 0, not at the raw spread. The 95% intervals are percentile intervals of
a two-stage bootstrap (managers resampled, then reps within each), from the calibration's seeded
stream. Each rep's shrunk win rate is ``m_j + w (p_ij - m_j)`` with ``w = s2_rep / (s2_rep +
s2_deal / n_ij)``, where ``m_j`` is its manager's rate shrunk the same way towards ``p`` (the
empirical Bayes estimate of the model above).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Bootstrap resamples of the variance components.
BOOTSTRAP_RESAMPLES = 400


@dataclass
class Components:
    """Variance components of the win rate on the proportion scale."""

    manager: float
    rep: float
    deal: float
    rate: float  # the pooled win rate


def components(won: np.ndarray, closed: np.ndarray, rep: np.ndarray, manager: np.ndarray) -> Components:
    """The method-of-moments components from per-rep wins ``won`` and closes ``closed``,
    each rep's index ``rep`` (unused) and manager index ``manager`` (0..M-1)."""
    n, k = np.asarray(closed, dtype=float), np.asarray(won, dtype=float)
    big_n = n.sum()
    p_rep = k / n
    p = k.sum() / big_n
    reps, managers = len(n), int(manager.max()) + 1
    n_mgr = np.bincount(manager, weights=n, minlength=managers)
    k_mgr = np.bincount(manager, weights=k, minlength=managers)
    used = n_mgr > 0
    p_mgr = np.divide(k_mgr, n_mgr, out=np.zeros_like(k_mgr), where=used)
    m = int(used.sum())
    s2_deal = float((n * p_rep * (1 - p_rep)).sum() / max(big_n - reps, 1.0))
    sum_sq_in = np.bincount(manager, weights=n * n, minlength=managers)
    inner = float(np.divide(sum_sq_in, n_mgr, out=np.zeros_like(sum_sq_in), where=used).sum())
    ss_rep = float((n * (p_rep - p_mgr[manager]) ** 2).sum())
    rep_coef = big_n - inner
    s2_rep = max(0.0, (ss_rep - (reps - m) * s2_deal) / rep_coef) if rep_coef > 0 else 0.0
    s2_mgr = 0.0
    if m > 1:
        ss_mgr = float((n_mgr[used] * (p_mgr[used] - p) ** 2).sum())
        coef_mgr = big_n - float((n_mgr**2).sum()) / big_n
        raw = ss_mgr - (inner - float((n * n).sum()) / big_n) * s2_rep - (m - 1) * s2_deal
        s2_mgr = max(0.0, raw / coef_mgr)
    return Components(s2_mgr, s2_rep, s2_deal, p)


def rep_table(
    won: np.ndarray, closed: np.ndarray, names: list[str], mgr_names: list[str], manager: np.ndarray, c: Components
) -> pd.DataFrame:
    """Each rep's closes, wins, raw win rate and shrunk win rate."""
    n, k = np.asarray(closed, dtype=float), np.asarray(won, dtype=float)
    managers = int(manager.max()) + 1
    n_mgr = np.bincount(manager, weights=n, minlength=managers)
    p_mgr = np.bincount(manager, weights=k, minlength=managers) / np.maximum(n_mgr, 1)
    # a manager's rate varies by s2_manager + s2_rep sum(n_i^2)/n_j^2 + s2_deal / n_j around p
    sum_sq = np.bincount(manager, weights=n * n, minlength=managers)
    noise_mgr = c.rep * sum_sq / np.maximum(n_mgr, 1) ** 2 + c.deal / np.maximum(n_mgr, 1)
    w_mgr = c.manager / (c.manager + noise_mgr) if c.manager > 0 else np.zeros(managers)
    m_shrunk = c.rate + w_mgr * (p_mgr - c.rate)
    w_rep = c.rep / (c.rep + c.deal / n) if c.rep > 0 else np.zeros(len(n))
    shrunk = m_shrunk[manager] + w_rep * (k / n - p_mgr[manager])
    return pd.DataFrame(
        {
            "owner": names,
            "manager": [mgr_names[j] for j in manager],
            "closed": n.astype(int),
            "won": k.astype(int),
            "win_rate": k / n,
            "shrunk_win_rate": shrunk,
        }
    )


def bootstrap(won: np.ndarray, closed: np.ndarray, manager: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Components of :data:`BOOTSTRAP_RESAMPLES` two-stage resamples: rows (manager, rep)."""
    groups = [np.flatnonzero(manager == j) for j in range(int(manager.max()) + 1)]
    groups = [g for g in groups if len(g)]
    out = np.empty((BOOTSTRAP_RESAMPLES, 2))
    for b in range(BOOTSTRAP_RESAMPLES):
        picked = rng.integers(0, len(groups), size=len(groups))
        idx, mgr = [], []
        for new, j in enumerate(picked):
            g = groups[j]
            chosen = g[rng.integers(0, len(g), size=len(g))]
            idx.append(chosen)
            mgr.append(np.full(len(g), new))
        i, m = np.concatenate(idx), np.concatenate(mgr)
        c = components(won[i], closed[i], i, m)
        out[b] = (c.manager, c.rep)
    return out


def sd_interval(samples: np.ndarray) -> tuple[float, float]:
    """The 95% percentile interval of the standard deviations of bootstrap variance samples."""
    lo, hi = np.quantile(np.sqrt(np.maximum(samples, 0.0)), [0.025, 0.975])
    return float(lo), float(hi) if math.isfinite(hi) else math.inf

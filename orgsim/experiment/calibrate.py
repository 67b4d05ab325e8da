"""Calibration from a CRM export: estimate a Scenario's observable parameters from a lead table.

:func:`from_leads` reads one row per lead (CSV, Parquet or a DataFrame) with, under whatever
names the CRM uses, the columns

* ``created_at`` (required): when the lead was created;
* ``source`` (required): where it came from, mapped onto the model's sources
  (``inbound``, ``campaign``, ``outbound``, ``channel``);
* ``first_touch_at``: sales' first touch (call, email, meeting);
* ``stage``: the furthest lifecycle stage reached (lead, MQL, opportunity, customer ...), or the
  boolean columns ``mql`` and ``qualified`` (as in orgsim's own lead log);
* ``opportunity_at``: when the lead became an opportunity;
* ``closed_at``, ``won``, ``amount``: when the opportunity closed, whether it was won, its value.

It estimates, each with its uncertainty, the arrival rate by source and weekday (Poisson), the
response-time distribution (order-statistic and bootstrap intervals), stage conversion rates
(Wilson intervals), the sales-cycle length (lognormal maximum likelihood with right censoring of
open deals) and deal sizes (lognormal fit), and returns a :class:`Calibration`: a validated
:class:`~orgsim.Scenario` with the fields that map cleanly replaced, a report of every estimate,
and the columns and estimates it could not use. ``docs/calibration.md`` explains the method
and its limits.

Some scenario fields are not what a lead table shows: the observed inbound rate is the base rate
times the lift of the brand and content stocks, an observed cycle mixes the lognormal cycle with
the buyers' readiness, an observed amount includes the discount. These are mapped by dividing
out the factor the *base* scenario's own simulated runs produce (``base_runs`` runs with named
seeds), and the report says so in each row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.config.errors import Problem, ValidationError
from orgsim.config.scenario import Scenario

#: The columns calibration understands (orgsim's names); ``mapping`` maps a CRM's names onto these.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "lead_id",
    "created_at",
    "source",
    "first_touch_at",
    "stage",
    "mql",
    "qualified",
    "opportunity_at",
    "closed_at",
    "won",
    "amount",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("created_at", "source")
TIME_COLUMNS: tuple[str, ...] = ("created_at", "first_touch_at", "opportunity_at", "closed_at")
MODEL_SOURCES: tuple[str, ...] = ("inbound", "campaign", "outbound", "channel")
#: Lifecycle stages in order; a row's stage is the furthest it reached.
STAGES: tuple[str, ...] = ("lead", "mql", "opportunity", "won")
WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: Column presets, CRM name -> canonical name. These are *typical* export names; check them
#: against your own export (CRMs let admins rename fields, and reports name columns freely).
PRESETS: dict[str, dict[str, str]] = {
    "orgsim": {
        "lead_id": "lead_id",
        "arrived_at": "created_at",
        "source": "source",
        "first_touch_at": "first_touch_at",
        "mql": "mql",
        "qualified": "qualified",
        "opportunity_at": "opportunity_at",
        "closed_at": "closed_at",
        "won": "won",
        "value": "amount",
    },
    "hubspot": {
        "Record ID": "lead_id",
        "Create Date": "created_at",
        "Original Source": "source",
        "First Engagement Date": "first_touch_at",
        "Lifecycle Stage": "stage",
        "Became an Opportunity Date": "opportunity_at",
        "Close Date": "closed_at",
        "Is Closed Won": "won",
        "Amount": "amount",
    },
    "salesforce": {
        "Lead ID": "lead_id",
        "Created Date": "created_at",
        "Lead Source": "source",
        "First Activity Date": "first_touch_at",
        "Lead Status": "stage",
        "Converted Date": "opportunity_at",
        "Close Date": "closed_at",
        "Won": "won",
        "Amount": "amount",
    },
}


def _norm(label: Any) -> str:
    """A label reduced to lower-case letters and digits ("Paid Search" -> "paidsearch")."""
    return re.sub(r"[^a-z0-9]", "", str(label).lower())


def _words(text: str) -> list[str]:
    return text.split()


#: Typical source labels (normalised) and the model source they are taken as. An assumption to
#: check: "Offline Sources" in HubSpot are contacts created by hand or imported, usually by sales.
DEFAULT_SOURCE_MAP: dict[str, str] = {
    **dict.fromkeys(
        _words(
            "inbound organicsearch directtraffic referrals referral socialmedia organicsocial web website webform contactus "
            "content seo blog organic direct wordofmouth"
        ),
        "inbound",
    ),
    **dict.fromkeys(
        _words(
            "campaign campaigns paidsearch paidsocial emailmarketing othercampaigns email event events webinar tradeshow "
            "advertisement advertising ppc display conference"
        ),
        "campaign",
    ),
    **dict.fromkeys(
        _words("outbound offlinesources coldcall coldemail prospecting salesgenerated salessourced sdr bdr outreach"), "outbound"
    ),
    **dict.fromkeys(_words("channel partner partners partnerreferral affiliate affiliates reseller insidesales"), "channel"),
}

#: Typical lifecycle / lead-status labels (normalised) and the stage they mean.
DEFAULT_STAGE_MAP: dict[str, str] = {
    **dict.fromkeys(_words("lead subscriber new open opennotcontacted raw other nurture nurturing"), "lead"),
    **dict.fromkeys(
        _words(
            "mql marketingqualifiedlead marketingqualified sal salesacceptedlead accepted contacted working workingcontacted "
            "unqualified disqualified closednotconverted recycled"
        ),
        "mql",
    ),
    **dict.fromkeys(
        _words(
            "sql salesqualifiedlead qualified opportunity converted closedconverted prospecting qualification proposal "
            "negotiation closedlost lost"
        ),
        "opportunity",
    ),
    **dict.fromkeys(_words("customer won closedwon evangelist"), "won"),
}

_TRUE = {"true", "t", "yes", "y", "1", "won", "closedwon", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "lost", "closedlost", "0.0"}


@dataclass
class Calibration:
    """What :func:`from_leads` returns.

    Attributes:
        scenario: a validated Scenario: ``base`` with every field the data maps onto replaced.
        report: one row per estimate: ``parameter``, the scenario ``field`` it sets (empty if
            none), ``estimate``, ``se``, ``ci_low``/``ci_high`` (95%), ``base_value`` (the base
            scenario's value of the field), ``n`` (rows used), ``method`` and ``note``.
        unused_columns: columns of the input that no mapping used.
        notes: what could not be estimated or mapped, and why.
        mapping: the column mapping used (CRM name -> canonical name).
        window: (start, end) of the observation window, in the input's time units.
    """

    scenario: Scenario
    report: pd.DataFrame
    unused_columns: list[str]
    notes: list[str]
    mapping: dict[str, str]
    window: tuple[Any, Any]
    fields: dict[str, float] = field(default_factory=dict)

    def estimate(self, parameter: str) -> pd.Series:
        """The report row of one parameter (by ``parameter`` or ``field`` name)."""
        rows = self.report[(self.report["parameter"] == parameter) | (self.report["field"] == parameter)]
        if rows.empty:
            raise KeyError(f"no estimate {parameter!r}; known: {', '.join(self.report['parameter'])}")
        return rows.iloc[0]

    def __repr__(self) -> str:
        mapped = ", ".join(f"{k}={v:.4g}" for k, v in self.fields.items())
        return f"Calibration({len(self.report)} estimates; scenario fields set: {mapped or 'none'}; {len(self.notes)} notes)"


# ---------------------------------------------------------------------------------------------
# reading


def _read(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The raw table (all cells as read) and a label for messages."""
    if isinstance(source, pd.DataFrame):
        if source.empty:
            raise ValidationError(Problem("leads", "an empty DataFrame", "at least one lead row"))
        return source.reset_index(drop=True), "DataFrame"
    if not isinstance(source, (str, Path)):
        raise ValidationError(Problem("leads", type(source).__name__, "a path to a .csv or .parquet file, or a pandas DataFrame"))
    path = Path(source)
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix.lower() == ".gz" else path.suffix.lower()
    if suffix not in (".csv", ".csv.gz", ".parquet", ".pq"):
        raise ValidationError(Problem(str(path), path.suffix or "no extension", "a .csv, .csv.gz or .parquet file"))
    if not path.exists():
        raise ValidationError(Problem(str(path), "missing", "the file does not exist"))
    if path.is_dir():
        raise ValidationError(Problem(str(path), "a directory", "a .csv or .parquet file"))
    if suffix in (".parquet", ".pq"):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ImportError("reading Parquet needs pyarrow: pip install 'orgsim[store]' (or pyarrow)") from None
        frame = pd.read_parquet(path)
    else:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        except pd.errors.EmptyDataError:
            raise ValidationError(Problem(str(path), "empty", "a CSV file with a header row and at least one lead")) from None
        except (pd.errors.ParserError, UnicodeDecodeError) as err:
            raise ValidationError(Problem(str(path), "not CSV", f"a readable UTF-8 CSV file ({err})")) from None
    if frame.empty:
        raise ValidationError(Problem(str(path), "no rows", "at least one lead row below the header"))
    return frame.reset_index(drop=True), str(path)


def _resolve_mapping(frame: pd.DataFrame, mapping: str | Mapping[str, str] | None) -> tuple[dict[str, str], str]:
    """The mapping (CRM column -> canonical) and its name for messages."""
    columns = [str(c) for c in frame.columns]
    if mapping is None:
        if all(c in columns for c in REQUIRED_COLUMNS):
            return {c: c for c in CANONICAL_COLUMNS if c in columns}, "canonical column names"
        best, best_hits = None, 0
        for name, preset in PRESETS.items():
            hits = sum(1 for crm, canon in preset.items() if canon in REQUIRED_COLUMNS and crm in columns)
            if hits > best_hits:
                best, best_hits = name, hits
        if best is None:
            raise ValidationError(
                Problem(
                    "mapping",
                    None,
                    f"could not recognise the columns ({', '.join(columns[:12])}); pass mapping= one of "
                    f"{', '.join(map(repr, PRESETS))} or a dict of CRM column -> one of {', '.join(CANONICAL_COLUMNS)}",
                )
            )
        return {k: v for k, v in PRESETS[best].items() if k in columns or v in REQUIRED_COLUMNS}, f"preset {best!r} (auto-detected)"
    if isinstance(mapping, str):
        if mapping not in PRESETS:
            raise ValidationError(Problem("mapping", mapping, f"one of {', '.join(map(repr, PRESETS))} or a dict"))
        preset = PRESETS[mapping]
        # a preset's optional columns may be absent; required ones are checked below
        return {k: v for k, v in preset.items() if k in columns or v in REQUIRED_COLUMNS}, f"preset {mapping!r}"
    if not isinstance(mapping, Mapping):
        raise ValidationError(Problem("mapping", type(mapping).__name__, "a preset name or a dict of CRM column -> canonical name"))
    bad = [(k, v) for k, v in mapping.items() if v not in CANONICAL_COLUMNS]
    if bad:
        raise ValidationError([Problem(f"mapping[{k!r}]", v, f"one of {', '.join(CANONICAL_COLUMNS)}") for k, v in bad])
    targets = list(mapping.values())
    dup = sorted({t for t in targets if targets.count(t) > 1})
    if dup:
        raise ValidationError(Problem("mapping", dup, "each canonical column mapped from one CRM column"))
    resolved = dict(mapping)
    # canonical names present in the file and not mapped from elsewhere are used as they are
    for c in CANONICAL_COLUMNS:
        if c in columns and c not in resolved.values() and c not in resolved:
            resolved[c] = c
    return resolved, "the mapping given"


def _row(i: int, label: str) -> str:
    """How a data row is named in messages: 1-based, and its line in a CSV with a header."""
    return f"row {i + 1} (line {i + 2})" if label.lower().endswith((".csv", ".gz")) else f"row {i + 1}"


def _first_bad(raw: pd.Series, bad: np.ndarray, crm: str, label: str, allowed: str) -> Problem:
    idx = np.flatnonzero(bad)
    more = f" ({len(idx) - 1} more rows like it)" if len(idx) > 1 else ""
    i = int(idx[0])
    return Problem(f"{_row(i, label)}, column {crm!r}", raw.iloc[i], allowed + more)


def _missing(raw: pd.Series) -> np.ndarray:
    values = raw.astype(object)
    return np.asarray(values.isna() | values.map(lambda v: isinstance(v, str) and v.strip() == ""), dtype=bool)


def _parse_times(raw: pd.Series, crm: str, label: str, problems: list[Problem]) -> tuple[pd.Series, str]:
    """Datetimes (naive; tz-aware converted to UTC) or day numbers; kind is 'datetime' or 'days'."""
    missing = _missing(raw)
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw.dt.tz_convert("UTC").dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
        return parsed.astype("datetime64[ns]"), "datetime"
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return raw.astype(float), "days"
    text = raw.astype(object).where(~missing, None)
    numbers = pd.to_numeric(text, errors="coerce")
    if not missing.all() and numbers[~missing].notna().all():
        return numbers.astype(float), "days"
    try:
        parsed = pd.to_datetime(text, errors="coerce")
    except (ValueError, TypeError):  # mixed time zones
        parsed = pd.to_datetime(text, errors="coerce", utc=True)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    bad = parsed.isna().to_numpy() & ~missing
    if bad.any():
        problems.append(_first_bad(raw, bad, crm, label, "a date/time such as 2024-01-31 09:30 (or, for the whole column, day numbers)"))
    return parsed.astype("datetime64[ns]"), "datetime"


def _parse_bool(raw: pd.Series, crm: str, label: str, problems: list[Problem]) -> pd.Series:
    """True/False/missing from booleans, 0/1, yes/no, won/lost."""
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("boolean")
    missing = _missing(raw)
    keys = raw.astype(object).map(lambda v: _norm(v) if v is not None and not (isinstance(v, float) and math.isnan(v)) else "")
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[keys.isin(_TRUE).to_numpy()] = True
    out[keys.isin(_FALSE).to_numpy()] = False
    bad = out.isna().to_numpy() & ~missing
    if bad.any():
        problems.append(_first_bad(raw, bad, crm, label, "true/false (also yes/no, 1/0, won/lost) or empty"))
    return out


def _parse_amount(raw: pd.Series, crm: str, label: str, problems: list[Problem]) -> pd.Series:
    missing = _missing(raw)
    text = raw.astype(object).where(~missing, None)
    if not pd.api.types.is_numeric_dtype(raw):
        # currency symbols and thousands separators, as CRMs often export them
        text = text.map(lambda v: re.sub(r"[,\s$€£]", "", v) if isinstance(v, str) else v)
    values = pd.to_numeric(text, errors="coerce").astype(float)
    bad = values.isna().to_numpy() & ~missing
    if bad.any():
        problems.append(_first_bad(raw, bad, crm, label, "a number (an amount >= 0) or empty"))
    negative = (values < 0).to_numpy() | ~np.isfinite(values.fillna(0.0).to_numpy())
    if negative.any():
        problems.append(_first_bad(raw, negative, crm, label, "an amount >= 0"))
    return values


def _parse_labels(
    raw: pd.Series, crm: str, label: str, table: Mapping[str, str], allowed: Sequence[str], what: str, problems: list[Problem]
) -> pd.Series:
    missing = _missing(raw)
    keys = raw.astype(object).map(lambda v: _norm(v) if v is not None else "")
    mapped = keys.map(lambda k: table.get(k))
    bad = mapped.isna().to_numpy() & ~missing
    if bad.any():
        labels = sorted({str(v) for v in raw[bad]})
        shown = ", ".join(map(repr, labels[:8])) + (" ..." if len(labels) > 8 else "")
        problems.append(
            _first_bad(
                raw,
                bad,
                crm,
                label,
                f"a known {what} label; unknown labels {shown}: pass {what}_map={{label: one of {', '.join(allowed)}}}",
            )
        )
    if missing.any():
        problems.append(_first_bad(raw, missing, crm, label, f"a {what} label (the column may not have empty cells)"))
    return mapped


# ---------------------------------------------------------------------------------------------
# statistics


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
    z = 1.959963984540054
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
    h = 1e-4
    hess = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            hess[i, j] = (nll(theta + ei + ej) - nll(theta + ei - ej) - nll(theta - ei + ej) + nll(theta - ei - ej)) / (4 * h * h)
    cov = np.linalg.inv(hess)
    return float(theta[0]), float(math.exp(theta[1])), cov


# ---------------------------------------------------------------------------------------------
# nuisance factors from the base scenario's own runs


@dataclass
class _BaseFactors:
    inbound_multiplier: float
    inbound_multiplier_sd: float
    campaign_effect: float
    campaign_effect_sd: float
    log_readiness_grid: np.ndarray  # quantiles of the log readiness factor of opportunities
    keep_share_mean: float  # E[1 - discount] of won deals
    log_keep_mean: float  # E[log(1 - discount)] of won deals
    log_keep_var: float  # Var[log(1 - discount)] of won deals
    runs: int


def _base_factors(base: Scenario, days: float, runs: int, seed: int) -> _BaseFactors:
    """Factors a lead table cannot show, from ``runs`` simulations of ``base`` with no structure."""
    from orgsim.model.simulate import simulate
    from orgsim.model.streams import named_generator

    scenario = base.replace(period_days=1)
    market, mech, deals, leads = base.market, base.mechanisms, base.deals, base.leads
    multipliers, campaign, log_rf, keep = [], [], [], []
    seeds = named_generator(seed, "calibrate/base_runs").integers(0, 2**31, size=runs)
    for s in seeds:
        result = simulate(scenario, seed=int(s), horizon_days=min(max(days, 28.0), 36_500.0), record_leads=True)
        series, log = result.series, result.leads
        w = (series["end_day"] - series["start_day"]).to_numpy()
        brand = float(np.average(series["brand_effect"], weights=w)) if mech.brand_effect else 0.0
        content = float(np.average(series["content_effect"], weights=w)) if mech.content_effect else 0.0
        multipliers.append(1.0 + market.brand_inbound_lift * brand + market.content_inbound_lift * content)
        campaign.append(float(np.average(series["campaign_effect"], weights=w)) if mech.campaign_effect else 0.0)
        opps = log[(log["arrived_at"] >= 0) & log["opportunity_at"].notna()]
        r = opps["readiness"].to_numpy(dtype=float)
        rf = (1.0 - deals.readiness_cycle_effect * r) / (1.0 - deals.readiness_cycle_effect * leads.readiness_mean)
        log_rf.append(np.log(rf))
        won = log[(log["arrived_at"] >= 0) & log["won"]]
        keep.append(1.0 - won["discount"].to_numpy(dtype=float))
    rf_all = np.concatenate(log_rf) if log_rf else np.zeros(0)
    keep_all = np.concatenate(keep) if keep else np.zeros(0)
    sd = float(np.std(multipliers, ddof=1)) if runs > 1 else 0.0
    return _BaseFactors(
        inbound_multiplier=float(np.mean(multipliers)),
        inbound_multiplier_sd=sd,
        campaign_effect=float(np.mean(campaign)),
        campaign_effect_sd=float(np.std(campaign, ddof=1)) if runs > 1 else 0.0,
        log_readiness_grid=np.quantile(rf_all, (np.arange(24) + 0.5) / 24) if len(rf_all) else np.zeros(1),
        keep_share_mean=float(keep_all.mean()) if len(keep_all) else 1.0 - deals.discount_mean,
        log_keep_mean=float(np.log(keep_all).mean()) if len(keep_all) else math.log(1.0 - deals.discount_mean),
        log_keep_var=float(np.log(keep_all).var(ddof=1)) if len(keep_all) > 1 else 0.0,
        runs=runs,
    )


# ---------------------------------------------------------------------------------------------
# the entry point


def from_leads(
    leads: str | Path | pd.DataFrame,
    mapping: str | Mapping[str, str] | None = None,
    *,
    start: Any = None,
    end: Any = None,
    base: Scenario | None = None,
    source_map: Mapping[str, str] | None = None,
    unknown_source: str | None = None,
    stage_map: Mapping[str, str] | None = None,
    settle_days: float = 14.0,
    base_runs: int = 4,
    seed: int = 0,
) -> Calibration:
    """Estimate a Scenario from a lead-level CRM export.

    Args:
        leads: a ``.csv`` / ``.csv.gz`` / ``.parquet`` path, or a DataFrame (e.g. ``RunResult.leads``).
        mapping: CRM column -> canonical column (see :data:`CANONICAL_COLUMNS`), or a preset name
            (``"hubspot"``, ``"salesforce"``, ``"orgsim"``; typical names, check them against your
            export). ``None`` detects canonical names, orgsim's lead log or a preset.
        start: start of the observation window (a date/time, or a day number when the times are
            day numbers). Leads created before it are left out of every estimate (only the
            survivors of that period are in an export). Default: midnight of the earliest
            creation date, or day 0 for day numbers (orgsim's convention: day 0 is a Monday).
        end: when the export was taken; deals still open then are censored at it. Default: the
            latest time in any time column.
        base: the scenario to start from (default ``Scenario()``); fields the data cannot
            inform keep its values, and the factors the data cannot show come from its runs.
        source_map: extra source labels -> model source (``inbound``, ``campaign``,
            ``outbound``, ``channel``); case, spaces and punctuation are ignored.
        unknown_source: model source for labels no map knows (default: an error listing them).
        stage_map: extra stage labels -> ``lead``, ``mql``, ``opportunity`` or ``won``.
        settle_days: MQLs created later than this before ``end`` are left out of the follow-up
            share (a recent MQL may simply not have been touched yet).
        base_runs: simulated runs of ``base`` used for the factors a lead table cannot show.
        seed: seed of those runs and of the bootstrap (named streams, never global state).

    Raises:
        ValidationError: naming the row and column of a bad value, the missing columns and
            the mapping used, or the file that is missing, empty or of an unsupported type.
    """
    base = Scenario() if base is None else base
    if not isinstance(base, Scenario):
        raise ValidationError(Problem("base", type(base).__name__, "an orgsim.Scenario"))
    if unknown_source is not None and unknown_source not in MODEL_SOURCES:
        raise ValidationError(Problem("unknown_source", unknown_source, f"one of {', '.join(MODEL_SOURCES)} or None"))
    for name, value, lo in (("settle_days", settle_days, 0.0), ("base_runs", base_runs, 1), ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= lo:
            raise ValidationError(Problem(name, value, f"a number >= {lo}"))
    raw, label = _read(leads)
    resolved, mapping_name = _resolve_mapping(raw, mapping)
    columns = [str(c) for c in raw.columns]
    raw.columns = columns
    missing_cols = [canon for canon in REQUIRED_COLUMNS if not any(c in columns and v == canon for c, v in resolved.items())]
    if missing_cols:
        expected = {v: k for k, v in resolved.items()}
        wanted = ", ".join(f"{expected.get(c, c)!r} (for {c})" for c in missing_cols)
        raise ValidationError(
            Problem("columns", sorted(columns), f"missing required column(s) {wanted} under {mapping_name}; pass mapping= to name them")
        )
    by_canon = {v: k for k, v in resolved.items() if k in columns}
    problems: list[Problem] = []
    notes: list[str] = []

    # -- parse ---------------------------------------------------------------------------
    times: dict[str, pd.Series] = {}
    kinds: dict[str, str] = {}
    for canon in TIME_COLUMNS:
        if canon in by_canon:
            times[canon], kinds[canon] = _parse_times(raw[by_canon[canon]], by_canon[canon], label, problems)
    sources_table = {**DEFAULT_SOURCE_MAP, **{_norm(k): v for k, v in (source_map or {}).items()}}
    bad_targets = [v for v in (source_map or {}).values() if v not in MODEL_SOURCES]
    if bad_targets:
        raise ValidationError(Problem("source_map", bad_targets[0], f"values must be one of {', '.join(MODEL_SOURCES)}"))
    if unknown_source is not None:
        sources_table = _DefaultDict(sources_table, unknown_source)
    source = _parse_labels(raw[by_canon["source"]], by_canon["source"], label, sources_table, MODEL_SOURCES, "source", problems)
    stage_level: pd.Series | None = None
    if "stage" in by_canon:
        stages_table = {**DEFAULT_STAGE_MAP, **{_norm(k): v for k, v in (stage_map or {}).items()}}
        stage = _parse_labels(raw[by_canon["stage"]], by_canon["stage"], label, stages_table, STAGES, "stage", problems)
        stage_level = stage.map(lambda s: STAGES.index(s) if isinstance(s, str) else np.nan)
    flags = {c: _parse_bool(raw[by_canon[c]], by_canon[c], label, problems) for c in ("mql", "qualified", "won") if c in by_canon}
    amount = _parse_amount(raw[by_canon["amount"]], by_canon["amount"], label, problems) if "amount" in by_canon else None
    if len({kinds[c] for c in times}) > 1:
        problems.append(
            Problem("columns", {by_canon[c]: kinds[c] for c in times}, "all time columns as dates/times, or all as day numbers")
        )
    if problems:
        raise ValidationError(problems)
    created_raw = times["created_at"]
    if created_raw.isna().any():
        raise ValidationError(
            _first_bad(raw[by_canon["created_at"]], created_raw.isna().to_numpy(), by_canon["created_at"], label, "a creation time")
        )

    # -- time origin: everything in days since the window start ---------------------------
    kind = kinds["created_at"]
    if kind == "datetime":
        origin = pd.Timestamp(start) if start is not None else created_raw.min().normalize()
        days = {c: (s - origin) / pd.Timedelta(days=1) for c, s in times.items()}
        weekday_of_day0 = origin.weekday()
        end_day = (pd.Timestamp(end) - origin) / pd.Timedelta(days=1) if end is not None else None
        start_label, to_label = origin, (lambda d: origin + pd.Timedelta(days=d))
        origin_day_offset = (origin - origin.normalize()) / pd.Timedelta(days=1)
    else:
        origin = float(start) if start is not None else 0.0
        days = {c: s - origin for c, s in times.items()}
        weekday_of_day0 = math.floor(origin) % 7
        end_day = float(end) - origin if end is not None else None
        start_label, to_label = origin, (lambda d: origin + d)
        origin_day_offset = origin - math.floor(origin)
    if end_day is None:
        end_day = float(max(s.max() for s in days.values()))
    if not end_day > 0:
        raise ValidationError(Problem("end", end, "after the window start and the first lead"))
    created = days["created_at"].to_numpy(dtype=float)

    # -- consistency: nothing happens before creation --------------------------------------
    for canon in ("first_touch_at", "opportunity_at", "closed_at"):
        if canon in days:
            t = days[canon].to_numpy(dtype=float)
            bad = np.isfinite(t) & (t < created - 1e-9)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                problems.append(
                    _first_bad(
                        raw[by_canon[canon]],
                        bad,
                        by_canon[canon],
                        label,
                        f"not before column {by_canon['created_at']!r} of the same row ({raw[by_canon['created_at']].iloc[i]})",
                    )
                )
    if problems:
        raise ValidationError(problems)

    in_window = (created >= 0.0) & (created <= end_day)
    before = int((created < 0).sum())
    if before:
        notes.append(
            f"{before} rows created before the window start were left out (left truncation: an export keeps only "
            "the leads of that period that survived, e.g. long deals still open)."
        )
    after = int((created > end_day).sum())
    if after:
        notes.append(f"{after} rows created after the window end were left out.")
    n_in = int(in_window.sum())
    if n_in == 0:
        raise ValidationError(Problem("start", start_label, "a window start before the last lead (no lead was created in the window)"))

    rows: list[dict[str, Any]] = []
    mapped: dict[str, float] = {}

    def add(
        parameter: str,
        estimate: float,
        lo: float,
        hi: float,
        n: int,
        method: str,
        note: str = "",
        *,
        se: float = math.nan,
        field_name: str = "",
    ) -> None:
        rows.append(
            {
                "parameter": parameter,
                "field": field_name,
                "estimate": estimate,
                "se": se,
                "ci_low": lo,
                "ci_high": hi,
                "base_value": _get_field(base, field_name) if field_name else math.nan,
                "n": n,
                "method": method,
                "note": note,
            }
        )

    from orgsim.model.streams import named_generator

    boot_rng = named_generator(seed, "calibrate/bootstrap")
    factors = _base_factors(base, end_day, int(base_runs), int(seed))
    src = source.to_numpy(dtype=object)

    # -- arrivals by source and weekday -----------------------------------------------------
    exposure = _weekday_exposure(end_day, weekday_of_day0, origin_day_offset)
    created_weekday = _weekday(created, weekday_of_day0, origin_day_offset)
    cal = base.calendar
    workday_mask = np.array([w < cal.workdays_per_week for w in range(7)])
    for s in MODEL_SOURCES:
        sel = in_window & (src == s)
        count = int(sel.sum())
        if count == 0 and s not in ("channel",):
            notes.append(f"no {s} leads in the window.")
        if s == "outbound":
            expo = float(exposure[workday_mask].sum())
            unit = "per working day"
        else:
            expo = float(end_day)
            unit = "per calendar day"
        rate = count / expo
        lo, hi = poisson_ci(count, expo)
        add(f"arrivals.{s}_per_day", rate, lo, hi, count, f"Poisson: count / exposure ({unit}), exact interval")
        for w in range(7):
            if exposure[w] > 0:
                cw = int((sel & (created_weekday == w)).sum())
                wlo, whi = poisson_ci(cw, float(exposure[w]))
                add(f"arrivals.{s}_per_day.{WEEKDAYS[w]}", cw / exposure[w], wlo, whi, cw, "Poisson by weekday, exact interval")
        if count >= 20:
            note = _weekday_test(sel, created_weekday, exposure, workday_mask if s == "outbound" else np.ones(7, bool))
            if note:
                notes.append(f"{s}: {note}")
        _map_arrivals(s, rate, lo, hi, count, base, factors, add, mapped, notes)

    # -- response time -----------------------------------------------------------------------
    if "first_touch_at" in days:
        touch = days["first_touch_at"].to_numpy(dtype=float)
        sel = in_window & (src != "outbound") & np.isfinite(touch)
        hours = (touch[sel] - created[sel]) * 24.0
        if len(hours) >= 10:
            n = len(hours)
            note = "not a scenario field: it emerges from reps, follow-up time and working hours; compare with a simulation"
            mean, se, lo, hi = bootstrap_mean_ci(hours, boot_rng)
            add("response_hours.mean", mean, lo, hi, n, "bootstrap percentile interval (2000 resamples, seeded)", note, se=se)
            for q in (0.5, 0.9):
                est, lo, hi = quantile_ci(hours, q)
                add(f"response_hours.q{int(q * 100)}", est, lo, hi, n, "order-statistic (binomial) interval", note)
            for limit in (1.0, 24.0):
                k = int((hours <= limit).sum())
                lo, hi = wilson_ci(k, n)
                add(f"response.share_within_{int(limit)}h", k / n, lo, hi, n, "proportion, Wilson interval", note)
        else:
            notes.append("fewer than 10 touched non-outbound leads: no response-time estimates.")
    else:
        notes.append("no first-touch column: no response-time estimates and no follow-up share.")

    # -- stages and conversions --------------------------------------------------------------
    touched = np.isfinite(days["first_touch_at"].to_numpy(dtype=float)) if "first_touch_at" in days else None
    closed = np.isfinite(days["closed_at"].to_numpy(dtype=float)) if "closed_at" in days else np.zeros(len(raw), bool)
    won = flags["won"].fillna(False).to_numpy(dtype=bool) if "won" in flags else None
    level = _stage_levels(stage_level, flags, days, won, closed)
    if level is None:
        notes.append("no stage column (nor mql/qualified flags): no lead->MQL rate, follow-up share or conversions.")
    else:
        non_out = in_window & (src != "outbound")
        _proportion(
            add,
            "conversion.lead_to_mql",
            level[non_out] >= 1,
            "not a scenario field: it emerges from lead quality, scoring noise and leads.mql_threshold",
        )
        if touched is not None:
            settled = in_window & (created < end_day - settle_days) & (level >= 1) & (src != "outbound")
            k, n = int(touched[settled].sum()), int(settled.sum())
            if n:
                lo, hi = wilson_ci(k, n)
                add(
                    "conversion.mql_followed_up",
                    k / n,
                    lo,
                    hi,
                    n,
                    "proportion, Wilson interval",
                    f"MQLs created at least {settle_days:g} days before the export",
                )
                ignore, ilo, ihi = 1.0 - k / n, 1.0 - hi, 1.0 - lo
                add(
                    "sales.ignore_share",
                    ignore,
                    ilo,
                    ihi,
                    n,
                    "1 - followed-up share of MQLs",
                    "the model's base share of MQLs sales never follows up (no structure)",
                    field_name="sales.ignore_share",
                )
                mapped["sales.ignore_share"] = ignore
            t_mql = in_window & touched & (level >= 1) & (src != "outbound")
            _proportion(
                add,
                "conversion.touched_mql_to_opportunity",
                level[t_mql] >= 2,
                "not a scenario field: it emerges from contact, response decay, quality and readiness",
            )
            t_out = in_window & touched & (src == "outbound")
            _proportion(add, "conversion.outbound_to_opportunity", level[t_out] >= 2, "not a scenario field (as above, no delay)")
        if won is not None:
            opp_closed = in_window & (level >= 2) & closed
            _proportion(
                add,
                "conversion.win_rate",
                won[opp_closed],
                "closed opportunities; not a scenario field: the win "
                "probability is logistic in quality, rep effectiveness and discount (deals.win_logit_offset shifts it)",
            )

    # -- sales cycle -------------------------------------------------------------------------
    if "closed_at" in days and level is not None:
        start_col = next((c for c in ("opportunity_at", "first_touch_at", "created_at") if c in days), "created_at")
        opp_start = days[start_col].to_numpy(dtype=float)
        close = days["closed_at"].to_numpy(dtype=float)
        opp = in_window & (level >= 2) & np.isfinite(opp_start) & (opp_start < end_day)
        if start_col != "opportunity_at":
            notes.append(f"no opportunity date: cycles are measured from {start_col} instead.")
        bad = opp & np.isfinite(close) & (close < opp_start - 1e-9)
        if bad.any():
            raise ValidationError(
                _first_bad(raw[by_canon["closed_at"]], bad, by_canon["closed_at"], label, f"not before column {by_canon[start_col]!r}")
            )
        done = opp & np.isfinite(close) & (close <= end_day)
        dur = np.where(done, close - opp_start, end_day - opp_start)[opp]
        observed = done[opp]
        dur = np.maximum(dur, 1.0 / 24.0)  # same-day closes (dates without times) count as an hour
        if observed.sum() >= 10:
            mu, sigma, cov = lognormal_censored_mle(dur, observed)
            se_mu, se_ls = math.sqrt(cov[0, 0]), math.sqrt(cov[1, 1])
            n = len(dur)
            censored = int((~observed).sum())
            how = f"lognormal MLE, {censored} open deals right-censored at the export"
            add("cycle.log_median_days", mu, mu - 1.96 * se_mu, mu + 1.96 * se_mu, n, how, "log of the observed median cycle", se=se_mu)
            add("cycle.median_days", math.exp(mu), math.exp(mu - 1.96 * se_mu), math.exp(mu + 1.96 * se_mu), n, how)
            add("cycle.sigma", sigma, sigma * math.exp(-1.96 * se_ls), sigma * math.exp(1.96 * se_ls), n, how, se=sigma * se_ls)
            # the model's cycle is median * exp(sigma z) * readiness factor: fit that mixture, with the
            # factor's distribution taken from the base scenario's opportunities
            grid = factors.log_readiness_grid
            m_mu, m_sigma, m_cov = lognormal_censored_mle(dur, observed, offsets=grid)
            m_se_mu, m_se_ls = math.sqrt(m_cov[0, 0]), math.sqrt(m_cov[1, 1])
            why = (
                f"lognormal x readiness factor (mixture likelihood over the base scenario's opportunities: mean log factor "
                f"{grid.mean():+.3f}, sd {grid.std():.3f}, from {factors.runs} simulated runs)"
            )
            median = math.exp(m_mu)
            add(
                "deals.cycle_days_median",
                median,
                math.exp(m_mu - 1.96 * m_se_mu),
                math.exp(m_mu + 1.96 * m_se_mu),
                n,
                how,
                why,
                se=median * m_se_mu,
                field_name="deals.cycle_days_median",
            )
            mapped["deals.cycle_days_median"] = median
            add(
                "deals.cycle_sigma",
                m_sigma,
                m_sigma * math.exp(-1.96 * m_se_ls),
                m_sigma * math.exp(1.96 * m_se_ls),
                n,
                how,
                why,
                se=m_sigma * m_se_ls,
                field_name="deals.cycle_sigma",
            )
            mapped["deals.cycle_sigma"] = m_sigma
        else:
            notes.append("fewer than 10 closed opportunities in the window: no cycle estimate.")
    else:
        notes.append("no close date or no stage: no sales-cycle estimate.")

    # -- deal sizes --------------------------------------------------------------------------
    if amount is not None and won is not None:
        a = amount.to_numpy(dtype=float)
        sel = in_window & won & closed
        missing_amount = int((sel & ~np.isfinite(a)).sum())
        if missing_amount:
            notes.append(f"{missing_amount} won deals have no amount and were left out of the deal sizes.")
        zero = int((sel & (a == 0)).sum())
        if zero:
            notes.append(f"{zero} won deals with amount 0 were left out of the lognormal fit.")
        x = a[sel & np.isfinite(a) & (a > 0)]
        if len(x) >= 10:
            n = len(x)
            mean, se, lo, hi = bootstrap_mean_ci(x, boot_rng)
            add("deal_size.mean", mean, lo, hi, n, "bootstrap percentile interval (2000 resamples, seeded)", se=se)
            est, lo, hi = quantile_ci(x, 0.5)
            add("deal_size.median", est, lo, hi, n, "order-statistic (binomial) interval")
            _map_deal_size(np.log(x), factors, base, add, mapped, notes)
        else:
            notes.append("fewer than 10 won deals with an amount: no deal-size estimate.")
    else:
        notes.append("no amount or won column: no deal-size estimate.")

    # -- the scenario --------------------------------------------------------------------------
    scenario = base
    for name, value in mapped.items():
        try:
            scenario = scenario.replace(**{name: float(value)})
        except ValidationError as err:
            notes.append(f"{name} not set: the estimate {value:.4g} is outside its allowed range ({err.problems[0].allowed}).")
    used = set(by_canon.values())
    unused = [c for c in columns if c not in used]
    for c in unused:
        notes.append(f"column {c!r} was not used (not in the mapping).")
    for canon in CANONICAL_COLUMNS:
        if canon not in by_canon and canon not in REQUIRED_COLUMNS and canon not in ("lead_id", "mql", "qualified", "stage"):
            notes.append(f"no {canon} column under {mapping_name}.")
    report = pd.DataFrame(rows, columns=["parameter", "field", "estimate", "se", "ci_low", "ci_high", "base_value", "n", "method", "note"])
    applied = {k: v for k, v in mapped.items() if _get_field(scenario, k) == float(v)}
    return Calibration(
        scenario=scenario,
        report=report,
        unused_columns=unused,
        notes=notes,
        mapping={k: v for k, v in resolved.items() if k in columns},
        window=(start_label, to_label(end_day)),
        fields=applied,
    )


class _DefaultDict(dict):
    """A label table with a fallback for unknown labels."""

    def __init__(self, table: Mapping[str, str], default: str):
        super().__init__(table)
        self.default = default

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(key, self.default)


def _get_field(scenario: Scenario, dotted: str) -> float:
    obj: Any = scenario
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return float(obj)


def _weekday_exposure(end_day: float, weekday_of_day0: int, offset: float) -> np.ndarray:
    """Days of exposure on each weekday in [0, end_day), where day 0 starts ``offset`` into a day."""
    exposure = np.zeros(7)
    t = 0.0
    while t < end_day:
        absolute = offset + t
        day_end = math.floor(absolute) + 1.0 - offset
        step = min(day_end, end_day) - t
        exposure[(weekday_of_day0 + math.floor(absolute)) % 7] += step
        t += step
    return exposure


def _weekday(day: np.ndarray, weekday_of_day0: int, offset: float) -> np.ndarray:
    return ((weekday_of_day0 + np.floor(day + offset)) % 7).astype(int)


def _weekday_test(sel: np.ndarray, weekday: np.ndarray, exposure: np.ndarray, days: np.ndarray) -> str:
    """A chi-square test that the rate is the same on every (working) day, as the model assumes."""
    from scipy import stats

    counts = np.array([(sel & (weekday == w)).sum() for w in range(7)], dtype=float)
    off = counts[~days].sum()
    use = days & (exposure > 0)
    if use.sum() < 2:
        return ""
    expected = counts[use].sum() * exposure[use] / exposure[use].sum()
    chi2 = float(((counts[use] - expected) ** 2 / expected).sum())
    p = float(stats.chi2.sf(chi2, use.sum() - 1))
    parts = []
    if p < 0.01:
        parts.append(
            f"the rate differs by weekday (chi-square p = {p:.2g}); the scenario has no weekday parameter for it: it takes the average"
        )
    if off:
        parts.append(f"{int(off)} leads arrived on non-working days, which the model's outbound process never produces")
    return "; ".join(parts)


def _proportion(add: Any, name: str, hits: np.ndarray, note: str) -> None:
    n = len(hits)
    if n == 0:
        return
    k = int(np.sum(hits))
    lo, hi = wilson_ci(k, n)
    add(name, k / n, lo, hi, n, "proportion, Wilson interval", note)


def _stage_levels(
    stage_level: pd.Series | None, flags: dict[str, pd.Series], days: dict[str, pd.Series], won: np.ndarray | None, closed: np.ndarray
) -> np.ndarray | None:
    """The furthest stage of each row (0 lead, 1 MQL, 2 opportunity, 3 won), combining the evidence."""
    if stage_level is None and "mql" not in flags and "qualified" not in flags:
        return None
    n = len(closed)
    level = np.zeros(n) if stage_level is None else stage_level.to_numpy(dtype=float)
    if "mql" in flags:
        level = np.where(flags["mql"].fillna(False).to_numpy(dtype=bool), np.maximum(level, 1), level)
    if "qualified" in flags:
        level = np.where(flags["qualified"].fillna(False).to_numpy(dtype=bool), np.maximum(level, 2), level)
    if "opportunity_at" in days:
        level = np.where(np.isfinite(days["opportunity_at"].to_numpy(dtype=float)), np.maximum(level, 2), level)
    level = np.where(closed, np.maximum(level, 2), level)
    if won is not None:
        level = np.where(won & closed, 3, level)
    return level


def _ratio_se(value: float, count: int, rel_sd: float, runs: int) -> tuple[float, float]:
    """Standard error of count-rate / multiplier, and the t quantile for a 95% interval.

    Two independent relative errors: the Poisson count (1/sqrt(count)) and the multiplier of the
    data's own period, which varies like one simulated run's (relative sd ``rel_sd``, estimated
    from ``runs`` runs, plus the error of their mean). The t quantile uses Welch-Satterthwaite
    degrees of freedom, since ``rel_sd`` comes from few runs."""
    from scipy import stats

    a = 1.0 / max(count, 1)
    b = rel_sd**2 * (1.0 + 1.0 / runs)
    se = value * math.sqrt(a + b)
    df = (a + b) ** 2 / (b**2 / (runs - 1)) if (b > 0 and runs > 1) else math.inf
    return se, float(stats.t.ppf(0.975, df)) if math.isfinite(df) else 1.959963984540054


def _map_arrivals(
    s: str, rate: float, lo: float, hi: float, count: int, base: Scenario, factors: _BaseFactors, add: Any, mapped: dict, notes: list
) -> None:
    """Map an observed arrival rate onto the scenario field that drives it."""
    if s == "inbound":
        m, sd = factors.inbound_multiplier, factors.inbound_multiplier_sd
        value = rate / m
        # the realised multiplier of the data's own period varies like a run's: add that variance
        se, t = _ratio_se(value, count, sd / m, factors.runs)
        add(
            "inbound.base_rate_per_day",
            value,
            max(0.0, value - t * se),
            value + t * se,
            count,
            "observed inbound rate / the base scenario's mean brand-and-content multiplier",
            f"multiplier {m:.3f} (sd {sd:.3f} across {factors.runs} simulated runs of the base scenario)",
            se=se,
            field_name="inbound.base_rate_per_day",
        )
        mapped["inbound.base_rate_per_day"] = value
    elif s == "campaign":
        e, sd = factors.campaign_effect, factors.campaign_effect_sd
        if e < 0.02:
            if count:
                notes.append(
                    "campaign leads observed, but the base scenario's campaign effect is ~0 (no campaign work or the "
                    "mechanism is off): market.campaign_rate_per_day_max not set."
                )
            return
        value = rate / e
        se, t = _ratio_se(value, count, sd / e, factors.runs)
        add(
            "market.campaign_rate_per_day_max",
            value,
            max(0.0, value - t * se),
            value + t * se,
            count,
            "observed campaign rate / the base scenario's mean campaign saturation",
            f"saturation {e:.3f} (sd {sd:.3f} across {factors.runs} runs); it depends on the marketing team's campaign work",
            se=se,
            field_name="market.campaign_rate_per_day_max",
        )
        mapped["market.campaign_rate_per_day_max"] = value
    elif s == "channel":
        if not base.mechanisms.growth_stage:
            if count:
                notes.append("channel leads observed but mechanisms.growth_stage is off in the base: growth.channel_leads_per_day not set.")
            return
        add(
            "growth.channel_leads_per_day", rate, lo, hi, count, "Poisson: count / calendar days", field_name="growth.channel_leads_per_day"
        )
        mapped["growth.channel_leads_per_day"] = rate
    elif s == "outbound":
        sales = base.sales
        hours = base.calendar.workday_end_hour - base.calendar.workday_start_hour
        follow = max(1, round(sales.reps * (1.0 - sales.prospecting_share))) if sales.reps else 0
        prospecting_hours = (sales.reps - follow) * hours
        if prospecting_hours <= 0 or not base.mechanisms.outbound_prospecting:
            if count:
                notes.append(
                    "outbound leads observed but the base scenario has no prospecting time: "
                    "sales.outbound_leads_per_prospecting_hour not set."
                )
            return
        add(
            "sales.outbound_leads_per_prospecting_hour",
            rate / prospecting_hours,
            lo / prospecting_hours,
            hi / prospecting_hours,
            count,
            "outbound rate per working day / prospecting rep-hours of the base team",
            f"{sales.reps - follow} prospecting reps x {hours:g} h (base sales.reps and prospecting_share)",
            field_name="sales.outbound_leads_per_prospecting_hour",
        )
        mapped["sales.outbound_leads_per_prospecting_hour"] = rate / prospecting_hours


def _map_deal_size(y: np.ndarray, factors: _BaseFactors, base: Scenario, add: Any, mapped: dict, notes: list) -> None:
    """Lognormal fit of won amounts, then list price and size sigma with the discount divided out."""
    from scipy import stats

    n = len(y)
    mu, s2 = float(y.mean()), float(y.var(ddof=1))
    se_mu = math.sqrt(s2 / n)
    s2_lo, s2_hi = s2 * (n - 1) / stats.chi2.ppf(0.975, n - 1), s2 * (n - 1) / stats.chi2.ppf(0.025, n - 1)
    add("deal_size.log_mean", mu, mu - 1.96 * se_mu, mu + 1.96 * se_mu, n, "lognormal fit: mean of log amounts", se=se_mu)
    add("deal_size.sigma", math.sqrt(s2), math.sqrt(s2_lo), math.sqrt(s2_hi), n, "lognormal fit: sd of log amounts, chi-square interval")
    v_keep = factors.log_keep_var
    why = (
        f"won amounts = list price x size x (1 - discount); the base scenario's discounts (mean kept share "
        f"{factors.keep_share_mean:.3f}, variance of its log {v_keep:.4f}) are divided out"
    )
    if s2 <= v_keep:
        notes.append("deals.deal_size_sigma not set: the observed spread is no larger than the discount spread alone.")
        return
    sigma2 = s2 - v_keep
    sigma = math.sqrt(sigma2)
    add(
        "deals.deal_size_sigma",
        sigma,
        math.sqrt(max(s2_lo - v_keep, 0.0)),
        math.sqrt(s2_hi - v_keep),
        n,
        "lognormal fit",
        why,
        field_name="deals.deal_size_sigma",
    )
    mapped["deals.deal_size_sigma"] = sigma
    # log amount = log list - sigma^2/2 + sigma z + log(1 - d): E = log list - sigma^2/2 + E log(1 - d)
    log_list = mu + sigma2 / 2.0 - factors.log_keep_mean
    se_log = math.sqrt(se_mu**2 + 0.25 * 2.0 * s2**2 / (n - 1))
    value = math.exp(log_list)
    add(
        "deals.list_price_usd",
        value,
        math.exp(log_list - 1.96 * se_log),
        math.exp(log_list + 1.96 * se_log),
        n,
        "lognormal fit: exp(mean log + sigma^2/2 - mean log kept share)",
        why,
        se=value * se_log,
        field_name="deals.list_price_usd",
    )
    mapped["deals.list_price_usd"] = value


__all__ = [
    "CANONICAL_COLUMNS",
    "DEFAULT_SOURCE_MAP",
    "DEFAULT_STAGE_MAP",
    "PRESETS",
    "Calibration",
    "bootstrap_mean_ci",
    "from_leads",
    "lognormal_censored_mle",
    "poisson_ci",
    "quantile_ci",
    "wilson_ci",
]

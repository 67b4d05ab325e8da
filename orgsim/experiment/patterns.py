"""Pattern-oriented validation (Grimm et al., Science 2005): empirical patterns the model must
reproduce together, from one calibration.

Each :class:`Pattern` names its source and grade (docs/calibration grades: H journal by academics,
I analyst, V vendor, P peer-reviewed), the range the model's value must fall in, and which
parameter, if any, was calibrated to it. :func:`measure` runs a scenario under several
structures with common random numbers and returns each pattern's value per structure and pooled
over them (the published figures are surveys across many firms, so the pooled value, equal weight
per structure, is what is compared), with a 95% bootstrap interval over replications.

Used by ``tests/test_patterns.py`` and by ``docs/studies/validation.py``, which writes the table
in docs/validation.md. A researcher who recalibrates the model can run :func:`measure` on their
scenario to see which patterns still hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from orgsim.config import Calendar, Scenario, Structure
from orgsim.model import simulate
from orgsim.model.calendar import WorkCalendar

if TYPE_CHECKING:
    import pandas as pd

    from orgsim.model.results import RunResult

Counts = dict[str, float]


@dataclass(frozen=True)
class Pattern:
    """One empirical pattern: what is measured, the published value, and the accepted range."""

    name: str
    description: str
    published: str
    low: float
    high: float
    source: str
    grade: str
    calibrated: str  # the parameters calibrated to this pattern ("" if none: an independent check)
    value: Callable[[Counts], float]  # from the counts summed over runs

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high


def _ratio(num: str, den: str) -> Callable[[Counts], float]:
    return lambda c: c[num] / c[den] if c[den] else math.nan


def _odds_ratio(fast: str, slow: str) -> Callable[[Counts], float]:
    """Qualification rate of fast responses over that of slow ones."""

    def value(c: Counts) -> float:
        slow_rate = c[f"{slow}_qualified"] / c[slow] if c[slow] else math.nan
        fast_rate = c[f"{fast}_qualified"] / c[fast] if c[fast] else math.nan
        return fast_rate / slow_rate if slow_rate else math.inf

    return value


HBR = "Oldroyd, McElheran & Elkington, HBR 2011"
PATTERNS: tuple[Pattern, ...] = (
    Pattern("response_within_1h", "audit leads first touched within 1 h of the hand-off", "37%", 0.27, 0.47, HBR, "H",
            "sales.queue_check_hours, sales.queue_check_spread", _ratio("audit_within_1h", "audit_mqls")),
    Pattern("response_1h_to_24h", "audit leads first touched after 1 h and within 24 h", "16%", 0.06, 0.26, HBR, "H",
            "sales.queue_check_hours, sales.queue_check_spread", _ratio("audit_within_24h", "audit_mqls")),
    Pattern("response_after_24h", "audit leads first touched after 24 h", "24%", 0.14, 0.34, HBR, "H",
            "sales.queue_check_hours, sales.queue_check_spread", _ratio("audit_after_24h", "audit_mqls")),
    Pattern("response_never", "audit leads not answered within 30 days (unfollowed, or answered later)", "23%", 0.13, 0.33, HBR, "H",
            "", _ratio("audit_never", "audit_mqls")),
    Pattern("mean_response_hours", "mean hours to first touch among audit leads followed up", "42 h", 25.0, 65.0, HBR, "H",
            "sales.queue_check_hours, sales.queue_check_spread", _ratio("audit_response_hours", "audit_responded")),
    Pattern("qualify_ratio_1h_vs_1_2h", "qualification rate, touched within 1 h vs after 1-2 h", "about 7x", 3.5, 14.0, HBR, "H",
            "sales.contact_decay, sales.qualify_decay", _odds_ratio("within_1h", "in_1h_2h")),
    Pattern("qualify_ratio_1h_vs_24h", "qualification rate, touched within 1 h vs after 24 h or later", "over 60x", 30.0, math.inf, HBR,
            "H", "sales.contact_decay, sales.qualify_decay", _odds_ratio("within_1h", "after_24h")),
    Pattern("inquiry_to_mql", "inbound, campaign and channel leads that become MQLs at arrival", "10-25%", 0.10, 0.25,
            "demand-waterfall ranges", "V", "leads.mql_threshold", _ratio("first_mqls", "inquiries")),
    Pattern("mql_to_sql", "followed-up MQLs that qualify (MQL->SAL 40-60% x SAL->SQL 50-70%)", "20-42%", 0.20, 0.42,
            "demand-waterfall ranges", "V", "sales.qualify_intercept", _ratio("mql_qualified", "responded")),
    Pattern("win_rate", "closed opportunities won (SQL->won)", "20-30%", 0.20, 0.30, "demand-waterfall ranges", "V",
            "deals.win_logit_offset", _ratio("wins", "closed")),
    Pattern("cycle_median_days", "median days from opportunity to close, won deals (mid-market)", "30-90 d", 30.0, 90.0,
            "practitioner heuristics", "V", "deals.cycle_days_median", _ratio("cycle_days_median_sum", "runs")),
    Pattern("share_of_reps_at_quota", "rep plan years at or above quota", "57-60%", 0.47, 0.70, "CSO Insights", "I",
            "sales.rep_skill_sd (with the company's plan: leadership.plan_prior_bookings_usd)", _ratio("at_quota_sum", "runs")),
    Pattern("outbound_conversations", "outbound attempts that reach a conversation", "5-10%", 0.05, 0.10,
            "Gong Labs 2024; Belkins 2026", "V", "sales.outbound_conversation_rate (a prior, set directly)",
            _ratio("conversations", "attempts")),
)


#: The HBR response shares and mean over *every* MQL, whatever the hour it was handed off: not
#: compared with the audit (whose test leads were sent in working hours), shown beside it.
ALL_HOURS: tuple[Pattern, ...] = (
    Pattern("all_hours_within_1h", "all MQLs first touched within 1 h", "37% (audit)", 0.27, 0.47, HBR, "H", "",
            _ratio("within_1h", "mqls")),
    Pattern("all_hours_1h_to_24h", "all MQLs first touched after 1 h and within 24 h", "16% (audit)", 0.06, 0.26, HBR, "H", "",
            _ratio("within_24h", "mqls")),
    Pattern("all_hours_after_24h", "all MQLs first touched after 24 h", "24% (audit)", 0.14, 0.34, HBR, "H", "",
            _ratio("after_24h", "mqls")),
    Pattern("all_hours_never", "all MQLs never followed up", "23% (audit)", 0.13, 0.33, HBR, "H", "", _ratio("never", "mqls")),
    Pattern("all_hours_mean_response_hours", "mean hours to first touch, all MQLs followed up", "42 h (audit)", 25.0, 65.0, HBR, "H", "",
            _ratio("response_hours", "responded")),
)


def brand_carryover_months(scenario: Scenario) -> float:
    """Months until a brand impulse decays to 10% (Leone 1995, P: 6-9 months), from the stock's retention."""
    weekly = scenario.market.brand.weekly_retention
    return math.log(0.1) / math.log(weekly) * 7.0 / (365.25 / 12.0)


#: How long the audit watched each test lead (HBR 2011: the mean response is "among companies that
#: responded within 30 days"): a first touch after it is a lead never answered.
AUDIT_WINDOW_DAYS = 30.0

#: The sources whose leads are the waterfall's "inquiries" (outbound and customers' referrals are not).
INQUIRY_SOURCES: tuple[str, ...] = ("inbound", "campaign", "channel")


def in_working_hours(times: np.ndarray, calendar: Calendar) -> np.ndarray:
    """Which of ``times`` (days; day 0 a Monday) fall inside the calendar's working hours."""
    work = WorkCalendar(calendar)
    if work.always_on:
        return np.ones(len(times), dtype=bool)
    day = np.floor(times)
    within = times - day
    return (np.mod(day, 7) < work.workdays_per_week) & (within >= work.start_fraction) & (within < work.end_fraction)


def run_counts(result: RunResult) -> Counts:
    """The counts one run contributes to the patterns (needs the lead log).

    The HBR audit's shares and mean are counted on the *audit leads*: MQLs handed off in working
    hours, as the audit's test inquiries were sent (docs/validation.md). The qualification ratios
    (HBR's analysis of firms' own lead records) and the all-hours shares count every MQL."""
    leads, t = result.leads, result.totals
    assert leads is not None, "simulate with record_leads=True"
    mine = leads[leads.arrived_at >= 0]
    mql = mine[mine.mql]
    hours = (mql.first_touch_at - mql.queued_at).to_numpy() * 24.0
    qualified = mql.qualified.to_numpy()
    touched = ~np.isnan(hours)
    # the hand-off time: when the MQL was queued (an unfollowed one was never queued: when it arrived)
    handed_off = mql.queued_at.fillna(mql.arrived_at).to_numpy()
    calendar = Scenario.from_dict(result.meta["scenario"]).calendar
    # the audit: leads handed off in working hours, watched for AUDIT_WINDOW_DAYS (so only those
    # handed off that long before the run's end); a first touch after the window counts as never
    audit = in_working_hours(handed_off, calendar) & (handed_off <= float(result.meta["horizon_days"]) - AUDIT_WINDOW_DAYS)
    answered = touched & (hours <= AUDIT_WINDOW_DAYS * 24.0) & audit  # audit leads answered within the window
    counts: Counts = {
        "mqls": float(len(mql)),
        "responded": float(touched.sum()),
        "response_hours": float(np.nansum(hours)),
        "never": float((~touched).sum()),
        "audit_mqls": float(audit.sum()),
        "audit_responded": float(answered.sum()),
        "audit_response_hours": float(hours[answered].sum()),
        "audit_never": float((audit & ~answered).sum()),
        "mql_qualified": float(qualified[touched].sum()),
        "inquiries": float(sum(t[f"leads_{source}"] for source in INQUIRY_SOURCES)),
        "first_mqls": float(mine[mine.source.isin(INQUIRY_SOURCES)].mql.sum()),
        "wins": t["wins"],
        "closed": t["wins"] + t["losses"],
        "attempts": t["outbound_attempts"],
        "conversations": t["outbound_conversations"],
        "runs": 1.0,
        "at_quota_sum": t["share_of_reps_at_quota"],
    }
    won = leads[leads.won.astype(bool)]
    counts["cycle_days_median_sum"] = float((won.closed_at - won.opportunity_at).median()) if len(won) else math.nan
    for name, lo, hi in (("within_1h", 0.0, 1.0), ("in_1h_2h", 1.0, 2.0), ("within_24h", 1.0, 24.0), ("after_24h", 24.0, math.inf)):
        band = touched & (hours > lo) & (hours <= hi) if lo > 0 else touched & (hours <= hi)
        counts[name] = float(band.sum())
        counts[f"{name}_qualified"] = float(qualified[band].sum())
        counts[f"audit_{name}"] = float((band & answered).sum())
    return counts


def _pooled(counts: list[Counts]) -> Counts:
    return {key: float(sum(c[key] for c in counts)) for key in counts[0]}


def measure(
    scenario: Scenario,
    structures: Mapping[str, Structure],
    *,
    replications: int = 8,
    seed: int = 0,
    horizon_days: float = 365.0,
    bootstrap: int = 400,
    patterns: Sequence[Pattern] = PATTERNS,
) -> pd.DataFrame:
    """Every pattern's value per structure and pooled, with 95% bootstrap intervals.

    Replication ``r`` of every structure uses seed ``seed + r`` (common random numbers). Rows:
    patterns; columns: ``(structure or "pooled", "value" | "low" | "high")`` plus the pattern's
    published value, range, grade, source and calibrated parameters."""
    import pandas as pd

    per: dict[str, list[Counts]] = {
        name: [run_counts(simulate(scenario, s, seed=seed + r, horizon_days=horizon_days, record_leads=True)) for r in range(replications)]
        for name, s in structures.items()
    }
    groups = {**per, "pooled": [c for runs in zip(*per.values(), strict=True) for c in runs]}
    rng = np.random.default_rng(seed)
    rows = []
    for p in patterns:
        row: dict[tuple[str, str], object] = {
            ("pattern", "published"): p.published,
            ("pattern", "range"): f"{p.low:g} to {p.high:g}",
        }
        for group, runs in groups.items():
            value = p.value(_pooled(runs))
            resampled = [p.value(_pooled([runs[i] for i in rng.integers(0, len(runs), len(runs))])) for _ in range(bootstrap)]
            lo, hi = np.nanpercentile(resampled, [2.5, 97.5])
            row[(group, "value")], row[(group, "low")], row[(group, "high")] = value, float(lo), float(hi)
        row[("pattern", "holds")] = p.holds(float(row[("pooled", "value")]))  # type: ignore[arg-type]
        row[("pattern", "grade")], row[("pattern", "source")], row[("pattern", "calibrated")] = p.grade, p.source, p.calibrated
        rows.append(row)
    frame = pd.DataFrame(rows, index=pd.Index([p.name for p in patterns], name="pattern"))
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return frame

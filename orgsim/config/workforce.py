"""People over time: hiring lag, ramp, attrition with backfill, and the addressable market.

Reps and marketers are hired through requisitions that start after a lag, ramp from a starting
productivity to full productivity over their first months, and leave at a constant hazard per
person (the annual turnover rate); each departure opens a requisition for a backfill. The sales
head's quota pressure may raise reps' turnover (a stated assumption). The market has a size in
accounts, so lead arrivals fall as the company wins it and growth plateaus. The mechanisms are in
:mod:`orgsim.model.workforce`; each has a switch in :class:`~orgsim.config.Mechanisms`
(``attrition``, ``ramp``, ``hiring_lag``, ``pressure_turnover``, ``addressable_market``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from orgsim.config.checks import is_real
from orgsim.config.params import Section, param

_BRIDGE = "Bridge Group SDR reports 2015/2017, TOPO (V, a prior)"


def _check_accounts(value: Any) -> str | None:
    """A market size is a positive number of accounts, or inf (unlimited); never NaN, 0, negative or a bool."""
    allowed = "a number of accounts > 0, or inf (an unlimited market)"
    if not is_real(value):
        return allowed
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return allowed
    return None if number > 0 else allowed  # NaN > 0 is False


@dataclass(frozen=True)
class Workforce(Section, prefix="workforce."):
    """Hiring lag, ramp and turnover of reps and marketers, and the size of the market (docs/model.md 7.26)."""

    rep_turnover_per_year: float = param(
        0.32,
        0.0,
        10.0,
        "reps who leave per rep-year employed (a constant hazard per person; 0.32 = about 27% of a cohort gone within a year)",
        source=f"{_BRIDGE}: SDR turnover 30-34% a year; our reps are full-cycle, whose turnover is less reported",
    )
    rep_ramp_days: float = param(
        105.0,
        0.0,
        3650.0,
        "days a new rep takes to reach full productivity (linear ramp; longer than the horizon is allowed)",
        source="Bridge Group; practitioner surveys (V, a prior): about 3-4 months",
    )
    rep_ramp_start_productivity: float = param(
        0.25,
        0.0,
        1.0,
        "a new rep's productivity on their first day, as a share of a ramped rep's (win effectiveness, prospecting yield)",
        source="A: linear from a quarter to full over the ramp, so a rep delivers about 5/8 of full output while ramping",
    )
    rep_hiring_lag_days: float = param(
        60.0,
        0.0,
        3650.0,
        "days from opening a rep requisition (a departure's backfill, a planned hire) to the new rep's start",
        source="HRO Today / WilsonHCG sales recruiting study (V): 58.1 days to fill a sales job; SBI (V): 62 days requisition to start",
    )
    marketer_turnover_per_year: float = param(
        0.20,
        0.0,
        10.0,
        "marketers who leave per marketer-year employed (a constant hazard per person)",
        source="A: below sales turnover; marketing roles are less quota-driven",
    )
    marketer_ramp_days: float = param(
        60.0,
        0.0,
        3650.0,
        "days a new marketer takes to reach full productivity (linear ramp)",
        source="A: two months to learn the product, the buyers and the tools",
    )
    marketer_ramp_start_productivity: float = param(
        0.25,
        0.0,
        1.0,
        "a new marketer's productivity on their first day, as a share of a ramped marketer's",
        source="A: as reps",
    )
    marketer_hiring_lag_days: float = param(
        60.0,
        0.0,
        3650.0,
        "days from opening a marketer requisition to the new marketer's start",
        source="A: as reps (HRO Today / WilsonHCG, V, for sales jobs)",
    )
    pressure_turnover_weight: float = param(
        1.0,
        0.0,
        100.0,
        "k in: rep hazard x (1 + k x pressure felt), pressure felt = quota shortfall x the quota owner's quota_sensitivity",
        source="A: stated assumption; quota pressure is a commonly given reason for sales turnover (practitioner surveys, V)",
    )
    addressable_accounts: float = param(
        math.inf,
        0.0,
        math.inf,
        "accounts in the addressable market (inf: unlimited); lead arrivals scale by the share not yet won",
        lo_open=True,
        source="A: unlimited by default (100,000 accounts would cut a default run's leads by under 1% in 3 years); "
        "set it to study saturation",
        check=_check_accounts,
    )

"""The programme budget (MODEL.md 3, second round: "the integrator splits program money as well
as time, and cuts it under pressure"): money per budget period for marketing projects.

Every default names its source, as in :mod:`orgsim.config.sections`. The mechanism is in
:mod:`orgsim.model.budget`; its switches are ``mechanisms.program_budget`` and
``mechanisms.budget_cuts``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from orgsim.config.checks import is_real
from orgsim.config.params import Section, param

#: The largest finite budget a period may have (inf, an unlimited budget, is also allowed).
MAX_BUDGET_USD = 1e12


def _check_budget(value: Any) -> str | None:
    """A budget is a number in [0, 1e12], or inf (unlimited); never NaN, negative or a bool."""
    allowed = f"a number in [0, {MAX_BUDGET_USD:g}], or inf (unlimited)"
    if not is_real(value):
        return allowed
    try:
        number = float(value)
    except OverflowError:
        return allowed
    if math.isnan(number) or number < 0 or (math.isfinite(number) and number > MAX_BUDGET_USD) or number == -math.inf:
        return allowed
    return None


@dataclass(frozen=True)
class Budget(Section, prefix="budget."):
    """Programme money per budget period, split between short- and long-term project kinds by
    the allocation policy and cut under quota pressure (docs/model.md 7.27)."""

    usd_per_marketer_per_period: float = param(
        36_000.0,
        0.0,
        MAX_BUDGET_USD,  # the declared range; its own check also takes inf (unlimited)
        "programme money for marketing projects per budget period and marketer, USD (inf: unlimited); "
        "a period's budget is this times marketing.marketers",
        source=(
            "A: what the default team spends at the default 50/50 split, 213,850 USD a 91-day quarter "
            "(6 marketers x 5/7 x 91 person-days at the kinds' cost per person-day), 35,642 per marketer, rounded up"
        ),
        check=_check_budget,
    )
    period_days: float = param(
        91.0, 1.0, 365.0, "days in a budget period (money is split at each period's start)", source="A: quarterly (leadership.quarter_days)"
    )
    split_rule: str = param(
        "fund_effort",
        doc="how a period's money is split between short- and long-term kinds: by the allocation policy's own rule applied "
        "to money (the fixed long_term_share of money, or the leader's value over its horizon per dollar), or so as to pay "
        "for the policy's effort split (fund_effort: the budget caps spend and never changes the mix)",
        choices=("same_rule", "fund_effort"),
        source="A: fund_effort keeps the effort split the policy chose; same_rule splits money as Binet & Field's 46:54 (I)",
    )
    carry_over: bool = param(
        False, doc="money unspent at a period's end carries into the next period (false: it lapses, 'use it or lose it')"
    )
    max_cut_share: float = param(
        0.5,
        0.0,
        1.0,
        "share of the rest of the period's long-term money cut at full quota pressure and quota sensitivity 1",
        source=(
            "A (the depth); Graham, Harvey & Rajgopal 2005 (P): about 80% of executives would cut discretionary "
            "spending such as advertising to meet a quarterly target"
        ),
    )

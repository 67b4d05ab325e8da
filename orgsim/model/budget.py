"""Programme budgets (docs/model.md 7.27): the money marketing projects may spend per period.

At each budget period's start (``budget.period_days``, a quarter by default) the period's money
(``budget.usd_per_marketer_per_period`` x marketers, plus what is left if ``budget.carry_over``) is split between the
short-term and the long-term project kinds by the allocation policy
(:meth:`~orgsim.model.marketing.MarketingTeam.money_long_share`). With ``budget.split_rule``
"same_rule" the policy applies its own rule to money: the leader values money as time, value over
its horizon, taken per dollar instead of per person-day
(:meth:`~orgsim.model.leadership.LeaderAllocation.budget_long_share`), and fixed shares give
``long_term_share`` of the money; with "fund_effort" the money pays for the policy's effort split
(:func:`spend_long_share`), so the budget caps spend without changing the mix. The money is held per term,
not per kind: one project of a long-term kind (a 60,000 USD brand project) can cost more than its
kind's slice of a quarter, so slices per kind would block it for ever.

A project starts only if its term has the money for it (:meth:`ProgrammeBudget.affordable`); the
marketing team then starts the next kind its shares want that is affordable, and a marketer with
nothing affordable waits for the next period (:attr:`Counters.marketer_days_unfunded`). Under
quota pressure the quota holder cuts the rest of the period's long-term (discretionary) money by
``quota_sensitivity x pressure x budget.max_cut_share`` (:meth:`ProgrammeBudget.cut`; Graham,
Harvey & Rajgopal 2005). The budget draws no random numbers; an unlimited budget (inf) never
blocks a project and never cuts, so a run with it equals a run without budgets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any

from simpy.events import Timeout

if TYPE_CHECKING:
    import simpy

    from orgsim.config import ProjectKind
    from orgsim.config.budget import Budget
    from orgsim.model.recorder import Counters

TERMS: tuple[str, ...] = ("short", "long")
#: Float noise allowed when a term's money is compared with a project's cost (USD): money left
#: after exact subtractions may differ from the cost by a few ulps.
TOLERANCE_USD = 1e-6


def term_cost_per_person_day(kinds: tuple[ProjectKind, ...]) -> dict[str, float]:
    """USD per person-day of each term's mix of kinds (weighted by the kinds' portfolio weights)."""
    out = {}
    for term in TERMS:
        group = [k for k in kinds if k.term == term and k.weight > 0]
        total = sum(k.weight for k in group)
        out[term] = sum(k.weight * k.cost_usd / k.effort_person_days for k in group) / total if total else 0.0
    return out


def spend_long_share(kinds: tuple[ProjectKind, ...], shares: Mapping[str, float]) -> float:
    """The long-term kinds' share of the money an effort split (``shares`` by kind) costs; 0 if it costs nothing."""
    spend = dict.fromkeys(TERMS, 0.0)
    for kind in kinds:
        spend[kind.term] += shares.get(kind.name, 0.0) * kind.cost_usd / kind.effort_person_days
    total = spend["short"] + spend["long"]
    return spend["long"] / total if total > 0 else 0.0


class ProgrammeBudget:
    """The money of the current budget period, per term, and its accounting in the counters.

    ``long_share(split_rule)`` gives the long-term share of a period's money (the allocation
    policy's rule, or what its effort split costs); ``refill()`` lets the marketing team start work when new money arrives."""

    def __init__(
        self,
        env: simpy.Environment,
        params: Budget,
        counters: Counters,
        *,
        long_share: Callable[[str], float],
        refill: Callable[[], None],
        marketers: int,
    ):
        self.env = env
        self.params = params
        self.counters = counters
        self.long_share = long_share
        self.refill = refill
        self.usd_per_period = params.usd_per_marketer_per_period * marketers
        self.unlimited = not math.isfinite(self.usd_per_period)
        self.money = dict.fromkeys(TERMS, math.inf if self.unlimited else 0.0)
        self.periods = 0

    # -- periods -----------------------------------------------------------------------------
    def open_period(self) -> None:
        """A new period's money: the period's budget (plus what is carried), split by the policy."""
        self.periods += 1
        if self.unlimited:
            return
        c = self.counters
        left = self.money["short"] + self.money["long"]
        if self.params.carry_over:
            total = left + self.usd_per_period
        else:
            c.budget_lapsed_usd += left
            total = self.usd_per_period
        c.budget_usd += self.usd_per_period
        share = min(1.0, max(0.0, float(self.long_share(self.params.split_rule))))
        self.money["long"] = total * share
        self.money["short"] = total - self.money["long"]

    def run(self) -> Generator[simpy.Event, Any, None]:
        """Open a period every ``period_days`` after the first (opened by the team at time 0)."""
        period = self.params.period_days
        while True:
            yield Timeout(self.env, self.periods * period - self.env.now)
            self.open_period()
            self.refill()

    # -- spending ----------------------------------------------------------------------------
    def affordable(self, kind: ProjectKind) -> bool:
        """Whether the kind's term has the money for one more project of it."""
        return kind.cost_usd <= self.money[kind.term] + TOLERANCE_USD

    def spend(self, kind: ProjectKind, usd: float) -> None:
        """Charge ``usd`` (negative: a refund) to the kind's term."""
        if not self.unlimited:
            self.money[kind.term] = max(0.0, self.money[kind.term] - usd)

    def cut(self, intensity: float) -> None:
        """Quota pressure: cut ``min(1, intensity x max_cut_share)`` of the long-term money left in
        the period (``intensity`` = the holder's quota sensitivity x the shortfall)."""
        if self.unlimited or intensity <= 0:
            return
        amount = self.money["long"] * min(1.0, intensity * self.params.max_cut_share)
        self.money["long"] -= amount
        self.counters.budget_cut_usd += amount

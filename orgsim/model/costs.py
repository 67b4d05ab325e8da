"""Costs (MODEL.md 3.12): headcount and leaders accrue by the day; programme spend and dispute
rework are charged where they arise (:mod:`~orgsim.model.marketing`, :mod:`~orgsim.model.leadership`).

Headcount costs are a rate that changes only when the headcount does (a quarter's hires), so
they are accrued lazily, at each snapshot and before each change of rate, never by a daily event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgsim.config import Costs as CostParams
from orgsim.config import Mechanisms, Structure
from orgsim.model.positions import interface_share, sales_and_marketing_roles

if TYPE_CHECKING:
    import simpy

    from orgsim.model.recorder import Counters


def leadership_cost_per_year(structure: Structure | None, head_cost_usd_per_year: float, mechanisms: Mechanisms) -> float:
    """The roles on the lines from each head up to the integrator (each extra layer costs):
    a holder's salary, or a head's cost where no profile is given. The integrator charges the
    share of their time the interface gets (:func:`~orgsim.model.positions.interface_share`);
    roles outside sales and marketing charge nothing."""
    if structure is None:
        return 0.0
    leaders, top = structure.leaders, structure.integrator_role
    total = 0.0
    for role in sales_and_marketing_roles(structure):
        cost = leaders[role].salary_usd_per_year if role in leaders else head_cost_usd_per_year
        total += cost * interface_share(structure, mechanisms) if role == top else cost
    return total


class Costs:
    """The cost of reps, marketers and the structure's leaders, accrued into the counters
    (``costs_usd``, and ``leader_costs_usd`` for the leaders' part)."""

    def __init__(
        self,
        env: simpy.Environment,
        counters: Counters,
        params: CostParams,
        *,
        reps: int,
        marketers: int,
        leadership_usd_per_year: float,
    ):
        self.env = env
        self.counters = counters
        self.params = params
        self.marketers = marketers
        self.leader_cost_per_day = leadership_usd_per_year / 365.0
        self.rate_per_day = 0.0
        self.accrued_to = 0.0
        self.set_reps(reps)

    def set_reps(self, reps: int) -> None:
        """The headcount changed: costs from now on run at the new rate (accrue first)."""
        params = self.params
        self.reps = reps
        self.rate_per_day = (
            reps * params.rep_cost_usd_per_year + self.marketers * params.marketer_cost_usd_per_year
        ) / 365.0 + self.leader_cost_per_day

    def set_marketers(self, marketers: int) -> None:
        """The marketers employed changed (a departure, a backfill's start: orgsim.model.workforce):
        accrue at the old rate, then run at the new one."""
        self.accrue()
        self.marketers = marketers
        self.set_reps(self.reps)

    def set_leadership(self, usd_per_year: float) -> None:
        """The leaders changed (a reorganisation): accrue at the old rate, then run at the new one."""
        if usd_per_year / 365.0 == self.leader_cost_per_day:
            return  # the same cost: no accrual at an extra instant (its rounding would differ)
        self.accrue()
        self.leader_cost_per_day = usd_per_year / 365.0
        self.set_reps(self.reps)  # the rate from its parts, as at build

    def charge(self, usd: float) -> None:
        """A one-off cost, charged now."""
        self.counters.costs_usd += usd

    def accrue(self) -> None:
        """Charge the costs of the time since the last accrual."""
        now = self.env.now
        elapsed = now - self.accrued_to
        self.counters.costs_usd += self.rate_per_day * elapsed
        self.counters.leader_costs_usd += self.leader_cost_per_day * elapsed
        self.accrued_to = now

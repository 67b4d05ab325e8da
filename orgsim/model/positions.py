"""Positions (MODEL.md 4): what a role's place in the reporting lines does, whoever holds it.

A :class:`~orgsim.Structure` says who reports to whom, which role carries the bookings target
and who holds each seat. :func:`positions` reads only that graph and the holders' profiles
(never a structure's name) and returns the profiles the mechanisms act on. Each position
mechanism has its own switch in :class:`~orgsim.config.Mechanisms`; with all of them off, every
mechanism reads the integrator's profile, as a structure that is nothing but its integrator.

* ``quota_ownership``: the role that carries the number feels quota pressure with its holder's
  ``quota_sensitivity`` (it sets the pressure discounts); the integrator, who allocates
  marketing work and launches rush campaigns, feels ``quota_pressure_per_level`` of it per
  reporting line between them (seed 004: whoever carries the 90-day number drifts short-term).
* ``dual_roles``: an integrator who heads one of the functions directly keeps
  ``1 - dual_role_attention_cut`` of their attention for the interface.
* ``span_of_control``: an integrator with ``n`` direct reports gives the two heads' interface
  ``min(1, 2 / n)`` of their attention, and charges sales and marketing that share of their
  salary (a CEO has the company to run).
* ``reporting_distance``: a dispute travels the reporting lines from each head up to the
  integrator (:class:`~orgsim.model.leadership.Escalation` adds time and effort per line).
* ``heads_below``: each function's daily decisions (sales: coaching, SLA enforcement, CRM
  logging, discounts; marketing: judging campaigns) mix the integrator's profile and the head's
  own, weighted by the integrator's ``delegation``; an integrator who heads a function decides
  for it alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from orgsim.config import Leader, Leadership, Mechanisms, Structure

#: The attributes behind the sales function's daily decisions.
SALES_DECISIONS = ("sales_understanding", "sla_enforcement", "crm_discipline", "discount_authority")
#: The attributes behind the marketing function's daily decisions.
MARKETING_DECISIONS = ("marketing_understanding",)
#: The interface is two of the integrator's direct reports (the two heads' lines).
INTERFACE_REPORTS = 2


@dataclass(frozen=True)
class Positions:
    """The profiles the mechanisms read, after the position mechanisms.

    Attributes:
        interface: the integrator, with the attention left for the interface (escalation,
            dispute side, agreed scoring criteria).
        allocator: the integrator as marketing's planner: its horizon, the marketing function's
            judgement and the quota sensitivity it feels (rush campaigns, shortened horizon).
        sales: the sales function's daily profile (coaching, outbound support, queue checks,
            unfollowed share, CRM logging, discount authority).
        discount_sensitivity: the quota sensitivity behind pressure discounts (the quota owner's).
        dispute_levels: reporting lines a dispute travels up to the integrator (0 when off).
    """

    interface: Leader
    allocator: Leader
    sales: Leader
    discount_sensitivity: float
    dispute_levels: int


def interface_share(structure: Structure, mechanisms: Mechanisms) -> float:
    """Share of the integrator's managing time the sales-marketing interface gets: ``min(1, 2 / n)``
    for ``n`` direct reports (1 with ``span_of_control`` off)."""
    if not mechanisms.span_of_control:
        return 1.0
    n = len(structure.direct_reports(structure.integrator_role))
    return min(1.0, INTERFACE_REPORTS / n) if n > 0 else 1.0


def _function_profile(structure: Structure, head: str, attributes: tuple[str, ...], mechanisms: Mechanisms) -> Leader:
    """The integrator's profile with a function's decision attributes mixed with its head's."""
    integrator = structure.integrator
    if not mechanisms.heads_below or head == structure.integrator_role:
        return integrator
    w, holder = integrator.delegation, structure.holder(head)
    assert w is not None  # set from the background
    return integrator.replace(**{a: (1.0 - w) * getattr(integrator, a) + w * getattr(holder, a) for a in attributes})


def positions(structure: Structure, mechanisms: Mechanisms, params: Leadership) -> Positions:
    """The position mechanisms applied to ``structure`` (see the module docstring)."""
    integrator, top = structure.integrator, structure.integrator_role
    sales = _function_profile(structure, structure.sales_head, SALES_DECISIONS, mechanisms)
    marketing = _function_profile(structure, structure.marketing_head, MARKETING_DECISIONS, mechanisms)
    felt, discount_sensitivity = integrator.quota_sensitivity, integrator.quota_sensitivity
    if mechanisms.quota_ownership:
        owner = structure.quota_owner_role
        felt = integrator.quota_sensitivity * params.quota_pressure_per_level ** structure.distance(top, owner)
        discount_sensitivity = (integrator if owner == top else structure.holder(owner)).quota_sensitivity
    attention = integrator.attention * interface_share(structure, mechanisms)
    if mechanisms.dual_roles and top in (structure.marketing_head, structure.sales_head):
        attention *= 1.0 - params.dual_role_attention_cut
    levels = 0
    if mechanisms.reporting_distance:
        levels = structure.distance(structure.marketing_head, top) + structure.distance(structure.sales_head, top)
    return Positions(
        interface=integrator.replace(attention=attention),
        allocator=integrator.replace(marketing_understanding=marketing.marketing_understanding, quota_sensitivity=felt),
        sales=sales,
        discount_sensitivity=float(discount_sensitivity),  # type: ignore[arg-type]
        dispute_levels=levels,
    )


def sales_and_marketing_roles(structure: Structure) -> list[str]:
    """The roles on the lines from each head up to the integrator, in order, each once."""
    roles: dict[str, None] = {}
    for head in (structure.marketing_head, structure.sales_head):
        for role in structure.chain(head):
            roles[role] = None
            if role == structure.integrator_role:
                break
    return list(roles)


__all__ = ["MARKETING_DECISIONS", "SALES_DECISIONS", "Positions", "interface_share", "positions", "sales_and_marketing_roles"]

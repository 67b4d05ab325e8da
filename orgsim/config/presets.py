"""The reporting structures of MODEL.md section 4, as data.

Each preset is a :class:`~orgsim.Structure`: roles, reporting lines, the role that carries the
bookings target, and each seat's background. Nothing else distinguishes them: the model never
reads a structure's name, and a custom ``Structure`` with the same roles and profiles under
another name gives bit-identical results.

``profile`` chooses who holds the seats when leaders are fixed (``compare(...,
leaders="fixed")``; a sampled comparison draws the holders from a
:class:`~orgsim.LeaderPopulation` around the same seat backgrounds):

* ``"background"`` (the default): every seat is held by the plain profile of its background,
  ``Leader(background=b)``, so the structures differ only in their reporting lines and seat
  backgrounds.
* ``"seed"``: the integrator is the hand-set profile the seeds describe (a shared leader who
  understands both sides and works to agreed criteria; a CEO who gives the interface little
  attention), so that the seeds' claims can be run as stated. These profiles are chosen, not
  drawn: a result that holds only under them is a result about those people.

Override any attribute with ``preset().with_integrator(attribute=value)``.
"""

from __future__ import annotations

from typing import Literal

from orgsim.config.errors import Problem, ValidationError
from orgsim.config.structure import Leader, Structure

Profile = Literal["background", "seed"]
PROFILES: tuple[str, ...] = ("background", "seed")

#: The CEO's other direct reports in the siloed set-up (product, engineering, finance, people,
#: customer success): with the two heads, a span of 7. Neilson & Wulf 2012 (HBR, "How many
#: direct reports?"): the average CEO's span rose from about 5 to about 10 in 1986-2008; 7 for a
#: mid-market company is a stated assumption between them.
CEO_OTHER_REPORTS = ("head_of_product", "cto", "cfo", "head_of_people", "head_of_customer_success")


def _check(profile: str) -> None:
    if profile not in PROFILES:
        raise ValidationError(Problem("profile", profile, f"one of {', '.join(PROFILES)}"))


def marketing_under_sales(profile: Profile = "background") -> Structure:
    """The head of marketing reports to a sales-background CSO, who heads sales and carries the number."""
    _check(profile)
    return Structure(
        name="marketing_under_sales",
        marketing_head="head_of_marketing",
        sales_head="cso",
        reports_to={"cso": None, "head_of_marketing": "cso"},
        leaders={"cso": Leader(background=0.0)},
        quota_owner="cso",
        backgrounds={"cso": 0.0, "head_of_marketing": 1.0},
    )


def sales_under_marketing(profile: Profile = "background") -> Structure:
    """The head of sales reports to a marketing-background CMO, who heads marketing and carries
    the number (seed 004: the combined executive owns the 90-day quota)."""
    _check(profile)
    return Structure(
        name="sales_under_marketing",
        marketing_head="cmo",
        sales_head="head_of_sales",
        reports_to={"cmo": None, "head_of_sales": "cmo"},
        leaders={"cmo": Leader(background=1.0)},
        quota_owner="cmo",
        backgrounds={"cmo": 1.0, "head_of_sales": 0.0},
    )


def shared_leader(profile: Profile = "background") -> Structure:
    """Both heads report to one leader (CRO / CCO / GM) who carries the number: one more salary.

    ``profile="seed"``: balanced background, understands both areas (seed 001: "a leader who
    understands/interested in both areas"), agreed scoring criteria and more attention for the
    interface (Kotler, Rackham & Krishnaswamy 2006: the 'aligned' and 'integrated' stages)."""
    _check(profile)
    leader = Leader(background=0.5)
    if profile == "seed":
        leader = Leader(
            background=0.5,
            sales_understanding=0.9,
            marketing_understanding=0.9,
            sla_enforcement=0.75,
            crm_discipline=0.8,
            attention=0.8,
            bias=0.0,
            agreed_scoring_criteria=True,
        )
    return Structure(
        name="shared_leader",
        marketing_head="head_of_marketing",
        sales_head="head_of_sales",
        reports_to={"cro": None, "head_of_marketing": "cro", "head_of_sales": "cro"},
        leaders={"cro": leader},
        quota_owner="cro",
        backgrounds={"cro": 0.5, "head_of_marketing": 1.0, "head_of_sales": 0.0},
    )


def siloed(profile: Profile = "background") -> Structure:
    """Both heads report separately to a CEO, who runs the company (five other direct reports);
    the head of sales carries the number.

    ``profile="seed"``: 'thrown over the wall' (seed 002): no agreed criteria, weak
    enforcement, and a salary not charged to sales and marketing. Its attention, 0.35, is what
    the CEO's span of seven turns into the 0.1 the seeds' profile gave the interface (the span
    of control now takes the company's share of the CEO's time)."""
    _check(profile)
    leader = Leader(background=0.5)
    if profile == "seed":
        leader = Leader(
            background=0.5,
            sla_enforcement=0.15,
            crm_discipline=0.3,
            attention=0.35,
            bias=0.0,
            agreed_scoring_criteria=False,
            salary_usd_per_year=0.0,
        )
    return Structure(
        name="siloed",
        marketing_head="head_of_marketing",
        sales_head="head_of_sales",
        reports_to={"ceo": None, "head_of_marketing": "ceo", "head_of_sales": "ceo", **dict.fromkeys(CEO_OTHER_REPORTS, "ceo")},
        leaders={"ceo": leader},
        quota_owner="head_of_sales",
        backgrounds={"ceo": 0.5, "head_of_marketing": 1.0, "head_of_sales": 0.0},
    )


def all(profile: Profile = "background") -> dict[str, Structure]:
    """The four presets by name, in a stable order."""
    structures = [marketing_under_sales(profile), sales_under_marketing(profile), shared_leader(profile), siloed(profile)]
    return {s.name: s for s in structures}


__all__ = ["CEO_OTHER_REPORTS", "PROFILES", "Profile", "all", "marketing_under_sales", "sales_under_marketing", "shared_leader", "siloed"]

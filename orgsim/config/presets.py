"""The reporting structures of MODEL.md section 4, as data.

Each preset is a :class:`~orgsim.leadership.Structure`: roles, reporting lines and leader
profiles. Nothing else distinguishes them: the model never reads a structure's name, and a
custom ``Structure`` with the same roles and profiles under another name gives bit-identical
results. Override any attribute with ``preset().with_integrator(attribute=value)``.
"""

from __future__ import annotations

from orgsim.config.structure import Leader, Structure


def marketing_under_sales() -> Structure:
    """The head of marketing reports to a sales-background leader (CSO / VP Sales), who also heads sales."""
    return Structure(
        name="marketing_under_sales",
        marketing_head="head_of_marketing",
        sales_head="cso",
        reports_to={"cso": None, "head_of_marketing": "cso"},
        leaders={"cso": Leader(background=0.0)},
    )


def sales_under_marketing() -> Structure:
    """The head of sales reports to a marketing-background leader (CMO), who also heads marketing."""
    return Structure(
        name="sales_under_marketing",
        marketing_head="cmo",
        sales_head="head_of_sales",
        reports_to={"cmo": None, "head_of_sales": "cmo"},
        leaders={"cmo": Leader(background=1.0)},
    )


def shared_leader() -> Structure:
    """Both heads report to one leader who understands both (CRO / CCO / GM): one more salary.

    Balanced background, understands both areas (seed 001: "a leader who understands/interested
    in both areas"), agreed scoring criteria and more attention for the interface (Kotler,
    Rackham & Krishnaswamy 2006: the 'aligned' and 'integrated' stages)."""
    return Structure(
        name="shared_leader",
        marketing_head="head_of_marketing",
        sales_head="head_of_sales",
        reports_to={"cro": None, "head_of_marketing": "cro", "head_of_sales": "cro"},
        leaders={
            "cro": Leader(
                background=0.5,
                sales_understanding=0.9,
                marketing_understanding=0.9,
                sla_enforcement=0.75,
                crm_discipline=0.8,
                attention=0.8,
                bias=0.0,
                agreed_scoring_criteria=True,
            )
        },
    )


def siloed() -> Structure:
    """Both heads report separately to a CEO who gives the interface little attention.

    'Thrown over the wall' (seed 002): no agreed criteria, weak enforcement, low attention.
    The CEO's salary is not charged to sales and marketing."""
    return Structure(
        name="siloed",
        marketing_head="head_of_marketing",
        sales_head="head_of_sales",
        reports_to={"ceo": None, "head_of_marketing": "ceo", "head_of_sales": "ceo"},
        leaders={
            "ceo": Leader(
                background=0.5,
                sla_enforcement=0.15,
                crm_discipline=0.3,
                attention=0.1,
                bias=0.0,
                agreed_scoring_criteria=False,
                salary_usd_per_year=0.0,
            )
        },
    )


def all() -> dict[str, Structure]:
    """The four presets by name, in a stable order."""
    structures = [marketing_under_sales(), sales_under_marketing(), shared_leader(), siloed()]
    return {s.name: s for s in structures}


__all__ = ["all", "marketing_under_sales", "sales_under_marketing", "shared_leader", "siloed"]

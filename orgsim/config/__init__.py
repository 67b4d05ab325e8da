"""Layer 1, configuration: what a run is asked to simulate.

The ``param()`` schema and the one validation kit, :class:`Scenario` and its sections,
:class:`Leader` and :class:`Structure`, the presets and ready-made scenarios, and TOML in and
out. Imports nothing else of orgsim; every other layer imports from here.
"""

from orgsim.config.errors import Problem, ValidationError
from orgsim.config.scenario import (
    INF,
    STOCKS,
    Calendar,
    Costs,
    Deals,
    DecayTable,
    Growth,
    Inbound,
    Leadership,
    Leads,
    Market,
    Marketing,
    Mechanisms,
    ProjectKind,
    Sales,
    Scenario,
    StockParams,
    default_project_kinds,
    describe,
    param,
    read_toml,
    validate,
)
from orgsim.config.structure import Leader, Structure

__all__ = [
    "INF",
    "STOCKS",
    "Calendar",
    "Costs",
    "Deals",
    "DecayTable",
    "Growth",
    "Inbound",
    "Leader",
    "Leadership",
    "Leads",
    "Market",
    "Marketing",
    "Mechanisms",
    "Problem",
    "ProjectKind",
    "Sales",
    "Scenario",
    "StockParams",
    "Structure",
    "ValidationError",
    "default_project_kinds",
    "describe",
    "param",
    "read_toml",
    "validate",
]

"""Layer 1, configuration: what a run is asked to simulate.

The one validation kit (``checks``), the ``param()`` schema (``params``), :class:`Scenario`
(``scenario``) and its sections (``sections``, ``marketing``), :class:`Leader` and
:class:`Structure` (``structure``), the presets and ready-made scenarios, and TOML in and out
(``files``). Imports nothing else of orgsim; every other layer imports from here.
"""

from orgsim.config.budget import Budget
from orgsim.config.customers import Customers
from orgsim.config.errors import Problem, ValidationError
from orgsim.config.files import read_toml
from orgsim.config.marketing import STOCKS, Market, Marketing, ProjectKind, StockParams, default_project_kinds
from orgsim.config.params import DecayTable, param
from orgsim.config.population import LeaderPopulation, SeatDraw
from orgsim.config.reorganization import Reorganization, Transition
from orgsim.config.scenario import INF, Scenario, describe, validate
from orgsim.config.sections import Calendar, Costs, Deals, Growth, Inbound, Leadership, Leads, Mechanisms, Sales
from orgsim.config.structure import Leader, Structure
from orgsim.config.workforce import Workforce

__all__ = [
    "INF",
    "STOCKS",
    "Budget",
    "Calendar",
    "Costs",
    "Customers",
    "Deals",
    "DecayTable",
    "Growth",
    "Inbound",
    "Leader",
    "LeaderPopulation",
    "Leadership",
    "Leads",
    "Market",
    "Marketing",
    "Mechanisms",
    "Problem",
    "ProjectKind",
    "Reorganization",
    "Sales",
    "Scenario",
    "SeatDraw",
    "StockParams",
    "Structure",
    "Transition",
    "ValidationError",
    "Workforce",
    "default_project_kinds",
    "describe",
    "param",
    "read_toml",
    "validate",
]

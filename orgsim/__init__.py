"""orgsim: how should a B2B company arrange its sales and marketing teams?

A SimPy discrete-event model of lead flow, marketing work and revenue under different
reporting structures, with the experiment machinery to compare them.
"""

from orgsim import presets, scenarios
from orgsim.config import Calendar, Costs, Deals, Inbound, Leads, Mechanisms, Sales, Scenario
from orgsim.errors import ValidationError
from orgsim.experiment import Experiment, LatinHypercube, compare, sweep
from orgsim.leadership import Leader, Structure
from orgsim.results import RunResult
from orgsim.simulate import simulate

__version__ = "0.1.0"

__all__ = [
    "Calendar",
    "Costs",
    "Deals",
    "Experiment",
    "Inbound",
    "LatinHypercube",
    "Leader",
    "Leads",
    "Mechanisms",
    "RunResult",
    "Sales",
    "Scenario",
    "Structure",
    "ValidationError",
    "compare",
    "presets",
    "scenarios",
    "simulate",
    "sweep",
]
